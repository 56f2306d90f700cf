/// Quotes `name` as an SQLite identifier: wrapped in double quotes, with every inner double quote
/// doubled. Any name — with quotes, spaces, unicode, or a keyword such as `order` — then reads back
/// as exactly itself.
///
/// ```swift
/// sqliteQuoteIdentifier(#"my "odd" table"#)  // "my ""odd"" table"
/// ```
package func sqliteQuoteIdentifier(_ name: String) -> String {
    sqliteQuote(name, with: "\"")
}

/// Quotes `text` as an SQLite string literal: wrapped in single quotes, inner single quotes doubled.
package func sqliteQuoteString(_ text: String) -> String {
    sqliteQuote(text, with: "'")
}

/// `text` between two `quote`s, each inner `quote` doubled.
private func sqliteQuote(_ text: String, with quote: Unicode.Scalar) -> String {
    var quoted = String.UnicodeScalarView()
    quoted.append(quote)
    for scalar in text.unicodeScalars {
        if scalar == quote { quoted.append(quote) }
        quoted.append(scalar)
    }
    quoted.append(quote)
    return String(quoted)
}

/// `main."name"`: a table, view, index or trigger of the main database, quoted.
package func sqliteQualifiedName(_ name: String) -> String {
    "main." + sqliteQuoteIdentifier(name)
}

/// True when `a` and `b` name the same SQLite object: SQLite compares identifiers case-insensitively
/// for ASCII letters only (`sqlite3StrICmp`), so `Ä` and `ä` stay different names.
package func sqliteSameName(_ a: String, _ b: String) -> Bool {
    sqliteFoldName(a) == sqliteFoldName(b)
}

/// `name` with ASCII letters lowercased: the key SQLite matches identifiers by.
package func sqliteFoldName(_ name: String) -> String {
    String(decoding: name.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
}
