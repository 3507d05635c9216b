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
