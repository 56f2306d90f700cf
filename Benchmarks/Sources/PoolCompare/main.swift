import Foundation
import PoolBenchSupport

// Prints the pool comparison as tab-separated rows (see Output); scripts/bench-pool.sh runs it and
// lays the rows out as a table. Real-server figures need POOLKIT_TEST_POSTGRES_URL.
//
//   swift run -c release --package-path Benchmarks --scratch-path Benchmarks/.build PoolCompare [--quick] [--runs N] [--only noop|server]

let settings: Settings
do {
    settings = try Settings(arguments: CommandLine.arguments)
} catch {
    FileHandle.standardError.write(Data("PoolCompare: \(error)\n".utf8))
    exit(2)
}
let output = Output()
if settings.sections.contains("noop") {
    try await NoOpScenarios(settings: settings, output: output).run()
}
if settings.sections.contains("server") {
    guard let url = ProcessInfo.processInfo.environment["POOLKIT_TEST_POSTGRES_URL"] else {
        FileHandle.standardError.write(Data("PoolCompare: POOLKIT_TEST_POSTGRES_URL is not set; real-server rows skipped\n".utf8))
        exit(settings.sections == ["server"] ? 1 : 0)
    }
    try await RealServerScenarios(settings: settings, output: output, url: url).run()
}
