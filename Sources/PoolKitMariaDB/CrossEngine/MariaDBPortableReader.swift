import Foundation
import Logging
import PoolKit

/// Reads a MariaDB `snapshot` archive as a portable schema: column types from the manifest (as
/// information_schema spells them), the rest from the DDL the archive keeps — `SHOW CREATE TABLE`
/// for defaults, AUTO_INCREMENT, the primary key, comments and CHECKs; the deferred `ALTER TABLE …
/// ADD KEY` and `ADD CONSTRAINT … FOREIGN KEY` statements for indexes and foreign keys.
struct MariaDBPortableReader: PortableArchiveReader {
    var textualEncoding: Bool { true }

    func rowDecoder(for table: ArchiveTable, in manifest: ArchiveManifest) throws -> any PortableRowDecoder {
        guard table.encoding == .mariadbTSV else {
            throw PoolKitError(.archiveUnsupported, "table \(table.name) is stored as '\(table.encoding)', which the MariaDB reader does not read")
        }
        return MariaDBPortableRowDecoder(columns: table.columns.count)
    }

    func portableSchema(of manifest: ArchiveManifest, logger: Logger) async throws -> PortableSchema {
        var notCarried: [PortableNotCarried] = []
        var warnings: [String] = []
        let tableObjects = Dictionary(
            manifest.objects.filter { $0.kind == .table }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var tables: [PortableTable] = []
        for table in manifest.tables {
            guard let ddl = tableObjects[table.id]?.ddl else {
                throw PoolKitError(
                    .archiveUnsupported,
                    "table \(table.name) has rows but no definition in this archive (a --data-only backup): back it up with its schema to restore it into another engine")
            }
            tables.append(try describe(table, ddl: ddl, notCarried: &notCarried, warnings: &warnings))
        }
        let byName = Dictionary(tables.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for object in manifest.objects {
            switch object.kind {
            case .table, .databaseDefaults, .rows, .history, .comment: continue
            case .index, .constraint:
                // The table is the one the statement alters (a foreign key also depends on the table it references).
                guard let ddl = object.ddl else { continue }
                for (table, clause) in MariaDBAlterClauses.clauses(of: ddl) {
                    guard let position = byName[table] else { continue }
                    switch MariaDBAlterClauses.parse(clause) {
                    case .index(let index): tables[position].indexes.append(index)
                    case .foreignKey(let key): tables[position].foreignKeys.append(key)
                    case .notCarried(let reason):
                        notCarried.append(
                            PortableNotCarried(kind: object.kind.rawValue, name: "\(table): \(clause.prefix(60))", reason: reason, definition: clause))
                    }
                }
            default:
                notCarried.append(
                    PortableNotCarried(
                        kind: object.kind.rawValue, name: object.name, reason: "written in MariaDB's SQL dialect; port it by hand",
                        definition: object.ddl))
            }
        }
        for warning in warnings { logger.info("cross-engine restore", metadata: ["warning": "\(warning)"]) }
        var schema = PortableSchema(tables: tables, notCarried: notCarried)
        schema.warnings = warnings
        return schema
    }

    /// One table: its columns from the manifest, completed from `SHOW CREATE TABLE`.
    private func describe(
        _ table: ArchiveTable, ddl: String, notCarried: inout [PortableNotCarried], warnings: inout [String]
    ) throws -> PortableTable {
        let characters = Array(ddl)
        guard let open = characters.firstIndex(of: "(") else {
            throw PoolKitError(.archiveCorrupt, "the definition of table \(table.name) has no column list")
        }
        let close = MariaDBDDLTokenizer.matchingParenthesis(characters, from: open)
        let body = String(characters[(open + 1)..<min(close, characters.count)])
        let options = close < characters.count ? String(characters[(close + 1)...]) : ""
        var definitions: [String: [MariaDBDDLToken]] = [:]
        var primaryKey: [String] = []
        var indexes: [PortableIndex] = []
        var checks: [PortableCheck] = []
        var conditions: [(name: String, text: String)] = []
        for piece in MariaDBDDLTokenizer.splitTopLevel(body) {
            let tokens = MariaDBDDLTokenizer.tokens(piece)
            if case .identifier(let name) = tokens.first {
                definitions[name] = Array(tokens.dropFirst())
                continue
            }
            // `CONSTRAINT `name` CHECK (…)`, as SHOW CREATE TABLE writes a table's CHECK.
            if tokens.count == 4, tokens[0].keyword == "CONSTRAINT", case .identifier(let name) = tokens[1], tokens[2].keyword == "CHECK",
                case .group(let text) = tokens[3]
            {
                conditions.append((name, text))
                continue
            }
            if tokens.first?.keyword == "PRIMARY", case .group(let columns)? = tokens.dropFirst(2).first {
                primaryKey = MariaDBAlterClauses.columnList(columns).map(\.name)
                continue
            }
            switch MariaDBAlterClauses.parse(piece) {
            case .index(let index): indexes.append(index)
            case .foreignKey: break  // foreign keys are deferred into their own objects by the backup
            case .notCarried(let reason):
                notCarried.append(PortableNotCarried(kind: "constraint", name: "\(table.name): \(piece.prefix(60))", reason: reason, definition: piece))
            }
        }
        var columns: [PortableColumn] = []
        for archived in table.columns {
            let tokens = definitions[archived.name] ?? []
            let isJSON = Self.hasJSONCheck(tokens, column: archived.name)
            let (type, warning) = MariaDBTypeMapping.portableType(columnType: archived.type, isJSON: isJSON)
            if let warning { warnings.append("\(table.name).\(archived.name): \(warning)") }
            var column = PortableColumn(name: archived.name, type: type, sourceTypeName: archived.type, nullable: archived.nullable ?? true)
            for (index, token) in tokens.enumerated() {
                switch token.keyword {
                case "AUTO_INCREMENT": column.autoIncrement = true
                case "DEFAULT":
                    guard index + 1 < tokens.count else { continue }
                    switch tokens[index + 1] {
                    case .string(let text): column.defaultValue = .literal(text)
                    case .word(let word) where word.uppercased() == "NULL": break
                    case .word(let word) where word.lowercased().hasPrefix("current_timestamp"): column.defaultValue = .currentTimestamp
                    case .word(let word) where Double(word) != nil || Int64(word) != nil: column.defaultValue = .literal(word)
                    default:
                        notCarried.append(
                            PortableNotCarried(
                                kind: "default", name: "\(table.name).\(archived.name)", reason: "an expression default in MariaDB's dialect",
                                definition: MariaDBAlterClauses.text(tokens[index...].prefix(2))))
                    }
                case "COMMENT":
                    if index + 1 < tokens.count, case .string(let text) = tokens[index + 1] { column.comment = text }
                case "CHECK":
                    if isJSON {
                        warnings.append("\(table.name).\(archived.name): MariaDB's CHECK (json_valid(…)) is what makes the column JSON; it is carried as the target's json type")
                    } else if index + 1 < tokens.count, case .group(let text) = tokens[index + 1] {
                        conditions.append(("\(table.name)_\(archived.name)_check", text))
                    }
                default: break
                }
            }
            // An AUTO_INCREMENT `bigint unsigned` is a counter: it stays an integer (values above
            // 2⁶³−1 are refused) so that the target can count too.
            if column.autoIncrement, case .decimal = type { column.type = .integer(bits: 64) }
            if case .enumeration(let labels) = type {
                columns.append(column)
                checks.append(PortableCheck(name: "\(table.name)_\(archived.name)_check", column: archived.name, rule: .oneOf(labels)))
                continue
            }
            if case .set(let labels) = type {
                checks.append(PortableCheck(name: "\(table.name)_\(archived.name)_check", column: archived.name, rule: .subsetOf(labels)))
            }
            columns.append(column)
        }
        let optionTokens = MariaDBDDLTokenizer.tokens(options)
        var nextAutoIncrement: Int64?
        var comment: String?
        var tableCollation: String?
        var tableCharset: String?
        for (index, token) in optionTokens.enumerated() where index + 2 < optionTokens.count && optionTokens[index + 1] == .punctuation("=") {
            switch token.keyword {
            case "AUTO_INCREMENT":
                if case .word(let value) = optionTokens[index + 2] { nextAutoIncrement = Int64(value) }
            case "COMMENT":
                if case .string(let value) = optionTokens[index + 2] { comment = value }
            case "COLLATE":
                if case .word(let value) = optionTokens[index + 2] { tableCollation = value.lowercased() }
            case "CHARSET":
                if case .word(let value) = optionTokens[index + 2] { tableCharset = value.lowercased() }
            default: break
            }
        }
        let reader = PortableExpressionReader(
            dialect: MariaDBExpressionDialect.dialect,
            columns: columns.map { column in
                PortableExpressionColumn(
                    name: column.name, type: column.type,
                    exactText: Self.comparesByCodePoint(definitions[column.name] ?? [], tableCollation: tableCollation),
                    utf8: Self.storesUTF8(definitions[column.name] ?? [], tableCharset: tableCharset))
            })
        var names = Set(checks.map(\.name))
        for (given, text) in conditions {
            // A column's CHECK is named after it, like an ENUM's label CHECK: the second gets a number.
            var name = given
            var suffix = 1
            while names.contains(name) {
                suffix += 1
                name = "\(given)\(suffix)"
            }
            names.insert(name)
            let definition = "CHECK (\(text))"
            do {
                checks.append(.condition(name: name, try reader.condition(text), definition: definition))
            } catch {
                notCarried.append(
                    PortableNotCarried(
                        kind: "check", name: "\(table.name).\(name)", reason: "not translated: \((error as? PortableExpressionRefusal)?.reason ?? "\(error)")",
                        definition: definition))
            }
        }
        return PortableTable(
            id: table.id, name: table.name, columns: columns, primaryKey: primaryKey, indexes: indexes, checks: checks, comment: comment,
            nextAutoIncrement: nextAutoIncrement)
    }

    /// Whether a column's text compares by code point, case and trailing spaces counting: its
    /// collation (its own `COLLATE`, else the table's) is a `_nopad_bin` one.
    private static func comparesByCodePoint(_ tokens: [MariaDBDDLToken], tableCollation: String?) -> Bool {
        var collation = tableCollation
        if let position = tokens.firstIndex(where: { $0.keyword == "COLLATE" }), position + 1 < tokens.count, case .word(let name) = tokens[position + 1] {
            collation = name.lowercased()
        }
        return collation?.hasSuffix("_nopad_bin") == true
    }

    /// Whether a column's text is stored as UTF-8: its character set (its own `CHARACTER SET`, else
    /// the table's `DEFAULT CHARSET`) is utf8mb4 or utf8mb3.
    private static func storesUTF8(_ tokens: [MariaDBDDLToken], tableCharset: String?) -> Bool {
        var charset = tableCharset
        if let position = tokens.firstIndex(where: { $0.keyword == "CHARACTER" }), position + 2 < tokens.count, tokens[position + 1].keyword == "SET",
            case .word(let name) = tokens[position + 2]
        {
            charset = name.lowercased()
        }
        return charset?.hasPrefix("utf8") == true
    }

    /// MariaDB's JSON is `longtext` with `CHECK (json_valid(column))`.
    private static func hasJSONCheck(_ tokens: [MariaDBDDLToken], column: String) -> Bool {
        guard let check = tokens.firstIndex(where: { $0.keyword == "CHECK" }), check + 1 < tokens.count,
            case .group(let expression) = tokens[check + 1]
        else { return false }
        return expression.replacingOccurrences(of: " ", with: "").lowercased() == "json_valid(`\(column.lowercased().replacingOccurrences(of: "`", with: "``"))`)"
    }
}
