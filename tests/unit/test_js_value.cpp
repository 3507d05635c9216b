// JS value semantics that survey-core's results depend on.
#include "../../shared/src/js_value.hpp"

#include <doctest/doctest.h>

#include <cmath>

using svarboks::shared::js::Value;
namespace js = svarboks::shared::js;

TEST_CASE("numbers print as JavaScript prints them") {
    CHECK(js::numberToString(1) == "1");
    CHECK(js::numberToString(-2.5) == "-2.5");
    CHECK(js::numberToString(0.1 + 0.2) == "0.30000000000000004");
    CHECK(js::numberToString(1e21) == "1e+21");
    CHECK(js::numberToString(123456789012345680000.0) == "123456789012345680000");
    CHECK(js::numberToString(0.000001) == "0.000001");
    CHECK(js::numberToString(1e-7) == "1e-7");
    CHECK(js::numberToString(-0.0) == "0");
    CHECK(js::numberToString(std::nan("")) == "NaN");
}

TEST_CASE("ToNumber on strings follows ECMAScript") {
    CHECK(js::stringToNumber("") == 0);
    CHECK(js::stringToNumber("  12  ") == 12);
    CHECK(js::stringToNumber("0x1F") == 31);
    CHECK(js::stringToNumber("1e3") == 1000);
    CHECK(js::stringToNumber("-Infinity") == -INFINITY);
    CHECK(js::stringToNumber(".5") == 0.5);
    CHECK(std::isnan(js::stringToNumber("1,5")));
    CHECK(std::isnan(js::stringToNumber("12abc")));
    CHECK(std::isnan(js::stringToNumber("--1")));
}

TEST_CASE("parseInt and parseFloat read a prefix") {
    CHECK(js::parseInt("12abc") == 12);
    CHECK(js::parseInt(" -0x10") == -16);
    CHECK(std::isnan(js::parseInt("abc")));
    CHECK(js::parseFloat("1.5e2x") == 150);
    CHECK(js::parseFloat("1.") == 1);
    CHECK(std::isnan(js::parseFloat("e5")));
}

TEST_CASE("loose equality and relational comparison coerce like JavaScript") {
    CHECK(js::looseEquals(Value::of(true), Value::of(1.0)));
    CHECK(js::looseEquals(Value::of(std::string("1")), Value::of(1.0)));
    CHECK(js::looseEquals(Value::undefined(), Value::null()));
    CHECK_FALSE(js::looseEquals(Value::null(), Value::of(0.0)));
    CHECK(js::looseEquals(Value::of(std::vector<Value>{Value::of(1.0)}), Value::of(true)));
    CHECK_FALSE(js::looseEquals(Value::of(std::string("true")), Value::of(true)));
    CHECK(js::lessThan(Value::of(std::string("A")), Value::of(std::string("b"))));
    CHECK_FALSE(js::lessThan(Value::of(std::string("b")), Value::of(std::string("a"))));
    CHECK(js::lessThan(Value::of(std::vector<Value>{}), Value::of(1.0)));  // [] -> "" -> 0
    CHECK_FALSE(js::lessThan(Value::of(std::string("x")), Value::of(1.0)));
    CHECK(js::toString(Value::of(std::vector<Value>{Value::of(1.0), Value::null(), Value::of(std::string("a"))})) == "1,,a");
}

TEST_CASE("lower-casing and trimming cover Danish letters and Unicode spaces") {
    CHECK(js::toLowerCase("ÆØÅ Straße") == "æøå straße");
    CHECK(js::toLowerCase("ŁÓDŹ") == "łódź");
    CHECK(js::trim("\xC2\xA0 hej \t\n") == "hej");
    CHECK(js::trim("   ") == "");
}
