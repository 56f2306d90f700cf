import Foundation
import Logging
import PoolKitSQLite
import Testing

let testLogger = Logger(label: "PoolKitSQLiteTests")

/// Runs `body` with a fresh temporary directory (its path), removed afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("poolkit-sqlite-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.path)
}

/// `sqlite:` URL text for `path` (percent-encoded) with `options` as the query string.
func sqliteURL(_ path: String, _ options: String = "") -> String {
    let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
    let base = path.hasPrefix("/") ? "sqlite://\(encoded)" : "sqlite:\(encoded)"
    return options.isEmpty ? base : "\(base)?\(options)"
}

/// Opens a connection the way an application does: URL → registry → driver → connect.
func connect(_ path: String, _ options: String = "") async throws -> SQLiteConnection {
    let url = try ConnectionURL(sqliteURL(path, options))
    let driver = try DriverRegistry([SQLiteDriver()]).driver(for: url)
    let connection = try await driver.connect(to: url, logger: testLogger)
    return try #require(connection as? SQLiteConnection)
}

/// A query that would run for minutes: it only ends early when interrupted.
let endlessQuery = """
    WITH RECURSIVE counter(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM counter LIMIT 2000000000)
    SELECT count(*) FROM counter
    """
