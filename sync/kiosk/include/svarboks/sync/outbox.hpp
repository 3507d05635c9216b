#pragma once
// The kiosk's outbox: sealed responses waiting to be sent. SQLite in WAL mode with synchronous=FULL and
// secure_delete=ON (deleted rows are zeroed in the database file, not left in its free pages);
// the schema is versioned with user_version and migrated on open (shared/sqlite.hpp, as the central store). It stores sealed bytes, a state, an
// attempt count, a quarantine reason, a held flag and the order of arrival per response, and nothing else
// about respondents: no time, no device, no plaintext, and not why or when a response was held.
//
// Held: a pending response the kiosk found implausible when it was completed (kiosk_app.hpp). It is kept
// here, but not sent, not exported and not counted as pending, until an admin releases it (it becomes a
// normal pending item) or deletes it (the one deliberate deletion of a response).
//
// Threads: one Outbox (one connection) per thread; an Outbox object is not shared between threads. The UI
// thread adds; the uploader thread reads and removes with its own Outbox on the same file. Writers wait
// for each other up to kBusyTimeoutMs.
//
// Errors: every failure is a value (nothing throws out of this class) whose message starts with
// "outbox <path>: " and says what failed, e.g. "outbox /var/lib/svarboks/outbox.db: cannot write:
// database or disk is full". A failed write changes nothing: each write is one transaction.
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/sqlite.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

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
    std::int64_t pending = 0;      ///< waiting to be sent (held ones not included)
    std::int64_t quarantined = 0;
    std::int64_t held = 0;         ///< kept on the kiosk until an admin releases or deletes them
    bool operator==(const OutboxCounts&) const = default;
};

class Outbox {
public:
    /// The schema version this code writes.
    static constexpr int kSchemaVersion = 2;
    /// How long a write waits for the other connection's transaction before failing.
    static constexpr int kBusyTimeoutMs = 5000;

    /// Opens (creating and migrating as needed) the outbox at `path`. Refuses a read-only file, a
    /// database of another program, and a schema newer than kSchemaVersion (which it leaves untouched).
    [[nodiscard]] static Result<Outbox> open(const std::filesystem::path& path);

    Outbox(Outbox&&) noexcept;
    Outbox& operator=(Outbox&&) noexcept;
    ~Outbox();

    /// Adds a sealed response as pending (`held`: as held), committed (fsync'd) before returning. `id` must
    /// be a v4 UUID and `sealed` non-empty. Adding an id that is already stored with the same bytes is a
    /// no-op (it keeps its held flag); with other bytes it is an error and the stored item is kept as it was.
    [[nodiscard]] Status add(const std::string& id, const std::string& sealed, bool held = false);

    [[nodiscard]] Result<OutboxCounts> counts();

    /// Up to `limit` pending items, oldest first. Never a held item.
    [[nodiscard]] Result<std::vector<OutboxItem>> pending(std::size_t limit);

    /// The quarantined items, oldest first, with their reasons (for the admin screen and `svarboks status`).
    [[nodiscard]] Result<std::vector<OutboxItem>> quarantined();

    /// Removes delivered items (acknowledged as accepted or duplicate by the server), in one transaction.
    /// Only pending items are removed: quarantined and held ones never are. Unknown ids are ignored, so
    /// removing twice is safe.
    [[nodiscard]] Status remove(const std::vector<std::string>& ids);

    /// Moves an item to quarantine with the server's reason; it is kept, never deleted, never resent.
    /// An error if no item has this id.
    [[nodiscard]] Status quarantine(const std::string& id, const std::string& reason);

    /// Makes every quarantined item pending again (its reason cleared), in one transaction, so that the next
    /// sync sends it: for an admin, once the central team has fixed what made the server reject it. An item
    /// the server still rejects goes back to quarantine with the new reason. Returns how many were moved.
    [[nodiscard]] Result<std::int64_t> retryQuarantined();

    /// Counts one more delivery attempt for these items, in one transaction. Unknown ids are ignored.
    [[nodiscard]] Status countAttempt(const std::vector<std::string>& ids);

    /// Releases every held item: it becomes a normal pending item, sent like any other. One transaction.
    /// Returns how many were released.
    [[nodiscard]] Result<std::int64_t> releaseHeld();

    /// Deletes every held item, for good, in one transaction: the only way a response leaves the outbox
    /// without the server's acknowledgement (an admin's deliberate choice). Returns how many were deleted.
    [[nodiscard]] Result<std::int64_t> deleteHeld();

    /// Writes every pending and quarantined item to `file` as JSON Lines (see docs/outbox-export.md),
    /// atomically: a temp file in the same folder, fsync, rename, fsync of the folder. On failure an
    /// existing `file` is left as it was and no temp file remains. The items stay in the outbox. Held items
    /// are not written: an export is a way to deliver, and a held item is delivered only once released.
    /// `headerJson` is a JSON object (or "") whose fields are added to the first line; it may not set
    /// "format", "version" or "count". Returns the number of items written.
    [[nodiscard]] Result<std::int64_t> exportTo(const std::filesystem::path& file, const std::string& headerJson);

    /// `PRAGMA integrity_check` result: "ok" when the database is sound, else SQLite's findings, one a line.
    [[nodiscard]] Result<std::string> integrityCheck();

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    friend class OutboxTestPeer;  // tests read the connection's pragmas

    Outbox(shared::sqlite::Database db, std::filesystem::path path);
    [[nodiscard]] Result<std::int64_t> changeRows(std::string_view sql);
    shared::sqlite::Database m_db;
    std::filesystem::path m_path;
};

}  // namespace svarboks::sync
