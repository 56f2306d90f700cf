import CPoolKitMariaDB
import PoolKit

/// What a running `LOAD DATA LOCAL INFILE` reads from: the chunk's payloads, handed to
/// libmariadb's read callback piece by piece. Lives on the connection's thread for one statement;
/// the callbacks reach it through their `userdata` pointer.
private final class LocalInfileFeed {
    let reader: BlockingChunkReader
    var pending: [UInt8] = []
    var offset = 0
    var failure: (any Error)?
    /// The digest of every byte handed to the server.
    var digest = MariaDBRowDigest()

    init(reader: BlockingChunkReader) { self.reader = reader }

    /// Copies up to `capacity` bytes into `buffer`; 0 at the end, -1 on failure.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int32 {
        while offset == pending.count {
            do {
                guard let next = try reader.next() else { return 0 }
                pending = next
                offset = 0
                digest.update(next)
            } catch {
                failure = error
                return -1
            }
        }
        let take = min(capacity, pending.count - offset, Int(Int32.max))
        pending.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + offset, byteCount: take)
        }
        offset += take
        return Int32(take)
    }
}

/// What one `LOAD DATA LOCAL INFILE` did.
struct MariaDBLoadResult: Sendable {
    /// The rows the server reports as loaded.
    var rows: UInt64
    /// The digest of the rows sent (the archive's).
    var digest: MariaDBRowDigest
    /// The statement's warning count, and the first warnings as `Level Code Message` lines.
    var warningCount: Int
    var warnings: [String]
}

extension MariaDBHandle {
    /// Runs `sql`, a `LOAD DATA LOCAL INFILE` statement, feeding the file from `reader` through
    /// libmariadb's local-infile callbacks (no temporary file). With `LOCAL`, the server turns
    /// data errors (truncation, duplicate keys) into warnings: the result carries them, and the
    /// caller proves by reading the rows back whether they changed anything.
    func loadData(_ sql: String, from reader: BlockingChunkReader) throws -> MariaDBLoadResult {
        let mysql = try open()
        let feed = LocalInfileFeed(reader: reader)
        let userdata = Unmanaged.passUnretained(feed).toOpaque()
        mysql_set_local_infile_handler(
            mysql,
            { pointer, _, userdata in
                pointer?.pointee = userdata
                return userdata == nil ? 1 : 0
            },
            { pointer, buffer, length in
                guard let pointer, let buffer else { return -1 }
                return Unmanaged<LocalInfileFeed>.fromOpaque(pointer).takeUnretainedValue().read(
                    into: buffer, capacity: Int(length))
            },
            { _ in },
            { pointer, message, length in
                guard let message, length > 0 else { return Int32(CR_UNKNOWN_ERROR) }
                let text = pointer == nil ? "no chunk is being loaded" : "the archive stream failed"
                var bytes = Array(text.utf8.prefix(Int(length) - 1))
                bytes.append(0)
                bytes.withUnsafeBytes { UnsafeMutableRawPointer(message).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                return Int32(CR_UNKNOWN_ERROR)
            },
            userdata)
        defer {
            withExtendedLifetime(feed) {}
            refuseLocalFiles()
        }
        var sql = sql
        // A server that ends the connection mid-upload (KILL) may stop reading without closing:
        // the watch cuts the socket when it hangs up, so the blocked write fails at once.
        let watch = PeerHangupWatch(socket: socketDescriptor)
        let status = sql.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) }
        }
        watch?.stop()
        if let failure = feed.failure {
            // The archive side failed (a damaged or abandoned chunk): that is the cause to report.
            if status == 0 { _ = try? drainResults(mysql) }
            throw failure
        }
        if status != 0 { throw statementError(mysql) }
        let rows = UInt64(mysql_affected_rows(mysql))
        let warningCount = Int(mysql_warning_count(mysql))
        try drainResults(mysql)
        var warnings: [String] = []
        if warningCount > 0 {
            warnings = try query("SHOW WARNINGS LIMIT 5").rows.map { row in row.compactMap { $0 }.joined(separator: " ") }
        }
        return MariaDBLoadResult(rows: rows, digest: feed.digest, warningCount: warningCount, warnings: warnings)
    }

    /// Reads and discards any further result sets of the last statement.
    private func drainResults(_ mysql: UnsafeMutablePointer<MYSQL>) throws {
        while true {
            if let result = mysql_store_result(mysql) { mysql_free_result(result) }
            let next = mysql_next_result(mysql)
            if next > 0 { throw statementError(mysql) }
            if next < 0 { return }
        }
    }

    /// Installs local-infile callbacks that refuse every request, so the server can never make
    /// this client read a file of its choosing (the library's default handler would).
    func refuseLocalFiles() {
        guard let mysql = try? open() else { return }
        mysql_set_local_infile_handler(
            mysql,
            { pointer, _, _ in
                pointer?.pointee = nil
                return 1
            },
            { _, _, _ in -1 },
            { _ in },
            { _, message, length in
                if let message, length > 0 {
                    var bytes = Array("this client does not send local files".utf8.prefix(Int(length) - 1))
                    bytes.append(0)
                    bytes.withUnsafeBytes { UnsafeMutableRawPointer(message).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                }
                return Int32(CR_UNKNOWN_ERROR)
            },
            nil)
    }
}
