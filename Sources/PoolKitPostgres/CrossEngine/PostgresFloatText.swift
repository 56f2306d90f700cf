/// Floating-point numbers as PostgreSQL writes them with `extra_float_digits` ≥ 1 (its default since
/// version 12): the shortest digits that read back as the same number; plain notation when the
/// decimal exponent is from -4 up to below 15 (below 6 for `real`), else `d.ddde±XX` with at least
/// two exponent digits (`1e+20`, `1.5e-07`); `NaN`, `Infinity`, `-Infinity`, `-0`.
enum PostgresFloatText {
    /// A `double precision` value (also each coordinate of the geometric types).
    static func double(_ value: Double) -> String {
        text(value.isNaN, value.isInfinite, value.sign == .minus, value.isZero, shortest: "\(value.magnitude)", plainBelow: 15)
    }

    /// A `real` value.
    static func float(_ value: Float) -> String {
        text(value.isNaN, value.isInfinite, value.sign == .minus, value.isZero, shortest: "\(value.magnitude)", plainBelow: 6)
    }

    /// `shortest`: Swift's description of the magnitude, which has the shortest round-trip digits
    /// (in its own notation: `1e-05`, `100.0`, `1.2345678901234568e+17`).
    private static func text(_ nan: Bool, _ infinite: Bool, _ negative: Bool, _ zero: Bool, shortest: String, plainBelow limit: Int) -> String {
        if nan { return "NaN" }
        let sign = negative ? "-" : ""
        if infinite { return sign + "Infinity" }
        if zero { return sign + "0" }
        let (digits, exponent) = scientific(shortest)
        if exponent >= -4 && exponent < limit {
            if exponent < 0 { return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits }
            let whole = digits.count > exponent + 1 ? String(digits.prefix(exponent + 1)) : digits + String(repeating: "0", count: exponent + 1 - digits.count)
            let fraction = digits.dropFirst(exponent + 1)
            return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
        }
        let mantissa = digits.count > 1 ? "\(digits.first!)." + digits.dropFirst() : digits
        let magnitude = String(abs(exponent))
        return sign + mantissa + (exponent < 0 ? "e-" : "e+") + (magnitude.count < 2 ? "0" : "") + magnitude
    }

    /// A positive number's text → its significant digits (no leading or trailing zeros) and the
    /// decimal exponent of the first: `0.00125` → ("125", -3), `1.5e+20` → ("15", 20).
    private static func scientific(_ text: String) -> (digits: String, exponent: Int) {
        let parts = text.lowercased().split(separator: "e", maxSplits: 1)
        let written = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        let all = mantissa.filter { $0 != "." }
        let leadingZeros = all.prefix { $0 == "0" }.count
        var digits = String(all.dropFirst(leadingZeros))
        while digits.hasSuffix("0") { digits.removeLast() }
        return (digits, written + point - leadingZeros - 1)
    }
}
