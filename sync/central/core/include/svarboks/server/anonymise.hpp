#pragma once
// k-anonymity for record-level exports (issue 12): every combination of quasi-identifiers an export shows
// is shared by at least k rows. Pure: no storage, no I/O; the export code calls it in two passes.
//
//   KAnonymiser anonymiser(k, {"workplace"});
//   for (each response) anonymiser.add(quasiIdentifiersOf(response));      // pass 1
//   const auto plan = anonymiser.plan();                                     // what to generalise
//   for (each response) if (auto shown = anonymiser.apply(quasiIdentifiersOf(response))) write(*shown, ...);
//
// An export is of one survey version and one reporting round, so the version is constant and the period
// hierarchy is week -> round. The quasi-identifiers and their hierarchies (the levels of Generalisation):
//   unit         0 the unit          1 its group (kNoGroup for a unit with none)   2 the municipality (kAny)
//   period       0 the ISO week      1 the whole round (kWholeRound)
//   locale       0 as given          1 any (kAny)
//   each identifying question (the survey marks it so, e.g. "where do you work?")
//                0 the answer as text ("" = unanswered, a value like any other)    1 withheld (kAny)
//
// Method (ARX's lattice search for full-domain generalisation, then record suppression with a limit, as
// ARX and sdcMicro do): the nodes of the lattice (3 x 2 x 2 x 2^q, q at most 4: 192 nodes) are evaluated
// on the distinct tuples in the order below until the first cost with a valid node is done. A node's
// classes are the rows sharing every generalised value; the rows in classes smaller than k would be
// withheld, and the node is valid when they are at most floor(maxWithheldShare x rows). Among the valid
// nodes plan() takes the one first in this order:
//   1. the least information lost, Generalisation::cost(): each unit step 4, the week 2, each identifying
//      question 2, the locale 1. Analysts ask for units first (every dashboard and decision is by unit),
//      so giving up the week, the locale and one identifying answer together (5) is still cheaper than
//      one unit step; the municipality (8) is a last resort. An identifying answer such as a workplace is
//      finer than a unit and weighs like the week.
//   2. the fewest withheld rows;
//   3. the lexicographically smallest levels (unit, period, locale, identifying...): at a tie the unit is
//      kept before the week, the week before the locale. Fixed, so plans are reproducible.
// Rows still in classes smaller than k are withheld whole, as ARX does (sdcMicro blanks single values
// instead; a row with a blanked unit would stand in a class of the few rows so blanked). The top node is
// everything generalised, one class of all rows, so it is always valid unless the export has fewer than
// k rows; then every row is withheld. plan() costs O(nodes x distinct tuples): milliseconds for a round of
// 1,000 units x 13 weeks x 2 languages with one or two identifying choice questions, seconds when four
// identifying questions with rare answers make nearly every row distinct (see the risks below).
//
// The suppression limit, 5 % by default (ARX and sdcMicro leave it to the user): withheld rows are not a
// random sample but precisely the small units, the rare languages and the rare answers, so withholding
// biases every analysis of the export. 5 % bounds that bias while still sparing a whole round's units or
// weeks for the sake of a handful of rows; the explanation says how many rows were withheld, so an
// analyst can weigh it, and the dashboard's suppressed figures still count every response.
//
// No group: all units without one (group "") are pooled as one group, kNoGroup, at every level. Safe:
// k-anonymity is judged on the values shown, and the pooled rows form classes like any group's, which
// must reach k like any other (if only one unit has no group, kNoGroup names it, but then only in classes
// of at least k rows, as at level 0). Pooling rather than one group per such unit withholds fewer rows.
// A real group named kNoGroup is shown merged with the pool, which can only make classes larger. At level
// 0 a row's group is kept beside its unit and is part of its class, so an export may show both columns.
//
// Deterministic: the plan depends only on the multiset of tuples (counts, never the order of add() or
// internal ids), so the export's row order does not matter. Memory: proportional to the distinct finest
// tuples and values, not to rows. Not thread-safe: one anonymiser per export, used from one thread.
//
// What this does not do (the caller's part, or known limits):
// - l-diversity: a class of k rows who all gave the same answer to a question discloses that answer for
//   each of them without singling anyone out. Not checked here.
// - Withheld rows can be worked out by subtraction where the same respondents are counted elsewhere:
//   a dashboard total for a unit, group or round minus the rows of that unit, group or round in the export
//   gives the withheld rows' answers as a sum over fewer than k people.
// - The order of the rows written must not reveal what was generalised: a round is read by unit and week,
//   so the export must sort the rows anew (by the generalised values and then the response id).
// - Two exports of the same round with different data or k may generalise differently and be joined.
// - Only the questions marked identifying are treated as quasi-identifiers; free text or a number such as
//   years of service left unmarked can single a person out. An identifying question with many distinct
//   answers (free text, a number) has only "as is" or "withheld": band it in the survey instead.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

/// The generalised value of a unit (level 2), locale (level 1) or identifying answer (level 1).
inline constexpr std::string_view kAny = "*";
/// The period of every row at period level 1; the caller shows the round's name in its place.
inline constexpr std::string_view kWholeRound = "round";
/// The group of a unit with none (group "") at unit level 1.
inline constexpr std::string_view kNoGroup = "(no group)";

/// The quasi-identifiers of one response at the finest level. `identifying` holds the answers (as text,
/// "" = unanswered) to the questions the survey marks identifying, in the order given to KAnonymiser.
struct QuasiIdentifiers {
    std::string unit;
    std::string group;  ///< "" = the unit has no group
    std::string week;   ///< ISO week, e.g. "2026-W05"
    std::string locale;
    std::vector<std::string> identifying;

    bool operator==(const QuasiIdentifiers&) const = default;
};

/// How far each quasi-identifier is generalised: unit 0 unit, 1 group, 2 municipality; period 0 week,
/// 1 round; locale 0 as given, 1 any; each identifying question 0 as given, 1 withheld.
struct Generalisation {
    static constexpr int kUnitWeight = 4;
    static constexpr int kPeriodWeight = 2;
    static constexpr int kLocaleWeight = 1;
    static constexpr int kIdentifyingWeight = 2;

    int unit = 0;
    int period = 0;
    int locale = 0;
    std::vector<int> identifying;

    /// The information lost, the first key of the order plan() chooses by (see the top of this file).
    [[nodiscard]] int cost() const;
    bool operator==(const Generalisation&) const = default;
};

/// `row` generalised to `levels` (no suppression): the values an export shows. At unit level 0 the unit
/// and its group; at level 1 unit and group are both the group's name; at level 2 both kAny. A group ""
/// is shown as kNoGroup. The result has one identifying answer per entry of `levels.identifying`
/// (missing answers are ""; at level 1, kAny).
[[nodiscard]] QuasiIdentifiers generalise(const QuasiIdentifiers& row, const Generalisation& levels);

class KAnonymiser {
public:
    /// At most this many identifying questions are searched over; any further ones are always withheld
    /// (kAny), which keeps plan() to 192 nodes and can only make classes larger.
    static constexpr std::size_t kMaxSearchedIdentifying = 4;

    /// `k` below 1 counts as 1 (what k is, 5 by default, is the consent's promise and the caller's
    /// policy). `identifyingQuestions` names the identifying questions (for the explanation) in the order
    /// of QuasiIdentifiers::identifying. `maxWithheldShare` is clamped to 0..1 (NaN: 0).
    explicit KAnonymiser(int k, std::vector<std::string> identifyingQuestions = {}, double maxWithheldShare = 0.05);
    ~KAnonymiser();
    KAnonymiser(KAnonymiser&&) noexcept;
    KAnonymiser& operator=(KAnonymiser&&) noexcept;
    KAnonymiser(const KAnonymiser&) = delete;
    KAnonymiser& operator=(const KAnonymiser&) = delete;

    /// Pass 1: counts a response. Missing identifying answers count as unanswered (""), extra ones are
    /// ignored (and never shown by apply()). Adding after plan() discards the plan: apply() withholds
    /// every row until plan() is called again.
    void add(const QuasiIdentifiers& row);

    struct Plan {
        Generalisation generalisation;
        std::int64_t rows = 0;      ///< rows added
        std::int64_t withheld = 0;  ///< rows apply() withholds
        std::int64_t classes = 0;   ///< distinct combinations shown, each of at least k rows
        std::string explanation;    ///< plain English: what was generalised, how many rows were withheld, why
    };
    /// Chooses the generalisation and the rows to withhold (see the top of this file). Never fails; with
    /// no rows the plan keeps everything and withholds nothing. Same multiset of rows, same plan.
    [[nodiscard]] Plan plan();

    /// Pass 2: the generalised quasi-identifiers of a row, or nullopt when it is withheld. A row that was
    /// not added in pass 1, or any row before plan(), is withheld. Same row, same answer.
    [[nodiscard]] std::optional<QuasiIdentifiers> apply(const QuasiIdentifiers& row) const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace svarboks::server
