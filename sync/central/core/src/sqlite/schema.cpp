#include "pool.hpp"

#include "svarboks/server/sqlite_storage.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace svarboks::server {

namespace {

// 'SVBC': tells this store from the kiosk's outbox and other SQLite files that also use user_version.
constexpr int kApplicationId = 0x53564243;

// migrations[v] takes the schema from version v to v + 1. Never edit one that has shipped; add another.
// Every table is WITHOUT ROWID: rows live in primary-key order, so no hidden rowid counts arrivals.
// Responses are clustered by unit, survey, version and week, and within those by their random v4 id:
// the order reports read them in, and no order of arrival. (A batch then dirties a few table pages
// instead of one per row; only the id index, which deduplication needs, takes random writes.)
constexpr std::array<std::string_view, SqliteStorage::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE units (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    unit_id      TEXT NOT NULL REFERENCES units (id),
    enrolled_on  TEXT NOT NULL,
    last_seen_on TEXT NOT NULL DEFAULT '',
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) WITHOUT ROWID;

CREATE TABLE enrolment_codes (
    code_sha256  TEXT PRIMARY KEY,
    unit_id      TEXT NOT NULL REFERENCES units (id),
    expires_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    request_id   TEXT,
    device_id    TEXT,
    replay_token BLOB,
    replay_until INTEGER
) WITHOUT ROWID;

CREATE TABLE surveys (
    survey_id         TEXT NOT NULL,
    version           TEXT NOT NULL,
    definition        TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    consent_sha256    TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
) WITHOUT ROWID;

CREATE TABLE survey_units (
    survey_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    unit_id       TEXT NOT NULL,
    published_seq INTEGER NOT NULL,
    PRIMARY KEY (survey_id, version, unit_id),
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
) WITHOUT ROWID;
CREATE INDEX survey_units_by_unit ON survey_units (unit_id, published_seq);

CREATE TABLE responses (
    id             TEXT NOT NULL UNIQUE,
    unit_id        TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    period         TEXT NOT NULL,
    locale         TEXT NOT NULL,
    answers        TEXT NOT NULL,
    sealed_sha256  TEXT NOT NULL,
    PRIMARY KEY (unit_id, survey_id, survey_version, period, id)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
    id            TEXT NOT NULL,
    sealed_sha256 TEXT NOT NULL,
    sealed        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    received_week TEXT NOT NULL,
    PRIMARY KEY (id, sealed_sha256)
) WITHOUT ROWID;
)sql",
    // v2: unit groups and the report tallies (report.hpp). A store that already holds responses is marked
    // so that the next report or serve rebuilds its tallies (rebuildTallies) before using them.
    R"sql(
ALTER TABLE units ADD COLUMN group_name TEXT NOT NULL DEFAULT '';

CREATE TABLE tallies (
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    kind           TEXT NOT NULL,
    unit_id        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    value          TEXT NOT NULL,
    period         TEXT NOT NULL,          -- an ISO week, or '*' for all weeks together
    count          INTEGER NOT NULL,
    sum            REAL NOT NULL,
    PRIMARY KEY (survey_id, survey_version, kind, period, unit_id, subject, value)
) WITHOUT ROWID;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO settings (key, value) SELECT 'tallies_stale', '1' WHERE EXISTS (SELECT 1 FROM responses);
)sql",
    // v3: dashboard accounts (accounts.hpp) and their sessions, kept by the hash of the session token.
    R"sql(
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_on    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_name);
)sql",
    // v4: reporting rounds (report.hpp). A released round is frozen: its responses are marked with its id,
    // its tallies copied into round_tallies and its units' groups into round_units, all in the release's
    // transaction; reports and exports read only those, so nothing shown changes after the release.
    // Responses are also found by the digest of their sealed bytes: the same bytes under another id are refused.
    R"sql(
ALTER TABLE responses ADD COLUMN round_id TEXT NOT NULL DEFAULT '';
CREATE INDEX responses_by_sealed ON responses (sealed_sha256);
CREATE INDEX responses_by_round ON responses (round_id, survey_id, survey_version, id);
DELETE FROM tallies WHERE period = '*';  -- reports read the rounds' frozen tallies now

CREATE TABLE rounds (
    id          TEXT PRIMARY KEY,
    from_week   TEXT NOT NULL,
    to_week     TEXT NOT NULL,
    released_on TEXT NOT NULL DEFAULT '',
    k           INTEGER NOT NULL DEFAULT 5   -- the group size at the release: the round's reports keep it
) WITHOUT ROWID;

CREATE TABLE round_units (
    round_id   TEXT NOT NULL REFERENCES rounds (id),
    unit_id    TEXT NOT NULL,
    group_name TEXT NOT NULL,
    PRIMARY KEY (round_id, unit_id)
) WITHOUT ROWID;

CREATE TABLE round_tallies (
    round_id       TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version TEXT NOT NULL,
    kind           TEXT NOT NULL,
    period         TEXT NOT NULL,          -- an ISO week (respondents only), or '*' for the whole round
    unit_id        TEXT NOT NULL,
    subject        TEXT NOT NULL,
    value          TEXT NOT NULL,
    count          INTEGER NOT NULL,
    sum            REAL NOT NULL,
    PRIMARY KEY (round_id, survey_id, survey_version, kind, period, unit_id, subject, value)
) WITHOUT ROWID;

-- Roles (accounts.hpp): the accounts from before roles were administrators in all but name.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'administrator';
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT '';  -- a unit leader's units and groups, one per line

-- What each account downloaded or changed, in the order it happened (about accounts, never respondents).
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    rows      INTEGER NOT NULL
);
)sql",
    // v5: retention and the dead-letter cap (retention.hpp, storage.hpp). Dead letters know their kiosk, so
    // that one kiosk's garbage is capped, and are found by week, so that they age out like responses.
    R"sql(
ALTER TABLE dead_letters ADD COLUMN device_id TEXT NOT NULL DEFAULT '';
CREATE INDEX dead_letters_by_device ON dead_letters (device_id);
CREATE INDEX dead_letters_by_week ON dead_letters (received_week);
)sql",
    // v6: administration (administration.hpp). A retired unit keeps everything but gets no new enrolment
    // code; a device remembers the survey version it last fetched, for the kiosk list.
    R"sql(
ALTER TABLE units ADD COLUMN retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1));
ALTER TABLE devices ADD COLUMN survey_id TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN survey_version TEXT NOT NULL DEFAULT '';
)sql",
    // v7: survey administration (survey_admin.hpp): publishing to unit groups (the group is looked up when a
    // kiosk asks, so a unit moved into a group gets its survey), retired versions, and drafts not yet published.
    // published_seq counts over survey_units and survey_groups together: the latest publication wins.
    R"sql(
ALTER TABLE surveys ADD COLUMN retired_on TEXT NOT NULL DEFAULT '';

CREATE TABLE survey_groups (
    survey_id     TEXT NOT NULL,
    version       TEXT NOT NULL,
    group_name    TEXT NOT NULL,
    published_seq INTEGER NOT NULL,
    PRIMARY KEY (survey_id, version, group_name),
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
) WITHOUT ROWID;
CREATE INDEX survey_groups_by_group ON survey_groups (group_name, published_seq);

CREATE TABLE survey_drafts (
    id          TEXT PRIMARY KEY,
    file_name   TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    source      TEXT NOT NULL,
    survey_id   TEXT NOT NULL,
    version     TEXT NOT NULL,
    warnings    INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // v8: account administration (account_admin.hpp): a disabled account cannot sign in; an account with a
    // one-time password (made for it, or reset) must choose its own first; the time of the last sign-in.
    R"sql(
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER NOT NULL DEFAULT 0;  -- unix seconds; 0 = never
)sql",
    // v9: what several `serve` processes on one store must share (storage.hpp, SharedStateStore): the token
    // buckets of the attempt limits, by a keyed hash of the client address that changes each day (never an
    // address), and values shown once (a made password, a code sheet), sealed with a key the store does not hold.
    R"sql(
CREATE TABLE attempt_buckets (
    key        TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_ms INTEGER NOT NULL   -- unix milliseconds
) WITHOUT ROWID;
CREATE INDEX attempt_buckets_by_time ON attempt_buckets (updated_ms);

CREATE TABLE kept_once (
    id         TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    expires_at INTEGER NOT NULL   -- unix seconds
) WITHOUT ROWID;
CREATE INDEX kept_once_by_expiry ON kept_once (expires_at);
)sql",
};
static_assert(std::none_of(kMigrations.begin(), kMigrations.end(), [](std::string_view sql) { return sql.empty(); }),
              "every schema version needs its migration");

// The file's schema version: 0 for a new (empty) file. Refuses a file of another program, and a schema
// newer than this code's.
Result<int> schemaVersion(sqlite::Database& db) {
    const auto pragma = [&](std::string_view sql) -> Result<std::int64_t> {
        auto query = db.query(sql);
        if (query.step() != Step::Row) return db.error(kCannotRead);
        return query.integerAt(0);
    };
    auto version = pragma("PRAGMA user_version");
    if (!version) return version.error();
    auto application = pragma("PRAGMA application_id");
    if (!application) return application.error();
    auto tables = pragma("SELECT count(*) FROM sqlite_master");
    if (!tables) return tables.error();
    if (*version == 0 && *application == 0 && *tables == 0) return 0;
    if (*application != kApplicationId) {
        return Error{db.prefix() + "is a database of another program (not a svarboks central store); refusing to change it"};
    }
    if (*version > SqliteStorage::kSchemaVersion) {
        return Error{db.prefix() + "schema version " + std::to_string(*version) + " is newer than this program knows (" +
                     std::to_string(SqliteStorage::kSchemaVersion) + "); it was written by a newer svarboks-central (the file is left untouched)"};
    }
    return static_cast<int>(*version);
}

}  // namespace

const sqlite::Schema& centralSchema() {
    static constexpr sqlite::Schema kSchema{kMigrations, kApplicationId, schemaVersion};
    return kSchema;
}

sqlite::Options connectionOptions(const sqlite::Schema* schema) {
    return {"store", "the server's user", SqliteStorage::kBusyTimeoutMs, true, schema};
}

}  // namespace svarboks::server
