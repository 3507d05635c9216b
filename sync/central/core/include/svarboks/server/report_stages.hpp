#pragma once
// buildReport() (report.hpp) as the stages it runs, each a function of what the one before made, so that a
// reviewer can check, and a test can run, one at a time. Callers want buildReport(); this is for its tests.
//
//   1. resolveScope     the request -> what the report is of: a released round, its k, a survey version,
//                       the round's units in the groups they had at its release             (reads the store)
//   2. layOut           those units -> the report's rows and the tree of sums they form
//   3. readTallies      the round's frozen tallies -> every statistic's count per unit row   (reads the store)
//   4. sumUp            the units' counts added up into their groups and the municipality
//   5. suppressFigures  the summed counts -> which cells are hidden (suppression.hpp), statistic by statistic
//   6. shapeReport      counts and labels -> the Report, with nothing of a hidden cell in it
//
// Only the cells of stage 5 decide what is shown: stage 6 copies a count only where its label says so.
#include "svarboks/server/report.hpp"
#include "svarboks/server/suppression.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace svarboks::server {

/// What a report is of (stage 1).
struct ReportScope {
    Round round;             ///< the released round
    int k = kDefaultK;       ///< the round's, never below kMinimumK
    ReportSurvey survey;     ///< the survey version: its areas, levels and distributed questions
    /// The units the round was released with, in the groups they had then (a unit moved later is not moved
    /// in a report that was shown already), under their names of today.
    std::vector<Unit> units;
};

/// Stage 1. Errors: no released round (or an unknown or unreleased one named), unknown survey or version,
/// several surveys and none named, a store failure.
[[nodiscard]] Result<ReportScope> resolveScope(Storage& storage, const ReportRequest& request);

/// The rows of a report and the tree of sums they form (municipality -> groups -> units), built once and
/// used for every statistic (stage 2). A row always comes after the row it adds up into.
struct Layout {
    /// The municipality first, then each group followed by its units (report.hpp: Report::rows), with their
    /// kind, id, name and group only.
    std::vector<ReportRow> rows;
    std::vector<int> parent;                     ///< per row: the row it adds up into, -1 for the municipality
    std::map<std::string, std::size_t> unitRow;  ///< unit id -> row

    /// The row of a unit; nullopt for a unit that is not in the round.
    [[nodiscard]] std::optional<std::size_t> rowOf(const std::string& unitId) const;
};

/// Stage 2. Groups appear only when some unit has one; then the units without a group are last, under a
/// "no group" row. Groups and units by name (units with the same name by id).
[[nodiscard]] Layout layOut(const std::vector<Unit>& units);

/// A count per row of a Layout.
using RowCounts = std::vector<std::int64_t>;

/// One week of a unit with responses.
struct WeekCount {
    std::string week;  ///< ISO week
    std::int64_t respondents = 0;
};

/// One scoring area's counts.
struct AreaCounts {
    RowCounts respondents;               ///< respondents with a score in the area
    std::vector<double> scoreSums;       ///< per row: the sum of their scores (0..1 each)
    std::vector<RowCounts> levels;       ///< per level of ReportSurvey::levels
};

/// One question's counts.
struct QuestionCounts {
    RowCounts answered;                  ///< respondents who answered it
    std::vector<RowCounts> choices;      ///< per choice of QuestionInfo::choices
};

/// Every statistic of a report, counted per row: stage 3 fills the unit rows, stage 4 the others.
struct RoundCounts {
    RowCounts respondents;
    std::vector<std::vector<WeekCount>> weeks;  ///< per row: a unit's weeks with responses, as read (never summed)
    std::vector<AreaCounts> areas;              ///< per ReportSurvey::areas
    std::vector<QuestionCounts> questions;      ///< per ReportSurvey::questions; empty unless questions are asked for
};

/// Stage 3: the round's frozen tallies of the scope's survey version, per unit row (the other rows 0). Every
/// unit's weeks are read, whether the request shows weeks or not: they always take part in the suppression,
/// so that a report with weeks and one without hide the same units. The choice counts are of the units in
/// request.questionUnits only (all when empty). Errors: a store failure.
[[nodiscard]] Result<RoundCounts> readTallies(Storage& storage, const ReportScope& scope, const Layout& layout, const ReportRequest& request);

/// Stage 4: adds every unit's counts up into its group and the municipality (weeks stay with their unit).
void sumUp(const Layout& layout, RoundCounts& counts);

/// One statistic's tree of sums and its labels (stage 5): cell i is row i for the rows of the Layout.
struct SuppressedTree {
    SumTree tree;
    std::vector<Hidden> hidden;  ///< per cell

    /// The cell as a reader gets it: its count, or its label and 0.
    [[nodiscard]] Count count(std::size_t cell) const;
};

/// What stage 5 decided, statistic by statistic.
struct Suppression {
    /// The respondents: the rows, then each unit's weeks as parts of it (CellKind::Part).
    SuppressedTree respondents;
    std::vector<std::vector<int>> weekCells;  ///< per row, per RoundCounts::weeks of that row: its cell
    std::vector<SuppressedTree> areas;        ///< per area
    std::vector<SuppressedTree> questions;    ///< per question (respondents who answered it)
};

/// Stage 5. The respondents first; every area and question tree then starts from them: a row hidden for
/// respondents is hidden there under the same label, and a shown row's respondents cap its cells
/// (suppression.hpp: Inherited).
[[nodiscard]] Suppression suppressFigures(const Layout& layout, const RoundCounts& counts, int k);

/// Stage 6: the report, every figure taken from `counts` only where `suppression` shows its cell. A hidden
/// area has no mean and no levels, a hidden question no choices; a shown count of 0 has no mean. With
/// request.weeks, every week of the round is a column (a week without responses shows 0) and a hidden unit's
/// weeks carry its label. Choices only for the rows of request.questionUnits (all when empty).
[[nodiscard]] Report shapeReport(ReportScope scope, Layout layout, const RoundCounts& counts, const Suppression& suppression,
                                 const ReportRequest& request);

}  // namespace svarboks::server
