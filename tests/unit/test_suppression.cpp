// Cell suppression: sums of several hidden cells under a shown one (suppression.hpp: the residual rule).
// Found by the attack suite: 7 shown, 6 shown beside two "fewer than 5" gave one person's answers.
#include "svarboks/server/suppression.hpp"

#include <doctest/doctest.h>

#include <random>

using namespace svarboks::server;

namespace {

// The people under each shown cell that no shown cell below it covers.
std::int64_t residualOf(const SumTree& tree, const std::vector<Hidden>& hidden, int cell) {
    std::int64_t known = 0;
    std::vector<int> stack(tree.children(cell).begin(), tree.children(cell).end());
    while (!stack.empty()) {
        const int c = stack.back();
        stack.pop_back();
        if (hidden[static_cast<std::size_t>(c)] == Hidden::No) known += tree.value(c);
        else stack.insert(stack.end(), tree.children(c).begin(), tree.children(c).end());
    }
    return tree.value(cell) - known;
}

}  // namespace

TEST_CASE("suppression: two hidden groups whose sum is one person are not left under a shown total") {
    SumTree tree;
    const int total = tree.add(-1, 7);
    const int care = tree.add(total, 6);
    tree.add(care, 3);
    tree.add(care, 3);
    const int homes = tree.add(total, 1);
    const int none = tree.add(total, 0);
    const auto hidden = suppress(tree, 5);
    CHECK(hidden[static_cast<std::size_t>(homes)] == Hidden::FewerThanK);
    CHECK(hidden[static_cast<std::size_t>(none)] == Hidden::FewerThanK);
    // Shown, the total minus the shown group would be the one person in the other groups.
    CHECK_FALSE((hidden[static_cast<std::size_t>(total)] == Hidden::No && hidden[static_cast<std::size_t>(care)] == Hidden::No));
}

TEST_CASE("suppression: on generated trees no shown cell leaves 1..k-1 people uncovered below it") {
    std::mt19937 random(20261206);
    for (int round = 0; round < 3000; ++round) {
        const int k = 5;
        // A municipality, 1-4 groups of 1-4 units, 0-12 respondents each.
        std::vector<std::vector<std::int64_t>> units(static_cast<std::size_t>(std::uniform_int_distribution<int>(1, 4)(random)));
        std::int64_t all = 0;
        for (auto& members : units) {
            const int count = std::uniform_int_distribution<int>(1, 4)(random);
            for (int u = 0; u < count; ++u) {
                members.push_back(std::uniform_int_distribution<int>(0, 12)(random));
                all += members.back();
            }
        }
        SumTree built;
        const int top = built.add(-1, all);
        for (const auto& members : units) {
            std::int64_t sum = 0;
            for (const auto v : members) sum += v;
            const int group = built.add(top, sum);
            for (const auto v : members) built.add(group, v);
        }
        const auto hidden = suppress(built, k);
        for (std::size_t i = 0; i < built.size(); ++i) {
            const int cell = static_cast<int>(i);
            if (hidden[i] != Hidden::No || built.children(cell).empty()) continue;
            const std::int64_t r = residualOf(built, hidden, cell);
            INFO("round " << round << " cell " << cell << " residual " << r);
            CHECK((r == 0 || r >= k));
        }
        const auto bounds = readerBounds(built, hidden, k);
        for (std::size_t i = 0; i < built.size(); ++i) {
            if (hidden[i] != Hidden::No) CHECK_FALSE(bounds[i].exact());
        }
    }
}

TEST_CASE("suppression: a cell hidden beside its row's shown count is not pinned by that count") {
    // An area of one group: unit A's 5 respondents all answered it, unit B's 2 of 7. The respondents table
    // shows A 5, B 7, the group 12, so the reader knows A's area count is at most 5 and B's at most 7.
    SumTree tree;
    const int group = tree.add(-1, 7);
    const int a = tree.add(group, 5);
    const int b = tree.add(group, 2);
    const std::vector<Inherited> rows = {{Hidden::No, 12}, {Hidden::No, 5}, {Hidden::No, 7}};
    const auto hidden = suppress(tree, 5, rows);
    CHECK(hidden[static_cast<std::size_t>(b)] == Hidden::FewerThanK);
    // Hidden as "k or more", A would be 5..5: exactly 5, and B = the group's 7 - 5 = 2. It must stay shown
    // (it tells nothing about fewer than 5) and the group be hidden instead.
    CHECK(hidden[static_cast<std::size_t>(a)] == Hidden::No);
    CHECK(hidden[static_cast<std::size_t>(group)] == Hidden::Secondary);
    const auto bounds = readerBounds(tree, hidden, 5, rows);
    CHECK(bounds[static_cast<std::size_t>(a)].exact());
    CHECK_FALSE(bounds[static_cast<std::size_t>(b)].exact());
    CHECK(bounds[static_cast<std::size_t>(group)].lo == 5);
    CHECK(bounds[static_cast<std::size_t>(group)].hi == 9);

    // Without the caps, the old choice: A hidden beside B. Read with the caps, that pins both.
    const auto uncapped = suppress(tree, 5);
    CHECK(uncapped[static_cast<std::size_t>(a)] == Hidden::Secondary);
    const auto leak = readerBounds(tree, uncapped, 5, rows);
    CHECK(leak[static_cast<std::size_t>(a)].exact());
    CHECK(leak[static_cast<std::size_t>(b)].exact());
}

TEST_CASE("suppression: on generated trees with caps no hidden cell is exact") {
    std::mt19937 random(20261207);
    int fallbacks = 0;
    for (int round = 0; round < 3000; ++round) {
        const int k = 5;
        // A statistic over a group of units: each unit's count is at most its (shown or hidden) row.
        SumTree tree;
        std::vector<Inherited> rows;
        const int units = std::uniform_int_distribution<int>(2, 5)(random);
        std::vector<std::int64_t> counts;
        std::int64_t sum = 0;
        std::int64_t rowSum = 0;
        rows.push_back({});
        for (int u = 0; u < units; ++u) {
            const std::int64_t row = std::uniform_int_distribution<int>(0, 10)(random);
            const std::int64_t count = std::uniform_int_distribution<std::int64_t>(0, row)(random);
            counts.push_back(count);
            sum += count;
            rowSum += row;
            rows.push_back(row < k ? Inherited{Hidden::FewerThanK} : Inherited{Hidden::No, row});
        }
        rows[0] = rowSum < k ? Inherited{Hidden::FewerThanK} : Inherited{Hidden::No, rowSum};
        const int top = tree.add(-1, sum);
        for (const auto count : counts) tree.add(top, count);
        const auto hidden = suppress(tree, k, rows);
        const auto bounds = readerBounds(tree, hidden, k, rows);
        bool everything = true;
        for (std::size_t i = 0; i < tree.size(); ++i) everything = everything && hidden[i] != Hidden::No;
        if (everything) ++fallbacks;
        for (std::size_t i = 0; i < tree.size(); ++i) {
            CAPTURE(i);
            CAPTURE(round);
            // A hidden figure under k is never pinned; one of k or more may be, only when it is at its cap
            // (all of the row's people: a figure the row shows already).
            if (hidden[i] == Hidden::FewerThanK && rows[i].label == Hidden::No) CHECK_FALSE(bounds[i].exact());
            if (hidden[i] == Hidden::Secondary && bounds[i].exact()) CHECK(tree.value(static_cast<int>(i)) == rows[i].cap);
        }
    }
    MESSAGE("hid the whole tree ", fallbacks, " times of 3000");
}
