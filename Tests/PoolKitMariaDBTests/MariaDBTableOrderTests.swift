@testable import PoolKitMariaDB
import Testing

/// Tables with a foreign key to columns that lost their index are created before the tables they
/// reference (InnoDB accepts the key only then).
struct MariaDBTableOrderTests {
    @Test("a referencing table moves before the table it references; the rest keeps its order")
    func referencingFirst() {
        #expect(MariaDBTableOrder.referencingFirst(["a", "b", "c"], edges: []) == ["a", "b", "c"])
        #expect(MariaDBTableOrder.referencingFirst(["a", "b", "c"], edges: [("c", "a")]) == ["b", "c", "a"])
        // A chain: c references b, b references a.
        #expect(MariaDBTableOrder.referencingFirst(["a", "b", "c", "d"], edges: [("b", "a"), ("c", "b")]) == ["c", "b", "a", "d"])
    }

    @Test("a cycle, which no order satisfies, keeps its order after the rest; unknown names are ignored")
    func cycles() {
        #expect(MariaDBTableOrder.referencingFirst(["a", "b", "c"], edges: [("a", "b"), ("b", "a")]) == ["c", "a", "b"])
        #expect(MariaDBTableOrder.referencingFirst(["a", "b"], edges: [("x", "a"), ("a", "a")]) == ["a", "b"])
    }
}
