#pragma once
// The dashboard as a function of plain requests, for the suites that test it: a store with units and a
// published survey (test_server_fixture.hpp), an administrator "anna", and helpers to sign in and post forms.
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace svarboks::test {

using server::HttpRequest;
using server::HttpResponse;

inline constexpr const char* kPassword = "correct horse battery";
inline constexpr const char* kSessionCookie = "__Host-svarboks_session";

inline server::DashboardOptions fastOptions() {
    server::DashboardOptions options;
    options.accounts.cost = server::PasswordCost::Minimum;
    options.accounts.loginAttemptsPerMinute = 1000;  // the throttle has its own case
    return options;
}

// The value of a cookie set by a response ("" when it sets none).
inline std::string setCookie(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
        if (key != "Set-Cookie" || value.rfind(name + "=", 0) != 0) continue;
        return value.substr(name.size() + 1, value.find(';') - name.size() - 1);
    }
    return "";
}

// The CSRF token a page's forms carry.
inline std::string csrfOf(const std::string& html) {
    const std::string marker = "name=\"csrf\" value=\"";
    const auto at = html.find(marker);
    if (at == std::string::npos) return "";
    const auto start = at + marker.size();
    return html.substr(start, html.find('"', start) - start);
}

struct Board {
    explicit Board(server::DashboardOptions options = fastOptions()) {
        auto hash = server::hashPassword(kPassword, server::PasswordCost::Minimum);
        REQUIRE(hash.ok());
        REQUIRE(central.store->addUser({"anna", *hash, "2026-11-23", 0, 0, "administrator", {}}).ok());
        make(std::move(options));
    }
    void make(server::DashboardOptions options) {
        dashboard = std::make_unique<server::Dashboard>(*central.store, std::move(options), central.fakeClock.clock(),
                                                        [this](std::chrono::milliseconds wait) { waits.push_back(wait); });
    }

    static HttpRequest request(const std::string& method, const std::string& path, const std::string& query = "") {
        HttpRequest request;
        request.method = method;
        request.path = path;
        request.query = server::parseUrlEncoded(query);
        request.setHeader("Host", "127.0.0.1:8443");
        request.clientAddress = "192.0.2.7";
        return request;
    }
    /// A POST of an urlencoded form, as a browser sends it.
    static HttpRequest formPost(const std::string& path, const std::string& form) {
        auto request = HttpRequest::make("POST", path, form);
        request.setHeader("Host", "127.0.0.1:8443");
        request.setHeader("Content-Type", "application/x-www-form-urlencoded");
        request.clientAddress = "192.0.2.7";
        return request;
    }
    HttpResponse get(const std::string& path, const std::string& query = "", const std::string& session = "") {
        auto r = request("GET", path, query);
        if (!session.empty()) r.setHeader("Cookie", std::string(kSessionCookie) + "=" + session);
        return dashboard->handle(r);
    }
    HttpResponse post(const std::string& path, const std::string& form, const std::string& session = "",
                      const std::string& fetchSite = "same-origin") {
        auto r = formPost(path, form);
        r.setHeader("Sec-Fetch-Site", fetchSite);
        if (!session.empty()) r.setHeader("Cookie", std::string(kSessionCookie) + "=" + session);
        return dashboard->handle(r);
    }
    HttpResponse login(const std::string& user, const std::string& password) {
        return post("/login", "user=" + server::urlEncode(user) + "&password=" + server::urlEncode(password));
    }
    std::string signIn() {
        const auto response = login("anna", kPassword);
        REQUIRE(response.status == 303);
        const std::string token = setCookie(response, kSessionCookie);
        REQUIRE(!token.empty());
        return token;
    }
    // An account with a role ("administrator", "analyst", "unit-leader") and a unit leader's scope
    // ("unit:ID", "group:NAME"); signIn(name) gives its session.
    void addUser(const std::string& name, const std::string& role, const std::vector<std::string>& scope = {}) {
        auto hash = server::hashPassword(kPassword, server::PasswordCost::Minimum);
        REQUIRE(hash.ok());
        REQUIRE(central.store->addUser({name, *hash, "2026-11-23", 0, 0, "administrator", {}}).ok());
        REQUIRE(central.store->setUserRole(name, role, scope).ok());
    }
    std::string signInAs(const std::string& name) {
        const auto response = login(name, kPassword);
        REQUIRE(response.status == 303);
        const std::string token = setCookie(response, kSessionCookie);
        REQUIRE(!token.empty());
        return token;
    }
    void addUnit(const std::string& id, const std::string& name, const std::string& group = "") {
        REQUIRE(central.store->addUnit({id, name, group}).ok());
    }
    // Adds a round and releases it at once: early, as the fake clock's week (2026-W48) may lie inside it.
    void release(const std::string& id = "2026-h2", const std::string& from = "2026-W40", const std::string& to = "2026-W52") {
        REQUIRE(server::addRound(*central.store, {id, from, to, ""}).ok());
        auto released = server::releaseRound(*central.store, id, central.fakeClock.now(), true);
        REQUIRE_MESSAGE(released.ok(), (released.ok() ? "" : released.error().message));
    }
    // Stores `count` pulse responses for a unit, as ingest would (with their tallies).
    void respond(const std::string& unit, int count, const std::string& period = "2026-W47") {
        for (int i = 0; i < count; ++i) {
            const json answers = validPulseAnswers();
            server::IncomingItem item;
            item.id = shared::newUuidV4();
            item.sealed = item.id;
            item.sealedSha256 = shared::sha256Hex(item.id);
            item.response = server::StoredResponse{item.id, unit, "pulse", central.pulse.version, period, "da", answers.dump(), ""};
            item.tallies = server::responseTallies(central.pulse, answers);
            auto stored = central.store->storeItems(std::vector<server::IncomingItem>{item}, period);
            REQUIRE(stored.ok());
        }
    }

    Central central;
    std::vector<std::chrono::milliseconds> waits;
    std::unique_ptr<server::Dashboard> dashboard;
};

}  // namespace svarboks::test
