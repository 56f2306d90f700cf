import Logging
import PoolKit

extension PostgresDriver {
    /// `max_connections` minus `superuser_reserved_connections` (unless the role is a superuser)
    /// minus the client backends in use, and the role's `CONNECTION LIMIT` minus its sessions — the
    /// probe's own session counted as free again.
    public func connectionLimit(for url: ConnectionURL, logger: Logger) async throws -> ConnectionLimit? {
        let row = try await firstRow(
            of: """
            SELECT current_setting('max_connections')::int,
                   current_setting('superuser_reserved_connections')::int,
                   (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int,
                   r.rolconnlimit, r.rolsuper,
                   (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = current_user)::int
            FROM pg_roles r WHERE r.rolname = current_user
            """, at: url, logger: logger)
        guard let row, row.count == 6, let max = row[0].flatMap(Int.init), let reserved = row[1].flatMap(Int.init),
            let inUse = row[2].flatMap(Int.init), let roleLimit = row[3].flatMap(Int.init), let roleInUse = row[5].flatMap(Int.init)
        else { return nil }
        let superuser = row[4] == "t"
        let held = superuser ? 0 : reserved
        var limit = ConnectionLimit(
            available: max - held - inUse + 1, explanation: "max_connections \(max) − \(held) reserved − \(inUse - 1) in use")
        if roleLimit >= 0, roleLimit - roleInUse + 1 < limit.available {
            limit = ConnectionLimit(
                available: roleLimit - roleInUse + 1, explanation: "the role's CONNECTION LIMIT \(roleLimit) − \(roleInUse - 1) of its sessions")
        }
        return limit
    }
}
