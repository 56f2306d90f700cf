/// The session settings under which PoolKit dumps and loads, so that the text a COPY writes on
/// one server reads back as the same values on another, whatever the servers' defaults.
enum PostgresSessionSettings {
    /// Settings that make values' text form server-independent: ISO dates, PostgreSQL-style
    /// intervals, floats with every digit, literal backslashes, XML as content, no search path
    /// (so names in generated text, e.g. regclass values, come schema-qualified), and row security
    /// off (a COPY under a policy fails loudly instead of leaving rows out).
    static let portable = [
        "SET DateStyle = ISO",
        "SET IntervalStyle = postgres",
        "SET extra_float_digits = 3",
        "SET standard_conforming_strings = on",
        "SET xmloption = content",
        "SET row_security = off",
        "SELECT pg_catalog.set_config('search_path', '', false)",
    ].joined(separator: "; ")

    /// No server-side timeout may cut a long dump or load short.
    static let noTimeouts = "SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0"

    /// For every backup connection (coordinator and workers).
    static let dump = noTimeouts + "; " + portable

    /// For every restore connection: also lets function bodies that refer to objects created later
    /// be created, keeps routine notices out of the log, and lets commits go on without waiting for
    /// their WAL flush — each of the hundreds of `CREATE TABLE`s of the pre-data section would
    /// otherwise wait for an fsync of its own. A failed restore is redone anyway, and a successful
    /// one ends with ``durableEnd``, which waits for every commit before it to be on disk.
    static let restore =
        noTimeouts + "; " + portable
        + "; SET check_function_bodies = false; SET client_min_messages = warning; SET synchronous_commit = off"

    /// For restore workers that load data: index builds get more memory.
    static let restoreWorker = "SET maintenance_work_mem = '256MB'"

    /// The last statement of a successful restore (not in a transaction): a transaction that writes
    /// its own commit record (an assigned transaction id) and commits synchronously. The server
    /// flushes the WAL up to that record, and so every asynchronous commit of the restore before
    /// it: once this returns, everything the restore reports as done survives a crash of the server.
    static let durableEnd =
        "BEGIN; SET LOCAL synchronous_commit = on; SELECT pg_catalog.txid_current(); COMMIT"

    /// Commits a `--single-transaction` restore synchronously, whatever the session's setting.
    static let durableCommit = "SET LOCAL synchronous_commit = on; COMMIT"
}
