#pragma once
// The setup screen of a kiosk with no enrolment, as a plain state machine: the endpoint address (prefilled
// from IT's defaults), the one-time code and a new admin PIN (6 digits, twice), typed on the on-screen
// keyboard; then enrolling (run off the UI thread by the caller, kiosk_shell.hpp) and, when it fails, why.
// Driven only by intents, so it is tested without a display or a network. Secrets (the code, the PIN) live
// here in memory only, until the enrolment has used them.
#include "svarboks/client/keyboard.hpp"
#include "svarboks/client/kiosk_model.hpp"

#include <array>
#include <string>

namespace svarboks::client {

/// What the caller must do after SetupModel::apply().
enum class SetupEffect { None, Enrol, Cancel };

class SetupModel {
public:
    enum class Field { Endpoint, Code, Pin, PinRepeat };
    enum class Phase { Form, Enrolling, Failed };
    /// Why an enrolment failed, as the screen words it.
    enum class Failure { None, CodeRefused, Unreachable, Certificate, NotStored, Other };

    static constexpr std::size_t kMaxEndpointChars = 200;
    static constexpr std::size_t kMaxCodeChars = 40;

    /// The languages of the setup screen.
    static constexpr const char* kLocales[] = {"da", "en"};

    /// `endpoint` prefills the address; `canCancel`: the kiosk is enrolled already (the admin chose re-enrol),
    /// so Cancel goes back to it. `locale`: the screen's language to start with (da or en; else da).
    SetupModel(std::string endpoint, bool canCancel, const std::string& locale = "da");

    /// Applies one intent: the language (SelectLocale), focusing a field, typing into it, Enrol (only when the form is complete), Cancel,
    /// and, after a failure, back to the form. Thread: the UI thread only.
    SetupEffect apply(const Intent& intent);
    /// The caller started the enrolment (after SetupEffect::Enrol).
    void enrolStarted();
    /// The enrolment failed: the failure screen shows `failure` in words and `detail` (English, for IT).
    /// The code is kept when it may still be good (not after CodeRefused); the PIN is kept.
    void enrolFailed(Failure failure, std::string detail);

    [[nodiscard]] Phase phase() const { return m_phase; }
    [[nodiscard]] const std::string& locale() const { return m_locale; }
    [[nodiscard]] Field focus() const { return m_focus; }
    [[nodiscard]] const std::string& text(Field field) const { return m_fields[static_cast<std::size_t>(field)]; }
    [[nodiscard]] const Keyboard& keyboard() const { return m_keyboard; }
    [[nodiscard]] bool canCancel() const { return m_canCancel; }
    [[nodiscard]] Failure failure() const { return m_failure; }
    [[nodiscard]] const std::string& failureDetail() const { return m_detail; }
    /// What is still missing or wrong before Enrol can be tapped, as a text key of assets/ui/texts.json
    /// ("" when the form is complete): the endpoint, the code, the PIN, or two PINs that differ.
    [[nodiscard]] std::string problem() const;
    [[nodiscard]] bool canEnrol() const { return m_phase == Phase::Form && problem().empty(); }

    /// The field's name in SetupFocus intents ("endpoint", "code", "pin", "pin_repeat").
    [[nodiscard]] static const char* name(Field field);

private:
    void focus(Field field);
    [[nodiscard]] std::string& edited() { return m_fields[static_cast<std::size_t>(m_focus)]; }

    std::array<std::string, 4> m_fields;
    Field m_focus = Field::Code;
    Keyboard m_keyboard;
    Phase m_phase = Phase::Form;
    Failure m_failure = Failure::None;
    std::string m_detail;
    bool m_canCancel = false;
    std::string m_locale = "da";
};

}  // namespace svarboks::client
