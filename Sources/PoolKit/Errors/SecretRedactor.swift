/// Removes a secret (the URL's password) from text that comes from an engine or a C library
/// before it goes into a ``PoolKitError`` or a log.
///
/// libpq and libmariadb do not put passwords into their messages, but a server may echo a
/// statement that contains one; drivers pass every engine message through this.
package struct SecretRedactor: Sendable {
    private let secret: String?

    /// A redactor for `secret`; an empty or `nil` secret redacts nothing.
    package init(secret: String?) {
        self.secret = (secret?.isEmpty ?? true) ? nil : secret
    }

    /// `text` with every occurrence of the secret replaced by `***`.
    package func callAsFunction(_ text: String) -> String {
        guard let secret, text.contains(secret) else { return text }
        return text.replacing(secret, with: "***")
    }
}
