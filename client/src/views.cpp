#include "svarboks/client/views.hpp"

#include "svarboks/shared/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace svarboks::client {

namespace {

using nlohmann::json;
using shared::ElementType;
using K = Intent::Kind;

std::string numberText(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", value);
    std::string text = buffer;
    std::replace(text.begin(), text.end(), '.', ',');
    return text;
}

std::string localeName(const std::string& locale) {
    if (locale == "da") return "Dansk";
    if (locale == "en") return "English";
    return locale;
}

ButtonView button(std::string label, Intent intent, bool enabled = true) {
    ButtonView view;
    view.label = std::move(label);
    view.intent = std::move(intent);
    view.enabled = enabled;
    return view;
}

class Builder {
public:
    Builder(const KioskModel& model, const UiTexts& texts) : m_model(model), m_texts(texts) {}

    std::string t(std::string_view key, const std::vector<std::string>& args = {}) const {
        return m_texts.get(m_model.locale(), key, args);
    }
    std::string text(const shared::LocalizedText& localized) const {
        return localized.text(m_model.locale(), m_model.survey().defaultLocale);
    }

    WelcomeView welcome() const {
        const auto& survey = m_model.survey();
        WelcomeView view;
        view.title = text(survey.title);
        view.description = text(survey.description);
        if (survey.locales.size() > 1) {
            for (const auto& locale : survey.locales) {
                auto b = button(localeName(locale), Intent::withText(K::SelectLocale, locale));
                b.selected = locale == m_model.locale();
                view.locales.push_back(std::move(b));
            }
        }
        view.start = button(t("start"), Intent::of(K::Start));
        view.start.primary = true;
        view.largeText = button(t("large_text"), Intent::of(K::LargeText));
        view.largeText.selected = m_model.largeText();
        view.anonymousNote = t("anonymous_note");
        return view;
    }

    ConsentView consent() const {
        ConsentView view;
        view.title = t("consent_title");
        view.paragraphs = htmlToParagraphs(text(m_model.survey().consent));
        view.accept = button(t("consent_accept"), Intent::of(K::AcceptConsent));
        view.accept.primary = true;
        view.decline = button(t("consent_decline"), Intent::of(K::DeclineConsent));
        return view;
    }

    QuestionView question() const {
        const auto& element = m_model.survey().elements[m_model.currentElement()];
        const auto& state = m_model.states()[m_model.currentElement()];
        const json& answer = m_model.answers()[m_model.currentElement()];
        QuestionView view;
        view.title = text(element.title);
        if (view.title.empty() && element.isQuestion()) view.title = element.name;
        view.description = text(element.description);
        view.enabled = state.enabled;
        switch (element.type) {
            case ElementType::Html:
                view.layout = QuestionView::Layout::Info;
                view.paragraphs = htmlToParagraphs(text(element.html));
                break;
            case ElementType::Rating:
                view.layout = QuestionView::Layout::Row;
                view.minLabel = text(element.minRateDescription);
                view.maxLabel = text(element.maxRateDescription);
                addChoices(view, element, answer, state.enabled);
                break;
            case ElementType::Radiogroup:
                view.layout = QuestionView::Layout::Choices;
                addChoices(view, element, answer, state.enabled);
                break;
            case ElementType::Checkbox:
                view.layout = QuestionView::Layout::Choices;
                addChoices(view, element, answer, state.enabled);
                view.hint = element.maxSelectedChoices > 0 ? t("choose_up_to", {std::to_string(element.maxSelectedChoices)})
                                                           : t("choose_any");
                break;
            case ElementType::Boolean: {
                view.layout = QuestionView::Layout::Row;
                for (const bool value : {true, false}) {
                    const auto& label = value ? element.labelTrue : element.labelFalse;
                    auto b = button(label.empty() ? t(value ? "yes" : "no") : text(label), Intent::withValue(K::Choose, value), state.enabled);
                    b.selected = answer == json(value);
                    view.options.push_back(std::move(b));
                }
                break;
            }
            case ElementType::Text:
            case ElementType::Comment: {
                view.layout = QuestionView::Layout::Text;
                view.text = m_model.textDraft();
                view.textWarning = t("free_text_warning");
                view.textCount = t("free_text_count", {std::to_string(Keyboard::length(view.text)), std::to_string(freeTextLimit(element.type))});
                Keyboard keyboard;
                keyboard.setUpperCase(m_model.textUpperCase());
                view.keyboard = makeKeyboardView(keyboard, t("key_space"), state.enabled);
                break;
            }
            case ElementType::Number:
                view.layout = QuestionView::Layout::Number;
                view.numberText = m_model.numberDraft();
                for (const char* key : {"1", "2", "3", "4", "5", "6", "7", "8", "9", "-", "0", ","}) {
                    view.keys.push_back(button(key, Intent::withText(K::Key, key), state.enabled));
                }
                view.keys.push_back(button("⌫", Intent::of(K::Backspace), state.enabled && !m_model.numberDraft().empty()));
                view.hint = numberHint(element);
                break;
        }
        if (!state.enabled && element.isQuestion()) view.hint = t("disabled");
        const std::string problem = m_model.currentProblem();
        if (!problem.empty() && state.enabled) {
            view.hintIsProblem = true;
            if (element.type == ElementType::Number && !answer.is_null()) view.hint = numberHint(element);
            else if (element.type == ElementType::Number && !m_model.numberDraft().empty()) view.hint = t("number_invalid");
            else if (answer.is_null()) view.hint = t("required");
        }
        const auto [position, total] = m_model.progress();
        view.progressText = t("progress", {std::to_string(position), std::to_string(total)});
        view.progress = total == 0 ? 0.f : static_cast<float>(position) / static_cast<float>(total);
        view.back = button(t("back"), Intent::of(K::Back));
        view.next = button(t(m_model.isLastScreen() ? "finish" : "next"), Intent::of(K::Next), m_model.canGoNext());
        view.next.primary = true;
        view.startOver = button(t("start_over"), Intent::of(K::StartOver));
        if (m_model.confirmingStartOver()) {
            view.confirm = ConfirmView{t("start_over_question"), button(t("start_over_yes"), Intent::of(K::ConfirmStartOver)),
                                       button(t("start_over_no"), Intent::of(K::CancelStartOver))};
            view.confirm->no.primary = true;
        }
        return view;
    }

    void addChoices(QuestionView& view, const shared::Element& element, const json& answer, bool enabled) const {
        const bool multi = element.type == ElementType::Checkbox;
        const std::size_t selectedCount = answer.is_array() ? answer.size() : 0;
        const bool full = multi && element.maxSelectedChoices > 0 && selectedCount >= static_cast<std::size_t>(element.maxSelectedChoices);
        for (const auto& choice : element.choices) {
            const bool selected = multi ? answer.is_array() && std::find(answer.begin(), answer.end(), choice.value) != answer.end()
                                        : answer == choice.value && !answer.is_null();
            ButtonView b;
            b.label = text(choice.text);
            b.intent = Intent::withValue(multi ? K::Toggle : K::Choose, choice.value);
            b.selected = selected;
            b.enabled = enabled && (selected || !full || choice.isNone);
            view.options.push_back(std::move(b));
        }
    }

    std::string numberHint(const shared::Element& element) const {
        if (element.min && element.max) return t("number_range", {numberText(*element.min), numberText(*element.max)});
        if (element.min) return t("number_min", {numberText(*element.min)});
        if (element.max) return t("number_max", {numberText(*element.max)});
        return t("number_hint");
    }

    MessageView saving() const {
        MessageView view;
        view.title = t("saving");
        view.busy = m_model.saveError().empty();
        if (!m_model.saveError().empty()) {
            view.body = t("save_failed");
            view.action = button(t("retry"), Intent::of(K::RetrySave));
        }
        return view;
    }

    ProfileView profile() const {
        const auto& survey = m_model.survey();
        ProfileView view;
        view.title = t("profile_title");
        view.note = t("profile_note");
        view.done = button(t("profile_done"), Intent::of(K::ProfileDone));
        view.done.primary = true;
        view.page = m_model.profilePage();
        view.previousPage = button(t("profile_previous_page"), Intent::of(K::ProfilePage));
        view.nextPage = button(t("profile_next_page"), Intent::of(K::ProfilePage));
        view.pageOf = [&texts = m_texts, locale = m_model.locale()](std::size_t page, std::size_t pages) {
            return texts.get(locale, "profile_page_of", {std::to_string(page + 1), std::to_string(pages)});
        };
        if (!survey.scoring) return view;
        const auto profile = shared::scoreProfile(survey, m_model.profileAnswers());
        for (const auto& area : profile.areas) {
            ProfileView::Area row;
            row.title = text(survey.scoring->areas[area.area].title);
            row.answered = area.score.has_value();
            row.fraction = area.score ? static_cast<float>(*area.score) : 0.f;
            if (area.level) {
                row.level = text(survey.scoring->levels[*area.level].title);
                row.advice = text(survey.scoring->advice[area.area][*area.level]);
            } else {
                row.level = t("profile_not_answered");
            }
            view.areas.push_back(std::move(row));
        }
        return view;
    }

    MessageView thankYou() const {
        MessageView view;
        const std::string completed = text(m_model.survey().completedHtml);
        view.title = t("thank_you");
        const auto paragraphs = htmlToParagraphs(completed);
        view.body = paragraphs.empty() ? t("thank_you_body") : paragraphs.front();
        return view;
    }

    // A lock lasts from 5 minutes to a day: "45 sekunder", "10 minutter", "3 timer", rounded up.
    std::string duration(int seconds) const {
        if (seconds < 120) return t("duration_seconds", {std::to_string(seconds)});
        if (seconds < 2 * 3600) return t("duration_minutes", {std::to_string((seconds + 59) / 60)});
        return t("duration_hours", {std::to_string((seconds + 3599) / 3600)});
    }

    // The new admin PIN, twice, on the PIN pad's layout.
    PinPadView newPin() const {
        PinPadView view;
        view.title = t("new_pin_title");
        view.hint = t(m_model.newPinRepeating() ? "new_pin_repeat" : "new_pin_hint", {std::to_string(kNewPinLength)});
        for (std::size_t i = 0; i < m_model.newPinEntry().size(); ++i) view.masked += "●";
        for (const char* digit : {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}) {
            view.keys.push_back(button(digit, Intent::withText(K::PinDigit, digit), m_model.newPinEntry().size() < kNewPinLength));
        }
        view.keys.push_back(button("⌫", Intent::of(K::PinBackspace), !m_model.newPinEntry().empty()));
        if (m_model.newPinMismatch()) view.message = t("new_pin_mismatch");
        view.ok = button(t("pin_ok"), Intent::of(K::PinSubmit), isNewPin(m_model.newPinEntry()));
        view.ok.primary = true;
        view.cancel = button(t("cancel"), Intent::of(K::PinCancel));
        return view;
    }

    NotReadyView notReady(const AdminStatus& status) const {
        NotReadyView view;
        std::vector<std::string> details;
        for (const char* locale : SetupModel::kLocales) {
            view.blocks.push_back({m_texts.get(locale, "not_ready_title"), m_texts.get(locale, "not_ready_body")});
            if (status.surveyWait == SurveyWait::NoneForUnit) {
                details.push_back(m_texts.get(locale, "not_ready_no_survey", {status.unit.empty() ? "?" : status.unit}));
            } else if (status.surveyWait == SurveyWait::Unreachable) {
                details.push_back(m_texts.get(locale, "not_ready_unreachable"));
            }
        }
        for (const auto& line : details) view.detail += (view.detail.empty() ? "" : "\n") + line;
        return view;
    }

    PinPadView pinPad(TimePoint now) const {
        PinPadView view;
        view.title = t("pin_title");
        view.hint = t("pin_hint");
        for (std::size_t i = 0; i < m_model.pinEntry().size(); ++i) view.masked += "●";
        const auto locked = m_model.pinLockedFor(now);
        for (const char* digit : {"1", "2", "3", "4", "5", "6", "7", "8", "9", "0"}) {
            view.keys.push_back(button(digit, Intent::withText(K::PinDigit, digit), !locked));
        }
        view.keys.push_back(button("⌫", Intent::of(K::PinBackspace), !locked && !m_model.pinEntry().empty()));
        if (locked) {
            view.message = t("pin_locked", {duration(*locked)});
        } else if (m_model.pinWasWrong()) {
            view.message = t("pin_wrong", {std::to_string(m_model.pinAttemptsLeft())});
        }
        view.ok = button(t("pin_ok"), Intent::of(K::PinSubmit), !locked && m_model.pinEntry().size() >= 4);
        view.ok.primary = true;
        view.cancel = button(t("cancel"), Intent::of(K::PinCancel));
        return view;
    }

    AdminView admin(const AdminStatus& status) const {
        AdminView view;
        view.title = t("admin_title");
        view.rows = {
            {t("admin_unit"), status.unit.empty() ? t("admin_none") : status.unit},
            {t("admin_survey"), m_model.hasSurvey() ? m_model.survey().id + " " + m_model.survey().version : t("admin_survey_none")},
            {t("admin_outbox"), t("admin_outbox_counts", {std::to_string(status.pending), std::to_string(status.quarantined)})},
            {t("admin_held"), status.held == 0 ? t("admin_held_none") : t("admin_held_count", {std::to_string(status.held)})},
            {t("admin_sync"), status.syncState.empty() ? t("admin_sync_not_configured") : status.syncState},
            {t("admin_disk"), status.freeDisk},
            {t("admin_version"), status.appVersion},
            {t("admin_last_error"), status.lastError.empty() ? t("admin_none") : status.lastError},
        };
        view.notice = status.notice;
        view.actions = {button(t("admin_sync_now"), Intent::of(K::AdminSyncNow), !status.syncState.empty()),
                        button(t("admin_retry_quarantined"), Intent::of(K::AdminRetryQuarantined), status.quarantined > 0),
                        button(t("admin_export"), Intent::of(K::AdminExport)),
                        button(t("admin_change_pin"), Intent::of(K::AdminChangePin)),
                        button(t("admin_release_held"), Intent::of(K::AdminReleaseHeld), status.held > 0),
                        button(t("admin_delete_held"), Intent::of(K::AdminDeleteHeld), status.held > 0),
                        button(t("admin_check"), Intent::of(K::AdminCheck)),
                        button(t("admin_reenrol"), Intent::of(K::AdminReenrol)),
                        button(t("admin_quit"), Intent::of(K::AdminQuit)),
                        button(t("admin_close"), Intent::of(K::AdminClose))};
        view.actions.back().primary = true;
        if (m_model.confirmingDeleteHeld()) {
            view.confirm = ConfirmView{t("admin_delete_held_question", {std::to_string(status.held)}),
                                       button(t("admin_delete_held_yes"), Intent::of(K::AdminConfirmDeleteHeld)),
                                       button(t("admin_delete_held_no"), Intent::of(K::AdminCancelDeleteHeld))};
            view.confirm->no.primary = true;
        }
        return view;
    }

    ChecksView checks(const AdminStatus& status) const {
        using Level = shared::Check::Level;
        ChecksView view;
        view.title = t("checks_title");
        view.intro = t("checks_intro");
        int problems = 0;
        int warnings = 0;
        for (const auto& check : status.checks) {
            const char* mark = check.level == Level::Ok ? "checks_mark_ok" : check.level == Level::Warning ? "checks_mark_warning" : "checks_mark_problem";
            view.lines.push_back({check.level, t(mark), check.name, check.detail, check.action});
            problems += check.level == Level::Problem ? 1 : 0;
            warnings += check.level == Level::Warning ? 1 : 0;
        }
        if (status.checking) {
            view.running = MessageView{t("checks_running", {std::to_string(status.checkSeconds)}), "", std::nullopt, true};
        } else if (!status.checks.empty()) {
            view.summary = problems + warnings == 0 ? t("checks_all_ok") : t("checks_summary", {std::to_string(problems), std::to_string(warnings)});
        }
        view.back = button(t("checks_back"), Intent::of(K::ChecksBack));
        view.again = button(t("checks_again"), Intent::of(K::ChecksAgain), !status.checking);
        view.again.primary = true;
        return view;
    }

private:
    const KioskModel& m_model;
    const UiTexts& m_texts;
};

void appendDecoded(std::string& out, std::string_view text) {
    static const std::pair<std::string_view, std::string_view> kEntities[] = {
        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
    for (std::size_t i = 0; i < text.size();) {
        bool replaced = false;
        if (text[i] == '&') {
            for (const auto& [entity, plain] : kEntities) {
                if (text.substr(i, entity.size()) == entity) {
                    out += plain;
                    i += entity.size();
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) out += text[i++];
    }
}

std::string trimmed(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "";
    return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

}  // namespace

std::vector<std::string> htmlToParagraphs(std::string_view html) {
    std::vector<std::string> paragraphs;
    std::string current;
    const auto flush = [&] {
        if (auto text = trimmed(current); !text.empty()) paragraphs.push_back(std::move(text));
        current.clear();
    };
    for (std::size_t i = 0; i < html.size();) {
        if (html[i] == '<') {
            const auto end = html.find('>', i);
            if (end == std::string_view::npos) break;
            std::string tag(html.substr(i + 1, end - i - 1));
            std::transform(tag.begin(), tag.end(), tag.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            const std::string name = tag.substr(0, tag.find_first_of(" /"));
            if (name == "p" || tag == "/p" || name == "br" || name == "ul" || tag == "/ul" || tag == "/li") flush();
            if (name == "li") {
                flush();
                current = "• ";
            }
            i = end + 1;
        } else if (html[i] == '\n' && i + 1 < html.size() && html[i + 1] == '\n') {
            flush();
            i += 2;
        } else {
            const auto next = html.find_first_of("<\n", i + 1);
            const auto chunk = html.substr(i, next == std::string_view::npos ? std::string_view::npos : next - i);
            std::string piece;
            appendDecoded(piece, chunk);
            std::replace(piece.begin(), piece.end(), '\n', ' ');
            current += piece;
            i += chunk.size();
        }
    }
    flush();
    return paragraphs;
}

ScreenView makeScreenView(const KioskModel& model, const UiTexts& texts, const AdminStatus& admin, TimePoint now, ReadAloudState readAloud) {
    const Builder b(model, texts);
    ScreenView view;
    view.screen = model.screen();
    view.textScale = model.largeText() ? kLargeTextScale : 1.f;
    switch (model.screen()) {
        case Screen::Welcome: view.content = b.welcome(); break;
        case Screen::Consent: view.content = b.consent(); break;
        case Screen::Question: view.content = b.question(); break;
        case Screen::Saving: view.content = b.saving(); break;
        case Screen::Profile: view.content = b.profile(); break;
        case Screen::ThankYou: view.content = b.thankYou(); break;
        case Screen::PinPad: view.content = b.pinPad(now); break;
        case Screen::Admin: view.content = b.admin(admin); break;
        case Screen::NewPin: view.content = b.newPin(); break;
        case Screen::Checks: view.content = b.checks(admin); break;
        case Screen::NotReady: view.content = b.notReady(admin); break;
        case Screen::Setup: break;  // the setup screen has its own model: makeSetupView()
    }
    if (const auto countdown = model.idleCountdown(now)) {
        view.idleWarning = IdleWarningView{b.t("idle_title"), b.t("idle_body", {std::to_string(*countdown)}),
                                           button(b.t("idle_continue"), Intent::of(K::StillHere))};
        view.idleWarning->stay.primary = true;
    }
    if (readAloud.offered && readsAloud(model.screen())) {
        view.readAloud = button(b.t(readAloud.speaking ? "read_aloud_stop" : "read_aloud"), Intent::of(K::ReadAloud));
        view.readAloud->selected = readAloud.speaking;
    }
    return view;
}

KeyboardView makeKeyboardView(const Keyboard& keyboard, const std::string& spaceLabel, bool enabled) {
    KeyboardView view;
    const auto& rows = Keyboard::rows();
    for (std::size_t r = 0; r < rows.size(); ++r) {
        auto& row = view.rows.emplace_back();
        if (r + 2 == rows.size()) {  // the bottom letter row starts with Shift
            auto shift = button("⇧", Intent::of(K::KeyboardShift), enabled);
            shift.selected = keyboard.upperCase();
            row.push_back({std::move(shift), 1.5f});
        }
        for (const auto& key : rows[r]) {
            const std::string label = keyboard.upperCase() ? Keyboard::upper(key) : key;
            row.push_back({button(label, Intent::withText(K::KeyboardKey, label), enabled), 1});
        }
        if (r + 2 == rows.size()) row.push_back({button("⌫", Intent::of(K::KeyboardBackspace), enabled), 1.5f});
        if (r + 1 == rows.size()) row.push_back({button(spaceLabel, Intent::withText(K::KeyboardKey, " "), enabled), 4});
    }
    return view;
}

ScreenView makeSetupView(const SetupModel& model, const UiTexts& texts) {
    using Field = SetupModel::Field;
    using Phase = SetupModel::Phase;
    const auto t = [&](std::string_view key, const std::vector<std::string>& args = {}) { return texts.get(model.locale(), key, args); };
    SetupView view;
    view.title = t("setup_title");
    view.intro = t("setup_intro");
    for (const char* locale : SetupModel::kLocales) {
        auto b = button(localeName(locale), Intent::withText(K::SelectLocale, locale));
        b.selected = model.locale() == locale;
        view.locales.push_back(std::move(b));
    }
    const bool form = model.phase() == Phase::Form;
    for (const Field field : {Field::Endpoint, Field::Code, Field::Pin, Field::PinRepeat}) {
        FieldView f;
        const std::string name = SetupModel::name(field);
        f.label = t("setup_field_" + name);
        const std::string& text = model.text(field);
        if (field == Field::Pin || field == Field::PinRepeat) {
            for (std::size_t i = 0; i < text.size(); ++i) f.text += "●";
        } else {
            f.text = text;
        }
        f.focused = form && model.focus() == field;
        f.focus = button(f.text + "##" + name, Intent::withText(K::SetupFocus, name), form);  // ImGui shows what precedes ##
        f.focus.selected = f.focused;
        view.fields.push_back(std::move(f));
    }
    view.keyboard = makeKeyboardView(model.keyboard(), t("key_space"), form);
    const std::string problem = model.problem();
    view.hint = problem.empty() ? t("setup_ready") : t(problem);
    view.enrol = button(t("setup_enrol"), Intent::of(K::SetupEnrol), model.canEnrol());
    view.enrol.primary = true;
    if (model.canCancel()) view.cancel = button(t("cancel"), Intent::of(K::SetupCancel), form);

    using Failure = SetupModel::Failure;
    if (model.phase() == Phase::Enrolling) {
        MessageView message;
        message.title = t("setup_enrolling");
        message.body = t("setup_enrolling_body");
        message.busy = true;
        view.message = std::move(message);
    } else if (model.phase() == Phase::Failed) {
        std::string key = "setup_failed_other";
        switch (model.failure()) {
            case Failure::CodeRefused: key = "setup_failed_code"; break;
            case Failure::Unreachable: key = "setup_failed_unreachable"; break;
            case Failure::Certificate: key = "setup_failed_certificate"; break;
            case Failure::NotStored: key = "setup_failed_not_stored"; break;
            case Failure::None:
            case Failure::Other: break;
        }
        MessageView message;
        message.title = t(key);
        message.body = t(key + "_body") + (model.failureDetail().empty() ? "" : "\n\n" + model.failureDetail());
        message.action = button(t("setup_try_again"), Intent::of(K::SetupRetry));
        message.action->primary = true;
        view.message = std::move(message);
        if (model.canCancel()) view.messageCancel = button(t("cancel"), Intent::of(K::SetupCancel));
    }
    ScreenView screen;
    screen.screen = Screen::Setup;
    screen.content = std::move(view);
    return screen;
}

}  // namespace svarboks::client
