import CPoolKitLibPQ

/// A libpq connection string (`key=value …` or a `postgresql://` URI) as an archive may hold it.
enum PostgresConnectionString {
    /// `conninfo` without its secrets (`password`, and `sslpassword`, which unlocks the client key),
    /// as `key='value'` pairs (libpq's own parser reads it, so every form libpq accepts is
    /// understood); `conninfo` unchanged when it has neither, and nil when libpq cannot parse it
    /// (then it must not be stored at all).
    static func removingPassword(_ conninfo: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var hasSecret = false
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let key = String(cString: keyword)
                if secrets.contains(key) { hasSecret = true } else { pairs.append((key, String(cString: value))) }
            }
            option += 1
        }
        guard hasSecret else { return conninfo }
        return pairs.map { "\($0.0)=\(quoted($0.1))" }.joined(separator: " ")
    }

    private static let secrets: Set<String> = ["password", "sslpassword"]

    /// A value in libpq's quoting: single quotes, with `\` and `'` escaped by a backslash.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
