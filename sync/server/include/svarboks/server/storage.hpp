#pragma once
// What the central endpoint stores, behind an interface: SQLite (sqlite_storage.hpp) is the embedded
// default; a PostgreSQL backend for several stateless replicas implements the same interface.
//
// Anonymity is part of this contract, not of one backend: a stored response holds its id, unit, survey
// id and version, ISO week, locale, answers and a digest of its sealed bytes (for deduplication), and
// nothing else: no device, no batch, no time of receipt, and no order of arrival that could be read back.
//
// Every method is thread-safe, never throws, and reports failures as values whose message says what failed.
// Each write is one transaction: on failure nothing of it is stored.
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace svarboks::server {

using shared::Error;
using shared::Result;
using shared::Status;

struct Unit {
    std::string id;
    std::string name;
};

struct Device {
    std::string id;
    std::string unitId;
    std::string enrolledOn;  ///< ISO date
    std::string lastSeenOn;  ///< ISO date, "" before its first request
    bool revoked = false;
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
};

/// Which stored responses to read: every one, those of one survey, or of one survey version.
struct ResponseFilter {
    std::string surveyId;  ///< "" = every survey
    std::string version;   ///< "" = every version of surveyId; ignored without a surveyId

    [[nodiscard]] bool matches(const StoredResponse& response) const {
        return surveyId.empty() || (response.surveyId == surveyId && (version.empty() || response.surveyVersion == version));
    }
};

/// One item of a batch (or import), validated by the caller (ingest.hpp).
struct IncomingItem {
    std::string id;
    std::string sealed;        ///< as received (base64); kept in the dead letters when rejected
    std::string sealedSha256;  ///< hex SHA-256 of the decoded sealed bytes (of `sealed` when it is not base64)
    std::optional<StoredResponse> response;  ///< set when the item validated
    std::string rejection;     ///< why it did not, otherwise
};

struct DeadLetter {
    std::string id;
    std::string sealed;
    std::string reason;
    std::string receivedWeek;
};

inline constexpr const char* kAllUnits = "*";

class Storage {
public:
    virtual ~Storage() = default;

    /// A cheap check that the store answers (GET /healthz).
    [[nodiscard]] virtual Status ping() = 0;

    // ---- units ----
    /// Adds a unit; an error if the id exists.
    [[nodiscard]] virtual Status addUnit(const Unit& unit) = 0;
    [[nodiscard]] virtual Result<std::vector<Unit>> units() = 0;
    [[nodiscard]] virtual Result<std::optional<Unit>> findUnit(const std::string& id) = 0;

    // ---- enrolment and devices ----
    /// Stores a new one-time code (its hash only) for a unit; an error if the unit does not exist.
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

    // ---- surveys ----
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

    // ---- responses ----
    /// Stores a batch in one transaction, in the given order, and returns one result per item in that order:
    /// an id already stored with the same sealedSha256 is a duplicate; with another one it is rejected
    /// and never overwritten; an item with a response is stored (accepted); every rejected item goes to
    /// the dead letters with its reason and `receivedWeek`. Returns only after the commit.
    [[nodiscard]] virtual Result<std::vector<shared::BatchResult>> storeItems(std::span<const IncomingItem> items,
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
};

}  // namespace svarboks::server
