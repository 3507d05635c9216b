#include "svarboks/server/report.hpp"

#include "svarboks/server/suppression.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/period.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace svarboks::server {

namespace {

struct Resolved {
    std::string surveyId;
    std::string version;
};

Result<Resolved> resolveSurvey(Storage& storage, const ReportRequest& request) {
    auto published = storage.surveys();
    if (!published) return published.error();
    std::vector<std::string> ids;
    for (const auto& survey : *published) {
        if (std::find(ids.begin(), ids.end(), survey.surveyId) == ids.end()) ids.push_back(survey.surveyId);
    }
    const auto list = [](const std::vector<std::string>& names) {
        std::string text;
        for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
        return text.empty() ? std::string("none") : text;
    };
    Resolved resolved{request.surveyId, request.version};
    if (resolved.surveyId.empty()) {
        if (ids.size() != 1) {
            return Error{ids.empty() ? std::string("no survey is published yet")
                                     : "several surveys are published (" + list(ids) + "); name one with --survey"};
        }
        resolved.surveyId = ids.front();
    } else if (std::find(ids.begin(), ids.end(), resolved.surveyId) == ids.end()) {
        return Error{"survey '" + resolved.surveyId + "' is not published (published: " + list(ids) + ")"};
    }
    std::vector<std::string> versions;
    for (const auto& survey : *published) {
        if (survey.surveyId == resolved.surveyId) versions.push_back(survey.version);
    }
    if (resolved.version.empty()) {
        resolved.version = versions.back();  // surveys() lists the oldest publication first
    } else if (std::find(versions.begin(), versions.end(), resolved.version) == versions.end()) {
        return Error{"survey '" + resolved.surveyId + "' has no published version '" + resolved.version + "' (published: " + list(versions) + ")"};
    }
    return resolved;
}

Result<std::shared_ptr<const shared::Survey>> loadSurvey(Storage& storage, const std::string& surveyId, const std::string& version) {
    auto definition = storage.surveyDefinition(surveyId, version);
    if (!definition) return definition.error();
    if (!*definition) return Error{"survey " + surveyId + " " + version + " is not published"};
    auto loaded = shared::parseSurvey(**definition, "published survey " + surveyId + " " + version);
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics) {
            if (d.severity == shared::Diagnostic::Severity::Error) return Error{d.format()};
        }
        return Error{"published survey " + surveyId + " " + version + " cannot be loaded"};
    }
    return std::make_shared<const shared::Survey>(std::move(*loaded.survey));
}

ReportSurvey describe(const shared::Survey& survey) {
    ReportSurvey info;
    info.id = survey.id;
    info.version = survey.version;
    info.defaultLocale = survey.defaultLocale;
    info.title = survey.title;
    if (survey.scoring) {
        for (const auto& area : survey.scoring->areas) info.areas.push_back({area.id, area.title});
        for (const auto& level : survey.scoring->levels) info.levels.push_back({level.id, level.title});
    }
    for (const auto& element : survey.elements) {
        if (!isDistributed(element)) continue;
        QuestionInfo question{element.name, element.title, element.type == shared::ElementType::Checkbox, {}};
        if (element.type == shared::ElementType::Boolean) {
            question.choices.push_back({"true", element.labelTrue});
            question.choices.push_back({"false", element.labelFalse});
        } else {
            for (const auto& choice : element.choices) question.choices.push_back({choiceValueText(choice.value), choice.text});
        }
        info.questions.push_back(std::move(question));
    }
    return info;
}

// The ISO weeks from a round's first to its last, in order.
std::vector<std::string> weeksOf(const Round& round) {
    using namespace std::chrono;
    const auto from = shared::parseIsoWeek(round.fromWeek);
    const auto to = shared::parseIsoWeek(round.toWeek);
    std::vector<std::string> list;
    if (!from || !to) return list;
    for (sys_days day = shared::mondayOf(*from);; day += weeks{1}) {
        const shared::IsoWeek week = shared::isoWeekOf(year_month_day{day});
        if (*to < week) break;
        list.push_back(week.toString());
    }
    return list;
}

Result<Round> resolveRound(Storage& storage, const std::string& asked) {
    auto released = releasedRounds(storage);
    if (!released) return released.error();
    if (released->empty()) {
        return Error{"no round has been released yet: figures exist only for released rounds "
                     "(svarboks-central rounds add, then rounds release once the round has ended)"};
    }
    if (asked.empty()) return released->back();
    for (const auto& round : *released) {
        if (round.id == asked) return round;
    }
    std::string names;
    for (const auto& round : *released) names += (names.empty() ? "" : ", ") + round.id;
    return Error{"round '" + asked + "' is not a released round (released: " + names + ")"};
}

template <typename T>
std::size_t indexIn(const std::vector<T>& items, const std::string& id) {
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].id == id) return i;
    }
    return items.size();
}

// The rows of a report and the tree of sums they form (municipality -> groups -> units), built once and
// reused for every statistic.
struct Layout {
    std::vector<ReportRow> rows;
    std::vector<int> parent;                    ///< per row: the row it adds up into, -1 for the total
    std::map<std::string, std::size_t> unitRow;  ///< unit id -> row
};

Layout layOut(const std::vector<Unit>& units) {
    Layout layout;
    layout.rows.push_back(ReportRow{ReportRow::Kind::Total, "", "", "", {}, {}, {}, {}});
    layout.parent.push_back(-1);
    std::map<std::string, std::vector<const Unit*>> byGroup;
    for (const auto& unit : units) byGroup[unit.group].push_back(&unit);
    const bool grouped = byGroup.size() > 1 || (byGroup.size() == 1 && !byGroup.begin()->first.empty());
    const auto byName = [](const Unit* a, const Unit* b) { return a->name != b->name ? a->name < b->name : a->id < b->id; };
    const auto addUnits = [&](std::vector<const Unit*>& members, int parent) {
        std::sort(members.begin(), members.end(), byName);
        for (const Unit* unit : members) {
            layout.unitRow[unit->id] = layout.rows.size();
            layout.rows.push_back(ReportRow{ReportRow::Kind::Unit, unit->id, unit->name, unit->group, {}, {}, {}, {}});
            layout.parent.push_back(parent);
        }
    };
    if (!grouped) {
        if (!byGroup.empty()) addUnits(byGroup.begin()->second, 0);
        return layout;
    }
    // Named groups first (std::map orders them), the units without a group last.
    const auto addGroup = [&](const std::string& name, std::vector<const Unit*>& members) {
        const int row = static_cast<int>(layout.rows.size());
        layout.rows.push_back(ReportRow{ReportRow::Kind::Group, name, name, "", {}, {}, {}, {}});
        layout.parent.push_back(0);
        addUnits(members, row);
    };
    for (auto& [name, members] : byGroup) {
        if (!name.empty()) addGroup(name, members);
    }
    if (auto ungrouped = byGroup.find(""); ungrouped != byGroup.end()) addGroup("", ungrouped->second);
    return layout;
}

// Builds the tree of one statistic over the rows (values per unit row; groups and total summed), plus
// optional extra leaves under units (weeks). Returns the tree; cell i is row i for i < rows.size().
SumTree rowTree(const Layout& layout, const std::vector<std::int64_t>& unitValues) {
    std::vector<std::int64_t> values(layout.rows.size(), 0);
    for (std::size_t i = layout.rows.size(); i-- > 0;) {
        values[i] += unitValues[i];
        if (layout.parent[i] >= 0) values[static_cast<std::size_t>(layout.parent[i])] += values[i];
    }
    SumTree tree;
    for (std::size_t i = 0; i < layout.rows.size(); ++i) tree.add(layout.parent[i], values[i]);
    return tree;
}

Count countOf(const SumTree& tree, const std::vector<Hidden>& hidden, std::size_t cell) {
    if (hidden[cell] != Hidden::No) return Count{hidden[cell], 0};
    return Count{Hidden::No, tree.value(static_cast<int>(cell))};
}

}  // namespace

const ReportRow* Report::find(ReportRow::Kind kind, const std::string& id) const {
    for (const auto& row : rows) {
        if (row.kind == kind && row.id == id) return &row;
    }
    return nullptr;
}

Result<Report> buildReport(Storage& storage, const ReportRequest& request) {
    auto round = resolveRound(storage, request.round);
    if (!round) return round.error();
    const int k = std::max(round->k, kMinimumK);
    auto resolved = resolveSurvey(storage, request);
    if (!resolved) return resolved.error();
    auto survey = loadSurvey(storage, resolved->surveyId, resolved->version);
    if (!survey) return survey.error();
    auto units = storage.units();
    auto roundUnits = storage.roundUnits(round->id);
    if (!units) return units.error();
    if (!roundUnits) return roundUnits.error();
    // The units the round was released with, in the groups they had then (a unit moved later is not
    // moved in a report that was shown already), under their names of today.
    std::vector<Unit> asReleased;
    for (const auto& member : *roundUnits) {
        const auto unit = std::find_if(units->begin(), units->end(), [&](const Unit& u) { return u.id == member.unitId; });
        asReleased.push_back({member.unitId, unit == units->end() ? member.unitId : unit->name, member.group});
    }

    Report report;
    report.survey = describe(**survey);
    report.k = k;
    report.round = *round;
    Layout layout = layOut(asReleased);
    const std::size_t rowCount = layout.rows.size();

    TallyQuery query{round->id, resolved->surveyId, resolved->version, kRespondents, true, {}};
    const auto rowOf = [&](const std::string& unitId) -> std::optional<std::size_t> {
        const auto found = layout.unitRow.find(unitId);
        if (found == layout.unitRow.end()) return std::nullopt;
        return found->second;
    };

    // Respondents: units and their weeks (the weeks always take part in the suppression, shown or not, so
    // that a report with weeks and one without hide the same units).
    std::vector<std::int64_t> respondents(rowCount, 0);
    std::vector<std::vector<std::pair<std::string, std::int64_t>>> unitWeeks(rowCount);
    if (Status s = storage.aggregateTallies(query, [&](const TallyRow& row) {
            const auto unit = rowOf(row.unitId);
            if (!unit) return;
            respondents[*unit] += row.count;
            unitWeeks[*unit].emplace_back(row.period, row.count);
        });
        !s) {
        return Error{s.message()};
    }
    SumTree tree = rowTree(layout, respondents);
    std::vector<std::pair<std::size_t, std::pair<std::string, int>>> weekCells;  // unit row, (week, cell)
    for (std::size_t r = 0; r < rowCount; ++r) {
        for (const auto& [week, count] : unitWeeks[r]) weekCells.push_back({r, {week, tree.add(static_cast<int>(r), count, CellKind::Part)}});
    }
    const std::vector<Hidden> respondentHidden = suppress(tree, k);
    std::vector<Inherited> inherited(rowCount);
    for (std::size_t r = 0; r < rowCount; ++r) {
        layout.rows[r].respondents = countOf(tree, respondentHidden, r);
        inherited[r].label = respondentHidden[r];
        if (respondentHidden[r] == Hidden::No) inherited[r].cap = tree.value(static_cast<int>(r));
    }
    if (request.weeks) {
        // Every week of the round, answered or not: a list of only the answered weeks would tell, for a survey
        // version nobody answered, that every hidden figure is 0.
        report.weeks = weeksOf(*round);
        for (auto& row : layout.rows) {
            // A week with no response shows as 0 (a unit's weeks are parts: CellKind::Part).
            if (row.kind == ReportRow::Kind::Unit) row.weeks.assign(report.weeks.size(), Count{});
        }
        for (const auto& [r, cell] : weekCells) {
            const auto column = static_cast<std::size_t>(std::lower_bound(report.weeks.begin(), report.weeks.end(), cell.first) - report.weeks.begin());
            layout.rows[r].weeks[column] = countOf(tree, respondentHidden, static_cast<std::size_t>(cell.second));
        }
        // A hidden unit shows no week either, not even an empty one (suppress() hid the others already).
        for (std::size_t r = 0; r < rowCount; ++r) {
            if (respondentHidden[r] == Hidden::No) continue;
            for (auto& week : layout.rows[r].weeks) week = Count{respondentHidden[r], 0};
        }
    }

    // One tree per area and per question, each starting from the rows hidden for respondents.
    const auto subjectTrees = [&](const char* kind, const std::vector<std::string>& subjects,
                                  std::vector<std::vector<std::int64_t>>& counts, std::vector<std::vector<double>>* sums) -> Status {
        counts.assign(subjects.size(), std::vector<std::int64_t>(rowCount, 0));
        if (sums != nullptr) sums->assign(subjects.size(), std::vector<double>(rowCount, 0.0));
        query.kind = kind;
        query.byPeriod = false;
        return storage.aggregateTallies(query, [&](const TallyRow& row) {
            const auto unit = rowOf(row.unitId);
            const auto subject = std::find(subjects.begin(), subjects.end(), row.subject);
            if (!unit || subject == subjects.end()) return;
            const auto s = static_cast<std::size_t>(subject - subjects.begin());
            counts[s][*unit] += row.count;
            if (sums != nullptr) (*sums)[s][*unit] += row.sum;
        });
    };
    // Adds unit values up into their groups and the total (rows come after the row they add into).
    const auto sumUp = [&](auto& values) {
        for (std::size_t i = rowCount; i-- > 1;) values[static_cast<std::size_t>(layout.parent[i])] += values[i];
    };

    std::vector<std::string> areaIds;
    for (const auto& area : report.survey.areas) areaIds.push_back(area.id);
    std::vector<std::vector<std::int64_t>> areaCounts;
    std::vector<std::vector<double>> areaSums;
    if (Status s = subjectTrees(kArea, areaIds, areaCounts, &areaSums); !s) return Error{s.message()};
    // Levels: per area, per level, per row.
    std::vector<std::vector<std::vector<std::int64_t>>> levelCounts(
        areaIds.size(), std::vector<std::vector<std::int64_t>>(report.survey.levels.size(), std::vector<std::int64_t>(rowCount, 0)));
    query.kind = kLevel;
    if (Status s = storage.aggregateTallies(query, [&](const TallyRow& row) {
            const auto unit = rowOf(row.unitId);
            const std::size_t area = indexIn(report.survey.areas, row.subject);
            const std::size_t level = indexIn(report.survey.levels, row.value);
            if (!unit || area >= areaIds.size() || level >= report.survey.levels.size()) return;
            levelCounts[area][level][*unit] += row.count;
        });
        !s) {
        return Error{s.message()};
    }
    for (auto& row : layout.rows) row.areas.resize(areaIds.size());
    for (std::size_t a = 0; a < areaIds.size(); ++a) {
        const SumTree areaTree = rowTree(layout, areaCounts[a]);
        const std::vector<Hidden> hidden = suppress(areaTree, k, inherited);
        sumUp(areaSums[a]);
        for (auto& levels : levelCounts[a]) sumUp(levels);
        for (std::size_t r = 0; r < rowCount; ++r) {
            AreaFigures& figures = layout.rows[r].areas[a];
            figures.respondents = countOf(areaTree, hidden, r);
            if (!figures.respondents.shown() || figures.respondents.value == 0) continue;
            figures.meanScore = areaSums[a][r] / static_cast<double>(figures.respondents.value);
            for (const auto& levels : levelCounts[a]) figures.levels.push_back(levels[r]);
        }
    }

    if (request.questions) {
        std::vector<std::string> names;
        for (const auto& question : report.survey.questions) names.push_back(question.name);
        std::vector<std::vector<std::int64_t>> answered;
        if (Status s = subjectTrees(kAnswered, names, answered, nullptr); !s) return Error{s.message()};
        // Choice counts only for the units asked for (a group's or the total's would need every unit's).
        std::vector<bool> wanted(rowCount, request.questionUnits.empty());
        query.units = request.questionUnits;
        for (const auto& unit : request.questionUnits) {
            if (const auto r = rowOf(unit)) wanted[*r] = true;
        }
        std::vector<std::vector<std::vector<std::int64_t>>> choiceCounts(names.size());
        for (std::size_t q = 0; q < names.size(); ++q) {
            choiceCounts[q].assign(report.survey.questions[q].choices.size(), std::vector<std::int64_t>(rowCount, 0));
        }
        query.kind = kChoice;
        if (Status s = storage.aggregateTallies(query, [&](const TallyRow& row) {
                const auto unit = rowOf(row.unitId);
                const auto name = std::find(names.begin(), names.end(), row.subject);
                if (!unit || name == names.end()) return;
                const auto q = static_cast<std::size_t>(name - names.begin());
                const auto& choices = report.survey.questions[q].choices;
                for (std::size_t c = 0; c < choices.size(); ++c) {
                    if (choices[c].value == row.value) choiceCounts[q][c][*unit] += row.count;
                }
            });
            !s) {
            return Error{s.message()};
        }
        for (auto& row : layout.rows) row.questions.resize(names.size());
        for (std::size_t q = 0; q < names.size(); ++q) {
            const SumTree questionTree = rowTree(layout, answered[q]);
            const std::vector<Hidden> hidden = suppress(questionTree, k, inherited);
            for (auto& counts : choiceCounts[q]) sumUp(counts);
            for (std::size_t r = 0; r < rowCount; ++r) {
                QuestionFigures& figures = layout.rows[r].questions[q];
                figures.respondents = countOf(questionTree, hidden, r);
                if (!figures.respondents.shown() || !wanted[r]) continue;
                for (const auto& counts : choiceCounts[q]) figures.choices.push_back(counts[r]);
            }
        }
    }
    report.rows = std::move(layout.rows);
    return report;
}

Result<std::vector<Round>> releasedRounds(Storage& storage) {
    auto rounds = storage.rounds();
    if (!rounds) return rounds.error();
    std::vector<Round> released;
    for (auto& round : *rounds) {
        if (round.released()) released.push_back(std::move(round));
    }
    return released;
}

Status ensureTallies(Storage& storage) {
    auto stale = storage.talliesStale();
    if (!stale) return stale.error();
    if (!*stale) return {};
    // Every published survey is loaded first: the rebuild holds the store's writer while it runs.
    auto published = storage.surveys();
    if (!published) return published.error();
    std::map<std::pair<std::string, std::string>, std::shared_ptr<const shared::Survey>> surveys;
    for (const auto& survey : *published) {
        auto loaded = loadSurvey(storage, survey.surveyId, survey.version);
        if (!loaded) return loaded.error();
        surveys.emplace(std::make_pair(survey.surveyId, survey.version), std::move(*loaded));
    }
    return storage.rebuildTallies([&](const StoredResponse& response) -> Result<std::vector<Tally>> {
        const auto found = surveys.find(std::make_pair(response.surveyId, response.surveyVersion));
        if (found == surveys.end()) return Error{"response " + response.id + ": survey " + response.surveyId + " " + response.surveyVersion + " is not published"};
        auto answers = nlohmann::json::parse(response.answersJson, nullptr, false);
        if (answers.is_discarded()) return Error{"response " + response.id + ": its stored answers are not JSON"};
        return responseTallies(*found->second, answers);
    });
}

}  // namespace svarboks::server
