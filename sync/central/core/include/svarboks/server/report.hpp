#pragma once
// Reports for the central team: participation, area profiles, level and answer distributions per unit,
// unit group and the whole municipality, for one survey version and a range of ISO weeks. The single
// place where figures are made fit to show: every caller (report CLI, dashboard, aggregate exports) gets
// a Report whose suppressed figures are already gone, so none of them can show one by mistake.
//
// Anonymity (DESIGN.md, docs/anonymity.md): a figure about fewer than k respondents is hidden ("fewer than
// k"), and a second one is hidden where the first could be worked out by subtraction. The figures of one
// report form a tree of sums: municipality = its groups, a group = its units, a unit = its weeks. Every
// statistic (respondents, respondents per area, per question) is such a tree; suppress() hides cells until
// no hidden cell's value follows from what is shown (see suppression.hpp). Weeks are never summed across
// units (no per-week municipality totals), so the table stays a tree and the guarantee is exact.
//
// Across reports and over time: a report is always of one released round (storage.hpp: Round) and one
// survey version. A released round is frozen (its responses, tallies and unit groups), rounds never share
// a week and versions never share a response, so every report a user can ask for is either the same table
// again or one about other people: no combination of reports, and no moment, tells more than one does.
// There are no free week ranges and no live figures of answers (the dashboard's live participation counts
// are in steps of k: rounds.hpp).
#include "svarboks/server/hidden.hpp"
#include "svarboks/server/policy.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/localized_text.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace svarboks::server {

inline constexpr int kDefaultK = kMinimumGroupSize;
inline constexpr int kMinimumK = kMinimumGroupSize;  ///< no report, page or download can ask for less

/// A number of respondents, or why it is hidden. `value` is 0 whenever hidden.
struct Count {
    Hidden hidden = Hidden::No;
    std::int64_t value = 0;
    [[nodiscard]] bool shown() const { return hidden == Hidden::No; }
    bool operator==(const Count&) const = default;
};

struct ReportRequest {
    std::string surveyId;        ///< "" = the only survey with responses (an error if there are several)
    std::string version;         ///< "" = the latest published version of the survey
    std::string round;           ///< a released round's id; "" = the latest released round (its k is the report's)
    bool weeks = false;          ///< participation per unit and week
    bool questions = false;      ///< answer distributions per question
    /// Units whose answer distributions (choice counts) are wanted; empty = every row's. The respondents
    /// per question are always there for every row, and suppression always looks at every unit: this
    /// only saves work.
    std::vector<std::string> questionUnits;
};

/// One scoring area of one row. Everything but `respondents` is empty when respondents is hidden.
struct AreaFigures {
    Count respondents;                  ///< respondents with a score in the area
    std::optional<double> meanScore;    ///< 0..1
    std::vector<std::int64_t> levels;   ///< respondents per level, in the survey's level order
};

/// One question of one row.
struct QuestionFigures {
    Count respondents;                  ///< respondents who answered it
    std::vector<std::int64_t> choices;  ///< per choice of QuestionInfo::choices; empty when hidden
};

/// One row: the municipality, a unit group or a unit.
struct ReportRow {
    enum class Kind { Total, Group, Unit };
    Kind kind = Kind::Unit;
    std::string id;      ///< unit id, group name; "" for the total
    std::string name;    ///< unit name, group name, "" for the total (the caller words it)
    std::string group;   ///< a unit's group ("" = none)
    Count respondents;
    std::vector<AreaFigures> areas;          ///< per ReportSurvey::areas
    std::vector<QuestionFigures> questions;  ///< per ReportSurvey::questions, when asked for
    std::vector<Count> weeks;                ///< per Report::weeks, units only, when asked for
};

struct ChoiceInfo {
    std::string value;      ///< as it appears in answers (JSON value as text: "3", "true", "often")
    shared::LocalizedText text;
};

struct QuestionInfo {
    std::string name;
    shared::LocalizedText title;
    bool multiple = false;  ///< checkbox: choice counts may add up to more than respondents
    std::vector<ChoiceInfo> choices;
};

struct AreaInfo {
    std::string id;
    shared::LocalizedText title;
};

struct LevelInfo {
    std::string id;
    shared::LocalizedText title;
};

struct ReportSurvey {
    std::string id;
    std::string version;
    std::string defaultLocale;
    shared::LocalizedText title;
    std::vector<AreaInfo> areas;
    std::vector<LevelInfo> levels;
    std::vector<QuestionInfo> questions;  ///< choice questions only (free text and numbers are never distributed)
};

struct Report {
    ReportSurvey survey;
    int k = kDefaultK;
    Round round;                     ///< the released round it is of
    std::vector<std::string> weeks;  ///< the ISO weeks of the round with any response, ascending (when asked)
    /// The municipality first, then each group followed by its units (groups and units by name; units
    /// without a group last, after a row for "no group" when there are groups at all).
    std::vector<ReportRow> rows;

    [[nodiscard]] const ReportRow* find(ReportRow::Kind kind, const std::string& id) const;
};

/// Builds a report from a released round's frozen tallies, with the group size k it was released with
/// (never below kMinimumK), in the stages of report_stages.hpp. Errors: no released round
/// (or an unknown or unreleased one named), unknown survey or version, several surveys and none named, a
/// store failure.
[[nodiscard]] Result<Report> buildReport(Storage& storage, const ReportRequest& request);

/// The released rounds, oldest first.
[[nodiscard]] Result<std::vector<Round>> releasedRounds(Storage& storage);

/// Rebuilds the tallies when the store holds responses from before tallies existed (Storage::talliesStale);
/// otherwise does nothing. Reports and `serve` call it first.
[[nodiscard]] shared::Status ensureTallies(Storage& storage);

}  // namespace svarboks::server
