import PoolBenchSupport

/// A client under measurement on the real server: runs the two benchmark queries through its
/// pool of 8 connections.
protocol QueryClient: Sendable {
    /// `SELECT 1`, its one value decoded as an integer.
    func selectOne() async throws -> Int
    /// pgbench -S's query with the account id bound as a parameter: one row by primary key.
    func accountBalance(_ id: Int) async throws -> Int
    /// Closes the client's connections.
    func shutdown() async
}

/// pgbench -S's table at scale 1 (`pgbench -i` made it): ids 1...100,000.
let accountCount = 100_000
let accountBalanceSQL = "SELECT abalance FROM pgbench_accounts WHERE aid = $1"

struct BenchmarkQueryError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
