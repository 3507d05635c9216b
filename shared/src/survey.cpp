#include "svarboks/shared/survey.hpp"

#include "js_value.hpp"
#include "text_rules.hpp"
#include "svarboks/shared/hashing.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

namespace svarboks::shared {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxDepth = 64;
constexpr std::size_t kMaxTextLength = 20000;
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxChoices = 30;
constexpr std::size_t kMaxRatingValues = 20;
constexpr std::size_t kMaxElements = 500;
constexpr std::size_t kMaxExpressionLength = 4000;
constexpr double kMaxRatingMagnitude = 1e6;

const std::vector<std::string_view> kSupportedTypes = {"html", "rating", "radiogroup", "checkbox", "boolean", "text"};

// SurveyJS element types the kiosk refuses, with what to use instead.
const std::map<std::string, std::string, std::less<>> kUnsupportedTypes = {
    {"matrix", "matrix questions are not supported; use one rating or radiogroup question per row"},
    {"matrixdropdown", "matrix questions are not supported; use one rating or radiogroup question per row"},
    {"matrixdynamic", "matrix questions are not supported; use one rating or radiogroup question per row"},
    {"file", "file uploads are not supported on a kiosk"},
    {"signaturepad", "signatures are not supported: they identify a person"},
    {"expression", "expression (calculated) questions are not supported"},
    {"panel", "panels are not supported; put the elements directly on pages (the kiosk shows one per screen)"},
    {"paneldynamic", "dynamic panels are not supported; put the elements directly on pages"},
    {"multipletext", "multiple text inputs are not supported"},
    {"dropdown", "dropdowns are not supported on a touch kiosk; use radiogroup"},
    {"tagbox", "tag boxes are not supported on a touch kiosk; use checkbox"},
    {"ranking", "ranking questions are not supported; use rating questions"},
    {"imagepicker", "image pickers are not supported; use radiogroup"},
    {"image", "images are not supported; use an html element with text"},
    {"slider", "sliders are not supported; use rating"},
};

const std::string kFixedValues = "preset or computed values are not supported: every respondent starts with no answers";

// SurveyJS element properties the kiosk refuses.
const std::map<std::string, std::string, std::less<>> kUnsupportedElementProperties = {
    {"hasOther", "an 'other' option with free text is not supported; add a choice instead"},
    {"showOtherItem", "an 'other' option with free text is not supported; add a choice instead"},
    {"hasComment", "a comment area is free text and is not supported"},
    {"showCommentArea", "a comment area is free text and is not supported"},
    {"validators", "validators are not supported; use isRequired, min/max or maxSelectedChoices"},
    {"choicesByUrl", "choices loaded from a URL are not supported; list the choices"},
    {"choicesFromQuestion", "choices copied from another question are not supported; list the choices"},
    {"choicesVisibleIf", "conditional choices are not supported"},
    {"choicesEnableIf", "conditional choices are not supported"},
    {"defaultValue", kFixedValues},
    {"defaultValueExpression", kFixedValues},
    {"setValueIf", kFixedValues},
    {"setValueExpression", kFixedValues},
    {"resetValueIf", kFixedValues},
    {"correctAnswer", "quizzes (correctAnswer) are not supported"},
    {"valueName", "valueName is not supported; the answer is stored under the element's name"},
    {"hasNone", "hasNone is the old name; use showNoneItem"},
    {"hasSelectAll", "a select-all option is not supported"},
    {"showSelectAllItem", "a select-all option is not supported"},
    {"minSelectedChoices", "minSelectedChoices is not supported; use isRequired"},
    {"rateCount", "rateCount is not supported; use rateMin, rateMax and rateStep, or rateValues"},
    {"valueTrue", "custom boolean values are not supported; the answer is true or false"},
    {"valueFalse", "custom boolean values are not supported; the answer is true or false"},
    {"elements", "nested elements (panels) are not supported; put the elements directly on pages"},
    {"templateElements", "dynamic panels are not supported"},
    {"maxTimeToFinish", "timers are not supported: a kiosk never hurries a respondent"},
    {"timeLimit", "timers are not supported: a kiosk never hurries a respondent"},
};

const std::string kTimers = "timers are not supported: a kiosk never hurries a respondent";

const std::map<std::string, std::string, std::less<>> kUnsupportedSurveyProperties = {
    {"showTimerPanel", kTimers},
    {"showTimer", kTimers},
    {"maxTimeToFinish", kTimers},
    {"maxTimeToFinishPage", kTimers},
    {"timeLimit", kTimers},
    {"timeLimitPerPage", kTimers},
    {"triggers", "triggers are not supported; use visibleIf, enableIf and requiredIf"},
    {"calculatedValues", "calculated values are not supported; refer to questions directly in expressions"},
    {"completedHtmlOnCondition", "conditional thank-you texts are not supported; use completedHtml"},
    {"navigateToUrl", "navigating to a URL is not supported on a kiosk"},
    {"navigateToUrlOnCondition", "navigating to a URL is not supported on a kiosk"},
    {"questions", "put questions inside pages: {\"pages\": [{\"elements\": [...]}]}"},
    {"elements", "put elements inside pages: {\"pages\": [{\"elements\": [...]}]}"},
    {"functions", "custom functions are not supported in expressions"},
};

const std::map<std::string, std::string, std::less<>> kUnsupportedPageProperties = {
    {"questions", "use \"elements\" for the contents of a page"},
    {"enableIf", "enableIf on a page is not supported; put it on the elements"},
    {"requiredIf", "requiredIf on a page is not supported; put it on the elements"},
    {"maxTimeToFinish", kTimers},
    {"timeLimit", kTimers},
    {"readOnly", "readOnly pages are not supported; use enableIf on the elements"},
};

std::string escapePointerToken(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

std::string child(const std::string& pointer, std::string_view key) { return pointer + "/" + escapePointerToken(key); }
std::string child(const std::string& pointer, std::size_t index) { return pointer + "/" + std::to_string(index); }

// A short rendering of a JSON value for messages.
std::string shown(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
}

std::string typeDescription(const json& value) {
    switch (value.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean (" + shown(value) + ")";
        case json::value_t::string: return "a string (" + shown(value) + ")";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "a number (" + shown(value) + ")";
    }
}



// "an empty array" / "an array of 31" for messages about array sizes.
std::string arrayDescription(const json& value) {
    if (!value.is_array()) return typeDescription(value);
    return value.empty() ? "an empty array" : "an array of " + std::to_string(value.size());
}

// A property whose value is SurveyJS's "off" (false, null, [], "", {}) changes nothing: SurveyJS tools
// write such defaults, so they are accepted even for features the kiosk does not support.
bool isOff(const json& value) {
    return value.is_null() || value == json(false) || ((value.is_array() || value.is_object() || value.is_string()) && value.empty());
}



bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// [A-Za-z_][A-Za-z0-9_.-]*
bool validName(std::string_view name) {
    if (name.empty() || !(isLower(name[0]) || isUpper(name[0]) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '.' || c == '-';
    });
}



// How survey-core compares choice values: "1" and 1 are the same, text ignores case and surrounding space.
std::string choiceKey(const json& value) {
    if (value.is_number()) return js::numberToString(value.get<double>());
    const std::string text = js::trim(value.get<std::string>());
    const double number = js::stringToNumber(text);
    if (!text.empty() && std::isfinite(number)) return js::numberToString(number);
    return js::toLowerCase(text);
}

class Loader {
public:
    Loader(std::string_view bytes, std::string_view file) : m_bytes(bytes), m_file(file) {}

    LoadResult run() {
        LoadResult result;
        if (auto doc = parse()) {
            loadSurvey(*doc);
            if (errorCount() == 0) finish(*doc);
        }
        result.diagnostics = std::move(m_diagnostics);
        if (std::none_of(result.diagnostics.begin(), result.diagnostics.end(),
                         [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::Error; })) {
            result.survey = std::move(m_survey);
        }
        return result;
    }

private:
    // ---- diagnostics ----
    void error(const std::string& pointer, std::string message) {
        m_diagnostics.push_back({Diagnostic::Severity::Error, m_file, pointer, std::move(message)});
    }
    void warning(const std::string& pointer, std::string message) {
        m_diagnostics.push_back({Diagnostic::Severity::Warning, m_file, pointer, std::move(message)});
    }
    std::size_t errorCount() const {
        return static_cast<std::size_t>(std::count_if(m_diagnostics.begin(), m_diagnostics.end(), [](const auto& d) {
            return d.severity == Diagnostic::Severity::Error;
        }));
    }

    // ---- JSON ----
    std::optional<json> parse() {
        if (m_bytes.empty()) {
            error("", "the file is empty; expected a survey definition (a JSON object)");
            return std::nullopt;
        }
        if (m_bytes.size() > kMaxSurveyBytes) {
            error("", "the file is " + std::to_string(m_bytes.size()) + " bytes; a survey definition may be at most " +
                          std::to_string(kMaxSurveyBytes) + " bytes");
            return std::nullopt;
        }
        if (auto at = jsonTooDeepAt(m_bytes, kMaxDepth)) {
            error("", "JSON nested deeper than " + std::to_string(kMaxDepth) + " levels at " + lineColumn(m_bytes, *at));
            return std::nullopt;
        }
        try {
            json doc = json::parse(m_bytes);
            if (!doc.is_object()) {
                error("", "expected a survey definition (a JSON object), got " + typeDescription(doc));
                return std::nullopt;
            }
            return doc;
        } catch (const json::parse_error& e) {
            error("", "not valid JSON at " + lineColumn(m_bytes, e.byte > 0 ? e.byte - 1 : 0) + ": " + printable(withoutPrefix(e.what())));
            return std::nullopt;
        } catch (const json::exception& e) {  // e.g. a number too large for a double
            error("", "not valid JSON: " + printable(withoutPrefix(e.what())));
            return std::nullopt;
        }
    }

    // ---- typed readers: each reports its own error and returns nullopt ----
    std::optional<std::string> string(const json& value, const std::string& pointer, std::size_t maxLength = kMaxTextLength) {
        if (!value.is_string()) {
            error(pointer, "expected a string, got " + typeDescription(value));
            return std::nullopt;
        }
        auto text = value.get<std::string>();
        if (text.size() > maxLength) {
            error(pointer, "text is " + std::to_string(text.size()) + " bytes long; at most " + std::to_string(maxLength) +
                               " are allowed");
            return std::nullopt;
        }
        return text;
    }

    std::optional<bool> boolean(const json& value, const std::string& pointer) {
        if (!value.is_boolean()) {
            error(pointer, "expected true or false, got " + typeDescription(value));
            return std::nullopt;
        }
        return value.get<bool>();
    }

    std::optional<double> number(const json& value, const std::string& pointer) {
        if (!value.is_number()) {
            error(pointer, "expected a number, got " + typeDescription(value));
            return std::nullopt;
        }
        return value.get<double>();
    }

    /// A localizable string; remembered for the translation check when `shown`.
    std::optional<LocalizedText> localized(const json& value, const std::string& pointer, bool shownToRespondent = true) {
        std::optional<LocalizedText> text;
        if (value.is_string()) {
            if (auto plain = string(value, pointer)) text = LocalizedText(*plain);
        } else if (value.is_object()) {
            if (value.empty()) {
                error(pointer, "expected text, or an object of locale -> text, got an empty object");
                return std::nullopt;
            }
            TextMap texts;
            bool ok = true;
            for (const auto& [locale, entry] : value.items()) {
                if (locale != "default" && !validLocale(locale)) {
                    error(child(pointer, locale), "'" + locale + "' is not a locale code; expected e.g. \"da\", \"en\" or \"default\"");
                    ok = false;
                } else if (auto s = string(entry, child(pointer, locale))) {
                    texts.emplace(locale, std::move(*s));
                } else {
                    ok = false;
                }
            }
            if (ok) text = LocalizedText(std::move(texts));
        } else {
            error(pointer, "expected text, or an object of locale -> text, got " + typeDescription(value));
        }
        if (text && shownToRespondent) m_shownTexts.emplace_back(pointer, *text);
        return text;
    }

    std::optional<Expression> expression(const json& value, const std::string& pointer) {
        if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxExpressionLength) {
            error(pointer, "the expression is " + std::to_string(value.get_ref<const std::string&>().size()) + " bytes long; at most " +
                               std::to_string(kMaxExpressionLength) + " are allowed");
            return std::nullopt;
        }
        auto text = string(value, pointer);
        if (!text) return std::nullopt;
        auto parsed = Expression::parse(*text);
        if (!parsed) {
            error(pointer, parsed.error().message);
            return std::nullopt;
        }
        return std::move(parsed).value();
    }

    // ---- survey ----
    void loadSurvey(const json& doc) {
        for (const auto& [key, value] : doc.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedSurveyProperties.find(key); it != kUnsupportedSurveyProperties.end()) {
                error(child("", key), it->second);
            }
        }
        m_survey.defaultLocale = "da";
        if (doc.contains("locale")) {
            if (auto locale = string(doc["locale"], "/locale", 16)) {
                if (validLocale(*locale)) m_survey.defaultLocale = *locale;
                else error("/locale", "'" + *locale + "' is not a locale code; expected e.g. \"da\" or \"en\"");
            }
        }
        if (!doc.contains("surveyId")) {
            error("/surveyId", "missing; expected a stable survey id such as \"digital-kompetence\" ([a-z0-9-], 1-64 characters)");
        } else if (auto id = string(doc["surveyId"], "/surveyId", 1000)) {
            if (validSurveyId(*id)) m_survey.id = *id;
            else error("/surveyId", "'" + *id + "' is not a survey id; expected 1-64 characters of a-z, 0-9 and '-'");
        }
        if (!doc.contains("surveyVersion")) {
            error("/surveyVersion", "missing; expected a version string such as \"2026.1\"");
        } else if (auto version = string(doc["surveyVersion"], "/surveyVersion", 64)) {
            if (version->empty()) error("/surveyVersion", "expected a non-empty version string such as \"2026.1\"");
            else m_survey.version = *version;
        }
        if (doc.contains("allowFreeText")) {
            if (auto allow = boolean(doc["allowFreeText"], "/allowFreeText")) m_survey.allowFreeText = *allow;
        }
        for (const auto& [key, target] : {std::pair{"title", &m_survey.title}, std::pair{"description", &m_survey.description},
                                          std::pair{"completedHtml", &m_survey.completedHtml}}) {
            if (doc.contains(key)) {
                if (auto text = localized(doc[key], child("", key))) *target = *text;
            }
        }
        if (!doc.contains("consent")) {
            error("/consent", "missing; expected the consent text shown before the first question (text, or locale -> text)");
        } else if (auto consent = localized(doc["consent"], "/consent")) {
            const auto& texts = consent->byLocale();
            if (std::any_of(texts.begin(), texts.end(), [](const auto& entry) { return js::trim(entry.second).empty(); })) {
                error("/consent", "the consent text is empty; respondents must be told what is collected, who sees it and how long it is kept");
            }
            m_survey.consent = *consent;
        }
        if (doc.contains("scoring")) loadScoring(doc["scoring"]);
        if (!doc.contains("pages")) {
            error("/pages", "missing; expected an array of pages, each with \"elements\"");
        } else if (!doc["pages"].is_array() || doc["pages"].empty()) {
            error("/pages", "expected a non-empty array of pages, got " + arrayDescription(doc["pages"]));
        } else {
            const auto& pages = doc["pages"];
            for (std::size_t i = 0; i < pages.size(); ++i) loadPage(pages[i], child("/pages", i));
        }
        if (errorCount() == 0) bindExpressions();
        if (errorCount() == 0) checkCompetences();
    }

    void loadPage(const json& page, const std::string& pointer) {
        if (!page.is_object()) {
            error(pointer, "expected a page (an object with \"elements\"), got " + typeDescription(page));
            return;
        }
        for (const auto& [key, value] : page.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedPageProperties.find(key); it != kUnsupportedPageProperties.end()) {
                error(child(pointer, key), it->second);
            }
        }
        if (page.contains("visible") && page["visible"] != json(true)) {
            error(child(pointer, "visible"), "visible is not supported; use visibleIf");
        }
        Page result;
        if (page.contains("name")) {
            if (auto name = string(page["name"], child(pointer, "name"), kMaxNameLength)) result.name = *name;
        }
        if (page.contains("title")) (void)localized(page["title"], child(pointer, "title"), false);
        if (page.contains("visibleIf")) result.visibleIf = expression(page["visibleIf"], child(pointer, "visibleIf"));
        const auto elementsPointer = child(pointer, "elements");
        if (!page.contains("elements")) {
            error(elementsPointer, "missing; expected an array of elements");
            return;
        }
        const auto& elements = page["elements"];
        if (!elements.is_array() || elements.empty()) {
            error(elementsPointer, "expected a non-empty array of elements, got " + arrayDescription(elements));
            return;
        }
        if (m_survey.elements.size() + elements.size() > kMaxElements) {
            error(elementsPointer, "a survey may have at most " + std::to_string(kMaxElements) + " elements");
            return;
        }
        result.firstElement = m_survey.elements.size();
        for (std::size_t i = 0; i < elements.size(); ++i) loadElement(elements[i], child(elementsPointer, i));
        result.elementCount = m_survey.elements.size() - result.firstElement;
        m_pagePointers.push_back(pointer);
        m_survey.pages.push_back(std::move(result));
    }

    void loadElement(const json& e, const std::string& pointer) {
        if (!e.is_object()) {
            error(pointer, "expected an element (an object with \"type\" and \"name\"), got " + typeDescription(e));
            return;
        }
        Element element;
        element.pointer = pointer;
        element.page = m_survey.pages.size();
        if (!loadType(e, pointer, element)) return;
        for (const auto& [key, value] : e.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedElementProperties.find(key); it != kUnsupportedElementProperties.end()) {
                error(child(pointer, key), it->second);
            }
        }
        if (e.contains("visible") && e["visible"] != json(true)) {
            error(child(pointer, "visible"), "visible is not supported; use visibleIf");
        }
        if (e.contains("readOnly") && e["readOnly"] != json(false)) {
            error(child(pointer, "readOnly"), "readOnly is not supported; use enableIf");
        }
        loadName(e, pointer, element);
        const auto field = [&](std::string_view key) { return child(pointer, key); };
        if (e.contains("title")) {
            if (auto t = localized(e["title"], field("title"))) element.title = *t;
        }
        if (e.contains("description")) {
            if (auto t = localized(e["description"], field("description"))) element.description = *t;
        }
        if (e.contains("isRequired")) {
            if (auto r = boolean(e["isRequired"], field("isRequired"))) element.isRequired = *r;
        }
        if (e.contains("visibleIf")) element.visibleIf = expression(e["visibleIf"], field("visibleIf"));
        if (e.contains("enableIf")) element.enableIf = expression(e["enableIf"], field("enableIf"));
        if (e.contains("requiredIf")) element.requiredIf = expression(e["requiredIf"], field("requiredIf"));
        if (e.contains("competence")) {
            if (auto c = string(e["competence"], field("competence"), kMaxNameLength)) element.competence = *c;
        }
        if (e.contains("identifying")) {
            if (auto i = boolean(e["identifying"], field("identifying"))) element.identifying = *i;
        }
        switch (element.type) {
            case ElementType::Html: loadHtml(e, pointer, element); break;
            case ElementType::Rating: loadRating(e, pointer, element); break;
            case ElementType::Radiogroup:
            case ElementType::Checkbox: loadChoices(e, pointer, element); break;
            case ElementType::Boolean:
                for (const auto& [key, target] : {std::pair{"labelTrue", &element.labelTrue}, std::pair{"labelFalse", &element.labelFalse}}) {
                    if (e.contains(key)) {
                        if (auto t = localized(e[key], field(key))) *target = *t;
                    }
                }
                break;
            case ElementType::Number: loadNumber(e, pointer, element); break;
            case ElementType::Text:
            case ElementType::Comment:
                if (!m_survey.allowFreeText) {
                    error(pointer, "free text can identify a person and is refused; use a choice question, or set "
                                   "\"allowFreeText\": true at the top level if the survey really needs it");
                }
                break;
        }
        checkScorable(element);
        m_survey.elements.push_back(std::move(element));
    }

    bool loadType(const json& e, const std::string& pointer, Element& element) {
        const auto typePointer = child(pointer, "type");
        if (!e.contains("type")) {
            error(typePointer, "missing; expected one of html, rating, radiogroup, checkbox, boolean, text");
            return false;
        }
        auto type = string(e["type"], typePointer, 100);
        if (!type) return false;
        *type = js::toLowerCase(*type);  // survey-core accepts "Rating" and "RadioGroup" too
        if (auto it = kUnsupportedTypes.find(*type); it != kUnsupportedTypes.end()) {
            error(typePointer, "element type '" + *type + "': " + it->second);
            return false;
        }
        if (std::find(kSupportedTypes.begin(), kSupportedTypes.end(), *type) == kSupportedTypes.end() && *type != "comment") {
            error(typePointer, "unknown element type '" + *type + "'; expected one of html, rating, radiogroup, checkbox, boolean, text");
            return false;
        }
        static const std::map<std::string, ElementType, std::less<>> types = {
            {"html", ElementType::Html},         {"rating", ElementType::Rating},   {"radiogroup", ElementType::Radiogroup},
            {"checkbox", ElementType::Checkbox}, {"boolean", ElementType::Boolean}, {"comment", ElementType::Comment}};
        if (*type != "text") {
            element.type = types.at(*type);
            if (e.contains("inputType")) error(child(pointer, "inputType"), "inputType only applies to \"text\" elements");
            return true;
        }
        element.type = ElementType::Text;
        if (e.contains("inputType")) {
            auto inputType = string(e["inputType"], child(pointer, "inputType"), 100);
            if (!inputType) return false;
            if (*inputType == "number") {
                element.type = ElementType::Number;
            } else if (*inputType != "text") {
                error(child(pointer, "inputType"), "inputType '" + *inputType + "' is not supported; use \"number\" (an on-screen number pad)");
                return false;
            }
        }
        return true;
    }

    void loadName(const json& e, const std::string& pointer, Element& element) {
        const auto namePointer = child(pointer, "name");
        if (!e.contains("name")) {
            error(namePointer, "missing; every element needs a unique name ([A-Za-z_][A-Za-z0-9_.-]*)");
            return;
        }
        auto name = string(e["name"], namePointer, 1000);
        if (!name) return;
        if (name->size() > kMaxNameLength) {
            error(namePointer, "name is " + std::to_string(name->size()) + " characters; at most " + std::to_string(kMaxNameLength) + " are allowed");
            return;
        }
        if (!validName(*name)) {
            error(namePointer, "'" + *name + "' is not a valid name; expected a letter or '_' followed by letters, digits, '_', '.' or '-'");
            return;
        }
        const std::string key = js::toLowerCase(*name);
        if (auto [it, inserted] = m_namePointers.emplace(key, namePointer); !inserted) {
            error(namePointer, "duplicate name '" + *name + "' (already used at " + it->second + "; names are compared without case, as in SurveyJS)");
            return;
        }
        element.name = *name;
    }

    void loadHtml(const json& e, const std::string& pointer, Element& element) {
        if (!e.contains("html")) {
            error(child(pointer, "html"), "missing; an html element needs its text in \"html\"");
        } else if (auto t = localized(e["html"], child(pointer, "html"))) {
            element.html = *t;
        }
        for (const char* key : {"isRequired", "requiredIf", "enableIf", "competence", "identifying"}) {
            if (e.contains(key) && !isOff(e[key])) error(child(pointer, key), std::string(key) + " has no meaning on an html element, which has no answer");
        }
    }

    void loadRating(const json& e, const std::string& pointer, Element& element) {
        const auto field = [&](std::string_view key) { return child(pointer, key); };
        for (const auto& [key, target] : {std::pair{"minRateDescription", &element.minRateDescription},
                                          std::pair{"maxRateDescription", &element.maxRateDescription}}) {
            if (e.contains(key)) {
                if (auto t = localized(e[key], field(key))) *target = *t;
            }
        }
        if (e.contains("rateValues")) {
            const auto& values = e["rateValues"];
            if (!values.is_array() || values.empty() || values.size() > kMaxRatingValues) {
                error(field("rateValues"), "expected an array of 1 to " + std::to_string(kMaxRatingValues) +
                                               " numbers or {\"value\": number, \"text\": ...}, got " + arrayDescription(values));
                return;
            }
            std::set<double> seen;
            for (std::size_t i = 0; i < values.size(); ++i) {
                const auto itemPointer = child(field("rateValues"), i);
                const auto& item = values[i];
                Choice choice;
                if (item.is_object() && !item.contains("value")) {
                    error(child(itemPointer, "value"), "missing; a rating value object needs a \"value\" (a number)");
                    continue;
                }
                const json& value = item.is_object() ? item["value"] : item;
                const auto valuePointer = item.is_object() ? child(itemPointer, "value") : itemPointer;
                auto n = number(value, valuePointer);
                if (!n) continue;
                if (!seen.insert(*n).second) {
                    error(valuePointer, "rating value " + shown(value) + " repeats");
                    continue;
                }
                choice.value = value;
                if (item.is_object() && item.contains("text")) {
                    if (auto t = localized(item["text"], child(itemPointer, "text"))) choice.text = *t;
                } else {
                    choice.text = LocalizedText(js::numberToString(*n));
                }
                element.choices.push_back(std::move(choice));
            }
            return;
        }
        double rateMin = 1, rateMax = 5, rateStep = 1;
        bool ok = true;
        for (const auto& [key, target] : {std::pair{"rateMin", &rateMin}, std::pair{"rateMax", &rateMax}, std::pair{"rateStep", &rateStep}}) {
            if (!e.contains(key)) continue;
            auto n = number(e[key], field(key));
            if (n && std::fabs(*n) > kMaxRatingMagnitude) {
                error(field(key), "expected a number between -1000000 and 1000000, got " + shown(e[key]));
                n.reset();
            }
            if (n) *target = *n;
            else ok = false;
        }
        if (!ok) return;
        if (rateStep < 0.001) {
            error(field("rateStep"), "expected a step of at least 0.001, got " + js::numberToString(rateStep));
            return;
        }
        if (rateMax <= rateMin) {
            error(field("rateMax"), "rateMax (" + js::numberToString(rateMax) + ") must be above rateMin (" + js::numberToString(rateMin) + ")");
            return;
        }
        if ((rateMax - rateMin) / rateStep + 1 > static_cast<double>(kMaxRatingValues)) {
            error(field("rateMax"), "the scale has " + js::numberToString(std::floor((rateMax - rateMin) / rateStep) + 1) +
                                        " values; at most " + std::to_string(kMaxRatingValues) + " fit on a kiosk screen");
            return;
        }
        // survey-core's createRateValues: add the step, then round to the step's number of decimals.
        int decimals = 0;
        for (double step = rateStep; std::round(step) != step && decimals < 10; step *= 10) ++decimals;
        for (double value = rateMin; value <= rateMax && element.choices.size() < kMaxRatingValues;) {
            Choice choice;
            choice.value = value == std::floor(value) ? json(static_cast<long long>(value)) : json(value);
            choice.text = LocalizedText(js::numberToString(value));
            element.choices.push_back(std::move(choice));
            value += rateStep;
            if (value != 0 && std::round(value) != value) {
                char buffer[64];
                std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
                value = std::strtod(buffer, nullptr);
            }
        }
    }

    void loadChoices(const json& e, const std::string& pointer, Element& element) {
        const auto field = [&](std::string_view key) { return child(pointer, key); };
        bool showNone = false;
        if (e.contains("showNoneItem")) showNone = boolean(e["showNoneItem"], field("showNoneItem")).value_or(false);
        if (!e.contains("choices")) {
            error(field("choices"), "missing; expected an array of choices (strings, numbers or {\"value\", \"text\"})");
            return;
        }
        const auto& choices = e["choices"];
        if (!choices.is_array() || choices.empty() || choices.size() > kMaxChoices) {
            error(field("choices"), "expected an array of 1 to " + std::to_string(kMaxChoices) + " choices, got " + arrayDescription(choices));
            return;
        }
        std::map<std::string, std::string> seen;
        for (std::size_t i = 0; i < choices.size(); ++i) {
            const auto itemPointer = child(field("choices"), i);
            const auto& item = choices[i];
            Choice choice;
            const json* value = &item;
            std::string valuePointer = itemPointer;
            if (item.is_object()) {
                if (!item.contains("value")) {
                    error(child(itemPointer, "value"), "missing; a choice object needs a \"value\"");
                    continue;
                }
                for (const char* key : {"visibleIf", "enableIf"}) {
                    if (item.contains(key)) error(child(itemPointer, key), "conditional choices are not supported");
                }
                value = &item["value"];
                valuePointer = child(itemPointer, "value");
            }
            if (!(value->is_string() || value->is_number())) {
                error(valuePointer, "expected a choice value (a string or a number), got " + typeDescription(*value));
                continue;
            }
            if (value->is_string() && (value->get_ref<const std::string&>().empty() || value->get_ref<const std::string&>().size() > 200)) {
                error(valuePointer, "expected a choice value of 1 to 200 characters");
                continue;
            }
            const std::string key = choiceKey(*value);
            if (showNone && key == kNoneValue) {
                error(valuePointer, "the value \"none\" is reserved for the none item (showNoneItem)");
                continue;
            }
            if (auto [it, inserted] = seen.emplace(key, valuePointer); !inserted) {
                error(valuePointer, "choice value " + shown(*value) + " repeats the value at " + it->second +
                                        " (SurveyJS compares \"1\" and 1, and text without case, as equal)");
                continue;
            }
            choice.value = *value;
            if (item.is_object() && item.contains("text")) {
                if (auto t = localized(item["text"], child(itemPointer, "text"))) choice.text = *t;
            } else {
                choice.text = LocalizedText(value->is_string() ? value->get<std::string>() : js::numberToString(value->get<double>()));
            }
            element.choices.push_back(std::move(choice));
        }
        if (showNone) {
            Choice none;
            none.value = std::string(kNoneValue);
            none.isNone = true;
            none.text = LocalizedText(TextMap{{"default", "None"}, {"da", "Ingen"}});
            if (e.contains("noneText")) {
                if (auto t = localized(e["noneText"], field("noneText"))) none.text = *t;
            }
            element.choices.push_back(std::move(none));
        }
        if (e.contains("maxSelectedChoices")) {
            const auto maxPointer = field("maxSelectedChoices");
            if (element.type != ElementType::Checkbox) {
                error(maxPointer, "maxSelectedChoices only applies to checkbox questions");
            } else if (!e["maxSelectedChoices"].is_number_unsigned() &&
                       (!e["maxSelectedChoices"].is_number_integer() || e["maxSelectedChoices"].get<long long>() < 0)) {
                error(maxPointer, "expected a whole number of 0 (no limit) or more, got " + typeDescription(e["maxSelectedChoices"]));
            } else {
                element.maxSelectedChoices = static_cast<int>(std::min<unsigned long long>(e["maxSelectedChoices"].get<unsigned long long>(), 1000));
            }
        }
    }

    void loadNumber(const json& e, const std::string& pointer, Element& element) {
        for (const auto& [key, target] : {std::pair{"min", &element.min}, std::pair{"max", &element.max}}) {
            if (e.contains(key)) {
                if (auto n = number(e[key], child(pointer, key))) *target = *n;
            }
        }
        if (element.min && element.max && *element.min > *element.max) {
            error(child(pointer, "max"), "max (" + js::numberToString(*element.max) + ") is below min (" + js::numberToString(*element.min) + ")");
        }
    }

    void checkScorable(const Element& element) {
        if (element.competence.empty()) return;
        const auto pointer = child(element.pointer, "competence");
        switch (element.type) {
            case ElementType::Rating:
            case ElementType::Boolean: return;
            case ElementType::Radiogroup:
                if (std::any_of(element.choices.begin(), element.choices.end(), [](const Choice& c) { return !c.isNone && !c.value.is_number(); })) {
                    error(pointer, "a scored radiogroup needs numeric choice values (the lowest scores 0, the highest 1)");
                } else if (std::count_if(element.choices.begin(), element.choices.end(), [](const Choice& c) { return !c.isNone; }) < 2) {
                    error(pointer, "a scored radiogroup needs at least two numeric choices");
                }
                return;
            case ElementType::Number:
                if (!element.min || !element.max) {
                    error(pointer, "a scored number question needs both min and max (min scores 0, max scores 1)");
                } else if (*element.min >= *element.max) {
                    error(pointer, "a scored number question needs min below max (min scores 0, max scores 1)");
                }
                return;
            default: error(pointer, std::string(typeName(element.type)) + " answers cannot be scored; use rating, radiogroup, boolean or a number");
        }
    }

    // ---- scoring ----
    void loadScoring(const json& scoring) {
        if (!scoring.is_object()) {
            error("/scoring", "expected an object with \"areas\", \"levels\" and \"advice\", got " + typeDescription(scoring));
            return;
        }
        Scoring result;
        const auto& areas = scoring.contains("areas") ? scoring["areas"] : json();
        if (!areas.is_array() || areas.empty()) {
            error("/scoring/areas", "expected a non-empty array of areas {\"id\", \"title\", \"competences\"}");
            return;
        }
        std::map<std::string, std::string> competenceArea;
        for (std::size_t i = 0; i < areas.size(); ++i) {
            const auto pointer = child("/scoring/areas", i);
            const auto& area = areas[i];
            if (!area.is_object()) {
                error(pointer, "expected an area {\"id\", \"title\", \"competences\"}, got " + typeDescription(area));
                continue;
            }
            ScoringArea item;
            if (!area.contains("id")) error(child(pointer, "id"), "missing; expected an area id");
            else if (auto id = string(area["id"], child(pointer, "id"), kMaxNameLength)) item.id = *id;
            if (area.contains("title")) {
                if (auto t = localized(area["title"], child(pointer, "title"))) item.title = *t;
            } else {
                error(child(pointer, "title"), "missing; the respondent's profile shows the area's title");
            }
            const auto competencesPointer = child(pointer, "competences");
            const auto& competences = area.contains("competences") ? area["competences"] : json();
            if (!competences.is_array() || competences.empty()) {
                error(competencesPointer, "expected a non-empty array of competence ids");
            } else {
                for (std::size_t c = 0; c < competences.size(); ++c) {
                    auto id = string(competences[c], child(competencesPointer, c), kMaxNameLength);
                    if (!id) continue;
                    if (auto [it, inserted] = competenceArea.emplace(*id, item.id); !inserted) {
                        error(child(competencesPointer, c), "competence '" + *id + "' is already in area '" + it->second + "'");
                        continue;
                    }
                    item.competences.push_back(*id);
                }
            }
            if (std::any_of(result.areas.begin(), result.areas.end(), [&](const ScoringArea& a) { return a.id == item.id; })) {
                error(child(pointer, "id"), "duplicate area id '" + item.id + "'");
            }
            result.areas.push_back(std::move(item));
        }
        const auto& levels = scoring.contains("levels") ? scoring["levels"] : json();
        if (!levels.is_array() || levels.empty()) {
            error("/scoring/levels", "expected a non-empty array of levels {\"id\", \"min\", \"title\"}");
            return;
        }
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const auto pointer = child("/scoring/levels", i);
            const auto& level = levels[i];
            if (!level.is_object()) {
                error(pointer, "expected a level {\"id\", \"min\", \"title\"}, got " + typeDescription(level));
                continue;
            }
            ScoringLevel item;
            if (!level.contains("id")) error(child(pointer, "id"), "missing; expected a level id");
            else if (auto id = string(level["id"], child(pointer, "id"), kMaxNameLength)) item.id = *id;
            if (!level.contains("min")) {
                error(child(pointer, "min"), "missing; expected the lowest area score (0..1) for this level");
            } else if (auto min = number(level["min"], child(pointer, "min"))) {
                if (*min < 0 || *min > 1) error(child(pointer, "min"), "expected a score between 0 and 1, got " + shown(level["min"]));
                else if (!result.levels.empty() && *min <= result.levels.back().min) {
                    error(child(pointer, "min"), "levels must be in ascending order of min; " + shown(level["min"]) +
                                                     " is not above the previous level's " + js::numberToString(result.levels.back().min));
                }
                item.min = *min;
            }
            if (level.contains("title")) {
                if (auto t = localized(level["title"], child(pointer, "title"))) item.title = *t;
            } else {
                error(child(pointer, "title"), "missing; the respondent's profile shows the level's title");
            }
            if (std::any_of(result.levels.begin(), result.levels.end(), [&](const ScoringLevel& l) { return l.id == item.id; })) {
                error(child(pointer, "id"), "duplicate level id '" + item.id + "'");
            }
            result.levels.push_back(std::move(item));
        }
        result.advice.assign(result.areas.size(), std::vector<LocalizedText>(result.levels.size()));
        if (scoring.contains("advice")) loadAdvice(scoring["advice"], result);
        for (const auto& [key, value] : scoring.items()) {
            if (key != "areas" && key != "levels" && key != "advice") {
                warning(child("/scoring", key), "unknown scoring property '" + key + "' is ignored");
            }
        }
        m_survey.scoring = std::move(result);
    }

    void loadAdvice(const json& advice, Scoring& scoring) {
        if (!advice.is_object()) {
            error("/scoring/advice", "expected an object of area id -> level id -> text, got " + typeDescription(advice));
            return;
        }
        for (const auto& [areaId, byLevel] : advice.items()) {
            const auto areaPointer = child("/scoring/advice", areaId);
            const auto area = std::find_if(scoring.areas.begin(), scoring.areas.end(), [&id = areaId](const auto& a) { return a.id == id; });
            if (area == scoring.areas.end()) {
                error(areaPointer, "unknown area '" + areaId + "'");
                continue;
            }
            if (!byLevel.is_object()) {
                error(areaPointer, "expected an object of level id -> text, got " + typeDescription(byLevel));
                continue;
            }
            for (const auto& [levelId, text] : byLevel.items()) {
                const auto level = std::find_if(scoring.levels.begin(), scoring.levels.end(), [&id = levelId](const auto& l) { return l.id == id; });
                if (level == scoring.levels.end()) {
                    error(child(areaPointer, levelId), "unknown level '" + levelId + "'");
                    continue;
                }
                if (auto t = localized(text, child(areaPointer, levelId))) {
                    scoring.advice[static_cast<std::size_t>(area - scoring.areas.begin())]
                                  [static_cast<std::size_t>(level - scoring.levels.begin())] = *t;
                }
            }
        }
    }

    void checkCompetences() {
        if (!m_survey.scoring) {
            for (const auto& element : m_survey.elements) {
                if (!element.competence.empty()) {
                    error(child(element.pointer, "competence"), "competence '" + element.competence + "' needs a \"scoring\" section that lists it in an area");
                }
            }
            return;
        }
        std::set<std::string> used;
        for (const auto& element : m_survey.elements) {
            if (element.competence.empty()) continue;
            used.insert(element.competence);
            const bool known = std::any_of(m_survey.scoring->areas.begin(), m_survey.scoring->areas.end(), [&](const ScoringArea& area) {
                return std::find(area.competences.begin(), area.competences.end(), element.competence) != area.competences.end();
            });
            if (!known) error(child(element.pointer, "competence"), "competence '" + element.competence + "' is in no scoring area");
        }
        const auto& scoring = *m_survey.scoring;
        for (std::size_t a = 0; a < scoring.areas.size(); ++a) {
            for (const auto& competence : scoring.areas[a].competences) {
                if (!used.count(competence)) {
                    warning(child(child("/scoring/areas", a), "competences"), "competence '" + competence + "' is used by no question");
                }
            }
            for (std::size_t l = 0; l < scoring.levels.size(); ++l) {
                if (scoring.advice[a][l].empty()) {
                    warning(child(child("/scoring/advice", scoring.areas[a].id), scoring.levels[l].id), "no advice for this area and level");
                }
            }
        }
    }

    // ---- expressions ----
    void bindExpressions() {
        for (std::size_t i = 0; i < m_survey.elements.size(); ++i) {
            auto& element = m_survey.elements[i];
            for (const auto& [key, expression] : {std::pair{"visibleIf", &element.visibleIf}, std::pair{"enableIf", &element.enableIf},
                                                  std::pair{"requiredIf", &element.requiredIf}}) {
                if (*expression) bind(**expression, child(element.pointer, key), static_cast<int>(i));
            }
        }
        for (std::size_t p = 0; p < m_survey.pages.size(); ++p) {
            if (m_survey.pages[p].visibleIf) bind(*m_survey.pages[p].visibleIf, child(m_pagePointers[p], "visibleIf"), -1);
        }
    }

    void bind(Expression& expression, const std::string& pointer, int self) {
        std::string problem;
        const auto status = expression.bind(
            [&](std::string_view name) {
                const int index = m_survey.indexOf(name);
                if (index < 0 || !problem.empty()) return index;
                const auto& target = m_survey.elements[static_cast<std::size_t>(index)];
                if (index == self) problem = "an expression cannot refer to its own element ('" + target.name + "')";
                else if (!target.isQuestion()) problem = "'" + target.name + "' is an html element and has no answer";
                return index;
            },
            [&](int slot) { return m_survey.elements[static_cast<std::size_t>(slot)].type == ElementType::Checkbox; });
        if (!status) error(pointer, status.message());
        else if (!problem.empty()) error(pointer, problem);
    }

    // ---- after a successful load ----
    void finish(const json& doc) {
        checkTranslations();
        m_survey.definitionSha256 = sha256Hex(canonicalDefinition(doc));
        m_survey.consentSha256 = sha256Hex(consentHashInput(m_survey.consent));
    }

    void checkTranslations() {
        std::set<std::string> all;
        for (const auto& [pointer, text] : m_shownTexts) {
            for (const auto& locale : text.locales()) all.insert(locale);
        }
        for (const auto& [pointer, text] : m_shownTexts) {
            if (text.isPlain()) continue;
            for (const auto& locale : all) {
                if (!text.byLocale().count(locale)) {
                    warning(pointer, locale == "default" ? "no 'default' text, which other texts have"
                                                         : "missing '" + locale + "' translation, which other texts have");
                }
            }
        }
        // The locales offered: every shown text has it (a plain text or "default" serves any locale).
        std::set<std::string> candidates{m_survey.defaultLocale};
        for (const auto& locale : all) candidates.insert(locale == "default" ? "en" : locale);
        m_survey.locales = {m_survey.defaultLocale};
        for (const auto& locale : candidates) {
            if (locale == m_survey.defaultLocale) continue;
            const bool everywhere = std::all_of(m_shownTexts.begin(), m_shownTexts.end(), [&](const auto& entry) {
                const auto& texts = entry.second.byLocale();
                return entry.second.isPlain() || texts.count(locale) || texts.count("default");
            });
            if (everywhere) m_survey.locales.push_back(locale);
        }
    }

    std::string_view m_bytes;
    std::string m_file;
    Survey m_survey;
    std::vector<Diagnostic> m_diagnostics;
    std::vector<std::pair<std::string, LocalizedText>> m_shownTexts;
    std::map<std::string, std::string> m_namePointers;
    std::vector<std::string> m_pagePointers;
};

}  // namespace

std::string_view typeName(ElementType type) {
    switch (type) {
        case ElementType::Html: return "html";
        case ElementType::Rating: return "rating";
        case ElementType::Radiogroup: return "radiogroup";
        case ElementType::Checkbox: return "checkbox";
        case ElementType::Boolean: return "boolean";
        case ElementType::Number:
        case ElementType::Text: return "text";
        case ElementType::Comment: return "comment";
    }
    return "";
}

const Choice* Element::findChoice(const nlohmann::json& value) const {
    for (const auto& choice : choices) {
        if (choice.value.type() == value.type() ||
            (choice.value.is_number() && value.is_number())) {
            if (choice.value == value) return &choice;
        }
    }
    return nullptr;
}

int Survey::indexOf(std::string_view name) const {
    const std::string key = js::toLowerCase(name);
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (js::toLowerCase(elements[i].name) == key) return static_cast<int>(i);
    }
    return -1;
}

std::size_t Survey::questionCount() const {
    return static_cast<std::size_t>(std::count_if(elements.begin(), elements.end(), [](const Element& e) { return e.isQuestion(); }));
}

std::string Diagnostic::format() const {
    std::string line = file + ": ";
    if (!pointer.empty()) line += pointer + ": ";
    if (severity == Severity::Warning) line += "warning: ";
    return line + message;
}

std::size_t LoadResult::errorCount() const {
    return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(),
                                                  [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::Error; }));
}

LoadResult parseSurvey(std::string_view bytes, std::string_view file) { return Loader(bytes, file).run(); }

LoadResult loadSurveyFile(const std::filesystem::path& path) {
    const std::string file = path.string();
    const auto fail = [&](std::string message) {
        LoadResult result;
        result.diagnostics.push_back({Diagnostic::Severity::Error, file, "", std::move(message)});
        return result;
    };
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) return fail("cannot read the file: it does not exist");
    if (std::filesystem::is_directory(status)) return fail("is a directory; expected a survey file (JSON)");
    if (!std::filesystem::is_regular_file(status)) return fail("is not a regular file; expected a survey file (JSON)");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return fail("cannot read the file: " + ec.message());
    if (size > kMaxSurveyBytes) {
        return fail("the file is " + std::to_string(size) + " bytes; a survey definition may be at most " +
                    std::to_string(kMaxSurveyBytes) + " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("cannot read the file: permission denied or unreadable");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return parseSurvey(bytes.str(), file);
}

std::string canonicalDefinition(const nlohmann::json& definition) { return definition.dump(); }

std::string consentHashInput(const LocalizedText& consent) {
    if (consent.isPlain()) return nlohmann::json(consent.text("default")).dump();
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [locale, text] : consent.byLocale()) object[locale] = text;
    return object.dump();
}

}  // namespace svarboks::shared
