// PostgresStorage: stored responses and dead letters.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace svarboks::server {

namespace {

// Inserts the batch's valid responses in one statement; returns the ids stored. ON CONFLICT DO NOTHING
// skips an id already stored (or being stored by another replica: PostgreSQL waits for that one's end)
// and a sealed digest already stored under another id. In id order: two batches sharing ids wait for
// each other in the same order (no deadlock), however their kiosks ordered them.
Result<std::unordered_set<std::string>> insertResponses(PgWork& work, std::span<const IncomingItem> items) {
    std::array<std::vector<std::string>, 8> columns;
    std::unordered_set<std::string> ids;
    for (const IncomingItem& item : items) {
        // One call may hold an id twice (batches committed together): the first is the one stored.
        if (!item.response || !ids.insert(item.id).second) continue;
        const StoredResponse& r = *item.response;
        std::size_t column = 0;
        for (const std::string* value : {&r.id, &r.unitId, &r.surveyId, &r.surveyVersion, &r.period, &r.locale, &r.answersJson, &item.sealedSha256}) {
            columns[column++].push_back(*value);
        }
    }
    std::unordered_set<std::string> stored;
    if (columns[0].empty()) return stored;
    pq::Params params;
    for (const auto& column : columns) params.textArray(column);
    auto rows = work.exec("INSERT INTO responses (id, unit_id, survey_id, survey_version, period, locale, answers, sealed_sha256) "
                          "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) "
                          "ORDER BY 1 ON CONFLICT DO NOTHING RETURNING id",
                          params);
    if (!rows) return rows.error();
    for (int i = 0; i < rows->size(); ++i) stored.insert(rows->text(i, 0));
    return stored;
}

// The sealed digests stored under the ids of the batch that were not stored now.
Result<std::unordered_map<std::string, std::string>> storedDigests(PgWork& work, std::span<const IncomingItem> items,
                                                                  const std::unordered_set<std::string>& inserted) {
    std::vector<std::string> ids;
    for (const IncomingItem& item : items) {
        if (!inserted.contains(item.id)) ids.push_back(item.id);
    }
    std::unordered_map<std::string, std::string> digests;
    if (ids.empty()) return digests;
    auto rows = work.exec("SELECT id, sealed_sha256 FROM responses WHERE id = ANY($1::text[])", pq::Params().textArray(ids));
    if (!rows) return rows.error();
    for (int i = 0; i < rows->size(); ++i) digests.emplace(rows->text(i, 0), rows->text(i, 1));
    return digests;
}

// PostgreSQL's text holds no NUL byte, and a rejected item may carry one (JSON's "\u0000" in its sealed
// value): kept as those six characters, so that the batch is answered instead of failing again and again.
std::string withoutNul(const std::string& text) {
    if (text.find('\0') == std::string::npos) return text;
    std::string kept;
    for (const char c : text) {
        if (c == '\0') kept += "\\u0000";
        else kept += c;
    }
    return kept;
}

// Keeps the rejected items in the dead letters, each kiosk's up to kDeadLetterBytesPerDevice. Each kiosk's
// lock (taken in id order: no deadlock) makes a second replica read the size after this one's commit.
Status keepDeadLetters(PgWork& work, std::span<const IncomingItem> items, std::vector<StoredItem>& stored, const std::string& receivedWeek) {
    std::set<std::string> devices;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (stored[i].result.status == shared::ItemStatus::Rejected && !items[i].deviceId.empty()) devices.insert(items[i].deviceId);
    }
    std::map<std::string, std::int64_t> kept;
    for (const auto& device : devices) {
        if (Status locked = work.run("SELECT pg_advisory_xact_lock($1::integer, hashtext($2))", pq::Params().integer(kDeadLetterLockSpace).text(device));
            !locked) {
            return locked;
        }
        auto size = work.integer("SELECT coalesce(sum(octet_length(sealed)), 0) FROM dead_letters WHERE device_id = $1", pq::Params().text(device));
        if (!size) return Error{size.error().message};
        kept[device] = *size;
    }
    std::array<std::vector<std::string>, 6> columns;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const IncomingItem& item = items[i];
        if (stored[i].result.status != shared::ItemStatus::Rejected) continue;
        if (!item.deviceId.empty()) {  // "": an import, the operator's own file
            std::int64_t& bytes = kept[item.deviceId];
            if (bytes >= kDeadLetterBytesPerDevice) {
                stored[i].notKept = true;
                continue;
            }
            bytes += static_cast<std::int64_t>(item.sealed.size());
        }
        std::size_t column = 0;
        for (const std::string* value : std::initializer_list<const std::string*>{&item.id, &item.sealedSha256, &item.sealed, &stored[i].result.error, &receivedWeek, &item.deviceId}) {
            columns[column++].push_back(withoutNul(*value));
        }
    }
    if (columns[0].empty()) return {};
    pq::Params params;
    for (const auto& column : columns) params.textArray(column);
    return work.run("INSERT INTO dead_letters (id, sealed_sha256, sealed, reason, received_week, device_id) "
                    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING",
                    params);
}

constexpr std::string_view kFilter = "($1 = '' OR survey_id = $1) AND ($2 = '' OR survey_version = $2) AND ($3 = '' OR round_id = $3)";

pq::Params filterParams(const ResponseFilter& filter) {
    return pq::Params().text(filter.surveyId).text(filter.surveyId.empty() ? std::string() : filter.version).text(filter.round);
}

}  // namespace

Result<std::vector<StoredItem>> PostgresStorage::storeItems(std::span<const IncomingItem> items, const std::string& receivedWeek) {
    return m_pool->write("cannot store the batch", [&](PgWork& work) -> Result<std::vector<StoredItem>> {
        if (Status locked = work.lockStore(false); !locked) return Error{locked.message()};
        auto inserted = insertResponses(work, items);
        if (!inserted) return inserted.error();
        auto digests = storedDigests(work, items, *inserted);
        if (!digests) return digests.error();
        PgTallySums tallies;
        std::vector<StoredItem> stored;
        stored.reserve(items.size());
        for (const IncomingItem& item : items) {
            StoredItem outcome{{item.id, shared::ItemStatus::Rejected, ""}, false};
            shared::BatchResult& result = outcome.result;
            // In order, as one writer would have stored them: a later item with an id stored by an earlier
            // one of this call finds that one's digest.
            if (item.response && inserted->contains(item.id) && !digests->contains(item.id)) {
                digests->emplace(item.id, item.sealedSha256);
                tallies.add(*item.response, item.tallies);
                result.status = shared::ItemStatus::Accepted;
            } else if (auto found = digests->find(item.id); found != digests->end()) {
                if (found->second == item.sealedSha256) result.status = shared::ItemStatus::Duplicate;
                else result.error = "response " + item.id + " is already stored with a different sealed payload; the stored one is kept";
            } else if (item.response) {
                // A copy of someone's sealed response under a new id would count them twice (PROTOCOL.md).
                result.error = "the same sealed response is already stored under another id; a copy is not another respondent";
            } else {
                result.error = item.rejection;
            }
            stored.push_back(std::move(outcome));
        }
        if (Status kept = keepDeadLetters(work, items, stored, receivedWeek); !kept) return Error{kept.message()};
        if (Status written = tallies.write(work); !written) return Error{written.message()};
        return stored;
    });
}

Status PostgresStorage::forEachResponse(const std::function<bool(const StoredResponse&)>& visit) {
    return m_pool->snapshot(kPgCannotRead, [&](PgWork& work) {
        return visitResponses(work, "SELECT " + std::string(kResponseColumns) + " FROM responses ORDER BY id", {}, visit);
    });
}

Status PostgresStorage::forEachResponseOf(const ResponseFilter& filter, const std::function<bool(const StoredResponse&)>& visit) {
    return m_pool->snapshot(kPgCannotRead, [&](PgWork& work) {
        return visitResponses(work,
                              "SELECT " + std::string(kResponseColumns) + " FROM responses WHERE " + std::string(kFilter) +
                                  " ORDER BY unit_id, survey_id, survey_version, period, id",
                              filterParams(filter), visit);
    });
}

Result<std::int64_t> PostgresStorage::countResponses(const ResponseFilter& filter) {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.integer("SELECT count(*) FROM responses WHERE " + std::string(kFilter), filterParams(filter)); });
}

Result<std::int64_t> PostgresStorage::responseCount() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.integer("SELECT count(*) FROM responses"); });
}

Result<std::vector<DeadLetter>> PostgresStorage::deadLetters() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) {
        return work.all("SELECT id, sealed, reason, received_week FROM dead_letters ORDER BY received_week, id", {}, [](const pq::Rows& rows, int i) {
            return DeadLetter{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.text(i, 3)};
        });
    });
}

Result<std::int64_t> PostgresStorage::deadLetterCount() {
    return m_pool->read(kPgCannotRead, [&](PgWork& work) { return work.integer("SELECT count(*) FROM dead_letters"); });
}

Status visitResponses(PgWork& work, const std::string& sql, const pq::Params& params, const std::function<bool(const StoredResponse&)>& visit) {
    StoredResponse response;
    return work.stream(sql, params, [&](const pq::Rows& rows, int i) {
        rows.textInto(i, 0, response.id);
        rows.textInto(i, 1, response.unitId);
        rows.textInto(i, 2, response.surveyId);
        rows.textInto(i, 3, response.surveyVersion);
        rows.textInto(i, 4, response.period);
        rows.textInto(i, 5, response.locale);
        rows.textInto(i, 6, response.answersJson);
        rows.textInto(i, 7, response.round);
        return visit(response);
    });
}

}  // namespace svarboks::server
