#pragma once
// The HTTPS transport: cpp-httplib's SSLServer (OpenSSL, TLS 1.2 or newer) in front of Api and the
// Dashboard. It makes one HttpRequest of each request (http_message.hpp) and writes back the HttpResponse
// it gets; it reads bodies with caps (never more than Api::rawBodyLimit), hands gzip on undecoded (so that
// a gzip bomb is stopped by decodeBody's cap and a truncated stream is caught), and writes one JSON log line
// per request (method, path, status, duration; never tokens, addresses, ids, answers or batch sizes). Every
// reply carries Strict-Transport-Security.
//
// Threads: httplib serves a connection on one worker thread from its TLS handshake to its end. Workers are
// started as connections need them, up to `threads`; beyond that, accepted connections wait in a bounded
// queue (when it is full, accepting waits: back-pressure instead of unbounded memory), and while any wait, a
// kept-alive connection is closed after its reply and its kiosk queues again. A reply that says
// "Connection: close" (Api's 429 and 503: "come back in N seconds") closes its connection. A worker mostly waits on its socket: the CPU-heavy work, a
// batch, is bounded by Api's own admission.
//
// Slow peers: a connection must finish its TLS handshake and request head within `headDeadline` of its
// handshake's start, and its body and reply within `requestDeadline` of its head; after a reply, the next
// head is due within the keep-alive timeout plus `headDeadline`. A late connection is shut down, whatever
// its per-read timeouts say. An address may hold at most `maxConnectionsPerAddress` connections; one more is
// closed at the start of its handshake. stop() may be called from any thread; run() returns once requests in
// flight have finished.
//
// Behind a load balancer every connection comes from the balancer: a peer listed in `trustedProxies` has no
// per-address cap, and the client address of its requests (for the rate limits) is the last entry of its
// X-Forwarded-For, the one the balancer added itself (earlier entries are whatever the client sent). From
// any other peer the header is ignored: a client must not choose its own rate-limit key.
#include "svarboks/server/api.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8443;  ///< 0 = any free port (see HttpServer::bind)
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
    std::size_t threads = 1024;  ///< the most connections served at once (a thread each, started on demand)
    std::size_t listenBacklog = 512;
    std::chrono::seconds readTimeout{15};
    std::chrono::seconds writeTimeout{15};
    std::chrono::seconds keepAliveTimeout{5};
    std::size_t keepAliveMaxCount = 1000;
    std::chrono::milliseconds headDeadline{10'000};     ///< handshake start to the end of the request head
    std::chrono::milliseconds requestDeadline{60'000};  ///< end of the head to the end of the reply (downloads: none)
    std::size_t maxConnectionsPerAddress = 512;         ///< live connections per peer address (IPv6: per /64); 0 = no cap
    std::vector<std::string> trustedProxies;            ///< load balancers' addresses (`serve --trusted-proxy`), see above
};

/// Receives one log line (JSON, no newline). Called from request threads; must be thread-safe.
using LogSink = std::function<void(const std::string& line)>;

/// Parses "HOST:PORT" or "[IPV6]:PORT" into options.host and options.port.
[[nodiscard]] shared::Status parseListenAddress(const std::string& text, ServeOptions& options);

/// An IPv4 or IPv6 address as one spelling ("::ffff:10.0.0.1" is "10.0.0.1"); nullopt when `text` is not one.
[[nodiscard]] std::optional<std::string> canonicalAddress(std::string_view text);

/// The client address of a request from `peer`: when the peer is one of `trustedProxies` (canonical, as
/// canonicalAddress gives), the last entry of the last X-Forwarded-For field (`forwardedFor`: the fields as
/// sent) when that is an address; otherwise the peer.
[[nodiscard]] std::string clientAddressOf(const std::string& peer, const std::vector<std::string>& forwardedFor,
                                          const std::vector<std::string>& trustedProxies);

class HttpServer {
public:
    /// Loads the certificate and key and sets up the routes. Nothing listens yet. With a dashboard, every
    /// path outside /api/ and /healthz goes to it (Dashboard::handles); without, those are 404 as before.
    [[nodiscard]] static shared::Result<std::unique_ptr<HttpServer>> create(Api& api, const ServeOptions& options, LogSink log,
                                                                            Dashboard* dashboard = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds the listening socket; returns the port (the chosen one when options.port is 0).
    [[nodiscard]] shared::Result<int> bind();
    /// Serves until stop(); then waits for requests in flight. Call after bind().
    [[nodiscard]] shared::Status run();
    /// Stops accepting; thread-safe and safe to call more than once.
    void stop();

private:
    struct Impl;
    explicit HttpServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace svarboks::server
