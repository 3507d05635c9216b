#pragma once
// Localizable strings of a survey: a plain string, or locale -> text with "default" as fallback.
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace svarboks::shared {

using TextMap = std::map<std::string, std::string, std::less<>>;

/// A localizable string as SURVEY-FORMAT.md defines it. Immutable after loading; thread-safe to read.
class LocalizedText {
public:
    LocalizedText() = default;
    /// A plain string: the same text for every locale.
    explicit LocalizedText(std::string plain);
    /// Texts per locale; the key "default" is the fallback.
    explicit LocalizedText(TextMap byLocale);

    /// The text for `locale`: that locale's text, else "default", else `surveyLocale`'s, else any; "" if none.
    [[nodiscard]] const std::string& text(std::string_view locale, std::string_view surveyLocale = "da") const;
    [[nodiscard]] bool empty() const { return m_texts.empty(); }
    /// True for a plain string (it serves every locale).
    [[nodiscard]] bool isPlain() const { return m_plain; }
    /// The locale keys present ("default" included); empty for a plain string.
    [[nodiscard]] std::set<std::string> locales() const;
    [[nodiscard]] const TextMap& byLocale() const { return m_texts; }

private:
    TextMap m_texts;
    bool m_plain = false;
};

}  // namespace svarboks::shared
