extension Driver {
    /// `url` unchanged: connecting to a server never creates a database.
    public func sourceURL(for url: ConnectionURL) throws -> ConnectionURL { url }

    /// None: a server's database lives on the server.
    public func localFiles(for url: ConnectionURL) throws -> [String] { [] }
}
