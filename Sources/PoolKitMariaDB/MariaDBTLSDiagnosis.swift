import PoolKit

/// Says what to do when libmariadb could not set up TLS (error 2026), from its message: the
/// server does not offer TLS, its certificate is not signed by the CA in `ssl_ca`, or the
/// certificate does not name the URL's host. Connector/C reports all three under one number;
/// the message (Connector/C's and OpenSSL's English wording) tells them apart.
enum MariaDBTLSDiagnosis {
    static func advice(for message: String, _ parameters: MariaDBConnectParameters) -> String {
        func has(_ fragment: String) -> Bool { message.localizedCaseInsensitiveContains(fragment) }
        let host = parameters.host.map { "'\($0)'" } ?? "localhost"
        let caFile = parameters.sslCA.map { "ssl_ca '\($0)'" } ?? "the system's default CA store (no ssl_ca in the URL)"
        if has("doesn't support") || has("does not support") || has("not support SSL") || has("not support TLS") {
            return "the server does not accept TLS connections, but the URL requires TLS (ssl=true or ssl_verify_server_cert=true): "
                + "give the server ssl_cert and ssl_key (and restart it), or drop ssl=true only on a network you trust"
        }
        if has("Validation of SSL server certificate failed") || has("hostname mismatch") || has("does not match") {
            return "TLS host-name check failed: the server's certificate does not name the host \(host) that the URL connects to "
                + "(ssl_verify_server_cert=true checks it); connect by a name or address the certificate lists, or reissue the "
                + "certificate with that name in its subjectAltName"
        }
        if has("certificate") && (has("self-signed") || has("self signed") || has("unable to get local issuer") || has("verify failed")
            || has("unable to verify"))
        {
            return "TLS certificate check failed: the server's certificate is not signed by a CA in \(caFile); "
                + "set ssl_ca to the CA that signed the server's certificate"
        }
        if has("No such file") || has("error:80000002") || has("system library") || has("PEM") {
            return "a certificate file in the URL could not be read: check the ssl_ca path and its permissions"
        }
        return "the TLS handshake with \(parameters.endpoint) failed; check the server's TLS setup and the URL's ssl, ssl_ca and ssl_verify_server_cert"
    }
}
