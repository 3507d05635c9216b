#include "svarboks/client/kiosk_model.hpp"

#include "svarboks/client/keyboard.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace svarboks::client {

namespace {

using nlohmann::json;
using shared::ElementType;

int secondsUntil(TimePoint deadline, TimePoint now) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    return static_cast<int>(std::max<long long>(0, (left + 999) / 1000));
}

// The number pad's text as a number: digits with an optional leading '-' and one ',' or '.' decimal.
std::optional<double> parseDraft(const std::string& draft) {
    if (draft.empty() || draft == "-") return std::nullopt;
    std::string text = draft;
    std::replace(text.begin(), text.end(), ',', '.');
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
    return value;
}

json numberJson(double value) {
    if (value == std::floor(value) && std::fabs(value) < 1e15) return json(static_cast<long long>(value));
    return json(value);
}

std::string draftOf(const json& answer) {
    if (!answer.is_number()) return "";
    std::string text = answer.dump();
    std::replace(text.begin(), text.end(), '.', ',');  // Danish decimal comma on the pad
    return text;
}

}  // namespace

bool isNewPin(std::string_view pin) {
    return pin.size() == kNewPinLength && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool shouldHold(const HoldRules& rules, Clock::duration took, std::size_t answered, std::size_t nthInWindow) {
    if (took < rules.minTotal) return true;
    if (took < rules.minPerAnswer * static_cast<long long>(answered)) return true;
    return nthInWindow > static_cast<std::size_t>(std::max(rules.maxPerWindow, 0));
}

std::chrono::seconds pinLockDelay(int failures, int freeAttempts, const KioskTimings& timings) {
    if (failures < freeAttempts) return std::chrono::seconds(0);
    const auto cap = std::chrono::duration_cast<std::chrono::seconds>(timings.pinLockoutCap);
    std::chrono::seconds delay = timings.pinLockout;
    for (int extra = failures - freeAttempts; extra > 0 && delay < cap; --extra) delay *= 2;
    return std::min(delay, cap);
}

KioskModel::KioskModel(std::shared_ptr<const shared::Survey> survey, KioskTimings timings,
                       std::function<bool(std::string_view)> checkPin, HoldRules holdRules, std::unique_ptr<PinLockStore> pinStore,
                       std::string locale)
    : m_survey(std::move(survey)),
      m_timings(timings),
      m_checkPin(std::move(checkPin)),
      m_holdRules(holdRules),
      m_pinStore(std::move(pinStore)),
      m_fallbackLocale(std::move(locale)) {
    wipe(TimePoint{});
}

// ---- lifecycle of a respondent ----

bool KioskModel::respondentActive() const {
    return m_screen == Screen::Consent || m_screen == Screen::Question || m_screen == Screen::Saving;
}

void KioskModel::startRespondent(TimePoint now) {
    m_answers.assign(m_survey->elements.size(), nullptr);
    m_numberDraft.clear();
    m_textDraft.clear();
    m_textUpperCase = false;
    m_confirmStartOver = false;
    m_saveError.clear();
    m_consentAccepted.reset();
    refreshStates();
    m_screen = Screen::Consent;
    m_screenSince = now;
}

void KioskModel::wipe(TimePoint now) {
    if (m_offeredSurvey) m_survey = std::move(m_offeredSurvey);
    m_answers.assign(m_survey ? m_survey->elements.size() : 0, nullptr);
    m_profileAnswers.clear();
    m_numberDraft.clear();
    m_textDraft.clear();
    m_textUpperCase = false;
    m_largeText = false;
    m_confirmStartOver = false;
    m_confirmDeleteHeld = false;
    m_saveError.clear();
    m_consentAccepted.reset();
    m_holdCompleted = false;
    m_current = 0;
    clearNewPin();
    m_locale = m_survey ? m_survey->defaultLocale : m_fallbackLocale;
    refreshStates();
    m_screen = m_survey ? Screen::Welcome : Screen::NotReady;
    m_screenSince = now;
    m_lastActivity = now;
}

void KioskModel::offerSurvey(std::shared_ptr<const shared::Survey> survey, TimePoint now) {
    if (!survey) return;
    m_offeredSurvey = std::move(survey);
    if (m_screen == Screen::Welcome || m_screen == Screen::NotReady) wipe(now);
}

void KioskModel::refreshStates() {
    if (m_survey) shared::evaluateState(*m_survey, m_answers, m_states);
    else m_states.clear();
}

void KioskModel::clearNewPin() {
    m_newPin.clear();
    m_newPinFirst.clear();
    m_newPinDone.clear();
    m_newPinMismatch = false;
}

std::string KioskModel::takeNewPin() { return std::exchange(m_newPinDone, std::string()); }

std::optional<std::size_t> KioskModel::nextVisible(std::size_t from) const {
    for (std::size_t i = from; i < m_states.size(); ++i) {
        if (m_states[i].visible) return i;
    }
    return std::nullopt;
}

std::optional<std::size_t> KioskModel::previousVisible(std::size_t from) const {
    for (std::size_t i = from; i-- > 0;) {
        if (m_states[i].visible) return i;
    }
    return std::nullopt;
}

std::size_t freeTextLimit(ElementType type) { return type == ElementType::Comment ? 500 : 150; }

void KioskModel::enterQuestion(std::size_t index) {
    m_current = index;
    m_numberDraft = draftOf(m_answers[index]);
    m_textDraft = m_answers[index].is_string() ? m_answers[index].get<std::string>() : std::string();
    m_textUpperCase = m_textDraft.empty();  // a capital letter first
    m_screen = Screen::Question;
}

void KioskModel::setAnswer(const json& value) {
    m_answers[m_current] = value;
    shared::dropHiddenAnswers(*m_survey, m_answers);
    refreshStates();
}

void KioskModel::updateNumberAnswer() {
    const auto value = parseDraft(m_numberDraft);
    setAnswer(value ? numberJson(*value) : json(nullptr));
}

Effect KioskModel::finish(TimePoint now) {
    shared::dropHiddenAnswers(*m_survey, m_answers);
    refreshStates();
    const auto validation = shared::validateAnswers(*m_survey, shared::toResultData(*m_survey, m_answers));
    if (!validation.valid) {
        // Cannot happen through the screens (Next is disabled on a missing answer), but never save an
        // invalid response: go to the first question with a problem.
        for (const auto& error : validation.errors) {
            if (const int index = m_survey->indexOf(error.question); index >= 0) {
                enterQuestion(static_cast<std::size_t>(index));
                break;
            }
        }
        return Effect::None;
    }
    // The hold decision is made once, now; the times behind it are not kept with the response.
    while (!m_recentCompletions.empty() && now - m_recentCompletions.front() >= m_holdRules.window) m_recentCompletions.pop_front();
    m_recentCompletions.push_back(now);
    const std::size_t answered = shared::toResultData(*m_survey, m_answers).size();
    m_holdCompleted = shouldHold(m_holdRules, now - m_consentAccepted.value_or(now), answered, m_recentCompletions.size());
    m_consentAccepted.reset();
    m_screen = Screen::Saving;
    m_screenSince = now;
    m_saveError.clear();
    return Effect::SaveResponse;
}

shared::ResponsePayload KioskModel::completedResponse(const std::string& period) const {
    shared::ResponsePayload payload;
    payload.surveyId = m_survey->id;
    payload.surveyVersion = m_survey->version;
    payload.definitionSha256 = m_survey->definitionSha256;
    payload.consentSha256 = m_survey->consentSha256;
    payload.period = period;
    payload.locale = m_locale;
    payload.answers = shared::toResultData(*m_survey, m_answers);
    return payload;
}

void KioskModel::saveSucceeded(TimePoint now) {
    if (m_screen != Screen::Saving) return;
    m_profileAnswers = m_answers;
    m_profilePage = 0;
    m_answers.assign(m_survey->elements.size(), nullptr);
    refreshStates();
    m_saveError.clear();
    m_screen = Screen::Profile;
    m_screenSince = now;
    m_lastActivity = now;
}

void KioskModel::saveFailed(std::string message, TimePoint now) {
    if (m_screen != Screen::Saving) return;
    m_saveError = std::move(message);
    m_screenSince = now;
}

// ---- intents ----

Effect KioskModel::apply(const Intent& intent, TimePoint now) {
    using K = Intent::Kind;
    if (intent.kind == K::None) return Effect::None;
    m_lastActivity = now;
    if (intent.kind == K::CornerPressed) {
        m_cornerDownSince = now;
        return Effect::None;
    }
    if (intent.kind == K::CornerReleased) {
        m_cornerDownSince.reset();
        return Effect::None;
    }
    if (m_screen == Screen::PinPad || m_screen == Screen::Admin) return applyAdmin(intent, now);
    if (m_screen == Screen::NewPin) return applyNewPin(intent, now);
    if (m_screen == Screen::Checks) return applyChecks(intent, now);

    switch (intent.kind) {
        case K::SelectLocale:
            if (m_screen == Screen::Welcome && std::find(m_survey->locales.begin(), m_survey->locales.end(), intent.text) != m_survey->locales.end()) {
                m_locale = intent.text;
            }
            return Effect::None;
        case K::Start:
            if (m_screen == Screen::Welcome) startRespondent(now);
            return Effect::None;
        case K::AcceptConsent:
            if (m_screen == Screen::Consent) {
                // Back to the consent and on again keeps the first start: re-reading never makes a person look faster.
                if (!m_consentAccepted) m_consentAccepted = now;
                if (const auto first = nextVisible(0)) enterQuestion(*first);
            }
            return Effect::None;
        case K::DeclineConsent:
            if (m_screen == Screen::Consent) wipe(now);
            return Effect::None;
        case K::StillHere:
        case K::Touch: return Effect::None;  // the activity time above is the point
        case K::LargeText:
            if (m_screen == Screen::Welcome) m_largeText = !m_largeText;
            return Effect::None;
        case K::ProfilePage:
            if (m_screen == Screen::Profile && intent.value.is_number_unsigned()) m_profilePage = intent.value.get<std::size_t>();
            return Effect::None;
        case K::ReadAloud: return readsAloud(m_screen) ? Effect::ReadAloud : Effect::None;
        case K::ProfileDone:
            if (m_screen == Screen::Profile) {
                m_profileAnswers.clear();
                m_screen = Screen::ThankYou;
                m_screenSince = now;
            }
            return Effect::None;
        case K::RetrySave: return m_screen == Screen::Saving ? Effect::SaveResponse : Effect::None;
        default: break;
    }
    if (m_screen != Screen::Question) return Effect::None;

    const shared::Element& element = m_survey->elements[m_current];
    const bool enabled = m_states[m_current].enabled;
    if (m_confirmStartOver) {
        if (intent.kind == K::ConfirmStartOver) wipe(now);
        if (intent.kind == K::CancelStartOver) m_confirmStartOver = false;
        return Effect::None;
    }
    switch (intent.kind) {
        case K::Choose:
            if (enabled && element.findChoice(intent.value) != nullptr) setAnswer(intent.value);
            else if (enabled && element.type == ElementType::Boolean && intent.value.is_boolean()) setAnswer(intent.value);
            return Effect::None;
        case K::Toggle: {
            const shared::Choice* choice = element.findChoice(intent.value);
            if (!enabled || element.type != ElementType::Checkbox || choice == nullptr) return Effect::None;
            json selected = m_answers[m_current].is_array() ? m_answers[m_current] : json::array();
            const auto found = std::find(selected.begin(), selected.end(), intent.value);
            if (found != selected.end()) {
                selected.erase(found);
            } else if (choice->isNone) {
                selected = json::array({intent.value});  // "none" stands alone
            } else {
                selected.erase(std::remove(selected.begin(), selected.end(), json(shared::kNoneValue)), selected.end());
                if (element.maxSelectedChoices > 0 && selected.size() >= static_cast<std::size_t>(element.maxSelectedChoices)) {
                    return Effect::None;  // the view shows the others as unavailable
                }
                selected.push_back(intent.value);
            }
            // Keep the survey's order, so the stored answer does not depend on the order of taps.
            json ordered = json::array();
            for (const auto& c : element.choices) {
                if (std::find(selected.begin(), selected.end(), c.value) != selected.end()) ordered.push_back(c.value);
            }
            setAnswer(ordered.empty() ? json(nullptr) : ordered);
            return Effect::None;
        }
        case K::Key:
            if (!enabled || element.type != ElementType::Number || intent.text.size() != 1) return Effect::None;
            if (const char c = intent.text[0]; std::isdigit(static_cast<unsigned char>(c))) {
                if (m_numberDraft.size() < 12) m_numberDraft += c;
            } else if (c == '-' && m_numberDraft.empty()) {
                m_numberDraft = "-";
            } else if (c == ',' && m_numberDraft.find(',') == std::string::npos && !m_numberDraft.empty() && m_numberDraft != "-") {
                m_numberDraft += ',';
            } else {
                return Effect::None;
            }
            updateNumberAnswer();
            return Effect::None;
        case K::KeyboardKey:
        case K::KeyboardBackspace:
        case K::KeyboardShift: {
            if (!enabled || (element.type != ElementType::Text && element.type != ElementType::Comment)) return Effect::None;
            Keyboard keyboard;
            keyboard.setUpperCase(m_textUpperCase);
            if (!keyboard.apply(intent, m_textDraft, freeTextLimit(element.type))) return Effect::None;
            // Shift as on a phone: for the next letter only (the setup screen's codes keep it on).
            m_textUpperCase = intent.kind == K::KeyboardShift ? keyboard.upperCase() : false;
            const bool blank = m_textDraft.find_first_not_of(' ') == std::string::npos;
            setAnswer(blank ? json(nullptr) : json(m_textDraft));
            return Effect::None;
        }
        case K::Backspace:
            if (!enabled || element.type != ElementType::Number || m_numberDraft.empty()) return Effect::None;
            m_numberDraft.pop_back();
            updateNumberAnswer();
            return Effect::None;
        case K::Next: {
            if (!canGoNext()) return Effect::None;
            if (const auto next = nextVisible(m_current + 1)) {
                enterQuestion(*next);
                return Effect::None;
            }
            return finish(now);
        }
        case K::Back:
            if (const auto previous = previousVisible(m_current)) enterQuestion(*previous);
            else m_screen = Screen::Consent;
            return Effect::None;
        case K::StartOver: m_confirmStartOver = true; return Effect::None;
        default: return Effect::None;
    }
}

Effect KioskModel::applyAdmin(const Intent& intent, TimePoint now) {
    using K = Intent::Kind;
    if (m_screen == Screen::Admin) {
        if (m_confirmDeleteHeld) {
            if (intent.kind == K::AdminConfirmDeleteHeld || intent.kind == K::AdminCancelDeleteHeld) m_confirmDeleteHeld = false;
            return intent.kind == K::AdminConfirmDeleteHeld ? Effect::DeleteHeld : Effect::None;
        }
        switch (intent.kind) {
            case K::AdminClose: wipe(now); return Effect::None;
            case K::AdminQuit: return Effect::Quit;
            case K::AdminExport: return Effect::ExportOutbox;
            case K::AdminSyncNow: return Effect::SyncNow;
            case K::AdminReleaseHeld: return Effect::ReleaseHeld;
            case K::AdminDeleteHeld: m_confirmDeleteHeld = true; return Effect::None;
            case K::AdminReenrol: return Effect::Reenrol;
            case K::AdminRetryQuarantined: return Effect::RetryQuarantined;
            case K::AdminChangePin:
                clearNewPin();
                m_screen = Screen::NewPin;
                m_screenSince = now;
                return Effect::None;
            case K::AdminCheck:
                m_screen = Screen::Checks;
                m_screenSince = now;
                return Effect::RunChecks;
            default: return Effect::None;
        }
    }
    if (pinLockedFor(now)) {
        if (intent.kind == K::PinCancel) wipe(now);
        return Effect::None;
    }
    switch (intent.kind) {
        case K::PinDigit:
            if (intent.text.size() == 1 && std::isdigit(static_cast<unsigned char>(intent.text[0])) && m_pin.size() < kMaxPinLength) {
                m_pin += intent.text;
                m_pinWrong = false;
            }
            return Effect::None;
        case K::PinBackspace:
            if (!m_pin.empty()) m_pin.pop_back();
            return Effect::None;
        case K::PinCancel: wipe(now); return Effect::None;
        case K::PinSubmit: {
            // Counted as wrong before the slow check runs: cutting the power during it gives no free guess.
            PinLockState wrong{m_pinFailures + 1, std::nullopt};
            if (const auto delay = pinLockDelay(wrong.failures, kMaxPinAttempts, m_timings); delay > Clock::duration::zero()) {
                wrong.lockedUntil = now + delay;
            }
            savePinLock(wrong, now);
            const bool right = !m_pin.empty() && m_checkPin && m_checkPin(m_pin);
            m_pin.clear();
            if (right) {
                savePinLock({}, now);
                m_pinWrong = false;
                m_screen = Screen::Admin;
                m_screenSince = now;
                return Effect::None;
            }
            m_pinWrong = true;
            return Effect::None;
        }
        default: return Effect::None;
    }
}

Effect KioskModel::applyNewPin(const Intent& intent, TimePoint now) {
    using K = Intent::Kind;
    switch (intent.kind) {
        case K::PinDigit:
            if (intent.text.size() == 1 && std::isdigit(static_cast<unsigned char>(intent.text[0])) && m_newPin.size() < kNewPinLength) {
                m_newPin += intent.text;
                m_newPinMismatch = false;
            }
            return Effect::None;
        case K::PinBackspace:
            if (!m_newPin.empty()) m_newPin.pop_back();
            return Effect::None;
        case K::PinCancel:
            clearNewPin();
            m_screen = Screen::Admin;
            m_screenSince = now;
            return Effect::None;
        case K::PinSubmit:
            if (!isNewPin(m_newPin)) return Effect::None;
            if (m_newPinFirst.empty()) {
                m_newPinFirst = std::exchange(m_newPin, std::string());
                return Effect::None;
            }
            if (m_newPin != m_newPinFirst) {
                clearNewPin();
                m_newPinMismatch = true;
                return Effect::None;
            }
            m_newPinDone = std::exchange(m_newPin, std::string());
            m_newPinFirst.clear();
            m_screen = Screen::Admin;
            m_screenSince = now;
            return Effect::ChangePin;
        default: return Effect::None;
    }
}

Effect KioskModel::applyChecks(const Intent& intent, TimePoint now) {
    using K = Intent::Kind;
    switch (intent.kind) {
        case K::ChecksAgain: return Effect::RunChecks;
        case K::ChecksBack:
            m_screen = Screen::Admin;
            m_screenSince = now;
            return Effect::None;
        default: return Effect::None;
    }
}

// ---- timers ----

Effect KioskModel::tick(TimePoint now) {
    if (m_cornerDownSince && now - *m_cornerDownSince >= m_timings.adminHold && m_screen != Screen::PinPad &&
        m_screen != Screen::Admin && m_screen != Screen::NewPin && m_screen != Screen::Checks && m_screen != Screen::Saving) {
        m_cornerDownSince.reset();
        wipe(now);  // a respondent in progress is forgotten, never shown to the admin
        m_pin.clear();
        m_pinWrong = false;
        loadPinLock(now);
        m_screen = Screen::PinPad;
        m_screenSince = now;
        return Effect::None;
    }
    if (m_pinLockedUntil && now >= *m_pinLockedUntil) m_pinLockedUntil.reset();
    switch (m_screen) {
        case Screen::Consent:
        case Screen::Question:
        case Screen::PinPad:
        case Screen::Admin:
        case Screen::NewPin:
        case Screen::Checks:
            if (now - m_lastActivity >= m_timings.idleTimeout + m_timings.idleWarning) wipe(now);
            break;
        case Screen::Welcome:
            if (m_locale != m_survey->defaultLocale && now - m_lastActivity >= m_timings.idleTimeout) wipe(now);
            break;
        case Screen::Profile:
            if (now - m_screenSince >= m_timings.profileTimeout && now - m_lastActivity >= m_timings.profileTimeout) {
                m_profileAnswers.clear();
                m_screen = Screen::ThankYou;
                m_screenSince = now;
            }
            break;
        case Screen::ThankYou:
            if (now - m_screenSince >= m_timings.thankYou) wipe(now);
            break;
        case Screen::Saving:
            break;  // the caller retries the commit; the answers stay until it succeeds
        case Screen::NotReady:
        case Screen::Setup: break;
    }
    return Effect::None;
}

std::optional<TimePoint> KioskModel::nextDeadline(TimePoint now) const {
    std::optional<TimePoint> deadline;
    const auto consider = [&](TimePoint t) {
        if (!deadline || t < *deadline) deadline = t;
    };
    if (m_cornerDownSince) consider(*m_cornerDownSince + m_timings.adminHold);
    if (m_pinLockedUntil) consider(std::min(*m_pinLockedUntil, now + std::chrono::seconds(1)));  // its countdown
    switch (m_screen) {
        case Screen::Consent:
        case Screen::Question:
        case Screen::PinPad:
        case Screen::Admin:
        case Screen::NewPin:
        case Screen::Checks: {
            const TimePoint warning = m_lastActivity + m_timings.idleTimeout;
            // While the warning shows, wake every second for its countdown.
            consider(now < warning ? warning : std::min(warning + m_timings.idleWarning, now + std::chrono::seconds(1)));
            break;
        }
        case Screen::Welcome:
            if (m_locale != m_survey->defaultLocale) consider(m_lastActivity + m_timings.idleTimeout);
            break;
        case Screen::Profile: consider(std::max(m_screenSince, m_lastActivity) + m_timings.profileTimeout); break;
        case Screen::ThankYou: consider(m_screenSince + m_timings.thankYou); break;
        case Screen::Saving:
        case Screen::NotReady:
        case Screen::Setup: break;
    }
    return deadline;
}

// ---- views' questions ----

std::pair<std::size_t, std::size_t> KioskModel::progress() const {
    std::size_t position = 0;
    std::size_t total = 0;
    for (std::size_t i = 0; i < m_states.size(); ++i) {
        if (!m_states[i].visible) continue;
        ++total;
        if (i <= m_current) position = total;
    }
    return {position, total};
}

bool KioskModel::isLastScreen() const { return !nextVisible(m_current + 1).has_value(); }

std::string KioskModel::currentProblem() const {
    if (m_screen != Screen::Question) return "";
    const auto& element = m_survey->elements[m_current];
    if (!element.isQuestion()) return "";
    if (element.type == ElementType::Number && !m_numberDraft.empty() && m_answers[m_current].is_null()) {
        return "'" + m_numberDraft + "' is not a number";
    }
    return shared::checkAnswer(element, m_states[m_current], m_answers[m_current]);
}

bool KioskModel::canGoNext() const { return m_screen == Screen::Question && currentProblem().empty(); }

std::optional<int> KioskModel::idleCountdown(TimePoint now) const {
    if (!respondentActive() && m_screen != Screen::PinPad && m_screen != Screen::Admin && m_screen != Screen::NewPin &&
        m_screen != Screen::Checks) {
        return std::nullopt;
    }
    if (m_screen == Screen::Saving) return std::nullopt;
    const TimePoint warning = m_lastActivity + m_timings.idleTimeout;
    if (now < warning) return std::nullopt;
    return secondsUntil(warning + m_timings.idleWarning, now);
}

void KioskModel::loadPinLock(TimePoint now) {
    if (!m_pinStore) return;
    const PinLockState stored = m_pinStore->load(now);
    m_pinFailures = stored.failures;
    m_pinLockedUntil = stored.lockedUntil;
}

void KioskModel::savePinLock(const PinLockState& state, TimePoint now) {
    m_pinFailures = state.failures;
    m_pinLockedUntil = state.lockedUntil;
    if (!m_pinStore) return;
    auto saved = m_pinStore->save(state, now);
    m_pinStoreError = saved ? std::string() : saved.message();
}

std::optional<int> KioskModel::pinLockedFor(TimePoint now) const {
    if (!m_pinLockedUntil || now >= *m_pinLockedUntil) return std::nullopt;
    return secondsUntil(*m_pinLockedUntil, now);
}

}  // namespace svarboks::client
