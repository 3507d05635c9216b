#pragma once
// The HTTPS transport: cpp-httplib's SSLServer (OpenSSL, TLS 1.2 or newer) in front of Api. It reads
// bodies with caps (never more than Api::rawBodyLimit), hands gzip to Api undecoded (so that a gzip
// bomb is stopped by decodeBody's cap and a truncated stream is caught), and writes one JSON log line per
// request (method, path, status, duration; never tokens, addresses, ids, answers or batch sizes). Every
// reply carries Strict-Transport-Security.
//
// Threads: a fixed pool of `threads` workers with a bounded accept queue (when it is full, accepting
// waits: back-pressure instead of unbounded memory). A worker serves one connection at a time, so while
// connections wait for a worker, a kept-alive one is closed after its reply and its kiosk queues again;
// a 429 or 503 reply ("come back in N seconds") always closes its connection. stop() may be called from
// any thread; run() returns once requests in flight have finished.
#include "svarboks/server/api.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace svarboks::server {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8443;  ///< 0 = any free port (see HttpServer::bind)
    std::filesystem::path certFile;
    std::filesystem::path keyFile;
    std::size_t threads = 128;
    std::size_t listenBacklog = 512;
    std::chrono::seconds readTimeout{15};
    std::chrono::seconds writeTimeout{15};
    std::chrono::seconds keepAliveTimeout{5};
    std::size_t keepAliveMaxCount = 1000;
};

/// Receives one log line (JSON, no newline). Called from request threads; must be thread-safe.
using LogSink = std::function<void(const std::string& line)>;

/// Parses "HOST:PORT" or "[IPV6]:PORT" into options.host and options.port.
[[nodiscard]] shared::Status parseListenAddress(const std::string& text, ServeOptions& options);

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
