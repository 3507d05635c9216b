// PostgresStorage: what replicas share beyond the data: attempt buckets and values shown once. Hot small
// writes: no store-wide lock, only the row's own.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

#include <algorithm>
#include <cmath>

namespace svarboks::server {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

}  // namespace

Result<std::optional<std::int64_t>> PostgresStorage::takeAttempt(const std::string& key, int perMinute, std::int64_t nowMs) {
    const double capacity = std::max(1, perMinute);
    return m_pool->write("cannot count an attempt", [&](PgWork& work) -> Result<std::optional<std::int64_t>> {
        // Buckets untouched for a minute are full again: forgotten (by one call a minute per process at most).
        if (std::int64_t swept = m_lastSweepMs.load(); nowMs - swept >= kMinuteMs && m_lastSweepMs.compare_exchange_strong(swept, nowMs)) {
            if (Status forgot = work.run("DELETE FROM attempt_buckets WHERE updated_ms < $1", pq::Params().integer(nowMs - kMinuteMs)); !forgot) {
                return Error{forgot.message()};
            }
        }
        // A new bucket is full; then its row is locked: two replicas taking from one bucket take one after the other.
        if (Status made = work.run("INSERT INTO attempt_buckets (key, tokens, updated_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
                                   pq::Params().text(key).real(capacity).integer(nowMs));
            !made) {
            return Error{made.message()};
        }
        auto bucket = work.exec("SELECT tokens, updated_ms FROM attempt_buckets WHERE key = $1 FOR UPDATE", pq::Params().text(key));
        if (!bucket) return bucket.error();
        if (bucket->empty()) return work.fail("the attempt bucket was forgotten while it was read (try again)");
        const double tokens = bucket->real(0, 0);
        const std::int64_t updatedMs = bucket->integer(0, 1);
        const double available = std::min(capacity, tokens + static_cast<double>(std::max<std::int64_t>(0, nowMs - updatedMs)) * capacity / kMinuteMs);
        if (available < 1) {
            const double waitMs = (1 - available) * kMinuteMs / capacity;
            return std::optional<std::int64_t>(std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(waitMs / 1000))));
        }
        if (Status taken = work.run("UPDATE attempt_buckets SET tokens = $2, updated_ms = $3 WHERE key = $1",
                                    pq::Params().text(key).real(available - 1).integer(std::max(nowMs, updatedMs)));
            !taken) {
            return Error{taken.message()};
        }
        return std::optional<std::int64_t>();
    });
}

Status PostgresStorage::keepOnce(const std::string& id, const std::string& owner, const std::string& sealed, std::int64_t expiresAt) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Status {
        // The store's own clock (as SqliteStorage's): keepOnce is told no time (takeOnce also forgets by the caller's).
        if (Status forgot = work.run("DELETE FROM kept_once WHERE expires_at <= extract(epoch FROM now())::bigint"); !forgot) return forgot;
        return work.insert("INSERT INTO kept_once (id, owner, sealed, expires_at) VALUES ($1, $2, $3, $4)",
                           pq::Params().text(id).text(owner).bytes(sealed).integer(expiresAt), "a value is already kept under id '" + id + "'");
    });
}

Result<std::optional<std::string>> PostgresStorage::takeOnce(const std::string& id, const std::string& owner, std::int64_t now) {
    return m_pool->write(kPgCannotWrite, [&](PgWork& work) -> Result<std::optional<std::string>> {
        // DELETE ... RETURNING: of two replicas asked at once, the second waits for the first and finds nothing.
        auto taken = work.one("DELETE FROM kept_once WHERE id = $1 AND owner = $2 AND expires_at > $3 RETURNING sealed",
                              pq::Params().text(id).text(owner).integer(now), [](const pq::Rows& rows, int i) { return rows.bytes(i, 0); });
        if (!taken) return taken.error();
        if (Status forgot = work.run("DELETE FROM kept_once WHERE expires_at <= $1", pq::Params().integer(now)); !forgot) return Error{forgot.message()};
        return taken;
    });
}

}  // namespace svarboks::server
