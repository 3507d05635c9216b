#include "svarboks/server/api.hpp"

#include "svarboks/server/body.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/protocol.hpp"

#include <nlohmann/json.hpp>


#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <exception>
#include <string_view>

namespace svarboks::server {

namespace {

using nlohmann::json;

constexpr std::string_view kEnrollPath = "/api/v1/enroll";
constexpr std::string_view kSurveyPath = "/api/v1/survey";
constexpr std::string_view kBatchesPath = "/api/v1/batches";
constexpr std::string_view kHealthPath = "/healthz";
// A gzip body may be a little larger than what it inflates to (incompressible data gains ~0.03 %).
constexpr std::size_t kGzipSlack = 64 * 1024;
constexpr std::size_t kMaxTokenLength = 512;
constexpr int kBusyRetryAfterSeconds = 5;
constexpr std::string_view kRefusedCode = "this enrolment code is unknown, used or expired";

HttpResponse jsonResponse(int status, const json& body) {
    HttpResponse response;
    response.status = status;
    response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return response;
}

HttpResponse errorResponse(int status, const std::string& message) { return jsonResponse(status, json{{"error", message}}); }

HttpResponse unauthorized(const std::string& message) {
    auto response = errorResponse(401, message);
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
}

// RFC 9110: If-None-Match is "*" or a list of entity tags, weak ones prefixed "W/"; compared weakly.
bool etagMatches(std::string_view header, const std::string& etag) {
    std::size_t start = 0;
    while (start <= header.size()) {
        const std::size_t comma = header.find(',', start);
        std::string tag = trim(header.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (tag == "*") return true;
        if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
        if (tag == etag) return true;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return false;
}

struct BodyOutcome {
    std::string bytes;
    std::optional<HttpResponse> refusal;
};

BodyOutcome readBody(const HttpRequest& request, std::size_t rawLimit, std::size_t limit) {
    if (!request.readBody) return {"", std::nullopt};
    RawBody raw = request.readBody(rawLimit);
    if (raw.tooLarge) {
        return {"", errorResponse(413, "the body is over the server's limit of " + std::to_string(limit) + " bytes")};
    }
    if (raw.failed) return {"", errorResponse(400, "the body could not be read")};
    DecodedBody decoded = decodeBody(raw.bytes, request.header("Content-Encoding"), limit);
    if (!decoded.ok()) return {"", errorResponse(decoded.status, decoded.error)};
    return {std::move(decoded.bytes), std::nullopt};
}

class SlotGuard {
public:
    SlotGuard(const SlotGuard&) = delete;
    SlotGuard& operator=(const SlotGuard&) = delete;
    explicit SlotGuard(std::function<void()> release) : m_release(std::move(release)) {}
    ~SlotGuard() { m_release(); }

private:
    std::function<void()> m_release;
};

}  // namespace

bool isKnownPath(const std::string& path) {
    return path == kEnrollPath || path == kSurveyPath || path == kBatchesPath || path == kHealthPath;
}

Api::Api(Storage& storage, shared::KeyPair keys, ApiOptions options, Clock clock)
    : m_storage(storage),
      m_keys(keys),
      m_publicKey(shared::publicKeyToBase64(keys.publicKey)),
      m_options(options),
      m_clock(std::move(clock)),
      m_ingestor(storage, keys),
      m_enrolLimiter(storage, "enrol", options.enrolAttemptsPerMinute, limitSecretFrom(keys)) {}

std::size_t Api::rawBodyLimit(const std::string& path) const {
    if (path == kEnrollPath) return m_options.maxEnrollBodyBytes + 1024;
    return m_options.maxBodyBytes + kGzipSlack;
}

HttpResponse Api::handle(const HttpRequest& request) {
    HttpResponse response = route(request);
    // "Come back in N seconds": the kiosk would find a kept-alive connection closed by the keep-alive
    // timeout when it comes back (a request sent into a closing connection fails), so the reply ends it now.
    if (response.status == 429 || response.status == 503) response.headers.emplace_back("Connection", "close");
    return response;
}

HttpResponse Api::route(const HttpRequest& request) {
    try {
        const auto endpoint = [&](std::string_view path, std::string_view method, auto&& handler) -> std::optional<HttpResponse> {
            if (request.path != path) return std::nullopt;
            const bool allowed = request.method == method || (method == "GET" && request.method == "HEAD");
            if (!allowed) {
                auto response = errorResponse(405, "use " + std::string(method) + " for " + std::string(path));
                response.headers.emplace_back("Allow", method == "GET" ? "GET, HEAD" : std::string(method));
                return response;
            }
            return handler();
        };
        if (auto r = endpoint(kEnrollPath, "POST", [&] { return enroll(request); })) return *r;
        if (auto r = endpoint(kSurveyPath, "GET", [&] { return survey(request); })) return *r;
        if (auto r = endpoint(kBatchesPath, "POST", [&] { return batches(request); })) return *r;
        if (auto r = endpoint(kHealthPath, "GET", [&] { return health(); })) return *r;
        return errorResponse(404, "no such endpoint; the API is /api/v1/enroll, /api/v1/survey, /api/v1/batches and /healthz");
    } catch (const std::exception&) {
        return errorResponse(500, "internal error");
    }
}

HttpResponse Api::unavailable(const std::string& why, int retryAfterSeconds) {
    auto response = errorResponse(503, why);
    response.headers.emplace_back("Retry-After", std::to_string(retryAfterSeconds));
    return response;
}

std::variant<Device, HttpResponse> Api::authenticate(const HttpRequest& request) {
    const std::string header = trim(request.header("Authorization"));
    if (header.empty()) return unauthorized("missing device token: send Authorization: Bearer <token>");
    const auto space = header.find(' ');
    if (space == std::string::npos || !iequals(std::string_view(header).substr(0, space), "Bearer")) {
        return unauthorized("expected Authorization: Bearer <token>");
    }
    const std::string token = trim(std::string_view(header).substr(space + 1));
    if (token.empty() || token.size() > kMaxTokenLength) return unauthorized("unknown device token");
    auto device = m_storage.authenticate(shared::sha256Hex(token), localDate(m_clock()));
    if (!device) return unavailable("the server cannot read its store right now", kBusyRetryAfterSeconds);
    if (!*device) return unauthorized("unknown device token");
    if ((*device)->revoked) return unauthorized("this device has been revoked; it must be enrolled again");
    return **device;
}

HttpResponse Api::enroll(const HttpRequest& request) {
    const TimePoint now = m_clock();
    const auto wait = m_enrolLimiter.acquire(request.clientAddress, now);
    if (!wait) return unavailable("the server cannot store right now", kBusyRetryAfterSeconds);
    if (*wait) {
        auto response = errorResponse(429, "too many enrolment attempts; try again in " + std::to_string((*wait)->count()) + " s");
        response.headers.emplace_back("Retry-After", std::to_string((*wait)->count()));
        return response;
    }
    auto body = readBody(request, rawBodyLimit(std::string(kEnrollPath)), m_options.maxEnrollBodyBytes);
    if (body.refusal) return *body.refusal;
    auto document = parseJsonBody(body.bytes);
    if (!document) return errorResponse(400, document.error().message);
    auto parsed = shared::enrollRequestFromJson(*document);
    if (!parsed) return errorResponse(400, parsed.error().message);

    const std::string token = generateDeviceToken();
    EnrolAttempt attempt;
    attempt.codeSha256 = enrolmentCodeHash(parsed->code);
    attempt.requestId = parsed->requestId;
    attempt.now = unixSeconds(now);
    attempt.today = localDate(now);
    attempt.newDeviceId = shared::newUuidV4();
    attempt.newTokenSha256 = shared::sha256Hex(token);
    attempt.replayToken = sealReplayToken(token, parsed->code, parsed->requestId);
    attempt.replayUntil = unixSeconds(now + m_options.replayWindow);

    auto outcome = m_storage.enrol(attempt);
    if (!outcome) return unavailable("the server cannot store right now", kBusyRetryAfterSeconds);
    shared::EnrollResponse reply{outcome->deviceId, "", outcome->unit.id, outcome->unit.name, m_publicKey};
    switch (outcome->kind) {
        case EnrolOutcome::Kind::Refused: return errorResponse(403, std::string(kRefusedCode));
        case EnrolOutcome::Kind::Created: reply.deviceToken = token; break;
        case EnrolOutcome::Kind::Replayed: {
            auto replayed = openReplayToken(outcome->replayToken, parsed->code, parsed->requestId);
            if (!replayed) return errorResponse(403, std::string(kRefusedCode));
            reply.deviceToken = std::move(*replayed);
            break;
        }
    }
    return jsonResponse(200, shared::toJson(reply));
}

HttpResponse Api::survey(const HttpRequest& request) {
    auto device = authenticate(request);
    if (auto* refused = std::get_if<HttpResponse>(&device)) return std::move(*refused);
    const Device& caller = std::get<Device>(device);
    auto current = m_storage.currentSurvey(caller.unitId);
    if (!current) return unavailable("the server cannot read its store right now", kBusyRetryAfterSeconds);
    if (!*current) return errorResponse(404, "no survey is published for this device's unit '" + caller.unitId + "'");
    const std::string etag = "\"" + (*current)->definitionSha256 + "\"";
    // For the kiosk list (Device::surveyId): written only when it changed. Best effort: the answer does not
    // depend on it, and the next fetch writes it again.
    if (caller.surveyId != (*current)->surveyId || caller.surveyVersion != (*current)->version) {
        static_cast<void>(m_storage.setDeviceSurvey(caller.id, (*current)->surveyId, (*current)->version));
    }
    HttpResponse response;
    response.headers.emplace_back("ETag", etag);
    response.headers.emplace_back("Cache-Control", "no-cache");
    const std::string ifNoneMatch = request.header("If-None-Match");
    if (!ifNoneMatch.empty() && etagMatches(ifNoneMatch, etag)) {
        response.status = 304;
        response.contentType.clear();
        return response;
    }
    // The definition is stored canonical; it is sent byte for byte as published.
    response.body = shared::surveyResponseBody(m_publicKey, (*current)->definition);
    return response;
}

bool Api::acquireBatchSlot() {
    std::unique_lock lock(m_slotMutex);
    const auto free = [&] { return m_batchesInFlight < m_options.maxConcurrentBatches; };
    if (!free()) {
        if (m_batchesWaiting >= m_options.maxWaitingBatches) return false;
        ++m_batchesWaiting;
        const bool got = m_slotFree.wait_for(lock, m_options.batchQueueTimeout, free);
        --m_batchesWaiting;
        if (!got) return false;
    }
    ++m_batchesInFlight;
    return true;
}

void Api::releaseBatchSlot() {
    {
        const std::lock_guard lock(m_slotMutex);
        --m_batchesInFlight;
    }
    m_slotFree.notify_one();
}

HttpResponse Api::batches(const HttpRequest& request) {
    auto device = authenticate(request);
    if (auto* refused = std::get_if<HttpResponse>(&device)) return std::move(*refused);
    const Device& caller = std::get<Device>(device);

    if (!acquireBatchSlot()) return unavailable("the server is busy with other batches", kBusyRetryAfterSeconds);
    const SlotGuard slot([this] { releaseBatchSlot(); });

    auto body = readBody(request, rawBodyLimit(std::string(kBatchesPath)), m_options.maxBodyBytes);
    if (body.refusal) return *body.refusal;
    auto document = parseJsonBody(body.bytes);
    body.bytes.clear();
    body.bytes.shrink_to_fit();
    if (!document) return errorResponse(400, document.error().message);
    // PROTOCOL.md: more than 500 responses is over the limit (413, the kiosk halves its batch), not malformed.
    if (document->is_object()) {
        const auto responses = document->find("responses");
        if (responses != document->end() && responses->is_array() && responses->size() > shared::kMaxBatchResponses) {
            return errorResponse(413, "a batch may hold at most " + std::to_string(shared::kMaxBatchResponses) + " responses, got " +
                                          std::to_string(responses->size()) + "; send smaller batches");
        }
    }
    auto batch = shared::batchRequestFromJson(*document);
    document = json();
    if (!batch) return errorResponse(400, batch.error().message);

    auto ingested = m_ingestor.ingest(Arrival{caller.unitId, caller.id, localWeek(m_clock())}, batch->responses);
    if (!ingested) {
        m_storeFailing = true;
        return unavailable("the server cannot store right now; nothing of this batch was stored", kBusyRetryAfterSeconds);
    }
    m_storeFailing = false;
    auto response = jsonResponse(200, shared::toJson(shared::BatchResponse{batch->batchId, std::move(ingested->results)}));
    response.deadLettersFull = ingested->deadLettersFull;
    return response;
}

HttpResponse Api::health() {
    HttpResponse response;
    response.contentType = "text/plain";
    if (m_draining) {
        response.status = 503;
        response.body = "shutting down";
    } else if (m_storeFailing || !m_storage.ping()) {
        response.status = 503;
        response.body = "the store is not available";
    } else {
        response.body = "ok";
        return response;
    }
    response.headers.emplace_back("Retry-After", std::to_string(kBusyRetryAfterSeconds));
    return response;
}

}  // namespace svarboks::server
