#include "js_value.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace svarboks::shared::js {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Decodes one UTF-8 code point at `pos`; invalid bytes decode as themselves so nothing is lost.
char32_t decode(std::string_view s, std::size_t pos, std::size_t& length) {
    const auto byte = static_cast<unsigned char>(s[pos]);
    std::size_t extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0;
    if (extra > 0 && pos + extra >= s.size()) extra = 0;
    char32_t cp = extra == 0 ? byte : static_cast<char32_t>(byte & (0x3Fu >> extra));
    for (std::size_t i = 1; i <= extra; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
    length = extra + 1;
    return cp;
}

void encode(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// ECMAScript WhiteSpace and LineTerminator code points (what String.prototype.trim removes).
bool isJsSpace(char32_t cp) {
    switch (cp) {
        case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0: case 0x1680:
        case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

std::string_view trimStart(std::string_view s) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t len = 1;
        if (!isJsSpace(decode(s, pos, len))) break;
        pos += len;
    }
    return s.substr(pos);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the longest prefix of `s` that is a StrUnsignedDecimalLiteral (digits, fraction, exponent).
std::size_t decimalPrefix(std::string_view s) {
    std::size_t i = 0;
    std::size_t digits = 0;
    while (i < s.size() && isDigit(s[i])) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        std::size_t j = i + 1;
        std::size_t fraction = 0;
        while (j < s.size() && isDigit(s[j])) ++j, ++fraction;
        if (digits + fraction > 0) i = j, digits += fraction;
    }
    if (digits == 0) return 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        std::size_t exponent = 0;
        while (j < s.size() && isDigit(s[j])) ++j, ++exponent;
        if (exponent > 0) i = j;
    }
    return i;
}

double parseDecimal(std::string_view s) {
    std::string copy(s);
    return std::strtod(copy.c_str(), nullptr);
}

int digitValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

// Digits of `s` in `radix`; NaN when there are none or (whole == true) when anything else follows.
double parseRadix(std::string_view s, int radix, bool whole) {
    double value = 0;
    std::size_t i = 0;
    for (; i < s.size() && digitValue(s[i]) < radix; ++i) value = value * radix + digitValue(s[i]);
    if (i == 0 || (whole && i != s.size())) return kNaN;
    return value;
}

// Latin Extended-A alternates upper and lower case; the pairing shifts at U+0139, U+014A and U+0179.
bool isLatinExtendedUpper(char32_t cp) {
    if (cp >= 0x100 && cp <= 0x137) return cp % 2 == 0;
    if (cp >= 0x139 && cp <= 0x148) return cp % 2 == 1;
    if (cp >= 0x14A && cp <= 0x177) return cp % 2 == 0;
    if (cp >= 0x179 && cp <= 0x17E) return cp % 2 == 1;
    return false;
}

Value toPrimitive(const Value& v) { return v.is(Value::Type::Array) ? Value::of(toString(v)) : v; }

}  // namespace

Value fromJson(const nlohmann::json& json) {
    switch (json.type()) {
        case nlohmann::json::value_t::null: return Value::null();
        case nlohmann::json::value_t::boolean: return Value::of(json.get<bool>());
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float: return Value::of(json.get<double>());
        case nlohmann::json::value_t::string: return Value::of(json.get<std::string>());
        case nlohmann::json::value_t::array: {
            std::vector<Value> items;
            items.reserve(json.size());
            for (const auto& item : json) items.push_back(fromJson(item));
            return Value::of(std::move(items));
        }
        default: return Value::undefined();
    }
}

bool truthy(const Value& v) {
    switch (v.type) {
        case Value::Type::Undefined:
        case Value::Type::Null: return false;
        case Value::Type::Boolean: return v.boolean;
        case Value::Type::Number: return v.number != 0 && !std::isnan(v.number);
        case Value::Type::String: return !v.string.empty();
        case Value::Type::Array: return true;
    }
    return false;
}

double toNumber(const Value& v) {
    switch (v.type) {
        case Value::Type::Undefined: return kNaN;
        case Value::Type::Null: return 0;
        case Value::Type::Boolean: return v.boolean ? 1 : 0;
        case Value::Type::Number: return v.number;
        case Value::Type::String: return stringToNumber(v.string);
        case Value::Type::Array: return stringToNumber(toString(v));
    }
    return kNaN;
}

std::string numberToString(double n) {
    if (std::isnan(n)) return "NaN";
    if (std::isinf(n)) return n > 0 ? "Infinity" : "-Infinity";
    if (n == 0) return "0";
    std::string sign = n < 0 ? "-" : "";
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(n), std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
    const auto ePos = text.find('e');
    std::string digits;
    for (char c : text.substr(0, ePos)) {
        if (c != '.') digits += c;
    }
    while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
    const int exponent = std::atoi(std::string(text.substr(ePos + 1)).c_str());
    const int k = static_cast<int>(digits.size());
    const int point = exponent + 1;  // position of the decimal point relative to the digits
    if (k <= point && point <= 21) return sign + digits + std::string(static_cast<std::size_t>(point - k), '0');
    if (0 < point && point <= 21) {
        return sign + digits.substr(0, static_cast<std::size_t>(point)) + "." +
               digits.substr(static_cast<std::size_t>(point));
    }
    if (-6 < point && point <= 0) return sign + "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    std::string mantissa = digits.substr(0, 1);
    if (k > 1) mantissa += "." + digits.substr(1);
    return sign + mantissa + "e" + (exponent >= 0 ? "+" : "-") + std::to_string(std::abs(exponent));
}

std::string toString(const Value& v) {
    switch (v.type) {
        case Value::Type::Undefined: return "undefined";
        case Value::Type::Null: return "null";
        case Value::Type::Boolean: return v.boolean ? "true" : "false";
        case Value::Type::Number: return numberToString(v.number);
        case Value::Type::String: return v.string;
        case Value::Type::Array: {
            std::string out;
            for (std::size_t i = 0; i < v.array.size(); ++i) {
                if (i > 0) out += ',';
                if (!v.array[i].isNullish()) out += toString(v.array[i]);
            }
            return out;
        }
    }
    return {};
}

double stringToNumber(std::string_view s) {
    const std::string trimmed = trim(s);
    std::string_view t = trimmed;
    if (t.empty()) return 0;
    if (t.size() > 2 && t[0] == '0') {
        const char marker = static_cast<char>(t[1] | 0x20);
        if (marker == 'x') return parseRadix(t.substr(2), 16, true);
        if (marker == 'o') return parseRadix(t.substr(2), 8, true);
        if (marker == 'b') return parseRadix(t.substr(2), 2, true);
    }
    double sign = 1;
    std::string_view body = t;
    if (body[0] == '+' || body[0] == '-') {
        sign = body[0] == '-' ? -1 : 1;
        body.remove_prefix(1);
    }
    if (body == "Infinity") return sign * kInfinity;
    const std::size_t length = decimalPrefix(body);
    if (length == 0 || length != body.size()) return kNaN;
    return sign * parseDecimal(body);
}

double parseFloat(std::string_view s) {
    std::string_view t = trimStart(s);
    double sign = 1;
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
        sign = t[0] == '-' ? -1 : 1;
        t.remove_prefix(1);
    }
    if (t.substr(0, 8) == "Infinity") return sign * kInfinity;
    const std::size_t length = decimalPrefix(t);
    if (length == 0) return kNaN;
    return sign * parseDecimal(t.substr(0, length));
}

double parseInt(std::string_view s) {
    std::string_view t = trimStart(s);
    double sign = 1;
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
        sign = t[0] == '-' ? -1 : 1;
        t.remove_prefix(1);
    }
    int radix = 10;
    if (t.size() >= 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
        radix = 16;
        t.remove_prefix(2);
    }
    return sign * parseRadix(t, radix, false);
}

bool strictEquals(const Value& a, const Value& b) {
    if (a.type != b.type) return false;
    switch (a.type) {
        case Value::Type::Undefined:
        case Value::Type::Null: return true;
        case Value::Type::Boolean: return a.boolean == b.boolean;
        case Value::Type::Number: return a.number == b.number;
        case Value::Type::String: return a.string == b.string;
        case Value::Type::Array: return false;  // distinct array objects are never identical
    }
    return false;
}

bool looseEquals(const Value& a, const Value& b) {
    using T = Value::Type;
    if (a.type == b.type) return strictEquals(a, b);
    if (a.isNullish() || b.isNullish()) return a.isNullish() && b.isNullish();
    if (a.is(T::Boolean)) return looseEquals(Value::of(toNumber(a)), b);
    if (b.is(T::Boolean)) return looseEquals(a, Value::of(toNumber(b)));
    if (a.is(T::Array)) return looseEquals(toPrimitive(a), b);
    if (b.is(T::Array)) return looseEquals(a, toPrimitive(b));
    // number vs string
    return toNumber(a) == toNumber(b);
}

bool lessThan(const Value& a, const Value& b) {
    const Value pa = toPrimitive(a);
    const Value pb = toPrimitive(b);
    if (pa.is(Value::Type::String) && pb.is(Value::Type::String)) return pa.string < pb.string;
    const double na = toNumber(pa);
    const double nb = toNumber(pb);
    return na < nb;
}

std::string toLowerCase(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t pos = 0; pos < s.size();) {
        std::size_t len = 1;
        char32_t cp = decode(s, pos, len);
        if (len == 1 && static_cast<unsigned char>(s[pos]) >= 0x80) {
            out += s[pos];  // not valid UTF-8: keep the byte
            pos += 1;
            continue;
        }
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)) {
            cp += 0x20;
        } else if (isLatinExtendedUpper(cp)) {
            cp += 1;
        } else if (cp == 0x178) {
            cp = 0xFF;
        } else if ((cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) || (cp >= 0x410 && cp <= 0x42F)) {
            cp += 0x20;
        } else if (cp >= 0x400 && cp <= 0x40F) {
            cp += 0x50;
        }
        encode(cp, out);
        pos += len;
    }
    return out;
}

std::string trim(std::string_view s) {
    std::string_view t = trimStart(s);
    std::size_t end = t.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(t[start]) & 0xC0) == 0x80) --start;
        std::size_t len = 1;
        if (!isJsSpace(decode(t, start, len)) || start + len != end) break;
        end = start;
    }
    return std::string(t.substr(0, end));
}

}  // namespace svarboks::shared::js
