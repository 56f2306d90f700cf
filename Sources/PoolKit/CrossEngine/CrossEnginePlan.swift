import Logging

/// Everything a restore into another engine needs, prepared before the restore begins: the source's
/// schema in portable form (after `--cast` and `--fold-identifiers`), the manifest the target writes
/// for it, the source's decoders and the target's encoders, and the report being collected.
struct CrossEnginePlan: Sendable {
    let sourceManifest: ArchiveManifest
    let targetManifest: ArchiveManifest
    let reader: any PortableArchiveReader
    let writer: any PortableArchiveWriter
    /// Portable tables by archive id: each table's chunks, and each partition's (converted as rows
    /// of the table that receives them).
    let tables: [UInt32: PortableTable]
    let routing: PortablePartitionRouting
    let converter: PortableValueConverter
    let options: CrossEngineOptions
    let collector: MigrationReportCollector
    let warnings: [String]

    /// Plans the restore of an archive of `manifest` (written by another driver) into `target`.
    /// Throws `.archiveUnsupported` naming what is missing when either side cannot take part.
    static func prepare(
        manifest: ArchiveManifest, target: any Driver, registry: DriverRegistry, options: RestoreOptions, logger: Logger
    ) async throws -> (plan: CrossEnginePlan, strategy: any RestoreStrategy) {
        guard let sourceDriver = registry.drivers.first(where: { $0.name == manifest.driver }) else {
            throw PoolKitError(
                .archiveUnsupported,
                "the archive was written by the \(manifest.driver) driver, which this program does not have: restore it with a build that includes it")
        }
        guard let reader = (sourceDriver as? any CrossEngineDriver)?.portableReader else {
            throw PoolKitError(
                .archiveUnsupported,
                "the \(manifest.driver) driver cannot read its archives for another engine, so this archive cannot be restored into \(target.name): restore it into a \(manifest.driver) database")
        }
        guard let writer = (target as? any CrossEngineDriver)?.portableWriter else {
            throw PoolKitError(
                .archiveUnsupported,
                "the \(target.name) driver cannot take archives of another engine, so this \(manifest.driver) archive cannot be restored into it: restore it into a \(manifest.driver) database")
        }
        try checkOptions(options, manifest: manifest, target: target)
        let portable = try await reader.portableSchema(of: manifest, logger: logger)
        // Schemas of the tables with rows and of those without (a partitioned table is an object only).
        let schemas = Dictionary(
            manifest.tables.compactMap { table in table.schema.map { (table.id, $0) } }
                + manifest.objects.filter { $0.kind == .table }.compactMap { object in object.schema.map { (object.id, $0) } },
            uniquingKeysWith: { first, _ in first })
        let selected = PortableSchemaConsistency().apply(
            to: try PortableTableSelection(patterns: options.includeTables, schemas: schemas).apply(to: portable))
        try checkReadable(selected, policy: options.crossEngine.onBadValue)
        let (adjusted, casts) = try PortableSchemaAdjustment(options: options.crossEngine, schemas: schemas).apply(to: selected)
        let (expressionsFitted, translated) = PortableExpressionFitting(dialect: writer.expressionDialect, targetEngine: writer.engineName).apply(to: adjusted)
        let schema = writer.fitted(expressionsFitted)
        var warnings = schema.warnings
        let routing = try PortablePartitionRouting(schema: schema)
        let targetManifest = try routing.routed(try writer.manifest(for: schema, source: manifest, warnings: &warnings), source: manifest)
        let strategy = try target.restoreStrategy(named: writer.restoreStrategyName)
        let report = MigrationReport(
            sourceEngine: manifest.engine, targetEngine: writer.engineName, onBadValue: options.crossEngine.onBadValue.rawValue,
            tables: schema.tables.map { table in
                var entry = MigrationReport.Table(name: table.sourceName, targetName: table.name)
                entry.columns = table.columns.map { column in
                    MigrationReport.Column(
                        name: column.sourceName, sourceType: column.sourceTypeName, targetType: column.type.name,
                        cast: casts["\(table.sourceName).\(column.sourceName)"])
                }
                return entry
            },
            notCarried: schema.notCarried, translated: translated, warnings: warnings)
        let plan = CrossEnginePlan(
            sourceManifest: manifest, targetManifest: targetManifest, reader: reader, writer: writer,
            tables: routing.loadTables, routing: routing,
            converter: PortableValueConverter(textualSource: reader.textualEncoding), options: options.crossEngine,
            collector: MigrationReportCollector(report: report, tableIDs: schema.tables.map(\.id)), warnings: warnings)
        return (plan, wrap(strategy, plan: plan))
    }

    /// Refuses the options a restore into another engine cannot honour.
    static func checkOptions(_ options: RestoreOptions, manifest: ArchiveManifest, target: any Driver) throws {
        if options.singleTransaction || options.dataOnly {
            throw PoolKitError(
                .usage,
                "--single-transaction and --data-only are for restores into the archive's own engine; a restore from \(manifest.engine) into \(target.name) creates its tables")
        }
    }

    /// With `--on-bad-value error`, a column none of whose values can be read stops the restore
    /// before it begins (any row would); `null` and `skip-row` refuse its values one by one, counted.
    static func checkReadable(_ schema: PortableSchema, policy: CrossEngineOptions.BadValuePolicy) throws {
        guard policy == .error else { return }
        for table in schema.tables {
            for column in table.columns {
                guard let reason = column.unreadable else { continue }
                throw PoolKitError(
                    .archiveUnsupported,
                    "column \(table.sourceName).\(column.sourceName): \(reason), so none of its values can be restored into another engine; --on-bad-value null loads NULL for them (counted in the report), --on-bad-value skip-row leaves their rows out, --table restores the other tables")
            }
        }
    }

    private static func wrap<Inner: RestoreStrategy>(_ inner: Inner, plan: CrossEnginePlan) -> any RestoreStrategy {
        TranscodingRestoreStrategy(inner: inner, plan: plan)
    }
}
