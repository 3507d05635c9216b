// The respondent's own profile: a mean per area mapped onto levels.
#include "svarboks/shared/scoring.hpp"
#include "svarboks/shared/survey_state.hpp"
#include "test_helpers.hpp"

using namespace svarboks;
using nlohmann::json;

namespace {

json scoredSurvey() {
    json definition = test::surveyWith({
        {{"type", "radiogroup"}, {"name", "s1"}, {"competence", "4.1"}, {"choices", {1, 2, 3, 4}}, {"showNoneItem", true}},
        {{"type", "radiogroup"}, {"name", "s2"}, {"competence", "4.2"}, {"choices", {1, 2, 3, 4}}, {"showNoneItem", true}},
        {{"type", "rating"}, {"name", "p1"}, {"competence", "5.1"}, {"rateMin", 1}, {"rateMax", 5}},
        {{"type", "boolean"}, {"name", "p2"}, {"competence", "5.2"}},
    });
    definition["scoring"] = {
        {"areas", {{{"id", "safety"}, {"title", "Safety"}, {"competences", {"4.1", "4.2"}}},
                   {{"id", "problems"}, {"title", "Problems"}, {"competences", {"5.1", "5.2"}}}}},
        {"levels", {{{"id", "low"}, {"min", 0}, {"title", "Low"}}, {{"id", "mid"}, {"min", 0.5}, {"title", "Mid"}},
                    {{"id", "high"}, {"min", 0.8}, {"title", "High"}}}},
        {"advice", {{"safety", {{"low", "Start here"}, {"mid", "Keep going"}, {"high", "Help others"}}},
                    {"problems", {{"low", "a"}, {"mid", "b"}, {"high", "c"}}}}}};
    return definition;
}

shared::Profile profileOf(const shared::Survey& survey, const json& answers) {
    return shared::scoreProfile(survey, shared::toSlots(survey, answers));
}

}  // namespace

TEST_CASE("each answer maps onto 0..1 between the lowest and highest option") {
    const auto survey = test::mustLoad(scoredSurvey());
    CHECK(shared::itemScore(survey.elements[0], 1) == 0.0);
    CHECK(shared::itemScore(survey.elements[0], 4) == 1.0);
    CHECK(*shared::itemScore(survey.elements[0], 2) == doctest::Approx(1.0 / 3));
    CHECK_FALSE(shared::itemScore(survey.elements[0], "none").has_value());
    CHECK(shared::itemScore(survey.elements[2], 4) == 0.75);
    CHECK(shared::itemScore(survey.elements[3], true) == 1.0);
}

TEST_CASE("the area score is the mean of answered items; don't-know answers are left out") {
    const auto survey = test::mustLoad(scoredSurvey());
    const auto profile = profileOf(survey, {{"s1", 4}, {"s2", "none"}, {"p1", 1}, {"p2", true}});
    REQUIRE(profile.areas.size() == 2);
    CHECK(profile.areas[0].answered == 1);
    CHECK(profile.areas[0].score == 1.0);
    CHECK(profile.areas[0].level == 2u);
    CHECK(profile.areas[1].answered == 2);
    CHECK(profile.areas[1].score == 0.5);
    CHECK(profile.areas[1].level == 1u);  // exactly at a level's min reaches it
    const auto shown = shared::profileToJson(survey, profile, "da");
    CHECK(shown[0]["advice"] == "Help others");
    CHECK(shown[1]["levelTitle"] == "Mid");
}

TEST_CASE("an area with nothing answered has no score and no level") {
    const auto survey = test::mustLoad(scoredSurvey());
    const auto profile = profileOf(survey, {{"s1", "none"}});
    CHECK_FALSE(profile.areas[0].score.has_value());
    CHECK_FALSE(profile.areas[0].level.has_value());
    CHECK(shared::profileToJson(survey, profile, "da")[0]["level"].is_null());
}
