#pragma once
// The kiosk's outbox: sealed responses waiting to be sent. SQLite in WAL mode with synchronous=FULL;
// the schema is versioned with user_version and migrated on open. It stores sealed bytes, a state, an
// attempt count, a quarantine reason and the order of arrival per response, and nothing else about
// respondents: no time, no device, no plaintext.
//
// Threads: one Outbox (one connection) per thread; an Outbox object is not shared between threads. The UI
// thread adds; the uploader thread reads and removes with its own Outbox on the same file. Writers wait
// for each other up to kBusyTimeoutMs.
//
// Errors: every failure is a value (nothing throws out of this class) whose message starts with
// "outbox <path>: " and says what failed, e.g. "outbox /var/lib/svarboks/outbox.db: cannot write:
// database or disk is full". A failed write changes nothing: each write is one transaction.
#include "svarboks/shared/result.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace svarboks::sync {

using shared::Error;
using shared::Result;
using shared::Status;

struct OutboxItem {
    std::string id;       ///< lower-case UUID v4
    std::string sealed;   ///< binary crypto_box_seal output
    int attempts = 0;
    std::string reason;   ///< why it was quarantined; "" while pending
};

struct OutboxCounts {
    std::int64_t pending = 0;
    std::int64_t quarantined = 0;
};

class Outbox {
public:
    /// The schema version this code writes.
    static constexpr int kSchemaVersion = 1;
    /// How long a write waits for the other connection's transaction before failing.
    static constexpr int kBusyTimeoutMs = 5000;

    /// Opens (creating and migrating as needed) the outbox at `path`. Refuses a read-only file, a
    /// database of another program, and a schema newer than kSchemaVersion (which it leaves untouched).
    [[nodiscard]] static Result<Outbox> open(const std::filesystem::path& path);

    Outbox(Outbox&&) noexcept;
    Outbox& operator=(Outbox&&) noexcept;
    ~Outbox();

    /// Adds a sealed response as pending, committed (fsync'd) before returning. `id` must be a v4 UUID
    /// and `sealed` non-empty. Adding an id that is already stored with the same bytes is a no-op; with
    /// other bytes it is an error and the stored item is kept as it was.
    [[nodiscard]] Status add(const std::string& id, const std::string& sealed);

    [[nodiscard]] Result<OutboxCounts> counts();

    /// Up to `limit` pending items, oldest first.
    [[nodiscard]] Result<std::vector<OutboxItem>> pending(std::size_t limit);

    /// The quarantined items, oldest first, with their reasons (for the admin screen and `svarboks status`).
    [[nodiscard]] Result<std::vector<OutboxItem>> quarantined();

    /// Removes delivered items (acknowledged as accepted or duplicate by the server), in one transaction.
    /// Only pending items are removed: quarantined ones are never deleted. Unknown ids are ignored, so
    /// removing twice is safe.
    [[nodiscard]] Status remove(const std::vector<std::string>& ids);

    /// Moves an item to quarantine with the server's reason; it is kept, never deleted, never resent.
    /// An error if no item has this id.
    [[nodiscard]] Status quarantine(const std::string& id, const std::string& reason);

    /// Counts one more delivery attempt for these items, in one transaction. Unknown ids are ignored.
    [[nodiscard]] Status countAttempt(const std::vector<std::string>& ids);

    /// Writes every pending and quarantined item to `file` as JSON Lines (see docs/outbox-export.md),
    /// atomically: a temp file in the same folder, fsync, rename, fsync of the folder. On failure an
    /// existing `file` is left as it was and no temp file remains. The items stay in the outbox.
    /// `headerJson` is a JSON object (or "") whose fields are added to the first line; it may not set
    /// "format", "version" or "count". Returns the number of items written.
    [[nodiscard]] Result<std::int64_t> exportTo(const std::filesystem::path& file, const std::string& headerJson);

    /// `PRAGMA integrity_check` result: "ok" when the database is sound, else SQLite's findings, one a line.
    [[nodiscard]] Result<std::string> integrityCheck();

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    friend class OutboxTestPeer;  // tests read the connection's pragmas

    Outbox(sqlite3* db, std::filesystem::path path);
    struct Closer {
        void operator()(sqlite3* db) const;
    };
    std::unique_ptr<sqlite3, Closer> m_db;
    std::filesystem::path m_path;
};

}  // namespace svarboks::sync
