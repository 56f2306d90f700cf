/// Repairs what `SHOW CREATE` prints wrongly for objects created under a client character set
/// that is not UTF-8: a routine's or event's comment (set again after the `CREATE`) and an event's
/// name (``eventName(in:name:misprinted:)``).
///
/// The server stores such a comment as UTF-8, but `SHOW CREATE PROCEDURE/FUNCTION/EVENT` prints it
/// inside the definition as if its bytes were in the object's client character set: a latin1
/// procedure's `COMMENT 'été'` reads back as `COMMENT 'Ã©tÃ©'` (and `mariadb-dump`'s output
/// carries the same garbled bytes). The body is printed right. So the archive carries, after the
/// `CREATE`, an `ALTER … COMMENT` with the comment information_schema holds, run in the object's
/// own context (its sql_mode, character set and time zone, so nothing else it records changes;
/// an event's `ALTER` names its definer, since `ALTER EVENT` would otherwise make the restoring user
/// its definer).
enum MariaDBCommentRepair {
    /// The `ALTER` statement, with the context lines before it, or nil if the comment reads back
    /// right (empty, plain ASCII, or a UTF-8 client character set).
    /// - Parameters:
    ///   - kind: `PROCEDURE`, `FUNCTION` or `EVENT`.
    ///   - createStatement: the object's `SHOW CREATE` text (an event's definer is taken from it).
    static func statement(
        kind: String, name: String, comment: String?, context: MariaDBCreationContext, createStatement: String
    ) -> String? {
        guard let comment, comment.unicodeScalars.contains(where: { !$0.isASCII }),
            let characterSet = context.characterSetClient, !MariaDBObjectDDL.isUTF8(characterSet)
        else { return nil }
        let noBackslashEscapes = context.sqlMode?.uppercased().contains("NO_BACKSLASH_ESCAPES") ?? false
        let literal =
            noBackslashEscapes ? "'" + comment.replacingOccurrences(of: "'", with: "''") + "'" : mariadbString(comment)
        var alter = "ALTER "
        if kind == "EVENT" {
            guard let definer = createStatement.firstMatch(of: #/DEFINER=(`(?:[^`]|``)*`@`(?:[^`]|``)*`)/#) else { return nil }
            alter += "DEFINER=\(definer.1) "
        }
        return context.statements + alter + "\(kind) \(mariadbIdentifier(name)) COMMENT \(literal)"
    }

    /// `SHOW CREATE EVENT` of an event created under a client character set that is not UTF-8
    /// prints its name the same wrong way as its comment (the UTF-8 name's bytes read as that
    /// character set: `событие` under cp1251 reads back as `СЃРѕР±С‹С‚РёРµ`), so the event would be
    /// created under another name. Puts the right name back into the definition.
    /// - Parameter misprinted: the name as `SHOW CREATE EVENT` prints it.
    static func eventName(in createStatement: String, name: String, misprinted: String) -> String {
        let wrong = " EVENT \(mariadbIdentifier(misprinted)) "
        guard let range = createStatement.range(of: wrong) else { return createStatement }
        return createStatement.replacingCharacters(in: range, with: " EVENT \(mariadbIdentifier(name)) ")
    }
}
