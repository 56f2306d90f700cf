/// PostgreSQL's geometric types from their binary forms (float8 coordinates), as its output
/// functions write them, each number as ``PostgresFloatText/double(_:)`` writes it.
enum PostgresGeometryText {
    enum Shape: Sendable {
        /// `(x,y)`
        case point
        /// `{A,B,C}`: the line Ax + By + C = 0.
        case line
        /// `[(x1,y1),(x2,y2)]`
        case lineSegment
        /// `(x1,y1),(x2,y2)`: upper right corner, then lower left.
        case box
        /// `[(x,y),…]` open, `((x,y),…)` closed: a closed flag byte, a point count, the points.
        case path
        /// `((x,y),…)`: a point count, the points.
        case polygon
        /// `<(x,y),r>`
        case circle
    }

    static func text(_ bytes: ArraySlice<UInt8>, as shape: Shape) throws -> String {
        var reader = BigEndianReader(bytes)
        func number() throws -> String { PostgresFloatText.double(try reader.float8()) }
        func point() throws -> String { "(\(try number()),\(try number()))" }
        func points() throws -> String {
            try (0..<(try reader.count(of: "points", minimumBytes: 16))).map { _ in try point() }.joined(separator: ",")
        }
        switch shape {
        case .point: return try point()
        case .line: return "{\(try number()),\(try number()),\(try number())}"
        case .lineSegment: return "[\(try point()),\(try point())]"
        case .box: return "\(try point()),\(try point())"
        case .path:
            let closed = try reader.uint8() != 0
            let list = try points()
            return closed ? "(\(list))" : "[\(list)]"
        case .polygon: return "(\(try points()))"
        case .circle: return "<\(try point()),\(try number())>"
        }
    }
}
