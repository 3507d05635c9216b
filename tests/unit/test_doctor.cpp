// `svarboks-central doctor` and the checks it shares with the kiosk's (issue 15): each finds what IT would
// otherwise find only when kiosks fail, and says what to do.
#include "test_server_fixture.hpp"

#include "svarboks/server/doctor.hpp"
#include "svarboks/server/tls.hpp"

#include <sys/stat.h>

#include <sstream>

namespace svarboks::test {
namespace {

const shared::Check* find(const std::vector<shared::Check>& checks, const std::string& name) {
    for (const auto& check : checks) {
        if (check.name == name) return &check;
    }
    return nullptr;
}

shared::Check::Level levelOf(const std::vector<shared::Check>& checks, const std::string& name) {
    const auto* check = find(checks, name);
    REQUIRE_MESSAGE(check != nullptr, "no check named " << name);
    return check->level;
}

}  // namespace

TEST_CASE("central doctor: a fresh data folder is fine; broken modes, a damaged store and an old certificate are not") {
    SVARBOKS_SQLITE_ONLY("checks the data folder's SQLite file and its integrity");
    Central central;
    const auto now = central.fakeClock.now();
    auto checks = server::checkCentral(central.data, now);
    for (const char* name : {"data folder", "keys", "TLS certificate", "store", "disk"}) {
        CHECK_MESSAGE(levelOf(checks, name) == shared::Check::Level::Ok, name << ": " << find(checks, name)->detail);
    }
    std::ostringstream printed;
    CHECK(shared::printChecks(checks, printed) == 0);
    CHECK(printed.str().find("TLS certificate: for ") != std::string::npos);

    SUBCASE("a secret key others can read") {
        fs::permissions(central.data.secretKey(), fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
        checks = server::checkCentral(central.data, now);
        CHECK(levelOf(checks, "keys") == shared::Check::Level::Problem);
        CHECK(find(checks, "keys")->action == "chmod 600 " + central.data.secretKey().string());
        std::ostringstream out;
        CHECK(shared::printChecks(checks, out) == 1);
    }
    SUBCASE("a data folder others can read") {
        fs::permissions(central.data.root, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
        checks = server::checkCentral(central.data, now);
        CHECK(levelOf(checks, "data folder") == shared::Check::Level::Problem);
        CHECK(find(checks, "data folder")->action == "chmod 700 " + central.data.root.string());
    }
    SUBCASE("a certificate that expires in 10 days, and one that has expired") {
        fs::remove(central.data.tlsCert());
        fs::remove(central.data.tlsKey());
        REQUIRE(server::writeSelfSignedCertificate(central.data.tlsCert(), central.data.tlsKey(), {"127.0.0.1"}, std::chrono::hours(24 * 10)).ok());
        checks = server::checkCentral(central.data, std::chrono::system_clock::now());
        CHECK(levelOf(checks, "TLS certificate") == shared::Check::Level::Warning);
        CHECK(find(checks, "TLS certificate")->detail.find("days left") != std::string::npos);
        checks = server::checkCentral(central.data, std::chrono::system_clock::now() + std::chrono::hours(24 * 11));
        CHECK(levelOf(checks, "TLS certificate") == shared::Check::Level::Problem);
        CHECK(find(checks, "TLS certificate")->detail.find("expired on") != std::string::npos);
    }
    SUBCASE("a damaged store") {
        central.store.reset();
        central.api.reset();
        std::string bytes = Central::readFile(central.data.store());
        REQUIRE(bytes.size() > 8192);
        for (std::size_t i = 4096; i < 8192; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
        { std::ofstream(central.data.store(), std::ios::binary) << bytes; }
        checks = server::checkCentral(central.data, now);
        CHECK(levelOf(checks, "store") == shared::Check::Level::Problem);
    }
    SUBCASE("no data folder at all: one line that says how to make it") {
        checks = server::checkCentral(server::DataDir{central.dir.path() / "missing"}, now);
        REQUIRE(checks.size() == 1);
        CHECK(checks.front().action.find("svarboks-central init") != std::string::npos);
    }
}

TEST_CASE("doctor: time zone, clock skew and disk say what to do") {
    CHECK(shared::timeZoneCheck("Europe/Copenhagen").level == shared::Check::Level::Ok);
    const auto utc = shared::timeZoneCheck("Etc/UTC");
    CHECK(utc.level == shared::Check::Level::Warning);
    CHECK(utc.action.find("timedatectl set-timezone Europe/Copenhagen") != std::string::npos);
    CHECK(shared::clockSkewLevel(-1) == shared::Check::Level::Ok);
    CHECK(shared::clockSkewLevel(60) == shared::Check::Level::Ok);
    CHECK(shared::clockSkewLevel(-100) == shared::Check::Level::Warning);
    CHECK(shared::clockSkewLevel(301) == shared::Check::Level::Problem);
    CHECK(shared::clockSkewLevel(-400) == shared::Check::Level::Problem);
    CHECK(shared::diskLevel(100ULL << 20) == shared::Check::Level::Problem);
    CHECK(shared::diskLevel(512ULL << 20) == shared::Check::Level::Warning);
    CHECK(shared::diskLevel(2ULL << 30) == shared::Check::Level::Ok);
    CHECK(shared::gibibytes(3ULL << 29) == "1.5 GiB");
    CHECK(shared::diskCheck(fs::temp_directory_path()).level != shared::Check::Level::Problem);
    CHECK(shared::diskCheck("/no/such/folder").level == shared::Check::Level::Problem);
}

}  // namespace svarboks::test
