import Foundation
import PoolKit

// The objects `--json` prints, one per command, as documented in docs/cli.md ("JSON output"). Each
// names itself and its version in `schema` (`poolkit.backup/1`); a later version only adds fields.
// Sizes are bytes, durations seconds, URLs shown without their password.

/// `poolkit backup --json`.
struct BackupReport: Encodable {
    var schema = "poolkit.backup/1"
    var source: String
    var strategy: String
    var jobs: Int
    /// The output file, or `-` for standard output.
    var archive: String
    var objects: Int
    var tables: Int
    var blobs: Int
    var chunks: Int
    var rows: UInt64
    var dataBytes: UInt64
    var archiveBytes: UInt64
    var seconds: Double
    var digest: String
    /// Objects the backup could not carry (each also a warning on stderr).
    var notCarried: Int
    /// `quick_check ok` or `quick_check FAILED — …` (SQLite), else nil.
    var sourceCheck: String?

    init(_ summary: BackupSummary, source: ConnectionURL, jobs: Int, archive: String) {
        let trailer = summary.archive.trailer
        self.source = "\(source)"
        strategy = summary.manifest.strategy
        self.jobs = jobs
        self.archive = archive
        objects = summary.manifest.objects.count
        tables = summary.manifest.tables.count
        blobs = summary.manifest.blobs.count
        chunks = Int(trailer.tableChunks + trailer.blobChunks)
        rows = trailer.rows
        dataBytes = trailer.dataBytes
        archiveBytes = summary.archive.totalBytes
        seconds = summary.elapsed
        digest = "sha256:\(trailer.digest)"
        notCarried = summary.manifest.omitted.count
        sourceCheck = SourceCheck(summary.manifest.options)?.description
    }
}

/// `poolkit restore --json`.
struct RestoreReport: Encodable {
    var schema = "poolkit.restore/1"
    var target: String
    var strategy: String
    var sourceEngine: String
    var sourceServerVersion: String
    var objects: Int
    var chunks: Int
    var rows: UInt64
    var bytes: UInt64
    var seconds: Double
    var deadlocksRetried: Int
    /// Objects of the source the archive does not carry.
    var notCarried: Int
    var warnings: [String]
    /// A restore of another engine's archive: counts per table, conversions, refused values, objects not carried.
    var migration: MigrationReport?

    init(_ summary: RestoreSummary, target: ConnectionURL) {
        self.target = "\(target)"
        strategy = summary.manifest.strategy
        sourceEngine = summary.manifest.engine
        sourceServerVersion = summary.manifest.serverVersion
        objects = summary.objects
        chunks = summary.chunks
        rows = summary.rows
        bytes = summary.bytes
        seconds = summary.elapsed
        deadlocksRetried = summary.deadlockRetries
        notCarried = summary.manifest.omitted.count
        warnings = summary.warnings
        migration = summary.migration
    }
}

/// `poolkit verify --json`: on damage `intact` is false, `error` says where, the rest is absent.
struct VerifyReport: Encodable {
    var schema = "poolkit.verify/1"
    var archive: String
    var intact: Bool
    var error: String?
    var formatVersion: String?
    var engine: String?
    var serverVersion: String?
    var strategy: String?
    var createdAt: Date?
    var tables: Int?
    var blobs: Int?
    var chunks: Int?
    var rows: UInt64?
    var dataBytes: UInt64?
    var archiveBytes: UInt64?
    var digest: String?

    init(archive: String, damage: String) {
        self.archive = archive
        intact = false
        error = damage
    }

    init(archive: String, _ report: ArchiveReport) {
        self.archive = archive
        intact = true
        formatVersion = "\(report.formatVersion)"
        engine = report.manifest.engine
        serverVersion = report.manifest.serverVersion
        strategy = report.manifest.strategy
        createdAt = report.manifest.createdAt
        tables = report.tables.count
        blobs = report.blobs.count
        chunks = Int(report.trailer.tableChunks + report.trailer.blobChunks)
        rows = report.trailer.rows
        dataBytes = report.trailer.dataBytes
        archiveBytes = report.archiveBytes
        digest = "sha256:\(report.digest)"
    }
}

/// `poolkit ping --json`.
struct PingReport: Encodable {
    struct Encryption: Encodable {
        var version: String
        var cipher: String
    }
    var schema = "poolkit.ping/1"
    var url: String
    var serverVersion: String
    /// False for a plain network connection; absent for SQLite.
    var encrypted: Bool?
    /// The TLS version and cipher when `encrypted`.
    var encryption: Encryption?
    var pings: Int
    var minSeconds: Double
    var medianSeconds: Double
    var maxSeconds: Double
}

/// `poolkit drivers --json`.
struct DriversReport: Encodable {
    struct Named: Encodable {
        var name: String
        var summary: String
    }
    struct Entry: Encodable {
        var name: String
        var schemes: [String]
        var defaultStrategy: String?
        var strategies: [Named]
        var options: [Named]
    }
    var schema = "poolkit.drivers/1"
    var drivers: [Entry]
    var poolOptions: [String]

    init(_ registry: DriverRegistry) {
        drivers = registry.drivers.map { driver in
            Entry(
                name: driver.name, schemes: driver.schemes, defaultStrategy: driver.strategies.first?.name,
                strategies: driver.strategies.map { Named(name: $0.name, summary: $0.summary) },
                options: driver.supportedOptions.map { Named(name: $0.name, summary: $0.summary) })
        }
        poolOptions = PoolOptions.keys.sorted()
    }
}

/// Where a JSON report goes.
enum JSONDestination {
    case standardOutput, standardError
}

/// Writes `report` as one line of JSON (keys sorted, dates ISO 8601).
func emitJSON(_ report: some Encodable, to destination: JSONDestination = .standardOutput) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let line = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    switch destination {
    case .standardOutput:
        FileHandle.standardOutput.write(Data(line.utf8))
    case .standardError:
        writeToStandardError(line)
    }
}
