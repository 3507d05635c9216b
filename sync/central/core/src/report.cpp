#include "svarboks/server/report.hpp"

#include "svarboks/server/report_stages.hpp"
#include "svarboks/server/suppression.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/period.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <span>

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

// Adds the units' values up into their groups and the municipality (rows come after the row they add into).
template <typename T>
void addUp(const Layout& layout, std::vector<T>& values) {
    for (std::size_t i = layout.rows.size(); i-- > 1;) values[static_cast<std::size_t>(layout.parent[i])] += values[i];
}

// The tree of one statistic over the rows (its counts summed already): cell i is row i.
SumTree treeOf(const Layout& layout, const RowCounts& counts) {
    SumTree tree;
    for (std::size_t i = 0; i < layout.rows.size(); ++i) tree.add(layout.parent[i], counts[i]);
    return tree;
}

SuppressedTree suppressed(SumTree tree, int k, std::span<const Inherited> inherited = {}) {
    std::vector<Hidden> hidden = suppress(tree, k, inherited);
    return {std::move(tree), std::move(hidden)};
}

// The respondents' rows for the trees that count some of them (an area's or a question's): a row hidden
// here is hidden there under the same label, and a shown row caps its cells there.
std::vector<Inherited> inheritedFrom(const SuppressedTree& respondents, std::size_t rowCount) {
    std::vector<Inherited> inherited(rowCount);
    for (std::size_t r = 0; r < rowCount; ++r) {
        inherited[r].label = respondents.hidden[r];
        if (respondents.hidden[r] == Hidden::No) inherited[r].cap = respondents.tree.value(static_cast<int>(r));
    }
    return inherited;
}

// Reads one kind of the round's tallies: each tally row of a unit in the round, with that unit's report row.
Status readKind(Storage& storage, const TallyQuery& query, const Layout& layout,
                const std::function<void(std::size_t unitRow, const TallyRow& row)>& add) {
    return storage.aggregateTallies(query, [&](const TallyRow& row) {
        if (const auto unit = layout.rowOf(row.unitId)) add(*unit, row);
    });
}

void shapeWeeks(Report& report, const RoundCounts& counts, const Suppression& suppression) {
    // Every week of the round, answered or not: a list of only the answered weeks would tell, for a survey
    // version nobody answered, that every hidden figure is 0.
    report.weeks = weeksOf(report.round);
    for (auto& row : report.rows) {
        // A week with no response shows as 0 (a unit's weeks are parts: CellKind::Part).
        if (row.kind == ReportRow::Kind::Unit) row.weeks.assign(report.weeks.size(), Count{});
    }
    for (std::size_t r = 0; r < report.rows.size(); ++r) {
        for (std::size_t w = 0; w < counts.weeks[r].size(); ++w) {
            const auto column = std::lower_bound(report.weeks.begin(), report.weeks.end(), counts.weeks[r][w].week) - report.weeks.begin();
            report.rows[r].weeks[static_cast<std::size_t>(column)] = suppression.respondents.count(static_cast<std::size_t>(suppression.weekCells[r][w]));
        }
    }
    // A hidden unit shows no week either, not even an empty one (suppress() hid the others already).
    for (std::size_t r = 0; r < report.rows.size(); ++r) {
        const Hidden label = suppression.respondents.hidden[r];
        if (label == Hidden::No) continue;
        for (auto& week : report.rows[r].weeks) week = Count{label, 0};
    }
}

void shapeAreas(Report& report, const RoundCounts& counts, const Suppression& suppression) {
    for (auto& row : report.rows) row.areas.resize(counts.areas.size());
    for (std::size_t a = 0; a < counts.areas.size(); ++a) {
        const AreaCounts& area = counts.areas[a];
        for (std::size_t r = 0; r < report.rows.size(); ++r) {
            AreaFigures& figures = report.rows[r].areas[a];
            figures.respondents = suppression.areas[a].count(r);
            if (!figures.respondents.shown() || figures.respondents.value == 0) continue;
            figures.meanScore = area.scoreSums[r] / static_cast<double>(figures.respondents.value);
            for (const auto& level : area.levels) figures.levels.push_back(level[r]);
        }
    }
}

void shapeQuestions(Report& report, const Layout& layout, const RoundCounts& counts, const Suppression& suppression,
                    const std::vector<std::string>& questionUnits) {
    // Choice counts only for the units asked for (a group's or the total's would need every unit's).
    std::vector<bool> wanted(report.rows.size(), questionUnits.empty());
    for (const auto& unit : questionUnits) {
        if (const auto r = layout.rowOf(unit)) wanted[*r] = true;
    }
    for (auto& row : report.rows) row.questions.resize(counts.questions.size());
    for (std::size_t q = 0; q < counts.questions.size(); ++q) {
        for (std::size_t r = 0; r < report.rows.size(); ++r) {
            QuestionFigures& figures = report.rows[r].questions[q];
            figures.respondents = suppression.questions[q].count(r);
            if (!figures.respondents.shown() || !wanted[r]) continue;
            for (const auto& choice : counts.questions[q].choices) figures.choices.push_back(choice[r]);
        }
    }
}

}  // namespace

const ReportRow* Report::find(ReportRow::Kind kind, const std::string& id) const {
    for (const auto& row : rows) {
        if (row.kind == kind && row.id == id) return &row;
    }
    return nullptr;
}

Result<ReportScope> resolveScope(Storage& storage, const ReportRequest& request) {
    auto round = resolveRound(storage, request.round);
    if (!round) return round.error();
    auto resolved = resolveSurvey(storage, request);
    if (!resolved) return resolved.error();
    auto survey = loadSurvey(storage, resolved->surveyId, resolved->version);
    if (!survey) return survey.error();
    auto units = storage.units();
    auto roundUnits = storage.roundUnits(round->id);
    if (!units) return units.error();
    if (!roundUnits) return roundUnits.error();
    ReportScope scope;
    scope.k = std::max(round->k, kMinimumK);
    scope.round = std::move(*round);
    scope.survey = describe(**survey);
    for (const auto& member : *roundUnits) {
        const auto unit = std::find_if(units->begin(), units->end(), [&](const Unit& u) { return u.id == member.unitId; });
        scope.units.push_back({member.unitId, unit == units->end() ? member.unitId : unit->name, member.group});
    }
    return scope;
}

std::optional<std::size_t> Layout::rowOf(const std::string& unitId) const {
    const auto found = unitRow.find(unitId);
    if (found == unitRow.end()) return std::nullopt;
    return found->second;
}

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

Result<RoundCounts> readTallies(Storage& storage, const ReportScope& scope, const Layout& layout, const ReportRequest& request) {
    const std::size_t rowCount = layout.rows.size();
    const ReportSurvey& survey = scope.survey;
    RoundCounts counts;
    counts.respondents.assign(rowCount, 0);
    counts.weeks.resize(rowCount);
    TallyQuery query{scope.round.id, survey.id, survey.version, kRespondents, true, {}};
    if (Status s = readKind(storage, query, layout, [&](std::size_t unit, const TallyRow& row) {
            counts.respondents[unit] += row.count;
            counts.weeks[unit].push_back({row.period, row.count});
        });
        !s) {
        return Error{s.message()};
    }

    query.byPeriod = false;
    counts.areas.assign(survey.areas.size(), AreaCounts{RowCounts(rowCount, 0), std::vector<double>(rowCount, 0.0),
                                                        std::vector<RowCounts>(survey.levels.size(), RowCounts(rowCount, 0))});
    query.kind = kArea;
    if (Status s = readKind(storage, query, layout, [&](std::size_t unit, const TallyRow& row) {
            const std::size_t area = indexIn(survey.areas, row.subject);
            if (area >= survey.areas.size()) return;
            counts.areas[area].respondents[unit] += row.count;
            counts.areas[area].scoreSums[unit] += row.sum;
        });
        !s) {
        return Error{s.message()};
    }
    query.kind = kLevel;
    if (Status s = readKind(storage, query, layout, [&](std::size_t unit, const TallyRow& row) {
            const std::size_t area = indexIn(survey.areas, row.subject);
            const std::size_t level = indexIn(survey.levels, row.value);
            if (area >= survey.areas.size() || level >= survey.levels.size()) return;
            counts.areas[area].levels[level][unit] += row.count;
        });
        !s) {
        return Error{s.message()};
    }

    if (!request.questions) return counts;
    const auto questionOf = [&](const std::string& name) {
        const auto found = std::find_if(survey.questions.begin(), survey.questions.end(), [&](const QuestionInfo& q) { return q.name == name; });
        return static_cast<std::size_t>(found - survey.questions.begin());
    };
    for (const auto& question : survey.questions) {
        counts.questions.push_back({RowCounts(rowCount, 0), std::vector<RowCounts>(question.choices.size(), RowCounts(rowCount, 0))});
    }
    query.kind = kAnswered;
    if (Status s = readKind(storage, query, layout, [&](std::size_t unit, const TallyRow& row) {
            if (const std::size_t q = questionOf(row.subject); q < survey.questions.size()) counts.questions[q].answered[unit] += row.count;
        });
        !s) {
        return Error{s.message()};
    }
    query.kind = kChoice;
    query.units = request.questionUnits;
    if (Status s = readKind(storage, query, layout, [&](std::size_t unit, const TallyRow& row) {
            const std::size_t q = questionOf(row.subject);
            if (q >= survey.questions.size()) return;
            const auto& choices = survey.questions[q].choices;
            for (std::size_t c = 0; c < choices.size(); ++c) {
                if (choices[c].value == row.value) counts.questions[q].choices[c][unit] += row.count;
            }
        });
        !s) {
        return Error{s.message()};
    }
    return counts;
}

void sumUp(const Layout& layout, RoundCounts& counts) {
    addUp(layout, counts.respondents);
    for (auto& area : counts.areas) {
        addUp(layout, area.respondents);
        addUp(layout, area.scoreSums);
        for (auto& level : area.levels) addUp(layout, level);
    }
    for (auto& question : counts.questions) {
        addUp(layout, question.answered);
        for (auto& choice : question.choices) addUp(layout, choice);
    }
}

Count SuppressedTree::count(std::size_t cell) const {
    if (hidden[cell] != Hidden::No) return Count{hidden[cell], 0};
    return Count{Hidden::No, tree.value(static_cast<int>(cell))};
}

Suppression suppressFigures(const Layout& layout, const RoundCounts& counts, int k) {
    const std::size_t rowCount = layout.rows.size();
    Suppression suppression;
    SumTree respondents = treeOf(layout, counts.respondents);
    suppression.weekCells.resize(rowCount);
    for (std::size_t r = 0; r < rowCount; ++r) {
        for (const auto& week : counts.weeks[r]) {
            suppression.weekCells[r].push_back(respondents.add(static_cast<int>(r), week.respondents, CellKind::Part));
        }
    }
    suppression.respondents = suppressed(std::move(respondents), k);
    const std::vector<Inherited> inherited = inheritedFrom(suppression.respondents, rowCount);
    for (const auto& area : counts.areas) suppression.areas.push_back(suppressed(treeOf(layout, area.respondents), k, inherited));
    for (const auto& question : counts.questions) suppression.questions.push_back(suppressed(treeOf(layout, question.answered), k, inherited));
    return suppression;
}

Report shapeReport(ReportScope scope, Layout layout, const RoundCounts& counts, const Suppression& suppression, const ReportRequest& request) {
    Report report;
    report.survey = std::move(scope.survey);
    report.k = scope.k;
    report.round = std::move(scope.round);
    report.rows = std::move(layout.rows);
    for (std::size_t r = 0; r < report.rows.size(); ++r) report.rows[r].respondents = suppression.respondents.count(r);
    if (request.weeks) shapeWeeks(report, counts, suppression);
    shapeAreas(report, counts, suppression);
    if (request.questions) shapeQuestions(report, layout, counts, suppression, request.questionUnits);
    return report;
}

Result<Report> buildReport(Storage& storage, const ReportRequest& request) {
    auto scope = resolveScope(storage, request);
    if (!scope) return scope.error();
    Layout layout = layOut(scope->units);
    auto counts = readTallies(storage, *scope, layout, request);
    if (!counts) return counts.error();
    sumUp(layout, *counts);
    const Suppression suppression = suppressFigures(layout, *counts, scope->k);
    return shapeReport(std::move(*scope), std::move(layout), *counts, suppression, request);
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
