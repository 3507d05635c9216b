#include "test_uploader_support.hpp"

#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace svarboks::test {

using nlohmann::json;

const client::UiTexts& kioskTexts() {
    static const client::UiTexts texts = [] {
        auto loaded = client::UiTexts::load(sourceDir() / "assets/ui/texts.json");
        REQUIRE(loaded.ok());
        return std::move(loaded).value();
    }();
    return texts;
}

const client::SyncTexts& english() {
    static const client::SyncTexts words(kioskTexts(), "en");
    return words;
}

namespace {

std::string lower(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

const TlsFiles& certificate(int which) {
    static std::mutex mutex;
    static std::map<int, TlsFiles> made;
    static TempDir dir;
    std::lock_guard lock(mutex);
    if (auto it = made.find(which); it != made.end()) return it->second;
    TlsFiles files;
    const std::string name = "tls" + std::to_string(which);
    files.cert = dir.path() / (name + ".crt");
    files.key = dir.path() / (name + ".key");
    const fs::path pin = dir.path() / (name + ".pin");
    const std::string openssl = std::string("'") + SVARBOKS_OPENSSL + "'";
    const std::string make = openssl + " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" + files.key.string() +
                             "' -out '" + files.cert.string() + "' -days 2 -subj /CN=localhost " +
                             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null";
    REQUIRE(std::system(make.c_str()) == 0);
    const std::string pinCommand = openssl + " x509 -in '" + files.cert.string() + "' -pubkey -noout | " + openssl +
                                   " pkey -pubin -outform der | " + openssl + " dgst -sha256 -binary | " + openssl + " base64 -A > '" +
                                   pin.string() + "'";
    REQUIRE(std::system(pinCommand.c_str()) == 0);
    files.pin = "sha256//" + readFile(pin);
    return made.emplace(which, files).first->second;
}

std::string FakeRequest::header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? "" : it->second;
}

struct FakeServer::Impl {
    explicit Impl(const TlsFiles& tls) : server(tls.cert.c_str(), tls.key.c_str()) {}
    httplib::SSLServer server;
    std::thread thread;
    mutable std::mutex mutex;
    std::map<std::string, Script> scripts;
    std::map<std::string, int> calls;
    std::vector<FakeRequest> requests;
    std::map<std::string, std::string> store;
};

FakeServer::FakeServer(const TlsFiles& tls) : m_impl(std::make_unique<Impl>(tls)) {
    REQUIRE(m_impl->server.is_valid());
    m_impl->server.set_tcp_nodelay(true);
    const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
        FakeRequest request{req.method, req.path, req.body, {}};
        for (const auto& [name, value] : req.headers) request.headers[lower(name)] = value;
        Script script;
        int call = 0;
        {
            std::lock_guard lock(m_impl->mutex);
            m_impl->requests.push_back(request);
            call = ++m_impl->calls[req.path];
            if (auto it = m_impl->scripts.find(req.path); it != m_impl->scripts.end()) script = it->second;
        }
        FakeReply reply;
        if (script) reply = script(request, call);
        else if (req.path == "/api/v1/batches") reply = storeBatch(request);
        else reply = FakeReply{404, R"({"error":"not found"})"};
        if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
        res.status = reply.status;
        for (const auto& [name, value] : reply.headers) res.set_header(name, value);
        if (reply.dropAfterHeaders) {
            auto body = std::make_shared<std::string>(reply.body.empty() ? std::string(200, ' ') : reply.body);
            res.set_content_provider(body->size() + 1000, reply.contentType, [body](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                if (offset == 0) sink.write(body->data(), body->size() / 2);
                return false;  // closes the connection before the reply is complete
            });
        } else {
            res.set_content(reply.body, reply.contentType);
        }
    };
    m_impl->server.Post(".*", handler);
    m_impl->server.Get(".*", handler);
    m_port = m_impl->server.bind_to_any_port("127.0.0.1");
    REQUIRE(m_port > 0);
    m_impl->thread = std::thread([this] { m_impl->server.listen_after_bind(); });
}

FakeServer::~FakeServer() {
    m_impl->server.stop();
    if (m_impl->thread.joinable()) m_impl->thread.join();
}

std::string FakeServer::url() const { return "https://localhost:" + std::to_string(m_port); }

void FakeServer::on(const std::string& path, Script script) {
    std::lock_guard lock(m_impl->mutex);
    m_impl->scripts[path] = std::move(script);
}

FakeReply FakeServer::storeBatch(const FakeRequest& request) {
    const json body = json::parse(request.body, nullptr, false);
    auto batch = shared::batchRequestFromJson(body);
    if (!batch) return FakeReply{400, json{{"error", batch.error().message}}.dump()};
    shared::BatchResponse response{batch->batchId, {}};
    std::lock_guard lock(m_impl->mutex);
    for (const auto& item : batch->responses) {
        shared::BatchResult result{item.id, shared::ItemStatus::Accepted, ""};
        if (auto it = m_impl->store.find(item.id); it == m_impl->store.end()) {
            m_impl->store.emplace(item.id, item.sealed);
        } else if (it->second == item.sealed) {
            result.status = shared::ItemStatus::Duplicate;
        } else {
            result.status = shared::ItemStatus::Rejected;
            result.error = "stored with a different payload";
        }
        response.results.push_back(result);
    }
    return FakeReply{200, shared::toJson(response).dump()};
}

FakeReply FakeServer::replyAll(const FakeRequest& request, const std::string& status, const std::string& error) {
    const json body = json::parse(request.body, nullptr, false);
    json results = json::array();
    for (const auto& item : body["responses"]) {
        json result = {{"id", item["id"]}, {"status", status}};
        if (status == "rejected") result["error"] = error;
        results.push_back(result);
    }
    return FakeReply{200, json{{"batch_id", body["batch_id"]}, {"results", results}}.dump()};
}

std::vector<FakeRequest> FakeServer::requests() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->requests;
}

std::vector<FakeRequest> FakeServer::requests(const std::string& path) const {
    std::vector<FakeRequest> matching;
    for (auto& request : requests()) {
        if (request.path == path) matching.push_back(std::move(request));
    }
    return matching;
}

std::map<std::string, std::string> FakeServer::stored() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->store;
}

std::vector<std::size_t> FakeServer::batchSizes() const {
    std::vector<std::size_t> sizes;
    for (const auto& request : requests("/api/v1/batches")) {
        const json body = json::parse(request.body, nullptr, false);
        sizes.push_back(body.is_object() && body.contains("responses") ? body["responses"].size() : 0);
    }
    return sizes;
}

// ---- ConnectProxy ----

ConnectProxy::ConnectProxy() {
    m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(m_listen >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    REQUIRE(::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(m_listen, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(m_listen, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
}

ConnectProxy::~ConnectProxy() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
    ::close(m_listen);
}

std::vector<std::string> ConnectProxy::targets() const {
    std::lock_guard lock(m_mutex);
    return m_targets;
}

void ConnectProxy::serve() {
    while (!m_stop) {
        pollfd listening{m_listen, POLLIN, 0};
        if (::poll(&listening, 1, 50) <= 0) continue;
        const int client = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        std::string head;
        char buffer[16384];
        while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
            const ssize_t got = ::recv(client, buffer, sizeof buffer, 0);
            if (got <= 0) break;
            head.append(buffer, static_cast<std::size_t>(got));
        }
        const auto space = head.find(' ');
        const auto space2 = head.find(' ', space + 1);
        if (head.rfind("CONNECT ", 0) != 0 || space2 == std::string::npos) {
            ::close(client);
            continue;
        }
        const std::string target = head.substr(space + 1, space2 - space - 1);
        {
            std::lock_guard lock(m_mutex);
            m_targets.push_back(target);
        }
        const int port = std::stoi(target.substr(target.rfind(':') + 1));
        const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        if (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
            ::close(upstream);
            ::close(client);
            continue;
        }
        const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
        (void)::send(client, established.data(), established.size(), MSG_NOSIGNAL);
        pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
        bool open = true;
        while (open && !m_stop) {
            if (::poll(fds, 2, 50) <= 0) continue;
            for (int i = 0; i < 2 && open; ++i) {
                if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
                const ssize_t got = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
                if (got <= 0 || ::send(fds[1 - i].fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) != got) open = false;
            }
        }
        ::close(upstream);
        ::close(client);
    }
}

// ---- configs and helpers ----

shared::KioskConfig kioskConfig(const fs::path& dir, const std::string& endpoint, const std::string& token) {
    shared::KioskConfig config;
    config.surveyFile = (fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json").string();
    config.outboxFile = (dir / "outbox.db").string();
    config.endpointUrl = endpoint;
    config.caFile = certificate().cert.string();
    config.deviceId = "device-1";
    config.deviceToken = token;
    config.unitName = "Plejecenter Test";
    config.centralPublicKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
    // Most suites test what happens to a send, not when: they send at once. The send schedule's own tests
    // set the delay.
    config.sendDelayMinMinutes = 0;
    config.sendDelayMaxMinutes = 0;
    return config;
}

sync::UploaderOptions uploaderOptions(const shared::KioskConfig& config) {
    sync::UploaderOptions options;
    options.config = config;
    options.connectTimeout = std::chrono::seconds(2);
    options.totalTimeout = std::chrono::seconds(5);
    return options;
}

sync::SyncEnvironment FakeEnvironment::environment() const {
    sync::SyncEnvironment env;
    env.steadyNow = [steady = steady] { return *steady; };
    env.wallNow = [wall = wall] { return *wall; };
    env.random01 = [random = random] { return *random; };
    env.randomBelow = [draw = sendDraw](std::uint32_t bound) { return std::min<std::uint32_t>(*draw, bound - 1); };
    return env;
}

void FakeEnvironment::advance(std::chrono::milliseconds by) const {
    *steady += by;
    *wall += by;
}

std::vector<std::string> addResponses(sync::Outbox& outbox, std::size_t count, std::size_t bytes) {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < count; ++i) {
        ids.push_back(shared::newUuidV4());
        REQUIRE(outbox.add(ids.back(), shared::randomBytes(bytes)).ok());
    }
    return ids;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

}  // namespace svarboks::test
