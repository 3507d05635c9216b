#pragma once
// The kiosk's own words (buttons, hints, admin labels, the sync status) in Danish and English: assets/ui/texts.json.
#include "svarboks/shared/result.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::client {

class UiTexts {
public:
    /// Loads texts.json; every locale must have every key. Errors name the file and the key.
    [[nodiscard]] static shared::Result<UiTexts> load(const std::filesystem::path& file);
    [[nodiscard]] static shared::Result<UiTexts> parse(std::string_view json, const std::string& file);

    /// The text for `key` in `locale` (else English, else the key itself), with {0}, {1}, ... replaced.
    [[nodiscard]] std::string get(std::string_view locale, std::string_view key, const std::vector<std::string>& args = {}) const;
    [[nodiscard]] bool has(std::string_view locale) const { return m_texts.count(std::string(locale)) > 0; }

private:
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> m_texts;
};

/// The assets folder: $SVARBOKS_ASSETS, else the source tree's assets/ (development), else /usr/share/svarboks.
[[nodiscard]] std::filesystem::path assetsDir();
/// The kiosk's texts: ui/texts.json in assetsDir(). Errors as UiTexts::load.
[[nodiscard]] shared::Result<UiTexts> loadKioskTexts();

}  // namespace svarboks::client
