import PoolKit

/// How an object's statements say the tablespace it is created in (`SET default_tablespace = ts;`
/// first, `SET default_tablespace = '';` last, as pg_dump writes them), and how a restore into a
/// cluster without that tablespace creates the object in the default one instead, with a warning:
/// the tablespace is the cluster's, so its absence must not make a restore fail.
enum PostgresTablespacePlacement {
    static let prefix = "SET default_tablespace = "
    static let reset = "SET default_tablespace = '';\n"

    /// `ddl` run in `tablespace` (quoted as `quote_ident` quotes it).
    static func place(_ ddl: String, in tablespace: String) -> String {
        "\(prefix)\(tablespace);\n" + ddl + reset
    }

    /// The tablespace (quoted) an object's statements create it in; nil for the default one.
    static func tablespace(of ddl: String) -> String? {
        guard ddl.hasPrefix(prefix), let end = ddl.range(of: ";\n") else { return nil }
        let name = ddl[ddl.index(ddl.startIndex, offsetBy: prefix.count)..<end.lowerBound]
        return name.isEmpty || name == "''" ? nil : String(name)
    }

    /// The statements without their first line (the placement): created in the default tablespace.
    static func unplaced(_ ddl: String) -> String {
        guard ddl.hasPrefix(prefix), let end = ddl.range(of: ";\n") else { return ddl }
        return String(ddl[end.upperBound...])
    }

    /// The tablespaces `objects` are placed in that the target does not have (`existing`, quoted),
    /// and one warning per such tablespace naming what is created in the default one instead.
    static func missing(in objects: [ArchiveObject], existing: Set<String>) -> (tablespaces: Set<String>, warnings: [String]) {
        var placed: [(tablespace: String, objects: [String])] = []
        for object in objects {
            guard let tablespace = object.ddl.flatMap(tablespace(of:)), !existing.contains(tablespace) else { continue }
            let name = object.schema.map { "\($0).\(object.name)" } ?? object.name
            if let index = placed.firstIndex(where: { $0.tablespace == tablespace }) {
                placed[index].objects.append(name)
            } else {
                placed.append((tablespace, [name]))
            }
        }
        let warnings = placed.map { tablespace, objects in
            let shown = objects.prefix(5).joined(separator: ", ") + (objects.count > 5 ? ", …" : "")
            return "tablespace \(tablespace) does not exist in the target: \(objects.count) object(s) placed in it (\(shown)) are created in the default tablespace; create the tablespace before restoring to keep them there, or move them afterwards (ALTER … SET TABLESPACE)"
        }
        return (Set(placed.map(\.tablespace)), warnings)
    }
}
