#pragma once
// What a respondent with a given set of answers sees, and whether those answers are a valid response.
// The kiosk and the central endpoint both use validateAnswers(), so both accept exactly the same responses.
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <vector>

namespace svarboks::shared {

struct ElementState {
    bool visible = true;
    bool enabled = true;
    bool required = false;
};

struct AnswerError {
    std::string question;
    std::string message;
};

/// Answers by element index, as the evaluator reads them: a null json is an unanswered question.
using AnswerSlots = std::vector<nlohmann::json>;

/// The state of every element for these answers (survey-core's rules). `states` is resized to fit;
/// reusing it across calls avoids allocation. Thread-safe (reads the survey only).
void evaluateState(const Survey& survey, std::span<const nlohmann::json> answers, std::vector<ElementState>& states);
[[nodiscard]] std::vector<ElementState> evaluateState(const Survey& survey, std::span<const nlohmann::json> answers);

/// Places the answers of a result-data object into slots. Keys that name no question become errors.
[[nodiscard]] AnswerSlots toSlots(const Survey& survey, const nlohmann::json& answers, std::vector<AnswerError>* errors = nullptr);

/// The result-data object (question name -> value) of answer slots; unanswered questions are absent.
[[nodiscard]] nlohmann::json toResultData(const Survey& survey, std::span<const nlohmann::json> answers);

/// A problem with one answer given the current state, or "" when it is fine (used live by the kiosk).
[[nodiscard]] std::string checkAnswer(const Element& element, const ElementState& state, const nlohmann::json& answer);

struct Validation {
    bool valid = false;
    std::vector<AnswerError> errors;   ///< in survey order; several per question possible
    std::vector<ElementState> states;  ///< per element
};

/// Validates a complete response (result data: name -> value) against the survey: the answers must be an
/// object; every key a question; every value of the right type and in range; no answer to a hidden
/// question; every visible, enabled, required question answered. Never throws.
[[nodiscard]] Validation validateAnswers(const Survey& survey, const nlohmann::json& answers);

/// Hidden questions drop their answers, which can hide further questions: repeats until nothing changes.
/// This is what the kiosk does as answers change. Returns the names of the dropped answers.
std::vector<std::string> dropHiddenAnswers(const Survey& survey, AnswerSlots& answers);

}  // namespace svarboks::shared
