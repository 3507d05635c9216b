#include "svarboks/shared/survey.hpp"

#include "js_value.hpp"
#include "text_rules.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/readability.hpp"

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

// SurveyJS element types the kiosk refuses, with the code of what to use instead (lint_messages.cpp).
const std::map<std::string, std::string_view, std::less<>> kUnsupportedTypes = {
    {"matrix", "type-matrix"},
    {"matrixdropdown", "type-matrix"},
    {"matrixdynamic", "type-matrix"},
    {"file", "type-file"},
    {"signaturepad", "type-signaturepad"},
    {"expression", "type-expression"},
    {"panel", "type-panel"},
    {"paneldynamic", "type-paneldynamic"},
    {"multipletext", "type-multipletext"},
    {"dropdown", "type-dropdown"},
    {"tagbox", "type-tagbox"},
    {"ranking", "type-ranking"},
    {"imagepicker", "type-imagepicker"},
    {"image", "type-image"},
    {"slider", "type-slider"},
};

// SurveyJS element properties the kiosk refuses.
const std::map<std::string, std::string_view, std::less<>> kUnsupportedElementProperties = {
    {"hasOther", "property-other"},
    {"showOtherItem", "property-other"},
    {"hasComment", "property-comment"},
    {"showCommentArea", "property-comment"},
    {"validators", "property-validators"},
    {"choicesByUrl", "property-choices-by-url"},
    {"choicesFromQuestion", "property-choices-from-question"},
    {"choicesVisibleIf", "property-conditional-choices"},
    {"choicesEnableIf", "property-conditional-choices"},
    {"defaultValue", "property-fixed-values"},
    {"defaultValueExpression", "property-fixed-values"},
    {"setValueIf", "property-fixed-values"},
    {"setValueExpression", "property-fixed-values"},
    {"resetValueIf", "property-fixed-values"},
    {"correctAnswer", "property-correct-answer"},
    {"valueName", "property-value-name"},
    {"hasNone", "property-has-none"},
    {"hasSelectAll", "property-select-all"},
    {"showSelectAllItem", "property-select-all"},
    {"minSelectedChoices", "property-min-selected"},
    {"rateCount", "property-rate-count"},
    {"valueTrue", "property-boolean-values"},
    {"valueFalse", "property-boolean-values"},
    {"elements", "property-nested-elements"},
    {"templateElements", "property-dynamic-panels"},
    {"maxTimeToFinish", "property-timers"},
    {"timeLimit", "property-timers"},
};

const std::map<std::string, std::string_view, std::less<>> kUnsupportedSurveyProperties = {
    {"showTimerPanel", "property-timers"},
    {"showTimer", "property-timers"},
    {"maxTimeToFinish", "property-timers"},
    {"maxTimeToFinishPage", "property-timers"},
    {"timeLimit", "property-timers"},
    {"timeLimitPerPage", "property-timers"},
    {"triggers", "property-triggers"},
    {"calculatedValues", "property-calculated-values"},
    {"completedHtmlOnCondition", "property-completed-on-condition"},
    {"navigateToUrl", "property-navigate-url"},
    {"navigateToUrlOnCondition", "property-navigate-url"},
    {"questions", "property-survey-questions"},
    {"elements", "property-survey-elements"},
    {"functions", "property-functions"},
};

const std::map<std::string, std::string_view, std::less<>> kUnsupportedPageProperties = {
    {"questions", "property-page-questions"},
    {"enableIf", "property-page-enableif"},
    {"requiredIf", "property-page-requiredif"},
    {"maxTimeToFinish", "property-timers"},
    {"timeLimit", "property-timers"},
    {"readOnly", "property-page-readonly"},
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
    // A problem worded in lint_messages.cpp, by its code and the values it names.
    void error(const std::string& pointer, std::string_view code, std::vector<std::string> args) {
        add(Diagnostic::Severity::Error, pointer, code, std::move(args));
    }
    void add(Diagnostic::Severity severity, const std::string& pointer, std::string_view code, std::vector<std::string> args) {
        std::string message = lintMessage(code, args, "en");
        m_diagnostics.push_back({severity, m_file, pointer, std::move(message), std::string(code), std::move(args)});
    }
    void warning(const std::string& pointer, std::string_view code, std::vector<std::string> args) {
        add(Diagnostic::Severity::Warning, pointer, code, std::move(args));
    }
    std::size_t errorCount() const {
        return static_cast<std::size_t>(std::count_if(m_diagnostics.begin(), m_diagnostics.end(), [](const auto& d) {
            return d.severity == Diagnostic::Severity::Error;
        }));
    }

    // ---- JSON ----
    std::optional<json> parse() {
        if (m_bytes.empty()) {
            error("", "file-empty", {});
            return std::nullopt;
        }
        if (m_bytes.size() > kMaxSurveyBytes) {
            error("", "file-too-large", {std::to_string(m_bytes.size()), std::to_string(kMaxSurveyBytes)});
            return std::nullopt;
        }
        if (auto at = jsonTooDeepAt(m_bytes, kMaxDepth)) {
            const auto where = lineColumnAt(m_bytes, *at);
            error("", "json-too-deep", {std::to_string(kMaxDepth), std::to_string(where.line), std::to_string(where.column)});
            return std::nullopt;
        }
        try {
            json doc = json::parse(m_bytes);
            if (!doc.is_object()) {
                error("", "survey-not-object", {typeDescription(doc), shown(doc)});
                return std::nullopt;
            }
            return doc;
        } catch (const json::parse_error& e) {
            const auto where = lineColumnAt(m_bytes, e.byte > 0 ? e.byte - 1 : 0);
            error("", "json-syntax", {std::to_string(where.line), std::to_string(where.column), printable(withoutPrefix(e.what()))});
            return std::nullopt;
        } catch (const json::exception& e) {  // e.g. a number too large for a double
            error("", "json-invalid", {printable(withoutPrefix(e.what()))});
            return std::nullopt;
        }
    }

    // ---- typed readers: each reports its own error and returns nullopt ----
    std::optional<std::string> string(const json& value, const std::string& pointer, std::size_t maxLength = kMaxTextLength) {
        if (!value.is_string()) {
            error(pointer, "expected-string", {typeDescription(value), shown(value)});
            return std::nullopt;
        }
        auto text = value.get<std::string>();
        if (text.size() > maxLength) {
            error(pointer, "text-too-long", {std::to_string(text.size()), std::to_string(maxLength)});
            return std::nullopt;
        }
        return text;
    }

    std::optional<bool> boolean(const json& value, const std::string& pointer) {
        if (!value.is_boolean()) {
            error(pointer, "expected-boolean", {typeDescription(value), shown(value)});
            return std::nullopt;
        }
        return value.get<bool>();
    }

    std::optional<double> number(const json& value, const std::string& pointer) {
        if (!value.is_number()) {
            error(pointer, "expected-number", {typeDescription(value), shown(value)});
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
                error(pointer, "text-empty-object", {});
                return std::nullopt;
            }
            TextMap texts;
            bool ok = true;
            for (const auto& [locale, entry] : value.items()) {
                if (locale != "default" && !validLocale(locale)) {
                    error(child(pointer, locale), "text-locale-invalid", {locale});
                    ok = false;
                } else if (auto s = string(entry, child(pointer, locale))) {
                    texts.emplace(locale, std::move(*s));
                } else {
                    ok = false;
                }
            }
            if (ok) text = LocalizedText(std::move(texts));
        } else {
            error(pointer, "expected-text", {typeDescription(value), shown(value)});
        }
        if (text && shownToRespondent) m_shownTexts.emplace_back(pointer, *text);
        return text;
    }

    std::optional<Expression> expression(const json& value, const std::string& pointer) {
        if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxExpressionLength) {
            error(pointer, "expression-too-long", {std::to_string(value.get_ref<const std::string&>().size()), std::to_string(kMaxExpressionLength)});
            return std::nullopt;
        }
        auto text = string(value, pointer);
        if (!text) return std::nullopt;
        auto parsed = Expression::parse(*text);
        if (!parsed) {
            error(pointer, "expression-invalid", {parsed.error().message});
            return std::nullopt;
        }
        return std::move(parsed).value();
    }

    // ---- survey ----
    void loadSurvey(const json& doc) {
        for (const auto& [key, value] : doc.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedSurveyProperties.find(key); it != kUnsupportedSurveyProperties.end()) {
                error(child("", key), it->second, {key});
            }
        }
        m_survey.defaultLocale = "da";
        if (doc.contains("locale")) {
            if (auto locale = string(doc["locale"], "/locale", 16)) {
                if (validLocale(*locale)) m_survey.defaultLocale = *locale;
                else error("/locale", "locale-invalid", {*locale});
            }
        }
        if (!doc.contains("surveyId")) {
            error("/surveyId", "survey-id-missing", {});
        } else if (auto id = string(doc["surveyId"], "/surveyId", 1000)) {
            if (validSurveyId(*id)) m_survey.id = *id;
            else error("/surveyId", "survey-id-invalid", {*id});
        }
        if (!doc.contains("surveyVersion")) {
            error("/surveyVersion", "survey-version-missing", {});
        } else if (auto version = string(doc["surveyVersion"], "/surveyVersion", 64)) {
            if (version->empty()) error("/surveyVersion", "survey-version-empty", {});
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
            error("/consent", "consent-missing", {});
        } else if (auto consent = localized(doc["consent"], "/consent")) {
            const auto& texts = consent->byLocale();
            if (std::any_of(texts.begin(), texts.end(), [](const auto& entry) { return js::trim(entry.second).empty(); })) {
                error("/consent", "consent-empty", {});
            }
            m_survey.consent = *consent;
        }
        if (doc.contains("scoring")) loadScoring(doc["scoring"]);
        if (!doc.contains("pages")) {
            error("/pages", "pages-missing", {});
        } else if (!doc["pages"].is_array() || doc["pages"].empty()) {
            error("/pages", "pages-empty", {arrayDescription(doc["pages"]), shown(doc["pages"])});
        } else {
            const auto& pages = doc["pages"];
            for (std::size_t i = 0; i < pages.size(); ++i) loadPage(pages[i], child("/pages", i));
        }
        if (errorCount() == 0) bindExpressions();
        if (errorCount() == 0) checkCompetences();
    }

    void loadPage(const json& page, const std::string& pointer) {
        if (!page.is_object()) {
            error(pointer, "page-not-object", {typeDescription(page), shown(page)});
            return;
        }
        for (const auto& [key, value] : page.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedPageProperties.find(key); it != kUnsupportedPageProperties.end()) {
                error(child(pointer, key), it->second, {key});
            }
        }
        if (page.contains("visible") && page["visible"] != json(true)) {
            error(child(pointer, "visible"), "visible-unsupported", {});
        }
        Page result;
        if (page.contains("name")) {
            if (auto name = string(page["name"], child(pointer, "name"), kMaxNameLength)) result.name = *name;
        }
        if (page.contains("title")) (void)localized(page["title"], child(pointer, "title"), false);
        if (page.contains("visibleIf")) result.visibleIf = expression(page["visibleIf"], child(pointer, "visibleIf"));
        const auto elementsPointer = child(pointer, "elements");
        if (!page.contains("elements")) {
            error(elementsPointer, "elements-missing", {});
            return;
        }
        const auto& elements = page["elements"];
        if (!elements.is_array() || elements.empty()) {
            error(elementsPointer, "elements-empty", {arrayDescription(elements), shown(elements)});
            return;
        }
        if (m_survey.elements.size() + elements.size() > kMaxElements) {
            error(elementsPointer, "elements-too-many", {std::to_string(kMaxElements)});
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
            error(pointer, "element-not-object", {typeDescription(e), shown(e)});
            return;
        }
        Element element;
        element.pointer = pointer;
        element.page = m_survey.pages.size();
        if (!loadType(e, pointer, element)) return;
        for (const auto& [key, value] : e.items()) {
            if (isOff(value)) continue;
            if (auto it = kUnsupportedElementProperties.find(key); it != kUnsupportedElementProperties.end()) {
                error(child(pointer, key), it->second, {key});
            }
        }
        if (e.contains("visible") && e["visible"] != json(true)) {
            error(child(pointer, "visible"), "visible-unsupported", {});
        }
        if (e.contains("readOnly") && e["readOnly"] != json(false)) {
            error(child(pointer, "readOnly"), "readonly-unsupported", {});
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
                    error(pointer, "free-text-refused", {});
                }
                break;
        }
        checkScorable(element);
        m_survey.elements.push_back(std::move(element));
    }

    bool loadType(const json& e, const std::string& pointer, Element& element) {
        const auto typePointer = child(pointer, "type");
        if (!e.contains("type")) {
            error(typePointer, "type-missing", {});
            return false;
        }
        auto type = string(e["type"], typePointer, 100);
        if (!type) return false;
        *type = js::toLowerCase(*type);  // survey-core accepts "Rating" and "RadioGroup" too
        if (auto it = kUnsupportedTypes.find(*type); it != kUnsupportedTypes.end()) {
            error(typePointer, it->second, {*type});
            return false;
        }
        if (std::find(kSupportedTypes.begin(), kSupportedTypes.end(), *type) == kSupportedTypes.end() && *type != "comment") {
            error(typePointer, "type-unknown", {*type});
            return false;
        }
        static const std::map<std::string, ElementType, std::less<>> types = {
            {"html", ElementType::Html},         {"rating", ElementType::Rating},   {"radiogroup", ElementType::Radiogroup},
            {"checkbox", ElementType::Checkbox}, {"boolean", ElementType::Boolean}, {"comment", ElementType::Comment}};
        if (*type != "text") {
            element.type = types.at(*type);
            if (e.contains("inputType")) error(child(pointer, "inputType"), "input-type-not-text", {});
            return true;
        }
        element.type = ElementType::Text;
        if (e.contains("inputType")) {
            auto inputType = string(e["inputType"], child(pointer, "inputType"), 100);
            if (!inputType) return false;
            if (*inputType == "number") {
                element.type = ElementType::Number;
            } else if (*inputType != "text") {
                error(child(pointer, "inputType"), "input-type-unsupported", {*inputType});
                return false;
            }
        }
        return true;
    }

    void loadName(const json& e, const std::string& pointer, Element& element) {
        const auto namePointer = child(pointer, "name");
        if (!e.contains("name")) {
            error(namePointer, "name-missing", {});
            return;
        }
        auto name = string(e["name"], namePointer, 1000);
        if (!name) return;
        if (name->size() > kMaxNameLength) {
            error(namePointer, "name-too-long", {std::to_string(name->size()), std::to_string(kMaxNameLength)});
            return;
        }
        if (!validName(*name)) {
            error(namePointer, "name-invalid", {*name});
            return;
        }
        const std::string key = js::toLowerCase(*name);
        if (auto [it, inserted] = m_namePointers.emplace(key, namePointer); !inserted) {
            error(namePointer, "name-duplicate", {*name, it->second});
            return;
        }
        element.name = *name;
    }

    void loadHtml(const json& e, const std::string& pointer, Element& element) {
        if (!e.contains("html")) {
            error(child(pointer, "html"), "html-missing", {});
        } else if (auto t = localized(e["html"], child(pointer, "html"))) {
            element.html = *t;
        }
        for (const char* key : {"isRequired", "requiredIf", "enableIf", "competence", "identifying"}) {
            if (e.contains(key) && !isOff(e[key])) error(child(pointer, key), "html-no-answer", {key});
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
                error(field("rateValues"), "rate-values-count", {std::to_string(kMaxRatingValues), arrayDescription(values)});
                return;
            }
            std::set<double> seen;
            for (std::size_t i = 0; i < values.size(); ++i) {
                const auto itemPointer = child(field("rateValues"), i);
                const auto& item = values[i];
                Choice choice;
                if (item.is_object() && !item.contains("value")) {
                    error(child(itemPointer, "value"), "rate-value-missing", {});
                    continue;
                }
                const json& value = item.is_object() ? item["value"] : item;
                const auto valuePointer = item.is_object() ? child(itemPointer, "value") : itemPointer;
                auto n = number(value, valuePointer);
                if (!n) continue;
                if (!seen.insert(*n).second) {
                    error(valuePointer, "rate-value-repeats", {shown(value)});
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
                error(field(key), "rate-out-of-range", {shown(e[key])});
                n.reset();
            }
            if (n) *target = *n;
            else ok = false;
        }
        if (!ok) return;
        if (rateStep < 0.001) {
            error(field("rateStep"), "rate-step-small", {js::numberToString(rateStep)});
            return;
        }
        if (rateMax <= rateMin) {
            error(field("rateMax"), "rate-max-not-above-min", {js::numberToString(rateMax), js::numberToString(rateMin)});
            return;
        }
        if ((rateMax - rateMin) / rateStep + 1 > static_cast<double>(kMaxRatingValues)) {
            error(field("rateMax"), "rate-too-many", {js::numberToString(std::floor((rateMax - rateMin) / rateStep) + 1), std::to_string(kMaxRatingValues)});
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
            error(field("choices"), "choices-missing", {});
            return;
        }
        const auto& choices = e["choices"];
        if (!choices.is_array() || choices.empty() || choices.size() > kMaxChoices) {
            error(field("choices"), "choices-count", {std::to_string(kMaxChoices), arrayDescription(choices), std::to_string(choices.is_array() ? choices.size() : 0)});
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
                    error(child(itemPointer, "value"), "choice-value-missing", {});
                    continue;
                }
                for (const char* key : {"visibleIf", "enableIf"}) {
                    if (item.contains(key)) error(child(itemPointer, key), "property-conditional-choices", {key});
                }
                value = &item["value"];
                valuePointer = child(itemPointer, "value");
            }
            if (!(value->is_string() || value->is_number())) {
                error(valuePointer, "choice-value-type", {typeDescription(*value), shown(*value)});
                continue;
            }
            if (value->is_string() && (value->get_ref<const std::string&>().empty() || value->get_ref<const std::string&>().size() > 200)) {
                error(valuePointer, "choice-value-length", {});
                continue;
            }
            const std::string key = choiceKey(*value);
            if (showNone && key == kNoneValue) {
                error(valuePointer, "choice-value-none", {});
                continue;
            }
            if (auto [it, inserted] = seen.emplace(key, valuePointer); !inserted) {
                error(valuePointer, "choice-value-repeats", {shown(*value), it->second});
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
                error(maxPointer, "max-selected-not-checkbox", {});
            } else if (!e["maxSelectedChoices"].is_number_unsigned() &&
                       (!e["maxSelectedChoices"].is_number_integer() || e["maxSelectedChoices"].get<long long>() < 0)) {
                error(maxPointer, "max-selected-invalid", {typeDescription(e["maxSelectedChoices"]), shown(e["maxSelectedChoices"])});
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
            error(child(pointer, "max"), "max-below-min", {js::numberToString(*element.max), js::numberToString(*element.min)});
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
                    error(pointer, "score-radiogroup-numeric", {});
                } else if (std::count_if(element.choices.begin(), element.choices.end(), [](const Choice& c) { return !c.isNone; }) < 2) {
                    error(pointer, "score-radiogroup-two", {});
                }
                return;
            case ElementType::Number:
                if (!element.min || !element.max) {
                    error(pointer, "score-number-range", {});
                } else if (*element.min >= *element.max) {
                    error(pointer, "score-number-order", {});
                }
                return;
            default: error(pointer, "score-type", {std::string(typeName(element.type))});
        }
    }

    // ---- scoring ----
    void loadScoring(const json& scoring) {
        if (!scoring.is_object()) {
            error("/scoring", "scoring-not-object", {typeDescription(scoring), shown(scoring)});
            return;
        }
        Scoring result;
        const auto& areas = scoring.contains("areas") ? scoring["areas"] : json();
        if (!areas.is_array() || areas.empty()) {
            error("/scoring/areas", "areas-empty", {});
            return;
        }
        std::map<std::string, std::string> competenceArea;
        for (std::size_t i = 0; i < areas.size(); ++i) {
            const auto pointer = child("/scoring/areas", i);
            const auto& area = areas[i];
            if (!area.is_object()) {
                error(pointer, "area-not-object", {typeDescription(area), shown(area)});
                continue;
            }
            ScoringArea item;
            if (!area.contains("id")) error(child(pointer, "id"), "area-id-missing", {});
            else if (auto id = string(area["id"], child(pointer, "id"), kMaxNameLength)) item.id = *id;
            if (area.contains("title")) {
                if (auto t = localized(area["title"], child(pointer, "title"))) item.title = *t;
            } else {
                error(child(pointer, "title"), "area-title-missing", {});
            }
            const auto competencesPointer = child(pointer, "competences");
            const auto& competences = area.contains("competences") ? area["competences"] : json();
            if (!competences.is_array() || competences.empty()) {
                error(competencesPointer, "competences-empty", {});
            } else {
                for (std::size_t c = 0; c < competences.size(); ++c) {
                    auto id = string(competences[c], child(competencesPointer, c), kMaxNameLength);
                    if (!id) continue;
                    if (auto [it, inserted] = competenceArea.emplace(*id, item.id); !inserted) {
                        error(child(competencesPointer, c), "competence-twice", {*id, it->second});
                        continue;
                    }
                    item.competences.push_back(*id);
                }
            }
            if (std::any_of(result.areas.begin(), result.areas.end(), [&](const ScoringArea& a) { return a.id == item.id; })) {
                error(child(pointer, "id"), "area-id-duplicate", {item.id});
            }
            result.areas.push_back(std::move(item));
        }
        const auto& levels = scoring.contains("levels") ? scoring["levels"] : json();
        if (!levels.is_array() || levels.empty()) {
            error("/scoring/levels", "levels-empty", {});
            return;
        }
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const auto pointer = child("/scoring/levels", i);
            const auto& level = levels[i];
            if (!level.is_object()) {
                error(pointer, "level-not-object", {typeDescription(level), shown(level)});
                continue;
            }
            ScoringLevel item;
            if (!level.contains("id")) error(child(pointer, "id"), "level-id-missing", {});
            else if (auto id = string(level["id"], child(pointer, "id"), kMaxNameLength)) item.id = *id;
            if (!level.contains("min")) {
                error(child(pointer, "min"), "level-min-missing", {});
            } else if (auto min = number(level["min"], child(pointer, "min"))) {
                if (*min < 0 || *min > 1) error(child(pointer, "min"), "level-min-range", {shown(level["min"])});
                else if (!result.levels.empty() && *min <= result.levels.back().min) {
                    error(child(pointer, "min"), "level-min-order", {shown(level["min"]), js::numberToString(result.levels.back().min)});
                }
                item.min = *min;
            }
            if (level.contains("title")) {
                if (auto t = localized(level["title"], child(pointer, "title"))) item.title = *t;
            } else {
                error(child(pointer, "title"), "level-title-missing", {});
            }
            if (std::any_of(result.levels.begin(), result.levels.end(), [&](const ScoringLevel& l) { return l.id == item.id; })) {
                error(child(pointer, "id"), "level-id-duplicate", {item.id});
            }
            result.levels.push_back(std::move(item));
        }
        result.advice.assign(result.areas.size(), std::vector<LocalizedText>(result.levels.size()));
        if (scoring.contains("advice")) loadAdvice(scoring["advice"], result);
        for (const auto& [key, value] : scoring.items()) {
            if (key != "areas" && key != "levels" && key != "advice") {
                warning(child("/scoring", key), "scoring-property-unknown", {key});
            }
        }
        m_survey.scoring = std::move(result);
    }

    void loadAdvice(const json& advice, Scoring& scoring) {
        if (!advice.is_object()) {
            error("/scoring/advice", "advice-not-object", {typeDescription(advice), shown(advice)});
            return;
        }
        for (const auto& [areaId, byLevel] : advice.items()) {
            const auto areaPointer = child("/scoring/advice", areaId);
            const auto area = std::find_if(scoring.areas.begin(), scoring.areas.end(), [&id = areaId](const auto& a) { return a.id == id; });
            if (area == scoring.areas.end()) {
                error(areaPointer, "advice-area-unknown", {areaId});
                continue;
            }
            if (!byLevel.is_object()) {
                error(areaPointer, "advice-area-not-object", {typeDescription(byLevel), shown(byLevel)});
                continue;
            }
            for (const auto& [levelId, text] : byLevel.items()) {
                const auto level = std::find_if(scoring.levels.begin(), scoring.levels.end(), [&id = levelId](const auto& l) { return l.id == id; });
                if (level == scoring.levels.end()) {
                    error(child(areaPointer, levelId), "advice-level-unknown", {levelId});
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
                    error(child(element.pointer, "competence"), "competence-no-scoring", {element.competence});
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
            if (!known) error(child(element.pointer, "competence"), "competence-no-area", {element.competence});
        }
        const auto& scoring = *m_survey.scoring;
        for (std::size_t a = 0; a < scoring.areas.size(); ++a) {
            for (const auto& competence : scoring.areas[a].competences) {
                if (!used.count(competence)) {
                    warning(child(child("/scoring/areas", a), "competences"), "competence-unused", {competence});
                }
            }
            for (std::size_t l = 0; l < scoring.levels.size(); ++l) {
                if (scoring.advice[a][l].empty()) {
                    warning(child(child("/scoring/advice", scoring.areas[a].id), scoring.levels[l].id), "advice-missing", {});
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
        std::string problem;  // a code
        std::string name;     // the element it is about
        const auto status = expression.bind(
            [&](std::string_view referred) {
                const int index = m_survey.indexOf(referred);
                if (index < 0 || !problem.empty()) return index;
                const auto& target = m_survey.elements[static_cast<std::size_t>(index)];
                if (index == self) problem = "expression-self";
                else if (!target.isQuestion()) problem = "expression-html";
                if (!problem.empty()) name = target.name;
                return index;
            },
            [&](int slot) { return m_survey.elements[static_cast<std::size_t>(slot)].type == ElementType::Checkbox; });
        if (!status) error(pointer, "expression-invalid", {status.message()});
        else if (!problem.empty()) error(pointer, problem, {name});
    }

    // ---- after a successful load ----
    void finish(const json& doc) {
        checkTranslations();
        checkReadability();
        m_survey.definitionSha256 = sha256Hex(canonicalDefinition(doc));
        m_survey.consentSha256 = sha256Hex(consentHashInput(m_survey.consent));
    }

    // Plain Danish: each question's Danish title above kLixWarnAbove is a warning (readability.hpp).
    void checkReadability() {
        for (const auto& question : danishQuestionLix(m_survey)) {
            if (!question.lix.tooHard()) continue;
            warning(question.pointer, "lix-high", {std::to_string(question.lix.rounded()), std::to_string(static_cast<int>(kLixWarnAbove))});
        }
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
                    if (locale == "default") warning(pointer, "translation-default-missing", {});
                    else warning(pointer, "translation-missing", {locale});
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
        result.diagnostics.push_back({Diagnostic::Severity::Error, file, "", std::move(message), {}, {}});
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
