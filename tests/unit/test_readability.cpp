#include "svarboks/shared/readability.hpp"
#include "svarboks/shared/survey.hpp"
#include "test_helpers.hpp"

#include <algorithm>

using namespace svarboks;
using nlohmann::json;

TEST_CASE("LIX: words per sentence plus the per cent of words over six letters") {
    auto index = shared::lix("Jeg kan selv.");
    CHECK(index.words == 3);
    CHECK(index.sentences == 1);
    CHECK(index.longWords == 0);
    CHECK(index.value == doctest::Approx(3));

    // 8 words, 2 sentences, 4 long (Kommunens, medarbejdere, dokumentere, arbejdet): 4 + 50.
    index = shared::lix("Kommunens medarbejdere skal dokumentere arbejdet. Det tager tid.");
    CHECK(index.words == 8);
    CHECK(index.sentences == 2);
    CHECK(index.longWords == 4);
    CHECK(index.value == doctest::Approx(54));
    CHECK(index.tooHard());

    // Letters, not bytes: "værktøjer" has 9 (long), "ønske" 5 (not long, though 7 bytes).
    index = shared::lix("værktøjer ønske");
    CHECK(index.words == 2);
    CHECK(index.longWords == 1);
    CHECK(index.sentences == 1);  // no punctuation: one sentence

    // A hyphen inside a word joins it; a full stop inside a number ends nothing; the last sentence counts
    // without its full stop.
    index = shared::lix("Din PIN-kode er 1.1 i dag. Skriv den her");
    CHECK(index.words == 9);
    CHECK(index.longWords == 1);  // PIN-kode: 7 letters
    CHECK(index.sentences == 2);
    CHECK(shared::lix("").value == 0);
    CHECK(shared::lix(" - . ").words == 0);
}

TEST_CASE("survey lint warns about a Danish question text above LIX 40, worded in Danish and English") {
    json survey = json::parse(test::readFile(test::pulseSurveyPath()));
    survey["pages"][0]["elements"][1]["title"]["da"] = "Kommunens medarbejdere skal dokumentere arbejdet. Det tager tid.";
    const auto loaded = shared::parseSurvey(survey.dump(), "hard.json");
    REQUIRE(loaded.ok());  // a warning, not an error
    const auto found = std::find_if(loaded.diagnostics.begin(), loaded.diagnostics.end(), [](const auto& d) { return d.code == "lix-high"; });
    REQUIRE(found != loaded.diagnostics.end());
    CHECK(found->severity == shared::Diagnostic::Severity::Warning);
    CHECK(found->pointer == "/pages/0/elements/1/title");
    CHECK(found->text("en") == "the Danish text has a LIX of 54, above 40: shorter sentences and shorter words make it easier to read");
    CHECK(found->text("da") == "den danske tekst har en LIX på 54, over 40: kortere sætninger og kortere ord gør den lettere at læse");
    CHECK(std::count_if(loaded.diagnostics.begin(), loaded.diagnostics.end(), [](const auto& d) { return d.code == "lix-high"; }) == 1);
}

TEST_CASE("the bundled surveys are plain Danish: no question text above LIX 40") {
    for (const auto& path : {test::defaultSurveyPath(), test::pulseSurveyPath()}) {
        CAPTURE(path);
        const auto loaded = shared::loadSurveyFile(path);
        REQUIRE(loaded.ok());
        const auto questions = shared::danishQuestionLix(*loaded.survey);
        CHECK(questions.size() >= 5);
        for (const auto& question : questions) {
            CAPTURE(question.name);
            CHECK_FALSE(question.lix.tooHard());
        }
    }
}
