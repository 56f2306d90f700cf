import CPoolKitSQLite
import Foundation
import Synchronization

/// Owns one `sqlite3*`: opens it, configures it, lets one job at a time use it, interrupts that
/// job on request from any thread, and closes it exactly once (in ``close()``, or in `deinit` if
/// nobody did).
///
/// Every method except ``cancel(_:)`` and ``cancelRunningJob()`` must be called on the owning
/// connection's ``ConnectionThread``.
final class SQLiteHandle: @unchecked Sendable {
    // @unchecked Sendable — why sharing this class between threads is safe:
    // - `raw` and `path` are set once in `init` and never change.
    // - SQLite calls on `raw` are made only by jobs of the connection's ConnectionThread, which
    //   runs one job at a time, so the connection (opened with SQLITE_OPEN_NOMUTEX, "multi-thread"
    //   mode) is never used by two threads at once. The two exceptions: `deinit`, which runs only
    //   when no other reference — hence no job — exists; and `sqlite3_interrupt`, which SQLite
    //   documents as safe to call from any thread while the connection is open.
    // - `sqlite3_interrupt` is only called while holding `state`'s lock and seeing `isOpen`, and
    //   `close()` clears `isOpen` under that same lock before `sqlite3_close_v2`, so an interrupt
    //   never reaches a closed or closing handle.
    // - The remaining mutable state is in `state` (a Mutex) or `interruptRequested` (an Atomic).

    /// The connection. Never leaves the module except as a `package` closure argument.
    let raw: OpaquePointer
    /// The path as given in the URL, for messages.
    let path: String

    private struct State {
        var isOpen = true
        /// The job using the connection now, if any.
        var running: SQLiteJob?
    }
    private let state = Mutex(State())

    /// Read by the progress handler every ``progressInterval`` virtual-machine steps; when true the
    /// running statement stops with `SQLITE_INTERRUPT`. Unlike `sqlite3_interrupt` alone, this flag
    /// is not cleared when a new statement starts, so a cancel that lands between two statements of
    /// a job, or just before its first one, is not lost.
    private let interruptRequested = Atomic<Bool>(false)

    /// Virtual-machine instructions between two looks at ``interruptRequested``.
    private static let progressInterval: Int32 = 1000

    private init(raw: OpaquePointer, path: String) {
        self.raw = raw
        self.path = path
        let context = Unmanaged.passUnretained(self).toOpaque()
        // The handle outlives `raw` (closed in `close()` or `deinit`), so the unretained context stays valid.
        sqlite3_progress_handler(raw, Self.progressInterval, { context in
            guard let context else { return 0 }
            let handle = Unmanaged<SQLiteHandle>.fromOpaque(context).takeUnretainedValue()
            return handle.interruptRequested.load(ordering: .relaxed) ? 1 : 0
        }, context)
    }

    deinit {
        if state.withLock({ $0.isOpen }) { closeNow() }
    }

    // MARK: Opening and closing

    /// Opens and configures a connection as `configuration` says. Call on the connection thread.
    ///
    /// Throws `.databaseNotFound` for a missing file with `mode=ro`/`rw`, `.invalidOption` when a
    /// journal mode cannot be applied, and `.connectionFailed` (engine code and message attached)
    /// for every other failure, including a file that is not an SQLite database.
    static func open(_ configuration: SQLiteConfiguration) throws -> SQLiteHandle {
        var db: OpaquePointer?
        let code = sqlite3_open_v2(configuration.filenameForOpen, &db, configuration.openFlags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw openError(code, message: message, configuration)
        }
        let handle = SQLiteHandle(raw: db, path: configuration.path)
        do {
            try handle.configure(configuration)
        } catch let error as PoolKitError where error.code == .statementFailed {
            handle.close()
            throw PoolKitError(
                .connectionFailed, "cannot use SQLite database '\(configuration.path)': \(error.message)",
                engineCode: error.engineCode, underlying: error.underlying)
        } catch {
            handle.close()
            throw error
        }
        return handle
    }

    private static func openError(_ code: Int32, message: String, _ configuration: SQLiteConfiguration) -> PoolKitError {
        let resultCode = SQLiteResultCode(code)
        let mustExist = configuration.mode == .readOnly || configuration.mode == .readWrite
        if resultCode.primary == SQLITE_CANTOPEN && mustExist && !configuration.isInMemory
            && !FileManager.default.fileExists(atPath: configuration.path)
        {
            return PoolKitError(
                .databaseNotFound,
                "SQLite database file '\(configuration.path)' does not exist: check the path",
                engineCode: resultCode.engineCode, underlying: resultCode)
        }
        var text = "cannot open SQLite database '\(configuration.path)': \(message)"
        if resultCode.primary == SQLITE_CANTOPEN {
            text += "; check that the file and its directory exist and that this process may read (and, unless mode=ro, write) them"
        }
        return PoolKitError(.connectionFailed, text, engineCode: resultCode.engineCode, underlying: resultCode)
    }

    /// Applies the options that are set per connection, then reads the header so that a file that
    /// is not a database fails here rather than on first use.
    private func configure(_ configuration: SQLiteConfiguration) throws {
        try check(sqlite3_busy_timeout(raw, configuration.busyTimeoutMilliseconds))
        if let foreignKeys = configuration.foreignKeys {
            _ = try runSQL("PRAGMA foreign_keys = \(foreignKeys ? "ON" : "OFF")", collectingRows: false)
        }
        if let journalMode = configuration.journalMode {
            try applyJournalMode(journalMode, configuration)
        }
        _ = try runSQL("PRAGMA schema_version", collectingRows: false)
    }

    /// Switches the journal mode, or fails with `.invalidOption` saying why it could not: SQLite
    /// either refuses (`SQLITE_READONLY` on a read-only connection) or keeps its mode (in-memory).
    private func applyJournalMode(_ journalMode: SQLiteConfiguration.JournalMode, _ configuration: SQLiteConfiguration) throws {
        func cannotApply(_ reason: String, _ cause: PoolKitError? = nil) -> PoolKitError {
            PoolKitError(
                .invalidOption,
                "journal_mode=\(journalMode.rawValue) could not be applied to SQLite database '\(configuration.path)': \(reason); a read-only or in-memory database cannot switch, so open it once with mode=rwc&journal_mode=\(journalMode.rawValue)",
                engineCode: cause?.engineCode, underlying: cause?.underlying)
        }
        let applied: String?
        do {
            applied = try runSQL("PRAGMA journal_mode = \(journalMode.rawValue)", collectingRows: true)?.scalar
        } catch let error as PoolKitError where (error.underlying as? SQLiteResultCode)?.primary == SQLITE_READONLY {
            throw cannotApply(error.message, error)
        }
        guard applied?.lowercased() == journalMode.rawValue else {
            throw cannotApply("it stays in journal mode '\(applied ?? "unknown")'")
        }
    }

    /// Finalizes any statement left open, closes the connection, and returns whether it was open.
    /// Call on the connection thread; safe to call more than once.
    @discardableResult
    func close() -> Bool {
        let wasOpen = state.withLock { state in
            defer { state.isOpen = false }
            return state.isOpen
        }
        if wasOpen { closeNow() }
        return wasOpen
    }

    /// Closes the connection; statements a job left behind are finalized, since a statement must
    /// never outlive the job that prepared it.
    ///
    /// `sqlite3_close` is tried first because it disconnects virtual tables before it looks for
    /// unfinalized statements: modules such as FTS5 keep prepared statements of their own and
    /// finalize them in `xDisconnect`, so finalizing every statement up front would free theirs
    /// twice. Only when statements are left after that (SQLITE_BUSY) are those finalized.
    private func closeNow() {
        if sqlite3_close(raw) == SQLITE_OK { return }
        while let statement = sqlite3_next_stmt(raw, nil) {
            sqlite3_finalize(statement)
        }
        sqlite3_close_v2(raw)
    }

    // MARK: Jobs and interruption

    /// Runs `body` as `job`: the job becomes the one ``cancelRunningJob()`` interrupts. Throws
    /// `.cancelled` without running `body` if the job was cancelled before it started, and
    /// `.connectionClosed` if the connection is closed. Call on the connection thread.
    func run<T>(_ job: SQLiteJob, _ body: () throws -> T) throws -> T {
        try state.withLock { state in
            guard state.isOpen else {
                throw PoolKitError(.connectionClosed, "the SQLite connection to '\(path)' is closed")
            }
            state.running = job
            interruptRequested.store(job.isCancelled, ordering: .relaxed)
        }
        defer {
            state.withLock { state in
                state.running = nil
                interruptRequested.store(false, ordering: .relaxed)
            }
        }
        if interruptRequested.load(ordering: .relaxed) {
            throw PoolKitError(.cancelled, "the SQLite statement was cancelled before it started")
        }
        return try body()
    }

    /// Cancels `job`: it will not start, or, if it is running, its statement stops with
    /// `SQLITE_INTERRUPT`. Any thread.
    func cancel(_ job: SQLiteJob) {
        state.withLock { state in
            job.markCancelled()
            if state.isOpen, state.running === job { interruptNow() }
        }
    }

    /// Interrupts whatever job is running now; does nothing when the connection is idle. Any thread.
    func cancelRunningJob() {
        state.withLock { state in
            guard state.isOpen, let running = state.running else { return }
            running.markCancelled()
            interruptNow()
        }
    }

    /// Caller holds `state`'s lock and has seen the connection open.
    private func interruptNow() {
        interruptRequested.store(true, ordering: .relaxed)
        sqlite3_interrupt(raw)
    }

    /// True while the running job has been asked to stop. Connection thread.
    var isInterrupted: Bool { interruptRequested.load(ordering: .relaxed) }

    // MARK: Errors

    /// Throws the PoolKit error for `code` unless it is `SQLITE_OK`. Connection thread.
    func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        throw SQLiteResultCode.error(code, on: raw)
    }
}

/// One unit of work sent to a connection's thread, as the target of a cancellation.
final class SQLiteJob: Sendable {
    private let cancelled = Atomic<Bool>(false)

    init() {}

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func markCancelled() { cancelled.store(true, ordering: .relaxed) }
}
