// swift-tools-version:6.0
import PackageDescription

/// Every target is built in Swift 6 language mode (strict concurrency is the default there).
let package = Package(
    name: "PoolKit",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PoolKit", targets: ["PoolKit"]),
        .library(name: "PoolKitSQLite", targets: ["PoolKitSQLite"]),
        .library(name: "PoolKitPostgres", targets: ["PoolKitPostgres"]),
        .library(name: "PoolKitMariaDB", targets: ["PoolKitMariaDB"]),
        .library(name: "PoolKitConformance", targets: ["PoolKitConformance"]),
        .executable(name: "poolkit", targets: ["poolkit"]),
        .plugin(name: "NewDriverPlugin", targets: ["NewDriverPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CPoolKitLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CPoolKitMariaDB", pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"]), .brew(["mariadb-connector-c"])]),
        .systemLibrary(
            name: "CPoolKitSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(
            name: "CPoolKitZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CPoolKitCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),

        // Small C helpers of PoolKit's own (hardware CRC-32C; naming a connection's thread; the
        // commit a release was built from, which scripts/release.sh passes as a C macro).
        .target(name: "CPoolKitChecksum"),
        .target(name: "CPoolKitThreads"),
        .target(name: "CPoolKitBuildInfo"),

        // The engine-independent core: pool, URL, driver protocols, archive, backup/restore engine.
        .target(
            name: "PoolKit",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "DequeModule", package: "swift-collections"),
                "CPoolKitZstd",
                "CPoolKitCrypto",
                "CPoolKitChecksum",
                "CPoolKitThreads",
            ]),
        .target(
            name: "PoolKitSQLite",
            dependencies: ["PoolKit", "CPoolKitSQLite", .product(name: "Logging", package: "swift-log")]),
        .target(name: "PoolKitPostgres", dependencies: ["PoolKit", "CPoolKitLibPQ"]),
        .target(name: "PoolKitMariaDB", dependencies: ["PoolKit", "CPoolKitMariaDB"]),
        .target(name: "PoolKitConformance", dependencies: ["PoolKit"]),
        .executableTarget(
            name: "poolkit",
            dependencies: [
                "PoolKit", "PoolKitSQLite", "PoolKitPostgres", "PoolKitMariaDB", "CPoolKitBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .plugin(
            name: "NewDriverPlugin",
            capability: .command(
                intent: .custom(verb: "new-driver", description: "Scaffold a PoolKit driver target and its conformance tests"),
                permissions: [.writeToPackageDirectory(reason: "Creates Sources/PoolKit<Name>/ and Tests/PoolKit<Name>Tests/ and adds them to Package.swift")])),

        .testTarget(
            name: "PoolKitTests",
            dependencies: ["PoolKit", "PoolKitConformance", .product(name: "MetricsTestKit", package: "swift-metrics")]),
        .testTarget(
            name: "PoolKitSQLiteTests",
            dependencies: [
                "PoolKitSQLite", "PoolKitConformance", "CPoolKitSQLite",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "PoolKitPostgresTests",
            dependencies: ["PoolKitPostgres", "PoolKitConformance", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "PoolKitMariaDBTests",
            dependencies: ["PoolKitMariaDB", "PoolKitConformance", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "poolkitCLITests", dependencies: ["poolkit", "PoolKitConformance"]),
        .testTarget(
            name: "CrossEngineTests",
            dependencies: [
                "PoolKitSQLite", "PoolKitPostgres", "PoolKitMariaDB", "PoolKitConformance",
                .product(name: "Logging", package: "swift-log"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
