// svarboks-central's commands through runCommand(): init, units, enroll, devices, survey publish/list,
// export, import of an outbox export file, dead letters; and the store's own guarantees.
#include "svarboks/server/admin.hpp"
#include "svarboks/server/import.hpp"
#include "svarboks/server/tls.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

using namespace svarboks;
using svarboks::test::Central;
using svarboks::test::Enrolled;
using nlohmann::json;

namespace {

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

Run run(std::vector<std::string> args) {
    std::ostringstream out;
    std::ostringstream err;
    Run result;
    result.code = server::runCommand(args, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
}

unsigned modeOf(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return static_cast<unsigned>(info.st_mode) & 0777U;
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string exportFile(const std::string& deviceId, const std::vector<shared::BatchItem>& items, std::optional<std::int64_t> count = std::nullopt) {
    std::string text = json{{"format", "svarboks-outbox-export"}, {"version", 1}, {"count", count.value_or(static_cast<std::int64_t>(items.size()))},
                            {"device_id", deviceId}, {"unit", "Plejecenter Solhøj"}}
                           .dump() +
                       "\n";
    for (const auto& item : items) text += json{{"id", item.id}, {"sealed", item.sealed}, {"state", "pending"}}.dump() + "\n";
    return text;
}

}  // namespace

TEST_SUITE("server cli") {

TEST_CASE("init makes the store, a private key pair and a certificate, and refuses to do it twice") {
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    const Run first = run({"init", "--data", data});
    REQUIRE_MESSAGE(first.code == 0, first.err);
    const server::DataDir paths{data};
    CHECK(modeOf(paths.secretKey()) == 0600);
    CHECK(modeOf(paths.tlsKey()) == 0600);
    CHECK(modeOf(paths.root) == 0700);
    auto keys = server::loadKeyPair(paths);
    REQUIRE(keys.ok());
    CHECK(first.out.find("Public key (base64): " + shared::publicKeyToBase64(keys->publicKey)) != std::string::npos);
    auto certificate = server::checkCertificate(paths.tlsCert(), paths.tlsKey());
    REQUIRE(certificate.ok());
    CHECK(certificate->subjectAltNames == std::vector<std::string>{"IP Address:127.0.0.1", "DNS:localhost"});

    const std::string secretBefore = Central::readFile(paths.secretKey());
    const Run second = run({"init", "--data", data});
    CHECK(second.code == 1);
    CHECK(second.err.find("refusing to overwrite") != std::string::npos);
    CHECK(Central::readFile(paths.secretKey()) == secretBefore);

    SUBCASE("a secret key others can read is refused") {
        ::chmod(paths.secretKey().c_str(), 0644);
        auto loaded = server::loadKeyPair(paths);
        REQUIRE_FALSE(loaded.ok());
        CHECK(loaded.error().message.find("chmod 600") != std::string::npos);
    }
}

TEST_CASE("init --host names the certificate; --tls-cert/--tls-key copy one in") {
    test::ServerTempDir dir;
    const Run made = run({"init", "--data", (dir.path() / "a").string(), "--host", "central.kommune.dk", "--host", "10.0.0.5"});
    REQUIRE_MESSAGE(made.code == 0, made.err);
    const server::DataDir a{dir.path() / "a"};
    auto info = server::checkCertificate(a.tlsCert(), a.tlsKey());
    REQUIRE(info.ok());
    CHECK(info->subjectAltNames == std::vector<std::string>{"DNS:central.kommune.dk", "IP Address:10.0.0.5"});

    const Run copied = run({"init", "--data", (dir.path() / "b").string(), "--tls-cert", a.tlsCert().string(), "--tls-key", a.tlsKey().string()});
    REQUIRE_MESSAGE(copied.code == 0, copied.err);
    CHECK(copied.out.find("(copied)") != std::string::npos);
    CHECK(Central::readFile(server::DataDir{dir.path() / "b"}.tlsCert()) == Central::readFile(a.tlsCert()));

    test::ServerTempDir other;
    REQUIRE(run({"init", "--data", (other.path() / "c").string()}).code == 0);
    const Run mismatched = run({"init", "--data", (dir.path() / "d").string(), "--tls-cert", a.tlsCert().string(), "--tls-key",
                                server::DataDir{other.path() / "c"}.tlsKey().string()});
    CHECK(mismatched.code == 1);
    CHECK(mismatched.err.find("is not the private key") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "d" / "secret.key"));
    CHECK(run({"init", "--data", (dir.path() / "e").string(), "--host", "bad,host"}).code == 1);
}

TEST_CASE("usage errors exit 2 with the usage text") {
    CHECK(run({}).code == 2);
    CHECK(run({"frobnicate"}).code == 2);
    const Run noData = run({"units", "list"});
    CHECK(noData.code == 2);
    CHECK(noData.err.find("--data DIR is required") != std::string::npos);
    CHECK(run({"units", "list", "--data"}).code == 2);
    CHECK(run({"units", "list", "--data", "x", "--bogus", "1"}).code == 2);
    CHECK(run({"help"}).code == 0);
    test::ServerTempDir dir;
    const Run missing = run({"units", "list", "--data", (dir.path() / "nothing").string()});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("holds no central store") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "nothing"));
}

TEST_CASE("units, enrolment codes, devices and revocation from the command line") {
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    REQUIRE(run({"init", "--data", data}).code == 0);
    CHECK(run({"units", "add", "solhoj", "--name", "Plejecenter Solhøj", "--data", data}).code == 0);
    CHECK(run({"units", "add", "solhoj", "--name", "Again", "--data", data}).code == 1);
    CHECK(run({"units", "add", "Bad Id", "--name", "x", "--data", data}).code == 2);
    CHECK(run({"units", "add", "x", "--data", data}).code == 2);
    CHECK(run({"units", "add", "nord", "--name", "Hjemmepleje Nord", "--group", "Hjemmeplejen", "--data", data}).code == 0);
    const Run units = run({"units", "list", "--data", data});
    CHECK(units.out.find("solhoj                  -                       Plejecenter Solhøj") != std::string::npos);
    CHECK(units.out.find("nord                    Hjemmeplejen            Hjemmepleje Nord") != std::string::npos);
    CHECK(run({"units", "group", "solhoj", "Plejecentre", "--data", data}).code == 0);
    CHECK(run({"units", "group", "nowhere", "Plejecentre", "--data", data}).code == 1);
    CHECK(run({"units", "group", "nord", "--none", "--data", data}).code == 0);
    const Run regrouped = run({"units", "list", "--data", data});
    CHECK(regrouped.out.find("solhoj                  Plejecentre             Plejecenter Solhøj") != std::string::npos);
    CHECK(regrouped.out.find("nord                    -                       Hjemmepleje Nord") != std::string::npos);

    CHECK(run({"enroll", "--unit", "nowhere", "--data", data}).code == 1);
    CHECK(run({"enroll", "--unit", "solhoj", "--expires", "40d", "--data", data}).code == 2);
    CHECK(run({"enroll", "--unit", "solhoj", "--expires", "soon", "--data", data}).code == 2);
    const Run enrolled = run({"enroll", "--unit", "solhoj", "--expires", "90m", "--data", data});
    REQUIRE_MESSAGE(enrolled.code == 0, enrolled.err);
    const std::string code = enrolled.out.substr(enrolled.out.find("\n\n    ") + 6, 14);
    REQUIRE(test::isEnrolmentCodeShape(code));
    CHECK(enrolled.out.find("\n\n    " + code + "\n\n") != std::string::npos);
    CHECK(enrolled.out.find("(90 minutes)") != std::string::npos);
    CHECK((enrolled.out.find("\u2588") != std::string::npos || enrolled.out.find("No QR code") != std::string::npos));

    // the printed code enrols a kiosk
    auto store = server::SqliteStorage::open(server::DataDir{data}.store());
    REQUIRE(store.ok());
    auto keys = server::loadKeyPair(server::DataDir{data});
    REQUIRE(keys.ok());
    server::Api api(**store, *keys);
    const auto response = api.handle(server::HttpRequest::make("POST", "/api/v1/enroll", Central::enrollBody(code, shared::newUuidV4())));
    REQUIRE(response.status == 200);
    const Enrolled device{json::parse(response.body)["device_id"], json::parse(response.body)["device_token"]};

    const Run listed = run({"devices", "list", "--data", data});
    CHECK(listed.out.find(device.deviceId) != std::string::npos);
    CHECK(listed.out.find("never") != std::string::npos);
    auto words = test::wordsOfLineWith(listed.out, device.deviceId);
    REQUIRE(words.size() == 5);
    CHECK(words[1] == "solhoj");
    CHECK(test::isIsoDate(words[2]));
    CHECK(words[3] == "never");
    CHECK(words[4] == "no");
    (void)api.handle(server::HttpRequest::make("GET", "/api/v1/survey", "", device.bearer()));
    words = test::wordsOfLineWith(run({"devices", "list", "--data", data}).out, device.deviceId);
    REQUIRE(words.size() == 5);
    CHECK(words[3] == words[2]);  // seen today, the day it was enrolled

    CHECK(run({"devices", "revoke", device.deviceId, "--data", data}).code == 0);
    CHECK(run({"devices", "revoke", "no-such-device", "--data", data}).code == 1);
    CHECK(test::wordsOfLineWith(run({"devices", "list", "--data", data}).out, device.deviceId).back() == "yes");
    CHECK(api.handle(server::HttpRequest::make("GET", "/api/v1/survey", "", device.bearer())).status == 401);
}

TEST_CASE("survey publish lints first, refuses to change a published version, and lists") {
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    REQUIRE(run({"init", "--data", data}).code == 0);
    REQUIRE(run({"units", "add", "solhoj", "--name", "Solhøj", "--data", data}).code == 0);

    const auto bad = test::sourceDir() / "tests/data/bad-surveys/choices-empty.json";
    const Run linted = run({"survey", "publish", bad.string(), "--all", "--data", data});
    CHECK(linted.code == 1);
    CHECK(linted.err.find("choices-empty.json") != std::string::npos);
    CHECK(linted.err.find("nothing was published") != std::string::npos);
    CHECK(run({"survey", "publish", test::pulseSurveyPath().string(), "--data", data}).code == 2);
    CHECK(run({"survey", "publish", test::pulseSurveyPath().string(), "--all", "--unit", "solhoj", "--data", data}).code == 2);
    CHECK(run({"survey", "publish", test::pulseSurveyPath().string(), "--unit", "nowhere", "--data", data}).code == 1);

    const Run published = run({"survey", "publish", test::pulseSurveyPath().string(), "--unit", "solhoj", "--data", data});
    REQUIRE_MESSAGE(published.code == 0, published.err);
    CHECK(published.out.find("Published survey pulse 2026.1 for unit solhoj") != std::string::npos);
    CHECK(run({"survey", "publish", test::pulseSurveyPath().string(), "--all", "--data", data}).code == 0);

    // the same id and version with another definition
    auto changed = json::parse(Central::readFile(test::pulseSurveyPath()));
    changed["title"]["default"] = "Another title";
    const auto changedFile = dir.path() / "pulse-changed.json";
    writeFile(changedFile, changed.dump(2));
    const Run refused = run({"survey", "publish", changedFile.string(), "--all", "--data", data});
    CHECK(refused.code == 1);
    CHECK(refused.err.find("already published with another definition") != std::string::npos);
    // reformatting alone is not a change: the definition is stored canonical
    writeFile(changedFile, json::parse(Central::readFile(test::pulseSurveyPath())).dump(8));
    CHECK(run({"survey", "publish", changedFile.string(), "--unit", "solhoj", "--data", data}).code == 0);

    const Run list = run({"survey", "list", "--data", data});
    const auto row = test::wordsOfLineWith(list.out, "pulse");
    REQUIRE(row.size() == 5);
    CHECK(row[1] == "2026.1");
    CHECK(row[2] == shared::loadSurveyFile(test::pulseSurveyPath()).survey->definitionSha256.substr(0, 12));
    CHECK(((row[3] == "solhoj," && row[4] == "(all)") || (row[3] == "(all)," && row[4] == "solhoj")));
}

TEST_CASE("export writes one stored response a line, with exactly the documented keys") {
    Central central;
    const Enrolled device = central.enrol();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 5; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    REQUIRE(central.postBatch(device, Central::batchBody(items)).status == 200);

    const Run exported = run({"export", "--format", "jsonl", "--data", central.data.root.string()});
    REQUIRE_MESSAGE(exported.code == 0, exported.err);
    std::istringstream lines(exported.out);
    std::set<std::string> ids;
    for (std::string line; std::getline(lines, line);) {
        const auto row = nlohmann::ordered_json::parse(line);
        std::vector<std::string> keys;
        for (const auto& [key, value] : row.items()) keys.push_back(key);
        CHECK(keys == std::vector<std::string>{"id", "unit", "survey_id", "survey_version", "period", "locale", "answers"});
        CHECK(row["unit"] == "solhoj");
        CHECK(row["survey_id"] == "pulse");
        CHECK(row["period"] == "2026-W47");
        CHECK(json(row["answers"]) == test::validPulseAnswers());
        ids.insert(row["id"].get<std::string>());
    }
    CHECK(ids.size() == 5);
    CHECK(exported.out.find(device.deviceId) == std::string::npos);
    CHECK(run({"export", "--format", "xml", "--data", central.data.root.string()}).code == 2);

    const auto file = central.dir.path() / "export.jsonl";
    const Run toFile = run({"export", "--format", "jsonl", "--output", file.string(), "--data", central.data.root.string()});
    CHECK(toFile.out.find("Exported 5 responses") != std::string::npos);
    CHECK(Central::readFile(file) == exported.out);
}

TEST_CASE("import: an outbox export file, validated and deduplicated like batches") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    const std::string data = central.data.root.string();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 700; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});  // more than one transaction's worth
    const shared::KeyPair stranger = shared::generateKeyPair();
    items.push_back({shared::newUuidV4(), shared::toBase64(shared::seal("{}", stranger.publicKey))});
    const auto file = central.dir.path() / "outbox-export.jsonl";
    writeFile(file, exportFile(device.deviceId, items));

    // some of it was already delivered by a batch
    REQUIRE(central.postBatch(device, Central::batchBody({items[0], items[1]})).status == 200);

    const Run imported = run({"import", file.string(), "--data", data});
    REQUIRE_MESSAGE(imported.code == 0, imported.err);
    CHECK(imported.out.find("698 accepted, 2 duplicate, 1 rejected") != std::string::npos);
    CHECK(imported.out.find("rejected " + items.back().id + ": cannot be decrypted") != std::string::npos);
    CHECK(central.count("responses") == 700);
    CHECK(central.count("dead_letters") == 1);
    const Run letters = run({"dead-letters", "list", "--data", data});
    CHECK(letters.out.find(items.back().id) != std::string::npos);

    const Run again = run({"import", file.string(), "--data", data});
    CHECK(again.out.find("0 accepted, 700 duplicate, 1 rejected") != std::string::npos);
    CHECK(central.count("responses") == 700);
    CHECK(central.count("dead_letters") == 1);

    // and a later batch of the same items from the kiosk is all duplicates
    const auto resent = central.postBatch(device, Central::batchBody({items[5], items[6]}));
    for (const auto& r : json::parse(resent.body)["results"].get<std::vector<json>>()) CHECK(r["status"] == "duplicate");
}

TEST_CASE("import refuses a malformed file, or one from an unknown or revoked device, and stores nothing of it") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    const Enrolled revoked = central.enrol("solhoj");
    REQUIRE(central.store->revokeDevice(revoked.deviceId).ok());
    const std::string data = central.data.root.string();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 3; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    const std::string good = exportFile(device.deviceId, items);
    const auto lineOf = [&](std::size_t n) {
        std::istringstream in(good);
        std::string line;
        for (std::size_t i = 0; i <= n; ++i) std::getline(in, line);
        return line;
    };
    const std::string header = lineOf(0);

    struct Case {
        std::string name;
        std::string text;
        std::string expected;
    };
    auto badHeader = json::parse(header);
    const auto withHeader = [&](const json& h) { return h.dump() + "\n" + good.substr(header.size() + 1); };
    const std::vector<Case> cases = {
        {"unknown device", exportFile(shared::newUuidV4(), items), "is not a device enrolled here"},
        {"revoked device", exportFile(revoked.deviceId, items), "has been revoked"},
        {"no device_id", withHeader(json(badHeader).erase("device_id") == 1 ? [&] { auto h = badHeader; h.erase("device_id"); return h; }() : badHeader), "device_id"},
        {"empty device_id", withHeader([&] { auto h = badHeader; h["device_id"] = ""; return h; }()), "device_id"},
        {"another format", withHeader([&] { auto h = badHeader; h["format"] = "csv"; return h; }()), "format"},
        {"version 2", withHeader([&] { auto h = badHeader; h["version"] = 2; return h; }()), "version: 2 is not supported"},
        {"count too high (a truncated copy)", exportFile(device.deviceId, items, 4), "header says 4 items but the file has 3"},
        {"count too low", exportFile(device.deviceId, items, 2), "more items than the header's count"},
        {"no newline at the end", good.substr(0, good.size() - 1), "line 4: does not end with a newline"},
        {"a blank line", header + "\n\n" + good.substr(header.size() + 1), "line 2: blank line"},
        {"not JSON", header + "\n{oops\n", "line 2: not JSON"},
        {"a bad id", header + "\n" + json{{"id", "abc"}, {"sealed", items[0].sealed}, {"state", "pending"}}.dump() + "\n", "line 2: id"},
        {"a repeated id", exportFile(device.deviceId, {items[0], items[0]}), "line 3: id: " + items[0].id + " repeats"},
        {"sealed not base64", header + "\n" + json{{"id", items[0].id}, {"sealed", "!!"}, {"state", "pending"}}.dump() + "\n", "line 2: sealed"},
        {"an unknown state", header + "\n" + json{{"id", items[0].id}, {"sealed", items[0].sealed}, {"state", "sent"}}.dump() + "\n", "line 2: state"},
        {"an extra key", header + "\n" + json{{"id", items[0].id}, {"sealed", items[0].sealed}, {"state", "pending"}, {"time", "12:00"}}.dump() + "\n",
         "line 2: unexpected key 'time'"},
        {"empty file", "", "the file is empty"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const auto file = central.dir.path() / "bad.jsonl";
        writeFile(file, c.text);
        const Run result = run({"import", file.string(), "--data", data});
        CHECK(result.code == 1);
        CHECK(result.err.find(c.expected) != std::string::npos);
        CHECK(result.err.find("nothing of the file was stored") != std::string::npos);
        CHECK(central.count("responses") == 0);
        CHECK(central.count("dead_letters") == 0);
    }
    CHECK(run({"import", (central.dir.path() / "missing.jsonl").string(), "--data", data}).code == 1);
}

TEST_CASE("import of an export held in memory: the same checks and results as a file, messages name it") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 3; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    const std::string text = exportFile(device.deviceId, items);
    server::Ingestor ingestor(*central.store, central.keys);

    auto truncated = server::importOutboxExport(*central.store, ingestor, std::string_view(text).substr(0, text.size() - 1), "usb.jsonl", "2026-W47");
    REQUIRE_FALSE(truncated.ok());
    CHECK(truncated.error().message == "usb.jsonl: line 4: does not end with a newline (a truncated copy?)");
    CHECK(central.count("responses") == 0);

    auto report = server::importOutboxExport(*central.store, ingestor, std::string_view(text), "usb.jsonl", "2026-W47");
    REQUIRE_MESSAGE(report.ok(), (report.ok() ? "" : report.error().message));
    CHECK(report->deviceId == device.deviceId);
    CHECK(report->counts.accepted == 3);
    CHECK(central.count("responses") == 3);
}

TEST_CASE("the store: WAL with synchronous=FULL, and a file of another program is left alone") {
    Central central;
    std::string mode;
    central.query("PRAGMA journal_mode", [&](sqlite3_stmt* row) { mode = Central::text(row, 0); });
    CHECK(mode == "wal");

    test::ServerTempDir dir;
    std::filesystem::create_directories(dir.path());
    const auto foreign = dir.path() / "other.db";
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE responses (seq INTEGER PRIMARY KEY); PRAGMA user_version = 1", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    const std::string before = Central::readFile(foreign);
    auto opened = server::SqliteStorage::open(foreign);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().message.find("another program") != std::string::npos);
    CHECK(Central::readFile(foreign) == before);

    // a newer schema than this code knows
    REQUIRE(sqlite3_open(central.data.store().c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    auto newer = server::SqliteStorage::open(central.data.store());
    REQUIRE_FALSE(newer.ok());
    CHECK(newer.error().message.find("newer") != std::string::npos);
}

TEST_CASE("the store: publishing, current survey per unit, and the latest publication wins") {
    Central central;
    auto current = central.store->currentSurvey("solhoj");
    REQUIRE(current.ok());
    REQUIRE(current->has_value());
    CHECK((*current)->surveyId == "pulse");
    CHECK_FALSE(central.store->currentSurvey("vest")->has_value());
    const auto kompetence = central.publish(test::defaultSurveyPath(), server::kAllUnits);
    CHECK((*central.store->currentSurvey("vest"))->surveyId == kompetence.id);
    CHECK((*central.store->currentSurvey("solhoj"))->surveyId == kompetence.id);
    // the older one still takes responses from the unit it was published for
    auto pulse = central.store->findSurvey("pulse", "2026.1", "solhoj");
    REQUIRE(pulse.ok());
    CHECK_FALSE((*pulse)->units.empty());
    CHECK((*central.store->findSurvey("pulse", "2026.1", "vest"))->units.empty());
    CHECK_FALSE(central.store->findSurvey("pulse", "1999.1", "solhoj")->has_value());
}

}  // TEST_SUITE
