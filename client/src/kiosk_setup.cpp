#include "svarboks/client/kiosk_setup.hpp"

#include "svarboks/client/cli.hpp"
#include "svarboks/shared/files.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

namespace svarboks::client {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path itDefaultsPath() {
    if (const char* path = std::getenv("SVARBOKS_DEFAULTS"); path && *path) return path;
    return "/etc/svarboks/kiosk.json";
}

shared::Result<shared::KioskConfig> newConfigTemplate(const fs::path& defaultsFile) {
    shared::KioskConfig fresh;
    fresh.surveyFile = defaultSurveyPath().string();
    auto text = shared::readSmallFile(defaultsFile, 64 * 1024);
    if (!text) return text.error();
    if (!text->has_value()) return fresh;
    json doc = json::parse(**text, nullptr, false);
    // survey_file is required in a kiosk's config, not in IT's defaults.
    if (doc.is_object() && !doc.contains("survey_file")) doc["survey_file"] = fresh.surveyFile;
    auto defaults = shared::parseConfig(doc.is_object() ? doc.dump() : **text, defaultsFile);
    if (!defaults) return shared::Error{defaults.error().message + "\n(" + defaultsFile.string() + " holds IT's defaults for new kiosks)"};
    if (!doc.contains("outbox_file")) defaults->outboxFile = fresh.outboxFile;  // relative: beside the new config
    defaults->deviceId.clear();
    defaults->deviceToken.clear();
    defaults->centralPublicKey.clear();
    defaults->unitName.clear();
    defaults->pinHash.clear();
    return defaults;
}

bool needsSetup(const shared::KioskConfig* config) {
    if (config == nullptr) return true;
    const bool enrolled = !config->endpointUrl.empty() && !config->deviceToken.empty();
    return !enrolled && config->centralPublicKey.empty();
}

SetupResult runSetup(const SetupRequest& request) {
    using Failure = SetupModel::Failure;
    SetupResult result;
    sync::EnrollOptions options;
    options.code = request.code;
    options.endpointUrl = request.endpoint;
    options.caFile = request.base.caFile;
    options.pinnedPublicKey = request.base.pinnedPublicKey;
    options.proxy = request.base.proxy;
    options.totalTimeout = request.timeout;
    options.connectTimeout = std::min<std::chrono::milliseconds>(request.timeout, std::chrono::seconds(10));
    // Hashed first: a PIN that cannot be stored must not cost the one-time code.
    auto pinHash = shared::hashPin(request.pin);
    if (!pinHash) return {Failure::Other, pinHash.error().message, std::nullopt, {}};

    sync::EnrollFailure why = sync::EnrollFailure::None;
    auto enrolment = sync::enrollDevice(options, &why);
    if (!enrolment) {
        switch (why) {
            case sync::EnrollFailure::CodeRefused: result.failure = Failure::CodeRefused; break;
            case sync::EnrollFailure::Unreachable: result.failure = Failure::Unreachable; break;
            case sync::EnrollFailure::Certificate: result.failure = Failure::Certificate; break;
            default: result.failure = Failure::Other; break;
        }
        result.detail = enrolment.error().message;
        return result;
    }
    auto stored = sync::storeEnrolment(request.configFile, *enrolment, options, request.base);
    if (stored) stored = shared::updateConfig(request.configFile, {{"pin_hash", *pinHash}});
    if (!stored) {
        result.failure = Failure::NotStored;
        result.detail = "enrolled as device " + enrolment->response.deviceId + ", but " + request.configFile.string() +
                        " cannot be written: " + stored.error().message;
        return result;
    }
    result.config = *stored;
    sync::UploaderOptions fetch;
    fetch.config = *stored;
    fetch.connectTimeout = options.connectTimeout;
    fetch.totalTimeout = request.timeout;
    result.survey = sync::fetchUnitSurvey(std::move(fetch));
    return result;
}

}  // namespace svarboks::client
