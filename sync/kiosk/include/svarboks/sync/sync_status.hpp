#pragma once
// What the uploader tells the admin: a SyncStatus of plain data with no words in it, copied out of the
// uploader under its mutex. The kiosk says it in Danish or English with its other texts
// (client/sync_texts.hpp). Only technical details (libcurl's message, the server's error text, a file error)
// travel as text, untranslated. Days, not times, are kept: the time of a delivery says roughly when the
// responses in it were given.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace svarboks::sync {

using WallTime = std::chrono::system_clock::time_point;  ///< only shown to the admin, never stored

/// A day on the kiosk's local calendar: all that is kept of when the device synced.
using LocalDay = std::chrono::local_days;
/// The local day of `time`.
[[nodiscard]] LocalDay localDayOf(WallTime time);
/// "2026-11-23".
[[nodiscard]] std::string isoDay(LocalDay day);
/// "2026-11-23" as a LocalDay; a version 1 sync-state.json's exact UTC time ("2026-11-23T14:05:00Z") is read
/// as its local day. nullopt for anything else.
[[nodiscard]] std::optional<LocalDay> parseDay(const nlohmann::json& value);

/// Why a request did not get the answer PROTOCOL.md promises.
struct SyncProblem {
    enum class Kind {
        None,
        Transport,     ///< no complete HTTP reply: no connection, a timeout, TLS (detail: the HTTP client's message)
        NotTheServer,  ///< a 200 reply that is not JSON (a captive portal or a proxy's page?)
        Unconfirmed,   ///< a 200 reply that does not confirm the batch (detail: what is wrong with it)
        ServerStatus,  ///< an HTTP status not expected here, or 429/503 (detail: the server's {"error"}, if any)
        TokenRefused,  ///< 401: the server does not know the device token
        Local,         ///< the outbox or a file on this device (detail: its error message)
    };
    Kind kind = Kind::None;
    long httpStatus = 0;  ///< ServerStatus: what the server answered
    std::string detail;   ///< technical, not translated; "" when there is none

    [[nodiscard]] bool any() const { return kind != Kind::None; }
    bool operator==(const SyncProblem&) const = default;
};

/// What a pass sent.
struct Delivery {
    std::int64_t batches = 0;     ///< batch requests that got a reply
    std::int64_t accepted = 0;
    std::int64_t duplicates = 0;
    std::int64_t rejected = 0;    ///< moved to quarantine with the server's reason
    std::int64_t tooLarge = 0;    ///< too large to ever be sent; quarantined on the kiosk with that reason
    bool operator==(const Delivery&) const = default;
};

/// The news of the last attempt.
struct SyncResult {
    enum class Survey { None, UpToDate, NotAssigned, Checked, New };
    std::optional<Delivery> delivery;  ///< set when the pass sent or quarantined responses
    Survey survey = Survey::None;      ///< what the survey check found, when that is the news
    std::string newSurvey;             ///< Survey::New: its id and version, "pulse 2026.1"
    SyncProblem problem;               ///< why the attempt failed; Kind::None when it did not
    bool surveyCheck = false;          ///< the problem came from the survey check
    bool operator==(const SyncResult&) const = default;
};

/// A survey update problem, shown until it is solved.
struct SurveyNote {
    enum class Kind {
        None,
        Refused,      ///< the server's survey is invalid; the kiosk keeps its own (detail: why)
        NotAssigned,  ///< the server has no survey for this unit; the kiosk keeps its own
        KeyDiffers,   ///< the server's public key is not central_public_key: re-enrol
    };
    Kind kind = Kind::None;
    std::string detail;
    bool operator==(const SurveyNote&) const = default;
};

/// What the admin sees. Plain data.
struct SyncStatus {
    enum class State { Idle, Sending, Waiting, Paused };
    State state = State::Idle;
    std::int64_t pending = 0;
    std::int64_t quarantined = 0;
    std::int64_t held = 0;                ///< held on the kiosk, not sent until an admin releases them (outbox.hpp)
    std::optional<LocalDay> lastAttempt;  ///< the day of the last request to the server (no time of day)
    bool lastAttemptOk = false;
    SyncResult lastResult;
    std::optional<LocalDay> lastSuccess;  ///< the day the server last answered as PROTOCOL.md says (no time of day)
    std::optional<WallTime> nextAttempt;  ///< the next automatic pass; empty while paused or idle with no timer
    std::optional<WallTime> plannedSend;  ///< when the send schedule sends what is pending; never stored
    SyncProblem waitReason;               ///< while Waiting: why
    bool paused = false;                  ///< the server refused the token (401): no automatic pass until Sync now or re-enrolment
    SurveyNote surveyNote;
    std::string localError;               ///< outbox or state-file trouble on this device, its message ("" when there is none)
};

/// The status for `svarboks status --json`, its figures only: state, counts, days as "2026-11-23", the next
/// attempt as UTC ISO-8601 ("2026-11-23T14:05:00Z") or null, local_error.
[[nodiscard]] nlohmann::json toJson(const SyncStatus& status);

}  // namespace svarboks::sync
