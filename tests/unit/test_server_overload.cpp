// The central endpoint with more kiosks than it serves at once (issue #6, the 500-kiosk load test): batches
// stored together still get their own results, batches beyond the waiting bound are told to come back
// (503 with Retry-After) instead of queueing towards the kiosk's timeouts, kept-alive connections make way
// for queued ones, and a "come back later" reply closes its connection.
#include "svarboks/server/body.hpp"
#include "svarboks/server/http_server.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <signal.h>

#include <atomic>
#include <future>
#include <map>
#include <set>
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
    explicit LiveServer(std::size_t threads) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, nullptr);
        server::ServeOptions serve;
        serve.port = 0;
        serve.certFile = central.data.tlsCert();
        serve.keyFile = central.data.tlsKey();
        serve.threads = threads;
        serve.keepAliveMaxCount = 1'000'000;  // so that only making way ends a kept-alive connection
        auto created = server::HttpServer::create(*central.api, serve, nullptr);
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

    Central central;
    int port = 0;

private:
    std::unique_ptr<server::HttpServer> m_server;
    std::thread m_thread;
};

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

}  // TEST_SUITE
