// swift-tools-version:6.1
import PackageDescription

/// An example application on PoolKit: a JSON API over PostgreSQL served by Hummingbird 2.
/// It is a package of its own so that Hummingbird and SwiftNIO never cost the main build anything.
///
/// - `AccountsAPI`: the routes, generic over an `AccountStore`, and the PoolKit store. An app on
///   another client (postgres-nio's `PostgresClient`, for a benchmark) can reuse the routes, so
///   the two differ only in how they reach the database.
/// - `AccountsService`: the executable (`swift run AccountsService --help`).
let package = Package(
    name: "AccountsService",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AccountsAPI", targets: ["AccountsAPI"]),
        .executable(name: "AccountsService", targets: ["AccountsService"]),
    ],
    dependencies: [
        .package(name: "PoolKit", path: "../.."),
        // Hummingbird's default traits would also build swift-configuration, which the app does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "AccountsAPI",
            dependencies: [
                .product(name: "PoolKitPostgres", package: "PoolKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "AccountsService",
            dependencies: [
                "AccountsAPI",
                .product(name: "PoolKitPostgres", package: "PoolKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
