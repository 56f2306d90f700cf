import CPoolKitLibPQ

/// A libpq connection string (`key=value …` or a `postgresql://` URI) as an archive may hold it.
enum PostgresConnectionString {
    /// `conninfo` without its `password`, as `key='value'` pairs (libpq's own parser reads it, so
    /// every form libpq accepts is understood); `conninfo` unchanged when it has no password, and
    /// nil when libpq cannot parse it (then it must not be stored at all).
    static func removingPassword(_ conninfo: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var hasPassword = false
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let key = String(cString: keyword)
                if key == "password" { hasPassword = true } else { pairs.append((key, String(cString: value))) }
            }
            option += 1
        }
        guard hasPassword else { return conninfo }
        return pairs.map { "\($0.0)=\(quoted($0.1))" }.joined(separator: " ")
    }

    /// A value in libpq's quoting: single quotes, with `\` and `'` escaped by a backslash.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
