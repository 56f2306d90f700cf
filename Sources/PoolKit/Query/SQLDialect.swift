/// How an engine writes what a ``SQLQuery`` leaves to it: placeholders, quoted names and the
/// start of a transaction. Each connection type gives its own (``DatabaseConnection/sqlDialect``).
public struct SQLDialect: Sendable, Hashable {
    /// How bound values are marked in the text.
    public enum Placeholder: Sendable, Hashable {
        /// `$1`, `$2`, … (PostgreSQL).
        case dollarNumbered
        /// `?` for each value, in order (MariaDB, MySQL, SQLite).
        case questionMark
    }

    /// How a transaction with an isolation level starts.
    public enum TransactionStart: Sendable, Hashable {
        /// `BEGIN ISOLATION LEVEL …` (PostgreSQL).
        case beginWithIsolation
        /// `SET TRANSACTION ISOLATION LEVEL …`, then `START TRANSACTION` (MariaDB, MySQL): the
        /// level applies to the next transaction only.
        case setIsolationThenStart
        /// `BEGIN`; every transaction is serializable and no other level can be asked for (SQLite).
        case serializableOnly
    }

    public var placeholder: Placeholder
    /// The character that opens and closes a quoted identifier (`"` or `` ` ``); inside a name it
    /// is doubled.
    public var identifierQuote: Character
    public var transactionStart: TransactionStart

    public init(placeholder: Placeholder, identifierQuote: Character, transactionStart: TransactionStart) {
        self.placeholder = placeholder
        self.identifierQuote = identifierQuote
        self.transactionStart = transactionStart
    }

    /// PostgreSQL: `$n`, `"name"`, `BEGIN ISOLATION LEVEL …`.
    public static let postgres = SQLDialect(placeholder: .dollarNumbered, identifierQuote: "\"", transactionStart: .beginWithIsolation)
    /// MariaDB and MySQL: `?`, `` `name` ``, `SET TRANSACTION ISOLATION LEVEL …` + `START TRANSACTION`.
    public static let mariadb = SQLDialect(placeholder: .questionMark, identifierQuote: "`", transactionStart: .setIsolationThenStart)
    /// SQLite: `?`, `"name"`, `BEGIN` (always serializable).
    public static let sqlite = SQLDialect(placeholder: .questionMark, identifierQuote: "\"", transactionStart: .serializableOnly)

    /// The placeholder of the `number`th bound value (from 1).
    public func placeholder(_ number: Int) -> String {
        switch placeholder {
        case .dollarNumbered: "$\(number)"
        case .questionMark: "?"
        }
    }

    /// `name` quoted, its quote characters doubled: `a"b` → `"a""b"`.
    public func quote(_ name: String) -> String {
        let quote = String(identifierQuote)
        return quote + name.replacingOccurrences(of: quote, with: quote + quote) + quote
    }

    /// `text` with every `$n` placeholder outside '…' and "…" quotes raised by `offset`, for raw
    /// text that follows `offset` bound values in a numbered dialect. Unchanged for `?` dialects.
    func shiftingPlaceholders(in text: String, by offset: Int) -> String {
        guard placeholder == .dollarNumbered, offset > 0 else { return text }
        var output = ""
        var characters = Array(text)[...]
        var quote: Character?
        while let character = characters.popFirst() {
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                continue
            }
            if character == "'" || character == "\"" {
                quote = character
                output.append(character)
            } else if character == "$", let first = characters.first, first.isASCII, first.isNumber {
                let digits = characters.prefix { $0.isASCII && $0.isNumber }
                characters = characters.dropFirst(digits.count)
                output += "$\(Int(String(digits))! + offset)"
            } else {
                output.append(character)
            }
        }
        return output
    }
}

/// A transaction's isolation level (SQL standard names). Engines give at least what is asked;
/// SQLite's transactions are always serializable.
public enum TransactionIsolation: String, Sendable, Hashable, CaseIterable {
    case readUncommitted = "READ UNCOMMITTED"
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension SQLDialect {
    /// The statements that start a transaction at `isolation` (nil: the session's default level).
    /// Throws `.unsupported` for a level the engine cannot give.
    func beginStatements(isolation: TransactionIsolation?) throws -> [String] {
        switch transactionStart {
        case .beginWithIsolation:
            return [isolation.map { "BEGIN ISOLATION LEVEL \($0.rawValue)" } ?? "BEGIN"]
        case .setIsolationThenStart:
            return (isolation.map { ["SET TRANSACTION ISOLATION LEVEL \($0.rawValue)"] } ?? []) + ["START TRANSACTION"]
        case .serializableOnly:
            guard isolation == nil || isolation == .serializable else {
                throw PoolKitError(
                    .unsupported,
                    "SQLite transactions are always serializable: ask for .serializable or no level, not \(isolation!.rawValue.lowercased())")
            }
            return ["BEGIN"]
        }
    }
}
