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
    /// be created, and keeps routine notices out of the log.
    static let restore = noTimeouts + "; " + portable + "; SET check_function_bodies = false; SET client_min_messages = warning"

    /// For restore workers that load data: commits need not wait for the WAL flush (a failed
    /// restore is redone anyway), and index builds get more memory.
    static let restoreWorker = "SET synchronous_commit = off; SET maintenance_work_mem = '256MB'"
}
