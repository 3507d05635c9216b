#include "svarboks/sync/endpoint_probe.hpp"

#include "svarboks/sync/sync_state.hpp"

#include <curl/curl.h>

namespace svarboks::sync {

shared::Result<EndpointProbe> probeEndpoint(const shared::KioskConfig& config, const ProbeOptions& options) {
    HttpOptions http = httpOptionsOf(config, options.timeout, options.timeout);
    http.cancelled = options.cancelled;
    auto client = HttpClient::create(std::move(http));
    if (!client) return client.error();

    EndpointProbe probe;
    probe.health = client->perform({"GET", joinUrl(config.endpointUrl, "/healthz"), "", "", false, {}});
    probe.localTime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (const auto date = probe.health.header("date")) {
        // curl_getdate reads every date form HTTP allows; -1 when it cannot.
        if (const std::time_t parsed = curl_getdate(date->c_str(), nullptr); parsed != -1) probe.serverTime = parsed;
    }
    if (!probe.health.ok() || config.deviceToken.empty()) return probe;

    HttpRequest survey{"GET", joinUrl(config.endpointUrl, "/api/v1/survey"), config.deviceToken, "", false, {}};
    if (const auto cached = readSurveyCache(syncStateDir(config)); cached && !cached->etag.empty()) {
        survey.headers.emplace_back("If-None-Match", cached->etag);
    }
    probe.survey = client->perform(survey);
    return probe;
}

}  // namespace svarboks::sync
