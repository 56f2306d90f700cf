/// The order in which a restore creates tables, when foreign keys constrain it.
///
/// A foreign key whose referenced columns lead no index of the referenced table (the index was
/// dropped while `foreign_key_checks` was 0) cannot be added by `ALTER TABLE`, and `CREATE TABLE`
/// accepts it only while the referenced table does not exist yet (once it exists without the
/// index, InnoDB refuses the key even with the checks off: errno 150). So the referencing table,
/// which keeps such a key in its `CREATE TABLE`, is created before the table it references — as
/// the source's own history had it.
enum MariaDBTableOrder {
    /// `names` (in their order) reordered so that for each pair `(table, referenced)` of `edges`,
    /// `table` comes before `referenced`; otherwise stable. Tables in a cycle of such keys (which
    /// no order satisfies) keep their relative order, after the others they wait for.
    static func referencingFirst(_ names: [String], edges: [(table: String, referenced: String)]) -> [String] {
        let position = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var waitingFor = Array(repeating: 0, count: names.count)
        var after: [Int: [Int]] = [:]
        for edge in edges {
            guard let first = position[edge.table], let then = position[edge.referenced], first != then else { continue }
            waitingFor[then] += 1
            after[first, default: []].append(then)
        }
        var placed = Array(repeating: false, count: names.count)
        var order: [String] = []
        var progress = true
        while progress {
            progress = false
            // The first table (in the original order) that waits for nothing.
            guard let next = names.indices.first(where: { !placed[$0] && waitingFor[$0] == 0 }) else { break }
            placed[next] = true
            order.append(names[next])
            for then in after[next] ?? [] { waitingFor[then] -= 1 }
            progress = true
        }
        return order + names.indices.filter { !placed[$0] }.map { names[$0] }
    }
}
