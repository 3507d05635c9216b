// The central endpoint over real HTTPS on 127.0.0.1: the in-process HttpServer driven by httplib's
// SSLClient (verifying the certificate made by init), and the svarboks-central binary stopped with
// SIGTERM while kiosks send batches (every batch is then stored whole or not at all).
#include "svarboks/server/body.hpp"
#include "svarboks/server/http_server.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::Enrolled;
using nlohmann::json;

namespace {

void ignoreSigpipe() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);
}

std::unique_ptr<httplib::SSLClient> clientFor(const std::string& host, int port, const std::filesystem::path& ca) {
    auto client = std::make_unique<httplib::SSLClient>(host, port);
    client->set_ca_cert_path(ca.string());
    client->enable_server_certificate_verification(true);
    client->set_keep_alive(true);
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(30, 0);
    client->set_write_timeout(30, 0);
    return client;
}

class LiveServer {
public:
    explicit LiveServer(server::ApiOptions options = Central::lenientOptions(), std::vector<std::string> trustedProxies = {}) : central(options) {
        ignoreSigpipe();
        server::ServeOptions serve;
        serve.host = "127.0.0.1";
        serve.port = 0;
        serve.certFile = central.data.tlsCert();
        serve.keyFile = central.data.tlsKey();
        serve.threads = 8;
        serve.trustedProxies = std::move(trustedProxies);
        auto created = server::HttpServer::create(*central.api, serve, [this](const std::string& line) {
            const std::lock_guard lock(m_logMutex);
            m_log.push_back(line);
        });
        REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
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

    [[nodiscard]] std::unique_ptr<httplib::SSLClient> client(const std::string& host = "127.0.0.1") const {
        return clientFor(host, port, central.data.tlsCert());
    }
    /// The log so far; waits up to a second for `atLeast` lines (a line is written after its response).
    [[nodiscard]] std::vector<std::string> log(std::size_t atLeast = 0) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        for (;;) {
            {
                const std::lock_guard lock(m_logMutex);
                if (m_log.size() >= atLeast || std::chrono::steady_clock::now() > deadline) return m_log;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    Central central;
    int port = 0;

private:
    std::unique_ptr<server::HttpServer> m_server;
    std::thread m_thread;
    std::mutex m_logMutex;
    std::vector<std::string> m_log;
};

httplib::Headers bearer(const Enrolled& device) { return {{"Authorization", device.bearer()}}; }

int statusOf(const httplib::Result& result) { return result ? result->status : -1; }

}  // namespace

TEST_SUITE("server https") {

TEST_CASE("over HTTPS: every status of PROTOCOL.md") {
    server::ApiOptions options;  // the real enrolment limit: 10 a minute per address
    LiveServer live(options);
    auto cli = live.client();

    auto health = cli->Get("/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(health->body == "ok");
    CHECK(health->get_header_value("Strict-Transport-Security") == "max-age=31536000");
    // The kiosk's doctor compares its clock with this (RFC 9110's IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT").
    const std::string date = health->get_header_value("Date");
    std::tm parsed{};
    const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed);
    REQUIRE_MESSAGE((end != nullptr && *end == '\0'), "Date: " << date);
    CHECK(std::abs(static_cast<long long>(timegm(&parsed) - std::time(nullptr))) < 5);

    // enrolment: 200, same again, 403, 400
    const std::string code = live.central.makeCode("solhoj");
    const std::string requestId = shared::newUuidV4();
    auto enrolled = cli->Post("/api/v1/enroll", Central::enrollBody(code, requestId), "application/json");
    REQUIRE(statusOf(enrolled) == 200);
    const auto reply = json::parse(enrolled->body);
    const Enrolled device{reply["device_id"], reply["device_token"]};
    CHECK(cli->Post("/api/v1/enroll", Central::enrollBody(code, requestId), "application/json")->body == enrolled->body);
    auto refused = cli->Post("/api/v1/enroll", Central::enrollBody(code, shared::newUuidV4()), "application/json");
    CHECK(statusOf(refused) == 403);
    CHECK(json::parse(refused->body)["error"] == "this enrolment code is unknown, used or expired");
    CHECK(statusOf(cli->Post("/api/v1/enroll", "{", "application/json")) == 400);

    // the survey: 200 with ETag, 304, 401, 404
    auto survey = cli->Get("/api/v1/survey", bearer(device));
    REQUIRE(statusOf(survey) == 200);
    const std::string etag = survey->get_header_value("ETag");
    CHECK(etag == "\"" + live.central.pulse.definitionSha256 + "\"");
    CHECK(json::parse(survey->body)["survey"]["surveyId"] == "pulse");
    auto notModified = cli->Get("/api/v1/survey", {{"Authorization", device.bearer()}, {"If-None-Match", etag}});
    CHECK(statusOf(notModified) == 304);
    CHECK(statusOf(cli->Get("/api/v1/survey")) == 401);

    // batches: 200 with each status, 400, 401, 413
    const std::string id = shared::newUuidV4();
    const std::string body = Central::batchBody({{id, live.central.sealValid()}, {shared::newUuidV4(), "AAAA"}});
    auto first = cli->Post("/api/v1/batches", bearer(device), body, "application/json");
    REQUIRE(statusOf(first) == 200);
    auto results = json::parse(first->body)["results"];
    CHECK(results[0]["status"] == "accepted");
    CHECK(results[1]["status"] == "rejected");
    auto again = cli->Post("/api/v1/batches", bearer(device), body, "application/json");
    CHECK(json::parse(again->body)["results"][0]["status"] == "duplicate");
    CHECK(statusOf(cli->Post("/api/v1/batches", bearer(device), R"({"protocol":2})", "application/json")) == 400);
    CHECK(statusOf(cli->Post("/api/v1/batches", body, "application/json")) == 401);
    auto huge = cli->Post("/api/v1/batches", bearer(device), std::string(10 * 1024 * 1024, ' '), "application/json");
    CHECK(statusOf(huge) == 413);
    cli = live.client();  // a refused 10 MB upload may end the connection
    auto bomb = cli->Post("/api/v1/batches", {{"Authorization", device.bearer()}, {"Content-Encoding", "gzip"}},
                          server::gzipCompress(std::string(64 * 1024 * 1024, ' ')), "application/json");
    CHECK(statusOf(bomb) == 413);
    json many = json::array();
    for (int i = 0; i < 501; ++i) many.push_back({{"id", shared::newUuidV4()}, {"sealed", "AAAA"}});
    const std::string tooMany = json{{"protocol", 1}, {"batch_id", shared::newUuidV4()}, {"responses", many}}.dump();
    CHECK(statusOf(cli->Post("/api/v1/batches", bearer(device), tooMany, "application/json")) == 413);

    // 404 and 405
    CHECK(statusOf(cli->Get("/api/v1/nothing")) == 404);
    CHECK(statusOf(cli->Get("/api/v1/batches")) == 405);

    // a unit with no survey: 404
    const std::string vestCode = live.central.makeCode("vest");
    auto vest = cli->Post("/api/v1/enroll", Central::enrollBody(vestCode, shared::newUuidV4()), "application/json");
    REQUIRE(statusOf(vest) == 200);
    const Enrolled vestDevice{json::parse(vest->body)["device_id"], json::parse(vest->body)["device_token"]};
    CHECK(statusOf(cli->Get("/api/v1/survey", bearer(vestDevice))) == 404);

    // 429 with Retry-After once the address has used its attempts
    int limited = 0;
    std::string retryAfter;
    for (int i = 0; i < 12 && limited != 429; ++i) {
        auto attempt = cli->Post("/api/v1/enroll", Central::enrollBody("0000-0000-0000", shared::newUuidV4()), "application/json");
        limited = statusOf(attempt);
        if (attempt) retryAfter = attempt->get_header_value("Retry-After");
    }
    REQUIRE(limited == 429);
    CHECK(std::stoi(retryAfter) >= 1);

    // revoked: 401 on the next request
    REQUIRE(live.central.store->revokeDevice(device.deviceId).ok());
    CHECK(statusOf(cli->Post("/api/v1/batches", bearer(device), body, "application/json")) == 401);

    // 503 while draining
    live.central.api->setDraining(true);
    auto draining = cli->Get("/healthz");
    CHECK(statusOf(draining) == 503);
    CHECK(draining->get_header_value("Retry-After") != "");
    CHECK(live.central.count("responses") == 1);
}

TEST_CASE("over HTTPS: gzip bodies, as the kiosk sends them and as httplib compresses them") {
    LiveServer live;
    const Enrolled device = live.central.enrol();
    auto cli = live.client();
    const std::string body = Central::batchBody({{shared::newUuidV4(), live.central.sealValid()}});
    auto gz = cli->Post("/api/v1/batches", {{"Authorization", device.bearer()}, {"Content-Encoding", "gzip"}}, server::gzipCompress(body), "application/json");
    REQUIRE(statusOf(gz) == 200);
    CHECK(json::parse(gz->body)["results"][0]["status"] == "accepted");

    auto compressing = live.client();
    compressing->set_compress(true);
    auto auto_gz = compressing->Post("/api/v1/batches", bearer(device), Central::batchBody({{shared::newUuidV4(), live.central.sealValid()}}), "application/json");
    REQUIRE(statusOf(auto_gz) == 200);
    CHECK(json::parse(auto_gz->body)["results"][0]["status"] == "accepted");

    const std::string cut = server::gzipCompress(body);
    auto truncated = cli->Post("/api/v1/batches", {{"Authorization", device.bearer()}, {"Content-Encoding", "gzip"}},
                               cut.substr(0, cut.size() - 4), "application/json");
    CHECK(statusOf(truncated) == 400);
    CHECK(json::parse(truncated->body)["error"].get<std::string>().find("truncated") != std::string::npos);
    CHECK(live.central.count("responses") == 2);
}

TEST_CASE("over HTTPS: a kept-alive connection stays in step after a refusal that did not read the body") {
    LiveServer live;
    const Enrolled device = live.central.enrol();
    auto cli = live.client();
    const std::string body = Central::batchBody({{shared::newUuidV4(), live.central.sealValid()}});
    for (int i = 0; i < 5; ++i) {
        CHECK(statusOf(cli->Post("/api/v1/batches", {{"Authorization", "Bearer nope"}}, body, "application/json")) == 401);
        CHECK(statusOf(cli->Get("/healthz")) == 200);
    }
    CHECK(statusOf(cli->Post("/api/v1/batches", bearer(device), body, "application/json")) == 200);
    for (const auto& line : live.log(11)) CHECK(json::parse(line)["path"] != "other");

    // a body refused half-way by the server's own cap (enrolment bodies are small)
    for (int i = 0; i < 3; ++i) {
        CHECK(statusOf(cli->Post("/api/v1/enroll", std::string(100 * 1024, ' '), "application/json")) == 413);
        const int health = statusOf(cli->Get("/healthz"));
        CHECK(health == 200);
        if (health != 200) for (const auto& line : live.log()) MESSAGE(line);
    }
    for (const auto& line : live.log(17)) CHECK(json::parse(line)["path"] != "other");
}

TEST_CASE("over HTTPS: chunked uploads are capped like the others") {
    LiveServer live;
    const Enrolled device = live.central.enrol();
    const auto chunked = [](std::string body) {
        return [body = std::move(body), sent = std::size_t{0}](std::size_t, httplib::DataSink& sink) mutable {
            if (sent >= body.size()) {
                sink.done();
                return true;
            }
            const std::size_t n = std::min<std::size_t>(16 * 1024, body.size() - sent);
            const bool ok = sink.write(body.data() + sent, n);
            sent += n;
            return ok;
        };
    };
    auto cli = live.client();
    auto small = cli->Post("/api/v1/batches", bearer(device), chunked(Central::batchBody({{shared::newUuidV4(), live.central.sealValid()}})),
                           "application/json");
    REQUIRE(statusOf(small) == 200);
    CHECK(json::parse(small->body)["results"][0]["status"] == "accepted");

    auto huge = live.client()->Post("/api/v1/batches", bearer(device), chunked(std::string(12 * 1024 * 1024, ' ')), "application/json");
    if (huge) CHECK(huge->status == 413);  // or the connection ends first: either way nothing is kept
    CHECK(statusOf(live.client()->Get("/healthz")) == 200);
    CHECK(live.central.count("responses") == 1);
}

TEST_CASE("stop() works in every state: before run(), during it, twice") {
    Central central;
    server::ServeOptions serve;
    serve.port = 0;
    serve.certFile = central.data.tlsCert();
    serve.keyFile = central.data.tlsKey();
    auto early = server::HttpServer::create(*central.api, serve, {});
    REQUIRE(early.ok());
    REQUIRE((*early)->bind().ok());
    (*early)->stop();  // a SIGTERM right after binding
    const auto started = std::chrono::steady_clock::now();
    CHECK((*early)->run().ok());
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    (*early)->stop();

    auto running = server::HttpServer::create(*central.api, serve, {});
    REQUIRE(running.ok());
    auto port = (*running)->bind();
    REQUIRE(port.ok());
    std::thread thread([&] { CHECK((*running)->run().ok()); });
    auto cli = clientFor("127.0.0.1", *port, central.data.tlsCert());
    CHECK(statusOf(cli->Get("/healthz")) == 200);
    (*running)->stop();
    thread.join();
    CHECK_FALSE(clientFor("127.0.0.1", *port, central.data.tlsCert())->Get("/healthz"));
}

TEST_CASE("over HTTPS: the certificate is verified, by IP address and by name") {
    LiveServer live;
    CHECK(statusOf(live.client("127.0.0.1")->Get("/healthz")) == 200);
    CHECK(statusOf(live.client("localhost")->Get("/healthz")) == 200);

    test::ServerTempDir other;
    server::DataDir otherData{other.path() / "c"};
    REQUIRE(server::initDataDir(otherData, {}).ok());
    auto wrongCa = clientFor("127.0.0.1", live.port, otherData.tlsCert());
    CHECK_FALSE(wrongCa->Get("/healthz"));
}

TEST_CASE("over HTTPS: one JSON log line per request, without tokens, addresses, ids, answers or batch sizes") {
    LiveServer live;
    const Enrolled device = live.central.enrol();
    auto cli = live.client();
    const std::string batchId = shared::newUuidV4();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 3; ++i) items.push_back({shared::newUuidV4(), live.central.sealValid()});
    items.push_back({shared::newUuidV4(), "AAAA"});
    REQUIRE(statusOf(cli->Post("/api/v1/batches", bearer(device), Central::batchBody(items, batchId), "application/json")) == 200);
    REQUIRE(statusOf(cli->Get("/api/v1/survey", bearer(device))) == 200);
    REQUIRE(statusOf(cli->Get("/some/secret/path?token=" + device.token)) == 404);

    const auto lines = live.log(3);
    REQUIRE(lines.size() == 3);
    const auto batch = json::parse(lines[0]);
    CHECK(batch["method"] == "POST");
    CHECK(batch["path"] == "/api/v1/batches");
    CHECK(batch["status"] == 200);
    CHECK(batch["duration_ms"].is_number());
    // A batch's size or its counts would tell that one person has just answered ("accepted": 1).
    CHECK(batch.size() == 4);
    for (const char* key : {"batch_size", "accepted", "duplicate", "rejected"}) CHECK_FALSE(batch.contains(key));
    CHECK(json::parse(lines[1])["path"] == "/api/v1/survey");
    CHECK(json::parse(lines[2])["path"] == "other");
    for (const auto& line : lines) {
        CAPTURE(line);
        CHECK(line.find(device.token) == std::string::npos);
        CHECK(line.find(device.deviceId) == std::string::npos);
        CHECK(line.find(batchId) == std::string::npos);
        CHECK(line.find("127.0.0.1") == std::string::npos);
        CHECK(line.find("secret") == std::string::npos);
        for (const auto& item : items) CHECK(line.find(item.id) == std::string::npos);
        CHECK(line.find("used_tools") == std::string::npos);
    }
}

TEST_CASE("over HTTPS: concurrent kiosks, each response stored once") {
    LiveServer live;
    constexpr int kKiosks = 6;
    constexpr int kBatches = 5;
    constexpr int kPerBatch = 40;
    std::vector<Enrolled> devices;
    for (int k = 0; k < kKiosks; ++k) devices.push_back(live.central.enrol());
    std::atomic<int> failures{0};
    std::vector<std::thread> kiosks;
    for (int k = 0; k < kKiosks; ++k) {
        kiosks.emplace_back([&, k] {
            auto cli = live.client();
            for (int b = 0; b < kBatches; ++b) {
                std::vector<shared::BatchItem> items;
                for (int i = 0; i < kPerBatch; ++i) items.push_back({shared::newUuidV4(), live.central.sealValid()});
                const std::string body = server::gzipCompress(Central::batchBody(items));
                for (int attempt = 0; attempt < 2; ++attempt) {
                    auto result = cli->Post("/api/v1/batches", {{"Authorization", devices[static_cast<std::size_t>(k)].bearer()}, {"Content-Encoding", "gzip"}},
                                            body, "application/json");
                    if (!result || result->status != 200) {
                        ++failures;
                        continue;
                    }
                    for (const auto& r : json::parse(result->body)["results"].get<std::vector<json>>()) {
                        if (r["status"] != (attempt == 0 ? "accepted" : "duplicate")) ++failures;
                    }
                }
            }
        });
    }
    for (auto& kiosk : kiosks) kiosk.join();
    CHECK(failures == 0);
    CHECK(live.central.count("responses") == kKiosks * kBatches * kPerBatch);
}

// ---- the real binary ----

namespace {

class CentralProcess {
public:
    explicit CentralProcess(const std::filesystem::path& data) {
        int out[2];
        REQUIRE(::pipe(out) == 0);
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            ::dup2(out[1], STDOUT_FILENO);
            ::close(out[0]);
            ::close(out[1]);
            ::execl(SVARBOKS_CENTRAL_BINARY, SVARBOKS_CENTRAL_BINARY, "serve", "--data", data.c_str(), "--listen", "127.0.0.1:0", "--threads", "8",
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        m_out = ::fdopen(out[0], "r");
        // The first line says where it listens.
        const std::string first = readLine();
        const auto line = json::parse(first, nullptr, false);
        REQUIRE_MESSAGE(line.is_object(), first);
        REQUIRE(line["event"] == "listening");
        const std::string address = line["address"];
        port = std::stoi(address.substr(address.rfind(':') + 1));
    }
    CentralProcess(const CentralProcess&) = delete;
    CentralProcess& operator=(const CentralProcess&) = delete;
    ~CentralProcess() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
        if (m_out != nullptr) ::fclose(m_out);
    }

    std::string readLine() {
        std::string line;
        for (int c = std::fgetc(m_out); c != EOF && c != '\n'; c = std::fgetc(m_out)) line += static_cast<char>(c);
        return line;
    }

    void signal(int sig) const { ::kill(m_pid, sig); }

    /// Waits up to `timeout` for the process to exit; its exit status, or -1 when it did not.
    int wait(std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }

    std::vector<std::string> rest() {
        std::vector<std::string> lines;
        for (std::string line = readLine(); !line.empty(); line = readLine()) lines.push_back(line);
        return lines;
    }

    int port = 0;

private:
    pid_t m_pid = -1;
    FILE* m_out = nullptr;
};

struct SentBatch {
    std::vector<std::string> ids;
    bool acknowledged = false;
};

}  // namespace

TEST_CASE("SIGTERM during load: batches in flight finish, and every batch is stored whole or not at all") {
    ignoreSigpipe();
    Central central;
    std::vector<Enrolled> devices;
    for (int k = 0; k < 4; ++k) devices.push_back(central.enrol());
    CentralProcess process(central.data.root);

    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::mutex sentMutex;
    std::vector<SentBatch> sent;
    std::vector<std::thread> kiosks;
    for (const auto& device : devices) {
        kiosks.emplace_back([&, device] {
            auto cli = clientFor("127.0.0.1", process.port, central.data.tlsCert());
            cli->set_read_timeout(60, 0);
            int refusals = 0;
            while (!stop && refusals < 3) {
                SentBatch batch;
                std::vector<shared::BatchItem> items;
                for (int i = 0; i < 100; ++i) {
                    items.push_back({shared::newUuidV4(), central.sealValid()});
                    batch.ids.push_back(items.back().id);
                }
                auto result = cli->Post("/api/v1/batches", {{"Authorization", device.bearer()}, {"Content-Encoding", "gzip"}},
                                        server::gzipCompress(Central::batchBody(items)), "application/json");
                if (result && result->status == 200) {
                    batch.acknowledged = json::parse(result->body)["results"].size() == items.size();
                    ++acknowledged;
                } else {
                    ++refusals;  // the server is going away: like a kiosk, keep the batch and stop for now
                }
                const std::lock_guard lock(sentMutex);
                sent.push_back(std::move(batch));
            }
        });
    }
    const auto started = std::chrono::steady_clock::now();
    while (acknowledged < 8 && std::chrono::steady_clock::now() - started < std::chrono::seconds(20)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(acknowledged >= 8);
    process.signal(SIGTERM);
    const int exitCode = process.wait(std::chrono::seconds(30));
    stop = true;
    for (auto& kiosk : kiosks) kiosk.join();
    CHECK(exitCode == 0);
    const auto lines = process.rest();
    REQUIRE_FALSE(lines.empty());
    CHECK(json::parse(lines.back())["event"] == "stopped");

    if (!test::onPostgres()) {  // SQLite's own check of its file (the binary used the fixture's database on PostgreSQL)
        auto integrity = central.sqlite().integrityCheck();
        REQUIRE(integrity.ok());
        CHECK(*integrity == "ok");
    }
    std::set<std::string> stored;
    central.query("SELECT id FROM responses", [&](sqlite3_stmt* row) { stored.insert(Central::text(row, 0)); });
    std::size_t expected = 0;
    int partial = 0;
    int unacknowledgedStored = 0;
    for (const auto& batch : sent) {
        const auto present = static_cast<std::size_t>(std::count_if(batch.ids.begin(), batch.ids.end(), [&](const std::string& id) { return stored.count(id) > 0; }));
        if (batch.acknowledged) CHECK(present == batch.ids.size());
        if (present != 0 && present != batch.ids.size()) ++partial;
        if (!batch.acknowledged && present == batch.ids.size()) ++unacknowledgedStored;
        expected += present;
    }
    CHECK(partial == 0);
    CHECK(stored.size() == expected);
    MESSAGE("batches acknowledged: " << acknowledged.load() << ", sent: " << sent.size() << ", stored but not acknowledged (resend gives duplicate): "
                                     << unacknowledgedStored);
}

TEST_CASE("over HTTPS: X-Forwarded-For names the client only when a trusted proxy sends it") {
    const auto enrolStatus = [](LiveServer& live, const std::string& forwardedFor) {
        auto cli = live.client();
        httplib::Headers headers;
        if (!forwardedFor.empty()) headers.emplace("X-Forwarded-For", forwardedFor);
        return statusOf(cli->Post("/api/v1/enroll", headers, Central::enrollBody("K7QM-3XHD-9PAB", shared::newUuidV4()), "application/json"));
    };
    server::ApiOptions options;
    options.enrolAttemptsPerMinute = 3;

    SUBCASE("from a peer that is not trusted, the header is ignored: a client cannot choose its own rate-limit key") {
        LiveServer live(options);
        for (int i = 0; i < 3; ++i) CHECK(enrolStatus(live, "203.0.113." + std::to_string(i)) == 403);
        CHECK(enrolStatus(live, "203.0.113.99") == 429);
    }
    SUBCASE("behind a trusted load balancer, each client is counted by the last entry, the one the balancer added") {
        LiveServer live(options, {"127.0.0.1"});
        for (int i = 0; i < 3; ++i) CHECK(enrolStatus(live, "198.51.100.1, 203.0.113.7") == 403);
        CHECK(enrolStatus(live, "203.0.113.7") == 429);
        // What the client wrote before the balancer's entry does not help it.
        CHECK(enrolStatus(live, "192.0.2.1, 203.0.113.7") == 429);
        // Another client behind the same balancer has its own limit.
        CHECK(enrolStatus(live, "203.0.113.8") == 403);
    }
}

TEST_CASE("the client address: the last X-Forwarded-For entry from a trusted proxy, else the peer") {
    const std::vector<std::string> trusted{"10.0.0.5", "2001:db8::5"};
    CHECK(server::clientAddressOf("10.0.0.5", {"198.51.100.1, 203.0.113.7"}, trusted) == "203.0.113.7");
    CHECK(server::clientAddressOf("10.0.0.5", {"192.0.2.1", "203.0.113.7 "}, trusted) == "203.0.113.7");  // the last field
    CHECK(server::clientAddressOf("::ffff:10.0.0.5", {"203.0.113.7"}, trusted) == "203.0.113.7");
    CHECK(server::clientAddressOf("2001:db8:0:0::5", {"2001:db8:1::9"}, trusted) == "2001:db8:1::9");
    CHECK(server::clientAddressOf("10.0.0.6", {"203.0.113.7"}, trusted) == "10.0.0.6");  // not trusted
    CHECK(server::clientAddressOf("10.0.0.5", {}, trusted) == "10.0.0.5");
    CHECK(server::clientAddressOf("10.0.0.5", {"203.0.113.7, not-an-address"}, trusted) == "10.0.0.5");
    CHECK(server::clientAddressOf("10.0.0.5", {"203.0.113.7"}, {}) == "10.0.0.5");
    CHECK(server::canonicalAddress("::ffff:192.0.2.1") == std::optional<std::string>("192.0.2.1"));
    CHECK(server::canonicalAddress("2001:DB8:0::1") == std::optional<std::string>("2001:db8::1"));
    CHECK_FALSE(server::canonicalAddress("lb.example").has_value());
    CHECK_FALSE(server::canonicalAddress("10.0.0.5:443").has_value());
}

}  // TEST_SUITE
