#pragma once
// A central endpoint in a temp folder for the server suites: store, keys and certificate made by the
// server's own init, a fake clock, units, published surveys, enrolled devices and sealed responses.
#include "svarboks/server/api.hpp"
#include "svarboks/server/data_dir.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "test_database.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace svarboks::test {

namespace fs = std::filesystem;
using nlohmann::json;

class ServerTempDir {
public:
    ServerTempDir() : m_path(fs::temp_directory_path() / ("svarboks-server-test-" + shared::toBase64Url(shared::randomBytes(9)))) {}
    ServerTempDir(const ServerTempDir&) = delete;
    ServerTempDir& operator=(const ServerTempDir&) = delete;
    ~ServerTempDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    [[nodiscard]] const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

/// A clock the test moves by hand. Starts on Monday 2026-11-23 12:00 UTC.
class FakeClock {
public:
    [[nodiscard]] server::Clock clock() {
        return [this] { return server::TimePoint(std::chrono::seconds(m_seconds.load())); };
    }
    void advance(std::chrono::seconds by) { m_seconds += by.count(); }
    [[nodiscard]] server::TimePoint now() const { return server::TimePoint(std::chrono::seconds(m_seconds.load())); }

private:
    std::atomic<std::int64_t> m_seconds{1'795'435'200};
};

/// True for "XXXX-XXXX-XXXX" in Crockford base32 (no I, L, O, U).
inline bool isEnrolmentCodeShape(const std::string& code) {
    static const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    if (code.size() != 14) return false;
    for (std::size_t i = 0; i < code.size(); ++i) {
        if (i == 4 || i == 9) {
            if (code[i] != '-') return false;
        } else if (alphabet.find(code[i]) == std::string::npos) {
            return false;
        }
    }
    return true;
}

/// The whitespace-separated words of the line of `text` that contains `needle` (empty when none does).
inline std::vector<std::string> wordsOfLineWith(const std::string& text, const std::string& needle) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.find(needle) == std::string::npos) continue;
        std::istringstream in(line);
        std::vector<std::string> words;
        for (std::string word; in >> word;) words.push_back(word);
        return words;
    }
    return {};
}

inline bool isIsoDate(const std::string& text) {
    return text.size() == 10 && text[4] == '-' && text[7] == '-' &&
           std::all_of(text.begin(), text.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); });
}

/// Valid answers to assets/surveys/pulse.json.
inline json validPulseAnswers() { return {{"used_tools", true}, {"finding_ease", 4}, {"problem_solved", 2}, {"help_wanted", {"course"}}}; }

struct Enrolled {
    std::string deviceId;
    std::string token;
    [[nodiscard]] std::string bearer() const { return "Bearer " + token; }
};

class Central {
public:
    explicit Central(server::ApiOptions options = lenientOptions()) {
        auto report = server::initDataDir(data, {});
        REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
        auto loadedKeys = server::loadKeyPair(data);
        REQUIRE(loadedKeys.ok());
        keys = *loadedKeys;
        store = openTestStore(data.store(), database);
        // The svarboks-central commands the cases run (in process, or the binary) take the same database.
        if (database) ::setenv("SVARBOKS_DATABASE", database->url().c_str(), 1);
        api = std::make_unique<server::Api>(*store, keys, options, fakeClock.clock());

        REQUIRE(store->addUnit({"solhoj", "Plejecenter Solhøj", ""}).ok());
        REQUIRE(store->addUnit({"vest", "Hjemmepleje Vest", ""}).ok());
        pulse = publish(pulsePath(), "solhoj");
    }

    Central(const Central&) = delete;
    Central& operator=(const Central&) = delete;
    ~Central() {
        if (database) ::unsetenv("SVARBOKS_DATABASE");
    }

    /// Rate limiting out of the way for suites that enrol many times from one address.
    static server::ApiOptions lenientOptions() {
        server::ApiOptions options;
        options.enrolAttemptsPerMinute = 100000;
        return options;
    }

    /// Publishes a survey file and returns it as loaded.
    shared::Survey publish(const fs::path& file, const std::string& unit) {
        auto loaded = shared::loadSurveyFile(file);
        REQUIRE(loaded.ok());
        const std::string bytes = readFile(file);
        server::PublishedSurvey survey{loaded.survey->id, loaded.survey->version, shared::canonicalDefinition(json::parse(bytes)),
                                       loaded.survey->definitionSha256, loaded.survey->consentSha256, {}};
        REQUIRE(store->publishSurvey(survey, unit).ok());
        return *loaded.survey;
    }

    /// Makes a code for `unit` and enrols a device with it through the API.
    Enrolled enrol(const std::string& unit = "solhoj") {
        const std::string code = makeCode(unit);
        auto response = api->handle(server::HttpRequest::make("POST", "/api/v1/enroll", enrollBody(code, shared::newUuidV4())));
        REQUIRE(response.status == 200);
        const auto body = json::parse(response.body);
        return {body["device_id"].get<std::string>(), body["device_token"].get<std::string>()};
    }

    std::string makeCode(const std::string& unit, std::chrono::seconds lifetime = std::chrono::hours(24 * 7)) {
        const std::string code = server::generateEnrolmentCode();
        REQUIRE(store->addEnrolmentCode(server::enrolmentCodeHash(code), unit, server::unixSeconds(fakeClock.now() + lifetime)).ok());
        return code;
    }

    static std::string enrollBody(const std::string& code, const std::string& requestId) {
        return json{{"code", code}, {"request_id", requestId}}.dump();
    }

    /// A payload for `survey` with its real hashes.
    static shared::ResponsePayload payloadFor(const shared::Survey& survey, json answers) {
        return {survey.id, survey.version, survey.definitionSha256, survey.consentSha256, "2026-W47", "da", std::move(answers)};
    }

    /// base64 of the payload sealed to this server.
    [[nodiscard]] std::string seal(const shared::ResponsePayload& payload) const {
        return shared::toBase64(shared::seal(shared::toJson(payload).dump(), keys.publicKey));
    }
    [[nodiscard]] std::string sealValid() const { return seal(payloadFor(pulse, validPulseAnswers())); }

    static std::string batchBody(const std::vector<shared::BatchItem>& items, const std::string& batchId = shared::newUuidV4()) {
        shared::BatchRequest request;
        request.batchId = batchId;
        request.responses = items;
        return shared::toJson(request).dump();
    }

    server::HttpResponse postBatch(const Enrolled& device, const std::string& body, const std::string& encoding = "") {
        auto request = server::HttpRequest::make("POST", "/api/v1/batches", body, device.bearer());
        request.setHeader("Content-Encoding", encoding);
        return api->handle(request);
    }

    /// A second engine on the same store, as another replica opens it.
    [[nodiscard]] shared::Result<std::unique_ptr<server::Storage>> openAnother() {
        if (database) {
            auto opened = server::PostgresStorage::open(database->url());
            if (!opened) return opened.error();
            return std::unique_ptr<server::Storage>(std::move(*opened));
        }
        auto opened = server::SqliteStorage::open(data.store());
        if (!opened) return opened.error();
        return std::unique_ptr<server::Storage>(std::move(*opened));
    }

    /// The SQLite store, for the cases about SQLite itself (SVARBOKS_SQLITE_ONLY).
    [[nodiscard]] server::SqliteStorage& sqlite() { return dynamic_cast<server::SqliteStorage&>(*store); }

    // ---- what is stored, read straight from the file (or the PostgreSQL database) ----
    std::int64_t count(const std::string& table) {
        std::int64_t n = -1;
        query("SELECT count(*) FROM " + table, [&](sqlite3_stmt* row) { n = sqlite3_column_int64(row, 0); });
        return n;
    }

    void query(const std::string& sql, const std::function<void(sqlite3_stmt*)>& row) {
        if (database) {
            pgQueryAsSqlite(database->url(), sql, row);
            return;
        }
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(data.store().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* stmt = nullptr;
        REQUIRE_MESSAGE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK, sqlite3_errmsg(db));
        while (sqlite3_step(stmt) == SQLITE_ROW) row(stmt);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
    }

    static std::string text(sqlite3_stmt* row, int column) {
        const auto* data = sqlite3_column_text(row, column);
        return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data));
    }

    static fs::path pulsePath() { return pulseSurveyPath(); }

    static std::string readFile(const fs::path& file) {
        std::ifstream in(file, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        return bytes.str();
    }

    ServerTempDir dir;
    server::DataDir data{dir.path() / "central"};
    shared::KeyPair keys;
    std::unique_ptr<TestDatabase> database;  // on PostgreSQL only; outlives the store
    std::unique_ptr<server::Storage> store;
    FakeClock fakeClock;
    std::unique_ptr<server::Api> api;
    shared::Survey pulse;
};

/// A response to the pulse survey of solhoj dated `period`, as ingest would store it, with test id `n`.
inline server::IncomingItem pulseItem(const Central& central, const std::string& period, int n) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    server::IncomingItem item;
    item.id = id;
    item.sealed = id;
    item.sealedSha256 = shared::sha256Hex(std::string(id));
    const json answers = validPulseAnswers();
    item.response = server::StoredResponse{id, "solhoj", central.pulse.id, central.pulse.version, period, "da", answers.dump(), ""};
    item.tallies = server::responseTallies(central.pulse, answers);
    return item;
}

}  // namespace svarboks::test
