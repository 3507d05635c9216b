// k-anonymous exports (anonymise.hpp): worked examples of what an analyst sees, and a brute-force check on
// many small generated stores that every class shown has k rows and that the plan is the least
// generalisation the stated order allows.
#include "svarboks/server/anonymise.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace svarboks::test {
namespace {

using server::Generalisation;
using server::KAnonymiser;
using server::QuasiIdentifiers;

QuasiIdentifiers row(std::string unit, std::string group, std::string week, std::string locale, std::vector<std::string> identifying = {}) {
    return QuasiIdentifiers{std::move(unit), std::move(group), std::move(week), std::move(locale), std::move(identifying)};
}

std::vector<QuasiIdentifiers> times(int n, const QuasiIdentifiers& r) { return std::vector<QuasiIdentifiers>(static_cast<std::size_t>(n), r); }

std::vector<QuasiIdentifiers> operator+(std::vector<QuasiIdentifiers> a, const std::vector<QuasiIdentifiers>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

struct Outcome {
    KAnonymiser::Plan plan;
    std::vector<std::optional<QuasiIdentifiers>> shown;  // per row, as apply() gave it
};

Outcome run(const std::vector<QuasiIdentifiers>& rows, int k, std::vector<std::string> questions = {}, double share = 0.05) {
    KAnonymiser anonymiser(k, std::move(questions), share);
    for (const auto& r : rows) anonymiser.add(r);
    Outcome outcome{anonymiser.plan(), {}};
    for (const auto& r : rows) outcome.shown.push_back(anonymiser.apply(r));
    return outcome;
}

std::string text(const QuasiIdentifiers& q) {
    std::string s = q.unit + "|" + q.group + "|" + q.week + "|" + q.locale;
    for (const auto& a : q.identifying) s += "|" + a;
    return s;
}

// The brute force's own generalisation, written apart from the library's.
std::string classOf(const QuasiIdentifiers& r, const Generalisation& g) {
    const std::string group = r.group.empty() ? "(no group)" : r.group;
    std::string s = g.unit == 0 ? r.unit + "|" + group : g.unit == 1 ? group + "|" + group : "*|*";
    s += "|" + (g.period == 0 ? r.week : "round");
    s += "|" + (g.locale == 0 ? r.locale : "*");
    for (std::size_t i = 0; i < g.identifying.size(); ++i) s += "|" + (g.identifying[i] == 0 ? r.identifying[i] : "*");
    return s;
}

std::int64_t withheldAt(const std::vector<QuasiIdentifiers>& rows, const Generalisation& g, int k) {
    std::map<std::string, std::int64_t> classes;
    for (const auto& r : rows) ++classes[classOf(r, g)];
    std::int64_t withheld = 0;
    for (const auto& [key, n] : classes) withheld += n < k ? n : 0;
    return withheld;
}

int cost(const Generalisation& g) {
    int c = 4 * g.unit + 2 * g.period + g.locale;
    for (const int level : g.identifying) c += 2 * level;
    return c;
}

std::vector<Generalisation> everyNode(std::size_t questions) {
    std::vector<Generalisation> nodes;
    for (int unit = 0; unit <= 2; ++unit) {
        for (int period = 0; period <= 1; ++period) {
            for (int locale = 0; locale <= 1; ++locale) {
                for (std::size_t mask = 0; mask < (std::size_t{1} << questions); ++mask) {
                    Generalisation g{unit, period, locale, {}};
                    for (std::size_t i = 0; i < questions; ++i) g.identifying.push_back(static_cast<int>((mask >> i) & 1u));
                    nodes.push_back(g);
                }
            }
        }
    }
    return nodes;
}

TEST_CASE("anonymise: a 2-person unit in a group of 12 is withheld within the limit, else shown as its group") {
    const auto rows = times(10, row("Ward A", "Surgery", "2026-W05", "da")) + times(2, row("Ward B", "Surgery", "2026-W05", "da")) +
                      times(30, row("Ward C", "Medicine", "2026-W05", "da")) + times(8, row("Ward D", "Medicine", "2026-W05", "da"));
    SUBCASE("5 % of 50 rows may be withheld: Ward B's two rows are, every other unit is shown by name") {
        const auto out = run(rows, 5);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 0, {}});
        CHECK(out.plan.rows == 50);
        CHECK(out.plan.withheld == 2);
        CHECK(out.plan.classes == 3);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            CAPTURE(i);
            if (rows[i].unit == "Ward B") CHECK_FALSE(out.shown[i].has_value());
            else CHECK(out.shown[i] == rows[i]);
        }
        CHECK(out.plan.explanation ==
              "50 responses, shown so that every combination of unit, period and language is shared by at least 5 of them. "
              "Nothing had to be generalised. 2 responses (4.0 %) were withheld because even so their combination was shared by "
              "fewer than 5 responses.");
    }
    SUBCASE("nothing may be withheld: units become groups, the week stays (one week anyway)") {
        const auto out = run(rows, 5, {}, 0.0);
        CHECK(out.plan.generalisation == Generalisation{1, 0, 0, {}});
        CHECK(out.plan.withheld == 0);
        CHECK(out.plan.classes == 2);
        CHECK(out.shown[0] == row("Surgery", "Surgery", "2026-W05", "da"));
        CHECK(out.shown[10] == row("Surgery", "Surgery", "2026-W05", "da"));
        CHECK(out.shown[12] == row("Medicine", "Medicine", "2026-W05", "da"));
        CHECK(out.plan.explanation ==
              "50 responses, shown so that every combination of unit, period and language is shared by at least 5 of them. "
              "Units are shown as their groups: anything finer would have withheld more than the 0 % allowed (0 responses). "
              "No response was withheld.");
    }
}

TEST_CASE("anonymise: the week is given up before the unit") {
    // Each unit has 3 a week over two weeks: the round gives 6 per unit, the group 6 per week.
    std::vector<QuasiIdentifiers> rows;
    for (const char* unit : {"Ward A", "Ward B"}) {
        for (const char* week : {"2026-W05", "2026-W06"}) rows = rows + times(3, row(unit, "Surgery", week, "da"));
    }
    const auto out = run(rows, 5, {}, 0.0);
    CHECK(out.plan.generalisation == Generalisation{0, 1, 0, {}});
    CHECK(out.shown.front() == row("Ward A", "Surgery", "round", "da"));
    CHECK(out.shown.back() == row("Ward B", "Surgery", "round", "da"));
    CHECK(out.plan.explanation.find("Weeks are shown as the whole round") != std::string::npos);
}

TEST_CASE("anonymise: one English respondent is withheld within the limit, else the language is not shown") {
    const auto rows = times(20, row("Ward A", "Surgery", "2026-W05", "da")) + times(1, row("Ward A", "Surgery", "2026-W05", "en"));
    SUBCASE("within 5 % of 21") {
        const auto out = run(rows, 5);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 0, {}});
        CHECK(out.plan.withheld == 1);
        CHECK_FALSE(out.shown.back().has_value());
        CHECK(out.shown.front() == rows.front());
        CHECK(out.plan.explanation.find("1 response (4.8 %) was withheld because even so its combination was shared by fewer than 5") !=
              std::string::npos);
    }
    SUBCASE("with nothing to withhold") {
        const auto out = run(rows, 5, {}, 0.0);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 1, {}});
        CHECK(out.plan.withheld == 0);
        for (const auto& shown : out.shown) CHECK(shown == row("Ward A", "Surgery", "2026-W05", "*"));
        CHECK(out.plan.explanation.find("The language is not shown") != std::string::npos);
    }
}

TEST_CASE("anonymise: fewer than k responses in all are all withheld") {
    const auto rows = times(3, row("Ward A", "Surgery", "2026-W05", "da")) + times(1, row("Ward B", "", "2026-W06", "en"));
    const auto out = run(rows, 5, {}, 0.5);
    CHECK(out.plan.generalisation == Generalisation{2, 1, 1, {}});
    CHECK(out.plan.withheld == 4);
    CHECK(out.plan.classes == 0);
    for (const auto& shown : out.shown) CHECK_FALSE(shown.has_value());
    CHECK(out.plan.explanation ==
          "All 4 responses were withheld: the export has fewer than 5, so no combination of unit, period and language could be "
          "shared by 5 of them.");
    const auto none = run({}, 5);
    CHECK(none.plan.rows == 0);
    CHECK(none.plan.withheld == 0);
    CHECK(none.plan.explanation == "No responses to export.");
}

TEST_CASE("anonymise: an identifying question with a unique answer") {
    const auto rows = times(12, row("Ward A", "Surgery", "2026-W05", "da", {"Kitchen"})) +
                      times(1, row("Ward A", "Surgery", "2026-W05", "da", {"Night shift"}));
    SUBCASE("nothing may be withheld: the answers to it are not shown, everything else is") {
        const auto out = run(rows, 5, {"workplace"}, 0.0);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 0, {1}});
        for (const auto& shown : out.shown) CHECK(shown == row("Ward A", "Surgery", "2026-W05", "da", {"*"}));
        CHECK(out.plan.explanation ==
              "13 responses, shown so that every combination of unit, period, language and the answer to \"workplace\" is shared by "
              "at least 5 of them. The answers to \"workplace\" are not shown: anything finer would have withheld more than the 0 % "
              "allowed (0 responses). No response was withheld.");
    }
    SUBCASE("10 % of 13 may be withheld: only the night shift's row is") {
        const auto out = run(rows, 5, {"workplace"}, 0.1);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 0, {0}});
        CHECK(out.plan.withheld == 1);
        CHECK(out.shown.front() == rows.front());
        CHECK_FALSE(out.shown.back().has_value());
    }
    SUBCASE("an unanswered question is an answer like any other, and a missing answer is unanswered") {
        auto unanswered = times(5, row("Ward A", "Surgery", "2026-W05", "da", {""})) + times(1, row("Ward A", "Surgery", "2026-W05", "da"));
        const auto out = run(rows + unanswered, 5, {"workplace"}, 0.1);
        CHECK(out.plan.generalisation == Generalisation{0, 0, 0, {0}});
        CHECK(out.plan.withheld == 1);
        CHECK(out.shown.back() == row("Ward A", "Surgery", "2026-W05", "da", {""}));
    }
}

TEST_CASE("anonymise: units without a group are pooled as one group, \"(no group)\"") {
    const auto rows = times(3, row("Kiosk X", "", "2026-W05", "da")) + times(3, row("Kiosk Y", "", "2026-W05", "da")) +
                      times(6, row("Ward A", "Surgery", "2026-W05", "da"));
    const auto out = run(rows, 5, {}, 0.0);
    CHECK(out.plan.generalisation == Generalisation{1, 0, 0, {}});
    CHECK(out.shown.front() == row("(no group)", "(no group)", "2026-W05", "da"));
    CHECK(out.shown.back() == row("Surgery", "Surgery", "2026-W05", "da"));
    CHECK(server::generalise(rows.front(), Generalisation{0, 0, 0, {}}) == row("Kiosk X", "(no group)", "2026-W05", "da"));
}

TEST_CASE("anonymise: nothing is shown before plan(), after a later add(), or for a row never added") {
    KAnonymiser anonymiser(2);
    const auto a = row("Ward A", "Surgery", "2026-W05", "da");
    anonymiser.add(a);
    anonymiser.add(a);
    CHECK_FALSE(anonymiser.apply(a).has_value());
    CHECK(anonymiser.plan().withheld == 0);
    CHECK(anonymiser.apply(a) == a);
    CHECK_FALSE(anonymiser.apply(row("Ward A", "Surgery", "2026-W06", "da")).has_value());
    CHECK_FALSE(anonymiser.apply(row("Ward B", "Surgery", "2026-W05", "da")).has_value());
    anonymiser.add(row("Ward B", "Surgery", "2026-W05", "da"));
    CHECK_FALSE(anonymiser.apply(a).has_value());
    const auto plan = anonymiser.plan();
    CHECK(plan.rows == 3);
    CHECK(plan.generalisation == Generalisation{1, 0, 0, {}});
    CHECK(anonymiser.apply(a) == row("Surgery", "Surgery", "2026-W05", "da"));
}

TEST_CASE("anonymise: questions past the searched ones are always withheld") {
    const std::vector<std::string> questions(KAnonymiser::kMaxSearchedIdentifying + 1, "q");
    const std::vector<std::string> answers(questions.size(), "same");
    const auto rows = times(5, row("Ward A", "Surgery", "2026-W05", "da", answers));
    const auto out = run(rows, 5, questions, 0.0);
    Generalisation expected{0, 0, 0, std::vector<int>(questions.size(), 0)};
    expected.identifying.back() = 1;
    CHECK(out.plan.generalisation == expected);
    CHECK(out.shown.front()->identifying.back() == "*");
}

TEST_CASE("anonymise: on many small generated stores every class shown has k rows and the plan is the least generalisation") {
    std::mt19937 random(20260512u);
    const auto pick = [&](auto n) { return static_cast<decltype(n)>(random() % static_cast<unsigned>(n)); };
    std::map<std::string, int> seen;  // which cases the generator reached
    for (int store = 0; store < 2000; ++store) {
        const int k = 2 + pick(4);
        const double share = std::vector<double>{0.0, 0.05, 0.1, 0.25}[pick(std::size_t{4})];
        const std::size_t questions = pick(std::size_t{2});
        const int groups = pick(3);  // 0: no unit has a group
        const int units = 1 + pick(5);
        const int weeks = 1 + pick(3);
        const int n = pick(40);
        std::vector<std::string> groupOf;
        for (int u = 0; u < units; ++u) groupOf.push_back(groups == 0 || pick(5) == 0 ? "" : "g" + std::to_string(pick(groups)));
        std::vector<QuasiIdentifiers> rows;
        for (int i = 0; i < n; ++i) {
            const int u = pick(units);
            QuasiIdentifiers r = row("u" + std::to_string(u), groupOf[static_cast<std::size_t>(u)], "2026-W0" + std::to_string(1 + pick(weeks)),
                                     pick(6) == 0 ? "en" : "da");
            for (std::size_t q = 0; q < questions; ++q) r.identifying.push_back(std::vector<std::string>{"", "a", "a", "b", "c"}[pick(std::size_t{5})]);
            rows.push_back(r);
        }
        CAPTURE(store);
        CAPTURE(k);
        CAPTURE(share);
        std::vector<std::string> names;
        for (std::size_t q = 0; q < questions; ++q) names.push_back("q" + std::to_string(q));
        const auto out = run(rows, k, names, share);
        const auto& plan = out.plan;
        CHECK(plan.rows == n);

        // Every class shown has k rows; the withheld are the nullopts; the same row, the same answer,
        // and the one the chosen node gives.
        std::map<std::string, std::int64_t> classes;
        std::map<std::string, std::optional<QuasiIdentifiers>> answerOf;
        std::int64_t withheld = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& shown = out.shown[i];
            const auto [at, fresh] = answerOf.emplace(text(rows[i]), shown);
            CHECK(at->second == shown);
            if (!shown) {
                ++withheld;
                continue;
            }
            ++classes[text(*shown)];
            CHECK(text(*shown) == classOf(rows[i], plan.generalisation));
        }
        CHECK(withheld == plan.withheld);
        CHECK(static_cast<std::int64_t>(classes.size()) == plan.classes);
        for (const auto& [key, count] : classes) {
            CAPTURE(key);
            CHECK(count >= k);
        }

        // The chosen node is the first valid one by cost, then withheld rows, then levels.
        const auto allowed = static_cast<std::int64_t>(std::floor(share * n + 1e-9));
        std::optional<Generalisation> best;
        std::int64_t bestWithheld = 0;
        for (const auto& node : everyNode(questions)) {
            const std::int64_t w = withheldAt(rows, node, k);
            if (w > allowed) continue;
            const auto rank = [&](const Generalisation& g, std::int64_t gw) {
                return std::make_tuple(cost(g), gw, g.unit, g.period, g.locale, g.identifying);
            };
            if (!best || rank(node, w) < rank(*best, bestWithheld)) best = node, bestWithheld = w;
        }
        if (best) {
            CHECK(plan.generalisation == *best);
            CHECK(plan.withheld == bestWithheld);
            CHECK(plan.withheld <= allowed);
        } else {
            CHECK(n < k);
            CHECK(plan.withheld == n);
            CHECK(plan.generalisation == Generalisation{2, 1, 1, std::vector<int>(questions, 1)});
        }
        CHECK(plan.generalisation.cost() == cost(plan.generalisation));

        // The order of the rows does not matter.
        auto shuffled = rows;
        std::shuffle(shuffled.begin(), shuffled.end(), random);
        const auto again = run(shuffled, k, names, share);
        CHECK(again.plan.generalisation == plan.generalisation);
        CHECK(again.plan.withheld == plan.withheld);
        CHECK(again.plan.classes == plan.classes);
        CHECK(again.plan.explanation == plan.explanation);

        const auto& g = plan.generalisation;
        if (plan.withheld > 0 && plan.withheld < n) ++seen["some withheld"];
        if (n > 0 && plan.withheld == n) ++seen["all withheld"];
        if (g.unit == 1) ++seen["unit to group"];
        if (g.unit == 2) ++seen["unit to all"];
        if (g.period == 1) ++seen["week to round"];
        if (g.locale == 1) ++seen["locale to any"];
        if (std::count(g.identifying.begin(), g.identifying.end(), 1) > 0) ++seen["answer withheld"];
        if (g.cost() == 0 && plan.withheld == 0 && n > 0) ++seen["nothing"];
    }
    // The generator must reach the cases that matter.
    for (const char* what : {"some withheld", "all withheld", "unit to group", "unit to all", "week to round", "locale to any", "answer withheld", "nothing"}) {
        CAPTURE(what);
        CHECK(seen[what] > 20);
    }
}

}  // namespace
}  // namespace svarboks::test
