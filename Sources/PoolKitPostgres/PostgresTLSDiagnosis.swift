import PoolKit

/// Says what to do when libpq could not set up TLS, from its message: the server does not
/// offer TLS, its certificate is not signed by the CA in `sslrootcert`, the certificate does not
/// name the URL's host, or the CA file is missing. libpq reports these as text only, in
/// PostgreSQL's English wording; other wordings get the generic advice.
enum PostgresTLSDiagnosis {
    static func advice(for libpqMessage: String, _ parameters: PostgresConnectParameters) -> String? {
        func has(_ fragment: String) -> Bool { libpqMessage.localizedCaseInsensitiveContains(fragment) }
        let mode = parameters.sslMode ?? "prefer"
        let host = parameters.host.map { "'\($0)'" } ?? "the default host"
        let caFile = parameters.sslRootCert.map { "sslrootcert '\($0)'" } ?? "the default CA file (~/.postgresql/root.crt)"
        if has("server does not support SSL") {
            return "the server does not accept TLS connections, but sslmode=\(mode) requires TLS: turn on ssl in the server's "
                + "postgresql.conf (ssl = on with a certificate), or use sslmode=prefer or disable only on a network you trust"
        }
        if has("does not match host name") {
            return "TLS host-name check failed: the server's certificate does not name the host \(host) that the URL connects to "
                + "(sslmode=verify-full checks it); connect by a name or address the certificate lists, or reissue the "
                + "certificate with that name in its subjectAltName"
        }
        if has("root certificate file") && (has("does not exist") || has("no such file")) {
            return "sslmode=\(mode) verifies the server's certificate but the CA file is missing: set sslrootcert=/path/to/ca.pem "
                + "to the CA that signed the server's certificate"
        }
        if has("certificate verify failed") || has("self-signed certificate") || has("unable to get local issuer") {
            return "TLS certificate check failed: the server's certificate is not signed by a CA in \(caFile); "
                + "set sslrootcert to the CA that signed the server's certificate"
        }
        if has("could not read root certificate") || has("could not load") && has("certificate") {
            return "the certificate file in the URL could not be read: check the sslrootcert, sslcert and sslkey paths and permissions"
        }
        if has("SSL") {
            return "the TLS handshake with \(parameters.endpoint) failed; check the server's TLS setup and the URL's sslmode and sslrootcert"
        }
        return nil
    }
}
