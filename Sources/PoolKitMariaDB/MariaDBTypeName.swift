import CPoolKitMariaDB

/// The SQL type of a MariaDB result column as the server describes it (`BIGINT UNSIGNED`,
/// `DECIMAL`, `VARBINARY`, …), for messages about a column that cannot be decoded.
enum MariaDBTypeName {
    static func of(_ field: MYSQL_FIELD) -> String {
        let binary = field.charsetnr == 63
        let unsigned = field.flags & UInt32(UNSIGNED_FLAG) != 0 ? " UNSIGNED" : ""
        switch field.type {
        case MYSQL_TYPE_TINY: return "TINYINT" + unsigned
        case MYSQL_TYPE_SHORT: return "SMALLINT" + unsigned
        case MYSQL_TYPE_INT24: return "MEDIUMINT" + unsigned
        case MYSQL_TYPE_LONG: return "INT" + unsigned
        case MYSQL_TYPE_LONGLONG: return "BIGINT" + unsigned
        case MYSQL_TYPE_YEAR: return "YEAR"
        case MYSQL_TYPE_FLOAT: return "FLOAT"
        case MYSQL_TYPE_DOUBLE: return "DOUBLE"
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL: return "DECIMAL"
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE: return "DATE"
        case MYSQL_TYPE_TIME: return "TIME"
        case MYSQL_TYPE_DATETIME: return "DATETIME"
        case MYSQL_TYPE_TIMESTAMP: return "TIMESTAMP"
        case MYSQL_TYPE_BIT: return "BIT"
        case MYSQL_TYPE_JSON: return "JSON"
        case MYSQL_TYPE_ENUM: return "ENUM"
        case MYSQL_TYPE_SET: return "SET"
        case MYSQL_TYPE_GEOMETRY: return "GEOMETRY"
        case MYSQL_TYPE_NULL: return "NULL"
        case MYSQL_TYPE_STRING: return binary ? "BINARY" : "CHAR"
        case MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_VARCHAR: return binary ? "VARBINARY" : "VARCHAR"
        case MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB: return binary ? "BLOB" : "TEXT"
        default: return "type \(field.type.rawValue)"
        }
    }
}
