import Foundation
import PoolKit

extension SQLitePortableReader {
    /// A `pages` archive keeps the database file: it is restored into a scratch file and read back
    /// with the `logical` strategy, whose archives this reader reads.
    func staging(for manifest: ArchiveManifest) throws -> PortableStaging? {
        guard manifest.strategy == "pages" else { return nil }
        let directory = try PortableStaging.makeDirectory()
        do {
            return PortableStaging(url: try ConnectionURL("sqlite://" + directory + "/staged.db"), strategy: "logical", directory: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }
}
