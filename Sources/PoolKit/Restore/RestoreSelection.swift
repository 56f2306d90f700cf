/// Which objects and chunks of the archive a restore applies, given its options.
struct RestoreSelection: Sendable {
    let preData: [ArchiveObject]
    let postData: [ArchiveObject]
    let chunksPerObject: [UInt32: Int]
    /// The chunk counts the manifest plans for the tables and blobs loaded (those it plans).
    let plannedChunks: [UInt32: Int]
    /// The ids of the archive's tables: table objects and tables with data.
    let tableIDs: Set<UInt32>
    private let dataIDs: Set<UInt32>
    private let names: [UInt32: String]

    init(manifest: ArchiveManifest, options: RestoreOptions) {
        func selected(_ table: ArchiveTable) -> Bool { options.selects(schema: table.schema, name: table.name) }
        // Left out: tables not selected, and everything that depends on what is left out, so
        // that an index, a trigger or a comment never outlives its table.
        var unwanted = Set(manifest.tables.filter { !selected($0) }.map(\.id)).intersection(Set(manifest.objects.map(\.id)))
        var grew = true
        while grew {
            grew = false
            for object in manifest.objects where !unwanted.contains(object.id) {
                if object.dependencies.contains(where: { unwanted.contains($0) }) {
                    unwanted.insert(object.id)
                    grew = true
                }
            }
        }
        func keep(_ object: ArchiveObject) -> Bool {
            if unwanted.contains(object.id) { return false }
            if options.noOwner && object.kind == .owner { return false }
            if options.noPrivileges && object.kind == .acl { return false }
            if options.dataOnly { return object.section == .data }
            if options.schemaOnly { return object.section != .data }
            return true
        }
        let objects = manifest.objects.filter(keep)
        preData = objects.filter { $0.section == .preData }
        postData = objects.filter { $0.section == .postData || $0.section == .data }
        var data = options.schemaOnly ? Set<UInt32>() : Set(manifest.tables.filter(selected).map(\.id))
        if !options.schemaOnly && options.includeTables.isEmpty { data.formUnion(manifest.blobs.map(\.id)) }
        dataIDs = data
        tableIDs = Set(manifest.tables.map(\.id)).union(manifest.objects.filter { $0.kind == .table }.map(\.id))
        var chunks: [UInt32: Int] = [:]
        for table in manifest.tables where data.contains(table.id) { chunks[table.id] = table.chunks ?? 1 }
        for blob in manifest.blobs where data.contains(blob.id) { chunks[blob.id] = blob.chunks ?? 1 }
        chunksPerObject = chunks
        var planned: [UInt32: Int] = [:]
        for table in manifest.tables where data.contains(table.id) { planned[table.id] = table.chunks }
        for blob in manifest.blobs where data.contains(blob.id) { planned[blob.id] = blob.chunks }
        plannedChunks = planned
        names = Dictionary(
            manifest.tables.map { ($0.id, $0.qualifiedName) } + manifest.blobs.map { ($0.id, $0.name) },
            uniquingKeysWith: { first, _ in first })
    }

    func loadsData(of objectID: UInt32) -> Bool { dataIDs.contains(objectID) }
    /// The tables and blobs whose data the restore loads.
    var loadedObjects: Set<UInt32> { dataIDs }
    func name(of objectID: UInt32) -> String { names[objectID] ?? "object \(objectID)" }
}
