import Synchronization

/// What a restore into another engine did, per table: rows read and written, values converted by
/// each rule, values refused (and what became of them), the type each column got, and the source's
/// objects it did not carry, with their definitions. Written by `poolkit restore --report FILE`.
public struct MigrationReport: Sendable, Codable, Hashable {
    public struct Column: Sendable, Codable, Hashable {
        public var name: String
        public var sourceType: String
        public var targetType: String
        /// The `--cast` rule that chose the target type, if one did.
        public var cast: String?
    }

    public struct Table: Sendable, Codable, Hashable {
        public var name: String
        public var targetName: String
        public var rowsRead: UInt64 = 0
        public var rowsWritten: UInt64 = 0
        /// Rows left out by `--on-bad-value skip-row`.
        public var rowsSkipped: UInt64 = 0
        /// Rule name → values converted by it (`nulled` rules included, e.g. `zero-date`).
        public var converted: [String: UInt64] = [:]
        /// Values the target column could not hold (loaded as NULL or their row skipped, by `--on-bad-value`).
        public var refused: UInt64 = 0
        /// The first few refused values, with the column, chunk and reason.
        public var refusedExamples: [String] = []
        public var columns: [Column] = []
    }

    /// A CHECK or an index whose expression was translated.
    public struct Translation: Sendable, Codable, Hashable {
        /// `check` or `index`.
        public var kind: String
        /// The table (its source name).
        public var table: String
        public var name: String
        /// The definition in the source's dialect.
        public var source: String
        /// The condition, or the keys and predicate, as written for the target.
        public var target: String
    }

    public var sourceEngine: String
    public var targetEngine: String
    public var onBadValue: String
    public var tables: [Table]
    public var notCarried: [PortableNotCarried]
    /// CHECK conditions and expression or partial indexes carried by translating their expressions.
    public var translated: [Translation] = []
    /// What the user should know (a spatial column carried as bytes, …).
    public var warnings: [String]

    /// Values converted by each rule, over all tables.
    public var convertedTotals: [String: UInt64] {
        tables.reduce(into: [:]) { totals, table in totals.merge(table.converted, uniquingKeysWith: +) }
    }

    /// A readable summary: one line per table, then the rules, the refused values and what was not carried.
    public var summary: String {
        var lines = ["migration \(sourceEngine) → \(targetEngine) (--on-bad-value \(onBadValue))"]
        for table in tables {
            var line = "  \(table.name): read \(table.rowsRead), written \(table.rowsWritten)"
            if table.rowsSkipped > 0 { line += ", skipped \(table.rowsSkipped)" }
            if table.refused > 0 { line += ", values refused \(table.refused)" }
            let rules = table.converted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            if !rules.isEmpty { line += ", converted: " + rules.joined(separator: ", ") }
            lines.append(line)
            for example in table.refusedExamples { lines.append("    refused: \(example)") }
        }
        if !translated.isEmpty {
            lines.append("  translated:")
            for item in translated { lines.append("    \(item.kind) \(item.table).\(item.name): \(item.target)") }
        }
        if !notCarried.isEmpty {
            lines.append("  not carried (definitions in the JSON report):")
            for item in notCarried { lines.append("    \(item.kind) \(item.name): \(item.reason)") }
        }
        for warning in warnings { lines.append("  warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}

/// Collects a cross-engine restore's counts from its workers.
final class MigrationReportCollector: Sendable {
    private let state: Mutex<MigrationReport>
    private let tableIndex: [UInt32: Int]
    static let examplesPerTable = 5

    init(report: MigrationReport, tableIDs: [UInt32]) {
        state = Mutex(report)
        tableIndex = Dictionary(tableIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Adds one chunk's counts.
    func add(table id: UInt32, _ counts: ChunkConversionCounts) {
        guard let index = tableIndex[id] else { return }
        state.withLock { report in
            report.tables[index].rowsRead += counts.rowsRead
            report.tables[index].rowsWritten += counts.rowsWritten
            report.tables[index].rowsSkipped += counts.rowsSkipped
            report.tables[index].refused += counts.refused
            report.tables[index].converted.merge(counts.converted, uniquingKeysWith: +)
            let room = Self.examplesPerTable - report.tables[index].refusedExamples.count
            if room > 0 { report.tables[index].refusedExamples += counts.refusedExamples.prefix(room) }
        }
    }

    var report: MigrationReport { state.withLock { $0 } }
}

/// What one chunk's conversion counted.
struct ChunkConversionCounts: Sendable {
    var rowsRead: UInt64 = 0
    var rowsWritten: UInt64 = 0
    var rowsSkipped: UInt64 = 0
    var refused: UInt64 = 0
    var converted: [String: UInt64] = [:]
    var refusedExamples: [String] = []
}
