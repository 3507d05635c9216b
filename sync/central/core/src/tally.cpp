#include "svarboks/server/tally.hpp"

#include "svarboks/shared/scoring.hpp"
#include "svarboks/shared/survey_state.hpp"

namespace svarboks::server {

bool isDistributed(const shared::Element& element) {
    switch (element.type) {
        case shared::ElementType::Rating:
        case shared::ElementType::Radiogroup:
        case shared::ElementType::Checkbox:
        case shared::ElementType::Boolean: return true;
        default: return false;
    }
}

std::string choiceValueText(const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

std::vector<Tally> responseTallies(const shared::Survey& survey, const nlohmann::json& answers) {
    std::vector<Tally> tallies;
    tallies.push_back(Tally{kRespondents, "", "", 0});
    const shared::AnswerSlots slots = shared::toSlots(survey, answers);

    if (survey.scoring) {
        const shared::Profile profile = shared::scoreProfile(survey, slots);
        for (const auto& area : profile.areas) {
            if (!area.score) continue;
            const std::string& id = survey.scoring->areas[area.area].id;
            tallies.push_back(Tally{kArea, id, "", *area.score});
            if (area.level) tallies.push_back(Tally{kLevel, id, survey.scoring->levels[*area.level].id, 0});
        }
    }
    for (std::size_t i = 0; i < survey.elements.size() && i < slots.size(); ++i) {
        const shared::Element& element = survey.elements[i];
        const nlohmann::json& answer = slots[i];
        if (!element.isQuestion() || answer.is_null()) continue;
        tallies.push_back(Tally{kAnswered, element.name, "", 0});
        if (!isDistributed(element)) continue;
        if (answer.is_array()) {
            for (const auto& chosen : answer) tallies.push_back(Tally{kChoice, element.name, choiceValueText(chosen), 0});
        } else {
            tallies.push_back(Tally{kChoice, element.name, choiceValueText(answer), 0});
        }
    }
    return tallies;
}

}  // namespace svarboks::server
