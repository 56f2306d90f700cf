/// Turns parsed syntax into a portable expression, checking that each operation means the same
/// in every engine (see ``PortableExpressionReader``).
struct Typing {
    let reader: PortableExpressionReader
    let strict: Bool

    struct Typed {
        var expression: PortableExpression
        var kind: PortableExpressionKind
        /// For text: whether every column in it is compared by code point in the source.
        var exactText: Bool = true
        var isLiteral: Bool = false
    }

    private var engine: String { reader.dialect.engine }

    func type(_ syntax: SQLExpressionSyntax) throws -> Typed {
        switch syntax {
        case .name(let name, let quoted):
            guard let column = reader.column(named: name, quoted: quoted) else {
                throw PortableExpressionRefusal("'\(name)' is no column of the table")
            }
            return Typed(expression: .column(column.name), kind: PortableExpressionKind(column.type), exactText: column.exactText)
        case .number(let written):
            // Exponent notation is a double in MariaDB and a decimal elsewhere: written out in digits, it is a decimal everywhere.
            guard let text = Self.plainDigits(written) else { throw PortableExpressionRefusal("the number \(written), too large or small to write out") }
            return Typed(expression: .number(text), kind: Self.isInteger(text) ? .integer : .number, isLiteral: true)
        case .string(let text): return Typed(expression: .string(text), kind: .text, isLiteral: true)
        case .boolean(let value): return Typed(expression: .boolean(value), kind: .boolean, isLiteral: true)
        case .null: return Typed(expression: .null, kind: .null, isLiteral: true)
        case .cast(let inner, let type): return try cast(try self.type(inner), to: type)
        case .not(let inner): return Typed(expression: .not(try condition(inner)), kind: .boolean)
        case .negate(let inner):
            let operand = try self.type(inner)
            guard operand.kind.isNumeric else { throw PortableExpressionRefusal("a minus sign before \(operand.kind.phrase)") }
            return Typed(expression: .negate(operand.expression), kind: operand.kind, isLiteral: operand.isLiteral)
        case .binary(let op, let left, let right): return try binary(op, left, right)
        case .isNull(let inner, let negated):
            return Typed(expression: .isNull(try type(inner).expression, negated: negated), kind: .boolean)
        case .distinct(let left, let right, let negated):
            let (l, r) = try comparable(try type(left), try type(right), ordering: false)
            return Typed(expression: .distinct(l, r, negated: negated), kind: .boolean)
        case .inList(let inner, let list, let negated):
            let operand = try type(inner)
            var items: [PortableExpression] = []
            var tested = operand.expression
            for item in list {
                let typedItem = try type(item)
                let (l, r) = try comparable(operand, typedItem, ordering: false)
                if typedItem.kind != .null { tested = l }  // a NULL item compares as NULL whatever the collation
                items.append(r)
            }
            return Typed(expression: .inList(tested, items, negated: negated), kind: .boolean)
        case .between(let inner, let low, let high, let negated):
            let operand = try type(inner)
            let (lowTyped, highTyped) = (try type(low), try type(high))
            let (testedWithLow, lowExpression) = try comparable(operand, lowTyped, ordering: true)
            let (testedWithHigh, highExpression) = try comparable(operand, highTyped, ordering: true)
            let tested = lowTyped.kind == .null ? testedWithHigh : testedWithLow
            return Typed(expression: .between(tested, lowExpression, highExpression, negated: negated), kind: .boolean)
        case .like(let inner, let pattern, let escape, let negated):
            return try like(inner, pattern, escape: escape, negated: negated)
        case .call(let name, let arguments): return try call(name, arguments)
        }
    }

    /// A boolean operand (of AND, OR, NOT).
    private func condition(_ syntax: SQLExpressionSyntax) throws -> PortableExpression {
        let typed = try type(syntax)
        guard typed.kind == .boolean || typed.kind == .null else {
            throw PortableExpressionRefusal("\(typed.kind.phrase) used as true or false (engines read such values differently)")
        }
        return typed.expression
    }

    private func binary(_ op: String, _ left: SQLExpressionSyntax, _ right: SQLExpressionSyntax) throws -> Typed {
        switch op {
        case "AND", "OR":
            return Typed(expression: .binary(op == "AND" ? .and : .or, try condition(left), try condition(right)), kind: .boolean)
        case "/":
            throw PortableExpressionRefusal("a division, which divides integers without a remainder in one engine and not in another")
        case "+", "-", "*", "%":
            let (l, r) = (try type(left), try type(right))
            guard l.kind.isNumeric || l.kind == .null, r.kind.isNumeric || r.kind == .null else {
                throw PortableExpressionRefusal("'\(op)' between \(l.kind.phrase) and \(r.kind.phrase)")
            }
            if op == "%" && (l.kind == .number || r.kind == .number) {
                throw PortableExpressionRefusal("a remainder of numbers that are not integers, which engines compute differently")
            }
            let operators: [String: PortableOperator] = ["+": .plus, "-": .minus, "*": .times, "%": .modulo]
            let kind: PortableExpressionKind = l.kind == .integer && r.kind == .integer ? .integer : .number
            return Typed(expression: .binary(operators[op]!, l.expression, r.expression), kind: kind)
        case "||":
            let (l, r) = (try type(left), try type(right))
            guard l.kind == .text, r.kind == .text else {
                throw PortableExpressionRefusal("'||' between \(l.kind.phrase) and \(r.kind.phrase) (engines turn other values into text differently)")
            }
            return Typed(expression: .binary(.concat, l.expression, r.expression), kind: .text, exactText: l.exactText && r.exactText)
        default:
            let operators: [String: PortableOperator] = [
                "=": .equal, "<>": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
            ]
            guard let comparison = operators[op] else { throw PortableExpressionRefusal("the operator '\(op)'") }
            let (l, r) = try comparable(try type(left), try type(right), ordering: comparison.isOrdering)
            return Typed(expression: .binary(comparison, l, r), kind: .boolean)
        }
    }

    /// Two operands of a comparison, literals taken as the other side's type and text marked to be
    /// compared by code point; a refusal when they cannot be compared alike everywhere.
    private func comparable(_ left: Typed, _ right: Typed, ordering: Bool) throws -> (PortableExpression, PortableExpression) {
        if left.kind == .null || right.kind == .null { return (left.expression, right.expression) }
        let l = try coerce(left, to: right)
        let r = try coerce(right, to: l)
        switch (l.kind, r.kind) {
        case (.integer, .integer), (.integer, .number), (.number, .integer), (.number, .number), (.date, .date), (.timestamp, .timestamp):
            return (l.expression, r.expression)
        case (.boolean, .boolean):
            if ordering { throw PortableExpressionRefusal("booleans compared by order") }
            return (l.expression, r.expression)
        case (.text, .text):
            return (try exactText(l, ordering: ordering), try exactText(r, ordering: ordering))
        default:
            throw PortableExpressionRefusal("\(l.kind.phrase) compared with \(r.kind.phrase), which engines convert differently")
        }
    }

    /// A literal taken as the type of what it is compared with: 0/1 as a boolean, a string as a
    /// date or timestamp. Anything else stays as it is.
    private func coerce(_ value: Typed, to other: Typed) throws -> Typed {
        guard value.isLiteral, !other.isLiteral || other.kind != value.kind else { return value }
        switch (value.expression, other.kind) {
        case (.number(let text), .boolean):
            guard text == "0" || text == "1" else { throw PortableExpressionRefusal("a boolean compared with \(text)") }
            return Typed(expression: .boolean(text == "1"), kind: .boolean, isLiteral: true)
        case (.string(let text), .date):
            guard PortableSyntax.isDate(text) else { throw PortableExpressionRefusal("'\(text)' compared with a date is not a date") }
            return Typed(expression: .date(text), kind: .date, isLiteral: true)
        case (.string(let text), .timestamp):
            guard let normalized = PortableSyntax.timestamp(text), !PortableSyntax.hasOffset(normalized) else {
                throw PortableExpressionRefusal("'\(text)' compared with a timestamp is not a timestamp without a time zone")
            }
            return Typed(expression: .timestamp(normalized), kind: .timestamp, isLiteral: true)
        default:
            return value
        }
    }

    private func exactText(_ value: Typed, ordering: Bool) throws -> PortableExpression {
        if value.isLiteral { return value.expression }
        guard strict else { return value.expression }
        guard value.exactText else {
            throw PortableExpressionRefusal(
                "it compares text by a collation of \(engine) that ignores case or trailing spaces; the target compares by code point, so the same values would be judged differently")
        }
        if ordering && !reader.dialect.textOrderingByCodePoint {
            throw PortableExpressionRefusal("it orders text by \(engine)'s collation, which the target does not have")
        }
        return .exactText(value.expression, ordering: ordering)
    }

    private func like(_ inner: SQLExpressionSyntax, _ pattern: SQLExpressionSyntax, escape: SQLExpressionSyntax?, negated: Bool) throws -> Typed {
        let operand = try type(inner)
        guard operand.kind == .text else { throw PortableExpressionRefusal("LIKE on \(operand.kind.phrase)") }
        guard case .string(let patternText) = try type(pattern).expression else { throw PortableExpressionRefusal("LIKE with a pattern that is not a literal") }
        var escapeCharacter: Character? = reader.dialect.likeBackslashEscape ? "\\" : nil
        if let escape {
            guard case .string(let text) = try type(escape).expression, text.count <= 1 else { throw PortableExpressionRefusal("an ESCAPE that is not one character") }
            escapeCharacter = text.first
        }
        if strict && reader.dialect.likeIgnoresCase {
            throw PortableExpressionRefusal("\(engine)'s LIKE ignores the case of ASCII letters, and no target's LIKE does just that")
        }
        let tested = try exactText(operand, ordering: false)
        return Typed(expression: .like(tested, pattern: Self.backslashEscaped(patternText, escape: escapeCharacter), negated: negated), kind: .boolean)
    }

    /// A LIKE pattern rewritten so that `\` is its escape character.
    static func backslashEscaped(_ pattern: String, escape: Character?) -> String {
        var result = ""
        var escaping = false
        for character in pattern {
            if escaping {
                if character == "%" || character == "_" || character == "\\" { result.append("\\") }
                result.append(character)
                escaping = false
            } else if character == escape {
                escaping = true
            } else if character == "\\" {
                result += "\\\\"
            } else {
                result.append(character)
            }
        }
        if escaping, let escape { result += escape == "\\" ? "\\\\" : String(escape) }
        return result
    }

    private func call(_ name: String, _ arguments: [SQLExpressionSyntax]) throws -> Typed {
        guard let function = reader.dialect.functionNames[name] else {
            throw PortableExpressionRefusal(
                "it calls \(name)(), which is not among the functions translated (\(PortableFunction.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let typed = try arguments.map { try type($0) }
        func one(_ allowed: (PortableExpressionKind) -> Bool) throws -> Typed {
            guard typed.count == 1, allowed(typed[0].kind) || typed[0].kind == .null else {
                throw PortableExpressionRefusal("\(name)() with \(typed.map(\.kind.name).joined(separator: ", "))")
            }
            return typed[0]
        }
        switch function {
        case .charLength, .octetLength:
            let argument = try one { $0 == .text }
            if function == .octetLength, let other = argument.expression.columns.first(where: { name in reader.columns.contains { $0.name == name && !$0.utf8 } }) {
                throw PortableExpressionRefusal("\(name)() counts the bytes of \(other) in a character set other than UTF-8, which the target uses")
            }
            return Typed(expression: .function(function, [argument.expression]), kind: .integer)
        case .lower, .upper:
            let argument = try one { $0 == .text }
            if strict {
                throw PortableExpressionRefusal(
                    "\(name)() maps case by each engine's own rules (SQLite: ASCII letters only; PostgreSQL: the locale; MariaDB: the collation)")
            }
            return Typed(expression: .function(function, [argument.expression]), kind: .text, exactText: argument.exactText)
        case .abs:
            let argument = try one(\.isNumeric)
            return Typed(expression: .function(function, [argument.expression]), kind: argument.kind)
        case .coalesce, .nullif:
            guard !typed.isEmpty, function == .coalesce || typed.count == 2 else { throw PortableExpressionRefusal("\(name)() with \(typed.count) arguments") }
            guard let first = typed.first(where: { !$0.isLiteral && $0.kind != .null }) ?? typed.first(where: { $0.kind != .null }) else {
                return Typed(expression: .null, kind: .null, isLiteral: true)
            }
            var expressions: [PortableExpression] = []
            var kind = first.kind
            var exact = true
            for argument in typed {
                let coerced = try coerce(argument, to: first)
                switch (coerced.kind, kind) {
                case (.null, _): break
                case let (a, b) where a == b: break
                case (.integer, .number), (.number, .integer): kind = .number
                default: throw PortableExpressionRefusal("\(name)() of \(first.kind.phrase) and \(coerced.kind.phrase)")
                }
                if function == .nullif && coerced.kind == .text && !coerced.isLiteral {
                    expressions.append(try exactText(coerced, ordering: false))
                } else {
                    expressions.append(coerced.expression)
                }
                exact = exact && coerced.exactText
            }
            if function == .nullif { kind = typed[0].kind }
            return Typed(expression: .function(function, expressions), kind: kind, exactText: exact)
        }
    }

    /// A cast that changes no value (a column to its own kind, a literal to the type it spells) is
    /// left out; any other is refused.
    private func cast(_ operand: Typed, to typeName: String) throws -> Typed {
        let target = Self.castKind(typeName)
        guard let target else { throw PortableExpressionRefusal("a cast to \(typeName), which can change values") }
        if operand.kind == target || operand.kind == .null { return operand }
        if operand.kind == .integer && target == .number { return Typed(expression: operand.expression, kind: .number, isLiteral: operand.isLiteral) }
        if operand.isLiteral, case .string(let text) = operand.expression {
            switch target {
            case .integer, .number:
                let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
                guard PortableSyntax.isDecimal(text), !unsigned.isEmpty, !(target == .integer && !Self.isInteger(unsigned)) else { break }
                let number = PortableExpression.number(unsigned)
                return Typed(expression: text.hasPrefix("-") ? .negate(number) : number, kind: target, isLiteral: true)
            case .boolean:
                switch text.lowercased() {
                case "t", "true": return Typed(expression: .boolean(true), kind: .boolean, isLiteral: true)
                case "f", "false": return Typed(expression: .boolean(false), kind: .boolean, isLiteral: true)
                default: break
                }
            case .date, .timestamp:
                return try coerce(operand, to: Typed(expression: .null, kind: target))
            default: break
            }
        }
        throw PortableExpressionRefusal("a cast of \(operand.kind.phrase) to \(typeName), which can change values")
    }

    /// The kind a cast's type names, for the types whose casts can be exact.
    private static func castKind(_ name: String) -> PortableExpressionKind? {
        switch name {
        case "integer", "int", "int2", "int4", "int8", "smallint", "bigint", "signed", "signed integer": return .integer
        case "numeric", "decimal": return .number
        case "text", "character varying", "varchar", "char", "character": return name == "char" || name == "character" ? nil : .text
        case "date": return .date
        case "timestamp", "timestamp without time zone", "datetime": return .timestamp
        case "boolean", "bool": return .boolean
        default: return nil
        }
    }

    /// An unsigned number (`1.5e3`, `.5`, `2E-2`) written with digits only (`1500`, `0.5`, `0.02`);
    /// nil when its exponent is beyond ±100.
    static func plainDigits(_ text: String) -> String? {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text.hasPrefix(".") ? "0" + text : text }
        guard let exponent = Int(text[text.index(after: e)...]), abs(exponent) <= 100 else { return nil }
        let mantissa = text[..<e]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + fraction
        var point = whole.count + exponent  // digits before the decimal point
        if point < 0 {
            digits = String(repeating: "0", count: -point) + digits
            point = 0
        }
        if point > digits.count { digits += String(repeating: "0", count: point - digits.count) }
        var integer = String(digits.prefix(point).drop { $0 == "0" })
        if integer.isEmpty { integer = "0" }
        let decimals = String(digits.dropFirst(point).reversed().drop { $0 == "0" }.reversed())
        return decimals.isEmpty ? integer : integer + "." + decimals
    }

    static func isInteger(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber } }
}
