#include "svarboks/shared/survey_state.hpp"

#include "js_value.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace svarboks::shared {

namespace {

using nlohmann::json;

std::string numberText(double n) { return js::numberToString(n); }

}  // namespace

void evaluateState(const Survey& survey, std::span<const json> answers, std::vector<ElementState>& states) {
    states.resize(survey.elements.size());
    using Outcome = Expression::Outcome;
    for (const auto& page : survey.pages) {
        const bool pageVisible = !page.visibleIf || page.visibleIf->evaluate(answers) == Outcome::True;
        for (std::size_t i = page.firstElement; i < page.firstElement + page.elementCount; ++i) {
            const Element& element = survey.elements[i];
            ElementState& state = states[i];
            state.visible = pageVisible && (!element.visibleIf || element.visibleIf->evaluate(answers) == Outcome::True);
            state.enabled = !element.enableIf || element.enableIf->evaluate(answers) != Outcome::False;
            state.required = element.isQuestion() && (element.requiredIf ? element.requiredIf->evaluate(answers) == Outcome::True
                                                                          : element.isRequired);
        }
    }
}

std::vector<ElementState> evaluateState(const Survey& survey, std::span<const json> answers) {
    std::vector<ElementState> states;
    evaluateState(survey, answers, states);
    return states;
}

AnswerSlots toSlots(const Survey& survey, const json& answers, std::vector<AnswerError>* errors) {
    AnswerSlots slots(survey.elements.size());
    if (!answers.is_object()) return slots;
    for (const auto& [name, value] : answers.items()) {
        const auto it = std::find_if(survey.elements.begin(), survey.elements.end(),
                                     [&wanted = name](const Element& e) { return e.name == wanted; });
        if (it == survey.elements.end()) {
            if (errors) errors->push_back({name, "there is no question named '" + name + "' in this survey"});
            continue;
        }
        if (!it->isQuestion()) {
            if (errors) errors->push_back({name, "'" + name + "' is an html element and takes no answer"});
            continue;
        }
        if (value.is_null()) {
            if (errors) errors->push_back({name, "null is not an answer; leave an unanswered question out"});
            continue;
        }
        slots[static_cast<std::size_t>(it - survey.elements.begin())] = value;
    }
    return slots;
}

json toResultData(const Survey& survey, std::span<const json> answers) {
    json data = json::object();
    for (std::size_t i = 0; i < survey.elements.size() && i < answers.size(); ++i) {
        if (!answers[i].is_null()) data[survey.elements[i].name] = answers[i];
    }
    return data;
}

std::string checkAnswer(const Element& element, const ElementState& state, const json& answer) {
    if (answer.is_null()) {
        return state.visible && state.enabled && state.required ? "an answer is required" : "";
    }
    if (!state.visible) return "answered, but the question is hidden for these answers (visibleIf)";
    switch (element.type) {
        case ElementType::Html: return "an html element takes no answer";
        case ElementType::Rating:
        case ElementType::Radiogroup: {
            if (element.type == ElementType::Rating && !answer.is_number()) return "expected a number from the rating scale";
            if (!element.findChoice(answer)) {
                return "the answer " + answer.dump() + " is not one of its " +
                       (element.type == ElementType::Rating ? "rating values" : "choices");
            }
            return "";
        }
        case ElementType::Checkbox: {
            if (!answer.is_array()) return "expected an array of choice values";
            if (answer.empty()) return "an empty selection is not an answer; leave the question out";
            std::set<std::string> seen;
            bool none = false;
            for (const auto& value : answer) {
                const Choice* choice = element.findChoice(value);
                if (!choice) return "the answer " + value.dump() + " is not one of its choices";
                if (!seen.insert(value.dump()).second) return "the choice " + value.dump() + " is selected twice";
                none = none || choice->isNone;
            }
            if (none && answer.size() > 1) return "\"none\" cannot be combined with other choices";
            if (element.maxSelectedChoices > 0 && answer.size() > static_cast<std::size_t>(element.maxSelectedChoices)) {
                return "at most " + std::to_string(element.maxSelectedChoices) + " choices may be selected, got " +
                       std::to_string(answer.size());
            }
            return "";
        }
        case ElementType::Boolean: return answer.is_boolean() ? "" : "expected true or false";
        case ElementType::Number: {
            if (!answer.is_number()) return "expected a number";
            const double value = answer.get<double>();
            if (!std::isfinite(value)) return "expected a finite number";
            if (element.min && value < *element.min) return "the answer " + numberText(value) + " is below the minimum " + numberText(*element.min);
            if (element.max && value > *element.max) return "the answer " + numberText(value) + " is above the maximum " + numberText(*element.max);
            return "";
        }
        case ElementType::Text:
        case ElementType::Comment:
            if (!answer.is_string()) return "expected text";
            if (answer.get_ref<const std::string&>().empty()) return "empty text is not an answer; leave the question out";
            if (answer.get_ref<const std::string&>().size() > 2000) return "text longer than 2000 bytes";
            return "";
    }
    return "";
}

Validation validateAnswers(const Survey& survey, const json& answers) {
    Validation result;
    if (!answers.is_object()) {
        result.errors.push_back({"", "expected the answers as an object of question name -> value"});
        return result;
    }
    std::vector<AnswerError> unknown;
    const AnswerSlots slots = toSlots(survey, answers, &unknown);
    evaluateState(survey, slots, result.states);
    for (std::size_t i = 0; i < survey.elements.size(); ++i) {
        const Element& element = survey.elements[i];
        if (!element.isQuestion()) continue;
        if (const auto problem = checkAnswer(element, result.states[i], slots[i]); !problem.empty()) {
            result.errors.push_back({element.name, problem});
        }
    }
    result.errors.insert(result.errors.end(), unknown.begin(), unknown.end());
    result.valid = result.errors.empty();
    return result;
}

std::vector<std::string> dropHiddenAnswers(const Survey& survey, AnswerSlots& answers) {
    std::vector<std::string> dropped;
    std::vector<ElementState> states;
    for (bool changed = true; changed;) {
        changed = false;
        evaluateState(survey, answers, states);
        for (std::size_t i = 0; i < answers.size(); ++i) {
            if (!answers[i].is_null() && !states[i].visible) {
                answers[i] = nullptr;
                dropped.push_back(survey.elements[i].name);
                changed = true;
            }
        }
    }
    return dropped;
}

}  // namespace svarboks::shared
