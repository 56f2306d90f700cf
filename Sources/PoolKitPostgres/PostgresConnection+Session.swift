import PoolKit

extension PostgresConnection {
    /// Rolls back an open transaction (no round trip when none is open), then runs `DISCARD ALL`
    /// under ``SessionResetPolicy/always``, or under ``SessionResetPolicy/whenDirty`` when a
    /// statement since the last reset may have changed session state (`SET`, `CREATE TEMP TABLE`,
    /// `PREPARE`, `LISTEN`, session advisory locks, …) or ``markSessionDirty()`` was called.
    public func resetSession(_ policy: SessionResetPolicy) async throws {
        let dirty = sessionDirty.exchange(false, ordering: .acquiringAndReleasing)
        let full = policy == .always || (policy == .whenDirty && dirty)
        // No transaction open after the last job and none running: nothing to roll back, no hop.
        if !full, isIdleOutsideTransaction { return }
        do {
            if full { preparedStatements.forgetAll() }
            try await perform { try $0.reset(full: full) }
        } catch {
            if dirty { sessionDirty.store(true, ordering: .releasing) }
            throw error
        }
    }

    /// Marks the session as changed in a way the driver cannot see (a setting changed inside a
    /// function, say): the next ``SessionResetPolicy/whenDirty`` reset runs `DISCARD ALL`.
    public func markSessionDirty() {
        sessionDirty.store(true, ordering: .releasing)
    }

    /// Marks the session dirty if `sql` may change session state.
    func noteStatement(_ sql: String) {
        if PostgresSessionStatements.mayChangeSession(sql) { sessionDirty.store(true, ordering: .releasing) }
    }
}
