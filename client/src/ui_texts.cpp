#include "svarboks/client/ui_texts.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace svarboks::client {

shared::Result<UiTexts> UiTexts::parse(std::string_view text, const std::string& file) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || doc.empty()) {
        return shared::Error{file + ": expected a JSON object of locale -> {key: text}"};
    }
    UiTexts texts;
    std::set<std::string> allKeys;
    for (const auto& [locale, entries] : doc.items()) {
        if (!entries.is_object()) return shared::Error{file + ": " + locale + ": expected an object of key -> text"};
        for (const auto& [key, value] : entries.items()) {
            if (!value.is_string()) return shared::Error{file + ": " + locale + "." + key + ": expected text"};
            texts.m_texts[locale][key] = value.get<std::string>();
            allKeys.insert(key);
        }
    }
    for (const auto& [locale, entries] : texts.m_texts) {
        for (const auto& key : allKeys) {
            if (!entries.count(key)) return shared::Error{file + ": " + locale + "." + key + ": missing (other locales have it)"};
        }
    }
    return texts;
}

shared::Result<UiTexts> UiTexts::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return shared::Error{file.string() + ": cannot read the kiosk's texts"};
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string());
}

std::string UiTexts::get(std::string_view locale, std::string_view key, const std::vector<std::string>& args) const {
    std::string text(key);
    for (std::string_view candidate : {locale, std::string_view("en")}) {
        const auto texts = m_texts.find(candidate);
        if (texts == m_texts.end()) continue;
        if (const auto it = texts->second.find(key); it != texts->second.end()) {
            text = it->second;
            break;
        }
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string marker = "{" + std::to_string(i) + "}";
        for (auto pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos + args[i].size())) {
            text.replace(pos, marker.size(), args[i]);
        }
    }
    return text;
}

std::filesystem::path assetsDir() {
    if (const char* env = std::getenv("SVARBOKS_ASSETS"); env && *env) return env;
#ifdef SVARBOKS_SOURCE_ASSETS
    if (std::filesystem::exists(SVARBOKS_SOURCE_ASSETS)) return SVARBOKS_SOURCE_ASSETS;
#endif
    return SVARBOKS_ASSETS_DIR;
}

shared::Result<UiTexts> loadKioskTexts() { return UiTexts::load(assetsDir() / "ui" / "texts.json"); }

}  // namespace svarboks::client
