#pragma once
// What the kiosk's doctor (client/kiosk_doctor.hpp) asks the central endpoint: at most two short GETs over
// the kiosk's own HTTPS client (its ca_file, pinned_public_key and proxy). GET /healthz carries no token;
// for an enrolled kiosk, GET /api/v1/survey then carries the device token and the cached survey's ETag, as
// every sync does, to learn whether the server still knows the token. Nothing else travels: no response,
// nothing about respondents.
//
// Blocks for at most about twice the timeout: call it from the command line or a worker thread. Thread-safe
// (each call has its own HTTP handle).
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/sync/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace svarboks::sync {

struct ProbeOptions {
    std::chrono::milliseconds timeout{4000};  ///< per request, connecting included
    std::function<bool()> cancelled;          ///< checked about once a second during a request
};

struct EndpointProbe {
    HttpResponse health;                     ///< GET /healthz as it came (`failure` set when there was no reply)
    std::optional<std::int64_t> serverTime;  ///< its Date header in unix seconds; nullopt when absent or unreadable
    std::int64_t localTime = 0;              ///< this device's clock when that reply came, unix seconds
    /// GET /api/v1/survey; nullopt when not asked (no device token, or no reply to /healthz).
    std::optional<HttpResponse> survey;
};

/// Asks config.endpointUrl as above. An error only when the HTTP client cannot start; every network
/// outcome is in the probe.
[[nodiscard]] shared::Result<EndpointProbe> probeEndpoint(const shared::KioskConfig& config, const ProbeOptions& options);

}  // namespace svarboks::sync
