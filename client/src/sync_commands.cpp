// `svarboks sync`, `svarboks status`, `svarboks enroll` and `svarboks outbox retry-quarantined`: thin commands
// over svarboks::sync.
#include "svarboks/client/cli.hpp"
#include "svarboks/client/kiosk_setup.hpp"

#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/enroll.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/uploader.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <ostream>

namespace svarboks::client {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kQuarantineListed = 20;

struct CommonOptions {
    std::string config;
    bool json = false;
};

fs::path configPath(const std::string& option) { return option.empty() ? shared::defaultConfigPath() : fs::path(option); }

bool enrolled(const shared::KioskConfig& config) { return !config.endpointUrl.empty() && !config.deviceToken.empty(); }

int usageError(std::ostream& err, const std::string& command, const std::string& problem, const char* usage) {
    err << "svarboks " << command << ": " << problem << "\nusage: " << usage << "\n";
    return 2;
}

}  // namespace

int syncCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    constexpr const char* kUsage = "svarboks sync [--config FILE]";
    std::string config;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config = args[++i];
        } else {
            return usageError(err, "sync", args[i] == "--config" ? "--config needs a value" : "unexpected argument '" + args[i] + "'", kUsage);
        }
    }
    auto loaded = shared::loadConfig(configPath(config));
    if (!loaded) {
        err << loaded.error().message << "\n";
        return 2;
    }
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
    using Outcome = sync::PassReport::Outcome;
    if (report.outcome == Outcome::Delivered && status.pending == 0 && status.quarantined == 0 && status.held == 0) {
        out << "svarboks sync: " << report.message << "; the outbox is empty\n";
        return 0;
    }
    err << "svarboks sync: ";
    if (report.outcome == Outcome::Delivered && status.pending == 0 && status.quarantined == 0) {
        err << report.message << "; " << status.held << (status.held == 1 ? " response is" : " responses are")
            << " held on this kiosk (finished implausibly fast or in a burst); send or delete them on the admin screen\n";
    } else if (report.outcome == Outcome::Delivered && status.pending == 0) {
        err << report.message << "; " << status.quarantined << (status.quarantined == 1 ? " response is" : " responses are")
            << " in quarantine (refused by the server; see svarboks status)\n";
    } else if (report.outcome == Outcome::Delivered) {
        err << report.message << "; " << status.pending << " pending (added meanwhile)\n";
    } else if (report.outcome == Outcome::RetryLater && status.nextAttempt) {
        const auto wait = std::chrono::ceil<std::chrono::seconds>(*status.nextAttempt - std::chrono::system_clock::now());
        err << "not delivered: " << report.message << ", asked to come back in " << std::max<long long>(0, wait.count()) << " s; "
            << status.pending << " pending\n";
    } else {
        err << "not delivered: " << report.message << "; " << status.pending << " pending\n";
    }
    return 1;
}

int statusCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    constexpr const char* kUsage = "svarboks status [--json] [--config FILE]";
    CommonOptions options;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--json") {
            options.json = true;
        } else if (args[i] == "--config" && i + 1 < args.size()) {
            options.config = args[++i];
        } else {
            return usageError(err, "status", args[i] == "--config" ? "--config needs a value" : "unexpected argument '" + args[i] + "'", kUsage);
        }
    }
    auto loaded = shared::loadConfig(configPath(options.config));
    if (!loaded) {
        err << loaded.error().message << "\n";
        return 2;
    }
    const shared::KioskConfig& config = *loaded;
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
    const std::string summary = enrolled(config) ? sync::describe(status, std::chrono::system_clock::now()) : "not enrolled";

    if (options.json) {
        json doc = sync::toJson(status);
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
    const auto now = std::chrono::system_clock::now();
    out << "last attempt: "
        << (status.lastAttempt ? sync::formatDay(*status.lastAttempt, now) + (status.lastAttemptOk ? " ok: " : " failed: ") + status.lastResult
                               : std::string("never"))
        << "\n";
    out << "last success: " << (status.lastSuccess ? sync::formatDay(*status.lastSuccess, now) : std::string("never")) << "\n";
    for (std::size_t i = 0; i < quarantined.size() && i < kQuarantineListed; ++i) {
        out << "quarantine:   " << quarantined[i].id << ": " << quarantined[i].reason << "\n";
    }
    if (quarantined.size() > kQuarantineListed) {
        out << "quarantine:   ... and " << quarantined.size() - kQuarantineListed << " more (svarboks status --json lists all)\n";
    }
    return 0;
}

int enrollCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    constexpr const char* kUsage = "svarboks enroll CODE --endpoint URL [--ca FILE] [--config FILE] [--request-id UUID]";
    sync::EnrollOptions options;
    std::string config;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        std::string* target = nullptr;
        if (arg == "--endpoint") target = &options.endpointUrl;
        else if (arg == "--ca") target = &options.caFile;
        else if (arg == "--config") target = &config;
        else if (arg == "--request-id") target = &options.requestId;
        else if (arg.rfind("--", 0) == 0) return usageError(err, "enroll", "unknown option '" + arg + "'", kUsage);
        else if (options.code.empty()) {
            options.code = arg;
            continue;
        } else {
            return usageError(err, "enroll", "one code only; '" + arg + "' is one too many", kUsage);
        }
        if (i + 1 >= args.size()) return usageError(err, "enroll", arg + " needs a value", kUsage);
        *target = args[++i];
    }
    if (options.code.empty()) return usageError(err, "enroll", "the enrolment code is missing", kUsage);
    if (options.endpointUrl.empty()) return usageError(err, "enroll", "--endpoint URL is missing", kUsage);
    if (options.endpointUrl.rfind("https://", 0) != 0) {
        return usageError(err, "enroll", "the endpoint must be an https:// URL, got '" + options.endpointUrl + "'", kUsage);
    }
    if (!options.requestId.empty() && !shared::isUuidV4(options.requestId)) {
        return usageError(err, "enroll", "--request-id must be a lower-case UUID v4", kUsage);
    }
    std::error_code ec;
    if (!options.caFile.empty()) {
        options.caFile = fs::absolute(options.caFile, ec).lexically_normal().string();
        if (!fs::is_regular_file(options.caFile, ec)) return usageError(err, "enroll", "--ca " + options.caFile + ": no such file", kUsage);
    }
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

    auto enrolment = sync::enrollDevice(options);
    if (!enrolment) {
        err << "svarboks enroll: " << enrolment.error().message << "\n";
        const bool refused = enrolment.error().message.find("refused the code") != std::string::npos;
        if (!refused) err << "If the server may have answered, run within 10 minutes to get the same answer:\n  " << retry << "\n";
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
    const std::string syncCommandLine = "svarboks sync" + (config.empty() ? std::string() : " --config " + config);
    if (survey.outcome != sync::SurveyFetch::Outcome::Ready) {
        err << written << "svarboks enroll: but the unit's survey is not on the kiosk yet: " << survey.detail << "\n"
            << (survey.outcome == sync::SurveyFetch::Outcome::NoSurvey
                    ? "The central team publishes one for the unit (svarboks-central survey publish FILE --unit ID). "
                    : "")
            << "Until the survey arrives the kiosk shows \"not ready\" and takes no answers; it keeps trying by itself, and `"
            << syncCommandLine << "` fetches it now.\n";
        return 1;
    }
    out << written << "The unit's survey is on the kiosk: " << survey.detail << ".\n"
        << "Next: start the kiosk, or send what is waiting with `" << syncCommandLine << "`.\n";
    return 0;
}

int outboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    constexpr const char* kUsage = "svarboks outbox retry-quarantined [--config FILE]";
    if (args.size() < 2 || args[1] != "retry-quarantined") {
        return usageError(err, "outbox", args.size() < 2 ? "a command is missing" : "unknown command '" + args[1] + "'", kUsage);
    }
    std::string config;
    for (std::size_t i = 2; i < args.size(); ++i) {
        if (args[i] == "--config" && i + 1 < args.size()) {
            config = args[++i];
        } else {
            return usageError(err, "outbox", args[i] == "--config" ? "--config needs a value" : "unexpected argument '" + args[i] + "'", kUsage);
        }
    }
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
