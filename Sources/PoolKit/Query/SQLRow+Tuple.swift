extension SQLRow {
    /// The row's columns, in order, as a tuple of Swift types; the row must have exactly as many
    /// columns as the tuple has elements.
    ///
    /// ```swift
    /// let (id, name, email) = try row.decode((Int, String, String?).self)
    /// ```
    ///
    /// Throws `.usage` naming the column, its SQL type and the Swift type when a value does not
    /// convert (NULL into a non-optional, say), and the counts when they differ.
    public func decode<each Column: SQLDecodable>(_ types: (repeat each Column).Type) throws -> (repeat each Column) {
        var expected = 0
        for _ in repeat (each Column).self { expected += 1 }
        guard expected == values.count else {
            throw PoolKitError(
                .usage,
                "the row has \(values.count) columns (\(columns.joined(separator: ", "))) but \(types) has \(expected) elements")
        }
        var position = 0
        func next<Value: SQLDecodable>(_ type: Value.Type) throws -> Value {
            defer { position += 1 }
            return try decode(type, values[position], position: position)
        }
        return (repeat try next((each Column).self))
    }
}

extension SQLRows {
    /// Every row as a tuple (see ``SQLRow/decode(_:)``).
    ///
    /// ```swift
    /// for (id, name) in try await connection.query("SELECT id, name FROM users").decode((Int, String).self) { … }
    /// ```
    public func decode<each Column: SQLDecodable>(_ types: (repeat each Column).Type) throws -> [(repeat each Column)] {
        try rows.map { try $0.decode(types) }
    }

    /// The first column of the first row as `T`, or nil when there is no row: for `SELECT count(*) …`.
    public func scalar<T: SQLDecodable>(_ type: T.Type) throws -> T? {
        try rows.first?.decode(type, at: 0)
    }
}
