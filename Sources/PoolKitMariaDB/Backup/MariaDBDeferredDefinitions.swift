/// A table's `SHOW CREATE TABLE` split into what creates the table for loading and what is added
/// after the rows are in: secondary indexes (one `ALTER TABLE … ADD …` that InnoDB builds by
/// sorting, once, instead of inserting into every index row by row) and foreign keys (added with
/// `foreign_key_checks = 0`, a metadata-only change).
///
/// The restored `SHOW CREATE TABLE` is the source's, text for text: MariaDB orders a table's keys
/// by class (unique before non-unique, FULLTEXT last; within the unique ones NOT NULL before
/// nullable, PRIMARY first, whole columns before prefixes, long hash keys last) and, within a class,
/// by their position in the definition — after an `ALTER TABLE … ADD`, the keys the table had
/// come first, then the added ones in the order given. So the result is exact when, in each class,
/// the keys kept in `CREATE TABLE` come before every deferred key of that class in the source's
/// order; ``split(_:)`` keeps every earlier key of a class beside a key it must keep. Foreign keys
/// are printed in name order, whatever their creation order.
///
/// Kept in `CREATE TABLE`:
/// - the PRIMARY KEY, and for a table without one the first UNIQUE key on NOT NULL columns
///   (InnoDB's clustered index: adding it later rebuilds the table);
/// - FULLTEXT keys (the first one adds InnoDB's hidden `FTS_DOC_ID` column, a rebuild, and InnoDB
///   adds one FULLTEXT index per statement);
/// - `USING HASH` keys (long UNIQUE keys are a hidden hash column: adding one copies the table);
/// - `WITHOUT OVERLAPS` keys;
/// - the first key that starts with the AUTO_INCREMENT column (InnoDB refuses a table whose
///   AUTO_INCREMENT column leads no key);
/// - everything of tables in other engines than InnoDB (MyISAM and Aria build their non-unique
///   indexes by sorting after a bulk load anyway, and their `ALTER TABLE` copies the table);
/// - CHECK constraints, partitioning, periods and system versioning (part of the table itself).
///
/// If the text does not parse as expected — the key and foreign-key names found in it must be
/// exactly those information_schema lists — the table keeps its whole definition.
struct MariaDBDeferredDefinitions: Sendable, Equatable {
    /// `CREATE TABLE` without the deferred keys and foreign keys.
    var createStatement: String
    /// The deferred keys as they appear in `SHOW CREATE TABLE` (`KEY \`a\` (\`a\`)`), in its order.
    var keys: [String]
    /// The foreign keys (`CONSTRAINT \`f\` FOREIGN KEY …`), in `SHOW CREATE TABLE`'s order.
    var foreignKeys: [String]
    /// A system-versioned table refuses `ALTER TABLE` unless the session allows it
    /// (`system_versioning_alter_history = KEEP`); adding a key leaves its history rows as they are.
    var systemVersioned = false

    /// What information_schema says about one index of the table.
    struct Index: Sendable, Equatable {
        var unique: Bool
        var columns: [String]
        /// Any column of the index nullable.
        var nullable: Bool
    }

    /// The statement that adds the deferred keys, or nil if there are none.
    func addKeysStatement(table: String) -> String? {
        keys.isEmpty ? nil : alter(table, keys)
    }

    /// The statement that adds the foreign keys, or nil if there are none.
    func addForeignKeysStatement(table: String) -> String? {
        foreignKeys.isEmpty ? nil : alter(table, foreignKeys)
    }

    private func alter(_ table: String, _ definitions: [String]) -> String {
        let statement = "ALTER TABLE \(mariadbIdentifier(table)) " + definitions.map { "ADD " + $0 }.joined(separator: ", ")
        guard systemVersioned else { return statement }
        return "SET SESSION system_versioning_alter_history = KEEP;\n" + statement
            + ";\nSET SESSION system_versioning_alter_history = DEFAULT"
    }

    private enum Line {
        case other(String)
        case primary(String)
        case key(name: String, text: String)
        case foreignKey(name: String, text: String)
    }

    /// Splits `ddl`, the `SHOW CREATE TABLE` of InnoDB table `table`; nil keeps the whole statement.
    /// `indexes` are its indexes by name (PRIMARY included), `foreignKeyNames` its foreign keys, as
    /// information_schema lists them.
    static func split(
        _ ddl: String, table: String, indexes: [String: Index], foreignKeyNames: Set<String>, autoIncrementColumn: String?
    ) -> MariaDBDeferredDefinitions? {
        let lines = ddl.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count > 2, lines[0] == "CREATE TABLE \(mariadbIdentifier(table)) (",
            let close = lines.indices.first(where: { $0 > 0 && lines[$0].hasPrefix(")") })
        else { return nil }
        var parsed: [Line] = []
        for (offset, raw) in lines[1..<close].enumerated() {
            let last = offset == close - 2
            guard raw.hasPrefix("  "), last || raw.hasSuffix(",") else { return nil }
            let text = String(raw.dropFirst(2).dropLast(last ? 0 : 1))
            if text.hasPrefix("PRIMARY KEY ") {
                parsed.append(.primary(text))
            } else if text.hasPrefix("`") {
                // A column (checked first: matching a regex costs far more, and most lines are columns).
                parsed.append(.other(text))
            } else if let match = text.prefixMatch(of: #/(?:(?:UNIQUE|FULLTEXT|SPATIAL) )?KEY `((?:[^`]|``)+)` \(/#) {
                parsed.append(.key(name: String(match.1).replacingOccurrences(of: "``", with: "`"), text: text))
            } else if let match = text.prefixMatch(of: #/CONSTRAINT `((?:[^`]|``)+)` FOREIGN KEY \(/#) {
                parsed.append(.foreignKey(name: String(match.1).replacingOccurrences(of: "``", with: "`"), text: text))
            } else {
                parsed.append(.other(text))
            }
        }
        // The names found must be exactly the table's: otherwise some line was misread.
        let keyNames = parsed.compactMap { line -> String? in if case .key(let name, _) = line { name } else { nil } }
        let foreignNames = parsed.compactMap { line -> String? in if case .foreignKey(let name, _) = line { name } else { nil } }
        let hasPrimary = parsed.contains { if case .primary = $0 { true } else { false } }
        guard Set(keyNames) == Set(indexes.keys).subtracting(["PRIMARY"]), keyNames.count == Set(keyNames).count,
            hasPrimary == (indexes["PRIMARY"] != nil), Set(foreignNames) == foreignKeyNames,
            foreignNames.count == foreignKeyNames.count
        else { return nil }

        // Which keys stay, then every earlier key of the same class beside a kept one.
        var keep = Set<String>()
        var autoIncrementKeyed = autoIncrementColumn == nil || indexes["PRIMARY"]?.columns.first == autoIncrementColumn
        for (position, line) in parsed.enumerated() {
            guard case .key(let name, let text) = line, let index = indexes[name] else { continue }
            let firstKey = !parsed[..<position].contains { if case .key = $0 { true } else { false } }
            if text.hasPrefix("FULLTEXT ") || text.contains(" USING HASH") || text.contains(" WITHOUT OVERLAPS") {
                keep.insert(name)
            } else if !hasPrimary && firstKey && index.unique && !index.nullable {
                keep.insert(name)
            } else if !autoIncrementKeyed && index.columns.first == autoIncrementColumn {
                keep.insert(name)
                autoIncrementKeyed = true
            }
        }
        let ordered = parsed.compactMap { line -> (name: String, text: String)? in
            if case .key(let name, let text) = line { (name, text) } else { nil }
        }
        for (position, key) in ordered.enumerated() where keep.contains(key.name) {
            guard !key.text.hasPrefix("FULLTEXT "), !key.text.contains(" USING HASH") else { continue }
            let unique = indexes[key.name]?.unique ?? false
            for earlier in ordered[..<position] where (indexes[earlier.name]?.unique ?? false) == unique {
                keep.insert(earlier.name)
            }
        }
        var kept: [String] = []
        var deferredKeys: [String] = []
        var foreignKeys: [String] = []
        for line in parsed {
            switch line {
            case .other(let text), .primary(let text): kept.append(text)
            case .key(let name, let text):
                if keep.contains(name) { kept.append(text) } else { deferredKeys.append(text) }
            case .foreignKey(_, let text): foreignKeys.append(text)
            }
        }
        guard !deferredKeys.isEmpty || !foreignKeys.isEmpty, !kept.isEmpty else { return nil }
        let create =
            ([lines[0]] + kept.enumerated().map { "  " + $1 + ($0 < kept.count - 1 ? "," : "") } + lines[close...])
            .joined(separator: "\n")
        return MariaDBDeferredDefinitions(createStatement: create, keys: deferredKeys, foreignKeys: foreignKeys)
    }
}
