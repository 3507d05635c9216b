#pragma once
// Enrolment (PROTOCOL.md, POST /api/v1/enroll): trades a one-time code for a device token and the central
// public key, stores them in the kiosk's config, and fetches the unit's survey (GET /api/v1/survey) before
// anyone can answer. Used by `svarboks enroll` and the kiosk's setup screen. Blocks on the network: call it
// from the command line or a worker thread, never from the UI thread. Thread-safe (each call has its own
// HTTP handle).
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/sync/sync_session.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace svarboks::sync {

struct EnrollOptions {
    std::string code;             ///< as typed ("K7QM-3XHD-9PLA"); sent as typed, the server normalises it
    std::string endpointUrl;      ///< https://...
    std::string caFile;           ///< "" = the system's CAs; else an absolute path to a PEM file
    std::string pinnedPublicKey;  ///< "" = no pin
    std::string proxy;            ///< "" = from the environment
    std::string requestId;        ///< "" = a new UUID v4 for this attempt; every retry sends the same one
    int tries = 3;                ///< sends at most this often when the reply is lost or the server is busy
    std::chrono::milliseconds retryDelay{2000};  ///< before the second try; doubled before each further one
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds totalTimeout{60'000};
    std::function<void(std::chrono::milliseconds)> sleep;  ///< "" = std::this_thread::sleep_for (tests inject)
};

struct Enrolment {
    shared::EnrollResponse response;
    std::string requestId;
    int tries = 0;  ///< how many requests were sent
};

/// Why an enrolment failed, for a screen that words it for a person (the error's message says it in English).
enum class EnrollFailure {
    None,
    CodeRefused,  ///< 403: unknown, used or expired code
    Unreachable,  ///< no connection, a timeout, or no usable reply after every try
    Certificate,  ///< the server's certificate (or its pinned key) could not be verified
    Other,        ///< a malformed request, a rate limit, a server error or a reply that cannot be used
};

/// Sends the code and returns the server's answer. A lost reply (no connection, a timeout, a cut reply, a
/// page that is not the server's, 5xx or 429) is retried with the same request_id, which PROTOCOL.md makes
/// safe: the server answers with the same device and token. 403 (unknown, used or expired code) and 400
/// are not retried. Every error says what happened and what to do; `failure`, when given, is set to its kind.
[[nodiscard]] shared::Result<Enrolment> enrollDevice(const EnrollOptions& options, EnrollFailure* failure = nullptr);

/// Stores an enrolment in the config `file`: device_id, device_token, endpoint_url, ca_file, unit_name and
/// central_public_key. An existing file keeps its other keys as written (shared::updateConfig); a missing one
/// is created from `fresh` (which must name a survey_file). Written atomically with mode 0600. The survey
/// cached for an earlier enrolment is forgotten (forgetCachedSurvey): it need not be this unit's.
[[nodiscard]] shared::Result<shared::KioskConfig> storeEnrolment(const std::filesystem::path& file, const Enrolment& enrolment,
                                                               const EnrollOptions& options, shared::KioskConfig fresh);

/// What fetching the unit's survey right after an enrolment found: data, worded by the kiosk
/// (client/sync_texts.hpp) in its language.
struct SurveyFetch {
    enum class Outcome {
        Ready,        ///< the unit's survey is in survey-cache.json: the kiosk can take answers
        NoSurvey,     ///< the server answered, but has no usable survey for the unit (none published, or invalid)
        Unreachable,  ///< no answer from the server (network, TLS, timeout, 5xx)
        Failed,       ///< the token was refused, or the outbox or a file on this device failed
    };
    Outcome outcome = Outcome::Failed;
    std::string survey;   ///< Ready: its id and version, "pulse 2026.1"
    std::string error;    ///< Failed before any request: why the sync session could not open (its message)
    PassReport report;    ///< what the pass did
    SyncStatus status;    ///< what the pass found (the survey note, the last result)
};

/// Fetches the survey of an enrolled kiosk's unit (options.config) into survey-cache.json with the uploader's
/// own code: one automatic SyncSession pass, which checks the survey at once and sends responses only as
/// the send schedule allows. Blocks on the network.
[[nodiscard]] SurveyFetch fetchUnitSurvey(UploaderOptions options);

}  // namespace svarboks::sync
