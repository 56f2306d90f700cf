import PoolKit

/// The `CREATE TABLE` statement of a table, partition or foreign table, and the column defaults
/// that are set apart from it.
extension CatalogReader {
    /// `CREATE TABLE` with columns, defaults, generated and identity columns, NOT NULL, valid CHECK
    /// constraints, inheritance, partitioning, access method and storage parameters, then the
    /// column settings (statistics, storage, compression, options) and replica identity.
    func tableDDL(_ row: CatalogRow, oid: UInt32, qualified: String) throws -> String {
        let isPartition = try row.bool("relispartition")
        let server = try row.optional("server")
        let keyword = server == nil ? "TABLE" : "FOREIGN TABLE"
        let parents = try parentOIDs(row)
        let ofType = try row.optional("oftype")
        let allColumns = columns[oid] ?? []
        var lines: [String] = []
        for column in allColumns where column.isLocal || isPartition {
            let name = PostgresSQL.identifier(column.name)
            let expression = isSeparate(column) ? nil : column.defaultExpression
            if ofType != nil {
                var options = ""
                if let expression { options += " DEFAULT \(expression)" }
                if column.notNull { options += " NOT NULL" }
                if !options.isEmpty { lines.append("    \(name) WITH OPTIONS\(options)") }
                continue
            }
            var line = "    \(name) \(column.type)"
            if let options = column.foreignOptions { line += " OPTIONS (\(options))" }
            if let collation = column.collation { line += " COLLATE \(collation)" }
            // A generated column a parent has too takes its expression from the parent: the server
            // refuses one written in CREATE TABLE … INHERITS (as pg_dump leaves it out).
            let inheritsGeneration =
                !isPartition && column.generated == "s"
                && parents.contains { parent in columns[parent]?.contains { $0.name == column.name && $0.generated == "s" } == true }
            if let expression, !inheritsGeneration {
                line += column.generated == "s" ? " GENERATED ALWAYS AS (\(expression)) STORED" : " DEFAULT \(expression)"
            }
            if !column.identity.isEmpty,
                let identity = try identityClause(table: oid, column: column, tableUnlogged: try row.string("relpersistence") == "u")
            {
                line += identity
            }
            if column.notNull { line += " NOT NULL" }
            lines.append(line)
        }
        for constraint in tableConstraints[oid] ?? []
        where constraint.type == "c" && constraint.validated && !separateConstraints.contains(constraint.oid) {
            guard constraint.isLocal || isPartition else { continue }
            lines.append("    CONSTRAINT \(PostgresSQL.identifier(constraint.name)) \(constraint.definition)")
        }
        let unlogged = try row.string("relpersistence") == "u" ? "UNLOGGED " : ""
        var ddl = "CREATE \(unlogged)\(keyword) \(qualified)"
        if let ofType { ddl += " OF \(ofType)" }
        if !lines.isEmpty || ofType == nil { ddl += " (\n\(lines.joined(separator: ",\n"))\n)" }
        if !isPartition, !parents.isEmpty {
            let names = parents.compactMap { parent in relationNames[parent] }
            ddl += "\nINHERITS (\(names.joined(separator: ", ")))"
        }
        if let server {
            ddl += "\nSERVER \(server)"
            if let options = try row.optional("ftoptions") { ddl += "\nOPTIONS (\(options))" }
        }
        if let key = try row.optional("partkey") { ddl += "\nPARTITION BY \(key)" }
        if let method = try row.optional("am") { ddl += "\nUSING \(PostgresSQL.identifier(method))" }
        let options = [try row.optional("options"), try row.optional("toastoptions")].compactMap { $0 }
        if !options.isEmpty { ddl += "\nWITH (\(options.joined(separator: ", ")))" }
        ddl += ";\n"

        for column in allColumns {
            let alter = "ALTER \(keyword) ONLY \(qualified) ALTER COLUMN \(PostgresSQL.identifier(column.name))"
            if !column.isLocal && !isPartition {
                // Inherited columns: what differs from every parent.
                let inherited = parents.compactMap { parent in columns[parent]?.first { $0.name == column.name } }
                if column.notNull && !inherited.contains(where: \.notNull) { ddl += "\(alter) SET NOT NULL;\n" }
                if let expression = column.defaultExpression, column.generated.isEmpty, !isSeparate(column),
                    !inherited.contains(where: { $0.defaultExpression == expression })
                {
                    ddl += "\(alter) SET DEFAULT \(expression);\n"
                }
                // A default the child dropped would come back from its parent with INHERITS.
                if column.defaultExpression == nil, column.generated.isEmpty,
                    inherited.contains(where: { $0.defaultExpression != nil && $0.generated.isEmpty })
                {
                    ddl += "\(alter) SET DEFAULT NULL;\n"
                }
            }
            ddl += Self.columnSettings(column, alter: alter)
        }
        switch try row.string("relreplident") {
        case "f" where server == nil: ddl += "ALTER TABLE ONLY \(qualified) REPLICA IDENTITY FULL;\n"
        case "n" where server == nil: ddl += "ALTER TABLE ONLY \(qualified) REPLICA IDENTITY NOTHING;\n"
        default: break
        }
        return ddl
    }

    /// The statements that give a column of a table or materialized view (`alter`: `ALTER TABLE
    /// ONLY … ALTER COLUMN …`) the settings it has beyond its type's: statistics target, storage,
    /// compression and attribute options (`n_distinct`, …).
    static func columnSettings(_ column: Column, alter: String) -> String {
        var ddl = ""
        if column.statisticsTarget >= 0 { ddl += "\(alter) SET STATISTICS \(column.statisticsTarget);\n" }
        if column.storage != column.typeStorage, let storage = Self.storageNames[column.storage] {
            ddl += "\(alter) SET STORAGE \(storage);\n"
        }
        switch column.compression {
        case "p": ddl += "\(alter) SET COMPRESSION pglz;\n"
        case "l": ddl += "\(alter) SET COMPRESSION lz4;\n"
        default: break
        }
        if let options = column.options { ddl += "\(alter) SET (\(options));\n" }
        return ddl
    }

    /// Whether a column's default is set by an object of its own (see ``separateDefaults``).
    func isSeparate(_ column: Column) -> Bool {
        column.generated.isEmpty && column.defaultOID.map(separateDefaults.contains) == true
    }

    /// Column defaults (`pg_attrdef` OIDs) that call functions of the schema.
    func readSeparateDefaults() async throws {
        let result = try await rows(
            """
            SELECT DISTINCT objid FROM pg_depend
            WHERE classid = 'pg_attrdef'::regclass AND refclassid = 'pg_proc'::regclass AND refobjid >= 16384
            """, what: "column defaults that call functions")
        for row in result { separateDefaults.insert(try row.oid("objid")) }
    }

    private static let storageNames = ["p": "PLAIN", "e": "EXTERNAL", "m": "MAIN", "x": "EXTENDED"]

    /// ` GENERATED … AS IDENTITY (SEQUENCE NAME … options)` for an identity column.
    /// The sequence follows the table's persistence unless it was changed (`ALTER SEQUENCE … SET
    /// LOGGED` / `SET UNLOGGED`), which the clause then says.
    private func identityClause(table: UInt32, column: Column, tableUnlogged: Bool) throws -> String? {
        guard let sequence = identitySequences[table]?.first(where: { $0.ownerColumn == column.number }),
            let name = identityNames[sequence.oid]
        else { return nil }
        let kind = column.identity == "a" ? "ALWAYS" : "BY DEFAULT"
        let persistence = sequence.unlogged == tableUnlogged ? "" : sequence.unlogged ? "UNLOGGED " : "LOGGED "
        return " GENERATED \(kind) AS IDENTITY (SEQUENCE NAME \(name) \(persistence)\(sequence.options))"
    }
}
