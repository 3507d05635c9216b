// The preview of a draft: every kiosk screen as server-rendered HTML, in the kiosk's words
// (assets/ui/texts.json) and look (client/src/screens.cpp: its colours, large buttons, one question per
// screen). Pure functions from a loaded survey to HTML; nothing is interactive (no JavaScript).
#include "admin_surveys.hpp"

#include "svarboks/server/html.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <vector>

namespace svarboks::server::dashboard {

namespace {

// The kiosk's words the preview shows, as in assets/ui/texts.json.
struct KioskWords {
    std::string_view start, anonymousNote, consentTitle, accept, decline, next, back, finish, progress, yes, no, numberHint, numberRange,
        numberMin, numberMax, chooseUpTo, chooseAny, freeText, profileTitle, profileNote, profileDone, thankYou, thankYouBody;
};

constexpr KioskWords kDanishWords{
    "Start", "Anonymt: dit navn, din tid på dagen og denne tablet gemmes ikke sammen med dine svar.", "Før du starter",
    "Jeg vil gerne svare", "Nej tak", "Næste →", "← Tilbage", "Afslut ✓", "{} af {}", "Ja", "Nej", "Skriv et tal med tasterne.",
    "Skriv et tal fra {} til {}.", "Skriv et tal på mindst {}.", "Skriv et tal på højst {}.", "Vælg op til {}.", "Vælg alle, der passer.",
    "Skriv ikke navne eller andet, der kan afsløre, hvem du eller andre er.", "Din digitale profil",
    "Profilen vises kun her, til dig. Den gemmes ikke og sendes ikke.", "Færdig", "Tak for dine svar!",
    "Dine svar er gemt anonymt. Skærmen er klar til den næste."};

constexpr KioskWords kEnglishWords{
    "Start", "Anonymous: your name, the time of day and this tablet are never stored with your answers.", "Before you start",
    "I want to take part", "No thanks", "Next →", "← Back", "Finish ✓", "{} of {}", "Yes", "No", "Enter a number with the keys.",
    "Enter a number from {} to {}.", "Enter a number of at least {}.", "Enter a number of at most {}.", "Choose up to {}.",
    "Choose all that apply.", "Do not write names or anything that could reveal who you or others are.", "Your digital profile",
    "Only you see this profile, here. It is not saved and not sent.", "Done", "Thank you for your answers!",
    "Your answers are saved anonymously. The screen is ready for the next person."};

// The notes around the screens, in the dashboard's language.
struct PreviewNotes {
    std::string_view screen, welcome, consent, question, information, profile, thanks, shownWhen, enabledWhen, requiredWhen, required,
        page, level, advice, areaItems;
};

constexpr PreviewNotes kDanishNotes{"Skærm", "Velkomst", "Samtykke", "Spørgsmål", "Information", "Profil", "Tak",
                                    "Vises når: {}", "Kan besvares når: {}", "Skal besvares når: {}", "Skal besvares",
                                    "Side {} ({})", "Niveauer", "Råd", "Spørgsmål i området: {}"};
constexpr PreviewNotes kEnglishNotes{"Screen", "Welcome", "Consent", "Question", "Information", "Profile", "Thank you",
                                     "Shown when: {}", "Can be answered when: {}", "Required when: {}", "Required",
                                     "Page {} ({})", "Levels", "Advice", "Questions in the area: {}"};

std::string esc(std::string_view text) { return escapeHtml(text); }

// Paragraphs of a plain text: blank lines split them, single line breaks stay.
std::string paragraphs(const std::string& text) {
    std::string html;
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto end = text.find("\n\n", at);
        std::string paragraph = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        std::string escaped;
        for (const char c : paragraph) escaped += c == '\n' ? std::string("<br>") : esc(std::string_view(&c, 1));
        if (!paragraph.empty()) html += "<p>" + escaped + "</p>";
        if (end == std::string::npos) break;
        at = end + 2;
    }
    return html;
}

// An html element's text as the kiosk honours it: <p> <br> <b> <i> <ul> <li>, every other tag dropped,
// no attributes; the rest escaped.
std::string kioskHtml(std::string_view source) {
    static constexpr std::array<std::string_view, 6> kAllowed = {"p", "br", "b", "i", "ul", "li"};
    std::string html;
    std::size_t at = 0;
    while (at < source.size()) {
        if (source[at] != '<') {
            html += esc(source.substr(at, 1));
            ++at;
            continue;
        }
        const auto close = source.find('>', at);
        if (close == std::string_view::npos) {
            html += esc(source.substr(at));
            break;
        }
        std::string_view tag = source.substr(at + 1, close - at - 1);
        const bool closing = !tag.empty() && tag.front() == '/';
        if (closing) tag.remove_prefix(1);
        std::string name;
        for (const char c : tag) {
            if (!std::isalpha(static_cast<unsigned char>(c))) break;
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (std::find(kAllowed.begin(), kAllowed.end(), name) != kAllowed.end() && !(closing && name == "br")) {
            html += "<" + std::string(closing ? "/" : "") + name + ">";
        }
        at = close + 1;
    }
    return html;
}

std::string number(double value) {
    if (std::floor(value) == value && std::abs(value) < 1e15) return std::to_string(static_cast<long long>(value));
    std::string text = std::to_string(value);
    while (!text.empty() && text.back() == '0') text.pop_back();
    return text;
}

std::string valueText(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number()) return number(value.get<double>());
    return value.dump();
}

class Preview {
public:
    Preview(const shared::Survey& survey, std::string_view locale, Language pageLanguage)
        : m_survey(survey),
          m_locale(locale),
          m_words(locale == "da" ? kDanishWords : kEnglishWords),
          m_notes(pageLanguage == Language::Danish ? kDanishNotes : kEnglishNotes) {}

    std::string render() {
        std::string html = "<div class=\"screens\" lang=\"" + esc(m_locale) + "\">";
        html += welcome();
        html += consent();  // apart: the screens are numbered in the order they are made
        const std::size_t questions = m_survey.questionCount();
        std::size_t question = 0;
        for (std::size_t p = 0; p < m_survey.pages.size(); ++p) {
            const shared::Page& page = m_survey.pages[p];
            for (std::size_t e = page.firstElement; e < page.firstElement + page.elementCount; ++e) {
                const shared::Element& element = m_survey.elements[e];
                if (element.isQuestion()) ++question;
                html += elementScreen(page, p, element, question, questions);
            }
        }
        if (m_survey.scoring) html += profile();
        html += thanks();
        return html + "</div>";
    }

private:
    [[nodiscard]] std::string text(const shared::LocalizedText& localized) const { return localized.text(m_locale, m_survey.defaultLocale); }

    // One screen: its label above, the kiosk's screen below, the conditions it depends on beside.
    std::string screen(std::string_view kind, const std::string& label, const std::vector<std::string>& conditions, const std::string& body,
                       const std::string& pointer = "") {
        ++m_screens;
        std::string html = "<section class=\"screen-preview\"><div class=\"screen-label\"><span class=\"screen-number\">" +
                           esc(m_notes.screen) + " " + std::to_string(m_screens) + "</span> <span class=\"screen-kind\">" +
                           esc(kind) + "</span>";
        if (!label.empty()) html += " <code>" + esc(label) + "</code>";
        if (!pointer.empty()) html += " <code class=\"pointer\">" + esc(pointer) + "</code>";
        html += "</div>";
        for (const auto& condition : conditions) html += "<p class=\"condition\">" + esc(condition) + "</p>";
        return html + "<div class=\"kiosk\">" + body + "</div></section>";
    }

    std::string welcome() {
        std::string body = "<p class=\"kiosk-title\">" + esc(text(m_survey.title)) + "</p>";
        if (!m_survey.description.empty()) body += "<div class=\"kiosk-text\">" + paragraphs(text(m_survey.description)) + "</div>";
        body += "<p class=\"kiosk-buttons\"><span class=\"kiosk-button primary\">" + esc(m_words.start) + "</span></p>";
        body += "<p class=\"kiosk-muted\">" + esc(m_words.anonymousNote) + "</p>";
        return screen(m_notes.welcome, "", {}, body);
    }

    std::string consent() {
        std::string body = "<p class=\"kiosk-title\">" + esc(m_words.consentTitle) + "</p><div class=\"kiosk-text\">" +
                           paragraphs(text(m_survey.consent)) + "</div><p class=\"kiosk-buttons\"><span class=\"kiosk-button\">" +
                           esc(m_words.decline) + "</span><span class=\"kiosk-button primary\">" + esc(m_words.accept) + "</span></p>";
        return screen(m_notes.consent, "", {}, body, "/consent");
    }

    std::string options(const shared::Element& element) {
        std::string html;
        const bool row = element.type == shared::ElementType::Rating;
        html += std::string("<ul class=\"kiosk-options") + (row ? " rating" : "") + "\">";
        for (const auto& choice : element.choices) {
            const std::string label = choice.text.empty() ? valueText(choice.value) : text(choice.text);
            html += std::string("<li class=\"kiosk-option") + (element.type == shared::ElementType::Checkbox ? " toggle" : "") +
                    (choice.isNone ? " none" : "") + "\">" + esc(label) + "</li>";
        }
        html += "</ul>";
        if (row && (!element.minRateDescription.empty() || !element.maxRateDescription.empty())) {
            html += "<p class=\"kiosk-scale\"><span>" + esc(text(element.minRateDescription)) + "</span><span>" +
                    esc(text(element.maxRateDescription)) + "</span></p>";
        }
        return html;
    }

    std::string answerArea(const shared::Element& element) {
        switch (element.type) {
            case shared::ElementType::Html: return "<div class=\"kiosk-text\">" + kioskHtml(text(element.html)) + "</div>";
            case shared::ElementType::Rating:
            case shared::ElementType::Radiogroup: return options(element);
            case shared::ElementType::Checkbox: {
                const std::string hint = element.maxSelectedChoices > 0 ? fill(m_words.chooseUpTo, {std::to_string(element.maxSelectedChoices)})
                                                                        : std::string(m_words.chooseAny);
                return "<p class=\"kiosk-muted\">" + esc(hint) + "</p>" + options(element);
            }
            case shared::ElementType::Boolean: {
                const std::string yes = element.labelTrue.empty() ? std::string(m_words.yes) : text(element.labelTrue);
                const std::string no = element.labelFalse.empty() ? std::string(m_words.no) : text(element.labelFalse);
                return "<ul class=\"kiosk-options rating\"><li class=\"kiosk-option\">" + esc(yes) + "</li><li class=\"kiosk-option\">" +
                       esc(no) + "</li></ul>";
            }
            case shared::ElementType::Number: {
                std::string hint = std::string(m_words.numberHint);
                if (element.min && element.max) hint = fill(m_words.numberRange, {number(*element.min), number(*element.max)});
                else if (element.min) hint = fill(m_words.numberMin, {number(*element.min)});
                else if (element.max) hint = fill(m_words.numberMax, {number(*element.max)});
                std::string pad = "<div class=\"kiosk-pad\">";
                for (const char* key : {"1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", ","}) pad += "<span>" + std::string(key) + "</span>";
                return "<p class=\"kiosk-muted\">" + esc(hint) + "</p><div class=\"kiosk-input\"></div>" + pad + "</div>";
            }
            case shared::ElementType::Text:
            case shared::ElementType::Comment:
                return "<p class=\"kiosk-warning\">" + esc(m_words.freeText) + "</p><div class=\"kiosk-input tall\"></div>";
        }
        return "";
    }

    std::string elementScreen(const shared::Page& page, std::size_t pageIndex, const shared::Element& element, std::size_t question,
                              std::size_t questions) {
        std::vector<std::string> conditions;
        if (page.visibleIf) conditions.push_back(fill(m_notes.shownWhen, {page.visibleIf->text()}) + " (" + fill(m_notes.page, {std::to_string(pageIndex + 1), page.name}) + ")");
        if (element.visibleIf) conditions.push_back(fill(m_notes.shownWhen, {element.visibleIf->text()}));
        if (element.enableIf) conditions.push_back(fill(m_notes.enabledWhen, {element.enableIf->text()}));
        if (element.requiredIf) conditions.push_back(fill(m_notes.requiredWhen, {element.requiredIf->text()}));
        if (element.isRequired) conditions.emplace_back(m_notes.required);
        std::string body;
        if (element.isQuestion()) {
            body += "<p class=\"kiosk-progress\">" + esc(fill(m_words.progress, {std::to_string(question), std::to_string(questions)})) + "</p>";
            body += "<p class=\"kiosk-title\">" + esc(text(element.title.empty() ? shared::LocalizedText(element.name) : element.title)) + "</p>";
            if (!element.description.empty()) body += "<p class=\"kiosk-muted\">" + esc(text(element.description)) + "</p>";
        }
        body += answerArea(element);
        const bool last = question == questions && element.isQuestion();
        body += "<p class=\"kiosk-buttons\"><span class=\"kiosk-button\">" + esc(m_words.back) + "</span><span class=\"kiosk-button primary\">" +
                esc(last ? m_words.finish : m_words.next) + "</span></p>";
        return screen(element.isQuestion() ? m_notes.question : m_notes.information, element.name, conditions, body, element.pointer);
    }

    std::string profile() {
        const shared::Scoring& scoring = *m_survey.scoring;
        std::string body = "<p class=\"kiosk-title\">" + esc(m_words.profileTitle) + "</p><p class=\"kiosk-muted\">" + esc(m_words.profileNote) + "</p>";
        for (std::size_t a = 0; a < scoring.areas.size(); ++a) {
            const shared::ScoringArea& area = scoring.areas[a];
            std::string competences;
            for (const auto& id : area.competences) competences += (competences.empty() ? "" : ", ") + id;
            body += "<div class=\"kiosk-area\"><p class=\"kiosk-area-title\">" + esc(text(area.title)) + "</p><p class=\"meta\">" +
                    esc(fill(m_notes.areaItems, {competences})) + "</p><dl class=\"kiosk-levels\">";
            for (std::size_t l = 0; l < scoring.levels.size(); ++l) {
                body += "<dt>" + esc(text(scoring.levels[l].title)) + " (≥ " + esc(number(scoring.levels[l].min * 100)) + " %)</dt><dd>";
                if (a < scoring.advice.size() && l < scoring.advice[a].size()) body += esc(text(scoring.advice[a][l]));
                body += "</dd>";
            }
            body += "</dl></div>";
        }
        body += "<p class=\"kiosk-buttons\"><span class=\"kiosk-button primary\">" + esc(m_words.profileDone) + "</span></p>";
        return screen(m_notes.profile, "", {}, body, "/scoring");
    }

    std::string thanks() {
        std::string body = m_survey.completedHtml.empty()
                               ? "<p class=\"kiosk-title\">" + esc(m_words.thankYou) + "</p>"
                               : "<div class=\"kiosk-text kiosk-title-text\">" + kioskHtml(text(m_survey.completedHtml)) + "</div>";
        body += "<p class=\"kiosk-muted\">" + esc(m_words.thankYouBody) + "</p>";
        return screen(m_notes.thanks, "", {}, body);
    }

    const shared::Survey& m_survey;
    std::string m_locale;
    const KioskWords& m_words;
    const PreviewNotes& m_notes;
    std::size_t m_screens = 0;
};

}  // namespace

std::string surveyPreview(const shared::Survey& survey, std::string_view locale, Language pageLanguage) {
    return Preview(survey, locale, pageLanguage).render();
}

const std::string_view kSurveyAdminStylesheet = R"css(
.admin-form { border: 1px solid var(--line); border-radius: 6px; padding: 0.75rem 1rem 1rem; margin: 0.75rem 0 1rem; max-width: 60rem; }
.admin-form fieldset { border: 0; padding: 0; margin: 0 0 0.75rem; }
.admin-form legend { font-weight: 600; margin-bottom: 0.3rem; }
.admin-form .choices { display: flex; flex-wrap: wrap; gap: 0.3rem 1.25rem; }
.admin-form .choices label { display: inline-flex; align-items: center; gap: 0.35rem; }
.admin-form input[type="checkbox"], .admin-form input[type="radio"] { min-height: 0; width: 1.15rem; height: 1.15rem; }
.admin-form button, .inline-form button, .actions .button { background: var(--brand); color: #ffffff; border: 0; border-radius: 4px; padding: 0.5rem 1.25rem; min-height: 2.3rem; cursor: pointer; text-decoration: none; display: inline-block; }
.admin-form button.secondary, .inline-form button.secondary, .actions .button.secondary { background: #ffffff; color: var(--brand); border: 1px solid var(--brand); }
.admin-form button.danger, .inline-form button.danger { background: #9b1c1c; }
.inline-form { display: inline; margin: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; margin: 1rem 0; }
.field-error { color: #9b1c1c; font-weight: 600; margin: 0.3rem 0; }
.field.invalid input { border: 2px solid #9b1c1c; }
.lint { list-style: none; padding: 0; margin: 0.5rem 0; max-width: 75rem; }
.lint li { border-left: 4px solid #9b1c1c; background: #fdf2f2; padding: 0.4rem 0.75rem; margin: 0.35rem 0; }
.lint li.warning { border-left-color: #b35900; background: #fff7ea; }
.lint .where { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: 0.9em; font-weight: 600; margin-right: 0.5rem; }
.retired { color: var(--muted); }
.tabs { display: flex; gap: 0.5rem; margin: 1rem 0 0.5rem; padding: 0; list-style: none; }
.tabs a { display: inline-block; padding: 0.4rem 1rem; border: 1px solid var(--line); border-radius: 6px 6px 0 0; text-decoration: none; }
.tabs a[aria-current="page"] { background: var(--brand); color: #ffffff; border-color: var(--brand); font-weight: 600; }

.screens { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 1.25rem; margin: 0.75rem 0 1.5rem; }
.screen-preview { min-width: 0; }
.screen-label { font-size: 0.9rem; color: var(--muted); margin-bottom: 0.25rem; }
.screen-label .screen-number { font-weight: 700; color: var(--ink); }
.screen-label code.pointer { color: var(--muted); }
.condition { margin: 0.2rem 0; padding: 0.2rem 0.5rem; background: #fff7ea; border-left: 4px solid #b35900; font-size: 0.9rem; max-width: none; }
.kiosk { background: #faf9f5; color: #1a1a1a; border: 10px solid #2b2b2e; border-radius: 18px; padding: 1.1rem 1.2rem; min-height: 20rem; display: flex; flex-direction: column; font-size: 1.05rem; }
.kiosk p { max-width: none; }
.kiosk-title { font-size: 1.35rem; font-weight: 700; margin: 0.2rem 0 0.6rem; }
.kiosk-title-text { font-size: 1.2rem; }
.kiosk-text p { margin: 0 0 0.6rem; }
.kiosk-muted { color: #3d3d42; margin: 0.3rem 0 0.6rem; }
.kiosk-warning { color: #8c1a0d; font-weight: 600; }
.kiosk-progress { color: #3d3d42; font-size: 0.9rem; margin: 0 0 0.3rem; }
.kiosk-options { list-style: none; padding: 0; margin: 0.4rem 0; display: flex; flex-direction: column; gap: 0.5rem; }
.kiosk-options.rating { flex-direction: row; flex-wrap: wrap; }
.kiosk-option { background: #ffffff; border: 2px solid #333a42; border-radius: 10px; padding: 0.7rem 1rem; font-weight: 600; min-width: 3.2rem; text-align: center; }
.kiosk-options:not(.rating) .kiosk-option { text-align: left; }
.kiosk-option.toggle::before { content: "☐ "; }
.kiosk-option.none { border-style: dashed; }
.kiosk-scale { display: flex; justify-content: space-between; color: #3d3d42; font-size: 0.9rem; margin: 0; }
.kiosk-input { background: #ffffff; border: 2px solid #333a42; border-radius: 8px; height: 2.8rem; margin: 0.3rem 0; }
.kiosk-input.tall { height: 6rem; }
.kiosk-pad { display: grid; grid-template-columns: repeat(3, 1fr); gap: 0.4rem; max-width: 16rem; }
.kiosk-pad span { background: #ffffff; border: 2px solid #333a42; border-radius: 8px; text-align: center; padding: 0.45rem 0; font-weight: 600; }
.kiosk-buttons { margin-top: auto; padding-top: 0.8rem; display: flex; justify-content: space-between; gap: 0.6rem; flex-wrap: wrap; }
.kiosk-button { border: 2px solid #333a42; background: #ffffff; border-radius: 10px; padding: 0.6rem 1.2rem; font-weight: 700; }
.kiosk-button.primary { background: #0a3d80; color: #ffffff; border-color: #0a3d80; margin-left: auto; }
.kiosk-area { background: #ffffff; border: 1px solid #c9ced6; border-radius: 8px; padding: 0.5rem 0.75rem; margin: 0.4rem 0; }
.kiosk-area-title { font-weight: 700; margin: 0; }
.kiosk-levels { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; margin: 0.3rem 0 0; font-size: 0.95rem; }
.kiosk-levels dt { font-weight: 600; }
.kiosk-levels dd { margin: 0; }
)css";

}  // namespace svarboks::server::dashboard
