// The stages of buildReport() one at a time (report_stages.hpp), on counts made by hand: the rows and their
// tree, the sums, which statistic inherits what from the respondents, and that the shaped report carries
// nothing of a hidden cell. The stages that read the store are checked through buildReport (test_report.cpp).
#include "svarboks/server/report_stages.hpp"

#include <doctest/doctest.h>

using namespace svarboks::server;

namespace {

using Kind = ReportRow::Kind;

std::vector<std::string> ids(const Layout& layout) {
    std::vector<std::string> list;
    for (const auto& row : layout.rows) list.push_back(row.id);
    return list;
}

// Counts for a layout with every statistic at 0: one area with two levels, one question with two choices.
RoundCounts zeros(const Layout& layout, bool questions = true) {
    const std::size_t n = layout.rows.size();
    RoundCounts counts;
    counts.respondents.assign(n, 0);
    counts.weeks.resize(n);
    counts.areas.push_back({RowCounts(n, 0), std::vector<double>(n, 0.0), {RowCounts(n, 0), RowCounts(n, 0)}});
    if (questions) counts.questions.push_back({RowCounts(n, 0), {RowCounts(n, 0), RowCounts(n, 0)}});
    return counts;
}

// A cell's labels as given, over a tree of the layout's rows with the given counts.
SuppressedTree labelled(const Layout& layout, const RowCounts& values, std::vector<Hidden> hidden) {
    SuppressedTree cells;
    for (std::size_t i = 0; i < layout.rows.size(); ++i) cells.tree.add(layout.parent[i], values[i]);
    cells.hidden = std::move(hidden);
    return cells;
}

}  // namespace

TEST_CASE("report stages: layOut puts units by name under the municipality when no unit has a group") {
    const Layout layout = layOut({{"b", "Beta", ""}, {"a2", "Alpha", ""}, {"a1", "Alpha", ""}});
    CHECK(ids(layout) == std::vector<std::string>{"", "a1", "a2", "b"});
    CHECK(layout.rows[0].kind == Kind::Total);
    CHECK(layout.parent == std::vector<int>{-1, 0, 0, 0});
    CHECK(layout.rowOf("b") == 3);
    CHECK_FALSE(layout.rowOf("elsewhere").has_value());
    CHECK(layOut({}).rows.size() == 1);  // a round without units: the municipality alone
}

TEST_CASE("report stages: layOut puts groups by name, each before its units, and the units without one last") {
    const Layout layout = layOut({{"u1", "Ungrouped", ""}, {"s", "Sol", "Pleje"}, {"n", "Nord", "Hjem"}, {"e", "Egely", "Pleje"}});
    CHECK(ids(layout) == std::vector<std::string>{"", "Hjem", "n", "Pleje", "e", "s", "", "u1"});
    CHECK(layout.parent == std::vector<int>{-1, 0, 1, 0, 3, 3, 0, 6});
    CHECK(layout.rows[6].kind == Kind::Group);  // "no group"
    CHECK(layout.rows[4].group == "Pleje");
    for (std::size_t i = 1; i < layout.rows.size(); ++i) CHECK(layout.parent[i] < static_cast<int>(i));  // sumUp relies on it
}

TEST_CASE("report stages: sumUp adds every statistic of the units into their group and the municipality, weeks apart") {
    const Layout layout = layOut({{"a", "A", "G"}, {"b", "B", "G"}, {"c", "C", ""}});  // "", G, a, b, "", c
    RoundCounts counts = zeros(layout);
    const std::size_t a = *layout.rowOf("a"), b = *layout.rowOf("b"), c = *layout.rowOf("c");
    counts.respondents[a] = 6, counts.respondents[b] = 7, counts.respondents[c] = 9;
    counts.weeks[a] = {{"2026-W01", 6}};
    counts.areas[0].respondents[a] = 5, counts.areas[0].respondents[c] = 8;
    counts.areas[0].scoreSums[a] = 2.5, counts.areas[0].scoreSums[c] = 4.0;
    counts.areas[0].levels[1][b] = 3;
    counts.questions[0].answered[b] = 7;
    counts.questions[0].choices[0][c] = 2;
    sumUp(layout, counts);
    CHECK(counts.respondents == RowCounts{22, 13, 6, 7, 9, 9});
    CHECK(counts.areas[0].respondents == RowCounts{13, 5, 5, 0, 8, 8});
    CHECK(counts.areas[0].scoreSums == std::vector<double>{6.5, 2.5, 2.5, 0.0, 4.0, 4.0});
    CHECK(counts.areas[0].levels[1] == RowCounts{3, 3, 0, 3, 0, 0});
    CHECK(counts.questions[0].answered == RowCounts{7, 7, 0, 7, 0, 0});
    CHECK(counts.questions[0].choices[0] == RowCounts{2, 0, 0, 0, 2, 2});
    CHECK(counts.weeks[a].size() == 1);
    CHECK(counts.weeks[0].empty());  // no week is summed across units
}

TEST_CASE("report stages: suppressFigures makes a unit's weeks parts of it, and the areas and questions start from the respondents") {
    // a = 3 is fewer than 5; b then gives it away from the total, so b is hidden as secondary.
    const Layout layout = layOut({{"a", "A", ""}, {"b", "B", ""}});
    RoundCounts counts = zeros(layout);
    const std::size_t a = *layout.rowOf("a"), b = *layout.rowOf("b");
    counts.respondents[a] = 3, counts.respondents[b] = 7;
    counts.weeks[a] = {{"2026-W02", 3}};
    counts.weeks[b] = {{"2026-W01", 5}, {"2026-W02", 2}};
    // Areas and questions count some of the respondents: b's 7 all have a score and answered, so on its own
    // the area and the question would show b.
    counts.areas[0].respondents[a] = 3, counts.areas[0].respondents[b] = 7;
    counts.questions[0].answered[b] = 7;
    sumUp(layout, counts);
    const Suppression suppression = suppressFigures(layout, counts, 5);

    const SuppressedTree& respondents = suppression.respondents;
    CHECK(respondents.count(0) == Count{Hidden::No, 10});
    CHECK(respondents.count(a).hidden == Hidden::FewerThanK);
    CHECK(respondents.count(b).hidden == Hidden::Secondary);
    REQUIRE(suppression.weekCells[b].size() == 2);
    for (std::size_t w = 0; w < 2; ++w) {
        const int cell = suppression.weekCells[b][w];
        CHECK(respondents.tree.parent(cell) == static_cast<int>(b));
        CHECK(respondents.tree.kind(cell) == CellKind::Part);
        CHECK(respondents.tree.value(cell) == counts.weeks[b][w].respondents);
        CHECK(respondents.hidden[static_cast<std::size_t>(cell)] == Hidden::Secondary);  // under its unit's label
    }
    CHECK(respondents.hidden[static_cast<std::size_t>(suppression.weekCells[a][0])] == Hidden::FewerThanK);

    REQUIRE(suppression.areas.size() == 1);
    REQUIRE(suppression.questions.size() == 1);
    for (const SuppressedTree* statistic : {&suppression.areas[0], &suppression.questions[0]}) {
        CHECK(statistic->tree.size() == layout.rows.size());  // rows only: weeks are the respondents' alone
        CHECK(statistic->count(a).hidden == Hidden::FewerThanK);
        CHECK(statistic->count(b).hidden == Hidden::Secondary);  // inherited, although 7 alone would show
    }
    CHECK(suppression.areas[0].count(0) == Count{Hidden::No, 10});
}

TEST_CASE("report stages: shapeReport takes a figure only where its cell is shown") {
    const Layout layout = layOut({{"a", "A", ""}, {"b", "B", ""}, {"c", "C", ""}});
    const std::size_t a = *layout.rowOf("a"), b = *layout.rowOf("b"), c = *layout.rowOf("c");
    RoundCounts counts = zeros(layout);
    counts.respondents = {26, 3, 12, 11};
    counts.weeks[a] = {{"2026-W02", 3}};
    counts.weeks[b] = {{"2026-W01", 12}};
    counts.weeks[c] = {{"2026-W03", 11}};
    counts.areas[0].respondents = {26, 3, 12, 11};
    counts.areas[0].scoreSums = {13.0, 1.5, 6.0, 5.5};
    counts.areas[0].levels = {{10, 1, 5, 4}, {16, 2, 7, 7}};
    counts.questions[0].answered = {20, 2, 12, 6};
    counts.questions[0].choices = {{9, 1, 8, 0}, {11, 1, 4, 6}};

    // Labels chosen by hand, not by suppress(): shaping must follow them whatever they are.
    Suppression suppression;
    const auto no = Hidden::No, fewer = Hidden::FewerThanK, secondary = Hidden::Secondary;
    suppression.respondents = labelled(layout, counts.respondents, {no, fewer, no, secondary});
    suppression.weekCells.resize(layout.rows.size());
    for (const std::size_t r : {a, b, c}) {
        suppression.weekCells[r].push_back(suppression.respondents.tree.add(static_cast<int>(r), counts.weeks[r][0].respondents, CellKind::Part));
        suppression.respondents.hidden.push_back(suppression.respondents.hidden[r]);
    }
    suppression.areas.push_back(labelled(layout, counts.areas[0].respondents, {no, fewer, no, secondary}));
    suppression.questions.push_back(labelled(layout, counts.questions[0].answered, {no, fewer, no, fewer}));

    ReportScope scope;
    scope.round = {"r", "2026-W01", "2026-W04", "2026-02-01", 5};
    scope.survey.areas = {{"x", {}}};
    scope.survey.levels = {{"low", {}}, {"high", {}}};
    scope.survey.questions = {{"q", {}, false, {{"1", {}}, {"2", {}}}}};

    SUBCASE("respondents and areas: a hidden cell is its label and 0, with no mean and no levels") {
        const Report report = shapeReport(scope, layout, counts, suppression, {});
        CHECK(report.round.id == "r");
        CHECK(report.weeks.empty());
        REQUIRE(report.rows.size() == 4);
        CHECK(report.rows[b].respondents == Count{Hidden::No, 12});
        CHECK(report.rows[a].respondents == Count{Hidden::FewerThanK, 0});
        CHECK(report.rows[c].respondents == Count{Hidden::Secondary, 0});
        CHECK(report.rows[b].areas[0].meanScore == doctest::Approx(0.5));
        CHECK(report.rows[b].areas[0].levels == std::vector<std::int64_t>{5, 7});
        for (const std::size_t r : {a, c}) {
            CHECK(report.rows[r].areas[0].respondents.value == 0);
            CHECK_FALSE(report.rows[r].areas[0].meanScore.has_value());
            CHECK(report.rows[r].areas[0].levels.empty());
            CHECK(report.rows[r].weeks.empty());
            CHECK(report.rows[r].questions.empty());  // not asked for
        }
    }
    SUBCASE("a shown 0 has no mean") {
        RoundCounts none = counts;
        none.areas[0].respondents[b] = 0;
        Suppression shown = suppression;
        shown.areas[0] = labelled(layout, none.areas[0].respondents, {no, fewer, no, secondary});
        const Report report = shapeReport(scope, layout, none, shown, {});
        CHECK(report.rows[b].areas[0].respondents == Count{Hidden::No, 0});
        CHECK_FALSE(report.rows[b].areas[0].meanScore.has_value());
        CHECK(report.rows[b].areas[0].levels.empty());
    }
    SUBCASE("weeks: every week of the round, 0 where nobody answered, and a hidden unit's all under its label") {
        ReportRequest request;
        request.weeks = true;
        const Report report = shapeReport(scope, layout, counts, suppression, request);
        CHECK(report.weeks == std::vector<std::string>{"2026-W01", "2026-W02", "2026-W03", "2026-W04"});
        CHECK(report.rows[0].weeks.empty());  // no week totals across units
        CHECK(report.rows[b].weeks == std::vector<Count>{{Hidden::No, 12}, {}, {}, {}});
        CHECK(report.rows[a].weeks == std::vector<Count>(4, Count{Hidden::FewerThanK, 0}));
        CHECK(report.rows[c].weeks == std::vector<Count>(4, Count{Hidden::Secondary, 0}));
    }
    SUBCASE("questions: choices of shown cells, and of the units asked for only") {
        ReportRequest request;
        request.questions = true;
        Report report = shapeReport(scope, layout, counts, suppression, request);
        CHECK(report.rows[0].questions[0].choices == std::vector<std::int64_t>{9, 11});
        CHECK(report.rows[b].questions[0].choices == std::vector<std::int64_t>{8, 4});
        CHECK(report.rows[a].questions[0].respondents == Count{Hidden::FewerThanK, 0});
        CHECK(report.rows[a].questions[0].choices.empty());
        CHECK(report.rows[c].questions[0].choices.empty());
        request.questionUnits = {"b"};
        report = shapeReport(scope, layout, counts, suppression, request);
        CHECK(report.rows[0].questions[0].respondents == Count{Hidden::No, 20});  // every row's respondents per question
        CHECK(report.rows[0].questions[0].choices.empty());
        CHECK(report.rows[b].questions[0].choices == std::vector<std::int64_t>{8, 4});
    }
}
