/// A parsed database URL: the scheme picks the driver, the rest says where and how to connect.
///
/// Accepted forms:
/// - `postgres://user:p%40ss@host:5432/db?sslmode=disable` (also `postgresql://`)
/// - `mariadb://user@[::1]:3306/db` (also `mysql://`)
/// - `postgres://user@/db?host=/var/run/postgresql` or `postgres://%2Fvar%2Frun%2Fpostgresql/db` (unix socket directory)
/// - `sqlite:///absolute/path.db`, `sqlite:relative/path.db`, `sqlite::memory:`
///
/// Pool options (`pool_min`, `pool_max`, `acquire_timeout`, `max_lifetime`, `idle_timeout`,
/// `health_check_period`, `leak_detection_threshold`, `max_waiting`) are taken out into
/// ``poolOptions``; every other query option stays in ``options`` for the driver, which rejects
/// those it does not know. ``description`` never shows the password.
public struct ConnectionURL: Sendable, Hashable, CustomStringConvertible {
    /// The scheme in lower case (`postgres`, `mysql`, `sqlite`, …).
    public var scheme: String
    public var user: String?
    /// The password, percent-decoded. Never logged or printed: ``description`` redacts it.
    public var password: String?
    /// A host name, an IPv4 or IPv6 address (without brackets), or a unix-socket directory (starting with `/`).
    public var host: String?
    public var port: Int?
    /// The database name; for SQLite the file path or `:memory:`.
    public var database: String?
    /// Driver options from the query string (pool options removed), in the order given.
    public var options: [(key: String, value: String)] {
        get { optionPairs.map { ($0.key, $0.value) } }
        set { optionPairs = newValue.map { OptionPair(key: $0.key, value: $0.value) } }
    }
    /// Pool options from the query string.
    public var poolOptions: PoolOptions

    private var optionPairs: [OptionPair]

    struct OptionPair: Hashable, Sendable {
        var key: String
        var value: String
    }

    /// Parses `text`; throws a ``PoolKitError`` with code `.invalidURL` or `.invalidOption` naming the problem.
    public init(_ text: String) throws {
        guard let colon = text.firstIndex(of: ":") else {
            throw PoolKitError(
                .invalidURL,
                "'\(Self.redact(text))' is not a database URL: expected scheme://… such as postgres://user@host/db, mariadb://user@host/db or sqlite:///path/to/file.db"
            )
        }
        let scheme = text[..<colon].lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else {
            throw PoolKitError(.invalidURL, "'\(Self.redact(text))' has no valid scheme before ':'")
        }
        self.scheme = scheme
        self.poolOptions = PoolOptions()
        self.optionPairs = []
        var rest = Substring(text[text.index(after: colon)...])

        // Split off the query string.
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }

        if scheme == "sqlite" {
            try parseSQLitePath(rest, original: text)
        } else {
            try parseServerAuthority(rest, original: text)
        }
        try parseQuery(query, original: text)
    }

    private mutating func parseSQLitePath(_ rest: Substring, original: String) throws {
        var path = rest
        if path.hasPrefix("//") {
            path = path.dropFirst(2)
            // sqlite:///abs → "/abs"; sqlite://localhost/abs is accepted too, as in file URLs.
            if path.hasPrefix("localhost/") { path = path.dropFirst("localhost".count) }
            guard path.hasPrefix("/") else {
                throw PoolKitError(
                    .invalidURL,
                    "'\(Self.redact(original))': a sqlite URL with '//' needs an absolute path (sqlite:///abs/path.db); use sqlite:relative/path.db for a relative one"
                )
            }
        }
        guard !path.isEmpty else {
            throw PoolKitError(.invalidURL, "'\(Self.redact(original))' names no database file: use sqlite:///abs/path.db, sqlite:relative.db or sqlite::memory:")
        }
        database = try Self.percentDecode(path, in: original)
    }

    private mutating func parseServerAuthority(_ rest: Substring, original: String) throws {
        guard rest.hasPrefix("//") else {
            throw PoolKitError(.invalidURL, "'\(Self.redact(original))': expected '\(scheme)://' followed by [user[:password]@]host[:port]/database")
        }
        var authority = rest.dropFirst(2)
        var pathPart: Substring = ""
        if let slash = authority.firstIndex(of: "/") {
            pathPart = authority[authority.index(after: slash)...]
            authority = authority[..<slash]
        }
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecode(userInfo[..<colon], in: original)
                password = try Self.percentDecode(userInfo[userInfo.index(after: colon)...], in: original)
            } else {
                user = try Self.percentDecode(userInfo, in: original)
            }
            if user == "" { user = nil }
        }
        var hostPart = authority
        var portPart: Substring?
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else {
                throw PoolKitError(.invalidURL, "'\(Self.redact(original))': IPv6 address has no closing ']'")
            }
            let afterClose = hostPart[hostPart.index(after: close)...]
            if afterClose.hasPrefix(":") { portPart = afterClose.dropFirst() } else if !afterClose.isEmpty {
                throw PoolKitError(.invalidURL, "'\(Self.redact(original))': unexpected '\(afterClose)' after the IPv6 address")
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            portPart = hostPart[hostPart.index(after: colon)...]
            hostPart = hostPart[..<colon]
        }
        if !hostPart.isEmpty { host = try Self.percentDecode(hostPart, in: original) }
        if let portPart, !portPart.isEmpty {
            guard let port = Int(portPart), (1...65535).contains(port) else {
                throw PoolKitError(.invalidURL, "'\(Self.redact(original))': port '\(portPart)' is not a number from 1 to 65535")
            }
            self.port = port
        }
        if !pathPart.isEmpty { database = try Self.percentDecode(pathPart, in: original) }
    }

    private mutating func parseQuery(_ query: Substring, original: String) throws {
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let key: String
            let value: String
            if let equals = item.firstIndex(of: "=") {
                key = try Self.percentDecode(item[..<equals], in: original, plusIsSpace: true)
                value = try Self.percentDecode(item[item.index(after: equals)...], in: original, plusIsSpace: true)
            } else {
                key = try Self.percentDecode(item, in: original, plusIsSpace: true)
                value = ""
            }
            switch key {
            case "host": host = value
            case "port":
                guard let port = Int(value), (1...65535).contains(port) else {
                    throw PoolKitError(.invalidOption, "option port='\(value)' is not a number from 1 to 65535")
                }
                self.port = port
            case "user": user = value
            case "password": password = value
            default:
                if PoolOptions.keys.contains(key) {
                    try poolOptions.set(key, value)
                } else {
                    optionPairs.append(OptionPair(key: key, value: value))
                }
            }
        }
    }

    /// The value of a driver option, if given.
    public func option(_ key: String) -> String? {
        optionPairs.last(where: { $0.key == key })?.value
    }

    /// True when ``host`` names a unix-socket directory rather than a network host.
    public var isUnixSocket: Bool { host?.hasPrefix("/") ?? false }

    /// The URL with the password replaced by `***`: safe for logs, errors and progress output.
    public var description: String {
        var text = scheme + ":"
        if scheme == "sqlite" {
            if let database { text += database.hasPrefix("/") ? "//" + database : database }
        } else {
            text += "//"
            if let user {
                text += Self.percentEncode(user)
                if password != nil { text += ":***" }
                text += "@"
            }
            if let host, !isUnixSocket { text += host.contains(":") ? "[\(host)]" : host }
            if let port { text += ":\(port)" }
            if let database { text += "/" + Self.percentEncode(database) }
        }
        var query: [String] = []
        if let host, isUnixSocket { query.append("host=\(host)") }
        query += poolOptions.queryItems
        query += optionPairs.map { "\(Self.percentEncode($0.key))=\(Self.percentEncode($0.value))" }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    public static func == (lhs: ConnectionURL, rhs: ConnectionURL) -> Bool {
        lhs.scheme == rhs.scheme && lhs.user == rhs.user && lhs.password == rhs.password && lhs.host == rhs.host
            && lhs.port == rhs.port && lhs.database == rhs.database && lhs.optionPairs == rhs.optionPairs
            && lhs.poolOptions == rhs.poolOptions
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scheme)
        hasher.combine(host)
        hasher.combine(port)
        hasher.combine(database)
    }

    /// Hides the password of a URL that could not be parsed, for error messages.
    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let afterScheme = text[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else {
            return text
        }
        return String(text[..<afterScheme.index(after: colon)]) + "***" + String(text[at...])
    }

    static func percentDecode(_ text: Substring, in original: String, plusIsSpace: Bool = false) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw PoolKitError(.invalidURL, "'\(redact(original))' has a '%' that is not followed by two hex digits")
                }
                bytes.append(high << 4 | low)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PoolKitError(.invalidURL, "'\(redact(original))' decodes to bytes that are not UTF-8")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(UnicodeScalar(hex[Int(byte >> 4)])) + String(UnicodeScalar(hex[Int(byte & 0xF)]))
            }
        }
        return out
    }
}
