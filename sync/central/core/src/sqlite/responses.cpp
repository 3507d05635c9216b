// SqliteStorage: stored responses and dead letters.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <functional>
#include <stdexcept>

namespace svarboks::server {

namespace {

// Throws on a read failure (the call turns it into the batch's error): a copy must never slip through.
bool isStoredUnderAnotherId(sqlite::Query& sameBytes, const std::string& sealedSha256) {
    sameBytes.text(1, sealedSha256);
    const Step found = sameBytes.step();
    sameBytes.reset();
    if (found == Step::Failed) throw std::runtime_error("cannot look up a sealed digest");
    return found == Step::Row;
}

// Per kiosk, the bytes its dead letters hold, read once per transaction and counted on from there.
class DeadLetterRoom {
public:
    explicit DeadLetterRoom(sqlite::Database& db)
        : m_size(db.query("SELECT total(length(CAST(sealed AS BLOB))) FROM dead_letters WHERE device_id = ?1")) {}

    // Whether the item's kiosk has room for it; counts it when it has. Throws when the size cannot be read.
    bool take(const IncomingItem& item) {
        if (item.deviceId.empty()) return true;  // an import: the operator's own file
        auto found = m_kept.find(item.deviceId);
        if (found == m_kept.end()) {
            m_size.text(1, item.deviceId);
            if (m_size.step() != Step::Row) throw std::runtime_error("cannot read the dead letters' size");
            found = m_kept.emplace(item.deviceId, static_cast<std::int64_t>(m_size.realAt(0))).first;
            m_size.reset();
        }
        if (found->second >= kDeadLetterBytesPerDevice) return false;
        found->second += static_cast<std::int64_t>(item.sealed.size());
        return true;
    }

private:
    sqlite::Query m_size;
    std::map<std::string, std::int64_t> m_kept;
};

constexpr std::string_view kResponseColumns = "id, unit_id, survey_id, survey_version, period, locale, answers, round_id";

// Calls `visit` for each row of a query of kResponseColumns, holding one row in memory at a time.
Status visitResponses(Work& work, sqlite::Query& query, const std::function<bool(const StoredResponse&)>& visit) {
    StoredResponse response;
    const bool read = query.each([&] {
        query.textInto(0, response.id);
        query.textInto(1, response.unitId);
        query.textInto(2, response.surveyId);
        query.textInto(3, response.surveyVersion);
        query.textInto(4, response.period);
        query.textInto(5, response.locale);
        query.textInto(6, response.answersJson);
        query.textInto(7, response.round);
        return visit(response);
    });
    if (!read) return work.fail();
    return {};
}

}  // namespace

Result<std::vector<StoredItem>> SqliteStorage::storeItems(std::span<const IncomingItem> items, const std::string& receivedWeek) {
    return m_pool->write("cannot store the batch", [&](Work& work) -> Result<std::vector<StoredItem>> {
        auto existing = work.query("SELECT sealed_sha256 FROM responses WHERE id = ?1");
        auto sameBytes = work.query("SELECT 1 FROM responses WHERE sealed_sha256 = ?1");
        auto insert = work.query("INSERT INTO responses (id, unit_id, survey_id, survey_version, period, locale, answers, sealed_sha256) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        auto dead = work.query("INSERT OR IGNORE INTO dead_letters (id, sealed_sha256, sealed, reason, received_week, device_id) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        DeadLetterRoom room(work.db());
        TallySums tallies;
        std::vector<StoredItem> stored;
        stored.reserve(items.size());
        for (const IncomingItem& item : items) {
            StoredItem outcome{{item.id, shared::ItemStatus::Rejected, ""}, false};
            shared::BatchResult& result = outcome.result;
            existing.text(1, item.id);
            const Step found = existing.step();
            if (found == Step::Row) {
                if (existing.textAt(0) == item.sealedSha256) result.status = shared::ItemStatus::Duplicate;
                else result.error = "response " + item.id + " is already stored with a different sealed payload; the stored one is kept";
            } else if (found == Step::Failed) {
                return work.fail();
            } else if (item.response && isStoredUnderAnotherId(sameBytes, item.sealedSha256)) {
                // A copy of someone's sealed response under a new id would count them twice (PROTOCOL.md).
                result.error = "the same sealed response is already stored under another id; a copy is not another respondent";
            } else if (item.response) {
                const StoredResponse& r = *item.response;
                insert.text(1, r.id).text(2, r.unitId).text(3, r.surveyId).text(4, r.surveyVersion);
                insert.text(5, r.period).text(6, r.locale).text(7, r.answersJson).text(8, item.sealedSha256);
                if (!insert.run()) return work.fail();
                tallies.add(r, item.tallies);
                result.status = shared::ItemStatus::Accepted;
            } else {
                result.error = item.rejection;
            }
            existing.reset();
            if (result.status == shared::ItemStatus::Rejected) {
                if (room.take(item)) {
                    dead.text(1, item.id).text(2, item.sealedSha256).text(3, item.sealed).text(4, result.error).text(5, receivedWeek);
                    dead.text(6, item.deviceId);
                    if (!dead.run()) return work.fail();
                } else {
                    outcome.notKept = true;
                }
            }
            stored.push_back(std::move(outcome));
        }
        if (!tallies.write(work.db())) return work.fail();
        return stored;
    });
}

Status SqliteStorage::forEachResponse(const std::function<bool(const StoredResponse&)>& visit) {
    return m_pool->snapshot(kCannotRead, [&](Work& work) -> Status {
        auto query = work.query("SELECT " + std::string(kResponseColumns) + " FROM responses ORDER BY id");
        return visitResponses(work, query, visit);
    });
}

// Table order (the primary key) reads the file front to back: an export of a million rows in ORDER BY id
// would instead visit the table once per row through the id index.
Status SqliteStorage::forEachResponseOf(const ResponseFilter& filter, const std::function<bool(const StoredResponse&)>& visit) {
    return m_pool->snapshot(kCannotRead, [&](Work& work) -> Status {
        // A round's responses too are read in table order, front to back (export.cpp puts them in id order
        // itself: reading through responses_by_round by id costs a table lookup a row). The unary + keeps
        // SQLite from choosing that index (and a sort) for the round.
        auto query = work.query("SELECT " + std::string(kResponseColumns) + " FROM responses WHERE " +
                                (filter.round.empty() ? "" : "+round_id = ?3 AND ") +
                                "(?1 = '' OR survey_id = ?1) AND (?2 = '' OR survey_version = ?2) "
                                "ORDER BY unit_id, survey_id, survey_version, period, id");
        query.text(1, filter.surveyId).text(2, filter.surveyId.empty() ? std::string_view() : std::string_view(filter.version));
        if (!filter.round.empty()) query.text(3, filter.round);
        return visitResponses(work, query, visit);
    });
}

Result<std::int64_t> SqliteStorage::countResponses(const ResponseFilter& filter) {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT count(*) FROM responses WHERE (?3 = '' OR round_id = ?3) "
                                "AND (?1 = '' OR survey_id = ?1) AND (?2 = '' OR survey_version = ?2)");
        query.text(1, filter.surveyId).text(2, filter.surveyId.empty() ? std::string_view() : std::string_view(filter.version));
        query.text(3, filter.round);
        return work.integer(query);
    });
}

Result<std::int64_t> SqliteStorage::responseCount() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT count(*) FROM responses");
        return work.integer(query);
    });
}

Result<std::vector<DeadLetter>> SqliteStorage::deadLetters() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT id, sealed, reason, received_week FROM dead_letters ORDER BY received_week, id");
        return work.all(query, [](const sqlite::Query& row) { return DeadLetter{row.textAt(0), row.textAt(1), row.textAt(2), row.textAt(3)}; });
    });
}

Result<std::int64_t> SqliteStorage::deadLetterCount() {
    return m_pool->read(kCannotRead, [&](Work& work) {
        auto query = work.query("SELECT count(*) FROM dead_letters");
        return work.integer(query);
    });
}

}  // namespace svarboks::server
