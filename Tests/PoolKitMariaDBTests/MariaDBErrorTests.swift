import Testing

@testable import PoolKitMariaDB

/// How a server error reads in a message: MariaDB's own words, its number and SQLSTATE, and advice
/// where the words hide the cause.
@Suite("MariaDB error descriptions")
struct MariaDBErrorTests {
    @Test("a table that 'is full' (1114) and a full disk (1021) say the server's disk is full")
    func fullTableSaysDisk() {
        for number: UInt32 in [1114, 1021] {
            let error = MariaDBError(number: number, sqlState: "HY000", message: "The table 'big' is full")
            #expect(error.description.hasPrefix("The table 'big' is full (error \(number), SQLSTATE HY000): "))
            #expect(error.description.contains("the server's disk is full"))
        }
    }

    @Test("other errors are MariaDB's words with number and SQLSTATE only")
    func otherErrorsUnchanged() {
        let error = MariaDBError(number: 1146, sqlState: "42S02", message: "Table 'x.y' doesn't exist")
        #expect(error.description == "Table 'x.y' doesn't exist (error 1146, SQLSTATE 42S02)")
    }
}
