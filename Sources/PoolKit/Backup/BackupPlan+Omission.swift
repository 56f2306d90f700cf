extension BackupPlan {
    /// Leaves out catalog objects that cannot be carried, with everything that needs them.
    ///
    /// Each key of `reasons` is the id of an object (or of a table or blob) the strategy found it
    /// cannot recreate; its value says why. The object goes, and so does every object whose
    /// `dependencies` reach it (transitively), with the reason "needs <kind> <name>, which is not
    /// carried"; tables and blobs among them lose their data and chunks. Each one left out is
    /// appended to ``BackupCatalog/omitted`` in catalog order, so the archive restores without
    /// them instead of failing at the first object that needed one.
    ///
    /// ```swift
    /// var plan = BackupPlan(catalog: catalog, chunks: chunks)
    /// plan.omit([typeID: "a base type's I/O functions are written in C and not carried"])
    /// ```
    public mutating func omit(_ reasons: [UInt32: String]) {
        guard !reasons.isEmpty else { return }
        var dependents: [UInt32: [UInt32]] = [:]
        for object in catalog.objects {
            for dependency in object.dependencies { dependents[dependency, default: []].append(object.id) }
        }
        let objects = Dictionary(catalog.objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Breadth first from the roots: each object is reached first through the shortest chain.
        var because: [UInt32: String] = reasons
        var queue = Array(reasons.keys.sorted())
        var index = 0
        while index < queue.count {
            let id = queue[index]
            index += 1
            let needed = objects[id].map { "needs \($0.kind) \(Self.qualified($0.schema, $0.name)), which is not carried" }
            for dependent in dependents[id] ?? [] where because[dependent] == nil {
                because[dependent] = needed ?? "needs object \(id), which is not carried"
                queue.append(dependent)
            }
        }
        var omitted: [ArchiveOmission] = []
        for object in catalog.objects {
            if let reason = because[object.id] {
                omitted.append(ArchiveOmission(kind: object.kind, schema: object.schema, name: object.name, reason: reason))
            }
        }
        for table in catalog.tables where objects[table.id] == nil {
            if let reason = because[table.id] {
                omitted.append(ArchiveOmission(kind: .table, schema: table.schema, name: table.name, reason: reason))
            }
        }
        for blob in catalog.blobs where objects[blob.id] == nil {
            if let reason = because[blob.id] { omitted.append(ArchiveOmission(kind: "blob", name: blob.name, reason: reason)) }
        }
        catalog.objects.removeAll { because[$0.id] != nil }
        catalog.tables.removeAll { because[$0.id] != nil }
        catalog.blobs.removeAll { because[$0.id] != nil }
        chunks.removeAll { because[$0.objectID] != nil }
        catalog.omitted += omitted
    }

    private static func qualified(_ schema: String?, _ name: String) -> String { schema.map { "\($0).\(name)" } ?? name }
}
