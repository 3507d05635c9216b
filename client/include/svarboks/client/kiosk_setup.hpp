#pragma once
// Setting a kiosk up: where IT's defaults for new kiosks are, when the kiosk starts on the setup screen, and
// the enrolment that screen runs on a worker thread (enrol, store, admin PIN, the unit's survey). No UI here.
// docs/configuration.md ("IT's defaults") says how the defaults file and the kiosk's own config relate.
#include "svarboks/client/setup_model.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/sync/enroll.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace svarboks::client {

/// IT's defaults for new kiosk configs: $SVARBOKS_DEFAULTS when set and not empty, else
/// /etc/svarboks/kiosk.json. Reads the environment.
[[nodiscard]] std::filesystem::path itDefaultsPath();

/// The config a new enrolment writes, before the enrolment's own keys: the settings of IT's defaults file
/// when it exists (its relative paths taken from its folder, as in any config), else every key at its
/// default. Never taken from it: the enrolment's keys (device_id, device_token, central_public_key,
/// unit_name) and pin_hash. Without outbox_file in it, the outbox is outbox.db beside the new config; without
/// survey_file, the bundled default survey is named (an enrolled kiosk shows only its unit's survey anyway).
/// An unreadable or invalid defaults file is an error that names it.
[[nodiscard]] shared::Result<shared::KioskConfig> newConfigTemplate(const std::filesystem::path& defaultsFile);

/// Whether a kiosk starts on the setup screen: it has no config yet (`config` is null), or its config is
/// not enrolled and has no central_public_key, so it could not seal an answer. (A development config made
/// with `svarboks config init --public-key` runs the bundled survey as before.)
[[nodiscard]] bool needsSetup(const shared::KioskConfig* config);

struct SetupRequest {
    std::filesystem::path configFile;
    /// Its proxy, ca_file and pinned_public_key apply to the enrolment; a new config file starts from it
    /// (an existing one keeps its other keys).
    shared::KioskConfig base;
    std::string endpoint;
    std::string code;
    std::string pin;  ///< the new admin PIN; only its hash is stored
    std::chrono::milliseconds timeout{30'000};  ///< per request
};

struct SetupResult {
    SetupModel::Failure failure = SetupModel::Failure::None;  ///< None: enrolled, and the config written
    std::string detail;                                       ///< what failed, in English, for IT
    std::optional<shared::KioskConfig> config;                ///< the stored config, once enrolled
    sync::SurveyFetch survey;                                 ///< the unit's survey, once enrolled
};

/// Enrols with the code, stores the enrolment and the PIN's hash in request.configFile (mode 0600), then
/// fetches the unit's survey (sync::fetchUnitSurvey). Enrolled without a survey is not a failure: the kiosk
/// then shows the not-ready screen and keeps trying. Blocks on the network and on the PIN's slow hash: for
/// a worker thread. Thread-safe.
[[nodiscard]] SetupResult runSetup(const SetupRequest& request);

}  // namespace svarboks::client
