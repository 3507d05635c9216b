#pragma once
// The embedded store: one SQLite file in WAL mode with synchronous=FULL, its schema versioned with
// user_version and migrated on open, opened as the kiosk's outbox is (shared/sqlite.hpp).
//
// Threads: a small pool of connections, one per call in flight (a connection is never used by two
// threads at once). Writers of this process queue on a mutex, so they do not spin on SQLite's busy
// handler; other processes (the admin commands beside a running server) wait up to kBusyTimeoutMs.
// Wiped values (expired replay tokens) are overwritten on disk (secure_delete).
//
// The code: one file per concern of storage.hpp in core/src/sqlite/, each call one read, read snapshot
// or write transaction on a pooled connection (core/src/sqlite/pool.hpp); the schema and its migrations
// in core/src/sqlite/schema.cpp.
#include "svarboks/server/storage.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>

namespace svarboks::server {

class SqlitePool;

class SqliteStorage final : public Storage {
public:
    static constexpr int kSchemaVersion = 9;
    static constexpr int kBusyTimeoutMs = 10000;
    static constexpr std::size_t kDefaultMaxConnections = 8;

    /// Opens (creating and migrating as needed) the store at `path`. Refuses a database of another program
    /// and a schema newer than this code knows, and leaves such a file untouched.
    [[nodiscard]] static Result<std::unique_ptr<SqliteStorage>> open(const std::filesystem::path& path,
                                                                     std::size_t maxConnections = kDefaultMaxConnections);

    ~SqliteStorage() override;
    SqliteStorage(const SqliteStorage&) = delete;
    SqliteStorage& operator=(const SqliteStorage&) = delete;

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
    [[nodiscard]] Result<bool> flushLog() override;
    [[nodiscard]] Result<std::vector<std::string>> deleteBefore(const std::string& oldestKeptWeek) override;

    /// `PRAGMA integrity_check`: "ok", or SQLite's findings one a line.
    [[nodiscard]] Result<std::string> integrityCheck();

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }

private:
    SqliteStorage(std::filesystem::path path, std::unique_ptr<SqlitePool> pool);

    std::filesystem::path m_path;
    std::unique_ptr<SqlitePool> m_pool;
};

}  // namespace svarboks::server
