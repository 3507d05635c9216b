#pragma once
// Internal: the dashboard's Administration area, /admin/... (units, kiosks, enrolment codes and their
// printable sheet, accounts), for administrators, and the page where any account changes its own password. dashboard.cpp checks the role and the CSRF token of every request
// before it gets here, and turns an AdminAnswer into the page or redirect. The pages call the
// administration library (administration.hpp), the same as the command line; forms are plain HTML, and a
// refused input comes back as the form with a message next to the field. A successful change answers with
// a redirect (post/redirect/get). What a page shows once after its redirect (a made password, a code sheet)
// is kept in the store (SharedStateStore::keepOnce) sealed for the session that made it (shared_state.hpp), so
// that the redirect may reach another replica, and the store never holds it readable.
//
// admin_forms.cpp: the dispatcher and the form pieces; admin_units.cpp: units; admin_kiosks.cpp: kiosks,
// enrolment codes and the sheet; admin_accounts.cpp: accounts and the own-password page; admin_text.cpp:
// the words.
#include "dashboard_pages.hpp"
#include "svarboks/server/account_admin.hpp"
#include "svarboks/server/administration.hpp"
#include "svarboks/server/clock.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace svarboks::server::dashboard {

/// What the Administration area needs of a request (already checked: an administrator, or any account for
/// the own-password page, and for a POST the session's CSRF token).
struct AdminRequest {
    bool post = false;
    std::string path;
    std::function<std::string(const std::string&)> param;  ///< a query parameter, "" when absent
    std::multimap<std::string, std::string> form;           ///< a POST's fields
    std::string host;                                       ///< the Host header, for the endpoint on a code sheet
    Frame frame;                                            ///< language, user, CSRF token, this URL
    std::string sessionToken;                               ///< the session cookie's token: values shown once are sealed with it

    [[nodiscard]] std::string field(const std::string& name) const;
    /// Every value of a repeated field (checkboxes), in order.
    [[nodiscard]] std::vector<std::string> fields(const std::string& name) const;
};

/// A page (status, title and main content) or, with `location`, a 303 redirect there.
struct AdminAnswer {
    int status = 200;
    std::string title;
    std::string main;
    std::string location;
};

/// Who a value shown once is kept for: the session (the SHA-256 of its token, as the store knows it), so
/// that no other session, not even the same account's, can take it.
[[nodiscard]] std::string sessionOwner(const AdminRequest& request);

/// Whether a path is one of the Administration area's (/admin, /admin/units, ...).
[[nodiscard]] bool isAdminPath(std::string_view path);

/// The page where any signed-in account changes its own password.
inline constexpr std::string_view kPasswordPath = "/account/password";

class AdminPages {
public:
    /// `cost`: of the password hashes made here (PasswordCost::Minimum in tests only).
    AdminPages(Storage& storage, Clock clock, PasswordCost cost);

    /// Answers one request to a path of the area (isAdminPath); never throws but for allocation.
    [[nodiscard]] AdminAnswer handle(const AdminRequest& request);
    /// Answers a request to kPasswordPath from any signed-in account: `sessionKey` is its session's
    /// (SessionCheck::sessionKey; the others end), `firstSignIn` whether it signed in with a one-time password.
    [[nodiscard]] AdminAnswer ownPassword(const AdminRequest& request, const std::string& sessionKey, bool firstSignIn);

private:
    AdminAnswer unitsPage(const AdminRequest& request, const std::map<std::string, std::string>& errors, const Unit& typed);
    AdminAnswer unitPage(const AdminRequest& request, const std::string& id, const std::map<std::string, std::string>& errors);
    AdminAnswer addUnit(const AdminRequest& request);
    AdminAnswer changeUnit(const AdminRequest& request);
    AdminAnswer retirePage(const AdminRequest& request);
    AdminAnswer kiosksPage(const AdminRequest& request);
    AdminAnswer revokePage(const AdminRequest& request);
    AdminAnswer revoke(const AdminRequest& request);
    AdminAnswer codePage(const AdminRequest& request, const std::map<std::string, std::string>& errors);
    AdminAnswer makeCode(const AdminRequest& request);
    AdminAnswer sheetPage(const AdminRequest& request);

    AdminAnswer accountsPage(const AdminRequest& request, const std::map<std::string, std::string>& errors);
    AdminAnswer addAccount(const AdminRequest& request);
    AdminAnswer shownPasswordPage(const AdminRequest& request);
    AdminAnswer accountPage(const AdminRequest& request, const std::string& name, const std::map<std::string, std::string>& errors);
    AdminAnswer changeRole(const AdminRequest& request);
    AdminAnswer accountChange(const AdminRequest& request);
    AdminAnswer confirmAccountPage(const AdminRequest& request);
    AdminAnswer passwordShown(const AdminRequest& request, const std::string& account, const std::string& password, bool oneTime);

    [[nodiscard]] Administration administration(const AdminRequest& request) const;
    [[nodiscard]] AccountAdmin accountAdmin(const AdminRequest& request) const;

    Storage& m_storage;
    Clock m_clock;
    PasswordCost m_cost;
};

// ---- the form pieces (admin_forms.cpp) ----

/// Messages by field name ("id", "name", "group", ...); "" = about the whole form.
using FieldErrors = std::map<std::string, std::string>;

/// The localized message for a refusal of the administration library, under the field it is about when the
/// form has that field, else under "". `typed`: the form's fields and what was typed in them (the value of
/// the field fills the message: "The id solhoj is taken").
[[nodiscard]] FieldErrors fieldErrors(const Frame& frame, const AdminError& error, const std::map<std::string, std::string>& typed);
/// The answers every page may give: the store is unavailable (503); a unit or kiosk that is not there (404).
[[nodiscard]] AdminAnswer unavailableAnswer(const Frame& frame);
[[nodiscard]] AdminAnswer notFoundAnswer(const Frame& frame, const std::string& message);

/// `<form method="post">` to `action` with the CSRF token; close with "</form>".
[[nodiscard]] std::string postForm(const Frame& frame, std::string_view action, std::string_view cssClass = "admin-form");
[[nodiscard]] std::string hiddenInput(std::string_view name, std::string_view value);
/// A labelled text input, with its error (aria-invalid, aria-describedby) or hint below it.
[[nodiscard]] std::string textField(std::string_view id, std::string_view name, std::string_view label, std::string_view value,
                                    const FieldErrors& errors, std::string_view errorKey, std::string_view hint = "");
/// A labelled password input (never filled in), with its error or hint; `autocomplete` "current-password" or "new-password".
[[nodiscard]] std::string passwordField(std::string_view id, std::string_view name, std::string_view label, std::string_view autocomplete,
                                        const FieldErrors& errors, std::string_view errorKey, std::string_view hint = "");
/// A labelled select of (value, label) options.
[[nodiscard]] std::string selectField(std::string_view id, std::string_view name, std::string_view label,
                                      const std::vector<std::pair<std::string, std::string>>& options, std::string_view selected,
                                      const FieldErrors& errors, std::string_view errorKey);
[[nodiscard]] std::string submitButton(std::string_view label, std::string_view cssClass = "primary");
/// The message of a form as a whole (errors[""]), or nothing.
[[nodiscard]] std::string formError(const FieldErrors& errors);
/// The area's own navigation: Units, Kiosks, Enrolment code.
[[nodiscard]] std::string adminNav(const Frame& frame, std::string_view active);
/// A page that asks to confirm a change, posting `hidden` to `action`.
[[nodiscard]] std::string confirmMain(const Frame& frame, std::string_view heading, std::string_view text, std::string_view action,
                                      const std::vector<std::pair<std::string, std::string>>& hidden, std::string_view button,
                                      std::string_view cancelHref);

}  // namespace svarboks::server::dashboard
