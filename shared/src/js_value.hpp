#pragma once
// Internal: the slice of JavaScript value semantics that survey-core's expression evaluator relies on.
// survey-core is the behaviour reference (SURVEY-FORMAT.md), and its results depend on JS coercion rules
// (==, <, ToNumber, parseFloat, Array.prototype.toString, ...). These functions reproduce those rules for
// the values an answer set can hold: undefined, null, booleans, numbers, strings and arrays of them.
#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace svarboks::shared::js {

struct Value {
    enum class Type { Undefined, Null, Boolean, Number, String, Array };
    Type type = Type::Undefined;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<Value> array;

    static Value undefined() { return {}; }
    static Value null() { return make(Type::Null); }
    static Value of(bool b) {
        Value v = make(Type::Boolean);
        v.boolean = b;
        return v;
    }
    static Value of(double n) {
        Value v = make(Type::Number);
        v.number = n;
        return v;
    }
    static Value of(std::string s) {
        Value v = make(Type::String);
        v.string = std::move(s);
        return v;
    }
    static Value of(std::vector<Value> items) {
        Value v = make(Type::Array);
        v.array = std::move(items);
        return v;
    }
    static Value make(Type t) {
        Value v;
        v.type = t;
        return v;
    }

    [[nodiscard]] bool isNullish() const { return type == Type::Undefined || type == Type::Null; }
    [[nodiscard]] bool is(Type t) const { return type == t; }
};

/// The value as survey-core sees it: JSON arrays become JS arrays, objects are not supported (undefined).
[[nodiscard]] Value fromJson(const nlohmann::json& json);

[[nodiscard]] bool truthy(const Value& v);
[[nodiscard]] double toNumber(const Value& v);
[[nodiscard]] std::string toString(const Value& v);
[[nodiscard]] std::string numberToString(double n);
[[nodiscard]] double stringToNumber(std::string_view s);
[[nodiscard]] double parseFloat(std::string_view s);
[[nodiscard]] double parseInt(std::string_view s);
[[nodiscard]] bool strictEquals(const Value& a, const Value& b);
[[nodiscard]] bool looseEquals(const Value& a, const Value& b);
/// `a < b` with JS's abstract relational comparison (false when either side is NaN).
[[nodiscard]] bool lessThan(const Value& a, const Value& b);
[[nodiscard]] std::string toLowerCase(std::string_view s);
[[nodiscard]] std::string trim(std::string_view s);

}  // namespace svarboks::shared::js
