// The PIN pad's lock survives restarts: wrong PINs and the lock are kept in pin-lock.json beside the outbox
// (PinLockFile), read by a new KioskModel or KioskApp over the same folder. Injected clocks: a "reboot" is a
// new steady clock epoch with the wall clock moved on.
#include "svarboks/client/kiosk_app.hpp"
#include "svarboks/client/kiosk_model.hpp"
#include "svarboks/client/pin_lock_file.hpp"
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <fstream>

using namespace svarboks;
using namespace std::chrono_literals;
using client::Intent;
using client::KioskModel;
using client::PinLockFile;
using client::Screen;
using K = client::Intent::Kind;
using nlohmann::json;
namespace fs = std::filesystem;
using test::readFile;
using test::TempDir;

namespace {

constexpr const char* kPin = "246813";

const json kSurvey = test::surveyWith(json::array({{{"type", "boolean"}, {"name", "q"}}}));

// One boot of the kiosk: its own steady clock, and the wall clock the file is written with.
struct Boot {
    std::shared_ptr<std::chrono::system_clock::time_point> wall;
    fs::path file;
    client::TimePoint now;
    std::shared_ptr<const shared::Survey> survey = std::make_shared<const shared::Survey>(test::mustLoad(kSurvey));
    int checks = 0;
    std::function<void()> duringCheck;
    KioskModel model{survey, client::KioskTimings{},
                     [this](std::string_view pin) {
                         ++checks;
                         if (duringCheck) duringCheck();
                         return pin == kPin;
                     },
                     client::HoldRules{},
                     std::make_unique<PinLockFile>(file, client::KioskTimings{}, [wall = wall] { return *wall; })};

    Boot(std::shared_ptr<std::chrono::system_clock::time_point> wall_, fs::path file_, client::TimePoint start)
        : wall(std::move(wall_)), file(std::move(file_)), now(start) {}

    void pass(std::chrono::seconds by) {
        now += by;
        *wall += by;
    }
    void openPad() {
        model.apply(Intent::of(K::CornerPressed), now);
        pass(3s);
        model.tick(now);
        REQUIRE(model.screen() == Screen::PinPad);
    }
    void enter(const std::string& pin) {
        for (const char digit : pin) model.apply(Intent::withText(K::PinDigit, std::string(1, digit)), now);
        model.apply(Intent::of(K::PinSubmit), now);
    }
};

json stored(const fs::path& file) { return json::parse(readFile(file)); }

}  // namespace

TEST_CASE("pin lock: five wrong PINs lock the pad, and a restart does not lift the lock") {
    TempDir dir;
    const fs::path file = dir.path() / "pin-lock.json";
    auto wall = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 9h);
    {
        Boot first(wall, file, client::TimePoint{} + 1000h);
        first.openPad();
        for (int i = 0; i < 5; ++i) first.enter("111111");
        REQUIRE(first.model.pinLockedFor(first.now).has_value());
        CHECK(*first.model.pinLockedFor(first.now) == 300);
        CHECK(stored(file)["failures"] == 5);
        struct stat info {};
        REQUIRE(::stat(file.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
    }

    // A reboot one minute later: a new steady clock (it starts near zero again), the wall clock moved on.
    *wall += 60s;
    Boot second(wall, file, client::TimePoint{} + 10s);
    second.openPad();
    REQUIRE(second.model.pinLockedFor(second.now).has_value());
    CHECK(*second.model.pinLockedFor(second.now) == 237);  // 300 - 60 - the 3 s long-press
    second.enter(kPin);
    CHECK(second.model.screen() == Screen::PinPad);  // even the right PIN does nothing while locked
    CHECK(second.checks == 0);

    // After the lock, one more wrong PIN locks for twice as long, and that survives a restart too.
    second.pass(240s);
    second.model.apply(Intent::of(K::Touch), second.now);
    second.model.tick(second.now);
    CHECK_FALSE(second.model.pinLockedFor(second.now).has_value());
    second.enter("222222");
    REQUIRE(second.model.pinLockedFor(second.now).has_value());
    CHECK(*second.model.pinLockedFor(second.now) == 600);
    CHECK(stored(file)["failures"] == 6);

    Boot third(wall, file, client::TimePoint{} + 1h);
    third.openPad();
    REQUIRE(third.model.pinLockedFor(third.now).has_value());
    CHECK(*third.model.pinLockedFor(third.now) == 597);
}

TEST_CASE("pin lock: the right PIN resets the count, in the file too") {
    TempDir dir;
    const fs::path file = dir.path() / "pin-lock.json";
    auto wall = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 9h);
    {
        Boot first(wall, file, client::TimePoint{} + 1000h);
        first.openPad();
        for (int i = 0; i < 4; ++i) first.enter("111111");
        CHECK(first.model.pinAttemptsLeft() == 1);
    }
    Boot second(wall, file, client::TimePoint{} + 1h);
    second.openPad();
    CHECK(second.model.pinFailures() == 4);  // a restart does not give fresh attempts
    second.enter(kPin);
    CHECK(second.model.screen() == Screen::Admin);
    CHECK(stored(file)["failures"] == 0);
    CHECK(stored(file)["locked_until"].is_null());

    Boot third(wall, file, client::TimePoint{} + 2h);
    third.openPad();
    CHECK(third.model.pinFailures() == 0);
    for (int i = 0; i < 4; ++i) third.enter("111111");
    CHECK_FALSE(third.model.pinLockedFor(third.now).has_value());
}

TEST_CASE("pin lock: a wrong PIN is on disk before the slow check runs, so a power cut during it gives no free guess") {
    TempDir dir;
    const fs::path file = dir.path() / "pin-lock.json";
    auto wall = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 9h);
    Boot boot(wall, file, client::TimePoint{} + 1000h);
    boot.openPad();
    int seenDuringCheck = -1;
    boot.duringCheck = [&] { seenDuringCheck = stored(file)["failures"].get<int>(); };
    boot.enter("111111");
    CHECK(seenDuringCheck == 1);
    boot.enter(kPin);
    CHECK(seenDuringCheck == 2);  // the right one is charged too, then reset
    CHECK(stored(file)["failures"] == 0);
}

TEST_CASE("pin lock: a wall clock set back or forward cannot stretch a lock beyond a day, and a damaged file locks") {
    TempDir dir;
    const fs::path file = dir.path() / "pin-lock.json";
    auto wall = std::make_shared<std::chrono::system_clock::time_point>(std::chrono::sys_days{std::chrono::year{2026} / 12 / 1} + 9h);
    {
        Boot first(wall, file, client::TimePoint{} + 1000h);
        first.openPad();
        for (int i = 0; i < 5; ++i) first.enter("111111");
    }
    // A reboot with no battery-backed clock: the wall clock starts in 1970.
    *wall = std::chrono::system_clock::time_point{} + 1h;
    {
        Boot second(wall, file, client::TimePoint{} + 10s);
        second.openPad();
        REQUIRE(second.model.pinLockedFor(second.now).has_value());
        CHECK(*second.model.pinLockedFor(second.now) == 24 * 3600);
    }
    // The clock jumps years ahead: the lock is over (the count stays).
    *wall = std::chrono::sys_days{std::chrono::year{2030} / 1 / 1};
    {
        Boot third(wall, file, client::TimePoint{} + 10s);
        third.openPad();
        CHECK_FALSE(third.model.pinLockedFor(third.now).has_value());
        CHECK(third.model.pinFailures() == 5);
    }
    // Not ours, or not JSON: locked as after five wrong PINs.
    for (const char* damaged : {"{\"format\": \"other\"}", "garbage", "{\"format\": \"svarboks-pin-lock\", \"failures\": \"5\"}"}) {
        CAPTURE(damaged);
        std::ofstream(file) << damaged;
        Boot fourth(wall, file, client::TimePoint{} + 10s);
        fourth.openPad();
        REQUIRE(fourth.model.pinLockedFor(fourth.now).has_value());
        CHECK(*fourth.model.pinLockedFor(fourth.now) == 300);
    }
}

TEST_CASE("pin lock: a restarted KioskApp over the same folder is still locked") {
    TempDir dir;
    shared::KioskConfig config;
    config.surveyFile = (fs::path(SVARBOKS_SOURCE_DIR) / "assets/surveys/digital-kompetence.json").string();
    config.outboxFile = (dir.path() / "outbox.db").string();
    config.centralPublicKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
    auto hash = shared::hashPin(kPin);
    REQUIRE(hash.ok());
    config.pinHash = *hash;
    const auto openPad = [](client::KioskApp& app, client::TimePoint& now) {
        app.handle(Intent::of(K::CornerPressed), now);
        now += 3s;
        app.tick(now);
        REQUIRE(app.model().screen() == Screen::PinPad);
    };
    const auto enter = [](client::KioskApp& app, client::TimePoint now, const std::string& pin) {
        for (const char digit : pin) app.handle(Intent::withText(K::PinDigit, std::string(1, digit)), now);
        app.handle(Intent::of(K::PinSubmit), now);
    };
    {
        auto created = client::KioskApp::create(config, false);
        REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
        client::TimePoint now = client::Clock::now();
        openPad(**created, now);
        for (int i = 0; i < 5; ++i) enter(**created, now, "111111");
        CHECK((*created)->model().pinLockedFor(now).has_value());
    }
    CHECK(fs::exists(dir.path() / "pin-lock.json"));  // beside the outbox
    auto again = client::KioskApp::create(config, false);
    REQUIRE(again.ok());
    client::TimePoint now = client::Clock::now();
    openPad(**again, now);
    REQUIRE((*again)->model().pinLockedFor(now).has_value());
    CHECK(*(*again)->model().pinLockedFor(now) > 290);
    const auto view = std::get<client::PinPadView>((*again)->view(now).content);
    // 5 minutes, give or take the second the file rounds up to.
    CHECK((view.message == "For mange forkerte forsøg. Prøv igen om 5 minutter." ||
           view.message == "For mange forkerte forsøg. Prøv igen om 6 minutter."));
    enter(**again, now, kPin);
    CHECK((*again)->model().screen() == Screen::PinPad);
}
