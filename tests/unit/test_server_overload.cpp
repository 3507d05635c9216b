// The central endpoint with more kiosks than it serves at once (issue #6, the 500-kiosk load test): batches
// stored together still get their own results, batches beyond the waiting bound are told to come back
// (503 with Retry-After) instead of queueing towards the kiosk's timeouts, kept-alive connections make way
// for queued ones, and a "come back later" reply closes its connection. Slow peers (issue #13): a connection
// that is late with its handshake, head or body is closed, and one address cannot take more than its cap.
#include "svarboks/server/body.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/http_server.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::Enrolled;
using nlohmann::json;

namespace {

std::vector<shared::BatchItem> freshItems(const Central& central, int count) {
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < count; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    return items;
}

std::map<std::string, std::string> statusById(const server::HttpResponse& response) {
    std::map<std::string, std::string> statuses;
    const json body = json::parse(response.body);
    for (const auto& result : body.at("results")) statuses[result.at("id").get<std::string>()] = result.at("status").get<std::string>();
    return statuses;
}

// A batch request whose body is read only once `gate` opens; `reading` is set when the request holds its slot.
server::HttpRequest heldBatch(const Enrolled& device, const std::string& body, std::promise<void>& reading, std::shared_future<void> gate) {
    auto request = server::HttpRequest::make("POST", "/api/v1/batches", body, device.bearer());
    request.readBody = [&reading, gate, inner = request.readBody](std::size_t limit) {
        reading.set_value();
        gate.wait();
        return inner(limit);
    };
    return request;
}

class LiveServer {
public:
    /// With `withDashboard`, the dashboard answers beside the API (every path outside /api/ and /healthz).
    explicit LiveServer(std::size_t threads, const std::function<void(server::ServeOptions&)>& adjust = {}, bool withDashboard = false) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, nullptr);
        server::ServeOptions serve;
        serve.port = 0;
        serve.certFile = central.data.tlsCert();
        serve.keyFile = central.data.tlsKey();
        serve.threads = threads;
        serve.keepAliveMaxCount = 1'000'000;  // so that only making way ends a kept-alive connection
        if (adjust) adjust(serve);
        if (withDashboard) {
            server::DashboardOptions options;
            options.accounts.cost = server::PasswordCost::Minimum;
            dashboard = std::make_unique<server::Dashboard>(*central.store, options, central.fakeClock.clock());
        }
        auto created = server::HttpServer::create(*central.api, serve, [this](const std::string& line) {
            const std::lock_guard lock(m_logMutex);
            m_log.push_back(line);
        }, dashboard.get());
        REQUIRE(created.ok());
        m_server = std::move(*created);
        auto bound = m_server->bind();
        REQUIRE(bound.ok());
        port = *bound;
        m_thread = std::thread([this] { (void)m_server->run(); });
    }
    LiveServer(const LiveServer&) = delete;
    LiveServer& operator=(const LiveServer&) = delete;
    ~LiveServer() {
        m_server->stop();
        m_thread.join();
    }

    [[nodiscard]] std::unique_ptr<httplib::SSLClient> client() const {
        auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
        client->set_ca_cert_path(central.data.tlsCert().string());
        client->enable_server_certificate_verification(true);
        client->set_keep_alive(true);
        client->set_connection_timeout(30, 0);
        client->set_read_timeout(30, 0);
        return client;
    }

    /// The log lines so far that contain `text`.
    [[nodiscard]] std::vector<std::string> logLines(const std::string& text) {
        const std::lock_guard lock(m_logMutex);
        std::vector<std::string> found;
        for (const auto& line : m_log) {
            if (line.find(text) != std::string::npos) found.push_back(line);
        }
        return found;
    }

    Central central;
    std::unique_ptr<server::Dashboard> dashboard;
    int port = 0;

private:
    std::unique_ptr<server::HttpServer> m_server;
    std::thread m_thread;
    std::mutex m_logMutex;
    std::vector<std::string> m_log;
};

using Clock = std::chrono::steady_clock;

// A client connection from a chosen loopback address (Linux routes all of 127/8 to lo), with TLS done by
// hand so that a test can stop at any byte: in the handshake, in the head, in the body.
class Peer {
public:
    Peer(const char* from, int port) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        sockaddr_in server{};
        server.sin_family = AF_INET;
        server.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
        connected = ::bind(m_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
                    ::connect(m_fd, reinterpret_cast<sockaddr*>(&server), sizeof server) == 0;
    }
    ~Peer() {
        if (m_ssl != nullptr) SSL_free(m_ssl);
        if (m_ctx != nullptr) SSL_CTX_free(m_ctx);
        ::close(m_fd);
    }
    Peer(const Peer&) = delete;
    Peer& operator=(const Peer&) = delete;

    /// A TLS handshake without verification (what matters here is how long the server waits).
    [[nodiscard]] bool handshake() {
        m_ctx = SSL_CTX_new(TLS_client_method());
        m_ssl = SSL_new(m_ctx);
        SSL_set_fd(m_ssl, m_fd);
        return SSL_connect(m_ssl) == 1;
    }
    /// Bytes, raw before a handshake, inside TLS after one. False once the server has closed.
    bool send(std::string_view bytes) {
        const int size = static_cast<int>(bytes.size());
        if (m_ssl != nullptr) return SSL_write(m_ssl, bytes.data(), size) == size;
        return ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(size);
    }
    /// Whether the server has closed the connection (reads what it sent, without blocking).
    [[nodiscard]] bool closedByServer() {
        for (;;) {
            pollfd ready{m_fd, POLLIN, 0};
            if (::poll(&ready, 1, 0) <= 0) return false;
            char buffer[4096];
            const auto got = ::recv(m_fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (got <= 0) return got == 0 || errno != EAGAIN;
        }
    }
    /// Sends `text` a byte every 100 ms, then waits, until the server closes or `limit` passes; returns
    /// how long the connection lived from `since`, or nothing if it was still open at the limit.
    std::optional<std::chrono::milliseconds> trickle(const std::string& text, Clock::time_point since, std::chrono::seconds limit) {
        std::size_t next = 0;
        while (Clock::now() - since < limit) {
            if (closedByServer() || (next < text.size() && !send(std::string_view(text).substr(next++, 1)))) {
                return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return std::nullopt;
    }

    bool connected = false;

private:
    int m_fd = -1;
    SSL_CTX* m_ctx = nullptr;
    SSL* m_ssl = nullptr;
};

std::string headOf(const std::string& method, const std::string& path, const std::string& extra = "") {
    return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n" + extra + "\r\n";
}

}  // namespace

TEST_SUITE("server overload") {

TEST_CASE("batches stored at the same moment: each gets its own results, every id is stored once") {
    Central central;
    constexpr int kThreads = 12;
    constexpr int kBatches = 6;
    std::vector<Enrolled> devices;
    for (int i = 0; i < kThreads; ++i) devices.push_back(central.enrol());
    // Pairs of threads send the same ids at the same moment: one with the same sealed bytes (one is
    // accepted, the other a duplicate), one with other bytes (one accepted, the other rejected).
    std::vector<std::vector<std::vector<shared::BatchItem>>> batches(kThreads);
    for (int t = 0; t < kThreads; t += 2) {
        for (int b = 0; b < kBatches; ++b) {
            auto items = freshItems(central, 25);
            auto twin = items;
            if (t % 4 == 2) twin.front().sealed = central.sealValid();
            batches[static_cast<std::size_t>(t)].push_back(items);
            batches[static_cast<std::size_t>(t) + 1].push_back(twin);
        }
    }
    std::vector<std::vector<server::HttpResponse>> replies(kThreads);
    std::promise<void> go;
    const std::shared_future<void> start = go.get_future().share();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.wait();
            for (const auto& items : batches[static_cast<std::size_t>(t)]) {
                replies[static_cast<std::size_t>(t)].push_back(central.postBatch(devices[static_cast<std::size_t>(t)], Central::batchBody(items)));
            }
        });
    }
    go.set_value();
    for (auto& thread : threads) thread.join();

    std::set<std::string> ids;
    int rejected = 0;
    for (int t = 0; t < kThreads; t += 2) {
        for (int b = 0; b < kBatches; ++b) {
            const auto& one = replies[static_cast<std::size_t>(t)][static_cast<std::size_t>(b)];
            const auto& other = replies[static_cast<std::size_t>(t) + 1][static_cast<std::size_t>(b)];
            REQUIRE(one.status == 200);
            REQUIRE(other.status == 200);
            const auto first = statusById(one);
            const auto second = statusById(other);
            REQUIRE(first.size() == 25);
            REQUIRE(second.size() == 25);
            for (const auto& [id, status] : first) {
                ids.insert(id);
                const std::string& twin = second.at(id);
                const bool changed = t % 4 == 2 && id == batches[static_cast<std::size_t>(t)][static_cast<std::size_t>(b)].front().id;
                const std::set<std::string> pair{status, twin};
                if (changed) {
                    CHECK(pair == std::set<std::string>{"accepted", "rejected"});
                    ++rejected;
                } else {
                    CHECK(pair == std::set<std::string>{"accepted", "duplicate"});
                }
            }
        }
    }
    CHECK(central.count("responses") == static_cast<std::int64_t>(ids.size()));
    CHECK(central.count("dead_letters") == rejected);
}

TEST_CASE("a batch beyond the waiting bound is told to come back at once") {
    server::ApiOptions options = Central::lenientOptions();
    options.maxConcurrentBatches = 1;
    options.maxWaitingBatches = 0;
    Central central(options);
    const Enrolled device = central.enrol();
    std::promise<void> reading;
    std::promise<void> open;
    const std::shared_future<void> gate = open.get_future().share();
    auto holding = std::async(std::launch::async, [&] { return central.api->handle(heldBatch(device, Central::batchBody(freshItems(central, 3)), reading, gate)); });
    reading.get_future().wait();  // it holds the only slot, and no batch may wait for it

    const auto refused = central.postBatch(device, Central::batchBody(freshItems(central, 3)));
    CHECK(refused.status == 503);
    CHECK(std::stoi(refused.header("Retry-After")) > 0);
    CHECK(json::parse(refused.body)["error"] == "the server is busy with other batches");
    open.set_value();
    CHECK(holding.get().status == 200);
    CHECK(central.postBatch(device, Central::batchBody(freshItems(central, 3))).status == 200);
    CHECK(central.count("responses") == 6);
}

TEST_CASE("over HTTPS: more kept-alive kiosks than threads, and every one is served") {
    LiveServer live(2);
    constexpr int kKiosks = 6;
    std::vector<Enrolled> devices;
    for (int i = 0; i < kKiosks; ++i) devices.push_back(live.central.enrol());
    // Each kiosk keeps its connection and sends batch after batch until every kiosk has had a reply. With
    // a worker per kept-alive connection, the four kiosks queued behind the first two would never be
    // served, and the first two would go on until the deadline.
    std::atomic<int> served{0};
    std::vector<int> replies(kKiosks, 0);
    std::vector<std::thread> kiosks;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (int k = 0; k < kKiosks; ++k) {
        kiosks.emplace_back([&, k] {
            auto client = live.client();
            const Enrolled& device = devices[static_cast<std::size_t>(k)];
            while (served < kKiosks && std::chrono::steady_clock::now() < deadline) {
                const std::string body = server::gzipCompress(Central::batchBody(freshItems(live.central, 2)));
                auto result = client->Post("/api/v1/batches", {{"Authorization", device.bearer()}, {"Content-Encoding", "gzip"}}, body, "application/json");
                if (result && result->status == 200 && replies[static_cast<std::size_t>(k)]++ == 0) ++served;
            }
        });
    }
    for (auto& kiosk : kiosks) kiosk.join();
    CHECK(served == kKiosks);
}

TEST_CASE("over HTTPS: a reply that says come back later closes its connection; a 200 keeps it") {
    LiveServer live(4);
    auto client = live.client();
    auto ok = client->Get("/healthz");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->get_header_value("Connection") != "close");
    live.central.api->setDraining(true);
    auto later = client->Get("/healthz");
    REQUIRE(later);
    CHECK(later->status == 503);
    CHECK(later->get_header_value("Retry-After") != "");
    CHECK(later->get_header_value("Connection") == "close");
    live.central.api->setDraining(false);
    auto again = client->Get("/healthz");  // on a new connection
    REQUIRE(again);
    CHECK(again->status == 200);
}

TEST_CASE("over HTTPS: a connection late with its handshake, its head or its body is closed at its deadline") {
    LiveServer live(8, [](server::ServeOptions& serve) {
        serve.headDeadline = std::chrono::milliseconds(1000);
        serve.requestDeadline = std::chrono::milliseconds(1000);
    });
    // Each of these sends a byte every 100 ms, well within the 15 s read timeout that every byte resets.
    const auto start = Clock::now();
    Peer silent("127.0.0.1", live.port);
    Peer hello("127.0.0.1", live.port);  // the start of a TLS record that never ends
    Peer head("127.0.0.1", live.port);
    Peer body("127.0.0.1", live.port);
    REQUIRE((silent.connected && hello.connected && head.connected && body.connected));
    REQUIRE(head.handshake());
    REQUIRE(body.handshake());
    REQUIRE(body.send(headOf("POST", "/api/v1/enroll", "Content-Type: application/json\r\nContent-Length: 500\r\n") + "{"));
    const auto headSent = Clock::now();

    auto silentLived = std::async(std::launch::async, [&] { return silent.trickle("", start, std::chrono::seconds(10)); });
    auto helloLived = std::async(std::launch::async, [&] { return hello.trickle(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(500, 'x'), start, std::chrono::seconds(10)); });
    auto headLived = std::async(std::launch::async, [&] { return head.trickle(headOf("GET", "/healthz", std::string(200, ' ')), start, std::chrono::seconds(10)); });
    auto bodyLived = std::async(std::launch::async, [&] { return body.trickle(std::string(499, ' '), headSent, std::chrono::seconds(10)); });

    // Meanwhile the server answers others as usual.
    CHECK(live.client()->Get("/healthz")->status == 200);
    for (auto* lived : {&silentLived, &helloLived, &headLived, &bodyLived}) {
        const auto took = lived->get();
        REQUIRE(took.has_value());
        CHECK(*took >= std::chrono::milliseconds(900));
        CHECK(*took <= std::chrono::milliseconds(3000));  // the deadline plus the watchdog's tick, with room for ASan
    }
    // One line without addresses, however many were cut.
    std::vector<std::string> cut;
    for (int i = 0; i < 100 && cut.empty(); ++i) {
        cut = live.logLines("connections_cut");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(cut.size() == 1);
    const json line = json::parse(cut.front());
    CHECK(line["too_slow"].get<int>() >= 1);
    CHECK(cut.front().find("127.0.0.1") == std::string::npos);
    CHECK(live.client()->Get("/healthz")->status == 200);
}

TEST_CASE("over HTTPS: an address over its connection cap is refused at the handshake while another is served") {
    LiveServer live(8, [](server::ServeOptions& serve) { serve.maxConnectionsPerAddress = 2; });
    auto first = std::make_unique<Peer>("127.0.0.2", live.port);
    Peer second("127.0.0.2", live.port);
    REQUIRE((first->connected && second.connected));
    REQUIRE(first->handshake());
    REQUIRE(second.handshake());  // both idle now, each holding a worker
    {
        Peer third("127.0.0.2", live.port);
        REQUIRE(third.connected);
        CHECK_FALSE(third.handshake());
    }
    auto other = live.client();  // from 127.0.0.1
    auto health = other->Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);

    first.reset();  // frees a place
    bool admitted = false;
    for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
        Peer again("127.0.0.2", live.port);
        admitted = again.connected && again.handshake();
        if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(admitted);
    std::vector<std::string> cut;
    for (int i = 0; i < 100 && cut.empty(); ++i) {
        cut = live.logLines("connections_cut");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE_FALSE(cut.empty());
    CHECK(json::parse(cut.front())["over_address_cap"].get<int>() >= 1);
}

TEST_CASE("over HTTPS: a trusted load balancer has no per-address cap (its connections are many clients')") {
    LiveServer live(8, [](server::ServeOptions& serve) {
        serve.maxConnectionsPerAddress = 2;
        serve.trustedProxies = {"127.0.0.2"};
    });
    std::vector<std::unique_ptr<Peer>> peers;
    for (int i = 0; i < 4; ++i) {
        peers.push_back(std::make_unique<Peer>("127.0.0.2", live.port));
        REQUIRE(peers.back()->connected);
        CHECK(peers.back()->handshake());
    }
    // Any other address keeps its cap.
    Peer first("127.0.0.3", live.port);
    Peer second("127.0.0.3", live.port);
    REQUIRE((first.connected && second.connected));
    REQUIRE(first.handshake());
    REQUIRE(second.handshake());
    Peer third("127.0.0.3", live.port);
    REQUIRE(third.connected);
    CHECK_FALSE(third.handshake());
}

// The transport's threads all at once: kiosks posting batches and a browser reading dashboard pages and
// posting forms, each through the one request/response adapter, while slow peers trickle their handshakes,
// heads and bodies (cut by the watchdog) and one address goes over its cap. Bounded (about 4 s) and on
// 127.0.0.x only. Also meant for the tsan preset (docs/reliability.md, Sanitizers).
TEST_CASE("over HTTPS: kiosks, dashboard readers, slow peers and the watchdog at once") {
    LiveServer live(32, [](server::ServeOptions& serve) {
        serve.headDeadline = std::chrono::milliseconds(500);
        serve.requestDeadline = std::chrono::milliseconds(2000);
        serve.keepAliveTimeout = std::chrono::seconds(1);
        serve.maxConnectionsPerAddress = 8;
    }, true);
    constexpr int kKiosks = 4;
    constexpr int kReaders = 2;
    constexpr int kSlowPeers = 12;  // from 127.0.0.2, over its cap of 8
    std::vector<Enrolled> devices;
    for (int i = 0; i < kKiosks; ++i) devices.push_back(live.central.enrol());
    const auto until = Clock::now() + std::chrono::seconds(4);
    std::mutex mutex;
    std::vector<std::string> problems;  // what a worker saw that it should not have
    std::set<std::string> accepted;     // ids the server answered "accepted"
    const auto problem = [&](std::string what) {
        const std::lock_guard lock(mutex);
        problems.push_back(std::move(what));
    };

    std::vector<std::thread> workers;
    for (int k = 0; k < kKiosks; ++k) {
        workers.emplace_back([&, k] {
            auto client = live.client();
            while (Clock::now() < until) {
                const auto items = freshItems(live.central, 2);
                const std::string body = server::gzipCompress(Central::batchBody(items));
                const auto result = client->Post("/api/v1/batches", {{"Authorization", devices[static_cast<std::size_t>(k)].bearer()}, {"Content-Encoding", "gzip"}},
                                                 body, "application/json");
                if (!result) {
                    problem("a batch got no reply: " + httplib::to_string(result.error()));
                } else if (result->status == 200) {
                    const json reply = json::parse(result->body);
                    const std::lock_guard lock(mutex);
                    for (const auto& item : reply.at("results")) {
                        if (item.at("status") == "accepted") accepted.insert(item.at("id").get<std::string>());
                    }
                } else if (result->status != 503) {
                    problem("a batch got " + std::to_string(result->status));
                }
            }
        });
    }
    for (int r = 0; r < kReaders; ++r) {
        workers.emplace_back([&] {
            auto client = live.client();
            const httplib::Headers sameOrigin = {{"Sec-Fetch-Site", "same-origin"}};
            while (Clock::now() < until) {
                const auto css = client->Get("/static/dashboard.css");
                const auto page = client->Get("/login");
                const auto refused = client->Post("/login", sameOrigin, "user=nobody&password=wrong+password", "application/x-www-form-urlencoded");
                const auto tooLarge = client->Post("/login", sameOrigin, std::string(64 * 1024, 'a'), "application/x-www-form-urlencoded");
                if (!css || css->status != 200 || !page || page->status != 200) problem("a dashboard page was not served");
                if (!refused || (refused->status != 403 && refused->status != 429)) problem("a wrong login was not refused");
                if (!tooLarge || tooLarge->status != 413) problem("an oversized form was not refused with 413");
            }
        });
    }
    std::atomic<int> cut{0};      // slow connections the server closed (at their deadline, or over the cap)
    std::atomic<int> refused{0};  // handshakes refused over the address's cap
    for (int p = 0; p < kSlowPeers; ++p) {
        workers.emplace_back([&, p] {
            while (Clock::now() < until) {
                Peer peer("127.0.0.2", live.port);
                if (!peer.connected) continue;
                const auto since = Clock::now();
                std::optional<std::chrono::milliseconds> lived;
                if (p % 3 == 0) {  // a handshake that never ends
                    lived = peer.trickle(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(500, 'x'), since,
                                         std::chrono::seconds(5));
                } else if (!peer.handshake()) {
                    ++refused;
                    continue;
                } else if (p % 3 == 1) {  // a head that never ends
                    lived = peer.trickle(headOf("GET", "/healthz", std::string(200, ' ')), since, std::chrono::seconds(5));
                } else if (peer.send(headOf("POST", "/api/v1/enroll", "Content-Type: application/json\r\nContent-Length: 500\r\n") + "{")) {
                    lived = peer.trickle(std::string(499, ' '), since, std::chrono::seconds(5));  // a body that never ends
                }
                if (lived) ++cut;
            }
        });
    }
    for (auto& worker : workers) worker.join();

    std::string seen;
    for (const auto& what : problems) seen += what + "\n";
    CHECK_MESSAGE(problems.empty(), seen);
    CHECK(accepted.size() >= static_cast<std::size_t>(kKiosks));
    CHECK(live.central.count("responses") >= static_cast<std::int64_t>(accepted.size()));
    CHECK(cut >= kSlowPeers);
    CHECK(refused >= 1);
    // The counts come in one line a minute; the first one is written at the first cut.
    for (int i = 0; i < 100 && live.logLines("connections_cut").empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(live.logLines("connections_cut").size() == 1);
    CHECK(live.logLines("\"path\":\"/login\",\"status\":413").size() >= 1);
    CHECK(live.client()->Get("/healthz")->status == 200);
}

}  // TEST_SUITE
