// `svarboks survey lint` and `svarboks survey walk`, run in-process as a user would run them.
#include "svarboks/client/cli.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using nlohmann::json;

namespace {

struct Run {
    int code;
    std::string out;
    std::string err;
};

Run cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    const int code = svarboks::client::runCli(args, out, err);
    return {code, out.str(), err.str()};
}

const std::string kDefault = std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/digital-kompetence.json";
const std::string kPulse = std::string(SVARBOKS_SOURCE_DIR) + "/assets/surveys/pulse.json";

std::filesystem::path writeTemp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("svarboks-cli-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace

TEST_CASE("lint: the shipped surveys are clean, a bad one is reported per problem with exit 1") {
    const auto clean = cli({"survey", "lint", kDefault, kPulse});
    CHECK(clean.code == 0);
    CHECK(clean.out.empty());
    const auto bad = writeTemp("bad.json", R"({"surveyId": "x", "surveyVersion": "1", "consent": "c",
        "pages": [{"elements": [{"type": "matrix", "name": "m"}, {"type": "boolean", "name": "b", "visibleIf": "{b} = true"}]}]})");
    const auto result = cli({"survey", "lint", kPulse, bad.string()});
    CHECK(result.code == 1);
    CHECK(result.out == bad.string() + ": /pages/0/elements/0/type: element type 'matrix': matrix questions are not supported; "
                                       "use one rating or radiogroup question per row\n");
    std::filesystem::remove(bad);
}

TEST_CASE("lint: warnings are marked and do not fail the file") {
    const auto file = writeTemp("warn.json", R"({"surveyId": "x", "surveyVersion": "1", "consent": {"da": "ja", "en": "yes"},
        "pages": [{"elements": [{"type": "boolean", "name": "b", "title": {"da": "Hej"}}]}]})");
    const auto result = cli({"survey", "lint", file.string()});
    CHECK(result.code == 0);
    CHECK(result.out == file.string() + ": /pages/0/elements/0/title: warning: missing 'en' translation, which other texts have\n");
    std::filesystem::remove(file);
}

TEST_CASE("walk --json: visible, required, valid, errors and profile; exit codes 0, 1, 2") {
    const auto valid = cli({"survey", "walk", kPulse, "--answers", R"({"used_tools": true, "finding_ease": 4})", "--json"});
    INFO(valid.out << valid.err);
    CHECK(valid.code == 0);
    const json report = json::parse(valid.out);
    CHECK(report["visible"] == json{"intro", "used_tools", "finding_ease", "problem_solved", "help_wanted", "training_hours"});
    CHECK(report["required"] == json{"used_tools"});
    CHECK(report["valid"] == true);
    CHECK(report["errors"].empty());
    CHECK(report["profile"][0]["answered"] == 1);

    const auto hidden = cli({"survey", "walk", kPulse, "--answers", R"({"used_tools": false, "finding_ease": 4})", "--json"});
    CHECK(hidden.code == 1);
    const json hiddenReport = json::parse(hidden.out);
    CHECK(hiddenReport["valid"] == false);
    CHECK(hiddenReport["errors"][0]["question"] == "finding_ease");
    CHECK(std::find(hiddenReport["visible"].begin(), hiddenReport["visible"].end(), "finding_ease") == hiddenReport["visible"].end());

    const auto missing = cli({"survey", "walk", "/nonexistent.json", "--answers", "{}"});
    CHECK(missing.code == 2);
    CHECK(missing.err == "/nonexistent.json: cannot read the file: it does not exist\n");
}

TEST_CASE("walk reads answers from @file, honours --locale and explains bad arguments") {
    const auto answers = writeTemp("answers.json", R"({"used_tools": true})");
    const auto english = cli({"survey", "walk", kPulse, "--answers", "@" + answers.string(), "--locale", "en"});
    CHECK(english.code == 0);
    CHECK(english.out.find("(pulse 2026.1, en)") != std::string::npos);
    std::filesystem::remove(answers);

    const auto badJson = cli({"survey", "walk", kPulse, "--answers", "{oops"});
    CHECK(badJson.code == 2);
    CHECK(badJson.err.find("--answers is not valid JSON") != std::string::npos);
    const auto badLocale = cli({"survey", "walk", kPulse, "--answers", "{}", "--locale", "fr"});
    CHECK(badLocale.code == 2);
    CHECK(badLocale.err == "svarboks: the survey has no locale 'fr'; it offers: da en\n");
    const auto noAnswers = cli({"survey", "walk", kPulse});
    CHECK(noAnswers.code == 2);
    CHECK(noAnswers.err.find("walk needs --answers") != std::string::npos);
    CHECK(cli({"frobnicate"}).code == 2);
}
