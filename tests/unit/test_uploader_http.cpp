// The HTTPS client under the uploader: TLS verification always on, CA file and public-key pinning, proxy from
// the config, timeouts, cancellation, gzip bodies, and no plain http://.
#include "test_uploader_support.hpp"

#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/http_client.hpp"

#include <doctest/doctest.h>
#include <zlib.h>

using namespace svarboks;
using namespace svarboks::test;
using namespace std::chrono_literals;
using Failure = sync::HttpResponse::Failure;

namespace {

sync::HttpClient httpClient(sync::HttpOptions options) {
    auto created = sync::HttpClient::create(std::move(options));
    REQUIRE(created.ok());
    return std::move(created).value();
}

sync::HttpOptions trusting(const TlsFiles& tls = certificate()) {
    sync::HttpOptions options;
    options.caFile = tls.cert.string();
    options.connectTimeout = 2s;
    options.totalTimeout = 5s;
    return options;
}

sync::HttpRequest get(const FakeServer& server, const std::string& path = "/api/v1/survey") {
    sync::HttpRequest request;
    request.url = server.url() + path;
    request.bearerToken = "t0ken";
    return request;
}

std::string gunzip(const std::string& compressed) {
    z_stream stream{};
    REQUIRE(inflateInit2(&stream, 15 + 16) == Z_OK);
    std::string out(1 << 20, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
    stream.avail_in = static_cast<uInt>(compressed.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    inflateEnd(&stream);
    REQUIRE(rc == Z_STREAM_END);
    return out;
}

}  // namespace

TEST_SUITE("uploader http") {
    TEST_CASE("TLS with the right CA file: the request arrives with its headers") {
        FakeServer server;
        server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{200, R"({"ok":true})"}; });
        auto http = httpClient(trusting());
        auto request = get(server);
        request.headers.emplace_back("If-None-Match", "\"v1\"");
        const auto response = http.perform(request);
        REQUIRE(response.ok());
        CHECK(response.status == 200);
        CHECK(response.body == R"({"ok":true})");
        CHECK(response.header("Content-Type") == "application/json");
        const auto received = server.requests();
        REQUIRE(received.size() == 1);
        CHECK(received[0].header("authorization") == "Bearer t0ken");
        CHECK(received[0].header("if-none-match") == "\"v1\"");

        // One reused handle: a second request works the same.
        CHECK(http.perform(get(server)).status == 200);
        CHECK(server.requests().size() == 2);
    }

    TEST_CASE("a wrong CA: verification fails and nothing is sent") {
        FakeServer server;
        auto http = httpClient(trusting(certificate(1)));  // another self-signed certificate
        const auto response = http.perform(get(server));
        CHECK(response.failure == Failure::Tls);
        CHECK(response.error.find("could not be verified") != std::string::npos);
        CHECK(server.requests().empty());
    }

    TEST_CASE("no CA file: the system's CAs do not know a self-signed certificate") {
        FakeServer server;
        sync::HttpOptions options;
        options.connectTimeout = 2s;
        const auto response = httpClient(options).perform(get(server));
        CHECK(response.failure == Failure::Tls);
        CHECK(server.requests().empty());
    }

    TEST_CASE("public-key pinning: the right pin works, another key's pin fails before sending") {
        FakeServer server;
        auto options = trusting();
        options.pinnedPublicKey = certificate().pin;
        CHECK(httpClient(options).perform(get(server)).status == 404);
        CHECK(server.requests().size() == 1);

        options.pinnedPublicKey = certificate(1).pin;
        const auto response = httpClient(options).perform(get(server));
        CHECK(response.failure == Failure::Pin);
        CHECK(response.error.find("pinned_public_key") != std::string::npos);
        CHECK(server.requests().size() == 1);
    }

    TEST_CASE("the proxy from the config is used (CONNECT), and TLS is still verified end to end") {
        FakeServer server;
        ConnectProxy proxy;
        auto options = trusting();
        options.proxy = proxy.url();
        const auto response = httpClient(options).perform(get(server));
        REQUIRE(response.ok());
        CHECK(response.status == 404);
        REQUIRE(proxy.targets().size() == 1);
        CHECK(proxy.targets()[0] == "localhost:" + std::to_string(server.port()));

        auto wrongCa = trusting(certificate(1));
        wrongCa.proxy = proxy.url();
        CHECK(httpClient(wrongCa).perform(get(server)).failure == Failure::Tls);
        CHECK(server.requests().size() == 1);
    }

    TEST_CASE("timeouts: a slow reply ends at the total timeout") {
        FakeServer server;
        server.on("/api/v1/survey", [](const FakeRequest&, int) {
            FakeReply reply{200, "{}"};
            reply.delay = 1500ms;
            return reply;
        });
        auto options = trusting();
        options.totalTimeout = 250ms;
        const auto started = std::chrono::steady_clock::now();
        const auto response = httpClient(options).perform(get(server));
        CHECK(std::chrono::steady_clock::now() - started < 1200ms);
        CHECK(response.failure == Failure::Timeout);
        CHECK(response.error.find("250 ms") != std::string::npos);
    }

    TEST_CASE("a cancel check aborts a transfer within about a second") {
        FakeServer server;
        server.on("/api/v1/survey", [](const FakeRequest&, int) {
            FakeReply reply{200, "{}"};
            reply.delay = 1500ms;
            return reply;
        });
        auto options = trusting();
        const auto started = std::chrono::steady_clock::now();
        options.cancelled = [started] { return std::chrono::steady_clock::now() - started > 200ms; };
        const auto response = httpClient(options).perform(get(server));
        CHECK(response.failure == Failure::Cancelled);
        CHECK(std::chrono::steady_clock::now() - started < 1300ms);
    }

    TEST_CASE("a reply longer than the cap is cut off") {
        FakeServer server;
        server.on("/api/v1/survey", [](const FakeRequest&, int) { return FakeReply{200, std::string(100'000, 'x'), "text/plain"}; });
        auto options = trusting();
        options.maxReplyBytes = 1000;
        CHECK(httpClient(options).perform(get(server)).failure == Failure::TooLarge);
    }

    TEST_CASE("a cut reply is a network failure, not a reply") {
        FakeServer server;
        server.on("/api/v1/survey", [](const FakeRequest&, int) {
            FakeReply reply{200, R"({"batch_id":"x","results":[]})"};
            reply.dropAfterHeaders = true;
            return reply;
        });
        const auto response = httpClient(trusting()).perform(get(server));
        CHECK(response.failure == Failure::Network);
    }

    TEST_CASE("plain http:// is refused before anything is sent") {
        auto http = httpClient(trusting());
        sync::HttpRequest request;
        request.url = "http://127.0.0.1:9/api/v1/survey";
        const auto response = http.perform(request);
        CHECK(response.failure == Failure::Setup);
        CHECK(response.error.find("https://") != std::string::npos);
    }

    TEST_CASE("gzip: the body is sent compressed and inflates to the same bytes") {
        const std::string text = std::string(R"({"protocol":1,"responses":[)") + std::string(5000, 'a') + "]}";
        auto compressed = sync::gzipCompress(text);
        REQUIRE(compressed.ok());
        CHECK(compressed->size() < text.size() / 10);
        CHECK(static_cast<unsigned char>((*compressed)[0]) == 0x1f);
        CHECK(static_cast<unsigned char>((*compressed)[1]) == 0x8b);
        CHECK(gunzip(*compressed) == text);
        auto empty = sync::gzipCompress("");
        REQUIRE(empty.ok());
        CHECK(gunzip(*empty).empty());

        FakeServer server;
        server.on("/api/v1/batches", [](const FakeRequest&, int) { return FakeReply{200, "{}"}; });
        sync::HttpRequest request;
        request.method = "POST";
        request.url = server.url() + "/api/v1/batches";
        request.body = text;
        request.gzipBody = true;
        REQUIRE(httpClient(trusting()).perform(request).status == 200);
        const auto received = server.requests();
        REQUIRE(received.size() == 1);
        CHECK(received[0].header("content-encoding") == "gzip");
        CHECK(received[0].body == text);  // httplib inflated it
    }

    TEST_CASE("joinUrl keeps a path prefix and drops doubled slashes") {
        CHECK(sync::joinUrl("https://a.example", "/api/v1/batches") == "https://a.example/api/v1/batches");
        CHECK(sync::joinUrl("https://a.example/", "/api/v1/batches") == "https://a.example/api/v1/batches");
        CHECK(sync::joinUrl("https://a.example/svarboks/", "/api/v1/survey") == "https://a.example/svarboks/api/v1/survey");
    }
}
