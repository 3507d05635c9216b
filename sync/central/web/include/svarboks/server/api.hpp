#pragma once
// The endpoints of PROTOCOL.md as plain functions of a request, apart from any HTTP library: the HTTPS
// transport (http_server.hpp) and the tests both call Api::handle().
//
// Thread-safe: one Api serves every request thread.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/rate_limiter.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/sealing.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace svarboks::server {

/// The raw body as far as it could be read: at most `limit` bytes, or `tooLarge` when there was more.
struct RawBody {
    std::string bytes;
    bool tooLarge = false;
    bool failed = false;  ///< the connection broke while reading
};

struct HttpRequest {
    std::string method;  ///< "GET", "POST", ...
    std::string path;    ///< without the query string
    std::string authorization;
    std::string contentEncoding;
    std::string ifNoneMatch;
    /// Used only to rate-limit enrolment, in memory; never logged or stored.
    std::string clientAddress;
    /// Reads the body on demand (so that a request refused early is never buffered); at most `limit` bytes.
    std::function<RawBody(std::size_t limit)> readBody;

    /// A request whose body is already at hand (tests, tools).
    [[nodiscard]] static HttpRequest make(std::string method, std::string path, std::string body = "",
                                          std::string authorization = "");
};

struct HttpResponse {
    int status = 200;
    std::string contentType = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< ETag, Retry-After, Allow, ...
    /// For the access log: a rejected item of this batch was not kept (the kiosk's dead letters are at their cap).
    bool deadLettersFull = false;

    [[nodiscard]] std::string header(const std::string& name) const;
};

struct ApiOptions {
    std::size_t maxBodyBytes = shared::kMaxBodyBytes;  ///< after decompression
    std::size_t maxEnrollBodyBytes = 16 * 1024;
    int enrolAttemptsPerMinute = 10;
    std::size_t maxConcurrentBatches = 8;  ///< bounds the memory held by bodies in flight
    std::chrono::milliseconds batchQueueTimeout{10000};  ///< then 503 with Retry-After
    /// Batches that may wait for a slot; one more is answered 503 with Retry-After at once, so that under
    /// overload kiosks come back later instead of queueing towards their timeouts.
    std::size_t maxWaitingBatches = 64;
    std::chrono::seconds replayWindow = kReplayWindow;  ///< same code + same request_id -> same answer
};

/// The paths the API answers; anything else is logged as "other".
[[nodiscard]] bool isKnownPath(const std::string& path);

class Api {
public:
    Api(Storage& storage, shared::KeyPair keys, ApiOptions options = {}, Clock clock = systemClock());

    /// Routes and answers one request. Never throws.
    [[nodiscard]] HttpResponse handle(const HttpRequest& request);

    [[nodiscard]] HttpResponse enroll(const HttpRequest& request);
    [[nodiscard]] HttpResponse survey(const HttpRequest& request);
    [[nodiscard]] HttpResponse batches(const HttpRequest& request);
    [[nodiscard]] HttpResponse health();

    /// While draining (graceful shutdown), /healthz answers 503 so that a load balancer stops sending.
    void setDraining(bool draining) { m_draining = draining; }

    /// The raw-body cap for a path, before decompression (the transport reads at most this much).
    [[nodiscard]] std::size_t rawBodyLimit(const std::string& path) const;

private:
    [[nodiscard]] std::variant<Device, HttpResponse> authenticate(const HttpRequest& request);
    [[nodiscard]] HttpResponse unavailable(const std::string& why, int retryAfterSeconds);
    [[nodiscard]] bool acquireBatchSlot();
    void releaseBatchSlot();

    Storage& m_storage;
    shared::KeyPair m_keys;
    std::string m_publicKey;
    ApiOptions m_options;
    Clock m_clock;
    Ingestor m_ingestor;
    RateLimiter m_enrolLimiter;
    std::atomic<bool> m_draining{false};
    std::atomic<bool> m_storeFailing{false};
    std::mutex m_slotMutex;
    std::condition_variable m_slotFree;
    std::size_t m_batchesInFlight = 0;
    std::size_t m_batchesWaiting = 0;
};

}  // namespace svarboks::server
