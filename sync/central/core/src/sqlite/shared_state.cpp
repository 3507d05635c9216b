// SqliteStorage: what several processes on one store share (attempt limits, values shown once). One
// process on SQLite needs none of it in the store, but the web layer speaks only this interface, so that it
// works unchanged on an engine that several replicas share.
#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <algorithm>
#include <cmath>

namespace svarboks::server {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

}  // namespace

Result<std::optional<std::int64_t>> SqliteStorage::takeAttempt(const std::string& key, int perMinute, std::int64_t nowMs) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Result<std::optional<std::int64_t>> {
        // A bucket untouched for a minute has refilled whatever its rate: forgetting it changes no answer.
        auto forget = work.query("DELETE FROM attempt_buckets WHERE updated_ms < ?1");
        forget.integer(1, nowMs - kMinuteMs);
        if (auto forgotten = work.run(forget); !forgotten) return Error{forgotten.message()};

        const double capacity = std::max(1, perMinute);
        const double perMs = capacity / kMinuteMs;
        auto find = work.query("SELECT tokens, updated_ms FROM attempt_buckets WHERE key = ?1");
        find.text(1, key);
        auto found = work.one(find, [](const sqlite::Query& row) { return std::pair{row.realAt(0), row.integerAt(1)}; });
        if (!found) return found.error();
        double tokens = capacity;
        // Replicas' clocks differ a little: a bucket never goes back in time, so none refills twice.
        std::int64_t updated = nowMs;
        if (*found) {
            updated = std::max(nowMs, (*found)->second);
            tokens = std::min(capacity, (*found)->first + static_cast<double>(updated - (*found)->second) * perMs);
        }
        std::optional<std::int64_t> wait;
        if (tokens >= 1.0 - 1e-9) {  // a bucket refilled to exactly one is not refused for a rounding error
            tokens -= 1.0;
        } else {
            wait = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - tokens) / perMs / 1000.0)));
        }
        auto save = work.query("INSERT INTO attempt_buckets (key, tokens, updated_ms) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_ms = excluded.updated_ms");
        save.text(1, key).real(2, tokens).integer(3, updated);
        if (auto saved = work.run(save); !saved) return Error{saved.message()};
        return wait;
    });
}

Status SqliteStorage::keepOnce(const std::string& id, const std::string& owner, const std::string& sealed, std::int64_t expiresAt) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Status {
        // The store's own clock: keepOnce is told no time (takeOnce also forgets by the caller's).
        auto forget = work.query("DELETE FROM kept_once WHERE expires_at <= CAST(strftime('%s', 'now') AS INTEGER)");
        if (auto forgotten = work.run(forget); !forgotten) return forgotten;
        auto keep = work.query("INSERT INTO kept_once (id, owner, sealed, expires_at) VALUES (?1, ?2, ?3, ?4)");
        keep.text(1, id).text(2, owner).blob(3, sealed).integer(4, expiresAt);
        return work.insert(keep, "a value kept once under this id exists already");
    });
}

Result<std::optional<std::string>> SqliteStorage::takeOnce(const std::string& id, const std::string& owner, std::int64_t now) {
    return m_pool->write(kCannotWrite, [&](Work& work) -> Result<std::optional<std::string>> {
        auto forget = work.query("DELETE FROM kept_once WHERE expires_at <= ?1");
        forget.integer(1, now);
        if (auto forgotten = work.run(forget); !forgotten) return Error{forgotten.message()};
        // Another owner's is left as it is: asking for it must not destroy it either.
        auto take = work.query("SELECT sealed FROM kept_once WHERE id = ?1 AND owner = ?2");
        take.text(1, id).text(2, owner);
        auto taken = work.one(take, [](const sqlite::Query& row) { return row.blobAt(0); });
        if (!taken) return taken.error();
        if (!*taken) return taken;
        auto remove = work.query("DELETE FROM kept_once WHERE id = ?1");
        remove.text(1, id);
        if (auto removed = work.run(remove); !removed) return Error{removed.message()};
        return *taken;
    });
}

}  // namespace svarboks::server
