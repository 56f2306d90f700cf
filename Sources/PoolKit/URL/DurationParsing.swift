extension Duration {
    /// Parses durations as written in URLs and on the command line: `500ms`, `30s`, `10m`, `1h`, `2.5s`,
    /// or a bare number of seconds (`30`).
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: " ")
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 0.001), ("us", 0.000_001), ("µs", 0.000_001), ("s", 1), ("m", 60), ("h", 3600),
        ]
        var number = Substring(trimmed)
        var scale = 1.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        self = .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }

    /// Seconds as a Double, for arithmetic and display.
    public var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }

    /// `1.5s`, `250ms`, `12µs`: a short human form.
    public var shortDescription: String {
        let s = seconds
        if s >= 1 { return s == s.rounded() ? "\(Int(s))s" : "\((s * 100).rounded() / 100)s" }
        if s >= 0.001 { return "\(Int((s * 1000).rounded()))ms" }
        return "\(Int((s * 1_000_000).rounded()))µs"
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var slice = Substring(self)
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}
