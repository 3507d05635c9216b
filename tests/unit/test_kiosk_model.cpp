// The kiosk model, driven by intents and an injected clock: no display, no disk, no sleeping.
#include "svarboks/client/kiosk_model.hpp"
#include "svarboks/client/views.hpp"
#include "test_helpers.hpp"

using namespace svarboks;
using namespace std::chrono_literals;
using client::Effect;
using client::Intent;
using client::KioskModel;
using client::Screen;
using K = client::Intent::Kind;
using nlohmann::json;

namespace {

const json kSurvey = [] {
    json s = test::surveyWith({
        {{"type", "html"}, {"name", "intro"}, {"html", {{"da", "Hej"}, {"en", "Hi"}}}},
        {{"type", "boolean"}, {"name", "uses"}, {"isRequired", true}, {"title", {{"da", "Bruger du?"}, {"en", "Do you use?"}}}},
        {{"type", "radiogroup"}, {"name", "how"}, {"choices", {1, 2, 3, 4}}, {"visibleIf", "{uses} = true"}, {"competence", "1.1"}},
        {{"type", "checkbox"}, {"name", "which"}, {"choices", {"a", "b", "c"}}, {"maxSelectedChoices", 2}, {"showNoneItem", true}},
        {{"type", "text"}, {"inputType", "number"}, {"name", "hours"}, {"min", 0}, {"max", 200}},
    });
    s["consent"] = {{"da", "Samtykke"}, {"en", "Consent"}};
    s["scoring"] = {{"areas", {{{"id", "a"}, {"title", "A"}, {"competences", {"1.1"}}}}},
                    {"levels", {{{"id", "l"}, {"min", 0}, {"title", "L"}}}},
                    {"advice", {{"a", {{"l", "Do this"}}}}}};
    return s;
}();

struct Fixture {
    std::shared_ptr<const shared::Survey> survey = std::make_shared<const shared::Survey>(test::mustLoad(kSurvey));
    client::TimePoint now = client::TimePoint{} + 1000h;
    KioskModel model{survey, client::KioskTimings{}, [](std::string_view pin) { return pin == "246813"; }};

    Effect act(K kind) { return model.apply(Intent::of(kind), now); }
    Effect act(K kind, json value) { return model.apply(Intent::withValue(kind, std::move(value)), now); }
    Effect type(K kind, std::string text) { return model.apply(Intent::withText(kind, std::move(text)), now); }
    void wait(client::Clock::duration d) {
        now += d;
        model.tick(now);
    }
    std::string current() const { return model.survey().elements[model.currentElement()].name; }
    void toFirstQuestion() {
        act(K::Start);
        act(K::AcceptConsent);
    }
    /// The corner held, the right PIN: the admin screen.
    void toAdmin() {
        model.apply(Intent::of(K::CornerPressed), now);
        wait(3s);
        for (const char* digit : {"2", "4", "6", "8", "1", "3"}) type(K::PinDigit, digit);
        act(K::PinSubmit);
        REQUIRE(model.screen() == Screen::Admin);
    }
};

}  // namespace

TEST_CASE("a respondent goes welcome -> consent -> questions -> saving -> profile -> thank you -> welcome") {
    Fixture f;
    CHECK(f.model.screen() == Screen::Welcome);
    f.type(K::SelectLocale, "en");
    CHECK(f.model.locale() == "en");
    f.act(K::Start);
    CHECK(f.model.screen() == Screen::Consent);
    f.act(K::AcceptConsent);
    CHECK(f.model.screen() == Screen::Question);
    CHECK(f.current() == "intro");
    CHECK(f.model.canGoNext());
    f.act(K::Next);
    CHECK(f.current() == "uses");
    CHECK_FALSE(f.model.canGoNext());  // required and unanswered
    f.act(K::Next);
    CHECK(f.current() == "uses");
    f.act(K::Choose, true);
    CHECK(f.model.progress() == std::pair<std::size_t, std::size_t>{2, 5});
    f.act(K::Next);
    CHECK(f.current() == "how");
    f.act(K::Choose, 3);
    f.act(K::Next);
    CHECK(f.current() == "which");
    CHECK(f.model.canGoNext());  // optional
    f.act(K::Toggle, "a");
    f.act(K::Next);
    CHECK(f.current() == "hours");
    CHECK(f.model.isLastScreen());
    f.type(K::Key, "1");
    f.type(K::Key, "2");
    CHECK(f.act(K::Next) == Effect::SaveResponse);
    CHECK(f.model.screen() == Screen::Saving);

    const auto payload = f.model.completedResponse("2026-W48");
    CHECK(payload.answers == json{{"uses", true}, {"how", 3}, {"which", {"a"}}, {"hours", 12}});
    CHECK(payload.locale == "en");
    CHECK(payload.period == "2026-W48");
    CHECK(payload.consentSha256 == f.survey->consentSha256);

    f.model.saveSucceeded(f.now);
    CHECK(f.model.screen() == Screen::Profile);
    CHECK(f.model.answers()[2].is_null());           // the respondent's answers are gone from the form...
    CHECK(f.model.profileAnswers()[2] == 3);         // ...kept only for the profile on screen
    f.act(K::ProfileDone);
    CHECK(f.model.screen() == Screen::ThankYou);
    CHECK(f.model.profileAnswers().empty());
    f.wait(8s);
    CHECK(f.model.screen() == Screen::Welcome);
    CHECK(f.model.locale() == "da");  // back to the default for the next person
}

TEST_CASE("branches follow the answers live, and a hidden question's answer is dropped") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, true);
    f.act(K::Next);
    f.act(K::Choose, 2);
    f.act(K::Back);
    CHECK(f.current() == "uses");
    f.act(K::Choose, false);
    CHECK(f.model.answers()[2].is_null());
    CHECK_FALSE(f.model.states()[2].visible);
    f.act(K::Next);
    CHECK(f.current() == "which");  // "how" is skipped now
    f.act(K::Back);
    CHECK(f.current() == "uses");
    f.act(K::Back);
    CHECK(f.current() == "intro");
    f.act(K::Back);
    CHECK(f.model.screen() == Screen::Consent);
}

TEST_CASE("checkbox: none stands alone, maxSelectedChoices holds, the order follows the survey") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, false);
    f.act(K::Next);
    REQUIRE(f.current() == "which");
    f.act(K::Toggle, "c");
    f.act(K::Toggle, "a");
    CHECK(f.model.answers()[3] == json{"a", "c"});
    f.act(K::Toggle, "b");  // a third one: refused
    CHECK(f.model.answers()[3] == json{"a", "c"});
    f.act(K::Toggle, "none");
    CHECK(f.model.answers()[3] == json{"none"});
    f.act(K::Toggle, "b");
    CHECK(f.model.answers()[3] == json{"b"});
    f.act(K::Toggle, "b");
    CHECK(f.model.answers()[3].is_null());
    f.act(K::Toggle, "zzz");
    CHECK(f.model.answers()[3].is_null());
}

TEST_CASE("number pad: digits, a decimal comma, backspace, and Next only within min/max") {
    Fixture f;
    f.toFirstQuestion();
    for (int i = 0; i < 3; ++i) f.act(K::Next);
    f.act(K::Choose, false);
    f.act(K::Next);
    f.act(K::Next);
    REQUIRE(f.current() == "hours");
    for (const char* key : {"2", "5", "0"}) f.type(K::Key, key);
    CHECK(f.model.answers()[4] == 250);
    CHECK_FALSE(f.model.canGoNext());
    CHECK(f.model.currentProblem() == "the answer 250 is above the maximum 200");
    f.act(K::Backspace);
    f.type(K::Key, ",");
    f.type(K::Key, "5");
    CHECK(f.model.numberDraft() == "25,5");
    CHECK(f.model.answers()[4] == 25.5);
    CHECK(f.model.canGoNext());
    f.type(K::Key, ",");  // a second comma is ignored
    f.type(K::Key, "x");
    CHECK(f.model.numberDraft() == "25,5");
    for (int i = 0; i < 4; ++i) f.act(K::Backspace);
    CHECK(f.model.answers()[4].is_null());
    CHECK(f.model.canGoNext());  // optional: may be left empty
}

TEST_CASE("idle: a warning with a countdown, Continue keeps everything, silence wipes it") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, true);
    f.wait(89s);
    CHECK_FALSE(f.model.idleCountdown(f.now).has_value());
    f.wait(1s);
    CHECK(f.model.idleCountdown(f.now) == 20);
    CHECK(f.model.nextDeadline(f.now) == f.now + 1s);  // wakes each second for the countdown
    f.wait(5s);
    CHECK(f.model.idleCountdown(f.now) == 15);
    f.act(K::StillHere);
    CHECK_FALSE(f.model.idleCountdown(f.now).has_value());
    CHECK(f.model.answers()[1] == true);
    f.wait(90s);
    f.wait(19s);
    CHECK(f.model.screen() == Screen::Question);
    f.wait(1s);
    CHECK(f.model.screen() == Screen::Welcome);
    CHECK(f.model.answers()[1].is_null());
    CHECK_FALSE(f.model.nextDeadline(f.now).has_value());  // nothing to do until someone taps: ~0 % CPU
}

TEST_CASE("start over asks first, then forgets everything; declining consent forgets too") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, true);
    f.act(K::StartOver);
    CHECK(f.model.confirmingStartOver());
    f.act(K::Choose, false);  // ignored while the confirmation shows
    CHECK(f.model.answers()[1] == true);
    f.act(K::CancelStartOver);
    CHECK(f.model.screen() == Screen::Question);
    f.act(K::StartOver);
    f.act(K::ConfirmStartOver);
    CHECK(f.model.screen() == Screen::Welcome);
    CHECK(f.model.answers()[1].is_null());
    f.act(K::Start);
    f.act(K::DeclineConsent);
    CHECK(f.model.screen() == Screen::Welcome);
}

TEST_CASE("a failed save keeps the answers and shows the error until a retry succeeds") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, false);
    f.act(K::Next);
    f.act(K::Next);
    REQUIRE(f.act(K::Next) == Effect::SaveResponse);
    f.model.saveFailed("disk full", f.now);
    CHECK(f.model.screen() == Screen::Saving);
    CHECK(f.model.saveError() == "disk full");
    f.wait(10min);  // no idle wipe while a response waits to be saved
    CHECK(f.model.screen() == Screen::Saving);
    CHECK(f.model.completedResponse("2026-W48").answers == json{{"uses", false}});
    CHECK(f.act(K::RetrySave) == Effect::SaveResponse);
    f.model.saveSucceeded(f.now);
    CHECK(f.model.screen() == Screen::Profile);
    f.wait(60s);
    CHECK(f.model.screen() == Screen::ThankYou);
}

TEST_CASE("admin: a 3 s corner press opens the PIN pad, and forgets a respondent in progress") {
    Fixture f;
    f.toFirstQuestion();
    f.act(K::Next);
    f.act(K::Choose, true);
    f.act(K::CornerPressed);
    f.wait(2s);
    CHECK(f.model.screen() == Screen::Question);
    f.act(K::CornerReleased);
    f.wait(2s);
    CHECK(f.model.screen() == Screen::Question);  // released too early
    f.act(K::CornerPressed);
    f.wait(3s);
    CHECK(f.model.screen() == Screen::PinPad);
    CHECK(f.model.answers()[1].is_null());
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) f.type(K::PinDigit, d);
    CHECK(f.model.pinEntry() == "246813");
    f.act(K::PinSubmit);
    CHECK(f.model.screen() == Screen::Admin);
    CHECK(f.act(K::AdminExport) == Effect::ExportOutbox);
    CHECK(f.act(K::AdminSyncNow) == Effect::SyncNow);
    CHECK(f.act(K::AdminQuit) == Effect::Quit);
    f.act(K::AdminClose);
    CHECK(f.model.screen() == Screen::Welcome);
}

TEST_CASE("admin: five wrong PINs lock the pad for five minutes") {
    Fixture f;
    f.act(K::CornerPressed);
    f.wait(3s);
    REQUIRE(f.model.screen() == Screen::PinPad);
    for (int attempt = 1; attempt <= 5; ++attempt) {
        f.type(K::PinDigit, "1");
        f.act(K::PinSubmit);
        CHECK(f.model.pinWasWrong());
        CHECK(f.model.screen() == Screen::PinPad);
    }
    REQUIRE(f.model.pinLockedFor(f.now).has_value());
    CHECK(*f.model.pinLockedFor(f.now) == 300);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) f.type(K::PinDigit, d);
    f.act(K::PinSubmit);
    CHECK(f.model.screen() == Screen::PinPad);  // even the right PIN does nothing while locked
    for (int i = 0; i < 5; ++i) {
        f.wait(59s);
        f.act(K::Touch);  // someone keeps the kiosk awake: the lock still runs out by the clock
    }
    f.wait(6s);
    CHECK_FALSE(f.model.pinLockedFor(f.now).has_value());
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) f.type(K::PinDigit, d);
    f.act(K::PinSubmit);
    CHECK(f.model.screen() == Screen::Admin);
}

TEST_CASE("admin: each wrong PIN after a lock locks again for twice as long, up to a day; the right PIN resets") {
    Fixture f;
    f.act(K::CornerPressed);
    f.wait(3s);
    REQUIRE(f.model.screen() == Screen::PinPad);
    const auto wrong = [&] {
        f.type(K::PinDigit, "1");
        f.act(K::PinSubmit);
    };
    for (int attempt = 1; attempt <= 4; ++attempt) {
        wrong();
        CHECK_FALSE(f.model.pinLockedFor(f.now).has_value());
        CHECK(f.model.pinAttemptsLeft() == 5 - attempt);
    }
    for (const int seconds : {300, 600, 1200, 2400}) {
        wrong();
        REQUIRE(f.model.pinLockedFor(f.now).has_value());
        CHECK(*f.model.pinLockedFor(f.now) == seconds);
        f.now += std::chrono::seconds(seconds);
        f.act(K::Touch);  // the idle timer would otherwise close the pad
        f.model.tick(f.now);
        CHECK_FALSE(f.model.pinLockedFor(f.now).has_value());
        CHECK(f.model.pinAttemptsLeft() == 1);  // the next wrong one locks again
    }
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) f.type(K::PinDigit, d);
    f.act(K::PinSubmit);
    CHECK(f.model.screen() == Screen::Admin);
    CHECK(f.model.pinFailures() == 0);
}

TEST_CASE("admin: the lock's length: none for the first four, 5 minutes at the fifth, doubling, at most 24 hours") {
    const client::KioskTimings timings;
    CHECK(client::pinLockDelay(0, 5, timings) == 0s);
    CHECK(client::pinLockDelay(4, 5, timings) == 0s);
    CHECK(client::pinLockDelay(5, 5, timings) == 5min);
    CHECK(client::pinLockDelay(6, 5, timings) == 10min);
    CHECK(client::pinLockDelay(13, 5, timings) == 1280min);
    CHECK(client::pinLockDelay(14, 5, timings) == 24h);
    CHECK(client::pinLockDelay(1'000'000, 5, timings) == 24h);
}

TEST_CASE("a new survey is taken only between respondents") {
    Fixture f;
    f.toFirstQuestion();
    json changed = kSurvey;
    changed["surveyVersion"] = "2";
    f.model.offerSurvey(std::make_shared<const shared::Survey>(test::mustLoad(changed)), f.now);
    CHECK(f.model.survey().version == "1");
    f.act(K::StartOver);
    f.act(K::ConfirmStartOver);
    CHECK(f.model.survey().version == "2");
}

// ---- held responses: implausibly fast, or one of a burst ----

namespace {

// One respondent through the whole test survey (4 answered questions), `perTap` apart on the clock; the
// commit succeeds. Returns whether the model asked to commit the response as held.
bool respondAt(Fixture& f, client::Clock::duration perTap) {
    const auto tap = [&](K kind, json value = nullptr) {
        f.now += perTap;
        if (value.is_string() && kind == K::Key) return f.type(kind, value.get<std::string>());
        return value.is_null() ? f.act(kind) : f.act(kind, value);
    };
    tap(K::Start);
    tap(K::AcceptConsent);
    tap(K::Next);
    tap(K::Choose, true);
    tap(K::Next);
    tap(K::Choose, 3);
    tap(K::Next);
    tap(K::Toggle, "a");
    tap(K::Next);
    tap(K::Key, "7");
    REQUIRE(tap(K::Next) == Effect::SaveResponse);
    REQUIRE(f.model.completedResponse("2026-W48").answers.size() == 4);
    const bool held = f.model.completedResponseHeld();
    f.model.saveSucceeded(f.now);
    // The respondent sees the same profile and thank-you either way.
    CHECK(f.model.screen() == Screen::Profile);
    f.act(K::ProfileDone);
    CHECK(f.model.screen() == Screen::ThankYou);
    f.wait(10s);
    CHECK(f.model.screen() == Screen::Welcome);
    return held;
}

}  // namespace

TEST_CASE("hold rules: faster than the floor or than the time per answer, or beyond the burst limit") {
    const client::HoldRules rules;  // 1.5 s per answer, 10 s in all, 3 within 10 minutes
    CHECK_FALSE(client::shouldHold(rules, 60s, 20, 1));
    CHECK(client::shouldHold(rules, 29s, 20, 1));   // 20 answers need 30 s
    CHECK_FALSE(client::shouldHold(rules, 30s, 20, 1));
    CHECK(client::shouldHold(rules, 9s, 1, 1));     // one answer, but under the 10 s floor
    CHECK(client::shouldHold(rules, 9s, 0, 1));     // everything skipped
    CHECK_FALSE(client::shouldHold(rules, 10s, 0, 1));
    CHECK_FALSE(client::shouldHold(rules, 600s, 20, 3));
    CHECK(client::shouldHold(rules, 600s, 20, 4));  // the fourth within the window

    client::HoldRules off;
    off.minPerAnswer = 0ms;
    off.minTotal = 0s;
    off.maxPerWindow = 1000;
    CHECK_FALSE(client::shouldHold(off, 0s, 20, 1000));
}

TEST_CASE("held: a respondent much faster than a person can read is held; one at a normal pace is not") {
    SUBCASE("half a second a tap: 4 answers in 4.5 s") {
        Fixture f;
        CHECK(respondAt(f, 500ms));
    }
    SUBCASE("4 s a tap: 4 answers in 36 s") {
        Fixture f;
        CHECK_FALSE(respondAt(f, 4s));
    }
    SUBCASE("1 s a tap is 9 s from the consent to Finish: under the 10 s floor") {
        Fixture f;
        CHECK(respondAt(f, 1s));
    }
}

TEST_CASE("held: the thresholds come from the rules given to the model") {
    Fixture f;
    client::HoldRules strict;
    strict.minPerAnswer = 20s;  // 4 answers need 80 s
    KioskModel model{f.survey, client::KioskTimings{}, [](std::string_view) { return false; }, strict};
    f.model = std::move(model);
    CHECK(respondAt(f, 4s));
    CHECK_FALSE(respondAt(f, 10s));
}

TEST_CASE("held: going back to the consent does not restart the clock") {
    Fixture f;
    f.act(K::Start);
    f.act(K::AcceptConsent);
    f.now += 100s;
    f.act(K::Back);
    REQUIRE(f.model.screen() == Screen::Consent);
    f.act(K::AcceptConsent);
    f.act(K::Next);
    f.act(K::Choose, true);
    f.act(K::Next);
    f.act(K::Next);
    f.act(K::Next);
    REQUIRE(f.act(K::Next) == Effect::SaveResponse);
    CHECK_FALSE(f.model.completedResponseHeld());  // 100 s for 1 answer, counted from the first acceptance
}

TEST_CASE("held: a fourth completion within ten minutes is held, however slow each one was; later ones count afresh") {
    Fixture f;
    // Each respondent takes 11 taps of 8 s (88 s) plus 10 s of thank-you: four fit in ten minutes.
    CHECK_FALSE(respondAt(f, 8s));
    CHECK_FALSE(respondAt(f, 8s));
    CHECK_FALSE(respondAt(f, 8s));
    CHECK(respondAt(f, 8s));
    CHECK(respondAt(f, 8s));  // still within ten minutes of the second
    f.wait(10min);
    CHECK_FALSE(respondAt(f, 8s));
}

TEST_CASE("held: a respondent who is wiped (idle, start over) is not counted as a completion") {
    Fixture f;
    for (int i = 0; i < 5; ++i) {
        f.act(K::Start);
        f.act(K::AcceptConsent);
        f.act(K::StartOver);
        f.act(K::ConfirmStartOver);
    }
    CHECK_FALSE(respondAt(f, 8s));
}

TEST_CASE("admin: Send held answers releases at once; Delete held answers asks first, and Cancel keeps them") {
    Fixture f;
    f.act(K::CornerPressed);
    f.wait(3s);
    for (const char* d : {"2", "4", "6", "8", "1", "3"}) f.type(K::PinDigit, d);
    f.act(K::PinSubmit);
    REQUIRE(f.model.screen() == Screen::Admin);
    CHECK(f.act(K::AdminReleaseHeld) == Effect::ReleaseHeld);

    CHECK(f.act(K::AdminDeleteHeld) == Effect::None);
    CHECK(f.model.confirmingDeleteHeld());
    CHECK(f.act(K::AdminQuit) == Effect::None);  // nothing else while the question shows
    CHECK(f.act(K::AdminCancelDeleteHeld) == Effect::None);
    CHECK_FALSE(f.model.confirmingDeleteHeld());

    f.act(K::AdminDeleteHeld);
    CHECK(f.act(K::AdminConfirmDeleteHeld) == Effect::DeleteHeld);
    CHECK_FALSE(f.model.confirmingDeleteHeld());
    CHECK(f.model.screen() == Screen::Admin);

    f.act(K::AdminDeleteHeld);
    f.act(K::AdminClose);  // ignored: the question is answered first
    CHECK(f.model.screen() == Screen::Admin);
    f.act(K::AdminCancelDeleteHeld);
    f.act(K::AdminClose);
    CHECK(f.model.screen() == Screen::Welcome);
    CHECK_FALSE(f.model.confirmingDeleteHeld());
}

TEST_CASE("not ready: a kiosk with no survey shows the not-ready screen, takes no respondent, and switches when the survey comes") {
    const auto survey = std::make_shared<const shared::Survey>(test::mustLoad(kSurvey));
    client::TimePoint now = client::TimePoint{} + 1000h;
    KioskModel model{nullptr, client::KioskTimings{}, [](std::string_view pin) { return pin == "246813"; }, {}, nullptr, "en"};
    CHECK_FALSE(model.hasSurvey());
    CHECK(model.screen() == Screen::NotReady);
    CHECK(model.locale() == "en");
    CHECK_FALSE(model.nextDeadline(now));  // nothing to time: it waits calmly
    for (const K kind : {K::Start, K::AcceptConsent, K::Next, K::ProfileDone, K::RetrySave}) {
        CHECK(model.apply(Intent::of(kind), now) == Effect::None);
        CHECK(model.screen() == Screen::NotReady);
    }
    model.apply(Intent::withText(K::SelectLocale, "da"), now);
    CHECK(model.locale() == "en");
    now += 1h;
    model.tick(now);
    CHECK(model.screen() == Screen::NotReady);

    // The admin screen is still behind the corner and the PIN; closing it returns to the not-ready screen.
    model.apply(Intent::of(K::CornerPressed), now);
    now += 3s;
    model.tick(now);
    REQUIRE(model.screen() == Screen::PinPad);
    for (const char* digit : {"2", "4", "6", "8", "1", "3"}) model.apply(Intent::withText(K::PinDigit, digit), now);
    model.apply(Intent::of(K::PinSubmit), now);
    REQUIRE(model.screen() == Screen::Admin);
    model.apply(Intent::of(K::AdminClose), now);
    CHECK(model.screen() == Screen::NotReady);

    // A null offer changes nothing; the survey is taken at once on the not-ready screen.
    model.offerSurvey(nullptr, now);
    CHECK(model.screen() == Screen::NotReady);
    model.offerSurvey(survey, now);
    REQUIRE(model.hasSurvey());
    CHECK(model.screen() == Screen::Welcome);
    CHECK(model.survey().id == "t");
    CHECK(model.locale() == survey->defaultLocale);
    model.apply(Intent::of(K::Start), now);
    CHECK(model.screen() == Screen::Consent);
}

TEST_CASE("not ready: the survey offered while the admin screen is open is taken when it closes") {
    KioskModel model{nullptr, client::KioskTimings{}, [](std::string_view pin) { return pin == "246813"; }};
    client::TimePoint now = client::TimePoint{} + 1000h;
    model.apply(Intent::of(K::CornerPressed), now);
    now += 3s;
    model.tick(now);
    for (const char* digit : {"2", "4", "6", "8", "1", "3"}) model.apply(Intent::withText(K::PinDigit, digit), now);
    model.apply(Intent::of(K::PinSubmit), now);
    REQUIRE(model.screen() == Screen::Admin);
    model.offerSurvey(std::make_shared<const shared::Survey>(test::mustLoad(kSurvey)), now);
    CHECK(model.screen() == Screen::Admin);
    CHECK_FALSE(model.hasSurvey());
    model.apply(Intent::of(K::AdminClose), now);
    CHECK(model.screen() == Screen::Welcome);
}

TEST_CASE("admin: a new PIN is 6 digits entered twice alike; two that differ start again; Cancel keeps the old one") {
    Fixture f;
    f.toAdmin();
    CHECK(f.act(K::AdminReenrol) == Effect::Reenrol);
    CHECK(f.act(K::AdminRetryQuarantined) == Effect::RetryQuarantined);
    CHECK(f.model.screen() == Screen::Admin);

    const auto enter = [&](const std::string& pin) {
        for (const char digit : pin) f.type(K::PinDigit, std::string(1, digit));
        return f.act(K::PinSubmit);
    };
    f.act(K::AdminChangePin);
    REQUIRE(f.model.screen() == Screen::NewPin);
    CHECK_FALSE(f.model.newPinRepeating());
    CHECK(enter("12345") == Effect::None);  // too short: OK does nothing
    CHECK(f.model.newPinEntry() == "12345");
    CHECK_FALSE(f.model.newPinRepeating());
    f.type(K::PinDigit, "6");
    f.type(K::PinDigit, "7");  // a seventh digit is not taken
    CHECK(f.model.newPinEntry() == "123456");
    f.act(K::PinBackspace);
    f.type(K::PinDigit, "9");
    CHECK(f.act(K::PinSubmit) == Effect::None);
    CHECK(f.model.newPinRepeating());
    CHECK(f.model.newPinEntry().empty());
    CHECK(enter("123450") == Effect::None);  // not the same
    CHECK(f.model.newPinMismatch());
    CHECK_FALSE(f.model.newPinRepeating());
    CHECK(f.model.screen() == Screen::NewPin);

    CHECK(enter("482913") == Effect::None);
    CHECK_FALSE(f.model.newPinMismatch());
    CHECK(enter("482913") == Effect::ChangePin);
    CHECK(f.model.screen() == Screen::Admin);
    CHECK(f.model.takeNewPin() == "482913");
    CHECK(f.model.takeNewPin().empty());  // once

    f.act(K::AdminChangePin);
    enter("111111");
    f.act(K::PinCancel);
    CHECK(f.model.screen() == Screen::Admin);
    CHECK(f.model.takeNewPin().empty());

    // Left alone, the new PIN screen is wiped like the admin screen.
    f.act(K::AdminChangePin);
    f.type(K::PinDigit, "1");
    f.wait(client::KioskTimings{}.idleTimeout + client::KioskTimings{}.idleWarning);
    CHECK(f.model.screen() == Screen::Welcome);
    CHECK(f.model.newPinEntry().empty());
}

TEST_CASE("admin: Check opens the checks and runs them; again runs them again; Back returns; left alone, it is wiped") {
    Fixture f;
    f.toAdmin();
    CHECK(f.act(K::AdminCheck) == Effect::RunChecks);
    CHECK(f.model.screen() == Screen::Checks);
    CHECK(f.act(K::ChecksAgain) == Effect::RunChecks);
    CHECK(f.act(K::AdminQuit) == Effect::None);  // not an action of this screen
    CHECK(f.act(K::ChecksBack) == Effect::None);
    CHECK(f.model.screen() == Screen::Admin);

    f.act(K::AdminCheck);
    f.wait(client::KioskTimings{}.idleTimeout);
    CHECK(f.model.idleCountdown(f.now).has_value());
    f.wait(client::KioskTimings{}.idleWarning);
    CHECK(f.model.screen() == Screen::Welcome);
}

TEST_CASE("the checks view: a mark per line in the kiosk's language, Check again only when no run is under way") {
    Fixture f;
    auto texts = client::UiTexts::load(test::sourceDir() / "assets/ui/texts.json");
    REQUIRE(texts.ok());
    f.toAdmin();
    f.act(K::AdminCheck);
    client::AdminStatus status;
    status.checking = true;
    status.checkSeconds = 8;
    auto view = std::get<client::ChecksView>(client::makeScreenView(f.model, *texts, status, f.now).content);
    REQUIRE(view.running);
    CHECK(view.running->title == "Kontrollerer … (højst 8 sekunder)");
    CHECK_FALSE(view.again.enabled);
    CHECK(view.summary.empty());

    using Level = shared::Check::Level;
    status.checking = false;
    status.checks = {{Level::Ok, "disk", "41 GiB", ""}, {Level::Warning, "ur", "90 s", "stil det"}, {Level::Problem, "udbakke", "beskadiget", "stop"}};
    view = std::get<client::ChecksView>(client::makeScreenView(f.model, *texts, status, f.now).content);
    CHECK_FALSE(view.running);
    CHECK(view.again.enabled);
    REQUIRE(view.lines.size() == 3);
    CHECK(view.lines[0].mark == "✓ OK");
    CHECK(view.lines[1].mark == "! Advarsel");
    CHECK(view.lines[2].mark == "✗ Fejl");
    CHECK(view.lines[2].action == "stop");
    CHECK(view.summary == "Fejl: 1. Advarsler: 1.");
    status.checks.resize(1);
    CHECK(std::get<client::ChecksView>(client::makeScreenView(f.model, *texts, status, f.now).content).summary == "Alt er i orden.");
}

TEST_CASE("a new admin PIN: exactly six ASCII digits") {
    CHECK(client::isNewPin("482913"));
    CHECK_FALSE(client::isNewPin("48291"));
    CHECK_FALSE(client::isNewPin("4829130"));
    CHECK_FALSE(client::isNewPin("48291a"));
    CHECK_FALSE(client::isNewPin(""));
}
