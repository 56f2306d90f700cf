import Foundation
import Logging
import PoolKit

/// How many connections a backup or restore opens: the default, the cap, and the server's limit.
enum Jobs {
    /// The default `--jobs`: the cores, but at most 4 — what a careful operator starts with against a
    /// production server (pg_dump's default is 1, pgcopydb's 4); more is a choice, not an accident
    /// of running on a large host.
    static let defaultCount = min(ProcessInfo.processInfo.activeProcessorCount, 4)

    /// The most connections `--jobs` opens: more only adds contention.
    static let maximum = 64

    /// `jobs`, or ``maximum`` with a warning when more were asked for. Values below 1 pass through
    /// for the engine to refuse with its usage message.
    static func capped(_ jobs: Int) -> Int {
        guard jobs > maximum else { return jobs }
        writeToStandardError("poolkit: warning: --jobs \(jobs) is more than the \(maximum) connections poolkit opens at most; using \(maximum)\n")
        return maximum
    }

    /// Warns on stderr when `connections` (the jobs and a coordinator) are more than the server
    /// accepts, read on one short connection before the run opens its pool. Says nothing when the
    /// driver knows no limit or the probe fails (the run itself then reports what is wrong).
    static func warnIfOverServerLimit(_ url: ConnectionURL, connections: Int, jobs: Int) async {
        guard let driver = try? Drivers.registry.driver(for: url) else { return }
        let logger = Logger(label: "poolkit.jobs")
        do {
            guard let limit = try await driver.connectionLimit(for: url, logger: logger), connections > limit.available else { return }
            writeToStandardError(
                "poolkit: warning: --jobs \(jobs) opens \(connections) connections, but the server accepts \(max(limit.available, 0)) more (\(limit.explanation)); connections beyond that will be refused — lower --jobs\n"
            )
        } catch {
            logger.debug("could not read the server's connection limit: \(error)")
        }
    }
}
