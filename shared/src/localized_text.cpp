#include "svarboks/shared/localized_text.hpp"

namespace svarboks::shared {

namespace {
const std::string kEmpty;
constexpr const char* kPlainKey = "default";
}  // namespace

LocalizedText::LocalizedText(std::string plain) : m_plain(true) { m_texts.emplace(kPlainKey, std::move(plain)); }

LocalizedText::LocalizedText(TextMap byLocale) : m_texts(std::move(byLocale)) {}

const std::string& LocalizedText::text(std::string_view locale, std::string_view surveyLocale) const {
    for (std::string_view key : {locale, std::string_view(kPlainKey), surveyLocale}) {
        if (auto it = m_texts.find(key); it != m_texts.end()) return it->second;
    }
    return m_texts.empty() ? kEmpty : m_texts.begin()->second;
}

std::set<std::string> LocalizedText::locales() const {
    std::set<std::string> keys;
    if (m_plain) return keys;
    for (const auto& [key, text] : m_texts) keys.insert(key);
    return keys;
}

}  // namespace svarboks::shared
