#pragma once
// What each screen shows, as plain data built from the model by pure functions. The ImGui screens only
// draw these and return the Intent of what was tapped; every decision is made here or in the model.
#include "svarboks/client/keyboard.hpp"
#include "svarboks/client/kiosk_model.hpp"
#include "svarboks/client/setup_model.hpp"
#include "svarboks/client/ui_texts.hpp"
#include "svarboks/shared/doctor.hpp"

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace svarboks::client {

struct ButtonView {
    std::string label;
    Intent intent;
    bool enabled = true;
    bool selected = false;
    bool primary = false;
};

struct WelcomeView {
    std::string title;
    std::string description;
    std::vector<ButtonView> locales;  ///< one per locale the survey offers; the current one selected
    ButtonView start;
    ButtonView largeText;  ///< larger text for this respondent: selected while on
    std::string anonymousNote;
};

struct ConsentView {
    std::string title;
    std::vector<std::string> paragraphs;
    ButtonView accept;
    ButtonView decline;
};

/// A question over the screen with two answers (start over, delete held answers).
struct ConfirmView {
    std::string question;
    ButtonView yes;
    ButtonView no;
};

/// The on-screen keyboard (keyboard.hpp): rows of keys, each `span` key widths wide.
struct KeyboardView {
    struct Key {
        ButtonView button;
        float span = 1;
    };
    std::vector<std::vector<Key>> rows;
};

struct QuestionView {
    enum class Layout { Info, Choices, Row, Number, Text };
    Layout layout = Layout::Info;
    std::string title;
    std::string description;
    std::vector<std::string> paragraphs;  ///< html elements: plain paragraphs ("• " for list items)
    std::vector<ButtonView> options;      ///< answer buttons (choices, rating values, yes/no)
    std::string minLabel;                 ///< rating: the descriptions at the two ends
    std::string maxLabel;
    std::string numberText;               ///< the number pad's display
    std::vector<ButtonView> keys;         ///< the number pad
    std::string text;                     ///< free text: what is typed so far
    std::string textWarning;              ///< free text: not to write names (it can identify a person)
    std::string textCount;                ///< free text: "12 of 150 characters"
    KeyboardView keyboard;                ///< free text: the on-screen keyboard (the setup screen's)
    std::string hint;                     ///< what to do, e.g. "Choose up to 2." or a range
    bool hintIsProblem = false;           ///< the hint explains why Next is disabled
    std::string progressText;             ///< "4 of 22"
    float progress = 0;                   ///< 0..1
    ButtonView back;
    ButtonView next;
    ButtonView startOver;
    bool enabled = true;
    std::optional<ConfirmView> confirm;
};

struct MessageView {
    std::string title;
    std::string body;
    std::optional<ButtonView> action;
    bool busy = false;  ///< an operation is under way (saving)
};

struct ProfileView {
    struct Area {
        std::string title;
        std::string level;   ///< level title, or "not answered"
        std::string advice;
        float fraction = 0;  ///< 0..1 for the bar; 0 when not answered
        bool answered = false;
    };
    std::string title;
    std::string note;
    std::vector<Area> areas;
    ButtonView done;
    /// Where the areas do not fit one screen, the screen shows them a page at a time: this page (0 first),
    /// the buttons to the page before and after it (their intents carry no page: the screen sets it),
    /// and "Page 2 of 3" in the respondent's language.
    std::size_t page = 0;
    ButtonView previousPage;
    ButtonView nextPage;
    std::function<std::string(std::size_t page, std::size_t pages)> pageOf;
};

struct PinPadView {
    std::string title;
    std::string hint;
    std::string masked;  ///< one dot per digit entered
    std::vector<ButtonView> keys;
    std::string message;  ///< wrong PIN / locked
    ButtonView ok;
    ButtonView cancel;
};

/// One field of the setup form: tapping it gives it the keyboard.
struct FieldView {
    std::string label;
    std::string text;         ///< as typed; a PIN as one dot per digit
    bool focused = false;
    ButtonView focus;         ///< the field itself, as a button (its label is the text, or the placeholder)
};

struct SetupView {
    std::string title;
    std::string intro;
    std::vector<ButtonView> locales;
    std::vector<FieldView> fields;  ///< endpoint, code, PIN, PIN again
    KeyboardView keyboard;
    std::string hint;               ///< what is still missing before Enrol
    ButtonView enrol;
    std::optional<ButtonView> cancel;  ///< re-enrolment only: back to the kiosk as it was
    /// While enrolling or after a failure, this replaces the form.
    std::optional<MessageView> message;
    std::optional<ButtonView> messageCancel;  ///< after a failure on a re-enrolment
};

/// The calm screen of an enrolled kiosk that does not have its unit's survey yet, in Danish and English.
struct NotReadyView {
    struct Block {
        std::string title;
        std::string body;
    };
    std::vector<Block> blocks;  ///< one per language
    std::string detail;         ///< why, for IT (both languages on one line each), e.g. no survey for the unit yet
};

/// Why an enrolled kiosk has no survey yet, as the uploader last found it.
enum class SurveyWait { Trying, NoneForUnit, Unreachable };

/// What the admin screen reports, gathered by the app outside the frame path.
struct AdminStatus {
    std::string unit;
    std::string syncState;  ///< "" = not configured yet
    std::int64_t pending = 0;
    std::int64_t quarantined = 0;
    std::int64_t held = 0;  ///< completed implausibly (HoldRules), kept unsent until released or deleted
    std::string freeDisk;
    std::string appVersion;
    std::string lastError;
    std::string notice;  ///< the result of the last admin action (e.g. an export)
    SurveyWait surveyWait = SurveyWait::Trying;  ///< for the not-ready screen
    std::vector<shared::Check> checks;  ///< the last run of the checks, in the kiosk's language (kiosk_doctor.hpp)
    bool checking = false;              ///< a run is under way
    int checkSeconds = 0;               ///< the longest a run takes
};

struct AdminView {
    std::string title;
    std::vector<std::pair<std::string, std::string>> rows;
    std::string notice;
    std::vector<ButtonView> actions;  ///< drawn two to a row, from the top
    std::optional<ConfirmView> confirm;
};

/// The admin's Check: one line per check of the kiosk's doctor, each with a mark and, when it is not fine,
/// what to do.
struct CheckLineView {
    shared::Check::Level level = shared::Check::Level::Ok;
    std::string mark;  ///< "✓ OK", "! Warning", "✗ Problem"
    std::string name;
    std::string detail;
    std::string action;
};

struct ChecksView {
    std::string title;
    std::string intro;
    std::vector<CheckLineView> lines;
    std::string summary;  ///< "Everything is fine.", "Problems: 1. Warnings: 2."; "" while checking
    std::optional<MessageView> running;  ///< while the checks run
    ButtonView back;
    ButtonView again;
};

struct IdleWarningView {
    std::string title;
    std::string body;
    ButtonView stay;
};

/// How much larger the text is when a respondent chooses larger text on the welcome screen.
inline constexpr float kLargeTextScale = 1.3f;

struct ScreenView {
    Screen screen = Screen::Welcome;
    float textScale = 1;  ///< the respondent's text size: 1, or kLargeTextScale (the platform sizes the fonts by it)
    std::variant<WelcomeView, ConsentView, QuestionView, MessageView, ProfileView, PinPadView, AdminView, SetupView, NotReadyView,
                 ChecksView>
        content;
    std::optional<IdleWarningView> idleWarning;
    /// Read aloud ("Stop" while it speaks) on the welcome, consent, question and profile screens, when the kiosk offers it.
    std::optional<ButtonView> readAloud;
};

/// Whether the respondent screens offer Read aloud (config read_aloud, and a speaker), and whether it speaks now.
struct ReadAloudState {
    bool offered = false;
    bool speaking = false;
};

/// Splits survey html (or plain text with blank lines) into paragraphs: <p>, <br> and blank lines break,
/// <li> becomes "• item", every other tag is dropped, and &amp; &lt; &gt; &quot; &#39; &nbsp; are decoded.
[[nodiscard]] std::vector<std::string> htmlToParagraphs(std::string_view html);

[[nodiscard]] ScreenView makeScreenView(const KioskModel& model, const UiTexts& texts, const AdminStatus& admin,
                                        TimePoint now, ReadAloudState readAloud = {});

/// The keyboard's keys as buttons (labels in the keyboard's case), with Shift, Backspace and Space (`spaceLabel`).
[[nodiscard]] KeyboardView makeKeyboardView(const Keyboard& keyboard, const std::string& spaceLabel, bool enabled = true);

/// The setup screen (Screen::Setup) in the model's language.
[[nodiscard]] ScreenView makeSetupView(const SetupModel& model, const UiTexts& texts);

}  // namespace svarboks::client
