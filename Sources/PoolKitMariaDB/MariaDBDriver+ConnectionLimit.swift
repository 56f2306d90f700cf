import Logging
import PoolKit

extension MariaDBDriver {
    /// `max_connections` minus the connections in use, and `max_user_connections` (the account's
    /// own limit where it has one) minus the user's — the probe's own counted as free again.
    public func connectionLimit(for url: ConnectionURL, logger: Logger) async throws -> ConnectionLimit? {
        let row = try await firstRow(
            of: """
            SELECT @@global.max_connections, @@max_user_connections,
                   (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'THREADS_CONNECTED'),
                   (SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1))
            """, at: url, logger: logger)
        guard let row, row.count == 4, let max = row[0].flatMap(Int.init), let userMax = row[1].flatMap(Int.init),
            let inUse = row[2].flatMap(Int.init), let userInUse = row[3].flatMap(Int.init)
        else { return nil }
        var limit = ConnectionLimit(available: max - inUse + 1, explanation: "max_connections \(max) − \(inUse - 1) in use")
        if userMax > 0, userMax - userInUse + 1 < limit.available {
            limit = ConnectionLimit(
                available: userMax - userInUse + 1, explanation: "max_user_connections \(userMax) − \(userInUse - 1) of this user's")
        }
        return limit
    }
}
