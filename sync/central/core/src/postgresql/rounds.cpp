// PostgresStorage: reporting rounds, the group size they keep, and the tallies reports are made from.
// Every change holds the store lock exclusively: a release waits for the batches in flight and freezes
// exactly what they committed.
#include "pool.hpp"

#include "svarboks/server/policy.hpp"
#include "svarboks/server/postgresql_storage.hpp"

#include <array>

namespace svarboks::server {

namespace {

// The period of a round's tallies over all its weeks (round_tallies). It sorts before every ISO week
// ("2026-W05"; the columns compare bytes), so a range of weeks never includes it.
constexpr const char* kWholeRound = "*";

}  // namespace

void PgTallySums::add(const StoredResponse& response, const std::vector<Tally>& tallies) {
    for (const Tally& t : tallies) {
        Sum& sum = m_sums[Key{response.surveyId, response.surveyVersion, t.kind, response.period, response.unitId, t.subject, t.value}];
        sum.count += 1;
        sum.sum += t.sum;
    }
}

Status PgTallySums::write(PgWork& work) {
    if (m_sums.empty()) return {};
    std::array<std::vector<std::string>, 9> columns;
    for (auto& column : columns) column.reserve(m_sums.size());
    for (const auto& [key, sum] : m_sums) {
        const auto& [surveyId, version, kind, period, unitId, subject, value] = key;
        columns[0].push_back(surveyId);
        columns[1].push_back(version);
        columns[2].push_back(kind);
        columns[3].push_back(unitId);
        columns[4].push_back(subject);
        columns[5].push_back(value);
        columns[6].push_back(period);
        columns[7].push_back(std::to_string(sum.count));
        pq::Params real;
        real.real(sum.sum);
        columns[8].push_back(real.values()[0]);
    }
    pq::Params params;
    for (const auto& column : columns) params.textArray(column);
    // In the map's order, which is the table's key order: every batch locks shared rows in the same order.
    Status written = work.run(
        "INSERT INTO tallies AS t (survey_id, survey_version, kind, unit_id, subject, value, period, count, sum) "
        "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::float8[]) "
        "ON CONFLICT (survey_id, survey_version, kind, period, unit_id, subject, value) "
        "DO UPDATE SET count = t.count + excluded.count, sum = t.sum + excluded.sum",
        params);
    m_sums.clear();
    return written;
}

Result<int> PostgresStorage::groupSize() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) -> Result<int> {
        auto k = work.one("SELECT value::integer FROM settings WHERE key = 'group_size'", {},
                          [](const pq::Rows& rows, int i) { return static_cast<int>(rows.integer(i, 0)); });
        if (!k) return k.error();
        return k->value_or(kMinimumGroupSize);
    });
}

Status PostgresStorage::setGroupSize(int k) {
    if (k < kMinimumGroupSize) return Error{"the group size cannot be below " + std::to_string(kMinimumGroupSize) + ", what the consent text promises"};
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        return work.run("INSERT INTO settings (key, value) VALUES ('group_size', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        pq::Params().integer(k));
    });
}

Status PostgresStorage::addRound(const Round& round) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        auto clash = work.exec("SELECT id, from_week, to_week FROM rounds WHERE id = $1 OR (from_week <= $3 AND to_week >= $2) LIMIT 1",
                               pq::Params().text(round.id).text(round.fromWeek).text(round.toWeek));
        if (!clash) return clash.error();
        if (!clash->empty()) {
            if (clash->text(0, 0) == round.id) return Error{"a round '" + round.id + "' exists already"};
            return Error{"round '" + round.id + "' (" + round.fromWeek + " to " + round.toWeek + ") overlaps round '" + clash->text(0, 0) + "' (" +
                         clash->text(0, 1) + " to " + clash->text(0, 2) + "): a week belongs to one round only"};
        }
        return work.run("INSERT INTO rounds (id, from_week, to_week) VALUES ($1, $2, $3)", pq::Params().text(round.id).text(round.fromWeek).text(round.toWeek));
    });
}

Result<std::vector<Round>> PostgresStorage::rounds() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.all("SELECT id, from_week, to_week, released_on, k FROM rounds ORDER BY from_week", {}, [](const pq::Rows& rows, int i) {
            return Round{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3), static_cast<int>(rows.integer(i, 4))};
        });
    });
}

Result<std::int64_t> PostgresStorage::releaseRound(const std::string& id, const std::string& today) {
    return m_pool->write("cannot release round '" + id + "'", [&](PgWork& work) -> Result<std::int64_t> {
        if (Status locked = work.lockStore(true); !locked) return Error{locked.message()};
        auto found = work.exec("SELECT from_week, to_week, released_on FROM rounds WHERE id = $1", pq::Params().text(id));
        if (!found) return found.error();
        if (found->empty()) return Error{"no round '" + id + "'"};
        const std::string from = found->text(0, 0);
        const std::string to = found->text(0, 1);
        if (!found->text(0, 2).empty()) return Error{"round '" + id + "' was released on " + found->text(0, 2) + " and never changes"};
        // No batch is in flight (they hold the lock shared): every statement below sees the same responses and tallies.
        auto marked = work.exec("UPDATE responses SET round_id = $1 WHERE round_id = '' AND period BETWEEN $2 AND $3",
                                pq::Params().text(id).text(from).text(to));
        if (!marked) return marked.error();
        const std::int64_t frozen = marked->affected();
        for (const char* sql : {"INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                                "SELECT $1, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum FROM tallies "
                                "WHERE kind = 'n' AND period BETWEEN $2 AND $3",
                                "INSERT INTO round_tallies (round_id, survey_id, survey_version, kind, period, unit_id, subject, value, count, sum) "
                                "SELECT $1, survey_id, survey_version, kind, '*', unit_id, subject, value, sum(count), sum(sum) FROM tallies "
                                "WHERE period BETWEEN $2 AND $3 GROUP BY survey_id, survey_version, kind, unit_id, subject, value"}) {
            if (Status copied = work.run(sql, pq::Params().text(id).text(from).text(to)); !copied) return Error{copied.message()};
        }
        if (Status units = work.run("INSERT INTO round_units (round_id, unit_id, group_name) SELECT $1, id, group_name FROM units", pq::Params().text(id));
            !units) {
            return Error{units.message()};
        }
        if (Status stamped = work.run("UPDATE rounds SET released_on = $2, k = greatest($3::bigint, coalesce((SELECT value::bigint FROM settings "
                                      "WHERE key = 'group_size'), $3::bigint)) WHERE id = $1",
                                      pq::Params().text(id).text(today).integer(kMinimumGroupSize));
            !stamped) {
            return Error{stamped.message()};
        }
        return frozen;
    });
}

Result<std::vector<RoundUnit>> PostgresStorage::roundUnits(const std::string& id) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.all("SELECT unit_id, group_name FROM round_units WHERE round_id = $1 ORDER BY unit_id", pq::Params().text(id),
                        [](const pq::Rows& rows, int i) { return RoundUnit{rows.text(i, 0), rows.text(i, 1)}; });
    });
}

Status PostgresStorage::aggregateTallies(const TallyQuery& request, const std::function<void(const TallyRow&)>& visit) {
    return m_pool->snapshot(kPgCannotRead, [&](PgWork& work) -> Status {
        // A round's weeks sort after its kWholeRound rows ("*" < "2026-W05"). One statement for every unit and
        // one for a unit: the generic plan PostgreSQL may keep for a prepared "($6 IS NULL OR unit_id = $6)"
        // cannot use the key for the unit, and read every unit's rows to find one unit's (124 ms instead of
        // 0.2 ms for a unit's chosen options at 100,000 responses).
        const char* sql = nullptr;
        if (request.byPeriod) {
            sql = request.units.empty() ? "SELECT unit_id, period, subject, value, count, sum FROM round_tallies "
                                          "WHERE round_id = $1 AND survey_id = $2 AND survey_version = $3 AND kind = $4 AND period > $5 "
                                          "ORDER BY unit_id, period, subject, value"
                                        : "SELECT unit_id, period, subject, value, count, sum FROM round_tallies "
                                          "WHERE round_id = $1 AND survey_id = $2 AND survey_version = $3 AND kind = $4 AND period > $5 "
                                          "AND unit_id = $6 ORDER BY period, subject, value";
        } else {
            sql = request.units.empty() ? "SELECT unit_id, '', subject, value, count, sum FROM round_tallies "
                                          "WHERE round_id = $1 AND survey_id = $2 AND survey_version = $3 AND kind = $4 AND period = $5 "
                                          "ORDER BY unit_id, subject, value"
                                        : "SELECT unit_id, '', subject, value, count, sum FROM round_tallies "
                                          "WHERE round_id = $1 AND survey_id = $2 AND survey_version = $3 AND kind = $4 AND period = $5 "
                                          "AND unit_id = $6 ORDER BY subject, value";
        }
        const auto run = [&](const std::string* unit) -> Status {
            pq::Params params;
            params.text(request.round).text(request.surveyId).text(request.version).text(request.kind).text(kWholeRound);
            if (unit != nullptr) params.text(*unit);
            auto rows = work.exec(sql, params);
            if (!rows) return rows.error();
            for (int i = 0; i < rows->size(); ++i) {
                visit(TallyRow{rows->text(i, 0), rows->text(i, 1), rows->text(i, 2), rows->text(i, 3), rows->integer(i, 4), rows->real(i, 5)});
            }
            return {};
        };
        if (request.units.empty()) return run(nullptr);
        for (const auto& unit : request.units) {
            if (Status status = run(&unit); !status) return status;
        }
        return {};
    });
}

Result<bool> PostgresStorage::talliesStale() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) -> Result<bool> {
        auto count = work.integer("SELECT count(*) FROM settings WHERE key = 'tallies_stale'");
        if (!count) return count.error();
        return *count > 0;
    });
}

Status PostgresStorage::rebuildTallies(const std::function<Result<std::vector<Tally>>(const StoredResponse&)>& compute) {
    return m_pool->write("cannot rebuild the report tallies", [&](PgWork& work) -> Status {
        if (Status locked = work.lockStore(true); !locked) return locked;
        if (Status cleared = work.command("DELETE FROM tallies"); !cleared) return cleared;
        constexpr std::size_t kMaxSums = 200'000;  // written out when this many keys are held: memory stays bounded
        PgTallySums sums;
        std::optional<Error> failed;
        // A cursor: a million responses are read a thousand at a time. The sums are written between fetches
        // on the same connection (a cursor stays open across other statements of its transaction).
        const Status read = visitResponses(work, "SELECT " + std::string(kResponseColumns) + " FROM responses", {}, [&](const StoredResponse& response) {
            auto tallies = compute(response);
            if (!tallies) failed = tallies.error();
            else sums.add(response, *tallies);
            if (!failed && sums.size() >= kMaxSums) {
                if (Status written = sums.write(work); !written) failed = Error{written.message()};
            }
            return !failed;
        });
        if (failed) return *failed;
        if (!read) return read;
        if (Status written = sums.write(work); !written) return written;
        return work.command("DELETE FROM settings WHERE key = 'tallies_stale'");
    });
}

}  // namespace svarboks::server
