// Disclosure across every table and over time (issue 12, docs/anonymity.md). test_report.cpp proves by brute
// force that one report gives no hidden figure away; the cases here extend that proof to everything a user can
// obtain, and to a store that grows while they watch.
//
// - "disclosure: every table ...": on many small generated stores (units in one or two groups and maybe one
//   without, two survey versions, two rounds, answers arriving late after the first release, a unit moved to
//   another group between the releases, sometimes the group size raised between them) everything a user of
//   any role can obtain is read through the library: every report of every released round and survey version
//   with its weeks and questions (and every narrower request, which must show nothing the full one does not),
//   the unit leaders' restricted reports, and the CSV export of each round and version, whose rows are counted
//   per combination of the values they show. What a reader knows is written down as linear constraints on
//   the unknown counts (Knowledge), and an exact search looks, for every hidden figure, for a second store
//   that shows all of it alike but gives the figure another value.
// - "disclosure: a store growing ..." and "disclosure: over time ...": a store growing by one response at a
//   time (kiosks syncing after every respondent) and a reader who looks at everything after every step: the
//   released rounds' reports and exports (nothing counts the responses in no released round: the dashboard
//   once showed them per unit in steps of k, and this proof found that the drop at a release pinned what the
//   round froze). The first case checks what changes between two looks; the second gives the reader what
//   watching every step tells (how many responses came before each release) and checks every hidden figure
//   of the released rounds against all of it.
//
// The reader knows more than a real one: the rules of suppression and export, the weeks of every round,
// which step was a release and that every other step was one response. What is not modelled: side knowledge
// of people; the survey's logic (q2 is asked only after q1 >= 3, so a unit's q1 choice counts bound its q2
// respondents); which of several equally valid choices the suppression or the export's generalisation made;
// and the answers in an export's rows, of which only the counts per shown combination are used here (within a
// combination of k or more rows an export shows every answer, so it shows, for instance, the q2 answers of two
// people whose q2 figures the report hides: what k-anonymity allows and the report does not).
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/anonymise.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_helpers.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace svarboks::test {
namespace {

using server::Hidden;
using server::ReportRow;

// ---- what a reader knows, as linear constraints ----

constexpr std::int64_t kMany = std::int64_t{1} << 40;  // no bound

struct Term {
    int var = 0;
    int coef = 1;  // +1 or -1
};
using Sum = std::vector<Term>;

Sum operator+(Sum a, const Sum& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Sum negated(Sum sum) {
    for (auto& term : sum) term.coef = -term.coef;
    return sum;
}

struct Constraint {
    Sum sum;
    std::int64_t lo = -kMany;
    std::int64_t hi = kMany;
};

enum class Verdict {
    Ambiguous,  ///< a second store shows the same and gives the figure another value
    Pinned,     ///< no store that shows the same gives it another value: it can be worked out
    Undecided,  ///< the search gave up (it should not on these sizes)
};

// Unknown counts (each 0..a cap beyond any value that matters here: a cap can only rule a second store out,
// never in) and what a reader knows of them: sums of some of them, with signs, between bounds. feasible() is exact: a depth-first search over the counts
// connected to the question (the others keep their true values, which fit everything known), in the order
// of their rank (a municipality before its groups, a group before its units, a unit before its weeks...),
// trying a count's true value first, then the values below and above it, pruned by bounds propagation. A
// sum of counts a figure is has a count of its own ("a unit's respondents = its weeks' sum"), which makes
// the propagation as strong as the tables are nested.
class Knowledge {
public:
    // `answers`: a count of respondents of one area or question (rather than of people in a unit or week).
    int unknown(std::int64_t truth, std::int64_t cap, int rank, bool answers = false) {
        m_truth.push_back(truth);
        m_cap.push_back(std::max(cap, truth));
        m_rank.push_back(rank);
        m_answers.push_back(answers);
        m_watch.emplace_back();
        return static_cast<int>(m_truth.size()) - 1;
    }
    // A count that is the sum of others.
    int sumOf(const Sum& parts, std::int64_t cap, int rank, bool answers, const std::string& what) {
        const int var = unknown(truth(parts), cap, rank, answers);
        knows(Sum{{var, 1}} + negated(parts), 0, 0, what);
        m_definitions.insert(m_names.size() - 1);
        return var;
    }

    [[nodiscard]] std::int64_t truth(const Sum& sum) const {
        std::int64_t value = 0;
        for (const auto& term : sum) value += term.coef * m_truth[static_cast<std::size_t>(term.var)];
        return value;
    }
    [[nodiscard]] std::int64_t truth(int var) const { return m_truth[static_cast<std::size_t>(var)]; }

    // The reader knows lo <= sum <= hi. The true counts must fit it, or the model of what is shown is wrong.
    void knows(const Sum& sum, std::int64_t lo, std::int64_t hi, const std::string& what) {
        const std::int64_t value = truth(sum);
        if (value < lo || value > hi) FAIL_CHECK("the model does not fit the store: " << what << " is " << value << ", shown as " << lo << ".." << hi);
        // The same figure read again (in a restricted report, a narrower request) tells nothing new.
        std::ostringstream signature;
        for (const auto& term : sum) signature << term.var << (term.coef > 0 ? '+' : '-');
        signature << lo << ':' << hi;
        if (!m_signatures.insert(signature.str()).second) return;
        const int index = static_cast<int>(m_constraints.size());
        m_constraints.push_back({sum, lo, hi});
        m_names.push_back(what);
        for (const auto& term : sum) m_watch[static_cast<std::size_t>(term.var)].push_back(index);
    }

    // Whether counts that fit everything known and `extra` exist. `keep`: 1 keeps the counts of people at their
    // true values, 2 those of answers, 0 neither (the true values fit everything known, so what is found with
    // some kept is found). nullopt: the search gave up.
    [[nodiscard]] std::optional<bool> feasible(const std::vector<Constraint>& extra, int keep = 0) const {
        // The counts and constraints connected to `extra`, with local indexes.
        std::map<int, int> local;
        std::vector<int> order;
        std::vector<const Constraint*> involved;
        std::set<int> taken;
        const auto reach = [&](const Sum& sum) {
            for (const auto& term : sum) {
                if (local.emplace(term.var, static_cast<int>(order.size())).second) order.push_back(term.var);
            }
        };
        for (const auto& c : extra) {
            involved.push_back(&c);
            reach(c.sum);
        }
        for (std::size_t i = 0; i < order.size(); ++i) {
            for (const int c : m_watch[static_cast<std::size_t>(order[i])]) {
                if (taken.insert(c).second) {
                    involved.push_back(&m_constraints[static_cast<std::size_t>(c)]);
                    reach(m_constraints[static_cast<std::size_t>(c)].sum);
                }
            }
        }
        Problem problem;
        for (const Constraint* c : involved) {
            Constraint lc{{}, c->lo, c->hi};
            for (const auto& term : c->sum) lc.sum.push_back({local.at(term.var), term.coef});
            problem.constraints.push_back(std::move(lc));
        }
        std::vector<Domain> domains;
        for (const int var : order) {
            const auto v = static_cast<std::size_t>(var);
            const bool kept = (keep == 1 && !m_answers[v]) || (keep == 2 && m_answers[v]);
            domains.push_back(kept ? Domain{m_truth[v], m_truth[v]} : Domain{0, m_cap[v]});
            problem.truths.push_back(m_truth[v]);
            problem.ranks.push_back(m_rank[v]);
        }
        long budget = kBudget;
        const bool found = search(domains, problem, budget);
        if (!found && budget < 0) return std::nullopt;
        return found;
    }

    // Whether the sum can take a value other than its true one. A second value is looked for first with the
    // counts of the other kind kept (a unit's people kept while its answers vary, or the other way round),
    // then with every count free.
    [[nodiscard]] Verdict ambiguous(const Sum& sum) const {
        const std::int64_t value = truth(sum);
        const bool answers = !sum.empty() && m_answers[static_cast<std::size_t>(sum.front().var)];
        bool decided = true;
        for (const int keep : {answers ? 1 : 2, 0}) {
            decided = true;
            for (const auto& [lo, hi] : {std::pair{-kMany, value - 1}, std::pair{value + 1, kMany}}) {
                const auto found = feasible({{sum, lo, hi}}, keep);
                if (found && *found) return Verdict::Ambiguous;
                decided = decided && found.has_value();
            }
        }
        return decided ? Verdict::Pinned : Verdict::Undecided;
    }
    [[nodiscard]] Verdict ambiguous(int var) const { return ambiguous(Sum{{var, 1}}); }

    // The figures shown without which the sum could take another value (for messages).
    [[nodiscard]] std::string why(const Sum& sum) {
        std::string text;
        for (std::size_t c = 0; c < m_constraints.size(); ++c) {
            if (m_definitions.count(c) > 0) continue;
            const Constraint saved = m_constraints[c];
            m_constraints[c].lo = -kMany;
            m_constraints[c].hi = kMany;
            const bool freed = ambiguous(sum) == Verdict::Ambiguous;
            m_constraints[c] = saved;
            if (freed) text += "\n      " + m_names[c] + " (" + std::to_string(saved.lo) + ".." + (saved.hi >= kMany ? std::string("") : std::to_string(saved.hi)) + ")";
        }
        return text.empty() ? std::string(" several constraints together") : text;
    }

private:
    static constexpr long kBudget = 100000;
    struct Domain {
        std::int64_t lo = 0;
        std::int64_t hi = 0;
    };
    struct Problem {
        std::vector<Constraint> constraints;
        std::vector<std::int64_t> truths;
        std::vector<int> ranks;
    };

    static bool propagate(std::vector<Domain>& d, const std::vector<Constraint>& constraints) {
        for (bool changed = true; changed;) {
            changed = false;
            for (const auto& c : constraints) {
                std::int64_t least = 0;
                std::int64_t most = 0;
                for (const auto& t : c.sum) {
                    const Domain& x = d[static_cast<std::size_t>(t.var)];
                    least += t.coef > 0 ? x.lo : -x.hi;
                    most += t.coef > 0 ? x.hi : -x.lo;
                }
                if (least > c.hi || most < c.lo) return false;
                for (const auto& t : c.sum) {
                    Domain& x = d[static_cast<std::size_t>(t.var)];
                    const std::int64_t termLeast = t.coef > 0 ? x.lo : -x.hi;
                    const std::int64_t termMost = t.coef > 0 ? x.hi : -x.lo;
                    // The term lies in [c.lo - (the others' most), c.hi - (the others' least)].
                    std::int64_t lo = c.lo - (most - termMost);
                    std::int64_t hi = c.hi - (least - termLeast);
                    if (t.coef < 0) {
                        const std::int64_t flipped = -lo;
                        lo = -hi;
                        hi = flipped;
                    }
                    if (lo > x.lo) x.lo = lo, changed = true;
                    if (hi < x.hi) x.hi = hi, changed = true;
                    if (x.lo > x.hi) return false;
                }
            }
        }
        return true;
    }

    static bool search(std::vector<Domain>& d, const Problem& problem, long& budget) {
        if (--budget < 0) return false;
        if (!propagate(d, problem.constraints)) return false;
        std::size_t pick = d.size();
        for (std::size_t i = 0; i < d.size(); ++i) {
            if (d[i].hi == d[i].lo) continue;
            if (pick == d.size() || problem.ranks[i] < problem.ranks[pick] ||
                (problem.ranks[i] == problem.ranks[pick] && d[i].hi - d[i].lo < d[pick].hi - d[pick].lo)) {
                pick = i;
            }
        }
        if (pick == d.size()) return true;  // every count fixed and every constraint met
        const std::int64_t guess = std::clamp(problem.truths[pick], d[pick].lo, d[pick].hi);
        for (const auto& [lo, hi] : {std::pair{guess, guess}, std::pair{d[pick].lo, guess - 1}, std::pair{guess + 1, d[pick].hi}}) {
            if (lo > hi) continue;
            std::vector<Domain> branch = d;
            branch[pick] = {lo, hi};
            if (search(branch, problem, budget)) return true;
        }
        return false;
    }

    std::vector<std::int64_t> m_truth;
    std::vector<std::int64_t> m_cap;
    std::vector<int> m_rank;
    std::vector<bool> m_answers;
    std::vector<std::vector<int>> m_watch;  // per count: the constraints it is in
    std::vector<Constraint> m_constraints;
    std::vector<std::string> m_names;
    std::set<std::string> m_signatures;
    std::set<std::size_t> m_definitions;  // constraints that only say what a count of a sum is
};

// What a label tells of a count (suppression.hpp): shown, exactly it; "fewer than k" 0..k-1, or 1..k-1 for a
// unit's week (a 0 week shows as 0); "hidden" k or more; hidden with its row (another statistic's label, or a
// week of a hidden unit), 0 up to the row's bound.
std::pair<std::int64_t, std::int64_t> boundsOf(const server::Count& count, int k, bool withRow, bool part = false) {
    if (count.shown()) return {count.value, count.value};
    if (withRow) return {0, count.hidden == Hidden::FewerThanK ? k - 1 : kMany};
    if (count.hidden == Hidden::FewerThanK) return {part ? 1 : 0, k - 1};
    return {k, kMany};
}

// ---- the generated stores ----

// Two areas, two levels, a branch (q2 only when q1 >= 3) and a checkbox, as in test_report.cpp.
json proofSurvey(const std::string& version) {
    json definition = surveyWith({{{"type", "radiogroup"}, {"name", "q1"}, {"competence", "1"}, {"choices", {1, 2, 3, 4}}},
                                  {{"type", "radiogroup"}, {"name", "q2"}, {"competence", "2"}, {"visibleIf", "{q1} >= 3"}, {"choices", {1, 2}}},
                                  {{"type", "checkbox"}, {"name", "q3"}, {"choices", {"mail", "chat"}}},
                                  {{"type", "text"}, {"inputType", "number"}, {"name", "years"}}});
    definition["surveyId"] = "mini";
    definition["surveyVersion"] = version;
    definition["scoring"] = {{"areas", {{{"id", "a"}, {"title", "Area A"}, {"competences", {"1"}}},
                                        {{"id", "b"}, {"title", "Area B"}, {"competences", {"2"}}}}},
                             {"levels", {{{"id", "low"}, {"min", 0}, {"title", "Low"}}, {{"id", "high"}, {"min", 0.5}, {"title", "High"}}}}};
    return definition;
}

// `keen`: q1 of 3 or 4, so that q2 is answered too (a unit where everyone answers the branch).
json randomAnswers(std::mt19937& random, bool keen = false) {
    const int q1 = keen ? 3 + static_cast<int>(random() % 2) : 1 + static_cast<int>(random() % 4);
    json answers = {{"q1", q1}, {"q3", random() % 2 == 0 ? json{"mail"} : json{"mail", "chat"}}};
    if (q1 >= 3) answers["q2"] = 1 + static_cast<int>(random() % 2);
    if (random() % 3 == 0) answers["years"] = static_cast<int>(random() % 40);
    return answers;
}

// A folder in memory where there is one: the proofs make thousands of small commits, each synced.
class ProofDir {
public:
    ProofDir() {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        m_path = base / ("svarboks-proof-" + shared::toBase64Url(shared::randomBytes(9)));
        fs::create_directories(m_path);
    }
    ProofDir(const ProofDir&) = delete;
    ProofDir& operator=(const ProofDir&) = delete;
    ~ProofDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

// A central store with survey "mini" published in versions 1 and 2 (or 1 only); responses go in as ingest
// stores them.
struct ProofStore {
    ProofDir dir;
    std::unique_ptr<test::TestDatabase> database;  // on PostgreSQL only; outlives the store
    std::unique_ptr<server::Storage> store;
    std::vector<shared::Survey> versions;
    std::vector<server::IncomingItem> pending;
    int next = 0;

    explicit ProofStore(int published = 2) {
        store = test::openTestStore(dir.path() / "central.db", database);
        for (int v = 1; v <= published; ++v) {
            const std::string version = std::to_string(v);
            const json definition = proofSurvey(version);
            versions.push_back(mustLoad(definition));
            const shared::Survey& loaded = versions.back();
            REQUIRE(store->publishSurvey({loaded.id, loaded.version, shared::canonicalDefinition(definition), loaded.definitionSha256,
                                          loaded.consentSha256, {}},
                                         server::kAllUnits)
                        .ok());
        }
    }
    void unit(const std::string& id, const std::string& group) { REQUIRE(store->addUnit({id, "Unit " + id, group}).ok()); }
    void round(const std::string& id, const std::string& from, const std::string& to) { REQUIRE(server::addRound(*store, {id, from, to, ""}).ok()); }
    // Queues a response (version 1 or 2); flush() stores the queue as one batch.
    void add(const std::string& unit, const std::string& week, int version, const std::string& locale, const json& answers) {
        const shared::Survey& survey = versions[static_cast<std::size_t>(version - 1)];
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", next++);
        server::IncomingItem item;
        item.id = id;
        item.sealed = id;
        item.sealedSha256 = shared::sha256Hex(std::string(id));
        item.response = server::StoredResponse{id, unit, survey.id, survey.version, week, locale, answers.dump(), ""};
        item.tallies = server::responseTallies(survey, answers);
        pending.push_back(std::move(item));
    }
    void flush() {
        if (pending.empty()) return;
        auto stored = store->storeItems(pending, "2026-W49");
        REQUIRE_MESSAGE(stored.ok(), (stored.ok() ? std::string() : stored.error().message));
        for (const auto& item : *stored) REQUIRE(item.result.status == shared::ItemStatus::Accepted);
        pending.clear();
    }
    // Releases a round added before (early: the proofs do not wait for weeks to end); the responses frozen.
    std::int64_t release(const std::string& id) {
        flush();
        auto released = server::releaseRound(*store, id, std::chrono::system_clock::now(), true);
        REQUIRE_MESSAGE(released.ok(), (released.ok() ? std::string() : released.error().message));
        return released->responses;
    }
    server::Report report(const std::string& round, const std::string& version, bool weeks, bool questions,
                          std::vector<std::string> questionUnits = {}) {
        server::ReportRequest request;
        request.surveyId = "mini";
        request.version = version;
        request.round = round;
        request.weeks = weeks;
        request.questions = questions;
        request.questionUnits = std::move(questionUnits);
        auto built = server::buildReport(*store, request);
        REQUIRE_MESSAGE(built.ok(), (built.ok() ? std::string() : built.error().message));
        return *built;
    }
    // The CSV export of one round and version, as `export` writes it and an analyst downloads it.
    std::string exportCsv(const std::string& round, const std::string& version) {
        std::string csv;
        auto exported = server::exportResponses(*store, server::ExportOptions{server::ExportFormat::Csv, "mini", version, round},
                                                [&](std::string_view chunk) {
                                                    csv += chunk;
                                                    return true;
                                                });
        REQUIRE_MESSAGE(exported.ok(), (exported.ok() ? std::string() : exported.error().message));
        return csv;
    }
};

// ---- one released round and survey version, as a reader sees it ----

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> cells(1);
    for (const char c : line) {
        if (c == ',') cells.emplace_back();
        else cells.back() += c;
    }
    return cells;
}

// The ranks of the counts: the search decides them in this order.
enum Rank { kRowRank = 0, kUnitRank = 1, kWeekRank = 2, kCellRank = 3, kAnswerRowRank = 4, kAnswerUnitRank = 5 };

const std::vector<std::string> kLocales = {"da", "en"};

// The unknown counts of one released round and version and everything a user can obtain of it. Respondents
// per unit, week and language (the export shows languages), with a count of their own for every week, unit,
// group and the municipality; per area and question, respondents per unit (at most the unit's respondents)
// and per group and municipality.
struct Block {
    std::string round;
    std::string version;
    std::string name;  // "round r1, version 1"
    int k = server::kMinimumK;
    std::vector<std::string> weeks;                     // every week of the round
    std::vector<std::string> units;                     // the report's unit rows, in order
    std::vector<std::size_t> unitRow;                   // per unit: its report row
    std::vector<int> row;                               // per report row: its respondents
    std::vector<std::vector<int>> week;                 // [unit][week]
    std::vector<std::vector<std::array<int, 2>>> cell;  // [unit][week][da, en]
    std::vector<std::string> statisticNames;            // areas, then questions
    server::Report report;                              // with weeks and questions
    std::vector<std::pair<std::string, int>> hidden;    // every hidden figure: what, its count
    bool exportNamesUnits = false;                      // what the export showed (for the generator's reach)
    bool exportShowsWeeks = false;
    bool exportShowsLanguages = false;

    [[nodiscard]] std::size_t unitIndex(const std::string& id) const {
        return static_cast<std::size_t>(std::find(units.begin(), units.end(), id) - units.begin());
    }
    [[nodiscard]] int unitVar(std::size_t u) const { return row[unitRow[u]]; }
    [[nodiscard]] int everyone() const { return row[0]; }
};

// Reads everything a user can obtain of one released round and version into `reader`: the reports (the full
// one, and every narrower request, which must show nothing the full one does not), the unit leaders'
// restricted reports, and the CSV export. `weeks` are the round's weeks; `cap` bounds every count.
Block readBlock(Knowledge& reader, ProofStore& s, const server::Round& round, const std::vector<std::string>& weeks, const std::string& version,
                std::int64_t cap) {
    Block block;
    block.round = round.id;
    block.version = version;
    block.name = "round " + round.id + ", version " + version;
    block.weeks = weeks;
    block.report = s.report(round.id, version, true, true);
    const server::Report& full = block.report;
    const int k = full.k;
    block.k = k;
    REQUIRE(k == round.k);
    CAPTURE(block.name);

    // The layout: the municipality first, then each group followed by its units (or the units alone).
    std::vector<int> parent(full.rows.size(), -1);
    for (std::size_t r = 0, group = 0; r < full.rows.size(); ++r) {
        const auto& row = full.rows[r];
        if (row.kind == ReportRow::Kind::Group) group = r;
        if (r > 0) parent[r] = static_cast<int>(row.kind == ReportRow::Kind::Unit ? group : 0);
        if (row.kind == ReportRow::Kind::Unit) {
            block.units.push_back(row.id);
            block.unitRow.push_back(r);
        }
    }
    const auto children = [&](std::size_t r) {
        std::vector<std::size_t> list;
        for (std::size_t c = 1; c < full.rows.size(); ++c) {
            if (parent[c] == static_cast<int>(r)) list.push_back(c);
        }
        return list;
    };
    const auto rowName = [&](std::size_t r) {
        const auto& row = full.rows[r];
        return block.name + ": " + (row.kind == ReportRow::Kind::Total ? std::string("the municipality") :
                                    row.kind == ReportRow::Kind::Group ? "group '" + row.id + "'" : "unit " + row.id);
    };

    // The truth: the responses frozen into the round, read back from the store.
    std::vector<std::vector<std::array<std::int64_t, 2>>> counts(block.units.size(), std::vector<std::array<std::int64_t, 2>>(weeks.size(), {0, 0}));
    std::vector<std::string> statisticKinds;
    for (const auto& area : full.survey.areas) {
        block.statisticNames.push_back("area " + area.id);
        statisticKinds.push_back(std::string(server::kArea) + ":" + area.id);
    }
    for (const auto& question : full.survey.questions) {
        block.statisticNames.push_back("question " + question.name);
        statisticKinds.push_back(std::string(server::kAnswered) + ":" + question.name);
    }
    std::vector<std::vector<std::int64_t>> statisticCounts(statisticKinds.size(), std::vector<std::int64_t>(block.units.size(), 0));
    const shared::Survey& survey = s.versions[static_cast<std::size_t>(std::stoi(version) - 1)];
    REQUIRE(s.store
                ->forEachResponseOf(server::ResponseFilter{"mini", version, round.id},
                                    [&](const server::StoredResponse& response) {
                                        const std::size_t u = block.unitIndex(response.unitId);
                                        const auto w = std::find(weeks.begin(), weeks.end(), response.period);
                                        const auto l = std::find(kLocales.begin(), kLocales.end(), response.locale);
                                        REQUIRE(u < block.units.size());
                                        REQUIRE(w != weeks.end());
                                        REQUIRE(l != kLocales.end());
                                        counts[u][static_cast<std::size_t>(w - weeks.begin())][static_cast<std::size_t>(l - kLocales.begin())] += 1;
                                        for (const auto& tally : server::responseTallies(survey, json::parse(response.answersJson))) {
                                            const auto kind = std::find(statisticKinds.begin(), statisticKinds.end(), tally.kind + ":" + tally.subject);
                                            if (kind != statisticKinds.end()) statisticCounts[static_cast<std::size_t>(kind - statisticKinds.begin())][u] += 1;
                                        }
                                        return true;
                                    })
                .ok());

    // The counts: cells, weeks, units, then groups and the municipality as the sums they are.
    block.row.assign(full.rows.size(), -1);
    for (std::size_t u = 0; u < block.units.size(); ++u) {
        block.cell.emplace_back();
        block.week.emplace_back();
        Sum unit;
        for (std::size_t w = 0; w < weeks.size(); ++w) {
            const std::array<int, 2> cells = {reader.unknown(counts[u][w][0], cap, kCellRank), reader.unknown(counts[u][w][1], cap, kCellRank)};
            block.cell[u].push_back(cells);
            block.week[u].push_back(reader.sumOf({{cells[0], 1}, {cells[1], 1}}, cap, kWeekRank, false, "a week's languages"));
            unit.push_back({block.week[u][w], 1});
        }
        block.row[block.unitRow[u]] = reader.sumOf(unit, cap, kUnitRank, false, "a unit's weeks");
    }
    for (std::size_t r = full.rows.size(); r-- > 0;) {
        if (full.rows[r].kind == ReportRow::Kind::Unit) continue;
        Sum parts;
        for (const std::size_t c : children(r)) parts.push_back({block.row[c], 1});
        block.row[r] = reader.sumOf(parts, cap, kRowRank, false, "a row's parts");
    }

    // The report: every row's respondents, and every unit's weeks.
    const auto readRows = [&](const server::Report& report, bool record) {
        for (const auto& row : report.rows) {
            const auto r = static_cast<std::size_t>(std::find_if(full.rows.begin(), full.rows.end(), [&](const ReportRow& other) {
                                                        return other.kind == row.kind && other.id == row.id;
                                                    }) - full.rows.begin());
            REQUIRE(r < full.rows.size());
            const auto [lo, hi] = boundsOf(row.respondents, k, false);
            reader.knows({{block.row[r], 1}}, lo, hi, rowName(r) + " respondents");
            if (record && !row.respondents.shown()) block.hidden.push_back({rowName(r) + " respondents", block.row[r]});
        }
    };
    readRows(full, true);
    // A report lists every week of its round, answered or not: the list tells nothing.
    CHECK(full.weeks == weeks);
    for (std::size_t u = 0; u < block.units.size(); ++u) {
        const auto& row = full.rows[block.unitRow[u]];
        REQUIRE(row.weeks.size() == full.weeks.size());
        for (std::size_t i = 0; i < full.weeks.size(); ++i) {
            const auto w = static_cast<std::size_t>(std::find(weeks.begin(), weeks.end(), full.weeks[i]) - weeks.begin());
            REQUIRE(w < weeks.size());
            const auto [lo, hi] = boundsOf(row.weeks[i], k, !row.respondents.shown(), true);
            const std::string what = rowName(block.unitRow[u]) + " in " + weeks[w];
            reader.knows({{block.week[u][w], 1}}, lo, hi, what);
            if (!row.weeks[i].shown()) block.hidden.push_back({what, block.week[u][w]});
        }
    }

    // Each area and question: respondents per unit, at most the unit's respondents, and the rows' sums; a row
    // hidden for respondents is hidden here with its label.
    for (std::size_t st = 0; st < statisticKinds.size(); ++st) {
        std::vector<int> rows(full.rows.size(), -1);
        for (std::size_t u = 0; u < block.units.size(); ++u) {
            const int var = reader.unknown(statisticCounts[st][u], cap, kAnswerUnitRank, true);
            rows[block.unitRow[u]] = var;
            reader.knows({{var, 1}, {block.unitVar(u), -1}}, -kMany, 0, block.name + ": " + block.statisticNames[st] + " within unit " + block.units[u]);
        }
        for (std::size_t r = full.rows.size(); r-- > 0;) {
            if (full.rows[r].kind == ReportRow::Kind::Unit) continue;
            Sum parts;
            for (const std::size_t c : children(r)) parts.push_back({rows[c], 1});
            rows[r] = reader.sumOf(parts, cap, kAnswerRowRank, true, "a row's parts");
        }
        for (std::size_t r = 0; r < full.rows.size(); ++r) {
            const auto& row = full.rows[r];
            const server::Count& count = st < full.survey.areas.size() ? row.areas[st].respondents : row.questions[st - full.survey.areas.size()].respondents;
            const auto [lo, hi] = boundsOf(count, k, !row.respondents.shown());
            const std::string what = rowName(r) + " " + block.statisticNames[st] + " respondents";
            reader.knows({{rows[r], 1}}, lo, hi, what);
            if (!count.shown()) block.hidden.push_back({what, rows[r]});
        }
    }

    // Every narrower request shows the same figures as the full report, or leaves them out.
    const auto sameAsFull = [&](const server::Report& narrow, bool weeksAsked, bool questionsAsked, const std::vector<std::string>& questionUnits) {
        REQUIRE(narrow.rows.size() == full.rows.size());
        CHECK(narrow.k == k);
        CHECK(narrow.weeks == (weeksAsked ? full.weeks : std::vector<std::string>{}));
        for (std::size_t r = 0; r < full.rows.size(); ++r) {
            const auto& a = narrow.rows[r];
            const auto& b = full.rows[r];
            CHECK(a.id == b.id);
            CHECK((a.respondents.hidden == b.respondents.hidden && a.respondents.value == b.respondents.value));
            REQUIRE(a.areas.size() == b.areas.size());
            for (std::size_t i = 0; i < a.areas.size(); ++i) {
                CHECK((a.areas[i].respondents.hidden == b.areas[i].respondents.hidden && a.areas[i].respondents.value == b.areas[i].respondents.value));
                CHECK(a.areas[i].levels == b.areas[i].levels);
                CHECK(a.areas[i].meanScore.has_value() == b.areas[i].meanScore.has_value());
            }
            CHECK(a.weeks.size() == (weeksAsked ? b.weeks.size() : 0));
            for (std::size_t i = 0; i < a.weeks.size(); ++i) CHECK((a.weeks[i].hidden == b.weeks[i].hidden && a.weeks[i].value == b.weeks[i].value));
            REQUIRE(a.questions.size() == (questionsAsked ? b.questions.size() : 0));
            for (std::size_t q = 0; q < a.questions.size(); ++q) {
                CHECK((a.questions[q].respondents.hidden == b.questions[q].respondents.hidden &&
                       a.questions[q].respondents.value == b.questions[q].respondents.value));
                const bool wanted = questionUnits.empty() || std::find(questionUnits.begin(), questionUnits.end(), b.id) != questionUnits.end();
                CHECK((a.questions[q].choices == b.questions[q].choices || (!wanted && a.questions[q].choices.empty())));
            }
        }
    };
    for (const bool weeksAsked : {false, true}) {
        for (const bool questionsAsked : {false, true}) sameAsFull(s.report(round.id, version, weeksAsked, questionsAsked), weeksAsked, questionsAsked, {});
    }
    for (const auto& unit : block.units) sameAsFull(s.report(round.id, version, false, true, {unit}), false, true, {unit});

    // A unit leader's reports are the rows of their units and groups (Dashboard::restrict keeps those and
    // nothing else): part of the table above, read all the same.
    std::set<std::string> groups;
    for (const auto& row : full.rows) {
        if (row.kind == ReportRow::Kind::Unit) groups.insert(row.group);
    }
    std::vector<server::Permissions> leaders;
    for (const auto& unit : block.units) leaders.push_back({server::Role::UnitLeader, {unit}, {}});
    for (const auto& group : groups) leaders.push_back({server::Role::UnitLeader, {}, {group}});
    for (const auto& leader : leaders) {
        server::Report restricted = full;
        std::erase_if(restricted.rows, [&](const ReportRow& row) {
            return row.kind == ReportRow::Kind::Total || (row.kind == ReportRow::Kind::Group && !leader.seesGroup(row.id)) ||
                   (row.kind == ReportRow::Kind::Unit && !leader.seesUnit(row.id, row.group));
        });
        readRows(restricted, false);
    }

    // The export: its rows counted per combination of the values shown. A row's unit is what the report shows
    // of it (export.cpp): the unit, else "*" and its group, else "*" and "*", else the row is left out; then
    // the whole export is generalised alike (anonymise.hpp), which the rows show: a unit named or not, a
    // group named or not, the round's id for the week, "*" for the language.
    const std::string csv = s.exportCsv(round.id, version);
    REQUIRE(csv.find('"') == std::string::npos);  // nothing quoted: the rows split at commas
    std::istringstream lines(csv);
    std::string line;
    REQUIRE(std::getline(lines, line));
    CHECK(line.rfind("unit,group,period,survey_id,survey_version,locale,q1,q2,q3,years", 0) == 0);
    std::map<std::string, std::int64_t> rowsShown;
    bool unitNamed = false;
    bool groupNamed = false;
    bool wholeRound = false;
    bool anyLocale = false;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto cells = splitCsvLine(line);
        REQUIRE(cells.size() == 10);
        CHECK(cells[3] == "mini");
        CHECK(cells[4] == version);
        unitNamed = unitNamed || cells[0] != "*";
        groupNamed = groupNamed || cells[1] != "*";
        wholeRound = wholeRound || cells[2] == round.id;
        anyLocale = anyLocale || cells[5] == "*";
        rowsShown[cells[0] + "|" + cells[1] + "|" + cells[2] + "|" + cells[5]] += 1;
    }
    const ReportRow& total = full.rows.front();
    std::map<std::string, Sum> combinations;
    for (std::size_t u = 0; u < block.units.size(); ++u) {
        const auto& row = full.rows[block.unitRow[u]];
        std::string unit = "*";
        std::string group = "*";
        const ReportRow* groupRow = full.find(ReportRow::Kind::Group, row.group);
        if (row.respondents.shown()) unit = row.id, group = row.group;
        else if (groupRow != nullptr && groupRow->respondents.shown()) group = row.group;
        else if (!total.respondents.shown()) continue;  // left out of the export
        if (group.empty()) group = std::string(server::kNoGroup);
        if (!unitNamed) unit = "*";
        if (!unitNamed && !groupNamed) group = "*";
        const std::string who = unit + "|" + group + "|";
        if (wholeRound && anyLocale) {
            combinations[who + round.id + "|*"].push_back({block.unitVar(u), 1});
            continue;
        }
        for (std::size_t w = 0; w < weeks.size(); ++w) {
            const std::string when = (wholeRound ? round.id : weeks[w]) + "|";
            if (anyLocale) {
                combinations[who + when + "*"].push_back({block.week[u][w], 1});
                continue;
            }
            for (std::size_t l = 0; l < kLocales.size(); ++l) combinations[who + when + kLocales[l]].push_back({block.cell[u][w][l], 1});
        }
    }
    block.exportNamesUnits = unitNamed;
    block.exportShowsWeeks = !rowsShown.empty() && !wholeRound;
    block.exportShowsLanguages = !rowsShown.empty() && !anyLocale;
    for (const auto& [key, rows] : rowsShown) {
        INFO(key);
        CHECK_MESSAGE(combinations.count(key) == 1, "an export row the model cannot place");
    }
    for (const auto& [key, sum] : combinations) {
        const auto shown = rowsShown.find(key);
        const std::int64_t n = shown == rowsShown.end() ? 0 : shown->second;
        reader.knows(sum, n, n, block.name + ": export rows " + key);
    }
    return block;
}

// No shown figure of a report leaves 1..k-1 people uncovered below it: its value minus the shown figures
// nearest below it (through hidden ones) is 0 or k or more, else those few people's figures would follow by
// the same subtraction (a shown mean minus the shown parts' means). For respondents (a unit's parts are its
// weeks), each area and each question.
void checkResiduals(const Block& block, int& checked) {
    const server::Report& report = block.report;
    std::vector<std::vector<std::size_t>> children(report.rows.size());
    for (std::size_t r = 1, group = 0; r < report.rows.size(); ++r) {
        if (report.rows[r].kind == ReportRow::Kind::Group) group = r;
        children[report.rows[r].kind == ReportRow::Kind::Unit ? group : 0].push_back(r);
    }
    const std::size_t statistics = block.statisticNames.size();
    for (std::size_t st = 0; st <= statistics; ++st) {  // st == statistics: respondents
        const auto countOf = [&](std::size_t r) -> const server::Count& {
            const auto& row = report.rows[r];
            if (st == statistics) return row.respondents;
            return st < report.survey.areas.size() ? row.areas[st].respondents : row.questions[st - report.survey.areas.size()].respondents;
        };
        const std::function<std::int64_t(std::size_t)> knownBelow = [&](std::size_t r) -> std::int64_t {
            if (countOf(r).shown()) return countOf(r).value;
            std::int64_t sum = 0;
            for (const std::size_t c : children[r]) sum += knownBelow(c);
            return sum;
        };
        for (std::size_t r = 0; r < report.rows.size(); ++r) {
            const server::Count& count = countOf(r);
            const auto& row = report.rows[r];
            if (!count.shown()) continue;
            std::int64_t known = 0;
            bool parts = false;
            for (const std::size_t c : children[r]) known += knownBelow(c), parts = true;
            if (st == statistics && row.kind == ReportRow::Kind::Unit) {
                for (const auto& week : row.weeks) known += week.shown() ? week.value : 0, parts = true;
            }
            if (!parts) continue;
            ++checked;
            const std::int64_t uncovered = count.value - known;
            CHECK_MESSAGE((uncovered == 0 || uncovered >= block.k), block.name << ": " << (st == statistics ? "respondents" : block.statisticNames[st])
                                                                                << " of row '" << row.id << "' leave " << uncovered << " uncovered below it");
        }
    }
}

// Checks every hidden figure of the blocks: one failure per block that gives any away, listing them (the first
// few with the constraints that pin them).
// `only`: when given, only these figures (the others are reported elsewhere).
void checkHidden(Knowledge& reader, const std::vector<Block>& blocks, int& checked, int& explained, const std::set<int>* only = nullptr) {
    for (const auto& block : blocks) {
        std::string pinned;
        int count = 0;
        for (const auto& [what, var] : block.hidden) {
            if (only != nullptr && only->count(var) == 0) continue;
            ++checked;
            const Verdict verdict = reader.ambiguous(var);
            if (verdict == Verdict::Ambiguous) continue;
            ++count;
            pinned += "\n  " + what.substr(block.name.size() + 2);
            if (verdict == Verdict::Undecided) {
                pinned += ": the search gave up";
                continue;
            }
            pinned += " = " + std::to_string(reader.truth(var));
            if (explained++ < 3) pinned += ", from:" + reader.why({{var, 1}});
        }
        if (count > 0) FAIL_CHECK(block.name << ": " << count << " hidden figure(s) can be worked out:" << pinned);
    }
}

// ---- every table at once ----

struct GeneratedStore {
    std::unique_ptr<ProofStore> store;
    std::vector<server::Round> rounds;                      // released, oldest first
    std::map<std::string, std::vector<std::string>> weeks;  // round -> its weeks
    std::map<std::string, std::int64_t> frozen;             // round -> the responses its release froze
    std::int64_t responses = 0;
};

// Units u0, u1... in one or two groups, maybe one without ("solo"); two versions; round r1 (W01-W02) released,
// then late answers from its weeks, a unit moved, maybe a larger k, and round r2 (W03-W04) released.
GeneratedStore generate(std::mt19937& random) {
    GeneratedStore g;
    g.store = std::make_unique<ProofStore>();
    ProofStore& s = *g.store;
    const int groups = 1 + static_cast<int>(random() % 2);
    const int grouped = 2 + static_cast<int>(random() % (groups == 1 ? 2 : 3));
    std::vector<std::pair<std::string, std::string>> units;  // id, group
    for (int u = 0; u < grouped; ++u) units.push_back({"u" + std::to_string(u), "g" + std::to_string(u % groups)});
    if (random() % 3 == 0) units.push_back({"solo", ""});
    for (const auto& [id, group] : units) s.unit(id, group);
    s.round("r1", "2026-W01", "2026-W02");
    s.round("r2", "2026-W03", "2026-W04");
    g.weeks["r1"] = {"2026-W01", "2026-W02"};
    g.weeks["r2"] = {"2026-W03", "2026-W04"};
    std::set<std::string> keen;  // units where everyone answers q2
    for (const auto& unit : units) {
        if (random() % 3 == 0) keen.insert(unit.first);
    }
    const auto respond = [&](const std::string& unit, const std::vector<std::string>& weeks, int version) {
        s.add(unit, weeks[random() % weeks.size()], version, random() % 6 == 0 ? "en" : "da", randomAnswers(random, keen.count(unit) > 0));
        ++g.responses;
    };
    const auto fill = [&](const std::vector<std::string>& weeks) {
        const bool nobody = random() % 5 == 0;  // a version nobody answered in the round
        for (const auto& unit : units) {
            const int first = static_cast<int>(random() % 10);                  // version 1: often k or more
            const int second = nobody ? 0 : static_cast<int>(random() % 5);  // version 2: fewer
            for (int i = 0; i < first; ++i) respond(unit.first, weeks, 1);
            for (int i = 0; i < second; ++i) respond(unit.first, weeks, 2);
        }
    };
    fill(g.weeks["r1"]);
    for (int i = static_cast<int>(random() % 3); i > 0; --i) respond(units[random() % units.size()].first, g.weeks["r2"], 1);  // r2 has begun
    g.frozen["r1"] = s.release("r1");
    for (int i = static_cast<int>(random() % 4); i > 0; --i) {
        respond(units[random() % units.size()].first, g.weeks["r1"], 1 + static_cast<int>(random() % 2));  // late for r1
    }
    s.flush();
    // A unit moves: to the other group, or out of its group, or into one.
    auto& moved = units[random() % units.size()];
    moved.second = groups == 2 && moved.second == "g0" ? "g1" : (moved.second.empty() ? "g0" : (random() % 2 == 0 ? "" : "g0"));
    REQUIRE(s.store->setUnitGroup(moved.first, moved.second).ok());
    if (random() % 4 == 0) REQUIRE(s.store->setGroupSize(6).ok());
    fill(g.weeks["r2"]);
    g.frozen["r2"] = s.release("r2");
    auto rounds = server::releasedRounds(*s.store);
    REQUIRE(rounds.ok());
    g.rounds = *rounds;
    REQUIRE(g.rounds.size() == 2);
    return g;
}

int proofStores(int fallback) {
    // SVARBOKS_PROOF_ROUNDS and SVARBOKS_PROOF_SEED run a longer or another proof (docs/central.md#reports).
    const char* text = std::getenv("SVARBOKS_PROOF_ROUNDS");
    return text != nullptr ? std::max(1, std::atoi(text) * fallback / 150) : fallback;
}

unsigned proofSeed(unsigned fallback) {
    const char* text = std::getenv("SVARBOKS_PROOF_SEED");
    return text != nullptr ? static_cast<unsigned>(std::atol(text)) : fallback;
}

// Reads every table of a generated store and checks every hidden figure. (A release's audit entry carries no
// count: with the responses it froze, over every survey version, this proof pinned figures of a version
// nobody else answered; attack 4 checks the entry.)
void proveEveryTable() {
    std::mt19937 random(proofSeed(20261206u));
    int hidden = 0;
    int explained = 0;
    std::array<int, 3> exports{};  // naming units, showing weeks, showing languages
    int residuals = 0;
    const int stores = proofStores(30);
    for (int n = 0; n < stores; ++n) {
        CAPTURE(n);
        GeneratedStore g = generate(random);
        Knowledge reader;
        const std::int64_t cap = g.responses + 2 * server::kMinimumK;
        std::vector<Block> blocks;
        for (const auto& round : g.rounds) {
            // Round and version blocks share no count: every response is frozen into one round (or none) and
            // is of one version, every figure of a report or export of (round, version) counts only its
            // responses, and the groups are the round's own. So what a reader knows of one block constrains no other (until the audit entry
            // below sums a round's versions), and every hidden figure is checked with all of it at once.
            for (const std::string version : {"1", "2"}) blocks.push_back(readBlock(reader, *g.store, round, g.weeks[round.id], version, cap));
            std::int64_t inRound = 0;
            for (const auto& block : blocks) {
                if (block.round == round.id) inRound += reader.truth(block.everyone());
            }
            CHECK(inRound == g.frozen[round.id]);  // each frozen response is in exactly one version's figures
        }
        checkHidden(reader, blocks, hidden, explained);
        for (const auto& block : blocks) {
            checkResiduals(block, residuals);
            exports[0] += block.exportNamesUnits ? 1 : 0;
            exports[1] += block.exportShowsWeeks ? 1 : 0;
            exports[2] += block.exportShowsLanguages ? 1 : 0;
        }
    }
    // The generator must reach the cases that matter: many hidden figures, and exports that show units,
    // weeks and languages.
    CHECK(hidden > 30 * stores);
    CHECK(residuals > 20 * stores);
    for (const int count : exports) CHECK(count * 15 > stores);
}

TEST_CASE("disclosure: every table of every released round and version, for every role, leaves each hidden figure two values or more") {
    proveEveryTable();
}

// ---- over time ----

// The kiosks of units a and b send every response as it is given; the central team releases r1 (W01-W02) once
// answers of W03 have begun to arrive, and r2 (W03-W04) later. A few answers of r1's weeks arrive after its
// release (an offline kiosk), and some are of W05, in no round yet.
struct Step {
    std::string release;  // a round released, or "" for one response
    std::string unit;
    std::string week;
    std::string locale;
};

const std::vector<std::string> kKiosks = {"a", "b"};

std::vector<Step> growingStore(std::mt19937& random) {
    std::vector<Step> steps;
    const auto arrive = [&](const std::vector<std::string>& weeks) {
        steps.push_back({"", kKiosks[random() % 3 == 0 ? 0 : 1], weeks[random() % weeks.size()], random() % 6 == 0 ? "en" : "da"});
    };
    for (int i = 6 + static_cast<int>(random() % 10); i > 0; --i) arrive(random() % 6 == 0 ? std::vector<std::string>{"2026-W03"} : std::vector<std::string>{"2026-W01", "2026-W02"});
    steps.push_back({"r1", "", "", ""});
    for (int i = 4 + static_cast<int>(random() % 10); i > 0; --i) {
        const unsigned kind = random() % 8;
        arrive(kind == 0 ? std::vector<std::string>{"2026-W02"} : kind == 1 ? std::vector<std::string>{"2026-W05"} : std::vector<std::string>{"2026-W03", "2026-W04"});
    }
    steps.push_back({"r2", "", "", ""});
    for (int i = static_cast<int>(random() % 4); i > 0; --i) arrive({"2026-W04", "2026-W05"});
    return steps;
}

// A store with survey "mini" 1 (one version: what a release freezes is then exactly a round's figures) and
// units a and b, in one group or none.
std::unique_ptr<ProofStore> growingStoreFor(std::mt19937& random) {
    auto s = std::make_unique<ProofStore>(1);
    const std::string group = random() % 2 == 0 ? "g" : "";
    for (const auto& unit : kKiosks) s->unit(unit, group);
    s->round("r1", "2026-W01", "2026-W02");
    s->round("r2", "2026-W03", "2026-W04");
    return s;
}

void apply(ProofStore& s, const Step& step, std::mt19937& random) {
    if (!step.release.empty()) {
        s.release(step.release);
        return;
    }
    s.add(step.unit, step.week, 1, step.locale, randomAnswers(random));
    s.flush();
}

// Every figure of a report as text, to compare two readings of it.
std::string describe(const server::Report& report) {
    std::ostringstream text;
    const auto count = [&](const server::Count& c) { text << ' ' << static_cast<int>(c.hidden) << ':' << c.value; };
    text << report.round.id << " k=" << report.k;
    for (const auto& week : report.weeks) text << ' ' << week;
    for (const auto& row : report.rows) {
        text << '\n' << static_cast<int>(row.kind) << ' ' << row.id << ' ' << row.group;
        count(row.respondents);
        for (const auto& area : row.areas) {
            count(area.respondents);
            text << " mean " << (area.meanScore ? std::to_string(*area.meanScore) : "-") << " levels";
            for (const auto level : area.levels) text << ' ' << level;
        }
        for (const auto& question : row.questions) {
            count(question.respondents);
            text << " choices";
            for (const auto choice : question.choices) text << ' ' << choice;
        }
        text << " weeks";
        for (const auto& week : row.weeks) count(week);
    }
    return text.str();
}

// Everything a user can see at one moment: each released round's report (weeks and questions) and export.
std::map<std::string, std::string> look(ProofStore& s) {
    std::map<std::string, std::string> tables;  // round -> its report and export
    auto rounds = server::releasedRounds(*s.store);
    REQUIRE(rounds.ok());
    for (const auto& round : *rounds) tables[round.id] = describe(s.report(round.id, "1", true, true)) + "\n" + s.exportCsv(round.id, "1");
    return tables;
}

TEST_CASE("disclosure: a store growing by one response: nothing changes between releases, and a release adds only its round") {
    // So two consecutive looks never differ by one respondent's answers: a released round is frozen, and
    // nothing else is shown.
    std::mt19937 random(proofSeed(20261207u));
    int arrivals = 0;
    int releases = 0;
    for (int n = 0, sequences = proofStores(6); n < sequences; ++n) {
        CAPTURE(n);
        auto s = growingStoreFor(random);
        auto before = look(*s);
        const auto steps = growingStore(random);
        for (std::size_t t = 0; t < steps.size(); ++t) {
            CAPTURE(t);
            const Step& step = steps[t];
            apply(*s, step, random);
            const auto after = look(*s);
            if (step.release.empty()) {
                ++arrivals;
                CHECK(after == before);
            } else {
                ++releases;
                for (const auto& [round, table] : before) CHECK(after.at(round) == table);
                CHECK(after.size() == before.size() + 1);
                CHECK(after.count(step.release) == 1);
            }
            before = after;
        }
    }
    CHECK(arrivals > 50);
    CHECK(releases > 10);
}

TEST_CASE("disclosure: over time, a reader who watched every step still finds each hidden figure two values or more") {
    // A reader looks after every step; each round's tables never change from its release on (the case above),
    // so what watching adds is when each release came: the number of responses stored before it, of which the
    // round froze at most all (the reader knows each other step was one response, not to which unit or week).
    // With that beside both rounds' tables, no hidden figure may be pinned.
    std::mt19937 random(proofSeed(20261207u));
    int hidden = 0;
    int explained = 0;
    for (int n = 0, sequences = proofStores(24); n < sequences; ++n) {
        CAPTURE(n);
        auto s = growingStoreFor(random);
        const auto steps = growingStore(random);
        std::string history;
        std::map<std::string, std::int64_t> before;  // release -> responses stored before it
        std::int64_t responses = 0;
        for (const auto& step : steps) {
            apply(*s, step, random);
            if (step.release.empty()) ++responses, history += " " + step.unit + ":" + step.week;
            else before[step.release] = responses, history += " [release " + step.release + "]";
        }
        CAPTURE(history);

        Knowledge reader;
        const std::int64_t cap = static_cast<std::int64_t>(steps.size()) + 2 * server::kMinimumK;
        auto rounds = server::releasedRounds(*s->store);
        REQUIRE(rounds.ok());
        REQUIRE(rounds->size() == 2);
        std::vector<Block> blocks;
        blocks.push_back(readBlock(reader, *s, (*rounds)[0], {"2026-W01", "2026-W02"}, "1", cap));
        blocks.push_back(readBlock(reader, *s, (*rounds)[1], {"2026-W03", "2026-W04"}, "1", cap));
        // Only what watching adds: a figure the tables alone give away is the case of every table's to report.
        std::set<int> alone;
        for (const auto& block : blocks) {
            for (const auto& figure : block.hidden) {
                if (reader.ambiguous(figure.second) == Verdict::Ambiguous) alone.insert(figure.second);
            }
        }
        reader.knows({{blocks[0].everyone(), 1}}, 0, before.at("r1"), "r1 froze at most the responses stored before its release");
        reader.knows({{blocks[0].everyone(), 1}, {blocks[1].everyone(), 1}}, 0, before.at("r2"),
                     "r1 and r2 froze at most the responses stored before r2's release");
        checkHidden(reader, blocks, hidden, explained, &alone);
    }
    CHECK(hidden > 100);
}

}  // namespace
}  // namespace svarboks::test
