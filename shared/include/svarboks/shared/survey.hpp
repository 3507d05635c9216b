#pragma once
// The survey model of SURVEY-FORMAT.md and its loader/linter.
#include "svarboks/shared/expression.hpp"
#include "svarboks/shared/localized_text.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::shared {

enum class ElementType { Html, Rating, Radiogroup, Checkbox, Boolean, Number, Text, Comment };

/// The SurveyJS `type` name of an element type ("text" for Number).
[[nodiscard]] std::string_view typeName(ElementType type);

/// One answer option: a rating value, a choice, or the "none" item.
struct Choice {
    nlohmann::json value;
    LocalizedText text;
    bool isNone = false;
};

/// One element of a page; the kiosk shows one per screen.
struct Element {
    ElementType type = ElementType::Html;
    std::string name;
    std::string pointer;  ///< JSON pointer of the element in the definition, for messages
    std::size_t page = 0;
    LocalizedText title;
    LocalizedText description;
    LocalizedText html;
    bool isRequired = false;
    std::optional<Expression> visibleIf;
    std::optional<Expression> enableIf;
    std::optional<Expression> requiredIf;
    std::string competence;
    /// Custom: an answer that narrows down who answered ("where do you work?"). Record-level exports treat
    /// it as a quasi-identifier: generalised or withheld so that at least k rows share it (anonymise.hpp).
    bool identifying = false;
    /// Options in display order: rating values, choices, then the "none" item when shown.
    std::vector<Choice> choices;
    int maxSelectedChoices = 0;  ///< 0 = no limit
    std::optional<double> min;
    std::optional<double> max;
    LocalizedText labelTrue;
    LocalizedText labelFalse;
    LocalizedText minRateDescription;
    LocalizedText maxRateDescription;

    [[nodiscard]] bool isQuestion() const { return type != ElementType::Html; }
    /// The option with this value, or nullptr (values compare as JSON: 1 and "1" differ).
    [[nodiscard]] const Choice* findChoice(const nlohmann::json& value) const;
};

struct Page {
    std::string name;
    std::optional<Expression> visibleIf;
    std::size_t firstElement = 0;
    std::size_t elementCount = 0;
};

struct ScoringArea {
    std::string id;
    LocalizedText title;
    std::vector<std::string> competences;
};

struct ScoringLevel {
    std::string id;
    double min = 0;
    LocalizedText title;
};

struct Scoring {
    std::vector<ScoringArea> areas;
    std::vector<ScoringLevel> levels;  ///< ascending by `min`
    /// advice[areaIndex][levelIndex]; empty text when the survey gives none.
    std::vector<std::vector<LocalizedText>> advice;
};

/// The value the "none" item of a question answers with (survey-core's default).
inline constexpr std::string_view kNoneValue = "none";

/// A loaded, valid survey. Immutable; safe to share between threads.
struct Survey {
    std::string id;
    std::string version;
    std::string defaultLocale = "da";
    std::vector<std::string> locales;  ///< the locales every shown string has; defaultLocale first
    LocalizedText title;
    LocalizedText description;
    LocalizedText consent;
    LocalizedText completedHtml;
    bool allowFreeText = false;
    std::vector<Page> pages;
    std::vector<Element> elements;  ///< every element of every page, in survey order
    std::optional<Scoring> scoring;
    std::string definitionSha256;  ///< hex SHA-256 of canonicalDefinition(): the definition as published
    std::string consentSha256;     ///< hex SHA-256 of the consent text, see consentHash()

    /// The index of the element with this name, or -1. Names match without regard to case, as in SurveyJS.
    [[nodiscard]] int indexOf(std::string_view name) const;
    [[nodiscard]] std::size_t questionCount() const;
};

/// One problem of a definition. Its wording lives once, in lint_messages.cpp: a stable `code` with the
/// values it names (`args`) is worded in Danish or English by lintMessage(), so a page can show it in its
/// own language; `message` is the English wording, for the CLI and logs. Only the problems of reading a
/// file from disk (loadSurveyFile: the CLI's) have no code and an English message alone.
struct Diagnostic {
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    std::string file;
    std::string pointer;  ///< JSON pointer; "" for the whole document
    std::string message;  ///< in English
    std::string code;     ///< e.g. "name-duplicate"; "" for a file that cannot be read
    std::vector<std::string> args;  ///< the values the message names, as "{1}", "{2}"... of its wording

    /// "FILE: /pointer: message", with "warning: " before the message for warnings.
    [[nodiscard]] std::string format() const;
    /// The message in `locale`: Danish for "da", English for anything else.
    [[nodiscard]] std::string text(std::string_view locale) const;
};

/// The wording of lint problem `code` with its `args` in `locale` (Danish for "da", English otherwise);
/// "" for an unknown code. Thread-safe.
[[nodiscard]] std::string lintMessage(std::string_view code, const std::vector<std::string>& args, std::string_view locale);

struct LoadResult {
    std::optional<Survey> survey;  ///< set when there are no errors (warnings allowed)
    std::vector<Diagnostic> diagnostics;
    [[nodiscard]] bool ok() const { return survey.has_value(); }
    [[nodiscard]] std::size_t errorCount() const;
};

/// The largest survey definition accepted, in bytes.
inline constexpr std::size_t kMaxSurveyBytes = 2 * 1024 * 1024;

/// Parses and validates a definition. `file` names it in messages. Never throws.
[[nodiscard]] LoadResult parseSurvey(std::string_view bytes, std::string_view file);

/// Reads and validates a survey file (size-checked before reading). Never throws.
[[nodiscard]] LoadResult loadSurveyFile(const std::filesystem::path& path);

/// The definition as published (what the central endpoint stores and serves, and what definition_sha256
/// hashes): compact JSON, keys sorted, UTF-8 as is. The same survey in any formatting hashes the same.
[[nodiscard]] std::string canonicalDefinition(const nlohmann::json& definition);

/// The bytes hashed into consent_sha256: the published `consent` value as compact JSON with sorted keys.
[[nodiscard]] std::string consentHashInput(const LocalizedText& consent);

}  // namespace svarboks::shared
