import CPoolKitSQLite

/// The driver options of a `sqlite:` URL, parsed and checked: everything needed to open a connection.
struct SQLiteConfiguration: Sendable, Hashable {
    /// How the database file is opened (`mode=`).
    enum Mode: String, Sendable, CaseIterable {
        /// Read-only; the file must exist.
        case readOnly = "ro"
        /// Read-write; the file must exist.
        case readWrite = "rw"
        /// Read-write, creating the file if it is missing (the default).
        case readWriteCreate = "rwc"
        /// A private in-memory database; the path only names it.
        case memory
    }

    /// SQLite's journal modes (`journal_mode=`), applied with `PRAGMA journal_mode` after opening.
    enum JournalMode: String, Sendable, CaseIterable {
        case delete, truncate, persist, memory, wal, off
    }

    /// The options the driver accepts, as ``SQLiteDriver/supportedOptions`` lists them.
    static let options: [DriverOption] = [
        DriverOption("mode", "ro, rw, rwc (default: create the file if missing) or memory"),
        DriverOption("busy_timeout", "how long to wait for another connection's lock, e.g. 500ms or 5s (default 5s; 0 fails at once)"),
        DriverOption("journal_mode", "delete, truncate, persist, memory, wal or off, applied after opening (default: the database's own)"),
        DriverOption("foreign_keys", "on or off: enforce foreign key constraints (default: SQLite's, off)"),
    ]

    /// The file path as given in the URL, or `:memory:`.
    var path: String
    var mode: Mode = .readWriteCreate
    var busyTimeout: Duration = .seconds(5)
    var journalMode: JournalMode?
    var foreignKeys: Bool?

    /// Reads the path and driver options of `url`; throws `.invalidURL`, `.unknownOption` or
    /// `.invalidOption` naming what was wrong and the accepted values.
    init(url: ConnectionURL) throws {
        guard url.scheme == "sqlite" else {
            throw PoolKitError(.unknownScheme, "the sqlite driver cannot open '\(url)': it serves sqlite:// URLs only")
        }
        guard let path = url.database, !path.isEmpty else {
            throw PoolKitError(.invalidURL, "'\(url)' names no database file: use sqlite:///abs/path.db, sqlite:relative.db or sqlite::memory:")
        }
        self.path = path
        for (key, value) in url.options {
            switch key {
            case "mode":
                mode = try Self.choice(Mode.self, key, value)
            case "busy_timeout":
                guard let duration = Duration(parsing: value) else {
                    throw PoolKitError(.invalidOption, "option busy_timeout='\(value)' is not a duration: write e.g. 500ms or 5s")
                }
                busyTimeout = duration
            case "journal_mode":
                journalMode = try Self.choice(JournalMode.self, key, value)
            case "foreign_keys":
                switch value.lowercased() {
                case "on", "true", "1": foreignKeys = true
                case "off", "false", "0": foreignKeys = false
                default:
                    throw PoolKitError(.invalidOption, "option foreign_keys='\(value)' is not valid: accepted values are on, off")
                }
            default:
                let names = Self.options.map(\.name).joined(separator: ", ")
                throw PoolKitError(.unknownOption, "unknown option '\(key)' for the sqlite driver: accepted options are \(names)")
            }
        }
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ key: String, _ value: String) throws -> T
    where T.RawValue == String {
        guard let choice = T(rawValue: value.lowercased()) else {
            let accepted = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw PoolKitError(.invalidOption, "option \(key)='\(value)' is not valid: accepted values are \(accepted)")
        }
        return choice
    }

    /// True when no file is involved.
    var isInMemory: Bool { mode == .memory || path == ":memory:" }

    /// Flags for `sqlite3_open_v2`: no URI filenames, no per-connection mutex (each connection is
    /// used by its own thread only), extended result codes.
    var openFlags: Int32 {
        let access: Int32 =
            switch mode {
            case .readOnly: SQLITE_OPEN_READONLY
            case .readWrite: SQLITE_OPEN_READWRITE
            case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            case .memory: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY
            }
        return access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    }

    /// The name passed to `sqlite3_open_v2`. A relative path that starts with `file:` gets a `./`
    /// prefix so that an SQLite built with URI filenames on by default still treats it as a path.
    var filenameForOpen: String {
        path.hasPrefix("file:") ? "./" + path : path
    }

    /// `busy_timeout` in whole milliseconds, as `sqlite3_busy_timeout` takes it.
    var busyTimeoutMilliseconds: Int32 {
        let (seconds, attoseconds) = busyTimeout.components
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return Int32.max }
        return Int32(clamping: milliseconds.partialValue + attoseconds / 1_000_000_000_000_000)
    }
}
