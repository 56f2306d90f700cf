@testable import PoolKitMariaDB
import Testing

/// The digest that proves rows read back equal the archive's, whatever their order and however
/// the bytes were cut into buffers.
struct MariaDBRowDigestTests {
    func digest(_ buffers: [String]) -> MariaDBRowDigest {
        var digest = MariaDBRowDigest()
        for buffer in buffers { digest.update(Array(buffer.utf8)) }
        return digest
    }

    @Test("rows in another order, cut anywhere, give the same digest")
    func orderAndCutsDoNotMatter() {
        let rows = digest(["1\ta\n2\tb\\\\n\n", "3\t\\N\n"])
        #expect(rows == digest(["3\t\\N\n2\tb\\\\n\n1\ta\n"]))
        #expect(rows == digest(["1\t", "a\n2\tb\\", "\\n\n3\t\\N", "\n"]))
        #expect(rows.rows == 3)
    }

    @Test("a changed value, a missing row or a duplicated one changes the digest")
    func changesAreSeen() {
        let rows = digest(["1\ta\n2\tb\n"])
        #expect(rows != digest(["1\ta\n2\tc\n"]))
        #expect(rows != digest(["1\ta\n"]))
        #expect(rows != digest(["1\ta\n2\tb\n2\tb\n"]))
        // Two rows swapped between columns keep the count and the bytes, not the digest.
        #expect(digest(["1\t2\n3\t4\n"]) != digest(["1\t4\n3\t2\n"]))
    }

    @Test("chunks combine into the digest of the whole table")
    func chunksCombine() {
        var combined = digest(["1\ta\n"])
        combined.combine(digest(["2\tb\n3\tc\n"]))
        #expect(combined == digest(["3\tc\n1\ta\n2\tb\n"]))
    }

    @Test("ENUM members are read from the type as information_schema spells it")
    func enumMembers() {
        #expect(MariaDBDumpQuery.enumMembers("enum('','x','a''b','c,d')") == ["", "x", "a'b", "c,d"])
        #expect(MariaDBDumpQuery.expression(name: "e", type: "enum('','0')") == "IF(`e` + 0 = 0, '00', CAST(`e` AS BINARY))")
        #expect(MariaDBDumpQuery.expression(name: "e", type: "enum('a','b')") == "`e`")
        #expect(MariaDBDumpQuery.expression(name: "f", type: "float(10,8) unsigned") == "CAST(`f` AS DOUBLE)")
    }
}
