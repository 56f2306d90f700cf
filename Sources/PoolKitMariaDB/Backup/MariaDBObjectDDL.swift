import PoolKit

/// Runs an archived object's DDL on a restore connection: its recorded creation context (the
/// `SET …;` lines ``MariaDBCreationContext`` wrote) first, then its `CREATE`, between the base
/// restore settings.
///
/// The archive holds the text as UTF-8 (the backup reads `SHOW CREATE …` with utf8mb4 results,
/// which converts from the object's own client character set without loss). An object created
/// with another `character_set_client` (latin1, cp1251, sjis, …) must be created again from the
/// same bytes under that character set, or its literals change (`'é'` sent as UTF-8 under latin1
/// would be stored as `'Ã©'`). So when that character set is not UTF-8 and the text is not plain
/// ASCII, the server converts the text to it (`CONVERT(… USING cs)`, read with binary results) and
/// the `CREATE` is sent as those bytes — what `mariadb-dump`'s output does by keeping the bytes.
enum MariaDBObjectDDL {
    /// How the context line that sets the database's default collation for one object starts
    /// (``MariaDBCreationContext/databaseCollation``).
    static let databaseCollationPrefix = "ALTER DATABASE COLLATE "

    /// The context lines, the statement after them, and the client character set they name.
    static func split(_ ddl: String) -> (context: String, statement: String, characterSetClient: String?) {
        var rest = Substring(ddl)
        var context = ""
        var characterSet: String?
        while rest.hasPrefix("SET ") || rest.hasPrefix(databaseCollationPrefix), let end = rest.range(of: ";\n") {
            let line = rest[..<end.upperBound]
            if line.hasPrefix("SET character_set_client"), let match = line.wholeMatch(of: #/SET character_set_client = '([A-Za-z0-9_]+)';\n/#) {
                characterSet = String(match.1)
            }
            context += line
            rest = rest[end.upperBound...]
        }
        return (context, String(rest), characterSet)
    }

    /// Whether text in `characterSet` is sent as UTF-8 bytes unchanged.
    static func isUTF8(_ characterSet: String) -> Bool {
        ["utf8mb4", "utf8mb3", "utf8"].contains(characterSet.lowercased())
    }

    /// Runs `ddl` on `connection` (see the type's documentation). If its context switches the
    /// database's default collation, the target's own is set again afterwards, also on failure.
    static func run(_ ddl: String, on connection: MariaDBConnection) async throws {
        let (context, statement, characterSet) = split(ddl)
        guard context.contains(databaseCollationPrefix),
            let own = try await connection.query(unsafeSQL: "SELECT @@collation_database").scalar
        else {
            return try await run(context: context, statement: statement, characterSet: characterSet, ddl: ddl, on: connection)
        }
        let restore = "\(databaseCollationPrefix)\(mariadbString(own))"
        do {
            try await run(context: context, statement: statement, characterSet: characterSet, ddl: ddl, on: connection)
        } catch {
            try? await connection.execute(unsafeSQL: restore)
            throw error
        }
        try await connection.execute(unsafeSQL: restore)
    }

    private static func run(
        context: String, statement: String, characterSet: String?, ddl: String, on connection: MariaDBConnection
    ) async throws {
        guard let characterSet, !isUTF8(characterSet), statement.utf8.contains(where: { $0 >= 0x80 }) else {
            // The newline before the semicolon ends a trailing `-- comment` of the body, if any.
            try await connection.execute(unsafeSQL: mariadbRestoreBaseSettings + ddl + "\n;\n" + mariadbRestoreBaseSettings)
            return
        }
        try await connection.withHandle { handle in
            try handle.execute(mariadbRestoreBaseSettings + "SET character_set_results = binary")
            guard let bytes = try handle.firstValueBytes("SELECT CONVERT(\(mariadbString(statement)) USING \(characterSet))")
            else {
                throw PoolKitError(.statementFailed, "the server could not convert the definition to \(characterSet)")
            }
            try handle.execute(context)
            try handle.execute(bytes: bytes + Array("\n".utf8))
            try handle.execute(mariadbRestoreBaseSettings)
        }
    }
}
