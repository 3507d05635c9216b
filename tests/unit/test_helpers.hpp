#pragma once
// Small helpers shared by the unit suites.
#include "svarboks/shared/survey.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace svarboks::test {

inline std::filesystem::path sourceDir() { return SVARBOKS_SOURCE_DIR; }
inline std::filesystem::path defaultSurveyPath() { return sourceDir() / "assets/surveys/digital-kompetence.json"; }
inline std::filesystem::path pulseSurveyPath() { return sourceDir() / "assets/surveys/pulse.json"; }

/// Loads a survey from JSON text and requires it to be valid.
inline shared::Survey mustLoad(const nlohmann::json& definition) {
    auto result = shared::parseSurvey(definition.dump(), "test.json");
    for (const auto& d : result.diagnostics) INFO(d.format());
    REQUIRE(result.ok());
    return *result.survey;
}

/// A minimal valid survey around the given elements.
inline nlohmann::json surveyWith(nlohmann::json elements) {
    return {{"surveyId", "t"}, {"surveyVersion", "1"}, {"consent", "ok"}, {"pages", {{{"elements", std::move(elements)}}}}};
}

/// A new folder of its own under the system's temp folder (mkdtemp: mode 0700), removed with all it holds
/// when the object goes, also after a test took permissions away inside it.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "svarboks-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_path = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        namespace fs = std::filesystem;
        std::error_code ec;
        fs::permissions(m_path, fs::perms::owner_all, fs::perm_options::add, ec);
        for (const auto& entry : fs::recursive_directory_iterator(m_path, ec)) {
            fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ec);
        }
        fs::remove_all(m_path, ec);
    }

    [[nodiscard]] const std::filesystem::path& path() const { return m_path; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return m_path / name; }
    /// Writes `bytes` to the file `name` in this folder and returns its path.
    [[nodiscard]] std::filesystem::path write(const std::string& name, std::string_view bytes) const {
        const auto file = m_path / name;
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        REQUIRE(out.good());
        return file;
    }

private:
    std::filesystem::path m_path;
};

/// The whole file ("" when it cannot be read).
inline std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

/// The names in a folder, sorted: what a user listing it would see.
inline std::vector<std::string> filesIn(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

/// The first error diagnostic ("" when there is none), formatted.
inline std::string firstError(const shared::LoadResult& result) {
    for (const auto& d : result.diagnostics) {
        if (d.severity == shared::Diagnostic::Severity::Error) return d.format();
    }
    return "";
}

}  // namespace svarboks::test
