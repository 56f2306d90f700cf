import Foundation
import PoolKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a password from the controlling terminal (`/dev/tty`) with echo off, as psql and
/// mariadb-dump do — never from standard input, which may carry an archive. Runs on a thread of
/// its own (the read blocks until the user presses Enter) and gives up on Ctrl-C.
enum PasswordPrompt {
    static func ask(_ prompt: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try readBlocking(prompt) }) }
        }
    }

    private static func readBlocking(_ prompt: String) throws -> String {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PoolKitError(
                .usage,
                "--password-prompt needs a terminal, and this process has none: give the password in ~/.pgpass or ~/.my.cnf, PGPASSWORD, or a URL from env:NAME or a file")
        }
        defer { close(fd) }
        var original = termios()
        let isTerminal = tcgetattr(fd, &original) == 0
        if isTerminal {
            var silent = original
            silent.c_lflag &= ~tcflag_t(ECHO)
            silent.c_lflag |= tcflag_t(ECHONL)
            // TCSANOW, not TCSAFLUSH: a password typed (or pasted) before the prompt appears is kept.
            tcsetattr(fd, TCSANOW, &silent)
        }
        defer { if isTerminal { tcsetattr(fd, TCSANOW, &original) } }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            // Wait in slices so that a Ctrl-C (which poolkit catches rather than dying) ends the prompt.
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 200)
            if InterruptMonitor.shared.signalled { throw PoolKitError(.cancelled, "interrupted at the password prompt") }
            if ready == 0 || ready < 0 && errno == EINTR { continue }
            let count = read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 || byte == UInt8(ascii: "\n") { break }
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        return String(decoding: bytes, as: UTF8.self)
    }
}
