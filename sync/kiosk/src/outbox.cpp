#include "svarboks/sync/outbox.hpp"

#include "svarboks/shared/files.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/sqlite.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <limits>
#include <string_view>
#include <utility>

namespace svarboks::sync {

namespace fs = std::filesystem;
namespace sqlite = shared::sqlite;
using sqlite::Step;

namespace {

// migrations[v] takes the schema from version v to v + 1. Never edit one that has shipped; add another.
// seq is the rowid without AUTOINCREMENT: it orders the waiting items, and starts again from 1 once the
// outbox is empty, so it is no lasting count of respondents.
constexpr std::array<std::string_view, Outbox::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE responses (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    sealed   BLOB    NOT NULL,
    state    TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'quarantined')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX responses_by_state ON responses (state, seq);
)sql",
    // held = 1: a pending response the kiosk found implausible (too fast, or one of a burst) and keeps
    // until an admin sends or deletes it. Only the flag is stored: never why, nor when.
    R"sql(
ALTER TABLE responses ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
)sql",
};
static_assert(std::none_of(kMigrations.begin(), kMigrations.end(), [](std::string_view sql) { return sql.empty(); }),
              "every schema version needs its migration");

constexpr std::string_view kExportFormat = "svarboks-outbox-export";
constexpr int kExportVersion = 1;
constexpr std::size_t kExportBufferBytes = 64 * 1024;

constexpr std::string_view kCannotRead = "cannot read";
constexpr std::string_view kCannotWrite = "cannot write";

std::string prefixFor(const fs::path& path) { return "outbox " + path.string() + ": "; }

// The file's schema version; refuses a version newer than this code's and a database of another program.
Result<int> schemaVersion(sqlite::Database& db) {
    auto version = db.query("PRAGMA user_version");
    if (version.step() != Step::Row) return db.error("cannot open");
    const std::int64_t found = version.integerAt(0);
    if (found > Outbox::kSchemaVersion) {
        return Error{db.prefix() + "schema version " + std::to_string(found) + " is newer than this program knows (" +
                     std::to_string(Outbox::kSchemaVersion) + "); it was written by a newer svarboks: install that "
                     "version again (the file is left untouched)"};
    }
    if (found < 0) return Error{db.prefix() + "schema version " + std::to_string(found) + " is not an outbox's"};
    if (found == 0) {
        auto tables = db.query("SELECT count(*) FROM sqlite_master");
        if (tables.step() != Step::Row) return db.error("cannot open");
        if (tables.integerAt(0) != 0) {
            return Error{db.prefix() + "is a database of another program (it has tables but no outbox schema version); "
                                       "refusing to change it"};
        }
    }
    return static_cast<int>(found);
}

template <typename Body>
auto guarded(const fs::path& path, Body&& body) noexcept -> decltype(body()) {
    try {
        return body();
    } catch (const std::exception& e) {
        return Error{prefixFor(path) + e.what()};
    }
}

}  // namespace

Outbox::Outbox(sqlite::Database db, fs::path path) : m_db(std::move(db)), m_path(std::move(path)) {}
Outbox::Outbox(Outbox&&) noexcept = default;
Outbox& Outbox::operator=(Outbox&&) noexcept = default;
Outbox::~Outbox() = default;

Result<Outbox> Outbox::open(const fs::path& path) {
    return guarded(path, [&]() -> Result<Outbox> {
        static constexpr sqlite::Schema kSchema{kMigrations, 0, schemaVersion};
        auto db = sqlite::Database::open(path, {"outbox", "the kiosk's user", kBusyTimeoutMs, false, &kSchema});
        if (!db) return db.error();
        return Outbox(std::move(*db), path);
    });
}

Status Outbox::add(const std::string& id, const std::string& sealed, bool held) {
    return guarded(m_path, [&]() -> Status {
        const std::string& prefix = m_db.prefix();
        if (!shared::isUuidV4(id)) return Error{prefix + "cannot add '" + id.substr(0, 40) + "': the id is not a lower-case v4 UUID"};
        if (sealed.empty()) return Error{prefix + "cannot add " + id + ": the sealed value is empty"};
        return sqlite::inWriteTransaction(m_db, kCannotWrite, [&](sqlite::Database& db) -> Status {
            auto existing = db.query("SELECT sealed FROM responses WHERE id = ?1");
            existing.text(1, id);
            switch (existing.step()) {
                case Step::Row:
                    if (existing.blobAt(0) == sealed) return {};
                    return Error{prefix + "response " + id + " is already stored with different sealed bytes; "
                                 "the stored one is kept and not overwritten"};
                case Step::Done: break;
                case Step::Failed: return db.error(kCannotWrite);
            }
            auto insert = db.query("INSERT INTO responses (id, sealed, held) VALUES (?1, ?2, ?3)");
            insert.text(1, id).blob(2, sealed).integer(3, held ? 1 : 0);
            if (!insert.run()) return db.error(kCannotWrite);
            return {};
        });
    });
}

Result<OutboxCounts> Outbox::counts() {
    return guarded(m_path, [&]() -> Result<OutboxCounts> {
        auto query = m_db.query("SELECT state, held, count(*) FROM responses GROUP BY state, held");
        OutboxCounts counts;
        const bool read = query.each([&] {
            if (query.textAt(0) != "pending") counts.quarantined += query.integerAt(2);
            else if (query.integerAt(1) != 0) counts.held += query.integerAt(2);
            else counts.pending += query.integerAt(2);
        });
        if (!read) return m_db.error(kCannotRead);
        return counts;
    });
}

namespace {

// Held items are never read here: they are not sent, and a held item is never quarantined.
Result<std::vector<OutboxItem>> readItems(sqlite::Database& db, std::string_view state, std::int64_t limit) {
    auto query = db.query("SELECT id, sealed, attempts, reason FROM responses WHERE state = ?1 AND held = 0 ORDER BY seq LIMIT ?2");
    query.text(1, state).integer(2, limit);
    std::vector<OutboxItem> items;
    const bool read = query.each([&] {
        items.push_back({query.textAt(0), query.blobAt(1), static_cast<int>(query.integerAt(2)), query.textAt(3)});
    });
    if (!read) return db.error(kCannotRead);
    return items;
}

// Runs `sql` (one parameter: the id) once per id, in one transaction.
Status forEachId(sqlite::Database& db, std::string_view sql, const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    return sqlite::inWriteTransaction(db, kCannotWrite, [&](sqlite::Database& tx) -> Status {
        auto query = tx.query(sql);
        for (const auto& id : ids) {
            query.text(1, id);
            if (!query.run()) return tx.error(kCannotWrite);
        }
        return {};
    });
}

}  // namespace

Result<std::vector<OutboxItem>> Outbox::pending(std::size_t limit) {
    return guarded(m_path, [&] {
        const auto bounded = static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
        return readItems(m_db, "pending", bounded);
    });
}

Result<std::vector<OutboxItem>> Outbox::quarantined() {
    return guarded(m_path, [&] { return readItems(m_db, "quarantined", -1); });
}

Status Outbox::remove(const std::vector<std::string>& ids) {
    return guarded(m_path, [&] {
        return forEachId(m_db, "DELETE FROM responses WHERE id = ?1 AND state = 'pending' AND held = 0", ids);
    });
}

Status Outbox::countAttempt(const std::vector<std::string>& ids) {
    return guarded(m_path, [&] { return forEachId(m_db, "UPDATE responses SET attempts = attempts + 1 WHERE id = ?1", ids); });
}

Result<std::int64_t> Outbox::releaseHeld() {
    return guarded(m_path, [&] { return changeRows("UPDATE responses SET held = 0 WHERE held = 1"); });
}

Result<std::int64_t> Outbox::deleteHeld() {
    return guarded(m_path, [&] { return changeRows("DELETE FROM responses WHERE held = 1 AND state = 'pending'"); });
}

Result<std::int64_t> Outbox::retryQuarantined() {
    return guarded(m_path, [&] { return changeRows("UPDATE responses SET state = 'pending', reason = '' WHERE state = 'quarantined'"); });
}

Result<std::int64_t> Outbox::changeRows(std::string_view sql) {
    return sqlite::inWriteTransaction(m_db, kCannotWrite, [&](sqlite::Database& db) -> Result<std::int64_t> {
        if (!db.query(sql).run()) return db.error(kCannotWrite);
        return db.changes();
    });
}

Status Outbox::quarantine(const std::string& id, const std::string& reason) {
    return guarded(m_path, [&]() -> Status {
        return sqlite::inWriteTransaction(m_db, kCannotWrite, [&](sqlite::Database& db) -> Status {
            auto query = db.query("UPDATE responses SET state = 'quarantined', reason = ?2 WHERE id = ?1");
            query.text(1, id).text(2, reason);
            if (!query.run()) return db.error(kCannotWrite);
            if (db.changes() == 0) return Error{db.prefix() + "cannot quarantine '" + id.substr(0, 40) + "': no response with this id"};
            return {};
        });
    });
}

Result<std::int64_t> Outbox::exportTo(const fs::path& file, const std::string& headerJson) {
    return guarded(m_path, [&]() -> Result<std::int64_t> {
        using Json = nlohmann::ordered_json;
        const std::string prefix = prefixFor(m_path) + "cannot export to " + file.string() + ": ";

        Json header = headerJson.empty() ? Json::object() : Json::parse(headerJson, nullptr, false);
        if (header.is_discarded() || !header.is_object()) return Error{prefix + "the header is not a JSON object"};
        for (const char* reserved : {"format", "version", "count"}) {
            if (header.contains(reserved)) return Error{prefix + "the header may not set '" + reserved + "'"};
        }

        sqlite::Transaction snapshot(m_db);
        const auto readFailed = [&] { return Error{prefix + "cannot read: " + m_db.describe()}; };
        if (!snapshot.beginRead()) return readFailed();
        auto count = m_db.query("SELECT count(*) FROM responses WHERE held = 0");
        if (count.step() != Step::Row) return readFailed();
        const std::int64_t total = count.integerAt(0);
        auto rows = m_db.query("SELECT id, sealed, state FROM responses WHERE held = 0 ORDER BY seq");

        const auto exportFailed = [&](const std::string& why) { return Error{prefixFor(m_path) + "cannot export to " + why}; };
        auto out = shared::AtomicFile::create(file);
        if (!out) return exportFailed(out.error().message);

        Json first = Json::object();
        first["format"] = std::string(kExportFormat);
        first["version"] = kExportVersion;
        first["count"] = total;
        for (auto& [key, value] : header.items()) first[key] = std::move(value);
        std::string buffer = first.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";

        std::int64_t written = 0;
        Status wrote;
        const bool read = rows.each([&] {
            Json line = Json::object();
            line["id"] = rows.textAt(0);
            line["sealed"] = shared::toBase64(rows.blobAt(1));
            line["state"] = rows.textAt(2);
            buffer += line.dump(-1, ' ', false, Json::error_handler_t::replace);
            buffer += '\n';
            ++written;
            if (buffer.size() >= kExportBufferBytes) {
                wrote = out->write(buffer);
                buffer.clear();
            }
            return wrote.ok();
        });
        if (!wrote) return exportFailed(wrote.message());
        if (!read) return readFailed();
        if (written != total) return Error{prefix + "the outbox changed while it was read"};
        if (auto last = out->write(buffer); !last) return exportFailed(last.message());
        if (auto committed = out->commit(); !committed) return exportFailed(committed.message());
        return written;
    });
}

Result<std::string> Outbox::integrityCheck() {
    return guarded(m_path, [&] { return m_db.integrityCheck(); });
}

}  // namespace svarboks::sync
