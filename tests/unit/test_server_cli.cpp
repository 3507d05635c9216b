// svarboks-central's commands through runCommand(): init, units, enroll, devices, survey publish/list,
// export, import of an outbox export file, dead letters; and the store's own guarantees.
#include "svarboks/server/admin.hpp"
#include "svarboks/server/import.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/tls.hpp"
#include "test_server_fixture.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <iostream>
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
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
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
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
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

TEST_CASE("usage errors exit 2 and say what is wrong, and where the usage is") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    const Run none = run({});
    CHECK(none.code == 2);
    CHECK(none.err.starts_with("svarboks-central: expected a command: init, serve, policy, units, "));
    const Run unknown = run({"frobnicate"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err.starts_with("svarboks-central: unknown command 'frobnicate'; expected one of: init, "));
    const Run noData = run({"units", "list"});
    CHECK(noData.code == 2);
    CHECK(noData.err == "svarboks-central: --data is required\nTry 'svarboks-central units list --help' for more information.\n");
    CHECK(noData.out.empty());
    CHECK(run({"units", "list", "--data"}).code == 2);
    const Run bogus = run({"units", "list", "--data", "x", "--bogus", "1"});
    CHECK(bogus.code == 2);
    CHECK(bogus.err.starts_with("svarboks-central: unexpected arguments '--bogus' '1'\n"));
    const Run noAction = run({"units", "--data", "x"});
    CHECK(noAction.code == 2);
    CHECK(noAction.err.starts_with("svarboks-central: "));
    CHECK(run({"units", "frob"}).err.starts_with("svarboks-central: unknown command 'frob'; expected one of: add, group, rename, retire, list\n"));
    test::ServerTempDir dir;
    const Run missing = run({"units", "list", "--data", (dir.path() / "nothing").string()});
    CHECK(missing.code == 1);
    CHECK(missing.err.find("holds no central store") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "nothing"));
}

TEST_CASE("a bad option value names the option and exits 2 before anything is opened") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "none").string();
    const auto refused = [&](std::vector<std::string> args, const std::string& message) {
        args.insert(args.end(), {"--data", data});
        const Run result = run(args);
        INFO(result.err);
        CHECK(result.code == 2);
        CHECK(result.err.starts_with("svarboks-central: " + message));
        CHECK(result.err.ends_with(" --help' for more information.\n"));
        CHECK(result.out.empty());
    };
    refused({"serve", "--threads", "0"}, "--threads: Value 0 not in range 1 to 4096");
    refused({"serve", "--threads", "many"}, "--threads: Value many not in range 1 to 4096");
    refused({"serve", "--max-per-address", "-1"}, "--max-per-address: ");
    refused({"serve", "--listen", "localhost"}, "--listen 'localhost': expected HOST:PORT");
    refused({"audit", "list", "--limit", "0"}, "--limit: Value 0 not in range 1 to 100000");
    refused({"report", "--by", "week"}, "--by: week not in {unit,group,area,question}");
    refused({"report", "--format", "xml"}, "--format: xml not in {table,csv,csv-da,json}");
    refused({"report", "--unit", "a", "--group", "b", "--by", "area"}, "--unit excludes --group");
    refused({"export", "--format", "xml"}, "--format: xml not in {csv,csv-da,jsonl}");
    refused({"enroll", "--unit", "solhoj", "--expires", "40d"}, "--expires: '40d' is not a lifetime");
    refused({"units", "add", "Bad Id", "--name", "x"}, "ID: 'Bad Id': expected 1-64 characters");
    refused({"units", "group", "solhoj"}, "give the GROUP, or --none for no group");
    refused({"survey", "publish", "file.json"}, "give --unit ID, --group NAME or --all");
    refused({"users", "add", "mette", "--role", "manager"}, "--role: manager not in {administrator,analyst,unit-leader}");
    refused({"init", "--tls-cert", "cert.pem"}, "--tls-cert requires --tls-key");
    refused({"policy", "set", "--k", "4"}, "--k: '4': expected a number from 5 to 1000");
    CHECK_FALSE(std::filesystem::exists(data));
}

TEST_CASE("--help lists the commands, and a command's --help its options, on standard output") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    const Run help = run({"--help"});
    CHECK(help.code == 0);
    CHECK(help.err.empty());
    for (const char* command : {"init", "serve", "policy", "units", "enroll", "devices", "survey", "rounds", "export", "report", "import",
                                "dead-letters", "retention", "users", "audit", "check-ids", "help"}) {
        CHECK_MESSAGE(help.out.find("\n  " + std::string(command) + " ") != std::string::npos, command);
    }
    CHECK(run({"help"}).out == help.out);
    const Run add = run({"users", "add", "--help"});
    CHECK(add.code == 0);
    CHECK(add.out.find("Usage: svarboks-central users add [OPTIONS] NAME") != std::string::npos);
    CHECK(add.out.find("--password-stdin") != std::string::npos);
    CHECK(add.out.find("--k") == std::string::npos);
    const Run report = run({"report", "--help"});
    CHECK(report.out.find("{unit,group,area,question}") != std::string::npos);
    CHECK(report.out.find("--k") == std::string::npos);  // refused, so not offered
    CHECK(report.out.find("--from") == std::string::npos);
}

TEST_CASE("units, enrolment codes, devices and revocation from the command line") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    REQUIRE(run({"init", "--data", data}).code == 0);
    CHECK(run({"units", "add", "solhoj", "--name", "Plejecenter Solhøj", "--data", data}).code == 0);
    CHECK(run({"units", "add", "solhoj", "--name", "Again", "--data", data}).code == 1);
    CHECK(run({"units", "add", "Bad Id", "--name", "x", "--data", data}).code == 2);
    CHECK(run({"units", "add", "x", "--data", data}).code == 2);
    CHECK(run({"units", "add", "nord", "--name", "Hjemmepleje Nord", "--group", "Hjemmeplejen", "--data", data}).code == 0);
    const Run units = run({"units", "list", "--data", data});
    CHECK(units.out.find("solhoj                  -                       0       active   Plejecenter Solhøj") != std::string::npos);
    CHECK(units.out.find("nord                    Hjemmeplejen            0       active   Hjemmepleje Nord") != std::string::npos);
    CHECK(run({"units", "group", "solhoj", "Plejecentre", "--data", data}).code == 0);
    CHECK(run({"units", "group", "nowhere", "Plejecentre", "--data", data}).code == 1);
    CHECK(run({"units", "group", "nord", "--none", "--data", data}).code == 0);
    const Run regrouped = run({"units", "list", "--data", data});
    CHECK(regrouped.out.find("solhoj                  Plejecentre             0       active   Plejecenter Solhøj") != std::string::npos);
    CHECK(regrouped.out.find("nord                    -                       0       active   Hjemmepleje Nord") != std::string::npos);

    // rename and retire; a retired unit gets no code
    CHECK(run({"units", "rename", "nord", "Hjemmeplejen Nord", "--data", data}).code == 0);
    CHECK(run({"units", "rename", "nowhere", "X", "--data", data}).code == 1);
    CHECK(run({"units", "rename", "nord", "", "--data", data}).code == 2);
    const Run retired = run({"units", "retire", "nord", "--data", data});
    CHECK(retired.code == 0);
    CHECK(retired.out.find("gets no new enrolment code") != std::string::npos);
    CHECK(run({"units", "list", "--data", data}).out.find("nord                    -                       0       retired  Hjemmeplejen Nord") != std::string::npos);
    const Run noCode = run({"enroll", "--unit", "nord", "--data", data});
    CHECK(noCode.code == 1);
    CHECK(noCode.err == "svarboks-central: unit 'nord' is retired: it gets no new enrolment code\n");

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
    REQUIRE(words.size() == 6);
    CHECK(words[1] == "solhoj");
    CHECK(test::isIsoDate(words[2]));
    CHECK(words[3] == "never");
    CHECK(words[4] == "-");  // no survey fetched
    CHECK(words[5] == "no");
    (void)api.handle(server::HttpRequest::make("GET", "/api/v1/survey", "", device.bearer()));
    words = test::wordsOfLineWith(run({"devices", "list", "--data", data}).out, device.deviceId);
    REQUIRE(words.size() == 6);
    CHECK(words[3] == words[2]);  // seen today, the day it was enrolled

    CHECK(run({"devices", "revoke", device.deviceId, "--data", data}).code == 0);
    CHECK(run({"devices", "revoke", "no-such-device", "--data", data}).code == 1);
    CHECK(test::wordsOfLineWith(run({"devices", "list", "--data", data}).out, device.deviceId).back() == "yes");
    CHECK(api.handle(server::HttpRequest::make("GET", "/api/v1/survey", "", device.bearer())).status == 401);
}

TEST_CASE("survey publish lints first, refuses to change a published version, and lists") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
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
    REQUIRE(row.size() == 9);
    CHECK(row[1] == "2026.1");
    const auto pulse = shared::loadSurveyFile(test::pulseSurveyPath());
    CHECK(row[2] == pulse.survey->definitionSha256.substr(0, 12));
    CHECK(row[3] == pulse.survey->consentSha256.substr(0, 12));
    CHECK(row[4] == "-");
    CHECK(list.out.find("every unit; unit solhoj") != std::string::npos);
}

TEST_CASE("survey publish to groups and several units with line numbers in lint problems; survey retire") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    REQUIRE(run({"init", "--data", data}).code == 0);
    REQUIRE(run({"units", "add", "solhoj", "--name", "Solhøj", "--group", "pleje", "--data", data}).code == 0);
    REQUIRE(run({"units", "add", "vest", "--name", "Vest", "--data", data}).code == 0);

    // a lint error names the file, the line and the pointer
    auto broken = json::parse(Central::readFile(test::pulseSurveyPath()));
    broken["pages"][0]["elements"][0]["type"] = "matrix";
    const auto brokenFile = dir.path() / "broken.json";
    writeFile(brokenFile, broken.dump(2));
    const Run linted = run({"survey", "publish", brokenFile.string(), "--group", "pleje", "--data", data});
    CHECK(linted.code == 1);
    CHECK(linted.err.find("broken.json:") != std::string::npos);
    CHECK(linted.err.find(": /pages/0/elements/0/type: ") != std::string::npos);
    CHECK(run({"survey", "list", "--data", data}).out.find("No survey published yet") != std::string::npos);

    CHECK(run({"survey", "publish", test::pulseSurveyPath().string(), "--group", "nogroup", "--data", data}).err.find("no unit in group 'nogroup'") !=
          std::string::npos);
    const Run published = run({"survey", "publish", test::pulseSurveyPath().string(), "--group", "pleje", "--unit", "vest", "--data", data});
    REQUIRE_MESSAGE(published.code == 0, published.err);
    CHECK(published.out.find("for group pleje; unit vest") != std::string::npos);

    const Run retired = run({"survey", "retire", "pulse", "2026.1", "--data", data});
    REQUIRE_MESSAGE(retired.code == 0, retired.err);
    const auto row = test::wordsOfLineWith(run({"survey", "list", "--data", data}).out, "pulse");
    REQUIRE(row.size() >= 5);
    CHECK(row[4] != "-");
    CHECK(run({"survey", "retire", "pulse", "1999.1", "--data", data}).err.find("not published") != std::string::npos);
    const Run audit = run({"audit", "list", "--data", data});
    CHECK(audit.out.find("survey-publish") != std::string::npos);
    CHECK(audit.out.find("survey-retire") != std::string::npos);
}

TEST_CASE("export: nothing before a round is released; then one k-anonymous row a response, no id, audited") {
    Central central;
    const Enrolled device = central.enrol();
    const std::string data = central.data.root.string();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 5; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    REQUIRE(central.postBatch(device, Central::batchBody(items)).status == 200);
    // The other unit, vest, has 5 too: with 0 there, the report would hide everything (a shown 0 beside a
    // hidden unit gives it away), and so would the export.
    central.publish(Central::pulsePath(), "vest");
    const Enrolled other = central.enrol("vest");
    std::vector<shared::BatchItem> others;
    for (int i = 0; i < 5; ++i) others.push_back({shared::newUuidV4(), central.sealValid()});
    REQUIRE(central.postBatch(other, Central::batchBody(others)).status == 200);

    const Run early = run({"export", "--format", "jsonl", "--data", data});
    CHECK(early.code == 1);
    CHECK(early.err.find("no round has been released yet") != std::string::npos);
    CHECK(early.out.empty());

    REQUIRE(run({"rounds", "add", "autumn", "--from", "2026-W40", "--to", "2026-W52", "--data", data}).code == 0);
    const Run released = run({"rounds", "release", "autumn", "--early", "--data", data});
    REQUIRE_MESSAGE(released.code == 0, released.err);

    const Run exported = run({"export", "--format", "jsonl", "--data", data});
    REQUIRE_MESSAGE(exported.code == 0, exported.err);
    INFO(exported.err);
    std::istringstream lines(exported.out);
    int rows = 0;
    for (std::string line; std::getline(lines, line);) {
        const auto row = nlohmann::ordered_json::parse(line);
        std::vector<std::string> keys;
        for (const auto& [key, value] : row.items()) keys.push_back(key);
        CHECK(keys == std::vector<std::string>{"unit", "group", "period", "survey_id", "survey_version", "locale", "answers"});
        CHECK((row["unit"] == "solhoj" || row["unit"] == "vest"));  // 5 respondents each: shown, as the report shows them
        CHECK(row["period"] == "2026-W47");
        CHECK(json(row["answers"]) == test::validPulseAnswers());
        ++rows;
    }
    CHECK(rows == 10);
    for (const auto& item : items) CHECK(exported.out.find(item.id) == std::string::npos);
    CHECK(exported.out.find(device.deviceId) == std::string::npos);
    CHECK(run({"export", "--format", "xml", "--data", data}).code == 2);
    CHECK(run({"export", "--format", "csv", "--k", "3", "--data", data}).code == 2);
    CHECK(run({"export", "--round", "spring", "--data", data}).err.find("is not a released round (released: autumn)") != std::string::npos);

    const auto file = central.dir.path() / "export.jsonl";
    const Run toFile = run({"export", "--format", "jsonl", "--output", file.string(), "--data", data});
    CHECK(toFile.out.find("Exported 10 responses of survey pulse") != std::string::npos);
    CHECK(Central::readFile(file) == exported.out);

    const Run audit = run({"audit", "list", "--data", data});
    REQUIRE(audit.code == 0);
    CHECK(audit.out.find("(command line)") != std::string::npos);
    CHECK(audit.out.find("release-round") != std::string::npos);
    std::istringstream entries(audit.out);
    int exports = 0;
    for (std::string line; std::getline(entries, line);) {
        if (line.find(" export ") == std::string::npos) continue;
        ++exports;
        CHECK(line.find(" 10 ") != std::string::npos);  // the rows it held
        CHECK(line.find("round autumn") != std::string::npos);
    }
    CHECK(exports == 2);
}

TEST_CASE("rounds: checked weeks, no overlap, released once and only after the round ended unless --early") {
    Central central;
    const std::string data = central.data.root.string();
    CHECK(run({"rounds", "list", "--data", data}).out.find("No rounds yet") != std::string::npos);
    CHECK(run({"rounds", "add", "Spring", "--from", "2026-W02", "--to", "2026-W20", "--data", data}).err.find("round id 'Spring'") != std::string::npos);
    CHECK(run({"rounds", "add", "spring", "--from", "2026-02", "--to", "2026-W20", "--data", data}).err.find("--from 2026-02") != std::string::npos);
    CHECK(run({"rounds", "add", "spring", "--from", "2026-W20", "--to", "2026-W02", "--data", data}).err.find("is after --to") != std::string::npos);
    CHECK(run({"rounds", "add", "spring", "--from", "2026-W02", "--data", data}).code == 2);
    REQUIRE(run({"rounds", "add", "spring", "--from", "2026-W02", "--to", "2026-W20", "--data", data}).code == 0);
    const Run overlap = run({"rounds", "add", "summer", "--from", "2026-W20", "--to", "2026-W30", "--data", data});
    CHECK(overlap.code == 1);
    CHECK(overlap.err.find("overlaps round 'spring' (2026-W02 to 2026-W20)") != std::string::npos);
    REQUIRE(run({"rounds", "add", "late", "--from", "2099-W01", "--to", "2099-W10", "--data", data}).code == 0);

    const Run notEnded = run({"rounds", "release", "late", "--data", data});
    CHECK(notEnded.code == 1);
    CHECK(notEnded.err.find("has not ended yet") != std::string::npos);
    CHECK(notEnded.err.find("--early") != std::string::npos);
    const Run list = run({"rounds", "list", "--data", data});
    CHECK(list.out.find("ended, not released") != std::string::npos);  // spring, 2026-W20, is over by the time this runs
    CHECK(list.out.find("planned") != std::string::npos);

    const Enrolled device = central.enrol();  // never seen since: its answers from spring would be left out
    const Run released = run({"rounds", "release", "spring", "--data", data});
    REQUIRE_MESSAGE(released.code == 0, released.err);
    CHECK(released.out.find("Released round spring") != std::string::npos);
    CHECK(released.out.find(device.deviceId) != std::string::npos);
    CHECK(run({"rounds", "list", "--data", data}).out.find("released ") != std::string::npos);
    const Run twice = run({"rounds", "release", "spring", "--data", data});
    CHECK(twice.code == 1);
    CHECK(twice.err.find("never changes") != std::string::npos);
    CHECK(run({"rounds", "release", "nope", "--data", data}).err.find("no round 'nope'") != std::string::npos);
}

TEST_CASE("policy: the group size is 5 or more, only raised, kept by each round; no command takes another k") {
    Central central;
    const std::string data = central.data.root.string();
    CHECK(run({"policy", "show", "--data", data}).out.find("Minimum group size: 5") != std::string::npos);
    for (const auto& k : {"4", "3", "0", "five"}) {
        const Run refused = run({"policy", "set", "--k", k, "--data", data});
        CHECK(refused.code == 2);
        CHECK(refused.err.find("never allowed") != std::string::npos);
    }
    REQUIRE(run({"policy", "set", "--k", "7", "--data", data}).code == 0);
    const Run lower = run({"policy", "set", "--k", "6", "--data", data});
    CHECK(lower.code == 1);
    CHECK(lower.err.find("can only be raised") != std::string::npos);
    CHECK(run({"policy", "show", "--data", data}).out.find("Minimum group size: 7") != std::string::npos);
    for (const auto& command : {"report", "export", "serve"}) {
        const Run refused = run({command, "--k", "5", "--data", data});
        CHECK(refused.code == 2);
        CHECK(refused.err.find("the minimum group size is the store's policy") != std::string::npos);
    }
    const Run range = run({"report", "--from", "2026-W01", "--data", data});
    CHECK(range.code == 2);
    CHECK(range.err.find("reports are of one released round") != std::string::npos);

    // A round released now keeps 7, even if the policy is raised again later.
    central.publish(Central::pulsePath(), "vest");
    for (const std::string unit : {"solhoj", "vest"}) {
        const Enrolled device = central.enrol(unit);
        std::vector<shared::BatchItem> items;
        for (int i = 0; i < 7; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
        REQUIRE(central.postBatch(device, Central::batchBody(items)).status == 200);
    }
    REQUIRE(run({"rounds", "add", "autumn", "--from", "2026-W40", "--to", "2026-W52", "--data", data}).code == 0);
    REQUIRE(run({"rounds", "release", "autumn", "--early", "--data", data}).code == 0);
    REQUIRE(run({"policy", "set", "--k", "8", "--data", data}).code == 0);
    const Run report = run({"report", "--format", "json", "--data", data});
    REQUIRE_MESSAGE(report.code == 0, report.err);
    const auto figures = json::parse(report.out);
    CHECK(figures["k"] == 7);
    CHECK(figures["round"] == "autumn");
    const auto& rows = figures["rows"];
    REQUIRE(rows.size() == 3);  // the municipality, solhoj and vest: 7 each is shown at k 7
    CHECK(rows[0]["respondents"] == 14);
    CHECK(rows[1]["respondents"] == 7);
}

TEST_CASE("report --group \"\": the questions of the units in no group, not the municipality's") {
    Central central;
    const std::string data = central.data.root.string();
    REQUIRE(run({"units", "group", "solhoj", "Plejecentre", "--data", data}).code == 0);  // vest stays in no group
    central.publish(Central::pulsePath(), "vest");
    central.publish(Central::pulsePath(), "solhoj");
    for (const auto& [unit, answers] : {std::pair{"solhoj", 5}, std::pair{"vest", 7}}) {
        const Enrolled device = central.enrol(unit);
        std::vector<shared::BatchItem> items;
        for (int i = 0; i < answers; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
        REQUIRE(central.postBatch(device, Central::batchBody(items)).status == 200);
    }
    REQUIRE(run({"rounds", "add", "autumn", "--from", "2026-W40", "--to", "2026-W52", "--data", data}).code == 0);
    REQUIRE(run({"rounds", "release", "autumn", "--early", "--data", data}).code == 0);
    const auto respondents = [&](std::vector<std::string> focus) {
        std::vector<std::string> args{"report", "--by", "question", "--format", "json", "--data", data};
        args.insert(args.end(), focus.begin(), focus.end());
        const Run report = run(args);
        REQUIRE_MESSAGE(report.code == 0, report.err);
        return json::parse(report.out)["rows"][0]["respondents"];
    };
    CHECK(respondents({}) == 12);
    CHECK(respondents({"--group", "Plejecentre"}) == 5);
    CHECK(respondents({"--group", ""}) == 7);
    const Run emptyUnit = run({"report", "--by", "question", "--unit", "", "--data", data});
    CHECK(emptyUnit.code == 2);
    CHECK(emptyUnit.err.find("--unit") != std::string::npos);
}

TEST_CASE("the same sealed bytes under a new id are rejected, in batches and imports, and counted once") {
    Central central;
    const Enrolled device = central.enrol("solhoj");
    const std::string data = central.data.root.string();
    const std::string sealed = central.sealValid();
    const shared::BatchItem original{shared::newUuidV4(), sealed};
    REQUIRE(central.postBatch(device, Central::batchBody({original})).status == 200);

    std::vector<shared::BatchItem> copies;
    for (int i = 0; i < 4; ++i) copies.push_back({shared::newUuidV4(), sealed});
    const auto replayed = central.postBatch(device, Central::batchBody(copies));
    REQUIRE(replayed.status == 200);
    for (const auto& r : json::parse(replayed.body)["results"].get<std::vector<json>>()) {
        CHECK(r["status"] == "rejected");
        CHECK(r["error"].get<std::string>().find("already stored under another id") != std::string::npos);
    }
    // Two copies inside one batch: the first is new bytes only once.
    const std::string fresh = central.sealValid();
    const auto inBatch = central.postBatch(device, Central::batchBody({{shared::newUuidV4(), fresh}, {shared::newUuidV4(), fresh}}));
    const auto results = json::parse(inBatch.body)["results"];
    CHECK(((results[0]["status"] == "accepted") != (results[1]["status"] == "accepted")));  // one of the two, whichever is stored first
    CHECK(((results[0]["status"] == "rejected") != (results[1]["status"] == "rejected")));
    CHECK(central.count("responses") == 2);
    CHECK(central.count("dead_letters") == 5);

    std::vector<shared::BatchItem> lines;
    for (int i = 0; i < 4; ++i) lines.push_back({shared::newUuidV4(), sealed});
    const auto file = central.dir.path() / "padded.jsonl";
    writeFile(file, exportFile(device.deviceId, lines));
    const Run imported = run({"import", file.string(), "--data", data});
    REQUIRE_MESSAGE(imported.code == 0, imported.err);
    CHECK(imported.out.find("0 accepted, 0 duplicate, 4 rejected") != std::string::npos);
    CHECK(central.count("responses") == 2);
    // The original resent under its own id is still a duplicate (delivered), not a copy.
    const auto resent = central.postBatch(device, Central::batchBody({original}));
    CHECK(json::parse(resent.body)["results"][0]["status"] == "duplicate");
}

TEST_CASE("users: roles and a unit leader's units, checked and listed; check-ids") {
    Central central;
    const std::string data = central.data.root.string();
    const auto add = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"users", "add"});
        args.insert(args.end(), {"--password-stdin", "--data", data});
        std::istringstream password("a long enough password\n");
        auto* saved = std::cin.rdbuf(password.rdbuf());
        const Run result = run(args);
        std::cin.rdbuf(saved);
        return result;
    };
    CHECK(add({"mette", "--role", "manager"}).err.find("--role: manager not in {administrator,analyst,unit-leader}") != std::string::npos);
    CHECK(add({"mette", "--role", "unit-leader"}).err.find("needs the units or groups they lead") != std::string::npos);
    CHECK(add({"mette", "--role", "analyst", "--unit", "solhoj"}).err.find("for the unit-leader role only") != std::string::npos);
    CHECK(add({"mette", "--role", "unit-leader", "--unit", "nowhere"}).err.find("there is no unit 'nowhere'") != std::string::npos);
    CHECK(add({"mette", "--role", "unit-leader", "--group", "hjemmeplejen"}).err.find("there is no group 'hjemmeplejen'") != std::string::npos);
    REQUIRE(run({"units", "group", "vest", "hjemmeplejen", "--data", data}).code == 0);
    REQUIRE(add({"mette", "--role", "unit-leader", "--unit", "solhoj", "--group", "hjemmeplejen"}).code == 0);
    REQUIRE(add({"ali", "--role", "analyst"}).code == 0);
    REQUIRE(add({"admin"}).code == 0);
    const Run list = run({"users", "list", "--data", data});
    CHECK(list.out.find("unit-leader") != std::string::npos);
    CHECK(list.out.find("units solhoj; groups hjemmeplejen") != std::string::npos);
    CHECK(list.out.find("analyst") != std::string::npos);
    CHECK(list.out.find("administrator") != std::string::npos);
    REQUIRE(run({"users", "role", "ali", "--role", "unit-leader", "--unit", "solhoj", "--data", data}).code == 0);
    auto ali = central.store->findUser("ali");
    REQUIRE(ali.ok());
    REQUIRE(ali->has_value());
    CHECK((*ali)->role == "unit-leader");
    CHECK((*ali)->scope == std::vector<std::string>{"unit:solhoj"});
    CHECK(run({"users", "role", "nobody", "--role", "analyst", "--data", data}).err.find("no account 'nobody'") != std::string::npos);
    CHECK(run({"audit", "list", "--data", data}).out.find("set-role") != std::string::npos);

    // check-ids: ids only, never answers.
    const Enrolled device = central.enrol();
    const shared::BatchItem item{shared::newUuidV4(), central.sealValid()};
    REQUIRE(central.postBatch(device, Central::batchBody({item})).status == 200);
    const auto ids = central.dir.path() / "ids.txt";
    writeFile(ids, item.id + "\n");
    const Run found = run({"check-ids", ids.string(), "--json", "--data", data});
    CHECK(found.code == 0);
    CHECK(json::parse(found.out) == json{{"listed", 1}, {"distinct", 1}, {"stored", 1}, {"missing", json::array()}, {"total", 1}});
    const std::string other = shared::newUuidV4();
    writeFile(ids, item.id + "\n" + other + "\n");
    const Run missing = run({"check-ids", ids.string(), "--data", data});
    CHECK(missing.code == 1);
    CHECK(missing.out.find("missing " + other) != std::string::npos);
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
    SVARBOKS_SQLITE_ONLY("about the SQLite file (PostgreSQL refuses another program's tables: postgresql_tests)");
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

TEST_CASE("the store: a schema 3 store (before rounds, roles, retention and administration) upgrades and keeps every response and account") {
    SVARBOKS_SQLITE_ONLY("upgrades an old SQLite file");
    Central central;
    const std::string data = central.data.root.string();
    const Enrolled device = central.enrol();
    std::vector<shared::BatchItem> items;
    for (int i = 0; i < 6; ++i) items.push_back({shared::newUuidV4(), central.sealValid()});
    REQUIRE(central.postBatch(device, Central::batchBody(items)).status == 200);
    std::istringstream password("a long enough password\n");
    auto* saved = std::cin.rdbuf(password.rdbuf());
    REQUIRE(run({"users", "add", "anna", "--password-stdin", "--data", data}).code == 0);
    std::cin.rdbuf(saved);
    central.store.reset();
    central.api.reset();

    // Take the file back to schema 3 as the previous release left it: no rounds, roles, audit, retired units or shared state, and
    // tallies with their all-weeks rows.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(central.data.store().c_str(), &db) == SQLITE_OK);
    const char* back =
        "DROP TABLE attempt_buckets; DROP TABLE kept_once;"
        "DROP TABLE round_tallies; DROP TABLE round_units; DROP TABLE rounds; DROP TABLE audit;"
        "DROP INDEX responses_by_sealed; DROP INDEX responses_by_round; ALTER TABLE responses DROP COLUMN round_id;"
        "ALTER TABLE users DROP COLUMN role; ALTER TABLE users DROP COLUMN scope;"
        "DROP INDEX dead_letters_by_device; DROP INDEX dead_letters_by_week; ALTER TABLE dead_letters DROP COLUMN device_id;"
        "ALTER TABLE units DROP COLUMN retired; ALTER TABLE devices DROP COLUMN survey_id; ALTER TABLE devices DROP COLUMN survey_version;"
        "DROP TABLE survey_drafts; DROP TABLE survey_groups; ALTER TABLE surveys DROP COLUMN retired_on;"
        "ALTER TABLE users DROP COLUMN disabled; ALTER TABLE users DROP COLUMN must_change_password; ALTER TABLE users DROP COLUMN last_sign_in_at;"
        "INSERT INTO tallies SELECT survey_id, survey_version, kind, unit_id, subject, value, '*', count, sum FROM tallies;"
        "PRAGMA user_version = 3";
    char* message = nullptr;
    const int rc = sqlite3_exec(db, back, nullptr, nullptr, &message);
    INFO((message != nullptr ? message : ""));
    REQUIRE(rc == SQLITE_OK);
    sqlite3_close(db);

    auto reopened = server::SqliteStorage::open(central.data.store());
    REQUIRE_MESSAGE(reopened.ok(), (reopened.ok() ? "" : reopened.error().message));
    central.store = std::move(*reopened);
    CHECK(central.count("responses") == 6);
    std::int64_t allWeeks = -1;
    central.query("SELECT count(*) FROM tallies WHERE period = '*'", [&](sqlite3_stmt* row) { allWeeks = sqlite3_column_int64(row, 0); });
    CHECK(allWeeks == 0);
    auto anna = central.store->findUser("anna");
    REQUIRE(anna.ok());
    REQUIRE(anna->has_value());
    CHECK((*anna)->role == "administrator");  // what every account could do before roles
    auto solhoj = central.store->findUnit("solhoj");
    REQUIRE(solhoj.ok());
    REQUIRE(solhoj->has_value());
    CHECK_FALSE((*solhoj)->retired);  // every unit was active before units could retire
    // and the upgraded store reports and rejects sealed copies like a new one
    const Run copy = [&] {
        server::Api api(*central.store, central.keys, Central::lenientOptions(), central.fakeClock.clock());
        const auto replay = api.handle(server::HttpRequest::make("POST", "/api/v1/batches", Central::batchBody({{shared::newUuidV4(), items[0].sealed}}),
                                                                 device.bearer()));
        return Run{replay.status, replay.body, ""};
    }();
    CHECK(copy.code == 200);
    CHECK(copy.out.find("rejected") != std::string::npos);
    REQUIRE(run({"rounds", "add", "autumn", "--from", "2026-W40", "--to", "2026-W52", "--data", data}).code == 0);
    REQUIRE(run({"rounds", "release", "autumn", "--early", "--data", data}).code == 0);
    CHECK(central.count("responses") == 6);
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

TEST_CASE("backup, restore and doctor from the command line: a restored folder passes the doctor, nothing is overwritten") {
    SVARBOKS_SQLITE_ONLY("makes a data folder of its own with init, whose store is its SQLite file (the case runs in server_tests)");
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "central").string();
    REQUIRE(run({"init", "--data", data}).code == 0);
    REQUIRE(run({"units", "add", "solhoj", "--name", "Plejecenter Solhøj", "--data", data}).code == 0);

    const std::string file = (dir.path() / "central.backup").string();
    const Run made = run({"backup", "--to", file, "--data", data});
    REQUIRE_MESSAGE(made.code == 0, made.err);
    CHECK(made.out.find("0 responses") != std::string::npos);
    CHECK(made.out.find("sha256 ") != std::string::npos);
    CHECK(modeOf(file) == 0600U);
    const Run again = run({"backup", "--to", file, "--data", data});
    CHECK(again.code == 1);
    CHECK(again.err.find("never replaces a file") != std::string::npos);

    const std::string restored = (dir.path() / "restored").string();
    const Run back = run({"restore", "--from", file, "--data", restored});
    REQUIRE_MESSAGE(back.code == 0, back.err);
    CHECK(back.out.find("restored from") != std::string::npos);
    const Run over = run({"restore", "--from", file, "--data", data});
    CHECK(over.code == 1);
    CHECK(over.err.find("never overwrites a data folder") != std::string::npos);

    // The doctor on the restored folder: only warnings at most (the machine's time zone and clock service
    // are not the test's to choose), one line per check.
    const Run doctor = run({"doctor", "--data", restored});
    CHECK_MESSAGE(doctor.code == 0, doctor.out);
    CHECK(doctor.out.find("ok      keys: ") != std::string::npos);
    CHECK(doctor.out.find("store: intact") != std::string::npos);
    std::filesystem::permissions(std::filesystem::path(restored) / "secret.key", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    const Run sick = run({"doctor", "--data", restored});
    CHECK(sick.code == 1);
    CHECK(sick.out.find("PROBLEM keys: ") != std::string::npos);
    CHECK(sick.out.find("-> chmod 600 ") != std::string::npos);
}

TEST_CASE("--database and SVARBOKS_DATABASE choose the store on every command; no message repeats a password") {
    SVARBOKS_SQLITE_ONLY("about the option itself, with a URL nothing answers (it runs in server_tests)");
    Central central;
    const std::string data = central.data.root.string();
    // Port 1 on this machine: nothing answers there, with or without a PostgreSQL engine built in.
    const std::string url = "postgresql://svarboks:s3cret-pw@127.0.0.1:1/central?sslmode=disable&password=s3cret-pw";
    const std::string shown = "postgresql://svarboks@127.0.0.1:1/central?sslmode=disable";
    const auto refused = [&](const Run& result) {
        CHECK(result.code == 1);
        CHECK(result.err.find("s3cret-pw") == std::string::npos);
        CHECK(result.out.find("s3cret-pw") == std::string::npos);
    };

    const Run units = run({"units", "list", "--data", data, "--database", url});
    refused(units);
    CHECK_MESSAGE(units.err.find(shown) != std::string::npos, units.err);
    // The engine's own words: it could not connect (nothing listens on port 1).
    CHECK_MESSAGE(units.err.find("cannot connect") != std::string::npos, units.err);

    // The same from the environment, so that the URL need not be on the command line.
    ::setenv("SVARBOKS_DATABASE", url.c_str(), 1);
    const Run fromEnv = run({"rounds", "list", "--data", data});
    const Run doctor = run({"doctor", "--data", data});
    const Run init = run({"init", "--data", data + "-replica"});
    ::unsetenv("SVARBOKS_DATABASE");
    refused(fromEnv);
    CHECK(fromEnv.err.find(shown) != std::string::npos);
    refused(doctor);
    CHECK_MESSAGE(doctor.out.find("PROBLEM store: store " + shown + ": cannot connect") != std::string::npos, doctor.out);
    refused(init);
    CHECK(init.err.find(shown) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data + "-replica"));  // nothing made when the database cannot be opened
    // Without it again, the folder's SQLite store as before.
    CHECK(run({"rounds", "list", "--data", data}).code == 0);

    // Backup and restore copy a SQLite file: on PostgreSQL they say what to use instead.
    const Run backup = run({"backup", "--to", data + ".backup", "--data", data, "--database", url});
    refused(backup);
    CHECK(backup.err.find("pg_dump") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data + ".backup"));

    // Anything but a postgresql:// URL is refused without being repeated (it may be a conninfo with a password).
    const Run conninfo = run({"units", "list", "--data", data, "--database", "host=db password=s3cret-pw"});
    refused(conninfo);
    CHECK(conninfo.err.find("expected a postgresql:// (or postgres://) URL") != std::string::npos);

    const Run help = run({"serve", "--help"});
    CHECK(help.out.find("--database") != std::string::npos);
    CHECK(help.out.find("SVARBOKS_DATABASE") != std::string::npos);
    CHECK(help.out.find("~/.pgpass") != std::string::npos);
}

TEST_CASE("database URLs are shown without their password") {
    CHECK(server::redactDatabaseUrl("postgresql://svarboks:pw@db.example:5432/central") == "postgresql://svarboks@db.example:5432/central");
    CHECK(server::redactDatabaseUrl("postgres://u:p@ss@db/x") == "postgres://u@db/x");  // '@' in a password
    CHECK(server::redactDatabaseUrl("postgresql://svarboks@127.0.0.1/central") == "postgresql://svarboks@127.0.0.1/central");
    CHECK(server::redactDatabaseUrl("postgresql:///central?host=/run/postgresql") == "postgresql:///central?host=/run/postgresql");
    CHECK(server::redactDatabaseUrl("postgresql://db/x?password=pw&sslmode=require") == "postgresql://db/x?sslmode=require");
    CHECK(server::redactDatabaseUrl("postgresql://db/x?password=pw") == "postgresql://db/x");
    CHECK(server::redactDatabaseUrl("host=db password=pw").find("pw") == std::string::npos);
    CHECK(server::isPostgresUrl("postgres://db/x"));
    CHECK_FALSE(server::isPostgresUrl("sqlite:///x"));
}

TEST_CASE("serve --trusted-proxy takes IP addresses only") {
    test::ServerTempDir dir;
    const std::string data = (dir.path() / "none").string();
    const Run name = run({"serve", "--data", data, "--trusted-proxy", "lb.example"});
    CHECK(name.code == 2);
    CHECK(name.err.find("--trusted-proxy 'lb.example': expected the IPv4 or IPv6 address of a load balancer") != std::string::npos);
    CHECK(run({"serve", "--data", data, "--trusted-proxy", "10.0.0.5:443"}).code == 2);
}
