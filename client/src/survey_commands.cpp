#include "svarboks/client/cli.hpp"

#include "svarboks/shared/readability.hpp"
#include "svarboks/shared/scoring.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <ostream>
#include <sstream>

namespace svarboks::client {

namespace {

using nlohmann::json;
using shared::Diagnostic;

std::optional<std::string> readAnswersText(const std::string& spec, std::ostream& err) {
    if (spec.empty() || spec[0] != '@') return spec;
    std::ifstream in(spec.substr(1), std::ios::binary);
    if (!in) {
        err << spec.substr(1) << ": cannot read the answers file\n";
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

// Plain Danish (readability.hpp): the LIX of each Danish question title, then their mean and highest.
void printLix(const std::string& file, const shared::Survey& survey, std::ostream& out) {
    const auto questions = shared::danishQuestionLix(survey);
    if (questions.empty()) return;
    double sum = 0;
    const shared::QuestionLix* highest = &questions.front();
    std::size_t above = 0;
    for (const auto& question : questions) {
        sum += question.lix.value;
        if (question.lix.value > highest->lix.value) highest = &question;
        if (question.lix.tooHard()) ++above;
        out << file << ": " << question.pointer << ": LIX " << question.lix.rounded() << " (" << question.name << ")\n";
    }
    out << file << ": LIX of the " << questions.size() << " Danish question texts: mean " << std::lround(sum / static_cast<double>(questions.size()))
        << ", highest " << highest->lix.rounded() << " (" << highest->name << "), " << above << " above "
        << static_cast<int>(shared::kLixWarnAbove) << "\n";
}

int surveyLint(const std::vector<std::string>& files, bool eachLix, std::ostream& out) {
    bool allValid = true;
    for (const auto& file : files) {
        const auto result = shared::loadSurveyFile(file);
        for (const auto& diagnostic : result.diagnostics) out << diagnostic.format() << "\n";
        allValid = allValid && result.ok();
        if (result.ok() && eachLix) printLix(file, *result.survey, out);
    }
    return allValid ? 0 : 1;
}

int surveyWalk(const WalkOptions& options, std::ostream& out, std::ostream& err) {
    const auto loaded = shared::loadSurveyFile(options.file);
    for (const auto& diagnostic : loaded.diagnostics) {
        if (diagnostic.severity == Diagnostic::Severity::Error) err << diagnostic.format() << "\n";
    }
    if (!loaded.ok()) return 2;
    const shared::Survey& survey = *loaded.survey;
    const std::string locale = options.locale.empty() ? survey.defaultLocale : options.locale;
    if (std::find(survey.locales.begin(), survey.locales.end(), locale) == survey.locales.end()) {
        err << "svarboks: the survey has no locale '" << locale << "'; it offers:";
        for (const auto& l : survey.locales) err << " " << l;
        err << "\n";
        return 2;
    }
    const auto answersText = readAnswersText(options.answers, err);
    if (!answersText) return 2;
    const json answers = json::parse(*answersText, nullptr, false);
    if (answers.is_discarded()) {
        err << "svarboks: --answers is not valid JSON; expected an object such as {\"q1\": 3}\n";
        return 2;
    }
    const auto validation = shared::validateAnswers(survey, answers);
    shared::AnswerSlots slots = shared::toSlots(survey, answers);
    shared::dropHiddenAnswers(survey, slots);
    const auto profile = shared::scoreProfile(survey, slots);

    json visible = json::array();
    json required = json::array();
    for (std::size_t i = 0; i < survey.elements.size(); ++i) {
        if (!validation.states[i].visible) continue;
        visible.push_back(survey.elements[i].name);
        if (validation.states[i].required) required.push_back(survey.elements[i].name);
    }
    json errors = json::array();
    for (const auto& error : validation.errors) errors.push_back({{"question", error.question}, {"message", error.message}});

    if (options.json) {
        json report = {{"survey", survey.id},
                       {"version", survey.version},
                       {"locale", locale},
                       {"visible", visible},
                       {"required", required},
                       {"valid", validation.valid},
                       {"errors", errors},
                       {"profile", shared::profileToJson(survey, profile, locale)}};
        out << report.dump(2) << "\n";
        return validation.valid ? 0 : 1;
    }

    out << survey.title.text(locale, survey.defaultLocale) << " (" << survey.id << " " << survey.version << ", " << locale << ")\n\n";
    int screen = 0;
    for (std::size_t i = 0; i < survey.elements.size(); ++i) {
        if (!validation.states[i].visible) continue;
        const auto& element = survey.elements[i];
        const auto& state = validation.states[i];
        out << ++screen << ". " << element.name << " [" << shared::typeName(element.type) << "]"
            << (state.required ? " required" : "") << (state.enabled ? "" : " disabled");
        const auto& title = element.title.text(locale, survey.defaultLocale);
        if (!title.empty()) out << ": " << title;
        if (answers.is_object() && answers.contains(element.name)) {
            const auto& answer = answers[element.name];
            out << "\n   answer: " << answer.dump();
            if (const auto* choice = element.findChoice(answer)) out << " (" << choice->text.text(locale, survey.defaultLocale) << ")";
        }
        out << "\n";
    }
    out << "\n" << (validation.valid ? "valid" : "NOT valid") << "\n";
    for (const auto& error : validation.errors) out << "  " << error.question << ": " << error.message << "\n";
    if (survey.scoring) {
        out << "\nprofile:\n";
        for (const auto& area : shared::profileToJson(survey, profile, locale)) {
            out << "  " << area["title"].get<std::string>() << ": ";
            if (area["score"].is_null()) out << "no answers\n";
            else {
                out << static_cast<int>(area["score"].get<double>() * 100 + 0.5) << "% (" << area["levelTitle"].get<std::string>() << ")\n"
                    << "    " << area["advice"].get<std::string>() << "\n";
            }
        }
    }
    return validation.valid ? 0 : 1;
}

}  // namespace svarboks::client
