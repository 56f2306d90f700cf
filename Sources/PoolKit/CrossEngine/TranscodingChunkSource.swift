/// A chunk's payloads in the source's encoding, read as the target's: each payload is decoded into
/// rows by the source driver's decoder, each value converted to its target column's type, and the
/// rows written by the target driver's encoder. Runs in the loading task, one payload at a time, so
/// memory stays at a payload's worth of rows; the source's checksums are verified underneath as in
/// any restore (`inner.next()` returns nil only after the chunk's end frame was checked).
final class TranscodingChunkSource: ChunkSource {
    private let inner: any ChunkSource
    private let decoder: any PortableRowDecoder
    private let encoder: any PortableRowEncoder
    private let writer: any PortableArchiveWriter
    private let converter: PortableValueConverter
    private let table: PortableTable
    private let policy: CrossEngineOptions.BadValuePolicy
    private let chunkID: UInt32
    private var converted: [PortableValue]
    /// Each column's source and target type, read per value without copying its column.
    private let sourceTypes: [PortableType]
    private let targetTypes: [PortableType]
    private let nullable: [Bool]
    private(set) var counts = ChunkConversionCounts()

    init(
        inner: any ChunkSource, decoder: any PortableRowDecoder, writer: any PortableArchiveWriter, table: PortableTable,
        converter: PortableValueConverter,
        policy: CrossEngineOptions.BadValuePolicy, chunkID: UInt32
    ) {
        self.inner = inner
        self.decoder = decoder
        self.writer = writer
        self.encoder = writer.rowEncoder(for: table)
        self.converter = converter
        self.table = table
        self.policy = policy
        self.chunkID = chunkID
        converted = Array(repeating: .null, count: table.columns.count)
        sourceTypes = table.columns.map(\.sourceType)
        targetTypes = table.columns.map(\.type)
        nullable = table.columns.map(\.nullable)
    }

    func next() async throws -> [UInt8]? {
        while let payload = try await inner.next() {
            var output: [UInt8] = []
            output.reserveCapacity(payload.count + payload.count / 4)
            try decoder.decode(payload) { values in try convertRow(values, into: &output) }
            if !output.isEmpty { return output }
        }
        try decoder.finish()
        return nil
    }

    private func convertRow(_ values: [PortableValue], into output: inout [UInt8]) throws {
        counts.rowsRead += 1
        guard values.count == table.columns.count else {
            throw PoolKitError(
                .archiveCorrupt,
                "a row of \(table.sourceName) in chunk \(chunkID) has \(values.count) values but the table has \(table.columns.count) columns")
        }
        // The row is built in a local array (no exclusivity checks per value), handed back after.
        var row: [PortableValue] = []
        swap(&row, &converted)
        defer { swap(&row, &converted) }
        for index in 0..<targetTypes.count {
            var conversion = converter.convert(values[index], from: sourceTypes[index], to: targetTypes[index])
            switch conversion {
            case .value(let value), .converted(let value, _):
                if let problem = writer.problem(storing: value) { conversion = .refused(reason: problem) }
            default: break
            }
            switch conversion {
            case .value(let value):
                row[index] = value
            case .converted(let value, let rule):
                row[index] = value
                counts.converted[rule, default: 0] += 1
            case .nulled(let rule):
                guard nullable[index] else {
                    try refuse(values[index], column: table.columns[index], reason: "\(rule) would become NULL in a NOT NULL column")
                    if policy == .skipRow { return }
                    continue
                }
                row[index] = .null
                counts.converted[rule, default: 0] += 1
            case .refused(let reason):
                try refuse(values[index], column: table.columns[index], reason: reason)
                if policy == .skipRow { return }
                row[index] = .null  // --on-bad-value null (error has thrown)
            }
        }
        encoder.append(row, to: &output)
        counts.rowsWritten += 1
    }

    /// Applies `--on-bad-value` to a value the column cannot hold: throws for `error` (and for
    /// `null` into a NOT NULL column), else counts it (for `null`, the caller loads NULL).
    private func refuse(_ value: PortableValue, column: PortableColumn, reason: String) throws {
        let place = "table \(table.sourceName), column \(column.sourceName) (\(column.sourceTypeName) → \(column.type.name)), chunk \(chunkID)"
        let description = "\(place): value \(value.shown): \(reason)"
        switch policy {
        case .error:
            throw PoolKitError(
                .unsupported,
                "\(description); --on-bad-value null loads NULL instead, --on-bad-value skip-row leaves the row out, --cast changes the column's type")
        case .null:
            guard column.nullable else {
                throw PoolKitError(.unsupported, "\(description), and the column is NOT NULL so --on-bad-value null cannot load NULL: use skip-row or --cast")
            }
        case .skipRow:
            counts.rowsSkipped += 1
        }
        counts.refused += 1
        if counts.refusedExamples.count < MigrationReportCollector.examplesPerTable { counts.refusedExamples.append(description) }
    }
}
