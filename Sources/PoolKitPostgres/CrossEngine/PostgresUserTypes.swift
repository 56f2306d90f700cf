import Foundation
import PoolKit

/// The enums and domains a PostgreSQL archive defines (its `CREATE TYPE … AS ENUM` and
/// `CREATE DOMAIN` objects), by which a column of such a type is read in another engine: an enum
/// as its labels, a domain as the built-in type under it (through domains over domains) with the
/// domains' NOT NULL, default and CHECK conditions.
///
/// Their values need no lookup of their own: binary COPY sends an enum value as its label and a
/// domain value in its base type's form. Column types come as the manifest records them
/// (`format_type` under an empty `search_path`), so a user type is always schema-qualified.
struct PostgresUserTypes: Sendable {
    /// What a column of some type holds, after every domain is looked through.
    struct Resolved: Sendable {
        /// The built-in type (its catalog spelling, e.g. `character varying(10)`), or the enum's
        /// own name for an enum.
        var base: String
        /// The enum's labels in their order, for an enum (or a domain over one).
        var labels: [String]?
        /// Whether a domain on the way says NOT NULL.
        var notNull = false
        /// The nearest domain's DEFAULT expression.
        var defaultExpression: String?
        /// The domains' CHECK conditions, outermost first: `VALUE` stands for the column.
        var checks: [(domain: String, name: String, condition: String)] = []
    }

    private enum Definition: Sendable {
        case enumeration([String])
        case domain(base: String, notNull: Bool, defaultExpression: String?, checks: [(name: String, condition: String)])
    }

    private let definitions: [String: Definition]

    init(_ manifest: ArchiveManifest) {
        var definitions: [String: Definition] = [:]
        for object in manifest.objects where object.kind == .type {
            guard let ddl = object.ddl, let definition = Self.definition(ddl) else { continue }
            definitions[Self.key(object.schema, object.name)] = definition
        }
        self.definitions = definitions
    }

    /// Whether any enum or domain is defined.
    var isEmpty: Bool { definitions.isEmpty }

    /// A column type resolved through domains; nil for a built-in type, an array, or a user type
    /// that is neither an enum nor a domain (a composite, a range, an extension's type).
    func resolve(_ type: String) -> Resolved? {
        var resolved: Resolved?
        var current = type
        var seen: Set<String> = []
        while let (schema, name, rest) = PostgresDDLText.qualifiedName(Substring(current)), rest.isEmpty, schema != nil {
            let key = Self.key(schema, name)
            guard let definition = definitions[key], seen.insert(key).inserted else { break }
            var step = resolved ?? Resolved(base: current)
            switch definition {
            case .enumeration(let labels):
                step.base = current
                step.labels = labels
                return step
            case .domain(let base, let notNull, let defaultExpression, let checks):
                step.notNull = step.notNull || notNull
                step.defaultExpression = step.defaultExpression ?? defaultExpression
                step.checks += checks.map { (name, $0.name, $0.condition) }
                step.base = base
                current = base
            }
            resolved = step
        }
        return resolved
    }

    private static func key(_ schema: String?, _ name: String) -> String { "\(schema ?? "")\u{0}\(name)" }

    /// `CREATE TYPE s.n AS ENUM ('a', 'b');` or `CREATE DOMAIN s.n AS base [COLLATE c] [DEFAULT e]
    /// [NOT NULL]` followed by `CONSTRAINT name CHECK (condition)` lines, as the catalog reader writes them.
    private static func definition(_ ddl: String) -> Definition? {
        if let open = ddl.range(of: " AS ENUM (") {
            var labels: [String] = []
            var rest = ddl[open.upperBound...]
            while let (label, after) = PostgresDDLText.literal(rest) {
                labels.append(label)
                rest = after.drop { $0 == "," || $0 == " " }
            }
            return .enumeration(labels)
        }
        guard ddl.hasPrefix("CREATE DOMAIN "), let asRange = ddl.range(of: " AS ") else { return nil }
        let firstLine = ddl[asRange.upperBound...].prefix { $0 != "\n" }.trimmingCharacters(in: CharacterSet(charactersIn: ";"))
        // NOT NULL is written last, after the default.
        let notNull = firstLine.hasSuffix(" NOT NULL")
        let clauses = notNull ? firstLine.dropLast(" NOT NULL".count) : Substring(firstLine)
        let markers = [" COLLATE ", " DEFAULT "].compactMap { clauses.range(of: $0)?.lowerBound }
        let base = String(clauses[..<(markers.min() ?? clauses.endIndex)])
        let defaultExpression = clauses.range(of: " DEFAULT ").map { String(clauses[$0.upperBound...]) }
        var checks: [(name: String, condition: String)] = []
        var rest = ddl[asRange.upperBound...].drop { $0 != "\n" }
        while let start = rest.range(of: "\n    CONSTRAINT "), let (name, after) = PostgresDDLText.identifier(rest[start.upperBound...]) {
            let clause = after.drop { $0 == " " }
            guard clause.hasPrefix("CHECK "), let (condition, next) = PostgresDDLText.parenthesized(clause) else { break }
            checks.append((name, condition))
            rest = next
        }
        return .domain(base: base, notNull: notNull, defaultExpression: defaultExpression, checks: checks)
    }
}
