// PostgresStorage: the schema and its migrations.
#include "pool.hpp"

#include "svarboks/server/postgresql_storage.hpp"

#include <array>

namespace svarboks::server {

namespace {

struct Migration {
    int from;
    int to;
    std::string_view sql;
};

// Each step takes the schema from one version to the next; never edit one that has shipped, add another.
// Version numbers are SqliteStorage's: a PostgreSQL store is born at SQLite's version 8 with the same
// tables and columns (TEXT -> text, INTEGER -> bigint, 0/1 flags -> integer with the same CHECK, REAL ->
// double precision, BLOB -> bytea), so that a SQLite store can be copied into it table by table.
// Deliberate differences: PostgreSQL has no WITHOUT ROWID (the heap's order is settled by flushLog);
// the sealed digest is UNIQUE (the engine relies on it to refuse a copy under another id from two
// replicas at once); audit.seq is an identity column (about accounts, never respondents); every text
// column compares bytes (COLLATE "C"), as SQLite does, whatever the database's locale: weeks, ids and
// the tallies' "*" sort as they do there.
constexpr std::array<Migration, 2> kMigrations = {{
    {0, 8, R"sql(
CREATE TABLE units (
    id         text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    group_name text COLLATE "C" NOT NULL DEFAULT '',
    retired    integer NOT NULL DEFAULT 0 CHECK (retired IN (0, 1))
);

CREATE TABLE devices (
    id             text COLLATE "C" PRIMARY KEY,
    token_sha256   text COLLATE "C" NOT NULL UNIQUE,
    unit_id        text COLLATE "C" NOT NULL REFERENCES units (id),
    enrolled_on    text COLLATE "C" NOT NULL,
    last_seen_on   text COLLATE "C" NOT NULL DEFAULT '',
    revoked        integer NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    survey_id      text COLLATE "C" NOT NULL DEFAULT '',
    survey_version text COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE enrolment_codes (
    code_sha256  text COLLATE "C" PRIMARY KEY,
    unit_id      text COLLATE "C" NOT NULL REFERENCES units (id),
    expires_at   bigint NOT NULL,
    used         integer NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
    request_id   text COLLATE "C",
    device_id    text COLLATE "C",
    replay_token bytea,
    replay_until bigint
);

CREATE TABLE surveys (
    survey_id         text COLLATE "C" NOT NULL,
    version           text COLLATE "C" NOT NULL,
    definition        text COLLATE "C" NOT NULL,
    definition_sha256 text COLLATE "C" NOT NULL,
    consent_sha256    text COLLATE "C" NOT NULL,
    retired_on        text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (survey_id, version)
);

CREATE TABLE survey_units (
    survey_id     text COLLATE "C" NOT NULL,
    version       text COLLATE "C" NOT NULL,
    unit_id       text COLLATE "C" NOT NULL,
    published_seq bigint NOT NULL,
    PRIMARY KEY (survey_id, version, unit_id),
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
);
CREATE INDEX survey_units_by_unit ON survey_units (unit_id, published_seq);

CREATE TABLE survey_groups (
    survey_id     text COLLATE "C" NOT NULL,
    version       text COLLATE "C" NOT NULL,
    group_name    text COLLATE "C" NOT NULL,
    published_seq bigint NOT NULL,
    PRIMARY KEY (survey_id, version, group_name),
    FOREIGN KEY (survey_id, version) REFERENCES surveys (survey_id, version)
);
CREATE INDEX survey_groups_by_group ON survey_groups (group_name, published_seq);

CREATE TABLE survey_drafts (
    id          text COLLATE "C" PRIMARY KEY,
    file_name   text COLLATE "C" NOT NULL,
    uploaded_by text COLLATE "C" NOT NULL,
    uploaded_at text COLLATE "C" NOT NULL,
    source      text COLLATE "C" NOT NULL,
    survey_id   text COLLATE "C" NOT NULL,
    version     text COLLATE "C" NOT NULL,
    warnings    bigint NOT NULL
);

CREATE TABLE responses (
    id             text COLLATE "C" NOT NULL UNIQUE,
    unit_id        text COLLATE "C" NOT NULL,
    survey_id      text COLLATE "C" NOT NULL,
    survey_version text COLLATE "C" NOT NULL,
    period         text COLLATE "C" NOT NULL,
    locale         text COLLATE "C" NOT NULL,
    answers        text COLLATE "C" NOT NULL,
    sealed_sha256  text COLLATE "C" NOT NULL UNIQUE,
    round_id       text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (unit_id, survey_id, survey_version, period, id)
);
CREATE INDEX responses_by_round ON responses (round_id, survey_id, survey_version, id);

CREATE TABLE dead_letters (
    id            text COLLATE "C" NOT NULL,
    sealed_sha256 text COLLATE "C" NOT NULL,
    sealed        text COLLATE "C" NOT NULL,
    reason        text COLLATE "C" NOT NULL,
    received_week text COLLATE "C" NOT NULL,
    device_id     text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (id, sealed_sha256)
);
CREATE INDEX dead_letters_by_device ON dead_letters (device_id);
CREATE INDEX dead_letters_by_week ON dead_letters (received_week);

CREATE TABLE tallies (
    survey_id      text COLLATE "C" NOT NULL,
    survey_version text COLLATE "C" NOT NULL,
    kind           text COLLATE "C" NOT NULL,
    unit_id        text COLLATE "C" NOT NULL,
    subject        text COLLATE "C" NOT NULL,
    value          text COLLATE "C" NOT NULL,
    period         text COLLATE "C" NOT NULL,
    count          bigint NOT NULL,
    sum            double precision NOT NULL,
    PRIMARY KEY (survey_id, survey_version, kind, period, unit_id, subject, value)
);

CREATE TABLE settings (
    key   text COLLATE "C" PRIMARY KEY,
    value text COLLATE "C" NOT NULL
);

CREATE TABLE users (
    name                 text COLLATE "C" PRIMARY KEY,
    password_hash        text COLLATE "C" NOT NULL,
    created_on           text COLLATE "C" NOT NULL,
    failed_logins        bigint NOT NULL DEFAULT 0,
    locked_until         bigint NOT NULL DEFAULT 0,
    role                 text COLLATE "C" NOT NULL DEFAULT 'administrator',
    scope                text COLLATE "C" NOT NULL DEFAULT '',
    disabled             integer NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    must_change_password integer NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    last_sign_in_at      bigint NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_sha256 text COLLATE "C" PRIMARY KEY,
    user_name    text COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created_at   bigint NOT NULL,
    last_used_at bigint NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_name);

CREATE TABLE rounds (
    id          text COLLATE "C" PRIMARY KEY,
    from_week   text COLLATE "C" NOT NULL,
    to_week     text COLLATE "C" NOT NULL,
    released_on text COLLATE "C" NOT NULL DEFAULT '',
    k           bigint NOT NULL DEFAULT 5
);

CREATE TABLE round_units (
    round_id   text COLLATE "C" NOT NULL REFERENCES rounds (id),
    unit_id    text COLLATE "C" NOT NULL,
    group_name text COLLATE "C" NOT NULL,
    PRIMARY KEY (round_id, unit_id)
);

CREATE TABLE round_tallies (
    round_id       text COLLATE "C" NOT NULL,
    survey_id      text COLLATE "C" NOT NULL,
    survey_version text COLLATE "C" NOT NULL,
    kind           text COLLATE "C" NOT NULL,
    period         text COLLATE "C" NOT NULL,
    unit_id        text COLLATE "C" NOT NULL,
    subject        text COLLATE "C" NOT NULL,
    value          text COLLATE "C" NOT NULL,
    count          bigint NOT NULL,
    sum            double precision NOT NULL,
    PRIMARY KEY (round_id, survey_id, survey_version, kind, period, unit_id, subject, value)
);

CREATE TABLE audit (
    seq       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at        text COLLATE "C" NOT NULL,
    user_name text COLLATE "C" NOT NULL,
    action    text COLLATE "C" NOT NULL,
    detail    text COLLATE "C" NOT NULL,
    rows      bigint NOT NULL
);
)sql"},
    // v9: what replicas share beyond the data (SharedStateStore): attempt buckets (rate limits) and
    // values shown once, sealed by the caller.
    {8, 9, R"sql(
CREATE TABLE attempt_buckets (
    key        text COLLATE "C" PRIMARY KEY,
    tokens     double precision NOT NULL,
    updated_ms bigint NOT NULL
);
CREATE INDEX attempt_buckets_by_age ON attempt_buckets (updated_ms);

CREATE TABLE kept_once (
    id         text COLLATE "C" PRIMARY KEY,
    owner      text COLLATE "C" NOT NULL,
    sealed     bytea NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX kept_once_by_expiry ON kept_once (expires_at);
)sql"},
}};
static_assert(kMigrations.back().to == PostgresStorage::kSchemaVersion, "the last migration reaches the code's schema version");

constexpr std::string_view kApplication = "svarboks-central";

// The schema's version: 0 for a new (empty) schema. Refuses a schema of another program, and one newer
// than this code's.
Result<int> schemaVersion(pq::Connection& connection, const std::string& prefix) {
    pq::Rows rows;
    if (auto failed = connection.command(
            "SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()), "
            "to_regclass('svarboks_schema') IS NOT NULL",
            &rows)) {
        return Error{prefix + "cannot read its schema: " + failed->reason};
    }
    const std::int64_t tables = rows.integer(0, 0);
    const bool versioned = rows.text(0, 1) == "t";
    if (tables == 0) return 0;
    if (!versioned) {
        return Error{prefix + "holds tables of another program (no svarboks_schema table in its schema); refusing to change it"};
    }
    pq::Rows version;
    if (auto failed = connection.exec("SELECT version FROM svarboks_schema WHERE application = $1", pq::Params().text(std::string(kApplication)),
                                      version)) {
        return Error{prefix + "cannot read its schema version: " + failed->reason};
    }
    if (version.empty()) return Error{prefix + "holds a svarboks_schema table of another program; refusing to change it"};
    const std::int64_t found = version.integer(0, 0);
    if (found > PostgresStorage::kSchemaVersion) {
        return Error{prefix + "schema version " + std::to_string(found) + " is newer than this program knows (" +
                     std::to_string(PostgresStorage::kSchemaVersion) +
                     "); it was written by a newer svarboks-central (the database is left untouched)"};
    }
    return static_cast<int>(found);
}

Status migrateLocked(pq::Connection& connection, const std::string& prefix) {
    auto version = schemaVersion(connection, prefix);
    if (!version) return Error{version.error().message};
    if (*version == PostgresStorage::kSchemaVersion) return {};
    const auto failed = [&](const pq::Failure& failure, int to) {
        (void)connection.command("ROLLBACK");
        return Error{prefix + "cannot migrate its schema to version " + std::to_string(to) + ": " + failure.reason};
    };
    if (auto begun = connection.command("BEGIN")) return failed(*begun, PostgresStorage::kSchemaVersion);
    if (*version == 0) {
        if (auto created = connection.command("CREATE TABLE svarboks_schema (application text PRIMARY KEY, version integer NOT NULL);"
                                              "INSERT INTO svarboks_schema VALUES ('svarboks-central', 0)")) {
            return failed(*created, PostgresStorage::kSchemaVersion);
        }
    }
    // Every step in one transaction: a failure leaves the schema as it was.
    for (const Migration& step : kMigrations) {
        if (step.from < *version) continue;
        if (auto stepped = connection.command(step.sql)) return failed(*stepped, step.to);
        pq::Rows rows;
        if (auto stamped = connection.exec("UPDATE svarboks_schema SET version = $1::integer WHERE application = $2",
                                           pq::Params().integer(step.to).text(std::string(kApplication)), rows)) {
            return failed(*stamped, step.to);
        }
    }
    if (auto committed = connection.command("COMMIT")) return failed(*committed, PostgresStorage::kSchemaVersion);
    return {};
}

}  // namespace

Status migratePgSchema(pq::Connection& connection, const std::string& prefix) {
    // A session lock: a second replica starting now waits here, then finds the schema migrated.
    pq::Rows rows;
    if (auto failed = connection.exec("SELECT pg_advisory_lock($1::bigint)", pq::Params().integer(kMigrationLock), rows)) {
        return Error{prefix + "cannot lock its schema: " + failed->reason};
    }
    Status migrated = migrateLocked(connection, prefix);
    if (auto failed = connection.exec("SELECT pg_advisory_unlock($1::bigint)", pq::Params().integer(kMigrationLock), rows)) {
        if (migrated) return Error{prefix + "cannot unlock its schema: " + failed->reason};
    }
    return migrated;
}

}  // namespace svarboks::server
