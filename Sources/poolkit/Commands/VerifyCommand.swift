import ArgumentParser
import PoolKit

/// `poolkit verify <archive|->`: a full integrity check without a database.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an archive completely (every frame, chunk digest, row count and the trailer) without a database.",
        discussion: """
            Exits 0 only if the archive is intact; otherwise prints where it is damaged and exits 4.

            Examples:
              poolkit verify app.poolkit
              aws s3 cp s3://bucket/app.poolkit - | poolkit verify -
            """)

    @Argument(help: "The archive file, or - for standard input.")
    var archive: String

    @Flag(name: .shortAndLong, help: "Print nothing; only the exit code tells.")
    var quiet = false

    @Flag(help: "Print the result as one JSON object on standard output (schema in docs/cli.md), also when the archive is damaged.")
    var json = false

    func run() async throws {
        do {
            let source = TransferBox(try openArchive(archive))
            let report = try await ArchiveVerifier().verify(source.take()!)
            if json { return try emitJSON(VerifyReport(archive: archive, report)) }
            guard !quiet else { return }
            let trailer = report.trailer
            print("\(archive): intact")
            print("  format \(report.formatVersion), \(report.manifest.engine) \(report.manifest.serverVersion), strategy \(report.manifest.strategy), written \(report.manifest.createdAt)")
            print("  tables \(report.tables.count), blobs \(report.blobs.count), chunks \(trailer.tableChunks + trailer.blobChunks), rows \(trailer.rows), data \(formatBytes(trailer.dataBytes)), archive \(formatBytes(report.archiveBytes))")
            print("  digest sha256:\(report.digest)")
        } catch let error as PoolKitError where [.archiveCorrupt, .archiveTruncated, .archiveUnsupported].contains(error.code) {
            writeToStandardError("poolkit: \(archive) is NOT intact: \(error.description)\n")
            if json { try? emitJSON(VerifyReport(archive: archive, damage: error.description)) }
            throw ExitCode(ExitStatus.damaged)
        } catch {
            throw reportFailure(error)
        }
    }
}
