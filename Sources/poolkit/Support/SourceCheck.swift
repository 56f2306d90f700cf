/// The consistency check a backup recorded about its source in the manifest's options
/// (`source_check`, `source_check_result`; SQLite writes them), as `backup` and `inspect` show it.
struct SourceCheck {
    /// The check that ran, e.g. `quick_check`, `integrity_check`.
    var check: String
    /// `ok`, or `failed: ` and the first problems.
    var result: String

    /// The manifest options that record a source check.
    static let keys: Set<String> = ["source_check", "source_check_result"]

    /// The recorded check, or nil when the archive records none (older archives, other engines).
    init?(_ options: [String: String]) {
        guard let check = options["source_check"], let result = options["source_check_result"] else { return nil }
        self.check = check
        self.result = result
    }

    /// `quick_check (…problems…)` when the check failed, else nil.
    var failure: String? {
        result == "ok" ? nil : "\(check) (\(result.hasPrefix("failed: ") ? String(result.dropFirst("failed: ".count)) : result))"
    }

    /// One line: `quick_check ok`, or `integrity_check FAILED: …`.
    var description: String {
        result == "ok" ? "\(check) ok" : "\(check) FAILED — \(result.hasPrefix("failed: ") ? String(result.dropFirst("failed: ".count)) : result)"
    }
}
