#pragma once
// Test support for the uploader suites: a scripted HTTPS server (cpp-httplib + OpenSSL) on 127.0.0.1 with a
// self-signed certificate made at test time by the openssl CLI, a tiny CONNECT proxy and
// kiosk configs. httplib stays inside test_uploader_support.cpp, so the suites compile quickly.
#include "svarboks/client/sync_texts.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/sync/outbox.hpp"
#include "svarboks/sync/sync_state.hpp"
#include "svarboks/sync/uploader.hpp"
#include "test_helpers.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace svarboks::test {

namespace fs = std::filesystem;

/// The kiosk's texts (assets/ui/texts.json of the source tree).
const client::UiTexts& kioskTexts();
/// The kiosk's English words for the uploader's data (assets/ui/texts.json), as `svarboks status` says them.
const client::SyncTexts& english();

/// A self-signed certificate for localhost and 127.0.0.1 with its key and its curl pin ("sha256//...").
struct TlsFiles {
    fs::path cert;
    fs::path key;
    std::string pin;
};

/// Made once per process (openssl CLI); `which` tells independent certificates apart (0 = the server's).
const TlsFiles& certificate(int which = 0);

struct FakeRequest {
    std::string method;
    std::string path;
    std::string body;  ///< as the server read it (httplib has inflated a gzip body)
    std::map<std::string, std::string> headers;  ///< lower-case names
    [[nodiscard]] std::string header(const std::string& name) const;
};

struct FakeReply {
    FakeReply() = default;
    FakeReply(int status_, std::string body_, std::string contentType_ = "application/json",
              std::vector<std::pair<std::string, std::string>> headers_ = {})
        : status(status_), body(std::move(body_)), contentType(std::move(contentType_)), headers(std::move(headers_)) {}

    int status = 200;
    std::string body;
    std::string contentType = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
    bool dropAfterHeaders = false;  ///< send the headers and part of the body, then close the connection
    std::chrono::milliseconds delay{0};  ///< wait this long before answering (a slow server)
};

/// `call` counts this path's requests from 1.
using Script = std::function<FakeReply(const FakeRequest& request, int call)>;

class FakeServer {
public:
    explicit FakeServer(const TlsFiles& tls = certificate());
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;
    ~FakeServer();

    /// https://localhost:PORT
    [[nodiscard]] std::string url() const;
    [[nodiscard]] int port() const { return m_port; }

    /// Scripts a path ("/api/v1/batches", "/api/v1/survey", "/api/v1/enroll"). Unscripted batches use
    /// storeBatch(); other unscripted paths answer 404.
    void on(const std::string& path, Script script);

    /// What a correct server does with a batch: checks it with batchRequestFromJson (400 otherwise), stores
    /// new ids (accepted), answers duplicate for the same bytes and rejected for other bytes.
    FakeReply storeBatch(const FakeRequest& request);
    /// The reply of storeBatch() with every item given `status` ("rejected" adds `error`).
    static FakeReply replyAll(const FakeRequest& request, const std::string& status, const std::string& error = "");

    [[nodiscard]] std::vector<FakeRequest> requests() const;
    [[nodiscard]] std::vector<FakeRequest> requests(const std::string& path) const;
    [[nodiscard]] std::map<std::string, std::string> stored() const;
    /// The number of responses in each batch received, in order.
    [[nodiscard]] std::vector<std::size_t> batchSizes() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    int m_port = 0;
};

/// A minimal HTTP CONNECT proxy on 127.0.0.1 (one tunnel at a time).
class ConnectProxy {
public:
    ConnectProxy();
    ConnectProxy(const ConnectProxy&) = delete;
    ConnectProxy& operator=(const ConnectProxy&) = delete;
    ~ConnectProxy();
    [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    [[nodiscard]] std::vector<std::string> targets() const;

private:
    void serve();
    int m_listen = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_targets;
    std::thread m_thread;
};

/// An enrolled kiosk config in `dir` for `server` (ca_file = the server's certificate).
shared::KioskConfig kioskConfig(const fs::path& dir, const std::string& endpoint, const std::string& token = "test-token-0123456789");

/// Uploader options for tests: short timeouts.
sync::UploaderOptions uploaderOptions(const shared::KioskConfig& config);

/// A fake clock and random source for SyncSession: time moves only when a test says so.
struct FakeEnvironment {
    std::shared_ptr<sync::SteadyTime> steady = std::make_shared<sync::SteadyTime>(std::chrono::hours(1000));
    std::shared_ptr<sync::WallTime> wall = std::make_shared<sync::WallTime>(std::chrono::sys_days{std::chrono::year{2026} / 11 / 23} + std::chrono::hours(13));
    std::shared_ptr<double> random = std::make_shared<double>(0.5);
    /// What randomBelow(bound) draws for the send delay (capped at bound - 1): seconds above the minimum.
    std::shared_ptr<std::uint32_t> sendDraw = std::make_shared<std::uint32_t>(0);
    [[nodiscard]] sync::SyncEnvironment environment() const;
    void advance(std::chrono::milliseconds by) const;
};

/// Adds `count` responses with random sealed bytes of `bytes` each; returns their ids in order.
std::vector<std::string> addResponses(sync::Outbox& outbox, std::size_t count, std::size_t bytes = 200);

/// Polls `condition` every 10 ms for up to `timeout`.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

}  // namespace svarboks::test
