#pragma once
// The SurveyJS expression language of SURVEY-FORMAT.md (visibleIf, enableIf, requiredIf).
// Parsing follows survey-core's grammar rule by rule; evaluation follows survey-core's coercion rules.
#include "svarboks/shared/result.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::shared {

namespace expr {
struct Program;
}

/// A parsed condition. Immutable and cheap to copy; safe to evaluate from several threads at once.
class Expression {
public:
    /// A `{name}` reference and the 1-based column of the name (just after the '{').
    struct Reference {
        std::string name;
        int column = 0;
    };

    /// Parses `text`. Errors say what is wrong and where: "... at column 7". Constructs that survey-core
    /// knows but the kiosk does not support (functions, arithmetic, unquoted words, null) are errors too.
    [[nodiscard]] static Result<Expression> parse(std::string_view text);

    /// Resolves every reference to a slot with `slotOf(name)` (-1 = unknown: "unknown question 'q9' at column 2").
    /// `isArraySlot(slot)` says whether an unanswered slot reads as [] (a checkbox) rather than undefined.
    [[nodiscard]] Status bind(const std::function<int(std::string_view)>& slotOf,
                              const std::function<bool(int)>& isArraySlot = {});

    /// What a condition evaluated to. survey-core compares strictly: visibleIf and requiredIf hold only
    /// when the value is exactly `true`; enableIf disables only when it is exactly `false`.
    enum class Outcome { True, False, Other };

    /// Evaluates as survey-core does. `values[slot]` holds the answer of that slot; a null json means
    /// unanswered. Must be bound first.
    [[nodiscard]] Outcome evaluate(std::span<const nlohmann::json> values) const;

    [[nodiscard]] const std::string& text() const;
    [[nodiscard]] const std::vector<Reference>& references() const;
    /// The slots this expression reads (after bind), without repeats.
    [[nodiscard]] std::vector<int> slots() const;

private:
    explicit Expression(std::shared_ptr<const expr::Program> program) : m_program(std::move(program)) {}
    std::shared_ptr<const expr::Program> m_program;
};

}  // namespace svarboks::shared
