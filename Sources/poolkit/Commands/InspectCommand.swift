import ArgumentParser
import Foundation
import PoolKit

/// `poolkit inspect <archive|->`: what an archive holds.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an archive's manifest: engine, strategy, objects, and tables with rows and sizes.",
        discussion: """
            Reads the whole archive (so rows and sizes are the verified ones).

            Examples:
              poolkit inspect app.poolkit
              poolkit inspect app.poolkit --json | jq '.tables[] | {name, rows}'
              poolkit inspect app.poolkit --json | jq '.omitted[] | "\\(.kind) \\(.name): \\(.reason)"'
            """)

    @Argument(help: "The archive file, or - for standard input.")
    var archive: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        do {
            let source = TransferBox(try openArchive(archive))
            let report = try await ArchiveVerifier().verify(source.take()!)
            if json {
                try printJSON(report)
            } else {
                printText(report)
            }
        } catch let error as PoolKitError where [.archiveCorrupt, .archiveTruncated, .archiveUnsupported].contains(error.code) {
            writeToStandardError("poolkit: \(archive) is NOT intact: \(error.description)\n")
            throw ExitCode(ExitStatus.damaged)
        } catch {
            throw reportFailure(error)
        }
    }

    private func printText(_ report: ArchiveReport) {
        let manifest = report.manifest
        print("archive \(archive)")
        print("  format \(report.formatVersion), id \(report.archiveID)")
        print("  source \(manifest.engine) \(manifest.serverVersion), driver \(manifest.driver), strategy \(manifest.strategy)")
        print("  written \(manifest.createdAt) by \(manifest.toolVersion ?? "unknown")")
        let options = manifest.options.filter { !SourceCheck.keys.contains($0.key) }
        if !options.isEmpty {
            print("  options " + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        if let source = SourceCheck(manifest.options) {
            print("  source check \(source.description)")
            if source.failure != nil {
                print("    the source database was damaged when it was backed up: a pages restore refuses it unless given --allow-damaged")
            }
        }
        print("  digest sha256:\(report.digest)")
        let sections = Dictionary(grouping: manifest.objects, by: \.section)
        for section in ArchiveSection.allCases {
            guard let objects = sections[section], !objects.isEmpty else { continue }
            let kinds = Dictionary(grouping: objects, by: \.kind.rawValue).map { "\($0.value.count) \($0.key)" }.sorted()
            print("  \(section.rawValue): " + kinds.joined(separator: ", "))
        }
        if !report.tables.isEmpty {
            print("  tables:")
            let width = report.tables.map(\.name.count).max() ?? 0
            for table in report.tables {
                print("    \(table.name.padding(to: width))  \(table.rows) rows  \(formatBytes(table.bytes))  \(table.chunks) chunks  \(table.encoding)")
            }
        }
        for blob in report.blobs {
            print("  blob \(blob.name): \(formatBytes(blob.bytes)) in \(blob.chunks) chunks (\(blob.encoding))")
        }
        if !manifest.omitted.isEmpty {
            print("  not carried (\(manifest.omitted.count)): the source had these, the archive does not")
            for omission in manifest.omitted { print("    \(omission)") }
        }
    }

    private func printJSON(_ report: ArchiveReport) throws {
        struct Entry: Encodable {
            var name: String
            var rows: UInt64
            var bytes: UInt64
            var chunks: Int
            var encoding: String
        }
        struct Output: Encodable {
            var archiveID: String
            var formatVersion: String
            var digest: String
            var archiveBytes: UInt64
            var manifest: ArchiveManifest
            var tables: [Entry]
            var blobs: [Entry]
            /// What the source had and the archive does not carry (always present, maybe empty).
            var omitted: [ArchiveOmission]
        }
        func entries(_ list: [ArchiveReport.Entry]) -> [Entry] {
            list.map { Entry(name: $0.name, rows: $0.rows, bytes: $0.bytes, chunks: $0.chunks, encoding: $0.encoding.rawValue) }
        }
        let output = Output(
            archiveID: report.archiveID.uuidString, formatVersion: "\(report.formatVersion)", digest: "\(report.digest)",
            archiveBytes: report.archiveBytes, manifest: report.manifest, tables: entries(report.tables),
            blobs: entries(report.blobs), omitted: report.manifest.omitted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(output), as: UTF8.self))
    }
}
