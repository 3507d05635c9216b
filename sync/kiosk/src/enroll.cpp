#include "svarboks/sync/enroll.hpp"

#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/http_client.hpp"
#include "svarboks/sync/sync_state.hpp"

#include <nlohmann/json.hpp>

#include <system_error>
#include <thread>

namespace svarboks::sync {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string serverError(const std::string& body) {
    const json doc = json::parse(body, nullptr, false);
    if (doc.is_object() && doc.value("error", json()).is_string()) {
        std::string error = doc["error"].get<std::string>();
        if (error.size() > 300) error.resize(300);
        return error;
    }
    return "";
}

}  // namespace

shared::Result<Enrolment> enrollDevice(const EnrollOptions& options, EnrollFailure* failure) {
    const auto failed = [failure](EnrollFailure kind, std::string message) {
        if (failure) *failure = kind;
        return shared::Error{std::move(message)};
    };
    if (failure) *failure = EnrollFailure::None;
    if (options.code.empty()) return failed(EnrollFailure::Other, "the enrolment code is empty");
    if (options.endpointUrl.empty()) return failed(EnrollFailure::Other, "the endpoint URL is empty");
    HttpOptions http;
    http.caFile = options.caFile;
    http.pinnedPublicKey = options.pinnedPublicKey;
    http.proxy = options.proxy;
    http.connectTimeout = options.connectTimeout;
    http.totalTimeout = options.totalTimeout;
    http.maxReplyBytes = 64 * 1024;
    auto client = HttpClient::create(std::move(http));
    if (!client) return failed(EnrollFailure::Other, client.error().message);

    Enrolment enrolment;
    enrolment.requestId = options.requestId.empty() ? shared::newUuidV4() : options.requestId;
    HttpRequest request;
    request.method = "POST";
    request.url = joinUrl(options.endpointUrl, "/api/v1/enroll");
    request.body = shared::toJson(shared::EnrollRequest{options.code, enrolment.requestId}).dump();
    const auto sleep = options.sleep ? options.sleep : [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };

    std::string lastProblem;
    auto delay = options.retryDelay;
    for (int attempt = 1; attempt <= std::max(1, options.tries); ++attempt) {
        if (attempt > 1) {
            sleep(delay);
            delay *= 2;
        }
        enrolment.tries = attempt;
        const HttpResponse response = client->perform(request);
        if (!response.ok()) {
            const bool untrusted = response.failure == HttpResponse::Failure::Tls || response.failure == HttpResponse::Failure::Pin;
            if (untrusted) return failed(EnrollFailure::Certificate, "enrolment failed: " + response.error);
            if (response.failure == HttpResponse::Failure::Setup) return failed(EnrollFailure::Other, "enrolment failed: " + response.error);
            lastProblem = response.error;
            continue;
        }
        const std::string error = serverError(response.body);
        switch (response.status) {
            case 200: {
                const json body = json::parse(response.body, nullptr, false);
                if (body.is_discarded()) {
                    lastProblem = "a 200 reply that is not the server's (a captive portal or a proxy's page?)";
                    continue;
                }
                auto parsed = shared::enrollResponseFromJson(body);
                if (!parsed) {
                    lastProblem = "the server's reply cannot be used: " + parsed.error().message;
                    continue;
                }
                if (auto key = shared::parsePublicKey(parsed->publicKey); !key) {
                    return failed(EnrollFailure::Other, "the server's public key cannot be used: " + key.error().message);
                }
                enrolment.response = std::move(parsed).value();
                return enrolment;
            }
            case 403:
                return failed(EnrollFailure::CodeRefused, "the server refused the code" + (error.empty() ? std::string() : ": " + error) +
                                                              ". Codes are single-use and expire: ask the central team for a new one");
            case 400:
                return failed(EnrollFailure::Other, "the server says the request is malformed" + (error.empty() ? std::string() : ": " + error));
            case 429: {
                const auto after = parseRetryAfter(response.header("retry-after").value_or(""));
                if (after && *after > std::chrono::minutes(1)) {
                    return failed(EnrollFailure::Other, "too many enrolment attempts: try again in " + std::to_string(after->count()) + " s");
                }
                lastProblem = "too many enrolment attempts (429)";
                if (after) delay = std::max<std::chrono::milliseconds>(delay, *after);
                continue;
            }
            default:
                lastProblem = "server said " + std::to_string(response.status) + (error.empty() ? std::string() : ": " + error);
                if (response.status >= 500) continue;
                return failed(EnrollFailure::Other, "enrolment failed: " + lastProblem);
        }
    }
    return failed(EnrollFailure::Unreachable, "enrolment failed after " + std::to_string(enrolment.tries) + " tries: " + lastProblem +
                                                  ". Try again within 10 minutes: the code is still yours");
}

shared::Result<shared::KioskConfig> storeEnrolment(const fs::path& file, const Enrolment& enrolment, const EnrollOptions& options,
                                                   shared::KioskConfig fresh) {
    const auto stored = [&]() -> shared::Result<shared::KioskConfig> {
        const auto& reply = enrolment.response;
        std::error_code ec;
        if (fs::exists(file, ec)) {
            const json changes = {
                {"device_id", reply.deviceId},   {"device_token", reply.deviceToken}, {"endpoint_url", options.endpointUrl},
                {"ca_file", options.caFile},     {"unit_name", reply.unitName},       {"central_public_key", reply.publicKey},
            };
            return shared::updateConfig(file, changes);
        }
        fresh.deviceId = reply.deviceId;
        fresh.deviceToken = reply.deviceToken;
        fresh.endpointUrl = options.endpointUrl;
        fresh.caFile = options.caFile;
        fresh.unitName = reply.unitName;
        fresh.centralPublicKey = reply.publicKey;
        if (auto saved = shared::saveConfig(fresh, file); !saved) return shared::Error{saved.message()};
        return shared::loadConfig(file);
    }();
    if (!stored) return stored;
    if (auto forgotten = forgetCachedSurvey(syncStateDir(*stored)); !forgotten) return shared::Error{forgotten.message()};
    return stored;
}

SurveyFetch fetchUnitSurvey(UploaderOptions options) {
    using Outcome = SurveyFetch::Outcome;
    const fs::path stateDir = options.stateDir.empty() ? syncStateDir(options.config) : options.stateDir;
    options.checkSurvey = true;
    SurveyFetch fetch;
    auto session = SyncSession::open(std::move(options));
    if (!session) {
        fetch.error = session.error().message;
        return fetch;
    }
    fetch.report = (*session)->runPass(SyncSession::Trigger::Automatic);
    fetch.status = (*session)->status();
    if (auto survey = loadCachedSurvey(stateDir)) {
        fetch.outcome = Outcome::Ready;
        fetch.survey = survey->id + " " + survey->version;
    } else if (fetch.report.outcome == PassReport::Outcome::Paused || fetch.report.outcome == PassReport::Outcome::LocalError) {
        fetch.outcome = Outcome::Failed;
    } else {
        fetch.outcome = fetch.status.lastAttemptOk ? Outcome::NoSurvey : Outcome::Unreachable;
    }
    return fetch;
}

}  // namespace svarboks::sync
