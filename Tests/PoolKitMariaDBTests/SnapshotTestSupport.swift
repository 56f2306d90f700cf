import Foundation
import Logging
import PoolKitConformance
import PoolKitMariaDB
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A database with a random name on the MariaDB test server, dropped by ``drop()``.
struct ScratchDatabase: Sendable {
    let name: String
    let url: ConnectionURL
    let urlText: String

    static func serverURLText() throws -> String {
        try #require(TestServers.url(for: .mariadb), Comment(rawValue: TestServers.missingMessage(for: .mariadb)))
    }

    /// The server URL with its database replaced by `database`.
    static func urlText(for database: String) throws -> String {
        let text = try serverURLText()
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var base = String(parts[0])
        if let slash = base.range(of: "/", options: .backwards), base[..<slash.lowerBound].hasSuffix("/") == false {
            base = String(base[..<slash.lowerBound])
        }
        return base + "/" + database + (parts.count > 1 ? "?" + parts[1] : "")
    }

    static func create(_ prefix: String) async throws -> ScratchDatabase {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
        try await serverConnection { try await $0.execute(unsafeSQL: "CREATE DATABASE `\(name)`") }
        let text = try urlText(for: name)
        return ScratchDatabase(name: name, url: try ConnectionURL(text), urlText: text)
    }

    func drop() async {
        try? await Self.serverConnection { try await $0.execute(unsafeSQL: "DROP DATABASE IF EXISTS `\(name)`") }
    }

    static func serverConnection<T>(_ body: (MariaDBConnection) async throws -> T) async throws -> T {
        let url = try ConnectionURL(try serverURLText())
        let connection = try #require(try await MariaDBDriver().connect(to: url, logger: Logger(label: "test")) as? MariaDBConnection)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Runs `body` with a connection to this database.
    func withConnection<T>(_ body: (MariaDBConnection) async throws -> T) async throws -> T {
        let connection = try #require(try await MariaDBDriver().connect(to: url, logger: Logger(label: "test")) as? MariaDBConnection)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Tables versioned by transaction id: their ids are the server's own, so CHECKSUM TABLE (which
    /// reads the period columns) cannot agree; their visible columns are compared instead.
    static let transactionVersioned: [String: String] = ["trx_versioned": "id, x"]

    /// Table name → (row count, `CHECKSUM TABLE … EXTENDED`) of every base table; for
    /// timestamp-versioned tables also the history rows, for ``transactionVersioned`` ones a digest
    /// of their current rows' visible columns.
    func tableFacts() async throws -> [String: String] {
        try await withConnection { connection in
            let tables = try await connection.query(unsafeSQL:
                "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY 1"
            ).rows
            try await connection.execute(unsafeSQL: "SET SESSION group_concat_max_len = 1 << 30")
            var facts: [String: String] = [:]
            for row in tables {
                guard let table = row[0] else { continue }
                let quoted = "`" + table.replacingOccurrences(of: "`", with: "``") + "`"
                let count = try await connection.query(unsafeSQL: "SELECT COUNT(*) FROM \(quoted)").scalar ?? "?"
                if let columns = Self.transactionVersioned[table] {
                    let digest = try await connection.query(unsafeSQL:
                        "SELECT MD5(GROUP_CONCAT(CONCAT_WS('/', \(columns)) ORDER BY \(columns))) FROM \(quoted)"
                    ).scalar
                    facts[table] = "\(count) rows, digest \(digest ?? "NULL")"
                    continue
                }
                let checksum = try await connection.query(unsafeSQL: "CHECKSUM TABLE \(quoted) EXTENDED").rows.first?[1] ?? nil
                facts[table] = "\(count) rows, checksum \(checksum ?? "NULL")"
                if row[1] == "SYSTEM VERSIONED" {
                    let history = try await connection.query(unsafeSQL:
                        "SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('/', ROW_START, ROW_END, id, v) ORDER BY ROW_START, ROW_END)) FROM \(quoted) FOR SYSTEM_TIME ALL"
                    ).rows.first
                    facts[table]! += "; history \(history?[0] ?? "?") rows, \(history?[1] ?? "NULL")"
                }
            }
            return facts
        }
    }

    /// `mariadb-dump --no-data --skip-comments --routines --events --triggers` of this database,
    /// with `AUTO_INCREMENT=n` removed; the password goes through the child's MYSQL_PWD.
    func schemaDump() async throws -> String {
        try await offPool { try self.schemaDumpBlocking() }
    }

    private func schemaDumpBlocking() throws -> String {
        let url = self.url
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "mariadb-dump", "--no-data", "--skip-comments", "--routines", "--events", "--triggers",
            "-h", url.host ?? "127.0.0.1", "-P", String(url.port ?? 3306), "-u", url.user ?? "", name,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["MYSQL_PWD"] = url.password ?? ""
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "mariadb-dump failed: \(errorText)")
        // Byte for byte (routines created under latin1 are printed in latin1): each byte one scalar.
        let text = String(String.UnicodeScalarView(data.map { Unicode.Scalar($0) }))
        // Objects created under another database default are wrapped in ALTER DATABASE `name`.
        return text.replacingOccurrences(of: #" AUTO_INCREMENT=[0-9]+"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: "ALTER DATABASE `\(name)`", with: "ALTER DATABASE `<database>`")
    }
}

extension ScratchDatabase {
    /// Feeds `script` (raw bytes, in `characterSet`) to the `mariadb` client connected to this
    /// database with that default character set — for objects created under a client character
    /// set that is not UTF-8. The password goes through the child's MYSQL_PWD.
    func runClient(_ script: [UInt8], characterSet: String) async throws {
        try await offPool { try self.runClientBlocking(script, characterSet: characterSet) }
    }

    private func runClientBlocking(_ script: [UInt8], characterSet: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "mariadb", "--no-defaults", "--default-character-set=\(characterSet)", "-h", url.host ?? "127.0.0.1",
            "-P", String(url.port ?? 3306), "-u", url.user ?? "", name,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["MYSQL_PWD"] = url.password ?? ""
        process.environment = environment
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(script))
        try input.fileHandleForWriting.close()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "mariadb failed: \(errorText)")
    }
}

let mariadbRegistry = DriverRegistry([MariaDBDriver()])

/// Backs up `source` into a file and restores it into `target` with `jobs` connections each.
@discardableResult
func roundTripThroughFile(
    _ source: ScratchDatabase, _ target: ScratchDatabase, jobs: Int, backup: BackupOptions = BackupOptions(),
    restore: RestoreOptions = RestoreOptions()
) async throws -> (BackupSummary, RestoreSummary) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mariadb-\(UUID().uuidString).poolkit").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    var backupOptions = backup
    backupOptions.jobs = jobs
    let written = try await BackupEngine(registry: mariadbRegistry).backup(
        url: source.url, to: try FileArchiveSink(path: path), options: backupOptions)
    var restoreOptions = restore
    restoreOptions.jobs = jobs
    let restored = try await RestoreEngine(registry: mariadbRegistry).restore(
        from: try FileArchiveSource(path: path), into: target.url, options: restoreOptions)
    return (written, restored)
}

/// Backs up `source` into a pipe while restoring from its other end into `target`.
func roundTripThroughPipe(_ source: ScratchDatabase, _ target: ScratchDatabase, jobs: Int, chunkBytes: Int64? = nil) async throws {
    var fds: [Int32] = [0, 0]
    try #require(pipe(&fds) == 0)
    let (readEnd, writeEnd) = (fds[0], fds[1])
    var backupOptions = BackupOptions()
    backupOptions.jobs = jobs
    if let chunkBytes { backupOptions.targetChunkBytes = chunkBytes }
    var restoreOptions = RestoreOptions()
    restoreOptions.jobs = jobs
    let options = (backupOptions, restoreOptions)
    async let restored = RestoreEngine(registry: mariadbRegistry).restore(
        from: FileArchiveSource(fileDescriptor: readEnd, name: "a test pipe", closeWhenDone: true), into: target.url,
        options: options.1)
    _ = try await BackupEngine(registry: mariadbRegistry).backup(
        url: source.url, to: FileDescriptorArchiveSink(fileDescriptor: writeEnd, name: "a test pipe", closeWhenDone: true),
        options: options.0)
    _ = try await restored
}

