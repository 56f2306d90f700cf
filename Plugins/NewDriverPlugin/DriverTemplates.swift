/// The files `new-driver` writes. Kept apart from the plugin's logic so they read like the code they produce.
struct DriverTemplates {
    let name: String
    let scheme: String

    var upperName: String { name.uppercased() }

    var driver: String {
        """
        import Logging
        @_exported import PoolKit

        /// The \(name) driver: serves `\(scheme)://` URLs.
        public struct \(name)Driver: Driver {
            public init() {}

            public var name: String { "\(scheme)" }
            public var schemes: [String] { ["\(scheme)"] }

            /// The URL query options this driver accepts; every other option is rejected with a clear error.
            public var supportedOptions: [DriverOption] {
                [DriverOption("connect_timeout", "seconds to wait for the server")]
            }

            /// Backup strategies, the default first; `poolkit backup --strategy NAME` picks one.
            public var backupStrategies: [any BackupStrategy<\(name)Connection>] { [\(name)RowsBackupStrategy()] }
            /// Restore strategies, one per backup strategy name whose archives they read.
            public var restoreStrategies: [any RestoreStrategy<\(name)Connection>] { [\(name)RowsRestoreStrategy()] }

            public func connect(to url: ConnectionURL, logger: Logger) async throws -> \(name)Connection {
                try await \(name)Connection.open(url: url, logger: logger)
            }

            /// Map the engine's errors: `.connectionBroken` for a dead session, `.permanent` for a wrong
            /// password or unknown database, `.transient` for an unreachable server.
            public func classify(_ error: any Error) -> ErrorDisposition {
                ErrorDisposition.fromCode(error)
            }
        }

        """
    }

    var connection: String {
        """
        import Logging
        import PoolKit

        /// One session with \(name). Run every blocking client-library call on `thread`, one hop per
        /// statement (never per row), and make `cancelRunningStatement()` reach the server.
        public final class \(name)Connection: DatabaseConnection {
            private let thread: ConnectionThread
            public let serverVersion: String

            private init(thread: ConnectionThread, serverVersion: String) {
                self.thread = thread
                self.serverVersion = serverVersion
            }

            static func open(url: ConnectionURL, logger: Logger) async throws -> \(name)Connection {
                let thread = ConnectionThread(name: "poolkit-\(scheme)")
                // Open the client library's handle here, on `thread`, e.g.:
                // let handle = try await thread.run { try \(name)Handle.connect(url) }
                thread.stop()
                throw PoolKitError(.unsupported, "\(name)Connection.open is not written yet (Sources/PoolKit\(name)/\(name)Connection.swift)")
            }

            public func execute(unsafeSQL sql: String) async throws {
                throw PoolKitError(.unsupported, "\(name)Connection.execute is not written yet")
            }

            public func query(unsafeSQL sql: String) async throws -> QueryResult {
                throw PoolKitError(.unsupported, "\(name)Connection.query is not written yet")
            }

            /// Placeholders, identifier quotes and transaction start of \(name): pick the built-in
            /// dialect closest to it, or make one with `SQLDialect(placeholder:identifierQuote:transactionStart:)`.
            public var sqlDialect: SQLDialect { .sqlite }

            /// Bind `values` to the placeholders of `sql` through the client library (never splice them
            /// into the text), prepare once per connection and reuse, and return typed rows.
            public func query(_ sql: String, _ values: [SQLValue]) async throws -> SQLRows {
                throw PoolKitError(.unsupported, "\(name)Connection.query(_:_:) (bound parameters) is not written yet")
            }

            /// Run one statement like `query(_:_:)` as one job on `thread`, handing each row to a
            /// `SQLRowBatcher(channel: channel)` as the client library produces it; when `add` throws,
            /// end the statement so the next one can run.
            public func streamRows(_ sql: String, _ values: [SQLValue], into channel: HandoffChannel<[SQLRow]>) async throws {
                throw PoolKitError(.unsupported, "\(name)Connection.streamRows (row streams) is not written yet")
            }

            public func ping() async throws {
                throw PoolKitError(.unsupported, "\(name)Connection.ping is not written yet")
            }

            public func resetSession() async throws {
                throw PoolKitError(.unsupported, "\(name)Connection.resetSession is not written yet")
            }

            public func cancelRunningStatement() {}

            public func close() async {
                thread.stop()
            }
        }

        """
    }

    var strategies: String {
        """
        import PoolKit

        /// The `rows` backup strategy: a snapshot shared by every worker, each table's rows in chunks.
        /// See docs/writing-a-driver.md ("Backup and restore strategies") and the in-memory driver in
        /// Tests/PoolKitTests/Engine/MemoryDriver.swift, the smallest complete example.
        struct \(name)RowsBackupStrategy: BackupStrategy {
            var name: String { "rows" }
            var summary: String { "every table's rows from one snapshot, in parallel chunks" }

            func begin(on coordinator: \(name)Connection, options: BackupOptions) async throws -> \(name)RowsBackupSession {
                // Start a consistent snapshot on the coordinator here (a repeatable-read transaction,
                // an exported snapshot, a brief lock) and return the session.
                throw PoolKitError(.unsupported, "\(name)RowsBackupStrategy.begin is not written yet (Sources/PoolKit\(name)/\(name)Strategies.swift)")
            }
        }

        final class \(name)RowsBackupSession: BackupSession {
            /// Make `worker` see the coordinator's snapshot.
            func join(_ worker: \(name)Connection) async throws {
                throw PoolKitError(.unsupported, "\(name)RowsBackupSession.join is not written yet")
            }

            /// Release what was held only so that the workers could join.
            func workersJoined() async throws {}

            /// Read the catalog (objects with DDL, sections and dependencies; tables with columns and
            /// their encoding) and split large tables into chunks.
            func plan() async throws -> BackupPlan {
                throw PoolKitError(.unsupported, "\(name)RowsBackupSession.plan is not written yet")
            }

            /// Stream one chunk with `StreamedDump.run(into: sink) { channel in … }`: one hop to the
            /// worker's thread, ~1 MiB buffers sent through the channel, the row count returned.
            func dump(_ chunk: BackupChunk, on worker: \(name)Connection, into sink: any ChunkSink) async throws -> UInt64 {
                throw PoolKitError(.unsupported, "\(name)RowsBackupSession.dump is not written yet")
            }

            /// End the snapshot on the coordinator and the workers.
            func end() async {}
        }

        /// Restores archives of the `rows` strategy.
        struct \(name)RowsRestoreStrategy: RestoreStrategy {
            var name: String { "rows" }

            func begin(manifest: ArchiveManifest, on coordinator: \(name)Connection, options: RestoreOptions) async throws
                -> \(name)RowsRestoreSession
            {
                // Refuse a target that already has the archive's tables (unless options.clean), check versions.
                throw PoolKitError(.unsupported, "\(name)RowsRestoreStrategy.begin is not written yet")
            }
        }

        final class \(name)RowsRestoreSession: RestoreSession {
            var maxParallelLoads: Int? { nil }

            /// Run one object's DDL.
            func apply(_ object: ArchiveObject, on connection: \(name)Connection) async throws {
                throw PoolKitError(.unsupported, "\(name)RowsRestoreSession.apply is not written yet")
            }

            /// Load one chunk with `StreamedLoad.run(from: source) { reader in … }`, committing only after
            /// `reader.next()` returned nil; return the rows loaded.
            func load(objectID: UInt32, chunkID: UInt32, from source: any ChunkSource, on worker: \(name)Connection) async throws
                -> UInt64
            {
                throw PoolKitError(.unsupported, "\(name)RowsRestoreSession.load is not written yet")
            }

            func finish(on coordinator: \(name)Connection) async throws {}
        }

        """
    }

    var conformanceTests: String {
        """
        import Foundation
        import PoolKitConformance
        import PoolKit\(name)
        import Testing

        /// The test server's URL, from the environment.
        private let \(name.prefix(1).lowercased() + name.dropFirst())URLText = ProcessInfo.processInfo.environment["POOLKIT_TEST_\(upperName)_URL"]

        /// Runs PoolKit's conformance kit against a real \(name) server named by POOLKIT_TEST_\(upperName)_URL.
        /// Without the URL the suite is skipped, unless POOLKIT_REQUIRE_SERVERS=1 (then it fails).
        @Suite("\(name) conformance", .enabled(if: \(name.prefix(1).lowercased() + name.dropFirst())URLText != nil || TestServers.serversRequired))
        struct \(name)ConformanceTests {
            @Test(arguments: ConformanceCheck.all)
            func conformance(_ check: ConformanceCheck) async throws {
                let text = try #require(\(name.prefix(1).lowercased() + name.dropFirst())URLText, "set POOLKIT_TEST_\(upperName)_URL to a \(scheme):// URL of a test server")
                let context = ConformanceContext(
                    url: try ConnectionURL(text),
                    registry: DriverRegistry([\(name)Driver()]),
                    longRunningStatement: "SELECT 1 /* replace with a statement that runs for a minute */")
                try await check.run(context)
            }
        }

        """
    }

    var manifestAddition: String {
        """

        // Added by `swift package new-driver --name \(name)`.
        package.products.append(.library(name: "PoolKit\(name)", targets: ["PoolKit\(name)"]))
        package.targets += [
            .target(name: "PoolKit\(name)", dependencies: ["PoolKit"]),
            .testTarget(name: "PoolKit\(name)Tests", dependencies: ["PoolKit\(name)", "PoolKitConformance"]),
        ]

        """
    }
}
