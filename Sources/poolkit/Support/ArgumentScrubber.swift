#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Overwrites passwords in the process's own argument vector, as mariadb-dump does with `-p`: the
/// password of a URL (`scheme://user:PASSWORD@host`) and a `password=` query value become `x`s of
/// the same length, so `ps` and `/proc/PID/cmdline` no longer show them once poolkit has started.
///
/// Not enough on its own: until this runs, any user on the host can read the command line, and it
/// stays in the shell's history — which is why docs/credentials.md shows other ways.
enum ArgumentScrubber {
    /// Scrubs `CommandLine.unsafeArgv` in place; returns how many passwords it overwrote.
    @discardableResult
    static func scrub() -> Int {
        var count = 0
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index] else { continue }
            let length = strlen(argument)
            let bytes = UnsafeMutableBufferPointer(start: UnsafeMutableRawPointer(argument).assumingMemoryBound(to: UInt8.self), count: length)
            for range in passwordRanges(in: Array(bytes)) {
                for position in range { bytes[position] = UInt8(ascii: "x") }
                count += 1
            }
        }
        return count
    }

    /// The byte ranges of the passwords in one argument.
    static func passwordRanges(in bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        if let schemeEnd = find([UInt8]("://".utf8), in: bytes, from: 0) {
            let start = schemeEnd + 3
            let authorityEnd = bytes[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
            if let at = bytes[start..<authorityEnd].lastIndex(of: UInt8(ascii: "@")),
                let colon = bytes[start..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at
            {
                ranges.append((colon + 1)..<at)
            }
        }
        var from = 0
        let key = [UInt8]("password=".utf8)
        while let found = find(key, in: bytes, from: from) {
            let start = found + key.count
            let preceded = found == 0 || [UInt8(ascii: "?"), UInt8(ascii: "&")].contains(bytes[found - 1])
            let end = bytes[start...].firstIndex { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "#") } ?? bytes.count
            if preceded && end > start { ranges.append(start..<end) }
            from = start
        }
        return ranges
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        guard bytes.count >= needle.count, from <= bytes.count - needle.count else { return nil }
        for start in from...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
