import PoolKitMariaDB
import Testing

extension SnapshotRoundTripTests {
    /// What the fixture's fidelity cases must look like in a restored target, beyond the table
    /// facts and the schema dumps that ``expectSame(_:_:)`` compares.
    func expectFidelityCases(_ source: ScratchDatabase, _ target: ScratchDatabase) async throws {
        // Transaction-id history is left out, never turned into current rows: the deleted row
        // stays deleted and the target has no history yet.
        let trx = "SELECT (SELECT COUNT(*) FROM trx_versioned FOR SYSTEM_TIME ALL), GROUP_CONCAT(id ORDER BY id) FROM trx_versioned"
        let restoredTrx = try await target.withConnection { try await $0.query(unsafeSQL: trx).rows.first }
        #expect(restoredTrx?[0] == "2" && restoredTrx?[1] == "1,3", "trx_versioned: \(String(describing: restoredTrx))")
        // MERGE tables show their MyISAM tables' rows once, BLACKHOLE none.
        let merged = "SELECT (SELECT COUNT(*) FROM merge_last), (SELECT COUNT(*) FROM merged_a), (SELECT COUNT(*) FROM merge_none)"
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: merged).rows.first } == ["3", "2", "2"])
        // A routine created under another database default keeps that default's character set.
        let collation = "SELECT db_collation_func()"
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: collation).scalar } == "latin1/latin1_german1_ci")
        #expect(try await source.withConnection { try await $0.query(unsafeSQL: collation).scalar } == "latin1/latin1_german1_ci")
        // Oracle-mode packages, and the cp1251 event under its own name and comment.
        let stored = """
            SELECT (SELECT GROUP_CONCAT(ROUTINE_TYPE ORDER BY ROUTINE_TYPE) FROM information_schema.ROUTINES
                    WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = 'pkg_counter'),
                   (SELECT EVENT_COMMENT FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() AND EVENT_NAME = 'событие')
            """
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: stored).rows.first } == ["PACKAGE,PACKAGE BODY", "коммент"])
        // Sequence state: the next value the cache would hand out, and the cycle count.
        let sequence = "SELECT next_not_cached_value, cycle_count FROM seq_orders"
        let sourceSequence = try await source.withConnection { try await $0.query(unsafeSQL: sequence).rows.first }
        #expect(sourceSequence != nil)
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: sequence).rows.first } == sourceSequence)
        // ENUM error values stay error values, beside the '' and '0' members.
        let enums = "SELECT GROUP_CONCAT(CONCAT_WS(':', e + 0, e2 + 0, e3 + 0, d, dt) ORDER BY id SEPARATOR ' ') FROM load_warnings"
        let sourceEnums = try await source.withConnection { try await $0.query(unsafeSQL: enums).scalar }
        #expect(sourceEnums?.hasPrefix("0:0:0:2001-02-29:2001-02-31 10:00:00.125 1:1:2:") == true, "\(sourceEnums ?? "nil")")
        #expect(try await target.withConnection { try await $0.query(unsafeSQL: enums).scalar } == sourceEnums)
    }
}
