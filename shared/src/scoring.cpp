#include "svarboks/shared/scoring.hpp"

#include <algorithm>

namespace svarboks::shared {

namespace {

using nlohmann::json;

std::optional<double> between(double value, double low, double high) {
    if (high <= low) return std::nullopt;
    return std::clamp((value - low) / (high - low), 0.0, 1.0);
}

}  // namespace

std::optional<double> itemScore(const Element& element, const json& answer) {
    if (element.competence.empty() || answer.is_null()) return std::nullopt;
    switch (element.type) {
        case ElementType::Boolean:
            if (!answer.is_boolean()) return std::nullopt;
            return answer.get<bool>() ? 1.0 : 0.0;
        case ElementType::Number:
            if (!answer.is_number() || !element.min || !element.max) return std::nullopt;
            return between(answer.get<double>(), *element.min, *element.max);
        case ElementType::Rating:
        case ElementType::Radiogroup: {
            const Choice* chosen = element.findChoice(answer);
            if (!chosen || chosen->isNone || !answer.is_number()) return std::nullopt;
            double low = 0;
            double high = 0;
            bool first = true;
            for (const auto& choice : element.choices) {
                if (choice.isNone || !choice.value.is_number()) continue;
                const double value = choice.value.get<double>();
                low = first ? value : std::min(low, value);
                high = first ? value : std::max(high, value);
                first = false;
            }
            return between(answer.get<double>(), low, high);
        }
        default: return std::nullopt;
    }
}

Profile scoreProfile(const Survey& survey, std::span<const json> answers) {
    Profile profile;
    if (!survey.scoring) return profile;
    const auto& scoring = *survey.scoring;
    std::vector<double> sums(scoring.areas.size(), 0.0);
    profile.areas.resize(scoring.areas.size());
    for (std::size_t a = 0; a < scoring.areas.size(); ++a) profile.areas[a].area = a;
    for (std::size_t i = 0; i < survey.elements.size() && i < answers.size(); ++i) {
        const Element& element = survey.elements[i];
        const auto score = itemScore(element, answers[i]);
        if (!score) continue;
        for (std::size_t a = 0; a < scoring.areas.size(); ++a) {
            const auto& competences = scoring.areas[a].competences;
            if (std::find(competences.begin(), competences.end(), element.competence) == competences.end()) continue;
            sums[a] += *score;
            profile.areas[a].answered += 1;
        }
    }
    for (std::size_t a = 0; a < profile.areas.size(); ++a) {
        auto& area = profile.areas[a];
        if (area.answered == 0) continue;
        area.score = sums[a] / area.answered;
        for (std::size_t l = 0; l < scoring.levels.size(); ++l) {
            // A small tolerance so that a mean such as 0.3 (from 0.1 + 0.2 + ...) reaches a level of min 0.3.
            if (*area.score + 1e-9 >= scoring.levels[l].min) area.level = l;
        }
    }
    return profile;
}

json profileToJson(const Survey& survey, const Profile& profile, const std::string& locale) {
    json out = json::array();
    if (!survey.scoring) return out;
    const auto& scoring = *survey.scoring;
    for (const auto& area : profile.areas) {
        const auto& definition = scoring.areas[area.area];
        json item = {{"area", definition.id},
                     {"title", definition.title.text(locale, survey.defaultLocale)},
                     {"answered", area.answered},
                     {"score", area.score ? json(*area.score) : json(nullptr)},
                     {"level", area.level ? json(scoring.levels[*area.level].id) : json(nullptr)},
                     {"levelTitle", area.level ? json(scoring.levels[*area.level].title.text(locale, survey.defaultLocale)) : json(nullptr)},
                     {"advice", area.level ? json(scoring.advice[area.area][*area.level].text(locale, survey.defaultLocale)) : json(nullptr)}};
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace svarboks::shared
