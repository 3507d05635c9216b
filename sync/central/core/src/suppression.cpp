#include "svarboks/server/suppression.hpp"

#include <algorithm>
#include <optional>

namespace svarboks::server {

namespace {

constexpr std::int64_t kInf = Bounds::kUnbounded;

std::int64_t add(std::int64_t a, std::int64_t b) { return std::min(kInf, a + b); }
std::int64_t sub(std::int64_t a, std::int64_t b) { return a >= kInf ? kInf : a - b; }

// What a cell's label tells before any arithmetic. A cell hidden with its row (inherited from another
// statistic, or a part of a hidden row) is a count of some of the row's people: 0 up to the row's bound.
Bounds labelOnly(const SumTree& tree, int cell, std::span<const Hidden> hidden, int k, std::span<const Inherited> inherited) {
    const auto index = static_cast<std::size_t>(cell);
    const auto withRow = [&](Hidden rowLabel) { return Bounds{0, rowLabel == Hidden::FewerThanK ? std::int64_t{k - 1} : kInf}; };
    if (!inherited.empty() && inherited[index].label != Hidden::No) return withRow(inherited[index].label);
    const int parent = tree.parent(cell);
    if (tree.kind(cell) == CellKind::Part && parent >= 0 && hidden[static_cast<std::size_t>(parent)] != Hidden::No) {
        return withRow(hidden[static_cast<std::size_t>(parent)]);
    }
    switch (hidden[index]) {
        case Hidden::No: return Bounds{tree.value(cell), tree.value(cell)};
        case Hidden::FewerThanK: return Bounds{tree.kind(cell) == CellKind::Part ? 1 : 0, k - 1};
        case Hidden::Secondary: return Bounds{k, kInf};
    }
    return Bounds{};
}

std::int64_t capOf(int cell, std::span<const Inherited> inherited) {
    return inherited.empty() ? kInf : inherited[static_cast<std::size_t>(cell)].cap;
}

// The label's bounds within the cell's cap.
Bounds labelBounds(const SumTree& tree, int cell, std::span<const Hidden> hidden, int k, std::span<const Inherited> inherited) {
    Bounds bounds = labelOnly(tree, cell, hidden, k, inherited);
    bounds.hi = std::min(bounds.hi, capOf(cell, inherited));
    return bounds;
}

// Tightens the bounds of a parent and its children with parent = sum(children). True if any changed.
bool tighten(const SumTree& tree, int parent, std::vector<Bounds>& bounds) {
    const auto& children = tree.children(parent);
    std::int64_t sumLo = 0;
    std::int64_t finiteHi = 0;  // the sum of the children's upper bounds that are finite
    int unbounded = 0;          // how many children have none
    for (const int child : children) {
        const Bounds& c = bounds[static_cast<std::size_t>(child)];
        sumLo = add(sumLo, c.lo);
        if (c.hi >= kInf) ++unbounded;
        else finiteHi = add(finiteHi, c.hi);
    }
    bool changed = false;
    Bounds& p = bounds[static_cast<std::size_t>(parent)];
    const std::int64_t sumHi = unbounded > 0 ? kInf : finiteHi;
    if (sumLo > p.lo) p.lo = sumLo, changed = true;
    if (sumHi < p.hi) p.hi = sumHi, changed = true;
    for (const int child : children) {
        Bounds& c = bounds[static_cast<std::size_t>(child)];
        // The other children's sums: the child's own share taken out again.
        const std::int64_t othersLo = sumLo - c.lo;
        const bool othersUnbounded = unbounded > (c.hi >= kInf ? 1 : 0);
        const std::int64_t othersHi = othersUnbounded ? kInf : (c.hi >= kInf ? finiteHi : finiteHi - c.hi);
        if (!othersUnbounded) {
            if (const std::int64_t lo = p.lo - othersHi; lo > c.lo) c.lo = lo, changed = true;
        }
        if (const std::int64_t hi = sub(p.hi, othersLo); hi < c.hi) c.hi = hi, changed = true;
    }
    return changed;
}

// A shown cell to hide so that `cell` is no longer exact: a sibling, else a child, else the parent; the
// smallest that is at least k (a shown part may be 0: "k or more" would be false) and not at k and its cap
// (hidden, it would read as exactly k).
std::optional<int> partner(const SumTree& tree, int cell, const std::vector<Hidden>& hidden, int k, std::span<const Inherited> inherited) {
    const auto usable = [&](int c) { return hidden[static_cast<std::size_t>(c)] == Hidden::No && tree.value(c) >= k && capOf(c, inherited) > k; };
    const auto pick = [&](const std::vector<int>& cells) -> std::optional<int> {
        std::optional<int> best;
        for (const int c : cells) {
            if (c == cell || !usable(c)) continue;
            if (!best || tree.value(c) < tree.value(*best)) best = c;
        }
        return best;
    };
    const int parent = tree.parent(cell);
    if (parent >= 0) {
        if (auto sibling = pick(tree.children(parent))) return sibling;
    }
    if (auto child = pick(tree.children(cell))) return child;
    if (parent >= 0 && usable(parent)) return parent;
    return std::nullopt;
}

// What a reader knows of the people under `cell` from shown cells alone: the cell itself when shown, else
// the sum of what is known below it.
std::int64_t knownBelow(const SumTree& tree, int cell, const std::vector<Hidden>& hidden) {
    if (hidden[static_cast<std::size_t>(cell)] == Hidden::No) return tree.value(cell);
    std::int64_t sum = 0;
    for (const int child : tree.children(cell)) sum += knownBelow(tree, child, hidden);
    return sum;
}

// The residual of a shown cell: its value minus every shown cell nearest below it. It counts exactly the
// people under the cell that no shown cell below covers, and their figures follow by the same subtraction
// (a shown total's mean minus its shown parts' means). Several hidden siblings can each stay unknown while
// their sum is exact: 7 shown, 6 shown beside two "fewer than 5" leaves one person's answers.
std::int64_t residual(const SumTree& tree, int cell, const std::vector<Hidden>& hidden) {
    std::int64_t known = 0;
    for (const int child : tree.children(cell)) known += knownBelow(tree, child, hidden);
    return tree.value(cell) - known;
}

// The shown cells nearest below `cell` (through hidden ones).
void nearestShown(const SumTree& tree, int cell, const std::vector<Hidden>& hidden, std::vector<int>& out) {
    for (const int child : tree.children(cell)) {
        if (hidden[static_cast<std::size_t>(child)] == Hidden::No) out.push_back(child);
        else nearestShown(tree, child, hidden, out);
    }
}

// A shown cell whose residual is 1..k-1 (a group of fewer than k people worked out by subtraction), and
// the cell to hide so that it grows to k or more: the smallest shown cell nearest below whose own residual
// adds enough, else the cell itself (its residual then moves up to its parent's, and is checked there).
std::optional<int> coverResidual(const SumTree& tree, const std::vector<Hidden>& hidden, int k, std::span<const Inherited> inherited) {
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const int cell = static_cast<int>(i);
        if (hidden[i] != Hidden::No || tree.children(cell).empty()) continue;
        const std::int64_t small = residual(tree, cell, hidden);
        if (small < 1 || small >= k) continue;
        std::vector<int> below;
        nearestShown(tree, cell, hidden, below);
        std::optional<int> best;
        for (const int d : below) {
            if (tree.value(d) < k || capOf(d, inherited) <= k) continue;
            const std::int64_t adds = tree.children(d).empty() ? tree.value(d) : residual(tree, d, hidden);
            if (small + adds < k) continue;
            if (!best || tree.value(d) < tree.value(*best)) best = d;
        }
        return best ? *best : cell;
    }
    return std::nullopt;
}

}  // namespace

int SumTree::add(int parent, std::int64_t value, CellKind kind) {
    const int index = static_cast<int>(m_value.size());
    m_parent.push_back(parent);
    m_kind.push_back(kind);
    m_value.push_back(value);
    m_children.emplace_back();
    if (parent >= 0) m_children[static_cast<std::size_t>(parent)].push_back(index);
    return index;
}

std::vector<Bounds> readerBounds(const SumTree& tree, std::span<const Hidden> hidden, int k, std::span<const Inherited> inherited) {
    std::vector<Bounds> bounds(tree.size());
    std::vector<int> parents;
    for (std::size_t i = 0; i < tree.size(); ++i) {
        bounds[i] = labelBounds(tree, static_cast<int>(i), hidden, k, inherited);
        if (!tree.children(static_cast<int>(i)).empty()) parents.push_back(static_cast<int>(i));
    }
    // Bounds only ever narrow, so this ends; on a tree it settles in a few rounds.
    for (bool changed = true; changed;) {
        changed = false;
        for (const int parent : parents) changed = tighten(tree, parent, bounds) || changed;
    }
    return bounds;
}

std::vector<Hidden> suppress(const SumTree& tree, int k, std::span<const Inherited> inherited) {
    std::vector<Hidden> hidden(tree.size(), Hidden::No);
    // A hidden cell hides its parts, under its own label (a hidden unit shows no week either).
    const auto hide = [&](int cell, Hidden label) {
        hidden[static_cast<std::size_t>(cell)] = label;
        for (const int part : tree.children(cell)) {
            if (tree.kind(part) == CellKind::Part) hidden[static_cast<std::size_t>(part)] = label;
        }
    };
    for (std::size_t i = 0; i < tree.size(); ++i) {
        if (!inherited.empty() && inherited[i].label != Hidden::No) hide(static_cast<int>(i), inherited[i].label);
    }
    for (std::size_t i = 0; i < tree.size(); ++i) {
        const std::int64_t value = tree.value(static_cast<int>(i));
        const bool zeroShown = tree.kind(static_cast<int>(i)) == CellKind::Part;
        if (hidden[i] == Hidden::No && value < k && (value > 0 || !zeroShown)) hide(static_cast<int>(i), Hidden::FewerThanK);
    }
    for (;;) {
        const auto bounds = readerBounds(tree, hidden, k, inherited);
        std::vector<int> exposed;
        for (std::size_t i = 0; i < tree.size(); ++i) {
            const int cell = static_cast<int>(i);
            if (hidden[i] != Hidden::No && bounds[i].exact()) exposed.push_back(cell);
        }
        if (exposed.empty()) {
            const auto cover = coverResidual(tree, hidden, k, inherited);
            if (!cover) return hidden;
            hide(*cover, Hidden::Secondary);
            continue;
        }
        bool progress = false;
        for (const int cell : exposed) {
            if (auto other = partner(tree, cell, hidden, k, inherited)) {
                if (hidden[static_cast<std::size_t>(*other)] == Hidden::No) hide(*other, Hidden::Secondary);
                progress = true;
            }
        }
        if (!progress) {
            // Nothing near the exposed cells can cover them: hide the whole tree.
            for (std::size_t i = 0; i < tree.size(); ++i) {
                if (hidden[i] == Hidden::No) hide(static_cast<int>(i), Hidden::Secondary);
            }
            return hidden;
        }
    }
}

}  // namespace svarboks::server
