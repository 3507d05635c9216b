#include "svarboks/server/anonymise.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

namespace svarboks::server {

namespace {

// A generalised value in a class key: every row at that level shares it.
constexpr std::uint32_t kGeneralised = std::numeric_limits<std::uint32_t>::max();

// Positions in a tuple of ids: unit, group, week, locale, then one per identifying question.
constexpr std::size_t kUnit = 0;
constexpr std::size_t kGroup = 1;
constexpr std::size_t kWeek = 2;
constexpr std::size_t kLocale = 3;
constexpr std::size_t kFixed = 4;

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The distinct values of one quasi-identifier, numbered in order of first appearance. The numbers only
// name values; nothing chosen depends on them.
class Values {
public:
    std::uint32_t intern(std::string_view value) {
        // Exports add rows in table order, where unit, group, week and locale mostly repeat the last row's.
        if (m_hasLast && value == m_last) return m_lastId;
        const auto found = m_ids.find(value);
        const auto id = found != m_ids.end() ? found->second : static_cast<std::uint32_t>(m_ids.size());
        if (found == m_ids.end()) m_ids.emplace(std::string(value), id);
        m_last.assign(value);
        m_lastId = id;
        m_hasLast = true;
        return id;
    }
    [[nodiscard]] std::optional<std::uint32_t> find(std::string_view value) const {
        if (const auto found = m_ids.find(value); found != m_ids.end()) return found->second;
        return std::nullopt;
    }

private:
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> m_ids;
    std::string m_last;  // the value interned last, and its id
    std::uint32_t m_lastId = 0;
    bool m_hasLast = false;
};

// Tuples of ids of a fixed width with a count each, in one flat array: open addressing, linear probing.
// A million lookups of a few thousand distinct tuples stay in cache.
class TupleTable {
public:
    explicit TupleTable(std::size_t width, std::size_t expected = 16) : m_width(width) {
        std::size_t capacity = 16;
        while (capacity < expected * 2) capacity *= 2;
        m_slots.assign(capacity, 0);
    }

    // The index of `key`, added with count 0 when new.
    std::uint32_t insert(const std::uint32_t* key) {
        std::size_t slot = hash(key) & (m_slots.size() - 1);
        while (const std::uint32_t entry = m_slots[slot]) {
            if (equal(entry - 1, key)) return entry - 1;
            slot = (slot + 1) & (m_slots.size() - 1);
        }
        const auto index = static_cast<std::uint32_t>(m_counts.size());
        m_keys.insert(m_keys.end(), key, key + m_width);
        m_counts.push_back(0);
        m_slots[slot] = index + 1;
        if (m_counts.size() * 2 > m_slots.size()) grow();
        return index;
    }
    [[nodiscard]] std::optional<std::uint32_t> find(const std::uint32_t* key) const {
        std::size_t slot = hash(key) & (m_slots.size() - 1);
        while (const std::uint32_t entry = m_slots[slot]) {
            if (equal(entry - 1, key)) return entry - 1;
            slot = (slot + 1) & (m_slots.size() - 1);
        }
        return std::nullopt;
    }
    [[nodiscard]] std::size_t size() const { return m_counts.size(); }
    [[nodiscard]] const std::uint32_t* key(std::size_t index) const { return m_keys.data() + index * m_width; }
    [[nodiscard]] std::int64_t count(std::size_t index) const { return m_counts[index]; }
    void addCount(std::size_t index, std::int64_t n) { m_counts[index] += n; }

private:
    [[nodiscard]] std::size_t hash(const std::uint32_t* key) const {
        std::uint64_t h = 0x9E3779B97F4A7C15u;
        for (std::size_t i = 0; i < m_width; ++i) h = (h ^ key[i]) * 0xBF58476D1CE4E5B9u;
        return static_cast<std::size_t>(h ^ (h >> 31));
    }
    [[nodiscard]] bool equal(std::uint32_t index, const std::uint32_t* key) const {
        return std::equal(key, key + m_width, m_keys.begin() + static_cast<std::ptrdiff_t>(std::size_t{index} * m_width));
    }
    void grow() {
        std::vector<std::uint32_t> slots(m_slots.size() * 2, 0);
        for (std::size_t index = 0; index < m_counts.size(); ++index) {
            std::size_t slot = hash(key(index)) & (slots.size() - 1);
            while (slots[slot] != 0) slot = (slot + 1) & (slots.size() - 1);
            slots[slot] = static_cast<std::uint32_t>(index + 1);
        }
        m_slots = std::move(slots);
    }

    std::size_t m_width;
    std::vector<std::uint32_t> m_keys;
    std::vector<std::int64_t> m_counts;
    std::vector<std::uint32_t> m_slots;  // 0 = empty, else index + 1
};

std::string_view groupShown(std::string_view group) { return group.empty() ? kNoGroup : group; }

struct Outcome {
    std::int64_t withheld = 0;
    std::int64_t classes = 0;  // classes of at least k rows
};

// The lattice order of the file's header, after validity: cost, then withheld rows, then levels.
bool levelsBefore(const Generalisation& a, const Generalisation& b) {
    if (a.unit != b.unit) return a.unit < b.unit;
    if (a.period != b.period) return a.period < b.period;
    if (a.locale != b.locale) return a.locale < b.locale;
    return a.identifying < b.identifying;
}

std::string percent(std::int64_t part, std::int64_t whole) {
    const std::int64_t tenths = whole > 0 ? (part * 1000 + whole / 2) / whole : 0;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " %";
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

std::string joined(const std::vector<std::string>& parts) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) text += i + 1 == parts.size() ? " and " : ", ";
        text += parts[i];
    }
    return text;
}

}  // namespace

int Generalisation::cost() const {
    int total = kUnitWeight * unit + kPeriodWeight * period + kLocaleWeight * locale;
    for (const int level : identifying) total += kIdentifyingWeight * level;
    return total;
}

QuasiIdentifiers generalise(const QuasiIdentifiers& row, const Generalisation& levels) {
    QuasiIdentifiers shown;
    const std::string_view group = groupShown(row.group);
    shown.unit = levels.unit == 0 ? row.unit : levels.unit == 1 ? std::string(group) : std::string(kAny);
    shown.group = levels.unit <= 1 ? std::string(group) : std::string(kAny);
    shown.week = levels.period == 0 ? row.week : std::string(kWholeRound);
    shown.locale = levels.locale == 0 ? row.locale : std::string(kAny);
    shown.identifying.reserve(levels.identifying.size());
    for (std::size_t i = 0; i < levels.identifying.size(); ++i) {
        if (levels.identifying[i] != 0) shown.identifying.emplace_back(kAny);
        else shown.identifying.push_back(i < row.identifying.size() ? row.identifying[i] : std::string());
    }
    return shown;
}

struct KAnonymiser::State {
    State(int groupSize, std::vector<std::string> names, double share)
        : k(std::max(groupSize, 1)),
          questions(std::move(names)),
          maxWithheldShare(std::isnan(share) ? 0.0 : std::clamp(share, 0.0, 1.0)),
          answers(this->questions.size()),
          tuples(kFixed + this->questions.size()),
          key(kFixed + this->questions.size()),
          applyKey(kFixed + this->questions.size()) {}

    int k;
    std::vector<std::string> questions;
    double maxWithheldShare;
    Values units, groups, weeks, locales;
    std::vector<Values> answers;  // one per identifying question
    TupleTable tuples;            // the distinct finest tuples and their rows
    std::int64_t rows = 0;
    std::vector<std::uint32_t> key;                 // scratch for add()
    mutable std::vector<std::uint32_t> applyKey;    // scratch for apply(): not thread-safe, as documented

    bool planned = false;
    Generalisation chosen;
    std::vector<char> kept;  // per finest tuple: shown at the chosen node

    [[nodiscard]] std::size_t width() const { return kFixed + questions.size(); }

    // The ids of a row into `ids`, or false when a value was never added.
    [[nodiscard]] bool find(const QuasiIdentifiers& row, std::vector<std::uint32_t>& ids) const {
        const auto one = [](const Values& values, std::string_view value, std::uint32_t& id) {
            const auto found = values.find(value);
            if (found) id = *found;
            return found.has_value();
        };
        if (!one(units, row.unit, ids[kUnit]) || !one(groups, groupShown(row.group), ids[kGroup]) || !one(weeks, row.week, ids[kWeek]) ||
            !one(locales, row.locale, ids[kLocale])) {
            return false;
        }
        for (std::size_t i = 0; i < questions.size(); ++i) {
            if (!one(answers[i], i < row.identifying.size() ? std::string_view(row.identifying[i]) : std::string_view(), ids[kFixed + i])) {
                return false;
            }
        }
        return true;
    }

    void generalisedKey(const std::uint32_t* tuple, const Generalisation& g, std::uint32_t* out) const {
        out[kUnit] = g.unit == 0 ? tuple[kUnit] : kGeneralised;
        out[kGroup] = g.unit <= 1 ? tuple[kGroup] : kGeneralised;
        out[kWeek] = g.period == 0 ? tuple[kWeek] : kGeneralised;
        out[kLocale] = g.locale == 0 ? tuple[kLocale] : kGeneralised;
        for (std::size_t i = 0; i < questions.size(); ++i) out[kFixed + i] = g.identifying[i] == 0 ? tuple[kFixed + i] : kGeneralised;
    }

    // The classes of node `g` over the distinct tuples of `source` (the finest, or those with the questions
    // that are never searched merged); `keptOut`, when given, gets each tuple's fate.
    Outcome evaluate(const TupleTable& source, const Generalisation& g, std::vector<char>* keptOut) const {
        TupleTable classes(width(), source.size());
        std::vector<std::uint32_t> classOf(source.size());
        std::vector<std::uint32_t> generalised(width());
        for (std::size_t t = 0; t < source.size(); ++t) {
            generalisedKey(source.key(t), g, generalised.data());
            classOf[t] = classes.insert(generalised.data());
            classes.addCount(classOf[t], source.count(t));
        }
        Outcome outcome;
        for (std::size_t c = 0; c < classes.size(); ++c) {
            if (classes.count(c) >= k) ++outcome.classes;
        }
        if (keptOut) keptOut->assign(source.size(), 0);
        for (std::size_t t = 0; t < source.size(); ++t) {
            const bool keep = classes.count(classOf[t]) >= k;
            if (!keep) outcome.withheld += source.count(t);
            if (keptOut) (*keptOut)[t] = keep ? 1 : 0;
        }
        return outcome;
    }

    // The distinct tuples with the questions past kMaxSearchedIdentifying merged: every node withholds them.
    [[nodiscard]] TupleTable searched() const {
        TupleTable merged(width(), tuples.size());
        std::vector<std::uint32_t> values(width());
        for (std::size_t t = 0; t < tuples.size(); ++t) {
            std::copy_n(tuples.key(t), width(), values.begin());
            std::fill(values.begin() + static_cast<std::ptrdiff_t>(std::min(width(), kFixed + kMaxSearchedIdentifying)), values.end(), kGeneralised);
            merged.addCount(merged.insert(values.data()), tuples.count(t));
        }
        return merged;
    }

    // Every node, in the order of cost and then levels. Questions past kMaxSearchedIdentifying stay at 1.
    [[nodiscard]] std::vector<Generalisation> lattice() const {
        const std::size_t searched = std::min(questions.size(), kMaxSearchedIdentifying);
        std::vector<Generalisation> nodes;
        for (int unit = 0; unit <= 2; ++unit) {
            for (int period = 0; period <= 1; ++period) {
                for (int locale = 0; locale <= 1; ++locale) {
                    for (std::size_t mask = 0; mask < (std::size_t{1} << searched); ++mask) {
                        Generalisation g{unit, period, locale, std::vector<int>(questions.size(), 1)};
                        for (std::size_t i = 0; i < searched; ++i) g.identifying[i] = (mask >> i) & 1u ? 1 : 0;
                        nodes.push_back(std::move(g));
                    }
                }
            }
        }
        std::sort(nodes.begin(), nodes.end(), [](const Generalisation& a, const Generalisation& b) {
            if (a.cost() != b.cost()) return a.cost() < b.cost();
            return levelsBefore(a, b);
        });
        return nodes;
    }

    [[nodiscard]] std::string explain(const Plan& plan) const {
        const std::string kText = std::to_string(k);
        if (plan.rows == 0) return "No responses to export.";
        if (plan.rows < k) {
            return "All " + std::to_string(plan.rows) + " responses were withheld: the export has fewer than " + kText +
                   ", so no combination of unit, period and language could be shared by " + kText + " of them.";
        }
        std::vector<std::string> combination{"unit", "period", "language"};
        for (const auto& name : questions) combination.push_back("the answer to " + quoted(name));
        std::string text = std::to_string(plan.rows) + " responses, shown so that every combination of " + joined(combination) +
                           " is shared by at least " + kText + " of them. ";
        const Generalisation& g = plan.generalisation;
        std::vector<std::string> changes;
        if (g.unit == 1) changes.emplace_back("units are shown as their groups");
        if (g.unit == 2) changes.emplace_back("units and groups are not shown");
        if (g.period == 1) changes.emplace_back("weeks are shown as the whole round");
        if (g.locale == 1) changes.emplace_back("the language is not shown");
        std::vector<std::string> hiddenQuestions;
        for (std::size_t i = 0; i < questions.size(); ++i) {
            if (g.identifying[i] != 0) hiddenQuestions.push_back(quoted(questions[i]));
        }
        if (!hiddenQuestions.empty()) changes.push_back("the answers to " + joined(hiddenQuestions) + " are not shown");
        if (changes.empty()) {
            text += "Nothing had to be generalised. ";
        } else {
            std::string what = joined(changes);
            what[0] = static_cast<char>(what[0] - 'a' + 'A');
            text += what + ": anything finer would have withheld more than the " + share() + " allowed (" + std::to_string(allowed(plan.rows)) +
                    " responses). ";
        }
        if (plan.withheld == 0) return text + "No response was withheld.";
        return text + std::to_string(plan.withheld) + (plan.withheld == 1 ? " response (" : " responses (") + percent(plan.withheld, plan.rows) +
               ") " + (plan.withheld == 1 ? "was" : "were") + " withheld because even so " + (plan.withheld == 1 ? "its" : "their") +
               " combination was shared by fewer than " + kText + " responses.";
    }

    [[nodiscard]] std::string share() const {
        char text[32];
        std::snprintf(text, sizeof text, "%g %%", maxWithheldShare * 100.0);
        return text;
    }

    // The rows a valid node may withhold. The epsilon keeps 0.29 x 100 at 29.
    [[nodiscard]] std::int64_t allowed(std::int64_t n) const {
        return static_cast<std::int64_t>(std::floor(maxWithheldShare * static_cast<double>(n) + 1e-9));
    }
};

KAnonymiser::KAnonymiser(int k, std::vector<std::string> identifyingQuestions, double maxWithheldShare)
    : m_state(std::make_unique<State>(k, std::move(identifyingQuestions), maxWithheldShare)) {}
KAnonymiser::~KAnonymiser() = default;
KAnonymiser::KAnonymiser(KAnonymiser&&) noexcept = default;
KAnonymiser& KAnonymiser::operator=(KAnonymiser&&) noexcept = default;

void KAnonymiser::add(const QuasiIdentifiers& row) {
    State& s = *m_state;
    s.planned = false;
    s.key[kUnit] = s.units.intern(row.unit);
    s.key[kGroup] = s.groups.intern(groupShown(row.group));
    s.key[kWeek] = s.weeks.intern(row.week);
    s.key[kLocale] = s.locales.intern(row.locale);
    for (std::size_t i = 0; i < s.questions.size(); ++i) {
        s.key[kFixed + i] = s.answers[i].intern(i < row.identifying.size() ? std::string_view(row.identifying[i]) : std::string_view());
    }
    s.tuples.addCount(s.tuples.insert(s.key.data()), 1);
    ++s.rows;
}

KAnonymiser::Plan KAnonymiser::plan() {
    State& s = *m_state;
    const std::int64_t allowed = s.allowed(s.rows);
    std::optional<TupleTable> merged;
    if (s.questions.size() > kMaxSearchedIdentifying) merged = s.searched();
    const TupleTable& source = merged ? *merged : s.tuples;
    std::optional<Generalisation> best;
    Outcome bestOutcome;
    for (auto& node : s.lattice()) {
        if (best && node.cost() > best->cost()) break;
        const Outcome outcome = s.evaluate(source, node, nullptr);
        if (outcome.withheld > allowed) continue;
        if (!best || outcome.withheld < bestOutcome.withheld) best = std::move(node), bestOutcome = outcome;
    }
    // Only an export of fewer than k rows (and a limit below 100 %) has no valid node: the top withholds all.
    if (!best) best = s.lattice().back();
    Plan plan;
    plan.generalisation = *best;
    plan.rows = s.rows;
    const Outcome outcome = s.evaluate(s.tuples, plan.generalisation, &s.kept);
    plan.withheld = outcome.withheld;
    plan.classes = outcome.classes;
    plan.explanation = s.explain(plan);
    s.chosen = plan.generalisation;
    s.planned = true;
    return plan;
}

std::optional<QuasiIdentifiers> KAnonymiser::apply(const QuasiIdentifiers& row) const {
    const State& s = *m_state;
    if (!s.planned) return std::nullopt;
    if (!s.find(row, s.applyKey)) return std::nullopt;
    const auto tuple = s.tuples.find(s.applyKey.data());
    if (!tuple || s.kept[*tuple] == 0) return std::nullopt;
    return generalise(row, s.chosen);
}

}  // namespace svarboks::server
