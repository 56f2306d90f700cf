import Foundation
import PoolKit
import Synchronization

/// Where a command's database URL comes from, so that a password never has to be on the command
/// line: the argument itself (a URL, or `env:NAME` for the URL in an environment variable), or a
/// file (`--source-url-file`, `--target-url-file`, `--url-file`); and `--password-prompt`, which
/// reads the password from the terminal.
struct URLInput {
    /// The URL argument, if given.
    var argument: String?
    /// The file option's value, if given.
    var file: String?
    /// The file option's name, for messages (`--source-url-file`).
    var fileOption: String
    /// Whether to ask for the password on the terminal.
    var promptPassword: Bool
    /// `source` or `target`, for messages.
    var role: String

    /// The URL and, when it did not come from the argument, where it came from.
    func resolve() async throws -> (url: ConnectionURL, origin: String?) {
        let (text, origin) = try urlText()
        if let origin { URLInput.origins.withLock { $0.append(origin) } }
        var url = try ConnectionURL(text)
        if promptPassword {
            let user = url.user.map { " for \($0)" } ?? ""
            url.password = try await PasswordPrompt.ask("Password\(user) (\(role) \(url.scheme)): ")
        }
        return (url, origin)
    }

    /// Where this process's URLs came from when not from the argument (`the environment variable
    /// SOURCE_URL`), for the message of a refused login: the library says "from the URL", the
    /// command knows where the URL came from. One command runs per process.
    static let origins = Mutex<[String]>([])

    private func urlText() throws -> (String, String?) {
        switch (argument, file) {
        case (nil, nil):
            throw PoolKitError(.usage, "no \(role) URL: give it as an argument, as env:NAME, or with \(fileOption) FILE")
        case (.some, .some):
            throw PoolKitError(.usage, "the \(role) URL is given twice: as an argument and with \(fileOption); give one")
        case (nil, .some(let path)):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PoolKitError(.usage, "\(fileOption) '\(path)' could not be read: give a file that holds the \(role) URL")
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw PoolKitError(.usage, "\(fileOption) '\(path)' is empty: it should hold the \(role) URL") }
            return (text, "the file \(path)")
        case (.some(let argument), nil):
            guard argument.hasPrefix("env:") else { return (argument, nil) }
            let name = String(argument.dropFirst("env:".count))
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw PoolKitError(.usage, "\(argument): the environment variable \(name) is not set or empty; export it with the \(role) URL")
            }
            return (value, "the environment variable \(name)")
        }
    }
}
