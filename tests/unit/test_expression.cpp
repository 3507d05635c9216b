// The expression language: parsing per survey-core's grammar, evaluation per its coercion rules.
// Expected values below were checked against survey-core 3.1.1 (tests/reference).
#include "svarboks/shared/expression.hpp"

#include <doctest/doctest.h>

#include <map>

using svarboks::shared::Expression;
using nlohmann::json;
using Outcome = Expression::Outcome;

namespace {

// Evaluates `text` with named answers; names absent from `answers` are unanswered. `checkboxes` read as [].
Outcome run(const std::string& text, const json& answers, const std::vector<std::string>& checkboxes = {}) {
    auto parsed = Expression::parse(text);
    INFO(text);
    REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
    std::vector<std::string> names = {"a", "b", "c", "r", "q"};
    REQUIRE(parsed->bind(
        [&](std::string_view name) {
            for (std::size_t i = 0; i < names.size(); ++i) {
                if (names[i] == name) return static_cast<int>(i);
            }
            return -1;
        },
        [&](int slot) {
            return std::find(checkboxes.begin(), checkboxes.end(), names[static_cast<std::size_t>(slot)]) != checkboxes.end();
        }).ok());
    std::vector<json> values(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (answers.contains(names[i])) values[i] = answers[names[i]];
    }
    return parsed->evaluate(values);
}

bool holds(const std::string& text, const json& answers = json::object(), const std::vector<std::string>& checkboxes = {}) {
    return run(text, answers, checkboxes) == Outcome::True;
}

std::string parseError(const std::string& text) {
    auto parsed = Expression::parse(text);
    return parsed.ok() ? "" : parsed.error().message;
}

}  // namespace

TEST_CASE("comparisons coerce numbers, numeric strings and booleans as survey-core does") {
    CHECK(holds("{a} = 1", {{"a", "1"}}));
    CHECK(holds("{a} = '1'", {{"a", 1}}));
    CHECK(holds("{a} = 1", {{"a", "1.0"}}));
    CHECK(holds("{a} = 1", {{"a", "01"}}));  // "01" stays a string, but parseInt and parseFloat agree on 1
    CHECK(holds("{a} = 'ABC'", {{"a", " abc "}}));
    CHECK(holds("{a} = true", {{"a", "true"}}));
    CHECK(holds("{a} = 'True'", {{"a", true}}));
    CHECK_FALSE(holds("{a} = '1'", {{"a", true}}));
    CHECK(holds("{a} = 1", {{"a", true}}));
    CHECK(holds("{a} > 9", {{"a", "10"}}));
    CHECK_FALSE(holds("{a} > '10'", {{"a", "9"}}));
    CHECK(holds("{a} > 1.5", {{"a", "1,75"}}));
    CHECK(holds("{a} < 'b'", {{"a", "A"}}));
    CHECK(holds("{a} >= 2 and {a} <= 2", {{"a", 2}}));
}

TEST_CASE("an unanswered question compares as survey-core's undefined") {
    CHECK_FALSE(holds("{a} = 0"));
    CHECK(holds("{a} = ''"));
    CHECK(holds("{a} != 'x'"));
    CHECK_FALSE(holds("{a} < 1"));
    CHECK_FALSE(holds("{a} >= 0"));
    CHECK(holds("{a} empty"));
    CHECK(holds("!{a}"));
    // An unanswered checkbox is [] instead: "" as a number is 0, and [] is truthy.
    CHECK(holds("{c} < 1", json::object(), {"c"}));
    CHECK_FALSE(holds("!{c}", json::object(), {"c"}));
    CHECK(holds("{c} = []", json::object(), {"c"}));
}

TEST_CASE("array operators") {
    const json c = {{"c", {"a", "b"}}};
    CHECK(holds("{c} contains 'a'", c));
    CHECK(holds("{c} contains 'A'", c));
    CHECK_FALSE(holds("{c} = 'a'", c));
    CHECK(holds("{c} = ['b', 'a']", c));
    CHECK(holds("{c} anyof ['x', 'b']", c));
    CHECK_FALSE(holds("{c} allof ['a', 'x']", c));
    CHECK(holds("{c} allof ['a', 'b']", c));
    CHECK(holds("{c} notcontains ['a', 'x']", c));
    CHECK(holds("{c} anyof []", c));
    CHECK(holds("{r} anyof ['x', 2]", {{"r", 2}}));
    CHECK(holds("{r} contains 1", {{"r", 10}}));  // a scalar is searched as text
    CHECK(holds("{r} anyof 'abc2'", {{"r", 2}}));
    CHECK(holds("{c} allof []", json::object(), {"c"}));
    CHECK_FALSE(holds("{c} anyof ['a']", json::object(), {"c"}));
    CHECK(holds("{c} notcontains 'a'", json::object(), {"c"}));
    CHECK(holds("{c} contains 'none'", {{"c", {"none"}}}));
}

TEST_CASE("negation binds to a factor, and keywords ignore case and word boundaries") {
    CHECK_FALSE(holds("!{r} = 1", {{"r", 2}}));  // (!2) = 1 -> false = 1
    CHECK(holds("!{r} = 1"));                    // (!undefined) = 1 -> true = 1
    CHECK(holds("!({r} = 1)", {{"r", 2}}));
    CHECK(holds("negate ({r} = 1)", {{"r", 2}}));
    CHECK(holds("NEGATE{r}"));
    CHECK(holds("{a}=1and{b}=2", {{"a", 1}, {"b", 2}}));
    CHECK(holds("{a} EQUAL 1 Or {b} notEqual 2", {{"a", 1}}));
    CHECK(holds("({a} = 1 or {b} = 1) and !({c} notempty)", {{"b", 1}}));
    CHECK(holds("{a} <> 1", {{"a", 2}}));  // survey-core rewrites <> to != before parsing
    CHECK(holds("{a} => 2", {{"a", 3}}));
}

TEST_CASE("the result counts only when it is exactly a boolean") {
    CHECK(run("{r}", {{"r", 1}}) == Outcome::Other);
    CHECK(run("{r}", {{"r", true}}) == Outcome::True);
    CHECK(run("{r}", {{"r", "false"}}) == Outcome::False);  // a string answer "false" reads as false
    CHECK(run("{r} and 1", {{"r", "a"}}) == Outcome::Other);
    CHECK(run("{r} or false", {{"r", true}}) == Outcome::True);
    CHECK(run("{r}", json::object()) == Outcome::Other);
}

TEST_CASE("syntax errors and unsupported constructs name the column") {
    CHECK(parseError("{a} = ") == "incomplete expression: it ends too early at column 7");
    CHECK(parseError("{a} = = 1") == "syntax error at column 7: unexpected '='");
    CHECK(parseError("{a} = 'it\"s'") == "syntax error at column 10: unexpected '\"'");
    CHECK(parseError("{a} = yes") == "unquoted text 'yes'; put text in quotes: '...' at column 7");
    CHECK(parseError("iif({a}, 1, 2) = 1") == "function calls are not supported ('iif') at column 1");
    CHECK(parseError("negate({a} = 1)") == "function calls are not supported ('negate') at column 1");
    CHECK(parseError("{a} + 1 > 2") == "arithmetic ('+') is not supported in conditions at column 5");
    CHECK(parseError("{a} = null") == "'null' is not supported; use 'empty' or 'notempty' at column 7");
    CHECK(parseError("({a} = 1") == "missing ')' for the '(' at column 1");
    CHECK(parseError("{a} contains") == "'contains' needs a value after it at column 5");
    CHECK(parseError("{a} noneof ['x']").find("'noneof' is not supported") == 0);
    CHECK(parseError("   ") == "the expression is empty");
    CHECK(parseError("{a} = 01").find("syntax error at column 8") == 0);
    CHECK(parseError(std::string(5000, '(') + "{a}" + std::string(5000, ')')).find("nested too deeply") != std::string::npos);
    CHECK(parseError(std::string(100000, '!') + "{a}").find("nested too deeply") != std::string::npos);
}

// Found by fuzzing (tests/fuzz/fuzz_expression.cpp): survey-core's grammar lets an unclosed '(' end early,
// so the text after it was parsed again by every enclosing level; 30 of these took 4^30 steps.
TEST_CASE("an expression that makes the parser retry the same text is answered at once") {
    std::string text;
    for (int i = 0; i < 30; ++i) text += "(d*[";
    CHECK(parseError(text) == "incomplete expression: it ends too early at column 121");
}

TEST_CASE("references are collected with their columns and must bind") {
    auto parsed = Expression::parse("{a} = 1 or {Q9} notempty");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->references().size() == 2);
    CHECK(parsed->references()[1].name == "Q9");
    CHECK(parsed->references()[1].column == 13);
    const auto status = parsed->bind([](std::string_view name) { return name == "a" ? 0 : -1; });
    REQUIRE_FALSE(status.ok());
    CHECK(status.message() == "unknown question 'Q9' at column 13");
}
