#pragma once
// The shared store: PostgreSQL (libpq), for several stateless `serve` replicas on one database. The same
// tables and columns as SqliteStorage's (types mapped), so that a store can be copied table by table; the
// schema is versioned in its own table (svarboks_schema) and migrated on open under a session advisory
// lock, so that two replicas starting at once do not both migrate. A schema newer than this code is refused.
//
// Threads and processes: a pool of connections, one per call in flight. Any number of processes may share
// the database; what SQLite gets from its single writer, this engine gets from one discipline:
// - every write transaction runs at READ COMMITTED, and is run again (a few times) after a serialization
//   failure or a deadlock (SQLSTATE 40001, 40P01);
// - storeItems holds the store lock (pg_advisory_xact_lock_shared) for its transaction: batches run side
//   by side; responses go in with INSERT ... ON CONFLICT DO NOTHING (the id and the sealed digest are both
//   unique), so the same id from two replicas is stored once and the other sees a duplicate; tallies are
//   added up per batch and written in key order in one statement (batches sharing a tally row lock it in
//   the same order: no deadlock);
// - whole-store changes (releasing, adding and deleting rounds, retention, rebuilding tallies, the group
//   size, publishing and retiring surveys, unit changes, account role/disable/remove/password changes)
//   hold the store lock exclusively: they wait for the batches in flight and see, and leave, a state no
//   batch is half-way through (a round released while batches arrive has exactly its frozen responses'
//   tallies);
// - hot small writes take no store-wide lock: a kiosk's last-seen date, sessions, login failures (one
//   atomic UPDATE ... RETURNING), attempt buckets, enrolment (the code's row is locked FOR UPDATE: the same
//   code and request id from two replicas at once make one device, the second is Replayed);
// - a kiosk's dead-letter cap holds across replicas through an advisory lock on the kiosk
//   (kDeadLetterLockSpace, hashtext(device id)), taken before its dead letters' size is read.
//
// Anonymity: a heap table keeps rows in the order they were inserted (ctid), and each row's xmin names
// the transaction (the batch) that inserted it. flushLog() "settles" the responses: at most once an hour
// (the time is kept in the store, so replicas agree) and only when rows were written since the last
// settle, it rewrites the responses table in key order in one transaction under the exclusive store lock
// (copied aside, TRUNCATEd to a new file, inserted back in key order): afterwards ctid order is key order
// and every settled row has the settle's xmin. No sequence, serial or timestamp is kept on responses.
// (PostgreSQL's own WAL, and any WAL archive or replica, still hold the inserts until recycled: that is
// the operator's to configure, as docs/deployment.md says.)
//
// The code: one file per concern of storage.hpp in core/src/postgresql/, each call one read, snapshot or
// write on a pooled connection (core/src/postgresql/pool.hpp over the libpq layer pq.hpp); the schema and
// its migrations in core/src/postgresql/schema.cpp.
#include "svarboks/server/storage.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace svarboks::server {

class PgPool;

class PostgresStorage final : public Storage {
public:
    /// The schema this code writes: SqliteStorage's version 8 (the same tables), and 9, attempt_buckets
    /// and kept_once (SharedStateStore).
    static constexpr int kSchemaVersion = 9;
    static constexpr std::size_t kDefaultMaxConnections = 8;
    /// How long a settled store stays settled at least (flushLog).
    static constexpr std::int64_t kSettleEverySeconds = 3600;

    /// Connects to `url` (postgresql://...), creating and migrating the schema as needed. Refuses a
    /// database that holds tables of another program and a schema newer than this code knows, and leaves
    /// them untouched. Errors say what failed and PostgreSQL's reason; the URL they show has no password.
    [[nodiscard]] static Result<std::unique_ptr<PostgresStorage>> open(const std::string& url,
                                                                       std::size_t maxConnections = kDefaultMaxConnections);

    ~PostgresStorage() override;
    PostgresStorage(const PostgresStorage&) = delete;
    PostgresStorage& operator=(const PostgresStorage&) = delete;

    // UnitStore: units.cpp
    [[nodiscard]] Status addUnit(const Unit& unit) override;
    [[nodiscard]] Result<std::vector<Unit>> units() override;
    [[nodiscard]] Result<std::optional<Unit>> findUnit(const std::string& id) override;
    [[nodiscard]] Status setUnitGroup(const std::string& id, const std::string& group) override;
    [[nodiscard]] Status renameUnit(const std::string& id, const std::string& name) override;
    [[nodiscard]] Status retireUnit(const std::string& id) override;
    // DeviceStore: devices.cpp
    [[nodiscard]] Status addEnrolmentCode(const std::string& codeSha256, const std::string& unitId, std::int64_t expiresAt) override;
    [[nodiscard]] Result<EnrolOutcome> enrol(const EnrolAttempt& attempt) override;
    [[nodiscard]] Result<std::optional<Device>> authenticate(const std::string& tokenSha256, const std::string& today) override;
    [[nodiscard]] Result<std::optional<Device>> findDevice(const std::string& id) override;
    [[nodiscard]] Result<std::vector<Device>> devices() override;
    [[nodiscard]] Status revokeDevice(const std::string& id) override;
    [[nodiscard]] Status setDeviceSurvey(const std::string& id, const std::string& surveyId, const std::string& version) override;
    // SurveyStore: surveys.cpp
    [[nodiscard]] Status publishSurvey(const PublishedSurvey& survey, const std::string& unitId) override;
    [[nodiscard]] Result<std::vector<PublishedSurvey>> surveys() override;
    [[nodiscard]] Result<std::optional<PublishedSurvey>> currentSurvey(const std::string& unitId) override;
    [[nodiscard]] Result<std::optional<PublishedSurvey>> findSurvey(const std::string& surveyId, const std::string& version,
                                                                    const std::string& unitId) override;
    [[nodiscard]] Result<std::optional<std::string>> surveyDefinition(const std::string& surveyId, const std::string& version) override;
    [[nodiscard]] Status publishSurveyTo(const PublishedSurvey& survey, const PublishTargets& targets) override;
    [[nodiscard]] Status retireSurvey(const std::string& surveyId, const std::string& version, const std::string& today) override;
    [[nodiscard]] Status addDraft(const SurveyDraft& draft) override;
    [[nodiscard]] Result<std::vector<SurveyDraft>> drafts() override;
    [[nodiscard]] Result<std::optional<SurveyDraft>> findDraft(const std::string& id) override;
    [[nodiscard]] Status removeDraft(const std::string& id) override;
    // ResponseStore: responses.cpp
    [[nodiscard]] Result<std::vector<StoredItem>> storeItems(std::span<const IncomingItem> items, const std::string& receivedWeek) override;
    [[nodiscard]] Status forEachResponse(const std::function<bool(const StoredResponse&)>& visit) override;
    [[nodiscard]] Result<std::int64_t> responseCount() override;
    [[nodiscard]] Status forEachResponseOf(const ResponseFilter& filter, const std::function<bool(const StoredResponse&)>& visit) override;
    [[nodiscard]] Result<std::int64_t> countResponses(const ResponseFilter& filter) override;
    [[nodiscard]] Result<std::vector<DeadLetter>> deadLetters() override;
    [[nodiscard]] Result<std::int64_t> deadLetterCount() override;
    // RoundStore: rounds.cpp
    [[nodiscard]] Result<int> groupSize() override;
    [[nodiscard]] Status setGroupSize(int k) override;
    [[nodiscard]] Status addRound(const Round& round) override;
    [[nodiscard]] Result<std::vector<Round>> rounds() override;
    [[nodiscard]] Result<std::int64_t> releaseRound(const std::string& id, const std::string& today) override;
    [[nodiscard]] Result<std::vector<RoundUnit>> roundUnits(const std::string& id) override;
    [[nodiscard]] Status aggregateTallies(const TallyQuery& query, const std::function<void(const TallyRow&)>& visit) override;
    [[nodiscard]] Result<bool> talliesStale() override;
    [[nodiscard]] Status rebuildTallies(const std::function<Result<std::vector<Tally>>(const StoredResponse&)>& compute) override;
    // AuditStore: audit.cpp
    [[nodiscard]] Status addAudit(const AuditEntry& entry) override;
    [[nodiscard]] Result<std::vector<AuditEntry>> audit(std::size_t limit) override;
    // SharedStateStore: shared_state.cpp
    [[nodiscard]] Result<std::optional<std::int64_t>> takeAttempt(const std::string& key, int perMinute, std::int64_t nowMs) override;
    [[nodiscard]] Status keepOnce(const std::string& id, const std::string& owner, const std::string& sealed, std::int64_t expiresAt) override;
    [[nodiscard]] Result<std::optional<std::string>> takeOnce(const std::string& id, const std::string& owner, std::int64_t now) override;
    // AccountStore: accounts.cpp
    [[nodiscard]] Status addUser(const UserAccount& user) override;
    [[nodiscard]] Result<std::vector<UserAccount>> users() override;
    [[nodiscard]] Result<std::optional<UserAccount>> findUser(const std::string& name) override;
    [[nodiscard]] Status setUserRole(const std::string& name, const std::string& role, const std::vector<std::string>& scope) override;
    [[nodiscard]] Status removeUser(const std::string& name) override;
    [[nodiscard]] Result<std::optional<UserAccount>> recordLoginFailure(const std::string& name, int maxFailures, std::int64_t lockUntil) override;
    [[nodiscard]] Status clearLoginFailures(const std::string& name) override;
    [[nodiscard]] Status recordLogin(const std::string& name, std::int64_t at) override;
    [[nodiscard]] Status setUserDisabled(const std::string& name, bool disabled) override;
    [[nodiscard]] Status setUserPassword(const std::string& name, const std::string& passwordHash, bool mustChange,
                                         const std::string& keepSession) override;
    [[nodiscard]] Status addSession(const Session& session) override;
    [[nodiscard]] Result<std::optional<Session>> findSession(const std::string& tokenSha256) override;
    [[nodiscard]] Status touchSession(const std::string& tokenSha256, std::int64_t lastUsedAt) override;
    [[nodiscard]] Status removeSession(const std::string& tokenSha256) override;
    [[nodiscard]] Status removeExpiredSessions(std::int64_t createdBefore, std::int64_t usedBefore) override;
    // MaintenanceStore: storage.cpp
    [[nodiscard]] Status ping() override;
    /// Settles the responses (see the header comment): true when settled or not due, false when readers
    /// kept it from taking the table within a few seconds (the next call tries again).
    [[nodiscard]] Result<bool> flushLog() override;
    [[nodiscard]] Result<std::vector<std::string>> deleteBefore(const std::string& oldestKeptWeek) override;

    /// The URL without its password.
    [[nodiscard]] const std::string& url() const { return m_url; }

private:
    PostgresStorage(std::string url, std::unique_ptr<PgPool> pool);

    std::string m_url;
    std::unique_ptr<PgPool> m_pool;
    std::atomic<std::int64_t> m_lastSweepMs{0};  // when this process last forgot full attempt buckets
};

}  // namespace svarboks::server
