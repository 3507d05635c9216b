#pragma once
// What the central endpoint stores, behind an interface: SQLite (sqlite_storage.hpp) is the embedded
// default; a PostgreSQL backend for several stateless replicas implements the same interface.
//
// The interface is cut by concern: UnitStore, DeviceStore, SurveyStore, ResponseStore, RoundStore,
// AuditStore, AccountStore and MaintenanceStore, each with the types it speaks in. Storage is all of
// them: an engine implements Storage, and code that needs one concern can take just that one.
//
// Anonymity is part of this contract, not of one backend: a stored response holds its id, unit, survey
// id and version, ISO week, locale, answers and a digest of its sealed bytes (for deduplication), and
// nothing else: no device, no batch, no time of receipt, and no order of arrival that could be read back.
//
// Every method is thread-safe, never throws, and reports failures as values whose message says what failed.
// Each write is one transaction: on failure nothing of it is stored.
#include "svarboks/server/policy.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

using shared::Error;
using shared::Result;
using shared::Status;

struct Unit {
    std::string id;
    std::string name;
    std::string group;  ///< a unit group such as "hjemmeplejen" (reports sum units by group); "" = none
    bool retired = false;  ///< keeps its data, reports and kiosks, but gets no new enrolment code
};

struct Device {
    std::string id;
    std::string unitId;
    std::string enrolledOn;  ///< ISO date
    std::string lastSeenOn;  ///< ISO date, "" before its first request
    bool revoked = false;
    std::string surveyId;       ///< the survey it last fetched (GET /api/v1/survey: 200, or 304 on its ETag); "" before
    std::string surveyVersion;  ///< likewise, its version
};

/// One enrolment attempt, prepared by the caller so that the store needs no cryptography.
struct EnrolAttempt {
    std::string codeSha256;     ///< enrolmentCodeHash() of the code as typed
    std::string requestId;      ///< the kiosk's request_id
    std::int64_t now = 0;       ///< unix seconds
    std::string today;          ///< ISO date, the new device's enrolment date
    std::string newDeviceId;    ///< used only when the code is fresh
    std::string newTokenSha256; ///< likewise
    std::string replayToken;    ///< the new token, sealed with a key derived from the code and request id
    std::int64_t replayUntil = 0;  ///< unix seconds; the sealed token is wiped after this
};

struct EnrolOutcome {
    enum class Kind {
        Created,   ///< a new device was enrolled with the attempt's id and token
        Replayed,  ///< the same code and request id within the replay window: the earlier device
        Refused,   ///< unknown, used (by another request id or after the window), expired, or its device revoked
    };
    Kind kind = Kind::Refused;
    std::string deviceId;
    std::string replayToken;  ///< for Replayed: the sealed token stored by the first attempt
    Unit unit;
};

/// A survey as published: the canonical definition bytes (shared::canonicalDefinition) and its digests.
struct PublishedSurvey {
    std::string surveyId;
    std::string version;
    std::string definition;  ///< may be empty in listings and lookups that do not need it
    std::string definitionSha256;
    std::string consentSha256;
    std::vector<std::string> units;  ///< the units it is assigned to; "*" means every unit
    std::vector<std::string> groups{}; ///< the unit groups it is assigned to (every unit in one, now or later)
    std::string retiredOn{};           ///< ISO date it was retired (kiosks no longer get it); "" while in use
    [[nodiscard]] bool retired() const { return !retiredOn.empty(); }
};

/// Where to publish a survey version: every unit, and/or some groups, and/or some units.
struct PublishTargets {
    bool all = false;
    std::vector<std::string> groups;
    std::vector<std::string> units;
    [[nodiscard]] bool empty() const { return !all && groups.empty() && units.empty(); }
};

/// An uploaded survey definition that is not published yet (survey_admin.hpp): no kiosk gets a draft.
struct SurveyDraft {
    std::string id;          ///< random, 16 hex digits
    std::string fileName;    ///< as uploaded, for the page only
    std::string uploadedBy;  ///< account name
    std::string uploadedAt;  ///< UTC, "2026-12-06T14:03:00Z"
    std::string source;      ///< the bytes as uploaded; empty in listings
    std::string surveyId;
    std::string version;
    std::int64_t warnings = 0;  ///< lint warnings at the upload (a draft never has errors)
};

/// One response as stored: exactly what PROTOCOL.md lets travel, plus the unit from the device.
struct StoredResponse {
    std::string id;
    std::string unitId;
    std::string surveyId;
    std::string surveyVersion;
    std::string period;
    std::string locale;
    std::string answersJson;  ///< compact JSON object
    std::string round;        ///< the released round it was frozen into; "" = none (yet)
};

/// A reporting round: a fixed range of ISO weeks chosen by the central team (report.hpp). Figures and
/// record-level exports exist only for released rounds, and a released round never changes.
struct Round {
    std::string id;          ///< [a-z0-9-]{1,32}, e.g. "2026-h1"
    std::string fromWeek;    ///< ISO week, inclusive
    std::string toWeek;      ///< ISO week, inclusive
    std::string releasedOn;  ///< ISO date of the release; "" while not released
    int k = kMinimumGroupSize;  ///< the minimum group size its reports and exports keep (the store's, frozen at the release)
    [[nodiscard]] bool released() const { return !releasedOn.empty(); }
};

/// A unit as it stood when a round was released: its group in that round's reports.
struct RoundUnit {
    std::string unitId;
    std::string group;
};

/// One entry of the audit log: who downloaded or changed what, and how many rows a download held.
struct AuditEntry {
    std::string at;        ///< UTC, "2026-12-06T14:03:00Z"
    std::string userName;
    std::string action;    ///< e.g. "download-responses", "download-report", "export", "release-round"
    std::string detail;    ///< what exactly (survey, round, format); never an answer
    std::int64_t rows = 0;
};

/// Which stored responses to read: every one, those of one survey, or of one survey version.
struct ResponseFilter {
    std::string surveyId;  ///< "" = every survey
    std::string version;   ///< "" = every version of surveyId; ignored without a surveyId
    std::string round;     ///< "" = every response; else only those frozen into this released round

    [[nodiscard]] bool matches(const StoredResponse& response) const {
        return (round.empty() || response.round == round) &&
               (surveyId.empty() || (response.surveyId == surveyId && (version.empty() || response.surveyVersion == version)));
    }
};

/// One contribution of a stored response to the report tallies (see tally.hpp): the tallies hold, per
/// survey version, unit and ISO week (and per unit over all weeks together), a count and a sum per (kind,
/// subject, value). They are what reports are made from, so that a report reads thousands of rows instead
/// of a million responses.
struct Tally {
    std::string kind;     ///< tally.hpp: kRespondents, kArea, kLevel, kAnswered, kChoice
    std::string subject;  ///< area id or question name; "" for kRespondents
    std::string value;    ///< level id or choice value; "" otherwise
    double sum = 0;       ///< the area score for kArea; 0 otherwise
};

/// Which tallies to add up (TallyRow): one released round, one survey version, one kind, some or all units.
/// Only a released round's frozen tallies are ever read for a report.
struct TallyQuery {
    std::string round;
    std::string surveyId;
    std::string version;
    std::string kind;
    bool byPeriod = false;   ///< one row per week instead of one per unit over the whole round (respondents only)
    std::vector<std::string> units;  ///< empty = every unit
};

/// The sum of the tallies of one unit (and week, when asked) for one subject and value.
struct TallyRow {
    std::string unitId;
    std::string period;  ///< "" unless TallyQuery::byPeriod
    std::string subject;
    std::string value;
    std::int64_t count = 0;
    double sum = 0;
};

/// One item of a batch (or import), validated by the caller (ingest.hpp).
struct IncomingItem {
    std::string id;
    std::string deviceId;      ///< the kiosk that sent it ("" for an import): its dead letters are capped
    std::string sealed;        ///< as received (base64); kept in the dead letters when rejected
    std::string sealedSha256;  ///< hex SHA-256 of the decoded sealed bytes (of `sealed` when it is not base64)
    std::optional<StoredResponse> response;  ///< set when the item validated
    std::vector<Tally> tallies;              ///< what the response adds to the tallies when stored
    std::string rejection;     ///< why it did not, otherwise
};

/// The sealed bytes kept in the dead letters of one kiosk, at most: past it, a rejected item is still
/// answered "rejected" (the kiosk keeps it in its quarantine) but not kept here (StoredItem::notKept).
/// A kiosk sending garbage cannot fill the disk (1,200 undecryptable items once took 21 MB).
inline constexpr std::int64_t kDeadLetterBytesPerDevice = 8 * 1024 * 1024;

/// What storeItems did with one item.
struct StoredItem {
    shared::BatchResult result;  ///< accepted, duplicate, or rejected with its reason
    bool notKept = false;        ///< rejected, and not kept: its kiosk's dead letters are at kDeadLetterBytesPerDevice
};

struct DeadLetter {
    std::string id;
    std::string sealed;
    std::string reason;
    std::string receivedWeek;
};

/// A dashboard account of the central team (accounts.hpp). Never linked to any response.
struct UserAccount {
    std::string name;
    std::string passwordHash;      ///< crypto_pwhash_str (Argon2id); the password itself is never stored
    std::string createdOn;         ///< ISO date
    std::int64_t failedLogins = 0; ///< wrong passwords since the last success, unlock or lock
    std::int64_t lockedUntil = 0;  ///< unix seconds; 0 = not locked
    std::string role = "administrator";  ///< accounts.hpp: administrator, analyst, unit-leader
    std::vector<std::string> scope;      ///< a unit leader's "unit:ID" and "group:NAME" entries
    bool disabled = false;               ///< cannot sign in (and has no sessions)
    bool mustChangePassword = false;     ///< its password is a one-time one: it must choose its own before anything else
    std::int64_t lastSignInAt = 0;       ///< unix seconds of the last successful sign-in; 0 = never
};

/// A dashboard login session: only the SHA-256 of its random token is stored.
struct Session {
    std::string tokenSha256;
    std::string userName;
    std::int64_t createdAt = 0;   ///< unix seconds (for the absolute expiry)
    std::int64_t lastUsedAt = 0;  ///< unix seconds (for the idle expiry), updated at most once a minute
};

inline constexpr const char* kAllUnits = "*";

/// Units and their groups.
class UnitStore {
public:
    virtual ~UnitStore() = default;
    /// Adds a unit; an error if the id exists.
    [[nodiscard]] virtual Status addUnit(const Unit& unit) = 0;
    [[nodiscard]] virtual Result<std::vector<Unit>> units() = 0;
    [[nodiscard]] virtual Result<std::optional<Unit>> findUnit(const std::string& id) = 0;
    /// Moves a unit into a group ("" = none); an error if there is no such unit.
    [[nodiscard]] virtual Status setUnitGroup(const std::string& id, const std::string& group) = 0;
    /// Renames a unit (its id stays); an error if there is no such unit.
    [[nodiscard]] virtual Status renameUnit(const std::string& id, const std::string& name) = 0;
    /// Retires a unit in one transaction: marked retired, and its unused enrolment codes deleted. Its
    /// responses, reports and kiosks stay (they still sync). An error if there is no such unit; retiring
    /// twice is not one.
    [[nodiscard]] virtual Status retireUnit(const std::string& id) = 0;
};

/// Enrolment codes and the kiosks enrolled with them.
class DeviceStore {
public:
    virtual ~DeviceStore() = default;
    /// Stores a new one-time code (its hash only) for a unit; an error if the unit does not exist or is retired.
    [[nodiscard]] virtual Status addEnrolmentCode(const std::string& codeSha256, const std::string& unitId,
                                                  std::int64_t expiresAt) = 0;
    /// Redeems a code atomically (see EnrolOutcome). Also wipes every replay token whose window has passed.
    [[nodiscard]] virtual Result<EnrolOutcome> enrol(const EnrolAttempt& attempt) = 0;
    /// The device with this token hash (revoked ones included, so that the caller can say so), and
    /// records `today` as its last-seen date (a write at most once per device and day).
    [[nodiscard]] virtual Result<std::optional<Device>> authenticate(const std::string& tokenSha256,
                                                                     const std::string& today) = 0;
    [[nodiscard]] virtual Result<std::optional<Device>> findDevice(const std::string& id) = 0;
    [[nodiscard]] virtual Result<std::vector<Device>> devices() = 0;
    /// Revokes a device; an error if there is none with this id. Revoking twice is not an error.
    [[nodiscard]] virtual Status revokeDevice(const std::string& id) = 0;
    /// Records which survey version a device last fetched (Device::surveyId, surveyVersion); nothing when
    /// there is no such device. Callers write only when it changed.
    [[nodiscard]] virtual Status setDeviceSurvey(const std::string& id, const std::string& surveyId, const std::string& version) = 0;
};

/// Published surveys, the units and groups they are assigned to, and drafts not yet published.
class SurveyStore {
public:
    virtual ~SurveyStore() = default;
    /// Publishes a survey for a unit or for kAllUnits. Publishing the same id and version again with the
    /// same definition only adds the assignment; with another definition it is refused (a published
    /// version never changes: its consent text is hashed into every response).
    [[nodiscard]] virtual Status publishSurvey(const PublishedSurvey& survey, const std::string& unitId) = 0;
    /// Every published survey with its assignments, without definitions, oldest publication first.
    [[nodiscard]] virtual Result<std::vector<PublishedSurvey>> surveys() = 0;
    /// The survey a unit's kiosks should show: the latest publication assigned to it or to every unit.
    [[nodiscard]] virtual Result<std::optional<PublishedSurvey>> currentSurvey(const std::string& unitId) = 0;
    /// Whether this id and version is published at all (units empty when it is not assigned to `unitId`),
    /// without the definition.
    [[nodiscard]] virtual Result<std::optional<PublishedSurvey>> findSurvey(const std::string& surveyId,
                                                                            const std::string& version,
                                                                            const std::string& unitId) = 0;
    /// The canonical definition bytes of a published survey.
    [[nodiscard]] virtual Result<std::optional<std::string>> surveyDefinition(const std::string& surveyId,
                                                                              const std::string& version) = 0;

    /// Publishes a survey to every target in one transaction, as publishSurvey does for one unit. A group
    /// assignment follows the units: a unit moved into the group later gets the survey too. An error, with
    /// nothing published, if a unit does not exist, a group has no unit, or there is no target.
    [[nodiscard]] virtual Status publishSurveyTo(const PublishedSurvey& survey, const PublishTargets& targets) = 0;
    /// Retires a published version on `today` (ISO date): no kiosk gets it from currentSurvey any more
    /// (a unit falls back to its latest other publication, or none). Its responses stay, and findSurvey
    /// still finds it, so that answers already given on a kiosk are still accepted and keep counting.
    /// An error if it is not published; retiring twice is not.
    [[nodiscard]] virtual Status retireSurvey(const std::string& surveyId, const std::string& version, const std::string& today) = 0;

    /// Stores a draft; an error if its id exists.
    [[nodiscard]] virtual Status addDraft(const SurveyDraft& draft) = 0;
    /// Every draft without its source, newest first.
    [[nodiscard]] virtual Result<std::vector<SurveyDraft>> drafts() = 0;
    /// One draft with its source.
    [[nodiscard]] virtual Result<std::optional<SurveyDraft>> findDraft(const std::string& id) = 0;
    /// Removes a draft; an error if there is none with this id.
    [[nodiscard]] virtual Status removeDraft(const std::string& id) = 0;
};

/// Stored responses (with the tallies they add) and the dead letters of rejected items.
class ResponseStore {
public:
    virtual ~ResponseStore() = default;
    /// Stores a batch in one transaction, in the given order, and returns one outcome per item in that order:
    /// an id already stored with the same sealedSha256 is a duplicate; with another one it is rejected
    /// and never overwritten; an item with a response is stored (accepted); every rejected item goes to
    /// the dead letters with its reason and `receivedWeek` (unless its kiosk's are at their cap: notKept).
    /// Returns only after the commit.
    [[nodiscard]] virtual Result<std::vector<StoredItem>> storeItems(std::span<const IncomingItem> items,
                                                                     const std::string& receivedWeek) = 0;
    /// Calls `visit` for every stored response, ordered by id (which carries no order of arrival), from one
    /// read snapshot. Stops early when `visit` returns false.
    [[nodiscard]] virtual Status forEachResponse(const std::function<bool(const StoredResponse&)>& visit) = 0;
    [[nodiscard]] virtual Result<std::int64_t> responseCount() = 0;
    /// Calls `visit` for every stored response the filter selects, from one read snapshot, holding one row
    /// in memory at a time (exports stream with this). Stops early when `visit` returns false. The order
    /// carries no order of arrival; SqliteStorage reads in table order: unit, survey, version, week, id.
    /// The default filters forEachResponse.
    [[nodiscard]] virtual Status forEachResponseOf(const ResponseFilter& filter,
                                                   const std::function<bool(const StoredResponse&)>& visit) {
        return forEachResponse([&](const StoredResponse& response) { return !filter.matches(response) || visit(response); });
    }
    /// How many stored responses the filter selects.
    [[nodiscard]] virtual Result<std::int64_t> countResponses(const ResponseFilter& filter) {
        std::int64_t count = 0;
        const Status status = forEachResponseOf(filter, [&](const StoredResponse&) {
            ++count;
            return true;
        });
        if (!status) return Error{status.message()};
        return count;
    }
    [[nodiscard]] virtual Result<std::vector<DeadLetter>> deadLetters() = 0;
    /// How many dead letters there are (without reading them).
    [[nodiscard]] virtual Result<std::int64_t> deadLetterCount() = 0;
};

/// Reporting rounds, the anonymity policy's group size they keep, and the tallies reports are made from.
class RoundStore {
public:
    virtual ~RoundStore() = default;
    /// The minimum group size (policy.hpp: kMinimumGroupSize unless set higher). A round keeps the one it
    /// was released with: reports with two different k beside each other could give hidden figures away.
    [[nodiscard]] virtual Result<int> groupSize() = 0;
    /// Sets it; an error below kMinimumGroupSize.
    [[nodiscard]] virtual Status setGroupSize(int k) = 0;

    /// Adds a round; an error if the id exists or its weeks overlap another round's.
    [[nodiscard]] virtual Status addRound(const Round& round) = 0;
    /// Every round, by first week.
    [[nodiscard]] virtual Result<std::vector<Round>> rounds() = 0;
    /// Releases a round in one transaction: every stored response in its weeks not yet in a round is
    /// frozen into it, with its tallies, the groups of the units that exist and the group size. Returns the number of
    /// responses frozen. An error if there is no such round or it is released already.
    [[nodiscard]] virtual Result<std::int64_t> releaseRound(const std::string& id, const std::string& today) = 0;
    /// The units of a released round with their groups as at the release.
    [[nodiscard]] virtual Result<std::vector<RoundUnit>> roundUnits(const std::string& id) = 0;

    /// Calls `visit` for each sum of tallies the query asks for, from one read snapshot, ordered by unit,
    /// (week,) subject and value. Only stored responses count: items added by storeItems in the same
    /// transaction as their response.
    [[nodiscard]] virtual Status aggregateTallies(const TallyQuery& query, const std::function<void(const TallyRow&)>& visit) = 0;
    /// Whether stored responses lack their tallies (a store from before tallies existed).
    [[nodiscard]] virtual Result<bool> talliesStale() = 0;
    /// Recomputes every tally from the stored responses in one transaction (`compute` gives a response's
    /// tallies, or an error that stops the rebuild with nothing changed).
    [[nodiscard]] virtual Status rebuildTallies(const std::function<Result<std::vector<Tally>>(const StoredResponse&)>& compute) = 0;
};

/// Who downloaded or changed what.
class AuditStore {
public:
    virtual ~AuditStore() = default;
    [[nodiscard]] virtual Status addAudit(const AuditEntry& entry) = 0;
    /// The latest `limit` entries, newest first.
    [[nodiscard]] virtual Result<std::vector<AuditEntry>> audit(std::size_t limit) = 0;
};

/// What every replica serving one store must share beyond the data itself: attempt limits and values
/// shown once. In the store, so that several `serve` processes on one PostgreSQL keep them together.
class SharedStateStore {
public:
    virtual ~SharedStateStore() = default;
    /// Takes one attempt from the token bucket `key` at `nowMs` (unix milliseconds). A bucket holds
    /// `perMinute` attempts and refills at `perMinute` a minute. nullopt when allowed (one attempt taken),
    /// else the whole seconds to wait (>= 1; nothing taken). `key` is a keyed hash made by the caller, never
    /// an address in the clear; buckets untouched for a minute (full again) are forgotten.
    [[nodiscard]] virtual Result<std::optional<std::int64_t>> takeAttempt(const std::string& key, int perMinute, std::int64_t nowMs) = 0;
    /// Keeps `sealed` (encrypted by the caller) under `id` for `owner` until `expiresAt` (unix seconds),
    /// and forgets everything expired. An error if `id` is taken.
    [[nodiscard]] virtual Status keepOnce(const std::string& id, const std::string& owner, const std::string& sealed, std::int64_t expiresAt) = 0;
    /// Takes what keepOnce kept under `id` for `owner` and deletes it in the same transaction (it is shown
    /// once, even to two replicas asked at once). nullopt when there is none, it expired, or it is another owner's.
    [[nodiscard]] virtual Result<std::optional<std::string>> takeOnce(const std::string& id, const std::string& owner, std::int64_t now) = 0;
};

/// The error (exactly this message) of an account change that would leave no enabled administrator:
/// setUserRole, setUserDisabled and removeUser check it in the same transaction as the change, so that two
/// administrators disabling each other at the same moment (on two replicas) cannot both succeed.
inline constexpr std::string_view kNoAdministratorLeft = "it would leave no enabled administrator";

/// Dashboard accounts and their login sessions.
class AccountStore {
public:
    virtual ~AccountStore() = default;
    /// Adds an account; an error if the name exists.
    [[nodiscard]] virtual Status addUser(const UserAccount& user) = 0;
    /// Every account, by name.
    [[nodiscard]] virtual Result<std::vector<UserAccount>> users() = 0;
    [[nodiscard]] virtual Result<std::optional<UserAccount>> findUser(const std::string& name) = 0;
    /// Sets an account's role and scope; an error if there is none with this name, or kNoAdministratorLeft.
    [[nodiscard]] virtual Status setUserRole(const std::string& name, const std::string& role, const std::vector<std::string>& scope) = 0;
    /// Removes an account and all its sessions; an error if there is none with this name, or kNoAdministratorLeft.
    [[nodiscard]] virtual Status removeUser(const std::string& name) = 0;
    /// Counts a wrong password: one more failure, and at `maxFailures` the account is locked until
    /// `lockUntil` (unix seconds) and the count starts again. The account as updated; nullopt when unknown.
    [[nodiscard]] virtual Result<std::optional<UserAccount>> recordLoginFailure(const std::string& name, int maxFailures,
                                                                                std::int64_t lockUntil) = 0;
    /// Clears an account's failures and lock (`users unlock`); an error if there is none.
    [[nodiscard]] virtual Status clearLoginFailures(const std::string& name) = 0;
    /// A successful sign-in at `at` (unix seconds): clears the failures and lock and records the time.
    [[nodiscard]] virtual Status recordLogin(const std::string& name, std::int64_t at) = 0;
    /// Disables (and ends every session of) or enables an account, in one transaction; an error if there is
    /// none, or kNoAdministratorLeft.
    [[nodiscard]] virtual Status setUserDisabled(const std::string& name, bool disabled) = 0;
    /// Sets an account's password hash and whether it must choose another at its next page, clears its
    /// failures and lock, and ends every session of it but the one whose token hash is `keepSession` (""
    /// = none kept), in one transaction; an error if there is none.
    [[nodiscard]] virtual Status setUserPassword(const std::string& name, const std::string& passwordHash, bool mustChange,
                                                 const std::string& keepSession) = 0;
    [[nodiscard]] virtual Status addSession(const Session& session) = 0;
    [[nodiscard]] virtual Result<std::optional<Session>> findSession(const std::string& tokenSha256) = 0;
    /// Records that a session was used at `lastUsedAt`; nothing when it is gone.
    [[nodiscard]] virtual Status touchSession(const std::string& tokenSha256, std::int64_t lastUsedAt) = 0;
    /// Ends a session; nothing when it is gone.
    [[nodiscard]] virtual Status removeSession(const std::string& tokenSha256) = 0;
    /// Removes every session created before `createdBefore` or last used before `usedBefore`.
    [[nodiscard]] virtual Status removeExpiredSessions(std::int64_t createdBefore, std::int64_t usedBefore) = 0;
};

/// Keeping the store itself: health, its log, retention.
class MaintenanceStore {
public:
    virtual ~MaintenanceStore() = default;
    /// A cheap check that the store answers (GET /healthz).
    [[nodiscard]] virtual Status ping() = 0;
    /// Moves what a write-ahead log holds into the store itself and empties the log, so that no file keeps
    /// recent writes in the order they came (a log appends each batch's rows in arrival order). Returns
    /// false when readers kept it from emptying the log (try again later). Stores without a log: true.
    [[nodiscard]] virtual Result<bool> flushLog() { return true; }
    /// Deletes, in one transaction, everything dated before `oldestKeptWeek` (retention.hpp): every round
    /// whose first week is before it, as a whole (its responses, tallies and units, and the round itself:
    /// a round that lost some of its weeks would show other figures than before, and the difference would
    /// be those weeks'), the responses in no released round and the tallies of weeks before it, and the
    /// dead letters received before it. Returns the ids of the rounds deleted. No count of responses: one
    /// of an old week could be a figure about fewer than k.
    [[nodiscard]] virtual Result<std::vector<std::string>> deleteBefore(const std::string& oldestKeptWeek) = 0;
};

/// The whole store: what an engine implements.
class Storage : public UnitStore,
                public DeviceStore,
                public SurveyStore,
                public ResponseStore,
                public RoundStore,
                public AuditStore,
                public SharedStateStore,
                public AccountStore,
                public MaintenanceStore {};

}  // namespace svarboks::server
