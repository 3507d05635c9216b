// Loading the shipped surveys and the rules of the format that are not about bad input.
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/survey.hpp"
#include "test_helpers.hpp"


using namespace svarboks;
using test::readFile;
using nlohmann::json;

TEST_CASE("the default survey is a clean, bilingual digital-competence self-assessment") {
    const auto result = shared::loadSurveyFile(test::defaultSurveyPath());
    for (const auto& d : result.diagnostics) INFO(d.format());
    REQUIRE(result.ok());
    CHECK(result.diagnostics.empty());  // lint clean: no warnings either
    const auto& survey = *result.survey;
    CHECK(survey.id == "digital-kompetence");
    CHECK(survey.defaultLocale == "da");
    CHECK(survey.locales == std::vector<std::string>{"da", "en"});
    std::size_t scored = 0;
    for (const auto& e : survey.elements) scored += e.competence.empty() ? 0u : 1u;
    CHECK(scored >= 20);
    CHECK(scored <= 30);
    REQUIRE(survey.scoring);
    CHECK(survey.scoring->areas.size() == 5);
    for (const auto& row : survey.scoring->advice) {
        for (const auto& advice : row) CHECK_FALSE(advice.text("da").empty());
    }
    const bool branches = std::count_if(survey.elements.begin(), survey.elements.end(),
                                        [](const shared::Element& e) { return e.visibleIf.has_value(); }) >= 3;
    CHECK(branches);
    CHECK(survey.consent.text("da").find("5") != std::string::npos);  // the k threshold is stated
}

TEST_CASE("the pulse example uses every supported element type and lints clean") {
    const auto result = shared::loadSurveyFile(test::pulseSurveyPath());
    REQUIRE(result.ok());
    CHECK(result.diagnostics.empty());
    std::set<shared::ElementType> types;
    for (const auto& e : result.survey->elements) types.insert(e.type);
    for (auto type : {shared::ElementType::Html, shared::ElementType::Rating, shared::ElementType::Radiogroup,
                      shared::ElementType::Checkbox, shared::ElementType::Boolean, shared::ElementType::Number}) {
        CHECK(types.count(type) == 1);
    }
    CHECK(result.survey->questionCount() == 5);
}

TEST_CASE("hashes: the definition as published (canonical JSON), and the consent text in every locale") {
    const auto path = test::defaultSurveyPath();
    const auto result = shared::loadSurveyFile(path);
    REQUIRE(result.ok());
    CHECK(result.survey->definitionSha256 == shared::sha256Hex(json::parse(readFile(path)).dump()));
    // Formatting does not change it: the hash is over the canonical form, as published.
    const auto reformatted = shared::parseSurvey(json::parse(readFile(path)).dump(4), "x.json");
    REQUIRE(reformatted.ok());
    CHECK(reformatted.survey->definitionSha256 == result.survey->definitionSha256);
    CHECK(result.survey->definitionSha256.size() == 64);
    const json consent = json::parse(readFile(path))["consent"];
    CHECK(result.survey->consentSha256 == shared::sha256Hex(consent.dump()));
    CHECK(shared::sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    // A changed consent text changes the consent hash; a changed title does not.
    auto changed = json::parse(readFile(path));
    changed["title"]["da"] = "Ny titel";
    const auto retitled = shared::parseSurvey(changed.dump(), "x.json");
    REQUIRE(retitled.ok());
    CHECK(retitled.survey->consentSha256 == result.survey->consentSha256);
    changed["consent"]["da"] = changed["consent"]["da"].get<std::string>() + " ";
    const auto reworded = shared::parseSurvey(changed.dump(), "x.json");
    REQUIRE(reworded.ok());
    CHECK(reworded.survey->consentSha256 != result.survey->consentSha256);
}

TEST_CASE("missing translations are warnings, and a locale is offered only where every text has it") {
    auto definition = test::surveyWith({{{"type", "boolean"}, {"name", "q1"}, {"title", {{"da", "Hej"}, {"en", "Hi"}}}},
                                        {{"type", "boolean"}, {"name", "q2"}, {"title", {{"da", "Farvel"}}}}});
    definition["consent"] = {{"da", "Samtykke"}, {"en", "Consent"}};
    const auto result = shared::parseSurvey(definition.dump(), "t.json");
    REQUIRE(result.ok());
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].format() == "t.json: /pages/0/elements/1/title: warning: missing 'en' translation, which other texts have");
    CHECK(result.survey->locales == std::vector<std::string>{"da"});
}

TEST_CASE("names are looked up without case, as SurveyJS does") {
    const auto survey = test::mustLoad(test::surveyWith(
        {{{"type", "boolean"}, {"name", "First"}}, {{"type", "boolean"}, {"name", "second"}, {"visibleIf", "{first} = true"}}}));
    CHECK(survey.indexOf("FIRST") == 0);
    CHECK(survey.indexOf("missing") == -1);
}

TEST_CASE("rating scales are generated from rateMin, rateMax and rateStep, or listed") {
    const auto survey = test::mustLoad(test::surveyWith(
        {{{"type", "rating"}, {"name", "r1"}, {"rateMin", 0}, {"rateMax", 10}, {"rateStep", 2}},
         {{"type", "rating"}, {"name", "r2"}, {"rateValues", {1, {{"value", 3}, {"text", "three"}}}}},
         {{"type", "rating"}, {"name", "r3"}}}));
    std::vector<double> values;
    for (const auto& c : survey.elements[0].choices) values.push_back(c.value.get<double>());
    CHECK(values == std::vector<double>{0, 2, 4, 6, 8, 10});
    CHECK(survey.elements[1].choices.size() == 2);
    CHECK(survey.elements[1].choices[1].text.text("da") == "three");
    CHECK(survey.elements[2].choices.size() == 5);
}

TEST_CASE("showNoneItem adds the none choice last, with the value \"none\"") {
    const auto survey = test::mustLoad(test::surveyWith(
        {{{"type", "radiogroup"}, {"name", "q"}, {"choices", {1, 2}}, {"showNoneItem", true}, {"noneText", {{"da", "Ved ikke"}}}}}));
    const auto& choices = survey.elements[0].choices;
    REQUIRE(choices.size() == 3);
    CHECK(choices[2].isNone);
    CHECK(choices[2].value == "none");
    CHECK(choices[2].text.text("da") == "Ved ikke");
}

TEST_CASE("free text is accepted only when the survey allows it") {
    auto definition = test::surveyWith({{{"type", "comment"}, {"name", "c"}}});
    CHECK_FALSE(shared::parseSurvey(definition.dump(), "t.json").ok());
    definition["allowFreeText"] = true;
    CHECK(shared::parseSurvey(definition.dump(), "t.json").ok());
}

TEST_CASE("a fractional rateStep gives the values survey-core gives, not float noise") {
    const auto survey = test::mustLoad(test::surveyWith(
        {{{"type", "rating"}, {"name", "r"}, {"rateMin", 0}, {"rateMax", 1}, {"rateStep", 0.1}},
         {{"type", "rating"}, {"name", "s"}, {"rateMin", 0.1}, {"rateMax", 0.7}, {"rateStep", 0.2}}}));
    std::vector<std::string> shown;
    for (const auto& c : survey.elements[0].choices) shown.push_back(c.text.text("da"));
    CHECK(shown == std::vector<std::string>{"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"});
    CHECK(survey.elements[0].findChoice(0.3) != nullptr);
    std::vector<double> values;
    for (const auto& c : survey.elements[1].choices) values.push_back(c.value.get<double>());
    CHECK(values == std::vector<double>{0.1, 0.3, 0.5, 0.7});
}

TEST_CASE("SurveyJS type names and switched-off features are accepted as SurveyJS accepts them") {
    const auto survey = test::mustLoad(test::surveyWith(
        {{{"type", "Rating"}, {"name", "r"}},
         {{"type", "RadioGroup"}, {"name", "g"}, {"choices", {"a", "b"}}, {"hasOther", false}, {"validators", json::array()}},
         {{"type", "html"}, {"name", "h"}, {"html", "x"}, {"isRequired", false}}}));
    CHECK(survey.elements[0].type == shared::ElementType::Rating);
    CHECK(survey.elements[1].type == shared::ElementType::Radiogroup);
}

TEST_CASE("identifying: a boolean marking a question's answer a quasi-identifier for exports; refused elsewhere") {
    json definition = test::surveyWith({{{"type", "radiogroup"}, {"name", "workplace"}, {"identifying", true}, {"choices", {"home", "day"}}},
                                        {{"type", "rating"}, {"name", "q1"}, {"rateMin", 1}, {"rateMax", 4}}});
    const shared::Survey survey = test::mustLoad(definition);
    CHECK(survey.elements[0].identifying);
    CHECK_FALSE(survey.elements[1].identifying);

    definition["pages"][0]["elements"][0]["identifying"] = "yes";
    auto wrongType = shared::parseSurvey(definition.dump(), "s.json");
    REQUIRE_FALSE(wrongType.ok());
    CHECK(wrongType.diagnostics.front().format().find("/identifying") != std::string::npos);

    json onHtml = test::surveyWith({{{"type", "html"}, {"name", "intro"}, {"html", "Hej"}, {"identifying", true}},
                                    {{"type", "rating"}, {"name", "q1"}, {"rateMin", 1}, {"rateMax", 4}}});
    auto refused = shared::parseSurvey(onHtml.dump(), "s.json");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.diagnostics.front().format().find("identifying has no meaning on an html element") != std::string::npos);
}
