#include "svarboks/shared/expression.hpp"

#include "js_value.hpp"

#include <algorithm>
#include <optional>

namespace svarboks::shared {

namespace expr {

enum class Op {
    Constant, Variable, Array, Negate, Empty, NotEmpty, And, Or,
    Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual,
    Contains, NotContains, AnyOf, AllOf, NoneOf,
};

struct Node {
    Op op = Op::Constant;
    int left = -1;
    int right = -1;  // -1 for a missing right operand (survey-core's grammar allows `{a} contains`)
    std::vector<int> items;
    js::Value constant;
    int reference = -1;  // index into Program::references
};

struct Program {
    std::string text;
    std::vector<Node> nodes;
    int root = -1;
    std::vector<Expression::Reference> references;
    std::vector<int> slots;  // per reference, after bind
    std::vector<bool> arraySlots;  // per reference: unanswered reads as [] (checkbox), not undefined
};

namespace {

using js::Value;

// A scannerless recursive-descent parser that mirrors survey-core's PEG grammar (grammar.pegjs) rule by
// rule: ordered choice, greedy repetition without backtracking into it, case-insensitive keywords with no
// word boundaries. Where survey-core would accept something the kiosk does not support, the parse still
// succeeds so that the error can name the construct; `m_unsupported` keeps the first such problem.
class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text), m_factorFailed(text.size() + 1, false) {}

    Result<Program> run() {
        Program program;
        program.text = std::string(m_text);
        m_program = &program;
        const int root = expression();
        skipSpace();
        if (m_tooDeep) return Error{"expression nested too deeply (at most " + std::to_string(kMaxDepth) + " levels)"};
        if (root < 0 || m_pos != m_text.size()) return syntaxError();
        if (m_unsupported) return Error{*m_unsupported};
        program.root = root;
        return program;
    }

private:
    Error syntaxError() const {
        const std::size_t at = std::max(m_furthest, m_pos);
        if (at >= m_text.size()) return Error{"incomplete expression: it ends too early at column " + column(at)};
        std::size_t len = 1;
        while (at + len < m_text.size() && (static_cast<unsigned char>(m_text[at + len]) & 0xC0) == 0x80) ++len;
        return Error{"syntax error at column " + column(at) + ": unexpected '" + std::string(m_text.substr(at, len)) +
                     "'"};
    }

    static std::string column(std::size_t pos) { return std::to_string(pos + 1); }

    void unsupported(std::size_t at, const std::string& what) {
        if (!m_unsupported) m_unsupported = what + " at column " + column(at);
    }

    int add(Node node) {
        m_program->nodes.push_back(std::move(node));
        return static_cast<int>(m_program->nodes.size() - 1);
    }

    int binary(Op op, int left, int right) {
        Node node;
        node.op = op;
        node.left = left;
        node.right = right;
        return add(std::move(node));
    }

    void fail() { m_furthest = std::max(m_furthest, m_pos); }

    bool literal(std::string_view word, bool ignoreCase = false) {
        if (m_text.size() - m_pos < word.size()) return fail(), false;
        for (std::size_t i = 0; i < word.size(); ++i) {
            char c = m_text[m_pos + i];
            if (ignoreCase && c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
            if (c != word[i]) return fail(), false;
        }
        m_pos += word.size();
        return true;
    }

    void skipSpace() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' ||
                                         m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }

    [[nodiscard]] char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }

    // Expression = _ LogicOr (_ OrSign _ LogicOr)* _
    int expression() {
        skipSpace();
        int head = conjunction();
        while (head >= 0) {
            const std::size_t saved = m_pos;
            skipSpace();
            if (!(literal("||") || literal("or", true))) {
                m_pos = saved;
                break;
            }
            skipSpace();
            const int right = conjunction();
            if (right < 0) {
                m_pos = saved;
                break;
            }
            head = binary(Op::Or, head, right);
        }
        if (head >= 0) skipSpace();
        return head;
    }

    // LogicOr = CompOps... (named LogicOr in survey-core; it parses "and")
    int conjunction() {
        int head = comparison();
        while (head >= 0) {
            const std::size_t saved = m_pos;
            skipSpace();
            if (!(literal("&&") || literal("and", true))) {
                m_pos = saved;
                break;
            }
            skipSpace();
            const int right = comparison();
            if (right < 0) {
                m_pos = saved;
                break;
            }
            head = binary(Op::And, head, right);
        }
        return head;
    }

    std::optional<Op> comparisonOperator() {
        if (literal("<=") || literal("lessorequal", true)) return Op::LessOrEqual;
        if (literal(">=") || literal("greaterorequal", true)) return Op::GreaterOrEqual;
        if (literal("==") || literal("equal", true)) return Op::Equal;
        if (literal("=")) return Op::Equal;
        if (literal("!=") || literal("notequal", true)) return Op::NotEqual;
        if (literal("<") || literal("less", true)) return Op::Less;
        if (literal(">") || literal("greater", true)) return Op::Greater;
        return std::nullopt;
    }

    int comparison() {
        int head = arithmetic(0);
        while (head >= 0) {
            const std::size_t saved = m_pos;
            skipSpace();
            const auto op = comparisonOperator();
            if (!op) {
                m_pos = saved;
                break;
            }
            skipSpace();
            const int right = arithmetic(0);
            if (right < 0) {
                m_pos = saved;
                break;
            }
            head = binary(*op, head, right);
        }
        return head;
    }

    // CompOps (+ -), PlusMinusOps (* / %), MulDivOps (^ power): parsed so the error can name them.
    int arithmetic(int level) {
        if (level == 3) return binaryFunction();
        int head = arithmetic(level + 1);
        while (head >= 0) {
            const std::size_t saved = m_pos;
            skipSpace();
            const std::size_t at = m_pos;
            bool matched = false;
            if (level == 0) matched = literal("+") || literal("-");
            if (level == 1) matched = literal("*") || literal("/") || literal("%");
            if (level == 2) matched = literal("^") || literal("power", true);
            if (!matched) {
                m_pos = saved;
                break;
            }
            const std::string sign(m_text.substr(at, m_pos - at));
            skipSpace();
            const int right = arithmetic(level + 1);
            if (right < 0) {
                m_pos = saved;
                break;
            }
            unsupported(at, "arithmetic ('" + sign + "') is not supported in conditions");
            head = binary(Op::Or, head, right);  // a placeholder: an expression with arithmetic is refused
        }
        return head;
    }

    std::optional<Op> binaryFunctionOperator() {
        if (literal("*=") || literal("contains", true) || literal("contain", true)) return Op::Contains;
        if (literal("notcontains", true) || literal("notcontain", true)) return Op::NotContains;
        if (literal("anyof", true)) return Op::AnyOf;
        if (literal("allof", true)) return Op::AllOf;
        if (literal("noneof", true)) return Op::NoneOf;
        return std::nullopt;
    }

    // BinaryFuncOp = Factor (_ BinFunctions _ Factor?)*
    int binaryFunction() {
        int head = factor();
        while (head >= 0) {
            const std::size_t saved = m_pos;
            skipSpace();
            const std::size_t at = m_pos;
            const auto op = binaryFunctionOperator();
            if (!op) {
                m_pos = saved;
                break;
            }
            if (*op == Op::NoneOf) unsupported(at, "'noneof' is not supported; use '!({a} anyof [...])'");
            skipSpace();
            const std::size_t beforeRight = m_pos;
            int right = factor();
            if (right < 0) {
                m_pos = beforeRight;
                unsupported(at, "'" + std::string(m_text.substr(at, beforeRight - at)) + "' needs a value after it");
            }
            head = binary(*op, head, right);
        }
        return head;
    }

    // Factor = "(" _ Expression _ ")"? / FunctionOp / UnaryFunctionOp / Atom / ArrayOp
    int factor() {
        if (m_tooDeep || m_depth >= kMaxDepth) {
            m_tooDeep = true;
            return -1;
        }
        // A Factor that failed at a position fails there again: nothing but the position matters (and the
        // depth, which ends the whole parse when too deep). survey-core's grammar makes alternatives parse
        // the same text again, so without remembering failures "(d*[" repeated 40 times would take 4^40 steps.
        const std::size_t start = m_pos;
        if (m_factorFailed[start]) return -1;
        ++m_depth;
        const std::size_t references = m_program->references.size();
        const int result = factorCore();
        if (result < 0) {
            m_program->references.resize(references);  // a failed branch leaves no references
            if (!m_tooDeep) m_factorFailed[start] = true;
        }
        --m_depth;
        return result;
    }

    int factorCore() {
        const std::size_t start = m_pos;
        if (literal("(")) {
            skipSpace();
            const int inner = expression();
            if (inner >= 0) {
                skipSpace();
                if (!literal(")")) unsupported(start, "missing ')' for the '('");
                return inner;
            }
            m_pos = start;
        }
        if (const int call = functionCall(); call >= 0) return call;
        if (const int unary = unaryFunction(); unary >= 0) return unary;
        if (const int atom = this->atom(); atom >= 0) return atom;
        return arrayLiteral();
    }

    // FunctionOp = LettersAndDigits "(" Sequence ")"?
    int functionCall() {
        const std::size_t start = m_pos;
        if (!lettersAndDigits() || !literal("(")) {
            m_pos = start;
            return -1;
        }
        const std::string name(m_text.substr(start, m_pos - 1 - start));
        (void)sequence();
        (void)literal(")");
        unsupported(start, "function calls are not supported ('" + name + "')");
        return add(Node{});
    }

    // UnaryFunctionOp = ("!" / "negate") _ Factor / Atom _ ("empty" / "notempty")
    int unaryFunction() {
        const std::size_t start = m_pos;
        if (literal("!") || literal("negate", true)) {
            skipSpace();
            const int operand = factor();
            if (operand >= 0) return unary(Op::Negate, operand);
            m_pos = start;
        }
        const std::size_t references = m_program->references.size();
        const int operand = atom();
        if (operand >= 0) {
            skipSpace();
            if (literal("empty", true)) return unary(Op::Empty, operand);
            if (literal("notempty", true)) return unary(Op::NotEmpty, operand);
        }
        m_pos = start;
        m_program->references.resize(references);  // factor() parses the atom again
        return -1;
    }

    int unary(Op op, int operand) {
        Node node;
        node.op = op;
        node.left = operand;
        return add(std::move(node));
    }

    // Atom = _ ("undefined" / "null") / _ ConstValue / _ "{" [^{}]+ "}"
    int atom() {
        const std::size_t start = m_pos;
        skipSpace();
        const std::size_t at = m_pos;
        if (literal("undefined") || literal("null")) {
            unsupported(at, "'" + std::string(m_text.substr(at, m_pos - at)) +
                                "' is not supported; use 'empty' or 'notempty'");
            return add(Node{});
        }
        if (auto value = constValue()) {
            Node node;
            node.constant = std::move(*value);
            return add(std::move(node));
        }
        if (literal("{")) {
            const std::size_t nameStart = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] != '{' && m_text[m_pos] != '}') ++m_pos;
            if (m_pos > nameStart && literal("}")) {
                Node node;
                node.op = Op::Variable;
                node.reference = static_cast<int>(m_program->references.size());
                m_program->references.push_back(
                    {std::string(m_text.substr(nameStart, m_pos - 1 - nameStart)), static_cast<int>(nameStart + 1)});
                return add(std::move(node));
            }
            fail();
        }
        m_pos = start;
        return -1;
    }

    // ConstValue = LogicValue / ArithmeticValue / LettersAndDigits / "''" / "\"\"" / quoted text
    std::optional<Value> constValue() {
        const std::size_t start = m_pos;
        if (literal("true", true)) return Value::of(true);
        if (literal("false", true)) return Value::of(false);
        if (auto number = arithmeticValue()) return Value::of(*number);
        if (lettersAndDigits()) {
            unsupported(start, "unquoted text '" + std::string(m_text.substr(start, m_pos - start)) +
                                   "'; put text in quotes: '...'");
            return Value::of(std::string(m_text.substr(start, m_pos - start)));
        }
        if (literal("''") || literal("\"\"")) return Value::of(std::string());
        for (const char quote : {'\'', '"'}) {
            if (peek() != quote) continue;
            ++m_pos;
            std::string text;
            while (m_pos < m_text.size()) {
                if (m_text[m_pos] == '\\' && m_pos + 1 < m_text.size() &&
                    (m_text[m_pos + 1] == '\'' || m_text[m_pos + 1] == '"')) {
                    text += m_text[m_pos + 1];
                    m_pos += 2;
                } else if (m_text[m_pos] != '\'' && m_text[m_pos] != '"') {
                    text += m_text[m_pos++];
                } else {
                    break;
                }
            }
            if (!text.empty() && peek() == quote) {
                ++m_pos;
                return Value::of(std::move(text));
            }
            fail();
            m_pos = start;
        }
        return std::nullopt;
    }

    // ArithmeticValue = "0x" Digits / "-"? Number
    std::optional<double> arithmeticValue() {
        const std::size_t start = m_pos;
        if (literal("0x")) {
            const std::size_t digits = m_pos;
            while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') ++m_pos;
            if (m_pos > digits) return js::parseInt(m_text.substr(start, m_pos - start));
            m_pos = start;
        }
        const bool negative = literal("-");
        if (auto number = unsignedNumber()) return negative ? -*number : *number;
        m_pos = start;
        return std::nullopt;
    }

    std::size_t digits() {
        const std::size_t start = m_pos;
        while (m_pos < m_text.size() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') ++m_pos;
        if (m_pos == start) fail();
        return m_pos - start;
    }

    // Number = Digits "." Digits / [1-9]+ Digits? / "0"
    std::optional<double> unsignedNumber() {
        const std::size_t start = m_pos;
        // The '.' is looked at without recording a failure, so "01" reports the '1', not a missing '.'.
        if (digits() > 0 && peek() == '.' && (++m_pos, digits() > 0)) return js::parseFloat(m_text.substr(start, m_pos - start));
        m_pos = start;
        if (peek() >= '1' && peek() <= '9') {
            digits();
            return js::parseInt(m_text.substr(start, m_pos - start));
        }
        if (literal("0")) return 0.0;
        return std::nullopt;
    }

    // LettersAndDigits = [a-zA-Z_]+ ([0-9]+ [a-zA-Z_]*)*
    bool lettersAndDigits() {
        const auto isLetter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
        const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
        const std::size_t start = m_pos;
        while (m_pos < m_text.size() && (isLetter(m_text[m_pos]) || (m_pos > start && isDigit(m_text[m_pos])))) {
            ++m_pos;
        }
        if (m_pos == start) fail();
        return m_pos > start;
    }

    // ArrayOp = "[" Sequence "]"
    int arrayLiteral() {
        const std::size_t start = m_pos;
        if (!literal("[")) return -1;
        std::vector<int> items = sequence();
        if (!literal("]")) {
            m_pos = start;
            return -1;
        }
        Node node;
        node.op = Op::Array;
        node.items = std::move(items);
        return add(std::move(node));
    }

    // Sequence = Expression? (_ "," _ Expression)*
    std::vector<int> sequence() {
        std::vector<int> items;
        const std::size_t start = m_pos;
        const int first = expression();
        if (first < 0) {
            m_pos = start;
            return items;
        }
        items.push_back(first);
        while (true) {
            const std::size_t saved = m_pos;
            skipSpace();
            if (!literal(",")) {
                m_pos = saved;
                break;
            }
            skipSpace();
            const int next = expression();
            if (next < 0) {
                m_pos = saved;
                break;
            }
            items.push_back(next);
        }
        return items;
    }

    static constexpr int kMaxDepth = 64;
    std::string_view m_text;
    std::size_t m_pos = 0;
    std::size_t m_furthest = 0;
    int m_depth = 0;
    bool m_tooDeep = false;
    std::vector<bool> m_factorFailed;  // per position: factor() failed there
    std::optional<std::string> m_unsupported;
    Program* m_program = nullptr;
};

// ---- evaluation: survey-core's OperandMaker functions over JS values ----

bool isValueEmpty(const Value& v) {
    if (v.is(Value::Type::Array)) return v.array.empty();
    return !js::truthy(v) && !(v.is(Value::Type::Number) && v.number == 0) && !v.is(Value::Type::Boolean);
}

bool isConvertibleToNumber(const Value& v) {
    if (v.isNullish() || v.is(Value::Type::Array)) return false;
    return !std::isnan(js::toNumber(v));
}

double parseIntOf(const Value& v) { return js::parseInt(js::toString(v)); }
double parseFloatOf(const Value& v) { return js::parseFloat(js::toString(v)); }

bool sameNumber(double a, double b) { return a == b; }  // NaN never equals NaN, as with ===

bool valuesEqual(const Value& x, const Value& y, bool ignoreOrder);

// Array.prototype.sort() with no comparator: undefined last, the rest by their string form.
std::vector<const Value*> jsSorted(const std::vector<Value>& items) {
    std::vector<const Value*> sorted;
    for (const auto& item : items) sorted.push_back(&item);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Value* a, const Value* b) {
        if (a->is(Value::Type::Undefined) || b->is(Value::Type::Undefined)) {
            return !a->is(Value::Type::Undefined) && b->is(Value::Type::Undefined);
        }
        return js::toString(*a) < js::toString(*b);
    });
    return sorted;
}

// Helpers.checkIfValuesEqual with survey-core's default comparator settings (trimmed, case-insensitive).
bool valuesEqual(const Value& x, const Value& y, bool ignoreOrder) {
    using T = Value::Type;
    if (js::strictEquals(x, y)) return true;
    if (x.is(T::Array) && x.array.empty() && y.is(T::Undefined)) return true;
    if (y.is(T::Array) && y.array.empty() && x.is(T::Undefined)) return true;
    if (x.isNullish() && y.is(T::String) && y.string.empty()) return true;
    if (y.isNullish() && x.is(T::String) && x.string.empty()) return true;
    if (x.is(T::String) && y.is(T::String)) {
        return js::toLowerCase(js::trim(x.string)) == js::toLowerCase(js::trim(y.string));
    }
    if (isConvertibleToNumber(x) && isConvertibleToNumber(y) && sameNumber(parseIntOf(x), parseIntOf(y)) &&
        sameNumber(parseFloatOf(x), parseFloatOf(y))) {
        return true;
    }
    if (isValueEmpty(x) != isValueEmpty(y)) return false;
    if (x.is(T::Boolean) && y.is(T::String)) return js::toString(x) == js::toLowerCase(y.string);
    if (y.is(T::Boolean) && x.is(T::String)) return js::toString(y) == js::toLowerCase(x.string);
    const bool xArray = x.is(T::Array);
    const bool yArray = y.is(T::Array);
    if (!xArray && !yArray) return js::looseEquals(x, y);
    if (!xArray || !yArray) return false;
    if (x.array.size() != y.array.size()) return false;
    if (ignoreOrder) {
        const auto xs = jsSorted(x.array);
        const auto ys = jsSorted(y.array);
        for (std::size_t i = 0; i < xs.size(); ++i) {
            if (!valuesEqual(*xs[i], *ys[i], ignoreOrder)) return false;
        }
        return true;
    }
    for (std::size_t i = 0; i < x.array.size(); ++i) {
        if (!valuesEqual(x.array[i], y.array[i], ignoreOrder)) return false;
    }
    return true;
}

// OperandMaker.isTwoValueEquals: the string "undefined" stands for undefined.
bool operandEquals(const Value& x, const Value& y) {
    const auto undefinedText = [](const Value& v) { return v.is(Value::Type::String) && v.string == "undefined"; };
    return valuesEqual(undefinedText(x) ? Value::undefined() : x, undefinedText(y) ? Value::undefined() : y, true);
}

bool containsCore(const Value& leftIn, const Value& rightIn, bool isContains) {
    using T = Value::Type;
    if (leftIn.is(T::Array) && leftIn.array.empty()) return !isContains;
    if (!js::truthy(leftIn) && !(leftIn.is(T::Number) && leftIn.number == 0) && !leftIn.is(T::Boolean)) return false;
    // `!left.length`: numbers and booleans have no length, so they become strings.
    Value left = leftIn.is(T::Number) || leftIn.is(T::Boolean) ? Value::of(js::toString(leftIn)) : leftIn;
    if (left.is(T::String)) {
        if (!js::truthy(rightIn)) return false;
        const bool found =
            js::toLowerCase(left.string).find(js::toLowerCase(js::toString(rightIn))) != std::string::npos;
        return isContains ? found : !found;
    }
    const std::vector<Value> single{rightIn};
    const auto& rights = rightIn.is(T::Array) ? rightIn.array : single;
    for (const auto& right : rights) {
        const bool found = std::any_of(left.array.begin(), left.array.end(),
                                       [&](const Value& item) { return operandEquals(item, right); });
        if (!found) return !isContains;
    }
    return isContains;
}

bool contains(const Value& left, const Value& right) { return containsCore(left, right, true); }

bool anyOf(const Value& left, const Value& right) {
    using T = Value::Type;
    if (isValueEmpty(left) && isValueEmpty(right)) return true;
    if (isValueEmpty(left)) return false;  // a non-array left with length 0 is an empty string: covered
    if (isValueEmpty(right)) return true;
    if (!left.is(T::Array)) return contains(right, left);
    if (!right.is(T::Array)) return contains(left, right);
    return std::any_of(right.array.begin(), right.array.end(), [&](const Value& r) { return contains(left, r); });
}

bool allOf(const Value& left, const Value& right) {
    if (!js::truthy(left) && !isValueEmpty(right)) return false;
    if (!right.is(Value::Type::Array)) return contains(left, right);
    return std::all_of(right.array.begin(), right.array.end(), [&](const Value& r) { return contains(left, r); });
}

bool greater(const Value& left, const Value& right) {
    if (left.isNullish() || right.isNullish()) return false;
    return js::lessThan(right, left);
}

bool less(const Value& left, const Value& right) {
    if (left.isNullish() || right.isNullish()) return false;
    return js::lessThan(left, right);
}

// The conversion survey-core applies to both sides of and/or before the JS operator.
Value forLogic(const Value& value, const Value& other) {
    if (!isValueEmpty(value)) return value;
    if (other.is(Value::Type::Number)) return Value::of(0.0);
    if (value.is(Value::Type::String)) return value;
    if (other.is(Value::Type::String)) return Value::of(std::string());
    if (other.is(Value::Type::Array)) return Value::of(std::vector<Value>{});
    return Value::of(0.0);
}

// Helpers.getNumber for a string: NaN unless the whole (trimmed) text is a plain number.
double surveyNumber(std::string_view raw) {
    std::string value = js::trim(raw);
    if (value.empty()) return std::nan("");
    if (value.rfind("0x", 0) == 0) return value.size() > 32 ? std::nan("") : js::parseInt(value);
    if (value.size() > 15 && std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nan("");
    }
    const bool hasOperator = value.find_first_of("*^/%") != std::string::npos;
    const auto lastMinus = value.rfind('-');
    const auto lastPlus = value.rfind('+');
    const bool signInside = (lastMinus != std::string::npos && lastMinus > 0) ||
                            (lastPlus != std::string::npos && lastPlus > 0);
    if (!signInside && hasOperator) return std::nan("");
    if (const auto comma = value.find(','); comma != std::string::npos && value.find(',', comma + 1) == std::string::npos) {
        value[comma] = '.';
    }
    const double result = js::parseFloat(value);
    if (std::isnan(result) || !std::isfinite(js::stringToNumber(value))) return std::nan("");
    return result;
}

// Const.getCorrectValue: how survey-core reads a string answer inside an expression.
Value correctValue(Value value) {
    if (!value.is(Value::Type::String) || value.string.empty()) return value;
    const std::string& s = value.string;
    const std::string lower = js::toLowerCase(s);
    if (lower == "true" || lower == "false") return Value::of(lower == "true");
    const auto isQuote = [](char c) { return c == '\'' || c == '"'; };
    if (s.size() > 1 && isQuote(s.front()) && isQuote(s.back())) return Value::of(s.substr(1, s.size() - 2));
    const double number = surveyNumber(s);
    if (std::isnan(number)) return value;
    if (s[0] == '0' && s.rfind("0x", 0) != 0) {
        const bool hasPoint = s.size() > 1 && (s[1] == '.' || s[1] == ',');
        if ((!hasPoint && s.size() > 1) || (hasPoint && s.size() < 2)) return value;
    }
    return Value::of(number);
}

class Evaluator {
public:
    Evaluator(const Program& program, std::span<const nlohmann::json> values) : m_program(program), m_values(values) {}

    Value eval(int index) const {
        if (index < 0) return Value::null();
        const Node& node = m_program.nodes[static_cast<std::size_t>(index)];
        switch (node.op) {
            case Op::Constant: return node.constant;
            case Op::Variable: return variable(node);
            case Op::Array: {
                std::vector<Value> items;
                items.reserve(node.items.size());
                for (int item : node.items) items.push_back(eval(item));
                return Value::of(std::move(items));
            }
            case Op::Negate: return Value::of(!js::truthy(eval(node.left)));
            case Op::Empty: return Value::of(isValueEmpty(eval(node.left)));
            case Op::NotEmpty: return Value::of(!isValueEmpty(eval(node.left)));
            case Op::And:
            case Op::Or: {
                const Value right = eval(node.right);
                const Value a = forLogic(eval(node.left), right);
                const Value b = forLogic(right, a);
                const bool takeLeft = node.op == Op::And ? !js::truthy(a) : js::truthy(a);
                return takeLeft ? a : b;
            }
            default: return Value::of(compare(node.op, eval(node.left), eval(node.right)));
        }
    }

private:
    Value variable(const Node& node) const {
        const int slot = m_program.slots[static_cast<std::size_t>(node.reference)];
        if (slot < 0 || static_cast<std::size_t>(slot) >= m_values.size()) return Value::null();
        const auto& answer = m_values[static_cast<std::size_t>(slot)];
        if (answer.is_null()) {
            return m_program.arraySlots[static_cast<std::size_t>(node.reference)] ? Value::of(std::vector<Value>{})
                                                                                   : Value::undefined();
        }
        return correctValue(js::fromJson(answer));
    }

    static bool compare(Op op, const Value& left, const Value& right) {
        switch (op) {
            case Op::Equal: return operandEquals(left, right);
            case Op::NotEqual: return !operandEquals(left, right);
            case Op::Less: return less(left, right);
            case Op::Greater: return greater(left, right);
            case Op::LessOrEqual: return operandEquals(left, right) || less(left, right);
            case Op::GreaterOrEqual: return operandEquals(left, right) || greater(left, right);
            case Op::Contains: return contains(left, right);
            case Op::NotContains:
                if (!js::truthy(left) && !isValueEmpty(right)) return true;
                return containsCore(left, right, false);
            case Op::AnyOf: return anyOf(left, right);
            case Op::AllOf: return allOf(left, right);
            case Op::NoneOf: return !anyOf(left, right);
            default: return false;
        }
    }

    const Program& m_program;
    std::span<const nlohmann::json> m_values;
};

}  // namespace
}  // namespace expr

namespace {

void replaceAll(std::string& text, std::string_view from, std::string_view to) {
    for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
        text.replace(pos, from.size(), to);
    }
}

// survey-core rewrites the text before parsing (ConditionsParser.patchExpression), everywhere, inside
// quotes too; "<>" and "=>" exist only through this. Each replacement keeps the length, so columns hold.
std::string patchExpression(std::string_view text) {
    std::string patched(text);
    replaceAll(patched, "=>", ">=");
    replaceAll(patched, "=<", "<=");
    replaceAll(patched, "<>", "!=");
    replaceAll(patched, "equals", "equal ");
    replaceAll(patched, "notequals", "notequal ");
    return patched;
}

}  // namespace

Result<Expression> Expression::parse(std::string_view text) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return Error{"the expression is empty"};
    auto program = expr::Parser(patchExpression(text)).run();
    if (!program) return program.error();
    program->text = std::string(text);
    program->slots.assign(program->references.size(), -1);
    program->arraySlots.assign(program->references.size(), false);
    return Expression(std::make_shared<const expr::Program>(std::move(program).value()));
}

Status Expression::bind(const std::function<int(std::string_view)>& slotOf, const std::function<bool(int)>& isArraySlot) {
    auto program = std::make_shared<expr::Program>(*m_program);
    for (std::size_t i = 0; i < program->references.size(); ++i) {
        const auto& reference = program->references[i];
        program->slots[i] = slotOf(reference.name);
        if (program->slots[i] < 0) {
            return Error{"unknown question '" + reference.name + "' at column " + std::to_string(reference.column)};
        }
        program->arraySlots[i] = isArraySlot && isArraySlot(program->slots[i]);
    }
    m_program = std::move(program);
    return {};
}

Expression::Outcome Expression::evaluate(std::span<const nlohmann::json> values) const {
    const expr::Evaluator evaluator(*m_program, values);
    const js::Value result = evaluator.eval(m_program->root);
    if (!result.is(js::Value::Type::Boolean)) return Outcome::Other;
    return result.boolean ? Outcome::True : Outcome::False;
}

const std::string& Expression::text() const { return m_program->text; }

const std::vector<Expression::Reference>& Expression::references() const { return m_program->references; }

std::vector<int> Expression::slots() const {
    std::vector<int> unique;
    for (int slot : m_program->slots) {
        if (slot >= 0 && std::find(unique.begin(), unique.end(), slot) == unique.end()) unique.push_back(slot);
    }
    return unique;
}

}  // namespace svarboks::shared
