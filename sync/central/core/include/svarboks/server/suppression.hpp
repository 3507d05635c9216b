#pragma once
// Cell suppression for a tree of sums (report.hpp): which figures to hide so that none about fewer than
// k respondents is shown or can be worked out from what is.
//
// The tree: every cell is a count of respondents, and a parent is the sum of its children (the
// municipality of its groups, a group of its units, a unit of its weeks). A reader sees the shown
// cells and, for each hidden one, its label, from which they know bounds: "fewer than k" is 0..k-1
// for a row (a 0 is hidden like any other small count: shown, a 0 would tell that the hidden cells
// beside it hold everyone) and 1..k-1 for a part of a row (a unit's weeks show a 0 as "no response that
// week"), "hidden" (secondary) is k or more. readerBounds() narrows those bounds as far as the sums allow;
// on a tree of sums this is exact (every value left within the bounds fits some table that shows the
// same), so a hidden cell whose bounds close to one value is one a reader can work out. suppress() hides
// further cells until there is none.
#include "svarboks/server/hidden.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace svarboks::server {

/// A row of a report (municipality, group, unit), or a part of one (a unit's week): a part is hidden
/// whenever its row is, and a part's 0 is shown (no response that week; such parts can be left out).
enum class CellKind { Row, Part };

class SumTree {
public:
    /// Adds a cell under `parent` (-1 for a root) and returns its index.
    int add(int parent, std::int64_t value, CellKind kind = CellKind::Row);
    [[nodiscard]] CellKind kind(int cell) const { return m_kind[static_cast<std::size_t>(cell)]; }
    [[nodiscard]] std::size_t size() const { return m_value.size(); }
    [[nodiscard]] int parent(int cell) const { return m_parent[static_cast<std::size_t>(cell)]; }
    [[nodiscard]] std::int64_t value(int cell) const { return m_value[static_cast<std::size_t>(cell)]; }
    [[nodiscard]] const std::vector<int>& children(int cell) const { return m_children[static_cast<std::size_t>(cell)]; }

private:
    std::vector<int> m_parent;
    std::vector<std::int64_t> m_value;
    std::vector<std::vector<int>> m_children;
    std::vector<CellKind> m_kind;
};

/// What a reader knows of a cell: lo <= value <= hi. kUnbounded stands for "no upper bound".
struct Bounds {
    static constexpr std::int64_t kUnbounded = INT64_C(1) << 50;
    std::int64_t lo = 0;
    std::int64_t hi = kUnbounded;
    [[nodiscard]] bool exact() const { return lo == hi; }
};

/// What another statistic shows of a cell's row. The cell counts some of that row's respondents (those
/// who answered an area or a question), so the reader knows it is at most what the row shows: when the row
/// is hidden there, the cell is hidden too under the row's label; when the row is shown, its value caps the
/// cell (a cell hidden as "k or more" beside a row's shown 5 would be exactly 5).
struct Inherited {
    Hidden label = Hidden::No;
    std::int64_t cap = Bounds::kUnbounded;  ///< the row's shown value, or kUnbounded
};

/// The bounds a reader can work out for every cell from the shown values, the hidden cells' labels and
/// the caps in `inherited` (a part of a hidden row is read like an inherited cell: the row's label is all
/// it shows).
/// `inherited` is empty or has one entry per cell.
[[nodiscard]] std::vector<Bounds> readerBounds(const SumTree& tree, std::span<const Hidden> hidden, int k,
                                               std::span<const Inherited> inherited = {});

/// Which cells to hide: every row with 0..k-1 respondents and part with 1..k-1 (FewerThanK), every cell
/// in `inherited` (with its label), the parts of a hidden row (under its label, read like an inherited one),
/// and as few secondary cells as this greedy method finds so that no hidden cell's bounds are exact (caps
/// included: a cell at its cap is never picked to protect another) and no
/// shown cell's residual (its value minus the shown cells nearest below it: the people no shown cell below
/// covers, whose figures follow by subtraction) is 1..k-1.
[[nodiscard]] std::vector<Hidden> suppress(const SumTree& tree, int k, std::span<const Inherited> inherited = {});

}  // namespace svarboks::server
