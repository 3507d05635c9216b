// The expression parser and evaluator (shared::Expression) on any text: parsed, bound to five questions
// (two read as checkboxes) and evaluated against answers of every JSON type.
// Seeds: tests/fuzz/seeds/expression. Dictionary: expression.dict.
#include "fuzz_check.hpp"

#include "svarboks/shared/expression.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <string_view>
#include <vector>

using namespace svarboks;
using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 5> kNames = {"a", "b", "c", "r", "q"};

const std::vector<std::vector<json>>& answerSets() {
    static const std::vector<std::vector<json>> sets = {
        {json(), json(), json(), json(), json()},
        {1, "1", true, json::array({"x", 2}), 0.5},
        {"abc", -1e308, false, json::array(), json::object({{"k", 1}})},
        {"", json::array({json()}), "1e3", " 10 ", 9007199254740993ULL},
        {json::array({1, 2, 3}), "true", "NaN", json::array({"a", "b"}), -0.0},
    };
    return sets;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto parsed = shared::Expression::parse(fuzz::text(data, size));
    if (!parsed) {
        fuzz::check(!parsed.error().message.empty(), "a refused expression says why");
        return 0;
    }
    const auto bound = parsed->bind(
        [](std::string_view name) {
            for (std::size_t i = 0; i < kNames.size(); ++i) {
                if (name == kNames[i]) return static_cast<int>(i);
            }
            return -1;
        },
        [](int slot) { return slot == 1 || slot == 3; });
    if (!bound) return 0;
    for (const int slot : parsed->slots()) fuzz::check(slot >= 0 && slot < static_cast<int>(kNames.size()), "a bound slot is a known question");
    for (const auto& answers : answerSets()) (void)parsed->evaluate(answers);
    return 0;
}
