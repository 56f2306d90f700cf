import PoolKit

extension MariaDBConnection {
    /// Rolls back an open transaction (no round trip when none is open), then resets the session
    /// (`mysql_reset_connection`) under ``SessionResetPolicy/always``, or under
    /// ``SessionResetPolicy/whenDirty`` when the server reported a session state change since the
    /// last reset (`session_track_state_change`: variables, user variables, temporary tables,
    /// prepared statements, the current database) or ``markSessionDirty()`` was called.
    public func resetSession(_ policy: SessionResetPolicy) async throws {
        let dirty = sessionDirty.exchange(false, ordering: .acquiringAndReleasing)
        let full = policy == .always || (policy == .whenDirty && dirty)
        do {
            let cache = statementCache
            try await perform { handle in
                if full { cache.closeAll() }
                try handle.reset(full: full)
            }
            // The reset's own `SET session_track_state_change` reported a change.
            sessionDirty.store(false, ordering: .releasing)
        } catch {
            if dirty { sessionDirty.store(true, ordering: .releasing) }
            throw error
        }
    }

    /// Marks the session as changed in a way the server does not report (a `GET_LOCK` lock, say):
    /// the next ``SessionResetPolicy/whenDirty`` reset is a full one.
    public func markSessionDirty() {
        sessionDirty.store(true, ordering: .releasing)
    }

    /// Marks the session dirty for what the server's state tracking does not cover: user-level
    /// locks (`GET_LOCK`), and statements after the first of a multi-statement text (the server
    /// status seen at the end is the last statement's).
    func noteStatement(_ sql: String) {
        let lowered = sql.lowercased()
        var dirty = lowered.contains("get_lock")
        if !dirty, let semicolon = lowered.firstIndex(of: ";") {
            dirty = lowered[lowered.index(after: semicolon)...].contains { !$0.isWhitespace && $0 != ";" }
        }
        if dirty { sessionDirty.store(true, ordering: .releasing) }
    }
}
