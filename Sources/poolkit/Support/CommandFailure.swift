import ArgumentParser
import PoolKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exit codes scripts can rely on.
enum ExitStatus {
    /// Bad arguments or URL.
    static let usage: Int32 = 2
    /// The database could not be reached or refused us.
    static let connection: Int32 = 3
    /// Anything else that failed.
    static let failure: Int32 = 1
    /// An archive is damaged, truncated or of an unsupported version.
    static let damaged: Int32 = 4
    /// `backup --check`: the source failed its integrity check; the archive was written all the same.
    static let sourceDamaged: Int32 = 5
    /// Interrupted (Ctrl-C or SIGTERM), as shells report it.
    static let interrupted: Int32 = 130
}

/// Prints one line `poolkit: <what went wrong>` (plus a hint where one helps) to stderr and turns
/// the error into an exit code. Messages come from PoolKitError, which never holds a password.
func reportFailure(_ error: any Error) -> ExitCode {
    guard let error = error as? PoolKitError else {
        writeToStandardError("poolkit: \(error)\n")
        return ExitCode(ExitStatus.failure)
    }
    var line = "poolkit: \(error.description)"
    if let hint = hint(for: error), !error.message.contains("check "), !error.message.contains("password") { line += " — \(hint)" }
    writeToStandardError(line + "\n")
    switch error.code {
    case .invalidURL, .unknownScheme, .unknownOption, .invalidOption, .usage: return ExitCode(ExitStatus.usage)
    case .connectionFailed, .authenticationFailed, .databaseNotFound, .acquireTimeout, .connectionClosed:
        return ExitCode(ExitStatus.connection)
    case .archiveCorrupt, .archiveTruncated, .archiveUnsupported:
        return ExitCode(ExitStatus.damaged)
    case .cancelled:
        return ExitCode(ExitStatus.interrupted)
    default: return ExitCode(ExitStatus.failure)
    }
}

private func hint(for error: PoolKitError) -> String? {
    switch error.code {
    case .authenticationFailed: "check the user name and the password (see docs/credentials.md for where poolkit takes it from)"
    case .databaseNotFound: "check the database name in the URL, or create it first"
    case .unknownScheme: "run `poolkit drivers` to list the schemes"
    default: nil
    }
}

func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
