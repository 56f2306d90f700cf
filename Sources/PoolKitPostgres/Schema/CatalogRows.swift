import Foundation
import PoolKit

/// The text rows of one catalog query, read by column name.
struct CatalogRows: Sequence {
    private let result: QueryResult
    private let index: [String: Int]
    /// What was asked, for error messages.
    private let what: String

    init(_ result: QueryResult, what: String) {
        self.result = result
        self.what = what
        var index: [String: Int] = [:]
        for (position, column) in result.columns.enumerated() { index[column] = position }
        self.index = index
    }

    func makeIterator() -> some IteratorProtocol<CatalogRow> {
        result.rows.lazy.map { CatalogRow(values: $0, rows: self) }.makeIterator()
    }

    fileprivate func position(of column: String) throws -> Int {
        guard let position = index[column] else {
            throw PoolKitError(.statementFailed, "the catalog query for \(what) returned no column \(column)")
        }
        return position
    }

    fileprivate func malformed(_ column: String, _ value: String?) -> PoolKitError {
        PoolKitError(
            .statementFailed,
            "the catalog query for \(what) returned an unexpected value in column \(column): \(value ?? "NULL")")
    }
}

/// One row of ``CatalogRows``.
struct CatalogRow {
    let values: [String?]
    let rows: CatalogRows

    /// The column's text, nil for NULL.
    func optional(_ column: String) throws -> String? {
        values[try rows.position(of: column)]
    }

    /// The column's text; NULL is an error.
    func string(_ column: String) throws -> String {
        guard let value = try optional(column) else { throw rows.malformed(column, nil) }
        return value
    }

    /// A non-empty text, or nil for NULL and ''.
    func text(_ column: String) throws -> String? {
        guard let value = try optional(column), !value.isEmpty else { return nil }
        return value
    }

    func oid(_ column: String) throws -> UInt32 {
        let value = try string(column)
        guard let number = UInt32(value) else { throw rows.malformed(column, value) }
        return number
    }

    func int64(_ column: String) throws -> Int64 {
        let value = try string(column)
        guard let number = Int64(value) else { throw rows.malformed(column, value) }
        return number
    }

    func int(_ column: String) throws -> Int {
        Int(try int64(column))
    }

    /// A boolean in PostgreSQL's text form (`t`/`f`); NULL reads as false.
    func bool(_ column: String) throws -> Bool {
        switch try optional(column) {
        case "t": true
        case "f", nil: false
        case let other: throw rows.malformed(column, other)
        }
    }

    /// A JSON array of strings (NULL elements allowed); NULL reads as nil.
    func stringArray(_ column: String) throws -> [String?]? {
        guard let value = try optional(column) else { return nil }
        guard let array = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [Any] else {
            throw rows.malformed(column, value)
        }
        return array.map { $0 as? String }
    }

    /// A JSON array of integers; NULL reads as nil.
    func integerArray(_ column: String) throws -> [Int64]? {
        guard let value = try optional(column) else { return nil }
        guard let array = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [NSNumber] else {
            throw rows.malformed(column, value)
        }
        return array.map(\.int64Value)
    }

    /// A JSON array of arrays (rows of mixed scalars); NULL reads as nil.
    func jsonRows(_ column: String) throws -> [[Any]]? {
        guard let value = try optional(column) else { return nil }
        guard let array = try? JSONSerialization.jsonObject(with: Data(value.utf8)) as? [[Any]] else {
            throw rows.malformed(column, value)
        }
        return array
    }
}
