/// PostgreSQL's full-text search types from their binary forms, as `tsvectorout` and `tsqueryout`
/// write them.
enum PostgresTextSearchText {
    /// `tsvector`: a lexeme count; per lexeme its NUL-terminated text, a position count and the
    /// positions (weight in the top two bits, 3 = A … 0 = D, written without a letter):
    /// `'a':1A,2 'b c':3 'it''s'`.
    static func vector(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = BigEndianReader(bytes)
        let count = try reader.count(of: "tsvector lexemes", minimumBytes: 3)
        var lexemes: [String] = []
        for _ in 0..<count {
            var text = quoted(try reader.cString())
            let positions = try (0..<Int(UInt16(bitPattern: try reader.int16()))).map { _ -> String in
                let position = UInt16(bitPattern: try reader.int16())
                return String(position & 0x3FFF) + ["", "C", "B", "A"][Int(position >> 14)]
            }
            if !positions.isEmpty { text += ":" + positions.joined(separator: ",") }
            lexemes.append(text)
        }
        return lexemes.joined(separator: " ")
    }

    /// `tsquery`: an item count, then the items in prefix order — an operand (type 1: weight bits,
    /// prefix flag, NUL-terminated text) or an operator (type 2: 1 NOT, 2 AND, 3 OR, 4 PHRASE with
    /// its distance); a binary operator's right operand comes before its left. Written in infix
    /// with the parentheses `tsqueryout` puts: `'a' & ( 'b' | !'c' )`, `'a' <2> 'b':*AB`.
    static func query(_ bytes: ArraySlice<UInt8>) throws -> String {
        var reader = BigEndianReader(bytes)
        let count = try reader.count(of: "tsquery items", minimumBytes: 2)
        var items: [QueryItem] = []
        for _ in 0..<count {
            switch try reader.uint8() {
            case 1:
                let weight = try reader.uint8()
                let prefix = try reader.uint8() != 0
                items.append(.operand(try reader.cString(), weight: weight, prefix: prefix))
            case 2:
                let code = try reader.uint8()
                guard (1...4).contains(code) else { throw PostgresBinaryText.corrupt("a tsquery operator \(code)") }
                items.append(.operator(code, distance: code == 4 ? Int(try reader.int16()) : 0))
            case let type: throw PostgresBinaryText.corrupt("a tsquery item of type \(type)")
            }
        }
        if items.isEmpty { return "" }
        var next = 0
        let text = try infix(items, &next, parentPriority: -1, rightOfPhrase: false)
        guard next == items.count else { throw PostgresBinaryText.corrupt("a tsquery with \(items.count - next) items left over") }
        return text
    }

    private enum QueryItem {
        case operand(String, weight: UInt8, prefix: Bool)
        case `operator`(UInt8, distance: Int)
    }

    /// The item at `next` and its operands, in infix; parenthesized when it binds less tightly than
    /// its parent (NOT 4, PHRASE 3, AND 2, OR 1), and a phrase that is a phrase's right operand.
    private static func infix(_ items: [QueryItem], _ next: inout Int, parentPriority: Int, rightOfPhrase: Bool) throws -> String {
        guard next < items.count else { throw PostgresBinaryText.corrupt("a tsquery operator without its operands") }
        let item = items[next]
        next += 1
        switch item {
        case .operand(let text, let weight, let prefix):
            var out = quoted(text)
            if weight != 0 || prefix {
                out += ":" + (prefix ? "*" : "")
                for (bit, letter) in [(UInt8(8), "A"), (4, "B"), (2, "C"), (1, "D")] where weight & bit != 0 { out += letter }
            }
            return out
        case .operator(1, _):
            // NOT binds tightest (4): never in parentheses itself.
            return "!" + (try infix(items, &next, parentPriority: 4, rightOfPhrase: false))
        case .operator(let code, let distance):
            let priority = [2: 2, 3: 1, 4: 3][code] ?? 0
            let right = try infix(items, &next, parentPriority: priority, rightOfPhrase: code == 4)
            let left = try infix(items, &next, parentPriority: priority, rightOfPhrase: false)
            let symbol = code == 2 ? "&" : code == 3 ? "|" : distance == 1 ? "<->" : "<\(distance)>"
            let text = "\(left) \(symbol) \(right)"
            return priority < parentPriority || (code == 4 && rightOfPhrase) ? "( " + text + " )" : text
        }
    }

    /// A lexeme or operand in single quotes, with `'` and `\` doubled.
    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }
}
