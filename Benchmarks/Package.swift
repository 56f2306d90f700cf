// swift-tools-version:6.0
import PackageDescription

/// Benchmarks live in their own package so that their dependencies (and later postgres-nio's pool
/// as the Swift peer) never cost the main build anything.
let package = Package(
    name: "PoolKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "PoolKit", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "PoolBenchmarks",
            dependencies: [.product(name: "PoolKit", package: "PoolKit")],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]),
    ],
    swiftLanguageModes: [.v6]
)
