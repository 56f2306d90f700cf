import Testing

@testable import PoolKit

/// The value rules of a cross-engine restore (docs/migrating.md), value by value.
@Suite("Portable value conversion")
struct PortableValueConverterTests {
    private let sqlite = PortableValueConverter(textualSource: false)
    private let mariadb = PortableValueConverter(textualSource: true)
    private func text(_ string: String) -> PortableValue { .text(Array(string.utf8)) }

    @Test("SQLite's dynamic typing: text in an INTEGER column is converted when it is an integer, refused otherwise")
    func integerAffinity() {
        let column = PortableType.integer(bits: 64)
        #expect(sqlite.convert(.integer(42), from: column, to: column) == .value(.integer(42)))
        #expect(sqlite.convert(text("42"), from: column, to: column) == .converted(.integer(42), rule: "text-to-integer"))
        #expect(sqlite.convert(.real(3.0), from: column, to: column) == .converted(.integer(3), rule: "real-to-integer"))
        guard case .refused(let reason) = sqlite.convert(text("forty"), from: column, to: column) else {
            Issue.record("text that is no integer must be refused")
            return
        }
        #expect(reason.contains("forty"))
        guard case .refused = sqlite.convert(.real(2.5), from: column, to: column) else {
            Issue.record("2.5 must not become an integer")
            return
        }
        // Reading numbers from text is the encoding of a textual source, not a conversion.
        #expect(mariadb.convert(text("-7"), from: column, to: column) == .value(.integer(-7)))
    }

    @Test("integers out of a narrower column's range are refused")
    func integerRange() {
        guard case .refused = mariadb.convert(text("40000"), from: .integer(bits: 32), to: .integer(bits: 16)) else {
            Issue.record("40000 does not fit a smallint")
            return
        }
        #expect(mariadb.convert(text("32767"), from: .integer(bits: 32), to: .integer(bits: 16)) == .value(.integer(32767)))
    }

    @Test("booleans from 0/1, tinyint(1) text and words; anything else refused")
    func booleans() {
        #expect(sqlite.convert(.integer(1), from: .boolean, to: .boolean) == .value(.boolean(true)))
        #expect(sqlite.convert(.integer(0), from: .boolean, to: .boolean) == .value(.boolean(false)))
        #expect(sqlite.convert(text("true"), from: .boolean, to: .boolean) == .converted(.boolean(true), rule: "text-to-boolean"))
        #expect(mariadb.convert(text("1"), from: .boolean, to: .boolean) == .value(.boolean(true)))
        #expect(mariadb.convert(.text([1]), from: .bits(length: 1), to: .boolean) == .value(.boolean(true)))
        guard case .refused = sqlite.convert(.integer(2), from: .boolean, to: .boolean) else {
            Issue.record("2 is not a boolean")
            return
        }
    }

    @Test("zero dates become NULL by a counted rule; invalid dates are refused")
    func zeroDates() {
        #expect(mariadb.convert(text("0000-00-00"), from: .date, to: .date) == .nulled(rule: "zero-date"))
        #expect(mariadb.convert(text("0000-00-00 00:00:00"), from: .timestamp(withTimeZone: false), to: .timestamp(withTimeZone: false)) == .nulled(rule: "zero-date"))
        #expect(mariadb.convert(text("2024-02-29"), from: .date, to: .date) == .value(.date("2024-02-29")))
        guard case .refused = mariadb.convert(text("2023-02-29"), from: .date, to: .date) else {
            Issue.record("2023 has no 29 February")
            return
        }
    }

    @Test("SQLite dates as Julian day numbers and as text")
    func julianDays() {
        #expect(sqlite.convert(.real(2459000.5), from: .date, to: .date) == .converted(.date("2020-05-31"), rule: "julian-day-to-date"))
        #expect(
            sqlite.convert(.real(2459000.75), from: .timestamp(withTimeZone: false), to: .timestamp(withTimeZone: false))
                == .converted(.timestamp("2020-05-31 06:00:00"), rule: "julian-day-to-timestamp"))
        guard case .refused = sqlite.convert(.real(2459000.75), from: .date, to: .date) else {
            Issue.record("a Julian day with a time of day must not silently lose it in a date column")
            return
        }
        #expect(
            sqlite.convert(text("2021-03-04T05:06:07.5"), from: .timestamp(withTimeZone: false), to: .timestamp(withTimeZone: false))
                == .converted(.timestamp("2021-03-04 05:06:07.5"), rule: "timestamp-normalized"))
        #expect(
            mariadb.convert(text("2021-03-04 05:06:07"), from: .timestamp(withTimeZone: true), to: .timestamp(withTimeZone: true))
                == .value(.timestamp("2021-03-04 05:06:07+00:00")))
    }

    @Test("text for a UTF-8 target: invalid UTF-8 and NUL are refused, lengths are counted in characters")
    func text() {
        guard case .refused(let reason) = sqlite.convert(.text([0x66, 0xFF]), from: .text(maxLength: nil), to: .text(maxLength: nil)) else {
            Issue.record("invalid UTF-8 must be refused")
            return
        }
        #expect(reason.contains("UTF-8"))
        guard case .refused = sqlite.convert(.text([0x61, 0x00]), from: .text(maxLength: nil), to: .text(maxLength: nil)) else {
            Issue.record("NUL must be refused")
            return
        }
        #expect(mariadb.convert(text("ééé"), from: .text(maxLength: 3), to: .text(maxLength: 3)) == .value(text("ééé")))
        guard case .refused = mariadb.convert(text("éééé"), from: .text(maxLength: 3), to: .text(maxLength: 3)) else {
            Issue.record("four characters do not fit varchar(3)")
            return
        }
        #expect(sqlite.convert(.integer(5), from: .text(maxLength: nil), to: .text(maxLength: nil)) == .converted(text("5"), rule: "number-to-text"))
    }

    @Test("ENUM, SET, BIT(n), JSON, numeric precision and UUIDs")
    func labelsAndShapes() {
        #expect(mariadb.convert(text("b"), from: .enumeration(["a", "b"]), to: .enumeration(["a", "b"])) == .value(text("b")))
        guard case .refused = mariadb.convert(text(""), from: .enumeration(["a", "b"]), to: .enumeration(["a", "b"])) else {
            Issue.record("MariaDB's enum error value '' is no label")
            return
        }
        #expect(mariadb.convert(text("x,z"), from: .set(["x", "y", "z"]), to: .set(["x", "y", "z"])) == .value(.labels(["x", "z"])))
        #expect(mariadb.convert(text(""), from: .set(["x"]), to: .set(["x"])) == .value(.labels([])))
        #expect(mariadb.convert(.text([0b10101]), from: .bits(length: 5), to: .bits(length: 5)) == .value(.bits("10101")))
        #expect(mariadb.convert(.text([0x01, 0x00]), from: .bits(length: 10), to: .integer(bits: 64)) == .converted(.integer(256), rule: "bits-to-integer"))
        guard case .refused = mariadb.convert(text("{nope"), from: .json, to: .json) else {
            Issue.record("invalid JSON must be refused")
            return
        }
        guard case .refused = mariadb.convert(text("123456.5"), from: .decimal(precision: 6, scale: 2), to: .decimal(precision: 6, scale: 2)) else {
            Issue.record("123456.5 does not fit numeric(6,2)")
            return
        }
        #expect(
            sqlite.convert(.blob(Array(repeating: 0xAB, count: 16)), from: .uuid, to: .uuid)
                == .converted(.uuid("abababab-abab-abab-abab-abababababab"), rule: "blob-to-uuid"))
    }
}
