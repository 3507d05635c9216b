#include "svarboks/client/setup_model.hpp"

#include <algorithm>
#include <cctype>

namespace svarboks::client {

namespace {

using Field = SetupModel::Field;
constexpr Field kFields[] = {Field::Endpoint, Field::Code, Field::Pin, Field::PinRepeat};

bool isPinField(Field field) { return field == Field::Pin || field == Field::PinRepeat; }

// https:// and a host: the rest the enrolment checks (and says what is wrong).
bool plausibleEndpoint(const std::string& url) {
    constexpr std::string_view kScheme = "https://";
    return url.rfind(kScheme, 0) == 0 && url.size() > kScheme.size() && url.find(' ') == std::string::npos;
}

// Codes are letters and digits in groups (K7QM-3XHD-9PLA); the server normalises case and dashes.
bool plausibleCode(const std::string& code) {
    const auto alnum = std::count_if(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    return alnum >= 4 && std::all_of(code.begin(), code.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ' '; });
}

}  // namespace

SetupModel::SetupModel(std::string endpoint, bool canCancel, const std::string& locale) : m_canCancel(canCancel) {
    if (locale == "en") m_locale = "en";
    m_fields[static_cast<std::size_t>(Field::Endpoint)] = std::move(endpoint);
    focus(plausibleEndpoint(text(Field::Endpoint)) ? Field::Code : Field::Endpoint);
}

const char* SetupModel::name(Field field) {
    switch (field) {
        case Field::Endpoint: return "endpoint";
        case Field::Code: return "code";
        case Field::Pin: return "pin";
        case Field::PinRepeat: return "pin_repeat";
    }
    return "";
}

void SetupModel::focus(Field field) {
    m_focus = field;
    m_keyboard.setUpperCase(field == Field::Code);  // codes are printed in capitals
}

std::string SetupModel::problem() const {
    if (!plausibleEndpoint(text(Field::Endpoint))) return "setup_need_endpoint";
    if (!plausibleCode(text(Field::Code))) return "setup_need_code";
    if (!isNewPin(text(Field::Pin))) return "setup_need_pin";
    if (text(Field::PinRepeat) != text(Field::Pin)) return text(Field::PinRepeat).size() < kNewPinLength ? "setup_need_pin_repeat" : "setup_pin_mismatch";
    return "";
}

SetupEffect SetupModel::apply(const Intent& intent) {
    using K = Intent::Kind;
    if (intent.kind == K::SelectLocale) {
        for (const char* locale : kLocales) {
            if (intent.text == locale) m_locale = locale;
        }
        return SetupEffect::None;
    }
    if (m_phase == Phase::Enrolling) return SetupEffect::None;
    if (m_phase == Phase::Failed) {
        if (intent.kind == K::SetupRetry) m_phase = Phase::Form;
        if (intent.kind == K::SetupCancel && m_canCancel) return SetupEffect::Cancel;
        return SetupEffect::None;
    }
    switch (intent.kind) {
        case K::SetupFocus:
            for (const Field field : kFields) {
                if (intent.text == name(field)) focus(field);
            }
            return SetupEffect::None;
        case K::SetupEnrol: return canEnrol() ? SetupEffect::Enrol : SetupEffect::None;
        case K::SetupCancel: return m_canCancel ? SetupEffect::Cancel : SetupEffect::None;
        case K::KeyboardKey:
            // A PIN is digits only; whatever else is tapped while a PIN field has the focus is ignored.
            if (isPinField(m_focus) && (intent.text.size() != 1 || !std::isdigit(static_cast<unsigned char>(intent.text[0])))) {
                return SetupEffect::None;
            }
            break;
        default: break;
    }
    const std::size_t limit = m_focus == Field::Endpoint ? kMaxEndpointChars : m_focus == Field::Code ? kMaxCodeChars : kNewPinLength;
    if (!m_keyboard.apply(intent, edited(), limit)) return SetupEffect::None;
    // A complete PIN moves on to its repetition, as a person expects after the sixth digit.
    if (intent.kind == K::KeyboardKey && m_focus == Field::Pin && text(Field::Pin).size() == kNewPinLength) focus(Field::PinRepeat);
    return SetupEffect::None;
}

void SetupModel::enrolStarted() {
    m_phase = Phase::Enrolling;
    m_failure = Failure::None;
    m_detail.clear();
}

void SetupModel::enrolFailed(Failure failure, std::string detail) {
    m_phase = Phase::Failed;
    m_failure = failure;
    m_detail = std::move(detail);
    if (failure == Failure::CodeRefused) {
        m_fields[static_cast<std::size_t>(Field::Code)].clear();
        focus(Field::Code);
    }
}

}  // namespace svarboks::client
