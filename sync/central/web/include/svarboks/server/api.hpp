#pragma once
// The endpoints of PROTOCOL.md as plain functions of a request (http_message.hpp), apart from any HTTP
// library: the HTTPS transport (http_server.hpp) and the tests both call Api::handle().
//
// Thread-safe: one Api serves every request thread.
#include "svarboks/server/clock.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/http_message.hpp"
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/shared_state.hpp"
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/sealing.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <variant>

namespace svarboks::server {

struct ApiOptions {
    std::size_t maxBodyBytes = shared::kMaxBodyBytes;  ///< after decompression
    std::size_t maxEnrollBodyBytes = 16 * 1024;
    int enrolAttemptsPerMinute = 10;  ///< per client address, kept in the store (shared_state.hpp) with a key derived from `keys`
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

    /// Routes and answers one request. A 429 or 503 reply says "Connection: close". Never throws.
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
    [[nodiscard]] HttpResponse route(const HttpRequest& request);
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
    AttemptLimit m_enrolLimiter;
    std::atomic<bool> m_draining{false};
    std::atomic<bool> m_storeFailing{false};
    std::mutex m_slotMutex;
    std::condition_variable m_slotFree;
    std::size_t m_batchesInFlight = 0;
    std::size_t m_batchesWaiting = 0;
};

}  // namespace svarboks::server
