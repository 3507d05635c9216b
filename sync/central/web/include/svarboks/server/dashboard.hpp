#pragma once
// The central team's web dashboard, served by `svarboks-central serve` next to the kiosk API: every path
// outside /api/ and /healthz. Plain HTML forms and one stylesheet, charts as inline SVG, no JavaScript,
// in Danish (default) and English. Like Api, it is a function of a plain request (http_message.hpp, tested
// without HTTP); http_server.cpp routes to it.
//
// Security: every page and download behind a login (accounts.hpp) and checked against the account's role
// (a unit leader sees only the suppressed figures of their units and groups; record-level downloads are
// for analysts and administrators; every download is in the audit log); the session cookie is
// __Host-svarboks_session (Secure, HttpOnly, SameSite=Strict); every POST must come from this origin
// (Origin / Sec-Fetch-Site) and, once logged in, carry the session's CSRF token; an account signed in with a
// one-time password is sent to /account/password from every page until it has chosen its own; every HTML answer has a
// strict Content-Security-Policy and no-store caching. Figures come only from reports (report.hpp), whose
// hidden figures carry no number: pages show their wording instead.
//
// Thread-safe: one Dashboard serves every request thread.
#include "svarboks/server/accounts.hpp"
#include "svarboks/server/clock.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/http_message.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/storage.hpp"

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace svarboks::server {

namespace dashboard {
struct SurveyChoice;
struct Filters;
class AdminPages;
class SurveyAdminPages;
}  // namespace dashboard

/// Builds a report; the default is buildReport() on the dashboard's store.
using ReportSource = std::function<Result<Report>(const ReportRequest&)>;

struct DashboardOptions {
    AccountOptions accounts;
    std::size_t maxBodyBytes = 16 * 1024;   ///< of a form post; a larger one is answered 413
    std::size_t maxUploadBytes = 1024 * 1024;  ///< of a survey upload (the only larger form); a larger one is answered 413
    std::size_t overviewWeeks = 12;         ///< week columns of the overview (the last ones of the range)
    std::size_t maxConcurrentDownloads = 2; ///< more get 503 (each holds a store connection while it streams)
    ReportSource reports;                   ///< empty = buildReport(storage, ...)
};

class Dashboard {
public:
    Dashboard(Storage& storage, DashboardOptions options = {}, Clock clock = systemClock(),
              std::function<void(std::chrono::milliseconds)> sleep = {});
    ~Dashboard();
    Dashboard(const Dashboard&) = delete;
    Dashboard& operator=(const Dashboard&) = delete;

    /// Whether a path belongs to the dashboard (everything but /api/... and /healthz).
    [[nodiscard]] static bool handles(std::string_view path);
    /// The path as the access log may show it: one of the dashboard's fixed paths, else "other".
    /// (Ids and filters travel in query strings, which are never logged.)
    [[nodiscard]] static std::string logPath(std::string_view path);

    /// Answers one request; a form post's body is read first, at most DashboardOptions::maxBodyBytes (a survey
    /// upload: maxUploadBytes). Never throws.
    [[nodiscard]] HttpResponse handle(const HttpRequest& request);

private:
    struct Context;
    struct SurveyInfo;
    /// A published survey version and what the dashboard reads from its definition (cached: it never changes).
    struct Published {
        PublishedSurvey survey;
        std::shared_ptr<const SurveyInfo> info;
    };
    [[nodiscard]] Result<std::vector<Published>> catalogue();
    [[nodiscard]] static std::vector<dashboard::SurveyChoice> choices(const std::vector<Published>& published, const Context& context);
    /// Reads survey and round (among filters.rounds, the released ones) from the query; a message for the
    /// reader when one is not usable.
    [[nodiscard]] static std::optional<std::string> resolveFilters(const HttpRequest& request, const std::vector<dashboard::SurveyChoice>& surveys,
                                                                   const Context& context, dashboard::Filters& filters);
    [[nodiscard]] ReportRequest reportRequest(const dashboard::Filters& filters) const;
    [[nodiscard]] HttpResponse route(const HttpRequest& request);
    [[nodiscard]] HttpResponse loginPage(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse login(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse logout(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse overview(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse unitPage(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse compare(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse surveysPage(const Context& context);
    [[nodiscard]] HttpResponse deadLettersPage(const Context& context);
    [[nodiscard]] HttpResponse auditPage(const Context& context);
    [[nodiscard]] HttpResponse forbidden(const Context& context, bool download);
    [[nodiscard]] Result<std::vector<Round>> released();
    /// Keeps only the rows the account may see (a unit leader's units and groups).
    static void restrict(Report& report, const Context& context);
    /// Writes who did what (with how many rows) to the audit log.
    [[nodiscard]] Status audit(const Context& context, const std::string& action, const std::string& detail, std::int64_t rows);
    /// The record-level export a download asks for (format, survey version, round), or the answer refusing it.
    [[nodiscard]] std::variant<ExportPlan, HttpResponse> planDownload(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse downloadResponses(const HttpRequest& request, const Context& context);
    /// The codebook of the export downloadResponses() gives for the same query (codebook.hpp).
    [[nodiscard]] HttpResponse downloadCodebook(const HttpRequest& request, const Context& context);
    [[nodiscard]] HttpResponse downloadReport(const HttpRequest& request, const Context& context);

    Storage& m_storage;
    DashboardOptions m_options;
    Clock m_clock;
    Accounts m_accounts;
    std::atomic<std::size_t> m_downloads{0};
    std::mutex m_cacheMutex;
    std::map<std::string, std::shared_ptr<const SurveyInfo>> m_surveyInfo;
    std::unique_ptr<dashboard::AdminPages> m_admin;  ///< the Administration area, /admin/...
    std::unique_ptr<dashboard::SurveyAdminPages> m_surveyAdmin;  ///< /admin/surveys (admin_surveys.hpp)
};

}  // namespace svarboks::server
