// SqliteStorage: reporting rounds, the group size they keep, and the tallies reports are made from.
#include "pool.hpp"

#include "svarboks/server/policy.hpp"
#include "svarboks/server/sqlite_storage.hpp"

namespace svarboks::server {

namespace {

// The period of a round's tallies over all its weeks (round_tallies). It sorts before every ISO week
// ("2026-W05"), so a range of weeks never includes it.
constexpr const char* kWholeRound = "*";

}  // namespace

void TallySums::add(const StoredResponse& response, const std::vector<Tally>& tallies) {
    for (const Tally& t : tallies) {
        Sum& sum = m_sums[Key{response.surveyId, response.surveyVersion, t.kind, response.period, response.unitId, t.subject, t.value}];
        sum.count += 1;
        sum.sum += t.sum;
    }
}

bool TallySums::write(sqlite::Database& db) {
    auto upsert = db.query(kAddTally);
    for (const auto& [key, sum] : m_sums) {
        const auto& [surveyId, version, kind, period, unitId, subject, value] = key;
        upsert.text(1, surveyId).text(2, version).text(3, kind).text(4, unitId).text(5, subject).text(6, value).text(7, period);
        upsert.integer(8, sum.count).real(9, sum.sum);
        if (!upsert.run()) return false;
    }
    m_sums.clear();
    return true;
}

Result<int> SqliteStorage::groupSize() {
    return m_pool->read(kCannotRead, [&](Work& work) -> Result<int> {
        auto query = work.query("SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_size'");
        auto k = work.one(query, [](const sqlite::Query& row) { return static_cast<int>(row.integerAt(0)); });
        if (!k) return k.error();
        return k->value_or(kMinimumGroupSize);
    });
}

Status SqliteStorage::setGroupSize(int k) {
    if (k < kMinimumGroupSize) return Error{"the group size cannot be below " + std::to_string(kMinimumGroupSize) + ", what the consent text promises"};
    return m_pool->write(kCannotWrite, [&](Work& work) {
        auto query = work.query("INSERT INTO settings (key, value) VALUES ('group_size', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
        const std::string value = std::to_string(k);  // bound without a copy: it must outlive the step
        query.text(1, value);
        return work.run(query);
    });
}

Status SqliteStorage::addRound(const Round& round) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        auto clash = work.query("SELECT id, from_week, to_week FROM rounds WHERE id = ?1 OR (from_week <= ?3 AND to_week >= ?2)");
        clash.text(1, round.id).text(2, round.fromWeek).text(3, round.toWeek);
        if (const Step found = clash.step(); found == Step::Row) {
            if (clash.textAt(0) == round.id) return Error{"a round '" + round.id + "' exists already"};
            return Error{"round '" + round.id + "' (" + round.fromWeek + " to " + round.toWeek + ") overlaps round '" + clash.textAt(0) +
                         "' (" + clash.textAt(1) + " to " + clash.textAt(2) + "): a week belongs to one round only"};
        } else if (found == Step::Failed) {
            return work.fail();
        }
        auto insert = work.query("INSERT INTO rounds (id, from_week, to_week) VALUES (?1, ?2, ?3)");
        insert.text(1, round.id).text(2, round.fromWeek).text(3, round.toWeek);
        return work.run(insert);
    });
}

Result<std::vector<Round>> SqliteStorage::rounds() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, from_week, to_week, released_on, k FROM rounds ORDER BY from_week");
        return work.all(query, [](const sqlite::Query& row) {
            return Round{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3), static_cast<int>(row.integerAt(4))};
        });
    });
}

Result<std::int64_t> SqliteStorage::releaseRound(const std::string& id, const std::string& today) {
    return m_pool->write("cannot release round '" + id + "'", [&](Work& work) -> Result<std::int64_t> {
        auto find = work.query("SELECT from_week, to_week, released_on FROM rounds WHERE id = ?1");
        find.text(1, id);
        const Step found = find.step();
        if (found == Step::Done) return Error{"no round '" + id + "'"};
        if (found != Step::Row) return work.fail();
        const std::string from = find.textAt(0);
        const std::string to = find.textAt(1);
        if (!find.textAt(2).empty()) return Error{"round '" + id + "' was released on " + find.textAt(2) + " and never changes"};
        find.reset();
        // The responses, their tallies and the units' groups, all from this one transaction's view.
        auto mark = work.query("UPDATE responses SET round_id = ?1 WHERE round_id = '' AND period BETWEEN ?2 AND ?3");
        mark.text(1, id).text(2, from).text(3, to);
        if (!mark.run()) return work.fail();
        const std::int64_t frozen = work.changes();
        for (const char* sql : {"INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                                "SELECT ?1, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum FROM tallies "
                                "WHERE kind = 'n' AND period BETWEEN ?2 AND ?3",
                                "INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                                "SELECT ?1, survey_id, survey_version, kind, '*', unit_id, subject, value, sum(count), sum(sum) FROM tallies "
                                "WHERE period BETWEEN ?2 AND ?3 GROUP BY survey_id, survey_version, kind, unit_id, subject, value"}) {
            auto copy = work.query(sql);
            copy.text(1, id).text(2, from).text(3, to);
            if (!copy.run()) return work.fail();
        }
        auto units = work.query("INSERT INTO round_units (round_id, unit_id, group_name) SELECT ?1, id, group_name FROM units");
        units.text(1, id);
        auto stamp = work.query("UPDATE rounds SET released_on = ?2, k = max(?3, coalesce((SELECT CAST(value AS INTEGER) FROM settings "
                                "WHERE key = 'group_size'), ?3)) WHERE id = ?1");
        stamp.text(1, id).text(2, today).integer(3, kMinimumGroupSize);
        if (!units.run() || !stamp.run()) return work.fail();
        return frozen;
    });
}

Result<std::vector<RoundUnit>> SqliteStorage::roundUnits(const std::string& id) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT unit_id, group_name FROM round_units WHERE round_id = ?1 ORDER BY unit_id");
        query.text(1, id);
        return work.all(query, [](const sqlite::Query& row) { return RoundUnit{row.textAt(0), row.textAt(1)}; });
    });
}

Status SqliteStorage::aggregateTallies(const TallyQuery& request, const std::function<void(const TallyRow&)>& visit) {
    return m_pool->snapshot(kCannotRead, [&](Work& work) -> Status {
        // A round's weeks sort after its kWholeRound rows ("*" < "2026-W05"). One statement for every unit and
        // one for a unit, as the PostgreSQL engine has them (there, one statement for both reads every unit's
        // rows to find one unit's).
        const bool one = !request.units.empty();
        auto query = request.byPeriod
                         ? work.query(one ? "SELECT unit_id, period, subject, value, count, sum FROM round_tallies "
                                            "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period > ?5 "
                                            "AND unit_id = ?6 ORDER BY period, subject, value"
                                          : "SELECT unit_id, period, subject, value, count, sum FROM round_tallies "
                                            "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period > ?5 "
                                            "ORDER BY unit_id, period, subject, value")
                         : work.query(one ? "SELECT unit_id, '', subject, value, count, sum FROM round_tallies "
                                            "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period = ?5 "
                                            "AND unit_id = ?6 ORDER BY subject, value"
                                          : "SELECT unit_id, '', subject, value, count, sum FROM round_tallies "
                                            "WHERE round_id = ?1 AND survey_id = ?2 AND survey_version = ?3 AND kind = ?4 AND period = ?5 "
                                            "ORDER BY unit_id, subject, value");
        const auto run = [&](const std::string* unit) -> Status {
            query.reset();
            query.text(1, request.round).text(2, request.surveyId).text(3, request.version).text(4, request.kind).text(5, kWholeRound);
            if (unit != nullptr) query.text(6, *unit);
            const bool read = query.each([&] {
                visit(TallyRow{query.textAt(0), query.textAt(1), query.textAt(2), query.textAt(3), query.integerAt(4), query.realAt(5)});
            });
            if (!read) return work.fail();
            return {};
        };
        if (!one) return run(nullptr);
        for (const auto& unit : request.units) {
            if (Status status = run(&unit); !status) return status;
        }
        return {};
    });
}

Result<bool> SqliteStorage::talliesStale() {
    return m_pool->read(kCannotRead, [&](Work& work) -> Result<bool> {
        auto query = work.query("SELECT count(*) FROM settings WHERE key = 'tallies_stale'");
        auto count = work.integer(query);
        if (!count) return count.error();
        return *count > 0;
    });
}

Status SqliteStorage::rebuildTallies(const std::function<Result<std::vector<Tally>>(const StoredResponse&)>& compute) {
    return m_pool->write("cannot rebuild the report tallies", [&](Work& work) -> Status {
        if (!work.db().exec("DELETE FROM tallies")) return work.fail();
        auto responses = work.query("SELECT id, unit_id, survey_id, survey_version, period, locale, answers FROM responses");
        constexpr std::size_t kMaxSums = 200'000;  // written out when this many keys are held: memory stays bounded
        TallySums sums;
        std::optional<Error> failed;
        const bool read = responses.each([&] {
            const StoredResponse response{responses.textAt(0), responses.textAt(1), responses.textAt(2), responses.textAt(3),
                                          responses.textAt(4), responses.textAt(5), responses.textAt(6), ""};
            auto tallies = compute(response);
            if (!tallies) failed = tallies.error();
            else sums.add(response, *tallies);
            if (!failed && sums.size() >= kMaxSums && !sums.write(work.db())) failed = work.fail();
            return !failed;
        });
        if (failed) return *failed;
        if (!read || !sums.write(work.db())) return work.fail();
        if (!work.db().exec("DELETE FROM settings WHERE key = 'tallies_stale'")) return work.fail();
        return {};
    });
}

}  // namespace svarboks::server
