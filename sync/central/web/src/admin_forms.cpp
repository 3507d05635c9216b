// The Administration area's dispatcher, and the form pieces its pages share.
#include "admin_pages.hpp"
#include "admin_text.hpp"

#include "svarboks/server/accounts.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/shared/hashing.hpp"

#include <algorithm>
#include <array>

namespace svarboks::server::dashboard {

namespace {

std::string esc(std::string_view text) { return escapeHtml(text); }

constexpr std::array<std::string_view, 20> kAdminPaths = {
    "/admin",          "/admin/units",          "/admin/units/add",      "/admin/unit",           "/admin/unit/change",
    "/admin/unit/retire", "/admin/kiosks",      "/admin/kiosk/revoke",   "/admin/code",           "/admin/code/sheet",
    "/admin/accounts", "/admin/accounts/add",   "/admin/accounts/password", "/admin/account",     "/admin/account/role",
    "/admin/account/disable", "/admin/account/enable", "/admin/account/reset", "/admin/account/unlock", "/admin/account/remove"};

// A GET of a form's address, or a POST to a page (a link or a hand-made request).
AdminAnswer notAllowed(const Frame& frame) {
    const std::string title(frame.t().badRequestTitle);
    return {405, title, messageMain(frame, title, std::string(adminTexts(frame.language).wrongMethod)), ""};
}

}  // namespace

std::string sessionOwner(const AdminRequest& request) { return shared::sha256Hex(request.sessionToken); }

std::string AdminRequest::field(const std::string& name) const {
    const auto found = form.find(name);
    return found == form.end() ? std::string() : found->second;
}

std::vector<std::string> AdminRequest::fields(const std::string& name) const {
    std::vector<std::string> values;
    for (auto [at, end] = form.equal_range(name); at != end; ++at) values.push_back(at->second);
    return values;
}

bool isAdminPath(std::string_view path) { return std::find(kAdminPaths.begin(), kAdminPaths.end(), path) != kAdminPaths.end(); }

AdminPages::AdminPages(Storage& storage, Clock clock, PasswordCost cost) : m_storage(storage), m_clock(std::move(clock)), m_cost(cost) {}

Administration AdminPages::administration(const AdminRequest& request) const { return Administration(m_storage, request.frame.user, m_clock); }

AccountAdmin AdminPages::accountAdmin(const AdminRequest& request) const { return AccountAdmin(m_storage, request.frame.user, m_clock, m_cost); }

AdminAnswer AdminPages::handle(const AdminRequest& request) {
    const std::string& path = request.path;
    const Frame& frame = request.frame;
    if (path == "/admin") return {303, "", "", "/admin/units"};
    if (path == "/admin/units") return request.post ? notAllowed(frame) : unitsPage(request, {}, {});
    if (path == "/admin/units/add") return request.post ? addUnit(request) : notAllowed(frame);
    if (path == "/admin/unit") return request.post ? notAllowed(frame) : unitPage(request, request.param("id"), {});
    if (path == "/admin/unit/change") return request.post ? changeUnit(request) : notAllowed(frame);
    if (path == "/admin/unit/retire") return retirePage(request);
    if (path == "/admin/kiosks") return request.post ? notAllowed(frame) : kiosksPage(request);
    if (path == "/admin/kiosk/revoke") return request.post ? revoke(request) : revokePage(request);
    if (path == "/admin/code") return request.post ? makeCode(request) : codePage(request, {});
    if (path == "/admin/code/sheet") return request.post ? notAllowed(frame) : sheetPage(request);
    if (path == "/admin/accounts") return request.post ? notAllowed(frame) : accountsPage(request, {});
    if (path == "/admin/accounts/add") return request.post ? addAccount(request) : notAllowed(frame);
    if (path == "/admin/accounts/password") return request.post ? notAllowed(frame) : shownPasswordPage(request);
    if (path == "/admin/account") return request.post ? notAllowed(frame) : accountPage(request, request.param("name"), {});
    if (path == "/admin/account/role") return request.post ? changeRole(request) : notAllowed(frame);
    if (path == "/admin/account/enable" || path == "/admin/account/unlock") return request.post ? accountChange(request) : notAllowed(frame);
    // disable, reset, remove: a GET asks to confirm, the POST does it.
    return request.post ? accountChange(request) : confirmAccountPage(request);
}

FieldErrors fieldErrors(const Frame& frame, const AdminError& error, const std::map<std::string, std::string>& typed) {
    const AdminTexts& t = adminTexts(frame.language);
    const auto field = typed.find(std::string(error.field()));
    const std::string value = field == typed.end() ? std::string() : field->second;
    std::string_view text = t.storeFailed;
    switch (error.problem) {
        case AdminProblem::InvalidUnitId: text = t.badUnitId; break;
        case AdminProblem::TakenUnitId: text = t.takenUnitId; break;
        case AdminProblem::InvalidName: text = value.empty() ? t.emptyName : t.badName; break;
        case AdminProblem::InvalidGroup: text = t.badGroup; break;
        case AdminProblem::UnknownGroup: text = t.unknownGroup; break;
        case AdminProblem::UnknownUnit: text = t.unknownUnit; break;
        case AdminProblem::RetiredUnit: text = t.retiredUnit; break;
        case AdminProblem::UnknownDevice: text = t.unknownDevice; break;
        case AdminProblem::InvalidLifetime: text = t.badLifetime; break;
        case AdminProblem::InvalidUserName: text = t.badUserName; break;
        case AdminProblem::TakenUserName: text = t.takenUserName; break;
        case AdminProblem::UnknownUser: text = t.unknownUser; break;
        case AdminProblem::InvalidRole: text = t.badRole; break;
        case AdminProblem::MissingScope: text = t.missingScope; break;
        case AdminProblem::ScopeNotAllowed: text = t.scopeNotAllowed; break;
        case AdminProblem::UnknownScopeUnit: text = t.unknownScopeUnit; break;
        case AdminProblem::UnknownScopeGroup: text = t.unknownScopeGroup; break;
        case AdminProblem::InvalidPassword: return {{"password", fill(t.badPassword, {std::to_string(kMinPasswordLength)})}};
        case AdminProblem::PasswordsDiffer: text = t.passwordsDiffer; break;
        case AdminProblem::WrongPassword: text = t.wrongPassword; break;
        case AdminProblem::AccountLocked: text = t.accountLocked; break;
        case AdminProblem::SelfLockout: return {{"", std::string(t.selfLockout)}};
        case AdminProblem::LastAdministrator: return {{"", fill(t.lastAdministrator, {typed.count("name") > 0 ? typed.at("name") : std::string()})}};
        case AdminProblem::Store: return {{"", fill(text, {error.message})}};
    }
    return {{field == typed.end() ? std::string() : field->first, fill(text, {value})}};
}

AdminAnswer unavailableAnswer(const Frame& frame) {
    const std::string title(frame.t().unavailableTitle);
    return {503, title, messageMain(frame, title, std::string(frame.t().unavailable)), ""};
}

AdminAnswer notFoundAnswer(const Frame& frame, const std::string& message) {
    const std::string title(frame.t().notFoundTitle);
    return {404, title, messageMain(frame, title, message), ""};
}

std::string postForm(const Frame& frame, std::string_view action, std::string_view cssClass) {
    return "<form method=\"post\" action=\"" + esc(action) + "\" class=\"" + esc(cssClass) + "\">" + hiddenInput("csrf", frame.csrf);
}

std::string hiddenInput(std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + esc(name) + "\" value=\"" + esc(value) + "\">";
}

namespace {

// The error or hint under a field, and the attributes that tie it to the input.
std::pair<std::string, std::string> describedBy(std::string_view id, const FieldErrors& errors, std::string_view errorKey, std::string_view hint) {
    const auto error = errors.find(std::string(errorKey));
    if (error != errors.end()) {
        const std::string errorId = std::string(id) + "-error";
        return {" aria-invalid=\"true\" aria-describedby=\"" + esc(errorId) + "\"",
                "<p class=\"field-error\" id=\"" + esc(errorId) + "\">" + esc(error->second) + "</p>"};
    }
    if (hint.empty()) return {"", ""};
    const std::string hintId = std::string(id) + "-hint";
    return {" aria-describedby=\"" + esc(hintId) + "\"", "<p class=\"hint\" id=\"" + esc(hintId) + "\">" + esc(hint) + "</p>"};
}

}  // namespace

std::string textField(std::string_view id, std::string_view name, std::string_view label, std::string_view value, const FieldErrors& errors,
                      std::string_view errorKey, std::string_view hint) {
    const auto [attributes, below] = describedBy(id, errors, errorKey, hint);
    return "<div class=\"field\"><label for=\"" + esc(id) + "\">" + esc(label) + "</label><input type=\"text\" id=\"" + esc(id) + "\" name=\"" +
           esc(name) + "\" value=\"" + esc(value) + "\"" + attributes + ">" + below + "</div>";
}

std::string passwordField(std::string_view id, std::string_view name, std::string_view label, std::string_view autocomplete,
                          const FieldErrors& errors, std::string_view errorKey, std::string_view hint) {
    const auto [attributes, below] = describedBy(id, errors, errorKey, hint);
    return "<div class=\"field\"><label for=\"" + esc(id) + "\">" + esc(label) + "</label><input type=\"password\" id=\"" + esc(id) +
           "\" name=\"" + esc(name) + "\" autocomplete=\"" + esc(autocomplete) + "\" maxlength=\"1024\"" + attributes + ">" + below + "</div>";
}

std::string selectField(std::string_view id, std::string_view name, std::string_view label,
                        const std::vector<std::pair<std::string, std::string>>& options, std::string_view selected, const FieldErrors& errors,
                        std::string_view errorKey) {
    const auto [attributes, below] = describedBy(id, errors, errorKey, "");
    std::string html = "<div class=\"field\"><label for=\"" + esc(id) + "\">" + esc(label) + "</label><select id=\"" + esc(id) + "\" name=\"" +
                       esc(name) + "\"" + attributes + ">";
    for (const auto& [value, text] : options) {
        html += "<option value=\"" + esc(value) + "\"" + (value == selected ? " selected" : "") + ">" + esc(text) + "</option>";
    }
    return html + "</select>" + below + "</div>";
}

std::string submitButton(std::string_view label, std::string_view cssClass) {
    return "<div class=\"field field-button\"><button type=\"submit\" class=\"" + esc(cssClass) + "\">" + esc(label) + "</button></div>";
}

std::string formError(const FieldErrors& errors) {
    const auto whole = errors.find("");
    return whole == errors.end() ? "" : "<p class=\"message error\" role=\"alert\">" + esc(whole->second) + "</p>";
}

std::string adminNav(const Frame& frame, std::string_view active) {
    const AdminTexts& t = adminTexts(frame.language);
    const std::pair<std::string_view, std::string_view> items[] = {
        {"/admin/units", t.units}, {"/admin/kiosks", t.kiosks}, {"/admin/code", t.enrolmentCode}, {"/admin/surveys", t.surveys},
        {"/admin/accounts", t.accounts}};
    std::string html = "<nav class=\"admin-nav\" aria-label=\"" + esc(t.areaNavigation) + "\"><ul>";
    for (const auto& [href, label] : items) {
        html += "<li><a href=\"" + std::string(href) + "\"" + (href == active ? " aria-current=\"page\"" : "") + ">" + esc(label) + "</a></li>";
    }
    return html + "</ul></nav>";
}

std::string confirmMain(const Frame& frame, std::string_view heading, std::string_view text, std::string_view action,
                        const std::vector<std::pair<std::string, std::string>>& hidden, std::string_view button, std::string_view cancelHref) {
    std::string html = "<h1>" + esc(heading) + "</h1><p class=\"message\">" + esc(text) + "</p>" + postForm(frame, action, "admin-form confirm");
    for (const auto& [name, value] : hidden) html += hiddenInput(name, value);
    html += "<div class=\"actions\"><button type=\"submit\" class=\"danger\">" + esc(button) + "</button> <a href=\"" + esc(cancelHref) + "\">" +
            esc(adminTexts(frame.language).cancel) + "</a></div></form>";
    return html;
}

}  // namespace svarboks::server::dashboard
