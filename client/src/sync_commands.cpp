// `svarboks sync`, `svarboks status`, `svarboks enroll` and `svarboks outbox retry-quarantined`: thin commands
// over svarboks::sync.
#include "svarboks/client/cli.hpp"
#include "svarboks/client/kiosk_setup.hpp"
#include "svarboks/client/sync_texts.hpp"
#include "svarboks/client/ui_texts.hpp"

#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/enroll.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/sync_session.hpp"
#include "svarboks/sync/sync_state.hpp"
#include "svarboks/sync/sync_status.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <ostream>

namespace svarboks::client {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kQuarantineListed = 20;

fs::path configPath(const std::string& option) { return option.empty() ? shared::defaultConfigPath() : fs::path(option); }

bool enrolled(const shared::KioskConfig& config) { return !config.endpointUrl.empty() && !config.deviceToken.empty(); }

// The command line speaks English, with the same texts as the kiosk's admin screen.
constexpr const char* kCliLocale = "en";

}  // namespace

int syncCommand(const std::string& config, std::ostream& out, std::ostream& err) {
    auto loaded = shared::loadConfig(configPath(config));
    if (!loaded) {
        err << loaded.error().message << "\n";
        return 2;
    }
    auto texts = loadKioskTexts();
    if (!texts) {
        err << "svarboks sync: " << texts.error().message << "\n";
        return 2;
    }
    const SyncTexts words(*texts, kCliLocale);
    if (!enrolled(*loaded)) {
        err << "svarboks sync: this kiosk is not enrolled (no endpoint_url or device_token): run svarboks enroll CODE --endpoint URL\n";
        return 1;
    }
    sync::UploaderOptions options;
    options.config = *loaded;
    auto session = sync::SyncSession::open(std::move(options));
    if (!session) {
        err << "svarboks sync: " << session.error().message << "\n";
        return 1;
    }
    const auto report = (*session)->runPass(sync::SyncSession::Trigger::Forced);
    const auto& status = (*session)->status();
    const std::string message = words.pass(report);
    using Outcome = sync::PassReport::Outcome;
    if (report.outcome == Outcome::Delivered && status.pending == 0 && status.quarantined == 0 && status.held == 0) {
        out << "svarboks sync: " << message << "; the outbox is empty\n";
        return 0;
    }
    err << "svarboks sync: ";
    if (report.outcome == Outcome::Delivered && status.pending == 0 && status.quarantined == 0) {
        err << message << "; " << status.held << (status.held == 1 ? " response is" : " responses are")
            << " held on this kiosk (finished implausibly fast or in a burst); send or delete them on the admin screen\n";
    } else if (report.outcome == Outcome::Delivered && status.pending == 0) {
        err << message << "; " << status.quarantined << (status.quarantined == 1 ? " response is" : " responses are")
            << " in quarantine (refused by the server; see svarboks status)\n";
    } else if (report.outcome == Outcome::Delivered) {
        err << message << "; " << status.pending << " pending (added meanwhile)\n";
    } else if (report.outcome == Outcome::RetryLater && status.nextAttempt) {
        const auto wait = std::chrono::ceil<std::chrono::seconds>(*status.nextAttempt - std::chrono::system_clock::now());
        err << "not delivered: " << message << ", asked to come back in " << std::max<long long>(0, wait.count()) << " s; "
            << status.pending << " pending\n";
    } else {
        err << "not delivered: " << message << "; " << status.pending << " pending\n";
    }
    return 1;
}

int statusCommand(const std::string& configOption, bool asJson, std::ostream& out, std::ostream& err) {
    auto loaded = shared::loadConfig(configPath(configOption));
    if (!loaded) {
        err << loaded.error().message << "\n";
        return 2;
    }
    const shared::KioskConfig& config = *loaded;
    auto texts = loadKioskTexts();
    if (!texts) {
        err << "svarboks status: " << texts.error().message << "\n";
        return 2;
    }
    const SyncTexts words(*texts, kCliLocale);
    auto state = sync::loadSyncState(sync::syncStateDir(config), config.deviceToken);
    sync::SyncStatus status = state ? *state : sync::SyncStatus{};
    if (!state) status.localError = state.error().message;

    std::vector<sync::OutboxItem> quarantined;
    std::error_code ec;
    // `status` only looks: an outbox that does not exist yet is not created.
    if (fs::exists(config.outboxFile, ec)) {
        auto outbox = sync::Outbox::open(config.outboxFile);
        if (!outbox) {
            err << "svarboks status: " << outbox.error().message << "\n";
            return 1;
        }
        if (auto counts = outbox->counts()) {
            status.pending = counts->pending;
            status.quarantined = counts->quarantined;
            status.held = counts->held;
        }
        if (auto items = outbox->quarantined()) quarantined = std::move(*items);
    }
    const auto now = std::chrono::system_clock::now();
    const std::string summary = enrolled(config) ? words.status(status, now) : "not enrolled";

    if (asJson) {
        json doc = sync::toJson(status);
        doc["last_result"] = words.result(status.lastResult);
        doc["wait_reason"] = words.problem(status.waitReason);
        doc["paused_reason"] = status.paused ? words.pausedReason() : "";
        doc["survey_note"] = words.surveyNote(status.surveyNote);
        doc["enrolled"] = enrolled(config);
        doc["endpoint_url"] = config.endpointUrl;
        doc["device_id"] = config.deviceId;
        doc["unit_name"] = config.unitName;
        doc["summary"] = summary;
        json items = json::array();
        for (const auto& item : quarantined) items.push_back({{"id", item.id}, {"reason", item.reason}});
        doc["quarantine"] = std::move(items);
        out << doc.dump(2) << "\n";
        return 0;
    }
    out << "sync:         " << summary << "\n";
    out << "endpoint:     " << (config.endpointUrl.empty() ? "(not set)" : config.endpointUrl) << "\n";
    if (!config.deviceId.empty()) out << "device:       " << config.deviceId << (config.unitName.empty() ? "" : " (" + config.unitName + ")") << "\n";
    out << "pending:      " << status.pending << "\n";
    out << "quarantined:  " << status.quarantined << "\n";
    out << "held:         " << status.held << (status.held > 0 ? " (not sent until an admin sends or deletes them on the kiosk's admin screen)" : "") << "\n";
    // Days only: sync-state.json keeps no time of day (the time of a delivery hints at when people answered).
    out << "last attempt: "
        << (status.lastAttempt ? words.day(*status.lastAttempt, now) + (status.lastAttemptOk ? " ok: " : " failed: ") + words.result(status.lastResult)
                               : std::string("never"))
        << "\n";
    out << "last success: " << (status.lastSuccess ? words.day(*status.lastSuccess, now) : std::string("never")) << "\n";
    for (std::size_t i = 0; i < quarantined.size() && i < kQuarantineListed; ++i) {
        out << "quarantine:   " << quarantined[i].id << ": " << quarantined[i].reason << "\n";
    }
    if (quarantined.size() > kQuarantineListed) {
        out << "quarantine:   ... and " << quarantined.size() - kQuarantineListed << " more (svarboks status --json lists all)\n";
    }
    return 0;
}

int enrollCommand(sync::EnrollOptions options, const std::string& config, std::ostream& out, std::ostream& err) {
    std::error_code ec;
    auto texts = loadKioskTexts();
    if (!texts) {
        err << "svarboks enroll: " << texts.error().message << "\nthe code was not used\n";
        return 1;
    }
    if (!options.caFile.empty()) options.caFile = fs::absolute(options.caFile, ec).lexically_normal().string();
    const fs::path file = configPath(config);
    // A new config starts from IT's defaults (kiosk_setup.hpp), which must be usable before a code is spent.
    auto fresh = newConfigTemplate(itDefaultsPath());
    if (!fresh) {
        err << fresh.error().message << "\nsvarboks enroll: fix IT's defaults first; the code was not used\n";
        return 1;
    }
    // An existing config must be usable before a code is spent on it; its proxy and pin apply.
    if (fs::exists(file, ec)) {
        auto existing = shared::loadConfig(file);
        if (!existing) {
            err << existing.error().message << "\nsvarboks enroll: fix the config first (svarboks config check); the code was not used\n";
            return 1;
        }
        options.proxy = existing->proxy;
        options.pinnedPublicKey = existing->pinnedPublicKey;
    }
    if (options.requestId.empty()) options.requestId = shared::newUuidV4();
    const std::string retry = "svarboks enroll " + options.code + " --endpoint " + options.endpointUrl +
                              (options.caFile.empty() ? "" : " --ca " + options.caFile) + (config.empty() ? "" : " --config " + config) +
                              " --request-id " + options.requestId;

    sync::EnrollFailure failure = sync::EnrollFailure::None;
    auto enrolment = sync::enrollDevice(options, &failure);
    if (!enrolment) {
        err << "svarboks enroll: " << enrolment.error().message << "\n";
        if (failure != sync::EnrollFailure::CodeRefused) err << "If the server may have answered, run within 10 minutes to get the same answer:\n  " << retry << "\n";
        return 1;
    }
    auto stored = sync::storeEnrolment(file, *enrolment, options, std::move(*fresh));
    if (!stored) {
        err << "svarboks enroll: enrolled as device " << enrolment->response.deviceId << ", but the config cannot be written: "
            << stored.error().message << "\nFix that and run within 10 minutes (the same request id gets the same answer):\n  "
            << retry << "\n";
        return 1;
    }
    const std::string written = "Enrolled as device " + stored->deviceId + " of unit " + stored->unitName + " (" +
                                enrolment->response.unitId + "); wrote " + fs::absolute(file, ec).string() + " (mode 0600).\n";
    // Nobody may answer before the kiosk has its unit's survey: answers to another one would be rejected.
    sync::UploaderOptions fetch;
    fetch.config = *stored;
    const auto survey = sync::fetchUnitSurvey(std::move(fetch));
    const std::string found = SyncTexts(*texts, kCliLocale).surveyFetch(survey);
    const std::string syncCommandLine = "svarboks sync" + (config.empty() ? std::string() : " --config " + config);
    if (survey.outcome != sync::SurveyFetch::Outcome::Ready) {
        err << written << "svarboks enroll: but the unit's survey is not on the kiosk yet: " << found << "\n"
            << (survey.outcome == sync::SurveyFetch::Outcome::NoSurvey
                    ? "The central team publishes one for the unit (svarboks-central survey publish FILE --unit ID). "
                    : "")
            << "Until the survey arrives the kiosk shows \"not ready\" and takes no answers; it keeps trying by itself, and `"
            << syncCommandLine << "` fetches it now.\n";
        return 1;
    }
    out << written << "The unit's survey is on the kiosk: " << found << ".\n"
        << "Next: start the kiosk, or send what is waiting with `" << syncCommandLine << "`.\n";
    return 0;
}

int retryQuarantinedCommand(const std::string& config, std::ostream& out, std::ostream& err) {
    auto loaded = shared::loadConfig(configPath(config));
    if (!loaded) {
        err << loaded.error().message << "\n";
        return 2;
    }
    auto outbox = sync::Outbox::open(loaded->outboxFile);
    if (!outbox) {
        err << "svarboks outbox: " << outbox.error().message << "\n";
        return 1;
    }
    auto moved = outbox->retryQuarantined();
    if (!moved) {
        err << "svarboks outbox: " << moved.error().message << "\n";
        return 1;
    }
    out << "svarboks outbox: " << *moved << (*moved == 1 ? " response was" : " responses were")
        << " moved from quarantine back to pending; they are sent with the next sync (`svarboks sync"
        << (config.empty() ? "" : " --config " + config) << "` sends them now). One the server still refuses goes back to quarantine.\n";
    return 0;
}

}  // namespace svarboks::client
