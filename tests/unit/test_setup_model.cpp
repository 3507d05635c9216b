// The on-screen keyboard and the setup screen's model: typing, what the form still needs, enrolling and its
// failures. No display, no network: the enrolment itself is the caller's (kiosk_shell.hpp).
#include "svarboks/client/keyboard.hpp"
#include "svarboks/client/setup_model.hpp"

#include <doctest/doctest.h>

using namespace svarboks;
using client::Intent;
using client::Keyboard;
using client::SetupEffect;
using client::SetupModel;
using Field = SetupModel::Field;
using Phase = SetupModel::Phase;
using Failure = SetupModel::Failure;
using K = Intent::Kind;

namespace {

void type(SetupModel& model, const std::string& text) {
    // One key per character; æ, ø and å are two bytes each.
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = (static_cast<unsigned char>(text[i]) & 0x80) ? 2 : 1;
        model.apply(Intent::withText(K::KeyboardKey, text.substr(i, n)));
        i += n;
    }
}

void focus(SetupModel& model, Field field) { model.apply(Intent::withText(K::SetupFocus, SetupModel::name(field))); }

}  // namespace

TEST_CASE("keyboard: keys append, Danish letters in both cases, Backspace removes whole characters, a limit holds") {
    Keyboard keyboard;
    std::string text;
    CHECK(keyboard.apply(Intent::withText(K::KeyboardKey, "a"), text, 10));
    CHECK(keyboard.apply(Intent::withText(K::KeyboardKey, "ø"), text, 10));
    CHECK(keyboard.apply(Intent::withText(K::KeyboardKey, "Å"), text, 10));
    CHECK(keyboard.apply(Intent::withText(K::KeyboardKey, " "), text, 10));
    CHECK(text == "aøÅ ");
    CHECK(Keyboard::length(text) == 4);
    CHECK(keyboard.apply(Intent::of(K::KeyboardBackspace), text, 10));
    CHECK(keyboard.apply(Intent::of(K::KeyboardBackspace), text, 10));
    CHECK(text == "aø");
    CHECK(keyboard.apply(Intent::of(K::KeyboardBackspace), text, 10));
    CHECK(text == "a");
    // Not keys of this keyboard: refused, nothing changes.
    CHECK_FALSE(keyboard.apply(Intent::withText(K::KeyboardKey, "ab"), text, 10));
    CHECK_FALSE(keyboard.apply(Intent::withText(K::KeyboardKey, "<"), text, 10));
    CHECK_FALSE(keyboard.apply(Intent::of(K::Next), text, 10));
    CHECK(text == "a");
    for (int i = 0; i < 5; ++i) keyboard.apply(Intent::withText(K::KeyboardKey, "æ"), text, 3);
    CHECK(text == "aææ");
    std::string empty;
    CHECK(keyboard.apply(Intent::of(K::KeyboardBackspace), empty, 3));
    CHECK(empty.empty());

    CHECK_FALSE(keyboard.upperCase());
    keyboard.apply(Intent::of(K::KeyboardShift), text, 3);
    CHECK(keyboard.upperCase());
    CHECK(Keyboard::upper("æ") == "Æ");
    CHECK(Keyboard::upper("q") == "Q");
    CHECK(Keyboard::upper("7") == "7");
    CHECK(Keyboard::upper(":") == ":");
}

TEST_CASE("setup: prefilled address, the code next; a PIN is digits only and moves on to its repetition") {
    SetupModel model("https://svarboks.kommune.dk", false);
    CHECK(model.phase() == Phase::Form);
    CHECK(model.focus() == Field::Code);
    CHECK(model.keyboard().upperCase());  // codes are printed in capitals
    CHECK(model.problem() == "setup_need_code");
    CHECK_FALSE(model.canEnrol());
    CHECK(model.apply(Intent::of(K::SetupEnrol)) == SetupEffect::None);
    CHECK(model.apply(Intent::of(K::SetupCancel)) == SetupEffect::None);  // nothing to go back to

    type(model, "K7QM-3XHD-9PLA");
    CHECK(model.text(Field::Code) == "K7QM-3XHD-9PLA");
    CHECK(model.problem() == "setup_need_pin");
    focus(model, Field::Pin);
    CHECK_FALSE(model.keyboard().upperCase());
    type(model, "48a2:9");  // letters and signs are not PIN digits
    CHECK(model.text(Field::Pin) == "4829");
    type(model, "13");
    CHECK(model.text(Field::Pin) == "482913");
    CHECK(model.focus() == Field::PinRepeat);
    CHECK(model.problem() == "setup_need_pin_repeat");
    type(model, "482914");
    CHECK(model.problem() == "setup_pin_mismatch");
    model.apply(Intent::of(K::KeyboardBackspace));
    type(model, "3");
    CHECK(model.problem().empty());
    CHECK(model.canEnrol());

    // The address must be https://; editing it shows at once.
    focus(model, Field::Endpoint);
    for (int i = 0; i < 40; ++i) model.apply(Intent::of(K::KeyboardBackspace));
    CHECK(model.text(Field::Endpoint).empty());
    CHECK(model.problem() == "setup_need_endpoint");
    type(model, "http://x");
    CHECK(model.problem() == "setup_need_endpoint");
    for (int i = 0; i < 8; ++i) model.apply(Intent::of(K::KeyboardBackspace));
    type(model, "https://127.0.0.1:8443");
    CHECK(model.canEnrol());

    model.apply(Intent::withText(K::SelectLocale, "en"));
    CHECK(model.locale() == "en");
    model.apply(Intent::withText(K::SelectLocale, "sv"));
    CHECK(model.locale() == "en");
}

TEST_CASE("setup: enrolling ignores the form; a failure says why, keeps the PIN, and goes back to the form") {
    SetupModel model("", false, "en");
    CHECK(model.focus() == Field::Endpoint);
    CHECK(model.locale() == "en");
    type(model, "https://central.kommune.dk");
    focus(model, Field::Code);
    type(model, "K7QM3XHD9PLA");
    focus(model, Field::Pin);
    type(model, "482913482913");
    REQUIRE(model.canEnrol());
    CHECK(model.apply(Intent::of(K::SetupEnrol)) == SetupEffect::Enrol);

    model.enrolStarted();
    CHECK(model.phase() == Phase::Enrolling);
    CHECK_FALSE(model.canEnrol());
    type(model, "x");
    focus(model, Field::Endpoint);
    CHECK(model.apply(Intent::of(K::SetupEnrol)) == SetupEffect::None);
    CHECK(model.text(Field::PinRepeat) == "482913");

    model.enrolFailed(Failure::Unreachable, "no connection: Connection refused");
    CHECK(model.phase() == Phase::Failed);
    CHECK(model.failure() == Failure::Unreachable);
    CHECK(model.failureDetail() == "no connection: Connection refused");
    CHECK(model.text(Field::Code) == "K7QM3XHD9PLA");  // still good
    type(model, "x");
    CHECK(model.text(Field::PinRepeat) == "482913");
    model.apply(Intent::of(K::SetupRetry));
    CHECK(model.phase() == Phase::Form);
    CHECK(model.canEnrol());

    CHECK(model.apply(Intent::of(K::SetupEnrol)) == SetupEffect::Enrol);
    model.enrolStarted();
    model.enrolFailed(Failure::CodeRefused, "the server refused the code");
    CHECK(model.text(Field::Code).empty());  // spent or unknown: a new one is needed
    CHECK(model.text(Field::Pin) == "482913");
    model.apply(Intent::of(K::SetupRetry));
    CHECK(model.focus() == Field::Code);
    CHECK(model.problem() == "setup_need_code");
}

TEST_CASE("setup: a re-enrolment can be cancelled, on the form and after a failure") {
    SetupModel model("https://central.kommune.dk", true);
    CHECK(model.canCancel());
    CHECK(model.apply(Intent::of(K::SetupCancel)) == SetupEffect::Cancel);
    model.enrolStarted();
    CHECK(model.apply(Intent::of(K::SetupCancel)) == SetupEffect::None);  // not while it runs
    model.enrolFailed(Failure::Certificate, "the server's certificate could not be verified");
    CHECK(model.apply(Intent::of(K::SetupCancel)) == SetupEffect::Cancel);
}
