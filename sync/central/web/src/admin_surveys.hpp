#pragma once
// Internal: the dashboard's survey administration under /admin/surveys (administrators only): upload a
// definition as a draft with its lint problems shown by pointer and line, preview every screen of a draft
// in Danish and English as the kiosk shows it, publish it (to every unit, groups or units, after a
// confirmation), list the published versions, retire one. The work is done by SurveyAdmin
// (survey_admin.hpp), as for the `survey` commands. dashboard.cpp routes here after the login check.
#include "dashboard_pages.hpp"
#include "svarboks/server/http_message.hpp"
#include "svarboks/server/survey_admin.hpp"

#include <map>
#include <string>
#include <string_view>

namespace svarboks::server::dashboard {

/// One request to the survey pages, with what the dashboard read of it.
struct AdminCall {
    const HttpRequest& request;
    const std::multimap<std::string, std::string>& form;  ///< an urlencoded post's fields
    const std::string& body;                              ///< the raw body of a post (the multipart upload)
    bool bodyTooLarge = false;                            ///< the upload was over `uploadLimit` (and not read)
    std::size_t uploadLimit = 0;
    Frame frame;                                          ///< user, CSRF token, language, administrator
};

class SurveyAdminPages {
public:
    SurveyAdminPages(Storage& storage, Clock clock);

    /// Whether a path is one of these pages.
    [[nodiscard]] static bool handles(std::string_view path);
    /// The upload's path: its body may be larger than other forms'.
    static constexpr std::string_view kUploadPath = "/admin/surveys/upload";
    /// Answers a logged-in request: 403 unless an administrator, 403 for a post without the session's CSRF token.
    [[nodiscard]] HttpResponse handle(const AdminCall& call);

private:
    [[nodiscard]] HttpResponse listPage(const AdminCall& call, int status, const std::string& uploadError,
                                        const std::vector<LintProblem>& problems, const std::string& fileName);
    [[nodiscard]] HttpResponse upload(const AdminCall& call);
    [[nodiscard]] HttpResponse draftPage(const AdminCall& call, const std::string& draftId, int status, const std::string& publishError);
    [[nodiscard]] HttpResponse publish(const AdminCall& call);
    [[nodiscard]] HttpResponse discard(const AdminCall& call);
    [[nodiscard]] HttpResponse retire(const AdminCall& call);

    Storage& m_storage;
    SurveyAdmin m_admin;
};

/// Every screen of a survey as the kiosk shows it, in one language ("da", "en"), as HTML: the welcome and
/// consent screens, each question with its options and help texts (also those behind visibleIf, marked
/// with their condition), the profile and the thank-you screen.
[[nodiscard]] std::string surveyPreview(const shared::Survey& survey, std::string_view locale, Language pageLanguage);

/// The preview's styles (the kiosk's colours and large buttons), served with the dashboard's stylesheet.
extern const std::string_view kSurveyAdminStylesheet;

}  // namespace svarboks::server::dashboard
