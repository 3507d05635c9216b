#pragma once
// The kiosk as a plain state machine: which screen, the answers so far, the idle timer and the admin
// lock. Driven only by intents and a clock, so it is tested without a display. Side effects (saving a
// response, quitting, exporting) are returned as an Effect for the caller to carry out.
//
// A kiosk with no survey (enrolled, but its unit's survey has not arrived from the endpoint yet) shows the
// not-ready screen instead of the welcome screen, and takes the survey the moment it is offered.
//
// Half-finished answers live here, in memory only: an idle timeout, "start over" or a crash forgets them.
// The admin PIN pad's count of wrong PINs and its lock are the one thing the model keeps across restarts,
// through an injected PinLockStore (pin_lock_file.hpp keeps it in a file), so that pulling the plug does not
// give a guesser fresh attempts.
// So do the times that decide whether a completed response is held (HoldRules): when the respondent
// accepted the consent and when recent respondents finished. Only the decision leaves the model.
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::client {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

/// Setup is the setup screen of a kiosk with no enrolment (setup_model.hpp); the others are KioskModel's.
/// Checks is the admin's Check: the lines of the kiosk's doctor (kiosk_doctor.hpp).
enum class Screen { Welcome, Consent, Question, Saving, Profile, ThankYou, PinPad, Admin, NotReady, NewPin, Checks, Setup };

/// What a person did. Screens return these; nothing else changes the model.
struct Intent {
    enum class Kind {
        None,
        Touch,             ///< any tap: keeps the kiosk awake
        SelectLocale,      ///< text = locale
        Start,             ///< welcome -> consent
        AcceptConsent,
        DeclineConsent,
        Choose,            ///< value = the answer (rating, radiogroup, boolean)
        Toggle,            ///< value = a checkbox choice
        Key,               ///< text = one character for the number pad: 0-9, '-', ','
        KeyboardKey,       ///< text = one character (UTF-8) from the on-screen keyboard (keyboard.hpp)
        KeyboardBackspace,
        KeyboardShift,
        Backspace,         ///< number pad
        Next,              ///< Next, or Finish on the last screen
        Back,
        StartOver,         ///< asks for confirmation
        ConfirmStartOver,
        CancelStartOver,
        StillHere,         ///< the idle warning's Continue
        ReadAloud,         ///< read the screen aloud, or stop reading (speech.hpp)
        ProfileDone,       ///< profile -> thank you
        ProfilePage,       ///< value = the profile's page to show (0 first), where it does not fit one screen
        LargeText,         ///< larger text on or off, for this respondent only (welcome screen)
        RetrySave,
        CornerPressed,     ///< the hidden admin corner went down
        CornerReleased,
        PinDigit,          ///< text = one digit
        PinBackspace,
        PinSubmit,
        PinCancel,
        AdminClose,
        AdminQuit,
        AdminExport,
        AdminSyncNow,
        AdminReleaseHeld,        ///< send the held responses
        AdminDeleteHeld,         ///< asks for confirmation
        AdminConfirmDeleteHeld,
        AdminCancelDeleteHeld,
        AdminReenrol,            ///< back to the setup screen (refused while answers wait unsent)
        AdminChangePin,          ///< the new PIN screen: 6 digits, twice (PinDigit, PinBackspace, PinSubmit, PinCancel)
        AdminRetryQuarantined,   ///< send the quarantined answers again
        AdminCheck,              ///< the Checks screen, and a run of the checks
        ChecksAgain,             ///< run the checks again
        ChecksBack,              ///< back to the admin screen
        SetupFocus,              ///< text = the setup field to type into (SetupModel::Field's name)
        SetupEnrol,
        SetupRetry,              ///< back to the form after a failed enrolment
        SetupCancel,             ///< leave the setup screen of a kiosk that is enrolled already (re-enrol)
    };
    Kind kind = Kind::None;
    std::string text;
    nlohmann::json value;

    static Intent of(Kind kind) { return Intent{kind, {}, {}}; }
    static Intent withText(Kind kind, std::string text) { return Intent{kind, std::move(text), {}}; }
    static Intent withValue(Kind kind, nlohmann::json value) { return Intent{kind, {}, std::move(value)}; }
};

/// How many characters a free-text answer may have on the kiosk: a line (`text`) or a few sentences
/// (`comment`). Typing on a touch screen is slow, and the less free text, the less it can identify.
[[nodiscard]] std::size_t freeTextLimit(shared::ElementType type);

/// Whether `screen` is one a respondent may have read aloud: welcome, consent, a question, the profile. Pure.
[[nodiscard]] inline bool readsAloud(Screen screen) {
    return screen == Screen::Welcome || screen == Screen::Consent || screen == Screen::Question || screen == Screen::Profile;
}

/// What the caller must do after apply()/tick().
enum class Effect { None, SaveResponse, Quit, ExportOutbox, SyncNow, ReleaseHeld, DeleteHeld, Reenrol, ChangePin, RetryQuarantined, RunChecks,
                    ReadAloud };

struct KioskTimings {
    std::chrono::seconds idleTimeout{90};      ///< quiet time before the warning
    std::chrono::seconds idleWarning{20};      ///< the warning's countdown
    std::chrono::seconds profileTimeout{60};   ///< the profile returns by itself
    std::chrono::seconds thankYou{8};          ///< the thank-you screen
    std::chrono::seconds adminHold{3};         ///< long-press on the corner
    std::chrono::minutes pinLockout{5};        ///< after kMaxPinAttempts wrong PINs; doubled by each further one
    std::chrono::hours pinLockoutCap{24};      ///< the longest lock
};

/// How long the PIN pad locks after the `failures`-th wrong PIN in a row: nothing before `freeAttempts`,
/// then `timings.pinLockout`, doubling with each further wrong PIN, at most `timings.pinLockoutCap`. Pure.
[[nodiscard]] std::chrono::seconds pinLockDelay(int failures, int freeAttempts, const KioskTimings& timings);

/// Wrong PINs in a row and the lock they caused, on the model's clock.
struct PinLockState {
    int failures = 0;
    std::optional<TimePoint> lockedUntil;
    bool operator==(const PinLockState&) const = default;
};

/// Where PinLockState outlives the process. The model calls it on its own thread only.
class PinLockStore {
public:
    virtual ~PinLockStore() = default;
    /// What was stored, with the lock's end on the caller's clock at `now`; a fresh state when nothing was.
    [[nodiscard]] virtual PinLockState load(TimePoint now) = 0;
    /// Stores `state` (its lock's end relative to `now`). An error names the file and what failed.
    [[nodiscard]] virtual shared::Status save(const PinLockState& state, TimePoint now) = 0;
};

/// When a completed response is held: kept in the outbox, unsent, until an admin sends or deletes it.
/// Thresholds of what no person answering honestly does (docs/configuration.md#held-responses).
struct HoldRules {
    std::chrono::milliseconds minPerAnswer{1500};  ///< faster per answered question is held (0 = no check)
    std::chrono::seconds minTotal{10};             ///< faster in all is held (0 = no check)
    int maxPerWindow = 3;                          ///< completions beyond this many within `window` are held
    std::chrono::minutes window{10};
};

/// The length of a new admin PIN set on the kiosk's screens (`config set-pin` also takes 7 or 8 digits).
inline constexpr std::size_t kNewPinLength = 6;
/// Whether `pin` can be a new admin PIN on the screens: kNewPinLength ASCII digits. Pure.
[[nodiscard]] bool isNewPin(std::string_view pin);

/// Whether a response is held: it took `took` from accepting the consent to Finish with `answered` answered
/// questions, and it is the `nthInWindow`-th completion (itself included) within the rules' window. Pure.
[[nodiscard]] bool shouldHold(const HoldRules& rules, Clock::duration took, std::size_t answered, std::size_t nthInWindow);

class KioskModel {
public:
    static constexpr int kMaxPinAttempts = 5;
    static constexpr std::size_t kMaxPinLength = 8;

    /// `survey` may be null: the kiosk shows the not-ready screen until offerSurvey() gives it one.
    /// `checkPin` verifies an admin PIN (a slow hash in production; injected so tests stay fast).
    /// `pinStore` keeps wrong PINs and the lock across restarts; without one they live in memory only.
    /// `locale` is the admin screens' language while there is no survey (else the survey's default).
    KioskModel(std::shared_ptr<const shared::Survey> survey, KioskTimings timings,
               std::function<bool(std::string_view)> checkPin, HoldRules holdRules = {},
               std::unique_ptr<PinLockStore> pinStore = nullptr, std::string locale = "da");

    /// Applies one intent at time `now`. Thread: the UI thread only.
    Effect apply(const Intent& intent, TimePoint now);
    /// Runs the timers (idle warning, idle wipe, profile and thank-you timeouts, admin long-press).
    Effect tick(TimePoint now);
    /// When tick() next has something to do (at most a second ahead while a countdown shows): the main
    /// loop may sleep until then. Empty: nothing until the next input.
    [[nodiscard]] std::optional<TimePoint> nextDeadline(TimePoint now) const;

    /// After Effect::SaveResponse: the payload to seal and commit (answers of visible questions only).
    [[nodiscard]] shared::ResponsePayload completedResponse(const std::string& period) const;
    /// After Effect::SaveResponse: whether to commit that response as held (HoldRules), decided when Finish
    /// was tapped. Only this yes/no is kept, never why or when.
    [[nodiscard]] bool completedResponseHeld() const { return m_holdCompleted; }
    /// The caller reports the commit. Success shows the profile; failure keeps the answers and shows
    /// `message` on the Saving screen until RetrySave or the next attempt succeeds.
    void saveSucceeded(TimePoint now);
    void saveFailed(std::string message, TimePoint now);

    /// A new survey is taken only on the welcome or not-ready screen, never in the middle of a respondent.
    void offerSurvey(std::shared_ptr<const shared::Survey> survey, TimePoint now);

    /// After Effect::ChangePin: the new PIN the admin entered twice, once (then it is wiped from the model).
    [[nodiscard]] std::string takeNewPin();
    /// Replaces the PIN check (after the app stored a new PIN).
    void setCheckPin(std::function<bool(std::string_view)> checkPin) { m_checkPin = std::move(checkPin); }

    // ---- read-only state for views ----
    [[nodiscard]] Screen screen() const { return m_screen; }
    /// False while the kiosk waits for its survey (the not-ready screen); survey() needs one.
    [[nodiscard]] bool hasSurvey() const { return m_survey != nullptr; }
    [[nodiscard]] const shared::Survey& survey() const { return *m_survey; }
    [[nodiscard]] const std::string& locale() const { return m_locale; }
    [[nodiscard]] std::size_t currentElement() const { return m_current; }
    [[nodiscard]] const shared::AnswerSlots& answers() const { return m_answers; }
    [[nodiscard]] const std::vector<shared::ElementState>& states() const { return m_states; }
    [[nodiscard]] const std::string& numberDraft() const { return m_numberDraft; }
    /// A free-text question's answer as typed on the on-screen keyboard, and whether the next letter is upper
    /// case (at the start, and after Shift, for one letter as on a phone).
    [[nodiscard]] const std::string& textDraft() const { return m_textDraft; }
    [[nodiscard]] bool textUpperCase() const { return m_textUpperCase; }
    /// 1-based position of the current screen among the visible ones, and how many are visible.
    [[nodiscard]] std::pair<std::size_t, std::size_t> progress() const;
    [[nodiscard]] bool isLastScreen() const;
    /// Next is allowed: an html screen, an answered question, or an optional/disabled one; never an invalid answer.
    [[nodiscard]] bool canGoNext() const;
    /// Why the current answer is not acceptable ("" when it is), e.g. a number out of range.
    [[nodiscard]] std::string currentProblem() const;
    [[nodiscard]] bool confirmingStartOver() const { return m_confirmStartOver; }
    /// Seconds left on the idle warning; empty when no warning shows.
    [[nodiscard]] std::optional<int> idleCountdown(TimePoint now) const;
    [[nodiscard]] const std::string& saveError() const { return m_saveError; }
    [[nodiscard]] const std::string& pinEntry() const { return m_pin; }
    [[nodiscard]] int pinFailures() const { return m_pinFailures; }
    /// Wrong PINs that may still be entered before the pad locks (1 once a lock has run out: the next wrong
    /// one locks it again, for longer).
    [[nodiscard]] int pinAttemptsLeft() const { return std::max(1, kMaxPinAttempts - m_pinFailures); }
    /// Why the PIN lock could not be stored ("" when it could); the lock still holds until a restart.
    [[nodiscard]] const std::string& pinStoreError() const { return m_pinStoreError; }
    /// While the PIN pad is locked after too many wrong PINs: the seconds left.
    [[nodiscard]] std::optional<int> pinLockedFor(TimePoint now) const;
    [[nodiscard]] bool pinWasWrong() const { return m_pinWrong; }
    /// The admin tapped "Delete held answers" and the screen asks to confirm.
    [[nodiscard]] bool confirmingDeleteHeld() const { return m_confirmDeleteHeld; }
    /// The new PIN screen: the digits typed so far, whether this is the second entry, and whether the last
    /// two entries differed.
    [[nodiscard]] const std::string& newPinEntry() const { return m_newPin; }
    [[nodiscard]] bool newPinRepeating() const { return !m_newPinFirst.empty(); }
    [[nodiscard]] bool newPinMismatch() const { return m_newPinMismatch; }
    /// Answers of the finished respondent, kept only while the profile shows (then wiped).
    [[nodiscard]] const shared::AnswerSlots& profileAnswers() const { return m_profileAnswers; }
    /// Larger text, chosen on the welcome screen: until this respondent is done (any wipe ends it).
    [[nodiscard]] bool largeText() const { return m_largeText; }
    /// The profile's page that shows (0 first; the screen knows how many fit and keeps it in range).
    [[nodiscard]] std::size_t profilePage() const { return m_profilePage; }

private:
    void startRespondent(TimePoint now);
    void wipe(TimePoint now);
    void enterQuestion(std::size_t index);
    void refreshStates();
    void setAnswer(const nlohmann::json& value);
    void updateNumberAnswer();
    [[nodiscard]] std::optional<std::size_t> nextVisible(std::size_t from) const;
    [[nodiscard]] std::optional<std::size_t> previousVisible(std::size_t from) const;
    [[nodiscard]] bool respondentActive() const;
    Effect applyAdmin(const Intent& intent, TimePoint now);
    Effect applyNewPin(const Intent& intent, TimePoint now);
    Effect applyChecks(const Intent& intent, TimePoint now);
    void clearNewPin();
    Effect finish(TimePoint now);
    void loadPinLock(TimePoint now);
    void savePinLock(const PinLockState& state, TimePoint now);

    std::shared_ptr<const shared::Survey> m_survey;
    std::shared_ptr<const shared::Survey> m_offeredSurvey;
    KioskTimings m_timings;
    std::function<bool(std::string_view)> m_checkPin;
    HoldRules m_holdRules;
    std::unique_ptr<PinLockStore> m_pinStore;

    Screen m_screen = Screen::Welcome;
    std::string m_locale;
    std::size_t m_current = 0;
    shared::AnswerSlots m_answers;
    std::vector<shared::ElementState> m_states;
    std::string m_numberDraft;
    bool m_confirmStartOver = false;
    std::string m_saveError;
    std::string m_textDraft;
    bool m_textUpperCase = false;
    shared::AnswerSlots m_profileAnswers;
    std::size_t m_profilePage = 0;
    bool m_largeText = false;

    std::optional<TimePoint> m_consentAccepted;  ///< this respondent's start; in memory only
    std::deque<TimePoint> m_recentCompletions;   ///< within the hold window; in memory only
    bool m_holdCompleted = false;

    TimePoint m_lastActivity{};
    TimePoint m_screenSince{};
    std::optional<TimePoint> m_cornerDownSince;

    std::string m_pin;
    int m_pinFailures = 0;
    bool m_pinWrong = false;
    std::optional<TimePoint> m_pinLockedUntil;
    std::string m_pinStoreError;
    bool m_confirmDeleteHeld = false;
    std::string m_newPin;       ///< the new PIN screen's current entry
    std::string m_newPinFirst;  ///< its first entry, once confirmed
    std::string m_newPinDone;   ///< entered twice alike: for takeNewPin()
    bool m_newPinMismatch = false;
    std::string m_fallbackLocale;
};

}  // namespace svarboks::client
