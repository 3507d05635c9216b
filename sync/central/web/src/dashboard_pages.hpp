#pragma once
// Internal: the dashboard's pages as pure functions from what the handler loaded (reports, devices,
// surveys) to HTML. Nothing here reads the store, and every figure comes from a Report, whose hidden
// figures carry no number: they are written with count()/hiddenText() only.
#include "dashboard_text.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/storage.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace svarboks::server::dashboard {

/// The frame every page shares.
struct Frame {
    Language language = Language::Danish;
    std::string title;
    std::string active;     ///< the nav entry: "overview", "compare", "surveys", "dead-letters", "audit", "admin"; "" for none
    bool administrator = false;  ///< the nav shows the administrators' pages
    std::string user;       ///< "" when not logged in (no nav)
    std::string csrf;
    std::string selfUrl;    ///< this page's path and query, for the language switch to return to
    int k = kDefaultK;
    bool legend = false;    ///< the explanation of hidden figures at the end
    [[nodiscard]] const Texts& t() const { return texts(language); }
};

/// One published survey version, for the filter's choice.
struct SurveyChoice {
    std::string id;
    std::string version;
    std::string title;
};

/// The filters every report page takes from its query string.
struct Filters {
    std::string surveyId;
    std::string version;
    std::string round;          ///< the released round shown ("" when none is released)
    std::vector<Round> rounds;  ///< every released round, for the choice
    /// "survey=ID%40VERSION&round=..." (only what is set), for links that keep the filters.
    [[nodiscard]] std::string query() const;
};

/// The whole document around `main`.
[[nodiscard]] std::string page(const Frame& frame, const std::string& main);

/// The filter form (GET to `action`); `hidden` are name/value pairs it carries along (e.g. the unit).
[[nodiscard]] std::string filterForm(const Frame& frame, const std::vector<SurveyChoice>& surveys, const Filters& filters,
                                     const std::string& action, const std::vector<std::pair<std::string, std::string>>& hidden);

struct LoginView {
    std::string message;    ///< an error or notice, "" for none
    bool error = false;
    std::string next;       ///< where to go after logging in
    std::string userName;   ///< as typed before (never the password)
};
[[nodiscard]] std::string loginMain(const Frame& frame, const LoginView& view);

struct OverviewView {
    const Report* report = nullptr;  ///< null when no survey is published or no round released
    std::vector<SurveyChoice> surveys;
    Filters filters;
    std::size_t maxWeeks = 12;
    std::vector<Device> kiosks;       ///< the ones to list, stalest first
    std::size_t kioskTotal = 0;
    std::size_t unitTotal = 0;
    std::size_t deadLetters = 0;
    bool recordLevel = false;         ///< the role may download responses
};
[[nodiscard]] std::string overviewMain(const Frame& frame, const OverviewView& view, const std::vector<Unit>& units);

struct UnitView {
    const Report* report = nullptr;
    std::vector<SurveyChoice> surveys;
    Filters filters;
    std::string unitId;
    std::string today;  ///< the date printed on the report
};
[[nodiscard]] std::string unitMain(const Frame& frame, const UnitView& view);

struct CompareView {
    const Report* report = nullptr;
    std::vector<SurveyChoice> surveys;
    Filters filters;
    std::vector<Unit> units;          ///< every unit, for the choices
    std::vector<std::string> chosen;  ///< up to 4 unit ids, as chosen (may repeat or be empty)
};
[[nodiscard]] std::string compareMain(const Frame& frame, const CompareView& view);

struct SurveyView {
    PublishedSurvey published;
    shared::LocalizedText title;
    shared::LocalizedText consent;
    std::vector<std::string> locales;
    std::string defaultLocale;
    std::string problem;  ///< when the definition could not be read back
};
[[nodiscard]] std::string surveysMain(const Frame& frame, const std::vector<SurveyView>& surveys, const std::vector<Unit>& units);

[[nodiscard]] std::string auditMain(const Frame& frame, const std::vector<AuditEntry>& entries);

[[nodiscard]] std::string deadLettersMain(const Frame& frame, const std::vector<DeadLetter>& letters, std::size_t shown);

[[nodiscard]] std::string messageMain(const Frame& frame, const std::string& heading, const std::string& message);

}  // namespace svarboks::server::dashboard
