// Visible / enabled / required state and the validation that the kiosk and the server share.
#include "svarboks/shared/survey_state.hpp"
#include "test_helpers.hpp"

using namespace svarboks;
using nlohmann::json;

namespace {

std::vector<std::string> visibleNames(const shared::Survey& survey, const json& answers) {
    const auto validation = shared::validateAnswers(survey, answers);
    std::vector<std::string> names;
    for (std::size_t i = 0; i < survey.elements.size(); ++i) {
        if (validation.states[i].visible) names.push_back(survey.elements[i].name);
    }
    return names;
}

std::vector<std::string> errorsOf(const shared::Survey& survey, const json& answers) {
    std::vector<std::string> lines;
    for (const auto& e : shared::validateAnswers(survey, answers).errors) lines.push_back(e.question + ": " + e.message);
    return lines;
}

const json kBranching = test::surveyWith({
    {{"type", "html"}, {"name", "intro"}, {"html", "Hej"}},
    {{"type", "boolean"}, {"name", "uses"}, {"isRequired", true}},
    {{"type", "radiogroup"}, {"name", "how"}, {"choices", {1, 2, 3}}, {"visibleIf", "{uses} = true"}, {"isRequired", true}},
    {{"type", "checkbox"}, {"name", "which"}, {"choices", {"a", "b", "c"}}, {"maxSelectedChoices", 2}, {"showNoneItem", true},
     {"visibleIf", "{how} >= 2"}, {"requiredIf", "{how} = 3"}},
    {{"type", "text"}, {"name", "hours"}, {"inputType", "number"}, {"min", 0}, {"max", 200}, {"enableIf", "{uses} = true"},
     {"isRequired", true}},
});

}  // namespace

TEST_CASE("visibility follows the answers, including chains through hidden questions") {
    const auto survey = test::mustLoad(kBranching);
    CHECK(visibleNames(survey, json::object()) == std::vector<std::string>{"intro", "uses", "hours"});
    CHECK(visibleNames(survey, {{"uses", true}}) == std::vector<std::string>{"intro", "uses", "how", "hours"});
    CHECK(visibleNames(survey, {{"uses", true}, {"how", 3}}) == std::vector<std::string>{"intro", "uses", "how", "which", "hours"});
    // The kiosk drops the answers of questions that become hidden, and that can hide more.
    shared::AnswerSlots slots = shared::toSlots(survey, {{"uses", false}, {"how", 3}, {"which", {"a"}}});
    const auto dropped = shared::dropHiddenAnswers(survey, slots);
    CHECK(dropped == std::vector<std::string>{"how", "which"});
    CHECK(shared::toResultData(survey, slots) == json{{"uses", false}});
}

TEST_CASE("required state: isRequired, overridden by requiredIf; a disabled question is never required") {
    const auto survey = test::mustLoad(kBranching);
    const auto states = shared::validateAnswers(survey, {{"uses", true}, {"how", 2}}).states;
    CHECK(states[1].required);
    CHECK_FALSE(states[3].required);
    CHECK(shared::validateAnswers(survey, {{"uses", true}, {"how", 3}}).states[3].required);
    // hours is required, but disabled while uses is not true: then it needs no answer.
    CHECK(errorsOf(survey, {{"uses", false}}).empty());
    CHECK(errorsOf(survey, {{"uses", true}, {"how", 1}}) == std::vector<std::string>{"hours: an answer is required"});
}

TEST_CASE("validation refuses wrong types, unknown choices, ranges, limits and hidden answers") {
    const auto survey = test::mustLoad(kBranching);
    const json base = {{"uses", true}, {"how", 3}, {"which", {"a"}}, {"hours", 12}};
    CHECK(errorsOf(survey, base).empty());
    const auto with = [&](const char* key, json value) {
        json answers = base;
        answers[key] = std::move(value);
        return errorsOf(survey, answers);
    };
    CHECK(with("uses", 1) == std::vector<std::string>{"uses: expected true or false"});  // 1 = true still holds for visibleIf
    CHECK(with("how", 4) == std::vector<std::string>{"how: the answer 4 is not one of its choices"});
    CHECK(with("how", "3") == std::vector<std::string>{"how: the answer \"3\" is not one of its choices"});
    CHECK(with("which", {"a", "b", "c"}) == std::vector<std::string>{"which: at most 2 choices may be selected, got 3"});
    CHECK(with("which", {"a", "none"}) == std::vector<std::string>{"which: \"none\" cannot be combined with other choices"});
    CHECK(with("which", {"a", "a"}) == std::vector<std::string>{"which: the choice \"a\" is selected twice"});
    CHECK(with("which", json::array()) == std::vector<std::string>{"which: an empty selection is not an answer; leave the question out"});
    CHECK(with("hours", 201) == std::vector<std::string>{"hours: the answer 201 is above the maximum 200"});
    CHECK(with("hours", -1) == std::vector<std::string>{"hours: the answer -1 is below the minimum 0"});
    CHECK(with("nosuch", 1) == std::vector<std::string>{"nosuch: there is no question named 'nosuch' in this survey"});
    CHECK(with("intro", 1) == std::vector<std::string>{"intro: 'intro' is an html element and takes no answer"});
    CHECK(with("how", nullptr) == std::vector<std::string>{"how: an answer is required",
                                                          "which: answered, but the question is hidden for these answers (visibleIf)",
                                                          "how: null is not an answer; leave an unanswered question out"});
    json hidden = base;
    hidden["uses"] = false;
    hidden.erase("hours");
    // A hidden answer still feeds expressions (as in survey-core), so "which" stays visible here.
    CHECK(errorsOf(survey, hidden) == std::vector<std::string>{"how: answered, but the question is hidden for these answers (visibleIf)"});
    CHECK(shared::validateAnswers(survey, json::array()).errors.at(0).message == "expected the answers as an object of question name -> value");
}

TEST_CASE("a page's visibleIf hides all of its elements") {
    json definition = test::surveyWith({{{"type", "boolean"}, {"name", "gate"}}});
    definition["pages"].push_back({{"visibleIf", "{gate} = true"}, {"elements", {{{"type", "rating"}, {"name", "r"}, {"isRequired", true}}}}});
    const auto survey = test::mustLoad(definition);
    CHECK(visibleNames(survey, json::object()) == std::vector<std::string>{"gate"});
    CHECK(errorsOf(survey, {{"gate", false}}).empty());
    CHECK(errorsOf(survey, {{"gate", true}}) == std::vector<std::string>{"r: an answer is required"});
}

TEST_CASE("the shipped default survey accepts a full valid response and refuses a hidden branch answer") {
    const auto loaded = shared::loadSurveyFile(test::defaultSurveyPath());
    REQUIRE(loaded.ok());
    const auto& survey = *loaded.survey;
    json answers = json::object();
    for (const auto& element : survey.elements) {
        if (element.type == shared::ElementType::Radiogroup && !element.competence.empty() && !element.visibleIf) answers[element.name] = 3;
    }
    CHECK(shared::validateAnswers(survey, answers).valid);
    for (const auto& element : survey.elements) {
        if (element.visibleIf && element.type == shared::ElementType::Radiogroup && !element.competence.empty()) {
            json withHidden = answers;
            withHidden[element.name] = 2;
            const auto validation = shared::validateAnswers(survey, withHidden);
            CHECK_FALSE(validation.valid);
            break;
        }
    }
}
