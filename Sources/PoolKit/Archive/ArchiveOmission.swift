/// An object of the source that a backup does not carry, and why: the manifest lists every one
/// (``ArchiveManifest/omitted``), the backup logs each as a warning, and `--strict`
/// (``BackupOptions/strict``) makes any of them an error.
///
/// An object that needs an omitted one (a view over a table of an unsupported kind, a column of a
/// type that is left out) is omitted too, with a reason naming what it needed, so that a restore
/// never fails at an object whose dependency is missing.
///
/// ```swift
/// ArchiveOmission(kind: "subscription", schema: nil, name: "sub1",
///                 reason: "subscriptions are not carried by this driver")
/// ```
public struct ArchiveOmission: Codable, Sendable, Hashable, CustomStringConvertible {
    /// What the object is (the same open-ended kinds as ``ArchiveObject/Kind``).
    public var kind: ArchiveObject.Kind
    /// The schema (or database) it lives in, unquoted, if any.
    public var schema: String?
    /// Its name, unquoted (with a signature where the engine needs one, e.g. `f(integer)`).
    public var name: String
    /// Why it is not carried, in one sentence a user can act on.
    public var reason: String

    /// An omitted object.
    public init(kind: ArchiveObject.Kind, schema: String? = nil, name: String, reason: String) {
        self.kind = kind
        self.schema = schema
        self.name = name
        self.reason = reason
    }

    /// `schema.name`, or `name`.
    public var qualifiedName: String { schema.map { "\($0).\(name)" } ?? name }

    /// `kind schema.name: reason`, e.g. `subscription sub1: subscriptions are not carried`.
    public var description: String { "\(kind) \(qualifiedName): \(reason)" }
}
