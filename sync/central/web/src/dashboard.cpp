#include "svarboks/server/dashboard.hpp"

#include "svarboks/server/rounds.hpp"

#include "admin_pages.hpp"
#include "admin_surveys.hpp"
#include "dashboard_pages.hpp"
#include "dashboard_text.hpp"
#include "svarboks/server/codebook.hpp"
#include "svarboks/server/csv.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/report_csv.hpp"
#include "svarboks/shared/period.hpp"
#include "svarboks/shared/survey.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <tuple>
#include <variant>

namespace svarboks::server {

namespace dashboard {
extern const std::string_view kStylesheet;
}  // namespace dashboard

using dashboard::Filters;
using dashboard::Frame;
using dashboard::Language;
using dashboard::SurveyChoice;
using dashboard::Texts;

namespace {

constexpr std::string_view kSessionCookie = "__Host-svarboks_session";
constexpr std::string_view kLanguageCookie = "__Host-svarboks_lang";
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr std::string_view kStylesheetPath = "/static/dashboard.css";
constexpr std::string_view kIconPath = "/static/icon.svg";
constexpr std::array<std::string_view, 16> kPaths = {"/",           "/login",     "/logout",       "/unit",
                                                     "/compare",    "/surveys",   "/dead-letters", "/language",
                                                     kStylesheetPath, kIconPath,  "/favicon.ico",  "/download/responses",
                                                     "/download/codebook", "/download/report", "/audit", dashboard::kPasswordPath};
// A white tick on the brand's blue: the tab's icon, drawn here so that nothing is fetched from elsewhere.
constexpr std::string_view kIcon =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><rect width=\"32\" height=\"32\" rx=\"6\" fill=\"#1e3a8a\"/>"
    "<path d=\"M8 17l5 5 11-12\" fill=\"none\" stroke=\"#ffffff\" stroke-width=\"4\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>";
constexpr std::size_t kMaxKiosksListed = 50;
constexpr std::size_t kMaxDeadLettersListed = 500;
constexpr std::size_t kMaxAuditListed = 500;
constexpr std::size_t kMaxCompared = 4;

std::string sessionCookie(std::string_view token) {
    return std::string(kSessionCookie) + "=" + std::string(token) + "; Path=/; Secure; HttpOnly; SameSite=Strict";
}

std::string expiredSessionCookie() { return std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"; }

// A path of this dashboard to send a browser to: local, no scheme or host, no control characters; anything
// else becomes the overview (no open redirect).
std::string safeReturn(std::string_view target) {
    if (target.empty() || target.size() > 2048 || target.front() != '/' || target.substr(0, 2) == "//" ||
        target.find('\\') != std::string_view::npos ||
        std::any_of(target.begin(), target.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        return "/";
    }
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/login" || path == "/logout" || path == "/language" || !Dashboard::handles(path) ||
        Dashboard::logPath(path) == "other") {
        return "/";
    }
    return std::string(target);
}

std::string selfUrl(const HttpRequest& request) {
    std::string url = request.path;
    bool first = true;
    for (const auto& [name, value] : request.query) {
        url += (first ? "?" : "&") + urlEncode(name) + "=" + urlEncode(value);
        first = false;
    }
    return url;
}

// Sec-Fetch-Site and Origin, as browsers send them with a form post: it must come from this origin.
// (With Referrer-Policy no-referrer a browser sends "Origin: null" on its own forms, so Sec-Fetch-Site,
// which every current browser sends, decides first.) A client that sends neither is not a browser, so no
// cross-site forgery is possible; it still needs the session's token for everything but the login.
bool sameOrigin(const HttpRequest& request) {
    const std::string fetchSite = request.header("Sec-Fetch-Site");
    if (!fetchSite.empty()) return fetchSite == "same-origin";
    const std::string origin = request.header("Origin");
    if (origin == "null") return false;
    const std::string host = request.header("Host");
    if (!origin.empty()) return !host.empty() && iequals(origin, "https://" + host);
    return true;
}

}  // namespace

// ---- the dashboard ----

struct Dashboard::Context {
    std::multimap<std::string, std::string> form;  ///< a form post's urlencoded fields, decoded
    std::string body;                              ///< a multipart post's raw body (the survey upload)
    bool bodyTooLarge = false;                     ///< the survey upload was over maxUploadBytes
    Language language = Language::Danish;
    std::string user;
    std::string csrf;
    std::string self;
    std::string today;
    int k = kDefaultK;
    Permissions permissions;

    [[nodiscard]] std::string field(const std::string& name) const {
        const auto found = form.find(name);
        return found == form.end() ? std::string() : found->second;
    }
    [[nodiscard]] const Texts& t() const { return dashboard::texts(language); }
    [[nodiscard]] Frame frame(std::string title, std::string active, bool legend = false) const {
        Frame frame;
        frame.language = language;
        frame.title = std::move(title);
        frame.active = std::move(active);
        frame.user = user;
        frame.csrf = csrf;
        frame.selfUrl = self;
        frame.k = k;
        frame.legend = legend;
        frame.administrator = permissions.administers();
        return frame;
    }
    [[nodiscard]] HttpResponse message(int status, std::string_view heading, const std::string& text) const {
        const Frame f = frame(std::string(heading), "");
        return HttpResponse::html(status, dashboard::page(f, dashboard::messageMain(f, std::string(heading), text)));
    }
    [[nodiscard]] HttpResponse unavailable() const {
        auto response = message(503, t().unavailableTitle, std::string(t().unavailable));
        response.headers.emplace_back("Retry-After", "5");
        return response;
    }
};

Dashboard::Dashboard(Storage& storage, DashboardOptions options, Clock clock, std::function<void(std::chrono::milliseconds)> sleep)
    : m_storage(storage),
      m_options(std::move(options)),
      m_clock(std::move(clock)),
      m_accounts(storage, storage, m_options.accounts, m_clock, std::move(sleep)),
      m_admin(std::make_unique<dashboard::AdminPages>(storage, m_clock, m_options.accounts.cost)),
      m_surveyAdmin(std::make_unique<dashboard::SurveyAdminPages>(storage, m_clock)) {
    if (!m_options.reports) m_options.reports = [this](const ReportRequest& request) { return buildReport(m_storage, request); };
}

Dashboard::~Dashboard() = default;

bool Dashboard::handles(std::string_view path) { return path != "/healthz" && path.substr(0, 5) != "/api/" && path != "/api"; }

std::string Dashboard::logPath(std::string_view path) {
    const bool known = std::find(kPaths.begin(), kPaths.end(), path) != kPaths.end() || dashboard::isAdminPath(path) ||
                       dashboard::SurveyAdminPages::handles(path);
    return known ? std::string(path) : std::string("other");
}

HttpResponse Dashboard::handle(const HttpRequest& request) {
    HttpResponse response;
    try {
        response = route(request);
    } catch (const std::exception&) {
        response = HttpResponse::plain(500, "internal error");
    }
    const bool isHtml = response.contentType.rfind("text/html", 0) == 0;
    if (isHtml) response.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    response.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
    if (response.header("Cache-Control").empty()) response.headers.emplace_back("Cache-Control", "no-store");
    return response;
}

HttpResponse Dashboard::route(const HttpRequest& request) {
    Context context;
    // A form post is read whole (it is small) before anything else is decided. A survey upload may be
    // larger; over its limit it gets its page with the message beside the file field (413).
    if (request.readBody) {
        const bool upload = request.path == dashboard::SurveyAdminPages::kUploadPath;
        const RawBody body = request.readBody(upload ? m_options.maxUploadBytes : m_options.maxBodyBytes);
        if (body.tooLarge && !upload) return HttpResponse::plain(413, "the form is over the server's limit of " + std::to_string(m_options.maxBodyBytes) + " bytes");
        if (body.failed) return HttpResponse::plain(400, "the form could not be read");
        context.bodyTooLarge = body.tooLarge;
        if (request.header("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0) context.form = parseUrlEncoded(body.bytes);
        else if (upload) context.body = body.bytes;
    }
    context.language = request.cookie(kLanguageCookie) == "en" ? Language::English : Language::Danish;
    context.self = selfUrl(request);
    context.today = localDate(m_clock());
    // The store's group size: what pages without a report word. A report keeps its round's (Report::k).
    auto groupSize = m_storage.groupSize();
    if (!groupSize) return context.unavailable();
    context.k = std::max(*groupSize, kMinimumK);
    const bool get = request.method == "GET" || request.method == "HEAD";
    const bool post = request.method == "POST";
    const auto notAllowed = [&](std::string_view allow) {
        auto response = HttpResponse::plain(405, "use " + std::string(allow) + " for " + request.path);
        response.headers.emplace_back("Allow", std::string(allow));
        return response;
    };

    if (request.path == kStylesheetPath) {
        if (!get) return notAllowed("GET, HEAD");
        HttpResponse response;
        response.contentType = "text/css; charset=utf-8";
        response.body = std::string(dashboard::kStylesheet) + std::string(dashboard::kSurveyAdminStylesheet);
        response.headers.emplace_back("Cache-Control", "private, max-age=300");
        return response;
    }
    if (request.path == kIconPath || request.path == "/favicon.ico") {
        if (!get) return notAllowed("GET, HEAD");
        HttpResponse response;
        response.contentType = "image/svg+xml";
        response.body = std::string(kIcon);
        response.headers.emplace_back("Cache-Control", "private, max-age=86400");
        return response;
    }
    if (request.path == "/language") {
        if (!get) return notAllowed("GET, HEAD");
        const std::string to = request.param("to") == "en" ? "en" : "da";
        auto response = HttpResponse::redirect(safeReturn(request.param("return")));
        response.headers.emplace_back("Set-Cookie", std::string(kLanguageCookie) + "=" + to +
                                                        "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=31536000");
        return response;
    }
    if (post && !sameOrigin(request)) return context.message(403, context.t().formRefusedTitle, std::string(context.t().formRefused));

    const std::string token = request.cookie(kSessionCookie);
    auto session = m_accounts.session(token);
    if (!session) return context.unavailable();
    const bool loggedIn = session->kind == SessionCheck::Kind::Valid;
    if (loggedIn) {
        context.user = session->user;
        context.csrf = session->csrfToken;
        context.permissions = session->permissions;
    }

    if (request.path == "/login") {
        if (get) return loggedIn ? HttpResponse::redirect(safeReturn(request.param("next"))) : loginPage(request, context);
        if (post) return login(request, context);
        return notAllowed("GET, HEAD, POST");
    }
    if (request.path == "/logout") {
        if (!post) return notAllowed("POST");
        if (!loggedIn) return HttpResponse::redirect("/login");
        return logout(request, context);
    }

    const bool known = logPath(request.path) != "other";
    if (!known) {
        const Frame f = context.frame(std::string(context.t().notFoundTitle), "");
        return HttpResponse::html(404, dashboard::page(f, dashboard::messageMain(f, std::string(context.t().notFoundTitle), std::string(context.t().notFound))));
    }
    const bool download = request.path.rfind("/download/", 0) == 0;
    if (!loggedIn) {
        if (download) return HttpResponse::plain(401, "sign in first: /login");
        std::string location = "/login?next=" + urlEncode(context.self);
        if (session->kind == SessionCheck::Kind::Expired) location += "&expired=1";
        return HttpResponse::redirect(location);
    }
    // An account signed in with a one-time password chooses its own before anything else.
    if (session->mustChangePassword && request.path != dashboard::kPasswordPath) {
        return download ? HttpResponse::plain(403, "choose your own password first: " + std::string(dashboard::kPasswordPath)) : HttpResponse::redirect(std::string(dashboard::kPasswordPath));
    }
    // Any account's own password (with this session's CSRF token); its other sessions end.
    if (request.path == dashboard::kPasswordPath) {
        if (!get && !post) return notAllowed("GET, HEAD, POST");
        if (post && !Accounts::csrfMatches(context.csrf, context.field("csrf"))) {
            return context.message(403, context.t().formRefusedTitle, std::string(context.t().formRefused));
        }
        const auto answer = m_admin->ownPassword({post, request.path, [&](const std::string& name) { return request.param(name); }, context.form,
                                                  request.header("Host"), context.frame("", ""), token},
                                                 session->sessionKey, session->mustChangePassword);
        if (!answer.location.empty()) return HttpResponse::redirect(answer.location);
        return HttpResponse::html(answer.status, dashboard::page(context.frame(answer.title, "password"), answer.main));
    }
    // Survey administration: its own GET and POST routes, for administrators only (checked there first).
    if (dashboard::SurveyAdminPages::handles(request.path)) {
        return m_surveyAdmin->handle({request, context.form, context.body, context.bodyTooLarge, m_options.maxUploadBytes, context.frame("", "admin")});
    }
    // The Administration area (admin_pages.hpp): administrators only, whatever the method, and every form
    // with this session's CSRF token.
    if (dashboard::isAdminPath(request.path)) {
        if (!context.permissions.administers()) return forbidden(context, false);
        if (!get && !post) return notAllowed("GET, HEAD, POST");
        if (post && !Accounts::csrfMatches(context.csrf, context.field("csrf"))) {
            return context.message(403, context.t().formRefusedTitle, std::string(context.t().formRefused));
        }
        const auto answer = m_admin->handle({post, request.path, [&](const std::string& name) { return request.param(name); }, context.form,
                                             request.header("Host"), context.frame("", "admin"), token});
        if (!answer.location.empty()) return HttpResponse::redirect(answer.location);
        const Frame frame = context.frame(answer.title, "admin");
        return HttpResponse::html(answer.status, dashboard::page(frame, answer.main));
    }
    if (!get) return notAllowed("GET, HEAD");
    if (request.path == "/") return overview(request, context);
    if (request.path == "/unit") return unitPage(request, context);
    if (request.path == "/compare") return compare(request, context);
    if (request.path == "/surveys") return surveysPage(context);
    // Checked here, on the server, whatever the page links to.
    if (request.path == "/dead-letters") return context.permissions.administers() ? deadLettersPage(context) : forbidden(context, false);
    if (request.path == "/audit") return context.permissions.administers() ? auditPage(context) : forbidden(context, false);
    if (request.path == "/download/responses") return context.permissions.recordLevel() ? downloadResponses(request, context) : forbidden(context, true);
    if (request.path == "/download/codebook") return context.permissions.recordLevel() ? downloadCodebook(request, context) : forbidden(context, true);
    return downloadReport(request, context);
}

// ---- login and logout ----

HttpResponse Dashboard::loginPage(const HttpRequest& request, const Context& context) {
    dashboard::LoginView view;
    view.next = safeReturn(request.param("next"));
    if (view.next == "/") view.next.clear();
    if (request.param("expired") == "1") view.message = std::string(context.t().loginExpired);
    else if (request.param("bye") == "1") view.message = std::string(context.t().loggedOut);
    const Frame frame = context.frame(std::string(context.t().signInTitle), "");
    return HttpResponse::html(200, dashboard::page(frame, dashboard::loginMain(frame, view)));
}

HttpResponse Dashboard::login(const HttpRequest& request, const Context& context) {
    const Texts& t = context.t();
    dashboard::LoginView view;
    view.next = safeReturn(context.field("next"));
    const LoginResult result = m_accounts.login(context.field("user"), context.field("password"), request.clientAddress);
    if (result.kind == LoginResult::Kind::LoggedIn) {
        auto response = HttpResponse::redirect(view.next);
        response.headers.emplace_back("Set-Cookie", sessionCookie(result.token));
        return response;
    }
    if (view.next == "/") view.next.clear();
    view.error = true;
    const std::string typed = trim(context.field("user"));
    if (typed.size() <= kMaxUserNameLength) view.userName = typed;
    int status = 403;
    std::vector<std::pair<std::string, std::string>> headers;
    switch (result.kind) {
        case LoginResult::Kind::Throttled:
            status = 429;
            view.message = dashboard::fill(t.loginThrottled, {std::to_string(result.retryAfter.count())});
            headers.emplace_back("Retry-After", std::to_string(result.retryAfter.count()));
            break;
        case LoginResult::Kind::Unavailable:
            status = 503;
            view.message = std::string(t.loginUnavailable);
            headers.emplace_back("Retry-After", "5");
            break;
        default:
            view.message = dashboard::fill(t.loginRefused, {std::to_string(m_accounts.options().maxFailures),
                                                            std::to_string(m_accounts.options().lockout.count() / 60)});
            break;
    }
    const Frame frame = context.frame(std::string(t.signInTitle), "");
    auto response = HttpResponse::html(status, dashboard::page(frame, dashboard::loginMain(frame, view)));
    for (auto& header : headers) response.headers.push_back(std::move(header));
    return response;
}

HttpResponse Dashboard::logout(const HttpRequest& request, const Context& context) {
    if (!Accounts::csrfMatches(context.csrf, context.field("csrf"))) {
        return context.message(403, context.t().formRefusedTitle, std::string(context.t().formRefused));
    }
    if (!m_accounts.logout(request.cookie(kSessionCookie))) return context.unavailable();
    auto response = HttpResponse::redirect("/login?bye=1");
    response.headers.emplace_back("Set-Cookie", expiredSessionCookie());
    return response;
}

// ---- what the report pages share ----

struct Dashboard::SurveyInfo {
    shared::LocalizedText title;
    shared::LocalizedText consent;
    std::vector<std::string> locales;
    std::string defaultLocale = "da";
    std::string problem;
};

Result<std::vector<Dashboard::Published>> Dashboard::catalogue() {
    auto published = m_storage.surveys();
    if (!published) return published.error();
    std::vector<Published> list;
    for (auto& survey : *published) {
        const std::string key = survey.surveyId + "@" + survey.version;
        std::shared_ptr<const SurveyInfo> info;
        {
            const std::lock_guard lock(m_cacheMutex);
            if (const auto found = m_surveyInfo.find(key); found != m_surveyInfo.end()) info = found->second;
        }
        if (!info) {
            // A published version never changes, so what is read from it once stays true.
            auto definition = m_storage.surveyDefinition(survey.surveyId, survey.version);
            if (!definition) return definition.error();
            auto made = std::make_shared<SurveyInfo>();
            if (!*definition) {
                made->problem = "survey " + key + " has no stored definition";
            } else {
                auto loaded = shared::parseSurvey(**definition, "published survey " + survey.surveyId + " " + survey.version);
                if (loaded.ok()) {
                    made->title = loaded.survey->title;
                    made->consent = loaded.survey->consent;
                    made->locales = loaded.survey->locales;
                    made->defaultLocale = loaded.survey->defaultLocale;
                } else {
                    made->problem = loaded.diagnostics.empty() ? "the published definition cannot be read" : loaded.diagnostics.front().format();
                }
            }
            const std::lock_guard lock(m_cacheMutex);
            info = m_surveyInfo.emplace(key, std::move(made)).first->second;
        }
        list.push_back({std::move(survey), std::move(info)});
    }
    return list;
}

std::vector<SurveyChoice> Dashboard::choices(const std::vector<Published>& published, const Context& context) {
    std::vector<SurveyChoice> list;
    for (const auto& [survey, info] : published) {
        list.push_back({survey.surveyId, survey.version, info->title.text(context.t().locale, info->defaultLocale)});
    }
    return list;
}

std::optional<std::string> Dashboard::resolveFilters(const HttpRequest& request, const std::vector<SurveyChoice>& surveys,
                                                     const Context& context, Filters& filters) {
    const Texts& t = context.t();
    const std::string asked = trim(request.param("survey"));
    if (asked.empty()) {
        if (!surveys.empty()) {
            filters.surveyId = surveys.back().id;  // the latest publication
            filters.version = surveys.back().version;
        }
    } else {
        const auto at = asked.find('@');
        filters.surveyId = asked.substr(0, at);
        if (at != std::string::npos) filters.version = asked.substr(at + 1);
        const bool found = std::any_of(surveys.begin(), surveys.end(), [&](const SurveyChoice& s) {
            return s.id == filters.surveyId && (filters.version.empty() || s.version == filters.version);
        });
        if (!found) return std::string(t.survey) + ": '" + asked + "' is not published";
        if (filters.version.empty()) {
            for (const auto& s : surveys) {
                if (s.id == filters.surveyId) filters.version = s.version;
            }
        }
    }
    // Only released rounds can be asked for: there is no free week range (report.hpp).
    if (request.query.count("from") > 0 || request.query.count("to") > 0) return std::string(t.round) + ": from/to weeks are not offered; choose a released round";
    if (request.query.count("k") > 0) return "k: every figure keeps the group size its round was released with; it cannot be chosen";
    const std::string round = trim(request.param("round"));
    if (round.empty()) {
        if (!filters.rounds.empty()) filters.round = filters.rounds.back().id;  // the latest release
    } else if (std::none_of(filters.rounds.begin(), filters.rounds.end(), [&](const Round& r) { return r.id == round; })) {
        return std::string(t.round) + ": '" + round + "' is not a released round";
    } else {
        filters.round = round;
    }
    return std::nullopt;
}

ReportRequest Dashboard::reportRequest(const Filters& filters) const {
    ReportRequest request;
    request.surveyId = filters.surveyId;
    request.version = filters.version;
    request.round = filters.round;
    return request;
}

// A unit leader's report keeps only the rows of their units and groups: a part of a table that is safe as a
// whole tells no more than the whole (the municipality's row goes too).
void Dashboard::restrict(Report& report, const Context& context) {
    const Permissions& p = context.permissions;
    if (p.everyUnit()) return;
    std::erase_if(report.rows, [&](const ReportRow& row) {
        switch (row.kind) {
            case ReportRow::Kind::Total: return true;
            case ReportRow::Kind::Group: return !p.seesGroup(row.id);
            case ReportRow::Kind::Unit: return !p.seesUnit(row.id, row.group);
        }
        return true;
    });
}

Status Dashboard::audit(const Context& context, const std::string& action, const std::string& detail, std::int64_t rows) {
    return m_storage.addAudit({utcSecond(m_clock()), context.user, action, detail, rows});
}

HttpResponse Dashboard::forbidden(const Context& context, bool download) {
    if (download) return HttpResponse::plain(403, std::string(context.t().forbidden));
    return context.message(403, context.t().forbiddenTitle, std::string(context.t().forbidden));
}

Result<std::vector<Round>> Dashboard::released() { return releasedRounds(m_storage); }

// ---- pages ----

HttpResponse Dashboard::overview(const HttpRequest& request, const Context& context) {
    const Texts& t = context.t();
    auto published = catalogue();
    if (!published) return context.unavailable();
    auto rounds = released();
    if (!rounds) return context.unavailable();
    dashboard::OverviewView view;
    view.surveys = choices(*published, context);
    view.maxWeeks = m_options.overviewWeeks;
    view.filters.rounds = std::move(*rounds);
    view.recordLevel = context.permissions.recordLevel();
    if (auto problem = resolveFilters(request, view.surveys, context, view.filters)) return context.message(400, t.badRequestTitle, *problem);

    std::optional<Result<Report>> report;
    if (!view.surveys.empty() && !view.filters.round.empty()) {
        ReportRequest ask = reportRequest(view.filters);
        ask.weeks = true;
        report.emplace(m_options.reports(ask));
        if (!*report) return context.message(503, t.unavailableTitle, report->error().message);
        restrict(**report, context);
        view.report = &**report;
    }
    auto units = m_storage.units();
    auto devices = m_storage.devices();
    auto deadLetters = m_storage.deadLetterCount();
    if (!units || !devices || !deadLetters) return context.unavailable();
    const auto visible = [&](const std::string& unitId) {
        const auto unit = std::find_if(units->begin(), units->end(), [&](const Unit& u) { return u.id == unitId; });
        return unit != units->end() && context.permissions.seesUnit(unit->id, unit->group);
    };
    std::erase_if(*devices, [&](const Device& device) { return !visible(device.unitId); });
    view.unitTotal = static_cast<std::size_t>(std::count_if(units->begin(), units->end(), [&](const Unit& u) { return visible(u.id); }));
    view.kioskTotal = devices->size();
    view.deadLetters = static_cast<std::size_t>(*deadLetters);
    // The kiosks that need attention first: active ones never seen or seen longest ago, revoked ones last.
    std::vector<Device> kiosks = std::move(*devices);
    std::stable_sort(kiosks.begin(), kiosks.end(), [](const Device& a, const Device& b) {
        if (a.revoked != b.revoked) return !a.revoked;
        return a.lastSeenOn < b.lastSeenOn;
    });
    if (kiosks.size() > kMaxKiosksListed) kiosks.resize(kMaxKiosksListed);
    view.kiosks = std::move(kiosks);

    Frame frame = context.frame(std::string(t.overviewTitle), "overview", true);
    if (view.report != nullptr) frame.k = view.report->k;
    return HttpResponse::html(200, dashboard::page(frame, dashboard::overviewMain(frame, view, *units)));
}

HttpResponse Dashboard::unitPage(const HttpRequest& request, const Context& context) {
    const Texts& t = context.t();
    auto published = catalogue();
    if (!published) return context.unavailable();
    auto rounds = released();
    if (!rounds) return context.unavailable();
    dashboard::UnitView view;
    view.surveys = choices(*published, context);
    view.unitId = request.param("id");
    view.today = context.today;
    view.filters.rounds = std::move(*rounds);
    if (auto problem = resolveFilters(request, view.surveys, context, view.filters)) return context.message(400, t.badRequestTitle, *problem);
    auto unit = m_storage.findUnit(view.unitId);
    if (!unit) return context.unavailable();
    if (!*unit) return context.message(404, t.notFoundTitle, std::string(t.unknownUnit));
    // A unit leader of units only (no groups) can be refused before anything else is said about the unit;
    // for groups, the round's grouping decides below.
    if (context.permissions.groups.empty() && !context.permissions.seesUnit(view.unitId, "")) return forbidden(context, false);
    if (view.surveys.empty()) return context.message(404, t.navOverview, std::string(t.noSurvey));
    if (view.filters.round.empty()) return context.message(404, t.navOverview, std::string(t.noRound));

    ReportRequest ask = reportRequest(view.filters);
    ask.questions = true;
    ask.questionUnits = {view.unitId};
    auto report = m_options.reports(ask);
    if (!report) return context.message(503, t.unavailableTitle, report.error().message);
    // The unit's group in this round decides a unit leader's access, as the report itself groups it.
    const ReportRow* row = report->find(ReportRow::Kind::Unit, view.unitId);
    if (!context.permissions.seesUnit(view.unitId, row != nullptr ? row->group : (*unit)->group)) return forbidden(context, false);
    restrict(*report, context);
    view.report = &*report;
    Frame frame = context.frame((*unit)->name, "", true);
    frame.k = report->k;
    return HttpResponse::html(200, dashboard::page(frame, dashboard::unitMain(frame, view)));
}

HttpResponse Dashboard::compare(const HttpRequest& request, const Context& context) {
    const Texts& t = context.t();
    auto published = catalogue();
    if (!published) return context.unavailable();
    auto rounds = released();
    if (!rounds) return context.unavailable();
    dashboard::CompareView view;
    view.surveys = choices(*published, context);
    view.filters.rounds = std::move(*rounds);
    if (auto problem = resolveFilters(request, view.surveys, context, view.filters)) return context.message(400, t.badRequestTitle, *problem);
    auto units = m_storage.units();
    if (!units) return context.unavailable();
    std::erase_if(*units, [&](const Unit& unit) { return !context.permissions.seesUnit(unit.id, unit.group); });
    view.units = std::move(*units);
    std::sort(view.units.begin(), view.units.end(), [](const Unit& a, const Unit& b) { return a.name < b.name; });
    view.chosen = request.params("unit");
    if (view.chosen.size() > kMaxCompared) view.chosen.resize(kMaxCompared);

    std::optional<Result<Report>> report;
    const auto chosenCount = std::count_if(view.chosen.begin(), view.chosen.end(), [](const std::string& id) { return !id.empty(); });
    if (!view.surveys.empty() && !view.filters.round.empty() && chosenCount >= 2) {
        report.emplace(m_options.reports(reportRequest(view.filters)));
        if (!*report) return context.message(503, t.unavailableTitle, report->error().message);
        for (const auto& id : view.chosen) {
            const ReportRow* row = id.empty() ? nullptr : (**report).find(ReportRow::Kind::Unit, id);
            if (row != nullptr && !context.permissions.seesUnit(id, row->group)) return forbidden(context, false);
        }
        restrict(**report, context);
        view.report = &**report;
    }
    Frame frame = context.frame(std::string(t.compareTitle), "compare", true);
    if (view.report != nullptr) frame.k = view.report->k;
    return HttpResponse::html(200, dashboard::page(frame, dashboard::compareMain(frame, view)));
}

HttpResponse Dashboard::surveysPage(const Context& context) {
    auto published = catalogue();
    auto units = m_storage.units();
    if (!published || !units) return context.unavailable();
    std::vector<dashboard::SurveyView> surveys;
    for (const auto& [survey, info] : *published) {
        surveys.push_back({survey, info->title, info->consent, info->locales, info->defaultLocale, info->problem});
    }
    const Frame frame = context.frame(std::string(context.t().surveysTitle), "surveys");
    return HttpResponse::html(200, dashboard::page(frame, dashboard::surveysMain(frame, surveys, *units)));
}

HttpResponse Dashboard::auditPage(const Context& context) {
    auto entries = m_storage.audit(kMaxAuditListed);
    if (!entries) return context.unavailable();
    const Frame frame = context.frame(std::string(context.t().auditTitle), "audit");
    return HttpResponse::html(200, dashboard::page(frame, dashboard::auditMain(frame, *entries)));
}

HttpResponse Dashboard::deadLettersPage(const Context& context) {
    auto letters = m_storage.deadLetters();
    if (!letters) return context.unavailable();
    const Frame frame = context.frame(std::string(context.t().deadLettersTitle), "dead-letters");
    return HttpResponse::html(200, dashboard::page(frame, dashboard::deadLettersMain(frame, *letters, kMaxDeadLettersListed)));
}

// ---- downloads ----

std::variant<ExportPlan, HttpResponse> Dashboard::planDownload(const HttpRequest& request, const Context& context) {
    auto format = parseExportFormat(request.param("format").empty() ? "csv" : request.param("format"));
    if (!format) return HttpResponse::plain(400, "format: " + format.error().message);
    if (request.query.count("from") > 0 || request.query.count("to") > 0) return HttpResponse::plain(400, "from/to: a download is of one released round (round=ID)");
    if (request.query.count("k") > 0) return HttpResponse::plain(400, "k: a download keeps the group size its round was released with; it cannot be chosen");
    // One survey version of one released round: the one asked for, else the latest publication and release.
    ExportOptions options;
    options.format = *format;
    options.round = trim(request.param("round"));
    const std::string asked = trim(request.param("survey"));
    if (!asked.empty()) {
        const auto at = asked.find('@');
        options.surveyId = asked.substr(0, at);
        if (at != std::string::npos) options.version = asked.substr(at + 1);
    } else {
        auto published = catalogue();
        if (!published) return HttpResponse::plain(503, "the store is not available right now");
        const auto list = choices(*published, context);
        if (!list.empty()) {
            options.surveyId = list.back().id;
            options.version = list.back().version;
        }
    }
    auto plan = planExport(m_storage, options);
    if (!plan) return HttpResponse::plain(400, plan.error().message);
    return std::move(*plan);
}

HttpResponse Dashboard::downloadCodebook(const HttpRequest& request, const Context& context) {
    auto planned = planDownload(request, context);
    if (auto* refused = std::get_if<HttpResponse>(&planned)) return std::move(*refused);
    const ExportPlan& plan = std::get<ExportPlan>(planned);
    // From the survey definition alone: no response, no count, so nothing to audit.
    HttpResponse response;
    response.contentType = plan.format == ExportFormat::Jsonl ? "application/json; charset=utf-8" : "text/csv; charset=utf-8";
    response.body = codebookFor(*plan.survey, plan.format);
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + codebookPath(plan.fileName(), plan.format).string() + "\"");
    return response;
}

HttpResponse Dashboard::downloadResponses(const HttpRequest& request, const Context& context) {
    auto planned = planDownload(request, context);
    if (auto* refused = std::get_if<HttpResponse>(&planned)) return std::move(*refused);
    ExportPlan& plan = std::get<ExportPlan>(planned);

    if (m_downloads.fetch_add(1) >= m_options.maxConcurrentDownloads) {
        --m_downloads;
        auto busy = HttpResponse::plain(503, std::string(context.t().busyDownloads));
        busy.headers.emplace_back("Retry-After", "10");
        return busy;
    }
    // The slot is given back when the stream is done with (or dropped unsent).
    struct Slot {
        std::atomic<std::size_t>& count;
        explicit Slot(std::atomic<std::size_t>& c) : count(c) {}
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;
        ~Slot() { --count; }
    };
    auto slot = std::make_shared<Slot>(m_downloads);
    HttpResponse response;
    response.contentType = std::string(exportContentType(plan.format));
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + plan.fileName() + "\"");
    // Audited once the export's first pass knows how many rows it holds, before any of them is sent: when
    // the audit log cannot be written, the download stops with nothing of the data in it.
    response.stream = [this, plan = std::move(plan), slot, context](const ChunkSink& sink) {
        const ExportCheck audited = [&](const ExportResult& holds) { return audit(context, "download-responses", plan.describe(), holds.rows); };
        return exportResponses(m_storage, plan, [&](std::string_view chunk) { return sink(chunk); }, {}, audited).ok();
    };
    return response;
}


HttpResponse Dashboard::downloadReport(const HttpRequest& request, const Context& context) {
    const std::string format = request.param("format").empty() ? "csv" : request.param("format");
    if (format != "csv" && format != "csv-da") return HttpResponse::plain(400, "format: expected csv or csv-da, got '" + format + "'");
    auto published = catalogue();
    if (!published) return HttpResponse::plain(503, "the store is not available right now");
    auto rounds = released();
    if (!rounds) return HttpResponse::plain(503, "the store is not available right now");
    Filters filters;
    filters.rounds = std::move(*rounds);
    if (auto problem = resolveFilters(request, choices(*published, context), context, filters)) return HttpResponse::plain(400, *problem);
    if (filters.surveyId.empty()) return HttpResponse::plain(404, "no survey is published yet");
    if (filters.round.empty()) return HttpResponse::plain(404, std::string(context.t().noRound));
    auto report = m_options.reports(reportRequest(filters));
    if (!report) return HttpResponse::plain(503, report.error().message);
    restrict(*report, context);

    HttpResponse response;
    response.contentType = "text/csv; charset=utf-8";
    CsvWriter csv(format == "csv-da" ? CsvDialect::DanishExcel : CsvDialect::Standard, [&](std::string_view chunk) {
        response.body.append(chunk);
        return true;
    });
    // csv is for scripts: stable ids, hidden figures in the page's language. csv-da is for people in Danish
    // Excel: Danish words and the survey's Danish titles.
    const bool danish = format == "csv-da";
    const ReportHeaders headers = danish ? ReportHeaders::Titles : ReportHeaders::Ids;
    if (!writeReportCsv(*report, csv, danish ? "da" : context.t().locale, headers)) return HttpResponse::plain(500, "the report could not be written");
    const std::string name = "svarboks-report-" + report->survey.id + "-" + report->survey.version + "-" + report->round.id +
                             (format == "csv-da" ? "-excel" : "") + ".csv";
    const std::string what = "report " + report->survey.id + " " + report->survey.version + ", round " + report->round.id + ", " + format;
    if (!audit(context, "download-report", what, static_cast<std::int64_t>(report->rows.size()))) return HttpResponse::plain(503, "the audit log cannot be written; nothing was sent");
    response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + name + "\"");
    return response;
}

}  // namespace svarboks::server
