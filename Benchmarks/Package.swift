// swift-tools-version:6.1
import PackageDescription

/// Benchmarks live in their own package so that their dependencies — ordo-one/benchmark and
/// postgres-nio, the Swift peer they are measured against — never cost the main build anything.
///
/// - `PoolBenchmarks` (ordo-one/benchmark): lease → release cycles of both pools over no-op
///   connections, with allocation counts: `swift package --scratch-path .build benchmark`.
/// - `PoolCompare`: throughput, acquire-latency percentiles, saturation and HikariCP's scenarios
///   over no-op connections; `PoolCompareServer`: PoolKit's PostgreSQL driver against
///   PostgresClient on a real server. Both print tab-separated rows for `scripts/bench-pool.sh`.
let package = Package(
    name: "PoolKitBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "PoolKit", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        // The example web app's routes, and Hummingbird, for AccountsServiceNIO.
        .package(name: "AccountsService", path: "../Examples/AccountsService"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
    ],
    targets: [
        .target(
            name: "PoolBenchSupport",
            dependencies: [
                .product(name: "PoolKit", package: "PoolKit"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ]),
        .executableTarget(
            name: "PoolBenchmarks",
            dependencies: [
                "PoolBenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/PoolBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(name: "PoolCompare", dependencies: ["PoolBenchSupport"]),
        .executableTarget(
            name: "PoolCompareServer",
            dependencies: [
                "PoolBenchSupport",
                .product(name: "PoolKit", package: "PoolKit"),
                .product(name: "PoolKitPostgres", package: "PoolKit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .executableTarget(
            name: "AccountsServiceNIO",
            dependencies: [
                .product(name: "AccountsAPI", package: "AccountsService"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
