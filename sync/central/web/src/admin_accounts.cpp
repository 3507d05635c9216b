// The Administration area: accounts (list, add with a password shown once, role and a unit leader's units
// and groups, disable and enable, reset the password, unlock, remove), and the page where any account
// changes its own password (and must, after signing in with a one-time password). The work is done by
// AccountAdmin (account_admin.hpp), as for the `users` commands.
#include "admin_pages.hpp"
#include "admin_text.hpp"

#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/http_message.hpp"
#include "svarboks/server/shared_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace svarboks::server::dashboard {

namespace {

std::string esc(std::string_view text) { return escapeHtml(text); }

constexpr auto kMadePasswordLifetime = std::chrono::minutes(10);

struct AccountTexts {
    std::string_view title, intro, name, role, scope, scopeHint, units, groups, noGroups, created, lastSignIn, never, state, active, disabled,
        lockedUntil, oneTime, edit, you, everyUnit, addTitle, nameHint, passwordLegend, oneTimeChoice, keepChoice, add, administrator, analyst,
        unitLeader, accountTitle, roleTitle, saveRole, roleChanged, passwordTitle, resetIntro, reset, resetConfirmTitle, resetConfirmText,
        resetConfirm, lockedTitle, lockedText, unlock, unlocked, accessTitle, disableIntro, disable, disableConfirmTitle, disableConfirmText,
        disableConfirm, disabledDone, disabledText, enable, enabled, removeTitle, removeIntro, remove, removeConfirmTitle, removeConfirmText,
        removeConfirm, removed, shownTitle, shownIntro, shownOneTime, shownKeep, shownGone, toAccount, toAccounts, ownTitle, ownIntro,
        firstSignIn, current, newPassword, newHint, again, change, changed, toOverview;
};

constexpr AccountTexts kDanish{
    .title = "Konti",
    .intro = "Konti til dashboardet. En administrator kan alt; en analytiker ser alle rapporter og henter data på svarniveau; en enhedsleder "
             "ser kun rapporterne for sine egne enheder og grupper, med små grupper skjult. Samme arbejde på kommandolinjen: svarboks-central users.",
    .name = "Navn",
    .role = "Rolle",
    .scope = "Enheder og grupper",
    .scopeHint = "Kun for en enhedsleder: de enheder og grupper, vedkommende leder og ser rapporter for.",
    .units = "Enheder",
    .groups = "Grupper",
    .noGroups = "Ingen enhed er i en gruppe.",
    .created = "Oprettet",
    .lastSignIn = "Sidst logget ind",
    .never = "aldrig",
    .state = "Status",
    .active = "Aktiv",
    .disabled = "Deaktiveret",
    .lockedUntil = "låst til {}",
    .oneTime = "skal vælge adgangskode",
    .edit = "Ret",
    .you = "(dig)",
    .everyUnit = "alle",
    .addTitle = "Tilføj en konto",
    .nameHint = "1-64 tegn: a-z, 0-9, '.', '_', '-' og '@'. Det navn, personen logger ind med.",
    .passwordLegend = "Adgangskode",
    .oneTimeChoice = "Engangsadgangskode: personen vælger sin egen ved første login",
    .keepChoice = "Lav en adgangskode, som personen beholder",
    .add = "Tilføj konto",
    .administrator = "Administrator",
    .analyst = "Analytiker",
    .unitLeader = "Enhedsleder",
    .accountTitle = "Konto: {}",
    .roleTitle = "Rolle, enheder og grupper",
    .saveRole = "Gem rollen",
    .roleChanged = "Rollen for {} er ændret. Den gælder fra personens næste side.",
    .passwordTitle = "Adgangskode",
    .resetIntro = "Glemt adgangskode? En ny engangsadgangskode vises én gang; personen logges ud alle steder og vælger sin egen ved næste login.",
    .reset = "Nulstil adgangskoden …",
    .resetConfirmTitle = "Nulstille adgangskoden til {}?",
    .resetConfirmText = "{} logges ud alle steder, og den nuværende adgangskode holder op med at virke. Du får en engangsadgangskode at give videre.",
    .resetConfirm = "Ja, nulstil adgangskoden",
    .lockedTitle = "Låst",
    .lockedText = "{} er låst efter for mange forkerte adgangskoder, til {}.",
    .unlock = "Lås op",
    .unlocked = "{} er låst op og kan logge ind igen.",
    .accessTitle = "Adgang",
    .disableIntro = "En deaktiveret konto kan ikke logge ind, og den logges ud med det samme. Den kan aktiveres igen.",
    .disable = "Deaktivér …",
    .disableConfirmTitle = "Deaktivere {}?",
    .disableConfirmText = "{} logges ud med det samme og kan ikke logge ind, før kontoen aktiveres igen.",
    .disableConfirm = "Ja, deaktivér kontoen",
    .disabledDone = "{} er deaktiveret og logget ud.",
    .disabledText = "{} er deaktiveret og kan ikke logge ind.",
    .enable = "Aktivér",
    .enabled = "{} er aktiveret og kan logge ind igen.",
    .removeTitle = "Fjern kontoen",
    .removeIntro = "Kontoen slettes og logges ud. Revisionsloggen beholder, hvad den har gjort.",
    .remove = "Fjern …",
    .removeConfirmTitle = "Fjerne {}?",
    .removeConfirmText = "Kontoen {} slettes og logges ud. Det kan ikke fortrydes; en ny konto kan tilføjes med samme navn.",
    .removeConfirm = "Ja, fjern kontoen",
    .removed = "Kontoen {} er fjernet.",
    .shownTitle = "Adgangskode til {}",
    .shownIntro = "Giv adgangskoden til {} på en sikker måde. Den vises kun denne ene gang: serveren gemmer kun et hash af den.",
    .shownOneTime = "Det er en engangsadgangskode: ved første login skal {} vælge sin egen.",
    .shownKeep = "{} beholder denne adgangskode og kan selv ændre den under Adgangskode.",
    .shownGone = "Adgangskoden vises ikke igen (den er vist én gang, eller den er udløbet). Nulstil adgangskoden for at få en ny.",
    .toAccount = "Til kontoen",
    .toAccounts = "Til kontiene",
    .ownTitle = "Skift adgangskode",
    .ownIntro = "Dine andre sessioner logges ud, når adgangskoden er skiftet.",
    .firstSignIn = "Du er logget ind med en engangsadgangskode. Vælg din egen adgangskode, før du går videre.",
    .current = "Nuværende adgangskode",
    .newPassword = "Ny adgangskode",
    .newHint = "Mindst {} tegn. Flere ord i en sætning er lette at huske og svære at gætte.",
    .again = "Den nye adgangskode igen",
    .change = "Skift adgangskode",
    .changed = "Din adgangskode er skiftet.",
    .toOverview = "Til oversigten",
};

constexpr AccountTexts kEnglish{
    .title = "Accounts",
    .intro = "Accounts of the dashboard. An administrator may do everything; an analyst sees every report and downloads record-level "
             "data; a unit leader sees only the suppressed reports of their own units and groups. The same work on the command line: "
             "svarboks-central users.",
    .name = "Name",
    .role = "Role",
    .scope = "Units and groups",
    .scopeHint = "For a unit leader only: the units and groups they lead and see reports of.",
    .units = "Units",
    .groups = "Groups",
    .noGroups = "No unit is in a group.",
    .created = "Created",
    .lastSignIn = "Last sign-in",
    .never = "never",
    .state = "State",
    .active = "Active",
    .disabled = "Disabled",
    .lockedUntil = "locked until {}",
    .oneTime = "must choose a password",
    .edit = "Edit",
    .you = "(you)",
    .everyUnit = "all",
    .addTitle = "Add an account",
    .nameHint = "1-64 characters: a-z, 0-9, '.', '_', '-' and '@'. The name the person signs in with.",
    .passwordLegend = "Password",
    .oneTimeChoice = "One-time password: the person chooses their own at the first sign-in",
    .keepChoice = "Make a password that the person keeps",
    .add = "Add account",
    .administrator = "Administrator",
    .analyst = "Analyst",
    .unitLeader = "Unit leader",
    .accountTitle = "Account: {}",
    .roleTitle = "Role, units and groups",
    .saveRole = "Save the role",
    .roleChanged = "The role of {} was changed. It applies from their next page.",
    .passwordTitle = "Password",
    .resetIntro = "Forgotten password? A new one-time password is shown once; the person is signed out everywhere and chooses their own at the next sign-in.",
    .reset = "Reset the password …",
    .resetConfirmTitle = "Reset the password of {}?",
    .resetConfirmText = "{} is signed out everywhere, and the current password stops working. You get a one-time password to pass on.",
    .resetConfirm = "Yes, reset the password",
    .lockedTitle = "Locked",
    .lockedText = "{} is locked after too many wrong passwords, until {}.",
    .unlock = "Unlock",
    .unlocked = "{} was unlocked and can sign in again.",
    .accessTitle = "Access",
    .disableIntro = "A disabled account cannot sign in, and it is signed out at once. It can be enabled again.",
    .disable = "Disable …",
    .disableConfirmTitle = "Disable {}?",
    .disableConfirmText = "{} is signed out at once and cannot sign in until the account is enabled again.",
    .disableConfirm = "Yes, disable the account",
    .disabledDone = "{} was disabled and signed out.",
    .disabledText = "{} is disabled and cannot sign in.",
    .enable = "Enable",
    .enabled = "{} was enabled and can sign in again.",
    .removeTitle = "Remove the account",
    .removeIntro = "The account is deleted and signed out. The audit log keeps what it did.",
    .remove = "Remove …",
    .removeConfirmTitle = "Remove {}?",
    .removeConfirmText = "The account {} is deleted and signed out. This cannot be undone; a new account can be added with the same name.",
    .removeConfirm = "Yes, remove the account",
    .removed = "The account {} was removed.",
    .shownTitle = "Password of {}",
    .shownIntro = "Pass the password on to {} safely. It is shown only this once: the server keeps only a hash of it.",
    .shownOneTime = "It is a one-time password: at the first sign-in, {} must choose their own.",
    .shownKeep = "{} keeps this password and can change it under Password.",
    .shownGone = "The password is not shown again (it was shown once, or it expired). Reset the password to get a new one.",
    .toAccount = "To the account",
    .toAccounts = "To the accounts",
    .ownTitle = "Change password",
    .ownIntro = "Your other sessions are signed out once the password is changed.",
    .firstSignIn = "You signed in with a one-time password. Choose your own password before you go on.",
    .current = "Current password",
    .newPassword = "New password",
    .newHint = "At least {} characters. Several words in a sentence are easy to remember and hard to guess.",
    .again = "The new password again",
    .change = "Change password",
    .changed = "Your password was changed.",
    .toOverview = "To the overview",
};

const AccountTexts& words(const Frame& frame) { return frame.language == Language::English ? kEnglish : kDanish; }

std::string roleLabel(const AccountTexts& w, const std::string& role) {
    if (role == "analyst") return std::string(w.analyst);
    if (role == "unit-leader") return std::string(w.unitLeader);
    return std::string(w.administrator);
}

std::string when(std::int64_t unixTime) { return localMinute(TimePoint(std::chrono::seconds(unixTime))); }

std::string status(const std::string& text) { return "<p class=\"message\" role=\"status\">" + esc(text) + "</p>"; }

std::string lowered(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::vector<std::string> scopeOf(const UserAccount& account, std::string_view prefix) {
    std::vector<std::string> values;
    for (const auto& entry : account.scope) {
        if (entry.rfind(prefix, 0) == 0) values.push_back(entry.substr(prefix.size()));
    }
    return values;
}

// "Plejecenter Solhøj, Hjemmeplejen" for a unit leader, "all" for the others.
std::string scopeText(const AccountTexts& w, const UserAccount& account, const std::vector<Unit>& units) {
    if (account.role != "unit-leader") return std::string(w.everyUnit);
    std::string text;
    for (const auto& id : scopeOf(account, "unit:")) {
        const auto unit = std::find_if(units.begin(), units.end(), [&](const Unit& u) { return u.id == id; });
        text += (text.empty() ? "" : ", ") + (unit == units.end() ? id : unit->name);
    }
    for (const auto& group : scopeOf(account, "group:")) text += (text.empty() ? "" : ", ") + group;
    return text;
}

std::string stateText(const AccountTexts& w, const UserAccount& account, TimePoint now) {
    std::string text(account.disabled ? w.disabled : w.active);
    if (isLocked(account, now)) text += ", " + fill(w.lockedUntil, {when(account.lockedUntil)});
    if (account.mustChangePassword) text += ", " + std::string(w.oneTime);
    return text;
}

// The role select and the unit leader's units and groups as checkboxes, `chosenUnits` and `chosenGroups` ticked.
std::string roleFields(const Frame& frame, const std::string& prefix, const std::string& role, const std::vector<std::string>& chosenUnits,
                       const std::vector<std::string>& chosenGroups, const std::vector<Unit>& units, const std::vector<std::string>& groups,
                       const FieldErrors& errors) {
    const AccountTexts& w = words(frame);
    std::string html = selectField(prefix + "-role", "role", w.role,
                                   {{"administrator", std::string(w.administrator)}, {"analyst", std::string(w.analyst)},
                                    {"unit-leader", std::string(w.unitLeader)}},
                                   role, errors, "role");
    const auto error = errors.find("scope");
    const std::string errorId = prefix + "-scope-error";
    const std::string hintId = prefix + "-scope-hint";
    html += "<fieldset class=\"scope\" id=\"" + esc(prefix) + "-scope\" aria-describedby=\"" + esc(error == errors.end() ? hintId : errorId) + "\"><legend>" +
            esc(w.scope) + "</legend><p class=\"hint\" id=\"" + esc(hintId) + "\">" + esc(w.scopeHint) + "</p>";
    if (error != errors.end()) html += "<p class=\"field-error\" id=\"" + esc(errorId) + "\">" + esc(error->second) + "</p>";
    const auto box = [&](const std::string& name, const std::string& value, const std::string& label, const std::vector<std::string>& chosen) {
        const bool ticked = std::find(chosen.begin(), chosen.end(), value) != chosen.end();
        return "<label><input type=\"checkbox\" name=\"" + name + "\" value=\"" + esc(value) + "\"" + (ticked ? " checked" : "") + "> " + esc(label) +
               "</label>";
    };
    html += "<p><b>" + esc(w.units) + "</b></p><div class=\"choices\">";
    for (const auto& unit : units) html += box("unit", unit.id, unit.name + " (" + unit.id + ")", chosenUnits);
    html += "</div><p><b>" + esc(w.groups) + "</b></p><div class=\"choices\">";
    if (groups.empty()) html += "<span class=\"note\">" + esc(w.noGroups) + "</span>";
    for (const auto& group : groups) html += box("group", group, group, chosenGroups);
    return html + "</div></fieldset>";
}

}  // namespace

AdminAnswer AdminPages::accountsPage(const AdminRequest& request, const FieldErrors& errors) {
    const Frame& frame = request.frame;
    const AccountTexts& w = words(frame);
    AccountAdmin admin = accountAdmin(request);
    auto accounts = admin.accounts();
    auto groups = admin.groups();
    auto units = m_storage.units();
    if (!accounts || !groups || !units) return unavailableAnswer(frame);
    const TimePoint now = m_clock();

    std::string html = adminNav(frame, "/admin/accounts") + "<h1>" + esc(w.title) + "</h1><p>" + esc(w.intro) + "</p>";
    if (request.param("done") == "removed") html += status(fill(w.removed, {request.param("account")}));
    html += "<div class=\"table-wrap\"><table class=\"data\" id=\"accounts\"><caption class=\"visually-hidden\">" + esc(w.title) +
            "</caption><thead><tr><th scope=\"col\">" + esc(w.name) + "</th><th scope=\"col\">" + esc(w.role) + "</th><th scope=\"col\">" +
            esc(w.scope) + "</th><th scope=\"col\">" + esc(w.created) + "</th><th scope=\"col\">" + esc(w.lastSignIn) + "</th><th scope=\"col\">" +
            esc(w.state) + "</th><th scope=\"col\"><span class=\"visually-hidden\">" + esc(w.edit) + "</span></th></tr></thead><tbody>";
    for (const auto& account : *accounts) {
        html += std::string("<tr") + (account.disabled ? " class=\"retired\"" : "") + "><th scope=\"row\">" + esc(account.name) +
                (account.name == frame.user ? " " + esc(w.you) : "") + "</th><td>" + esc(roleLabel(w, account.role)) + "</td><td>" +
                esc(scopeText(w, account, *units)) + "</td><td>" + esc(account.createdOn) + "</td><td>" +
                esc(account.lastSignInAt == 0 ? std::string(w.never) : when(account.lastSignInAt)) + "</td><td>" + esc(stateText(w, account, now)) +
                "</td><td><a href=\"/admin/account?name=" + esc(urlEncode(account.name)) + "\">" + esc(w.edit) + "<span class=\"visually-hidden\"> " +
                esc(account.name) + "</span></a></td></tr>";
    }
    html += "</tbody></table></div>";

    const bool keep = request.field("password") == "keep";
    html += "<h2>" + esc(w.addTitle) + "</h2>" + formError(errors) + postForm(frame, "/admin/accounts/add") + "<fieldset><legend class=\"visually-hidden\">" +
            esc(w.addTitle) + "</legend>" + textField("add-name", "name", w.name, request.field("name"), errors, "name", w.nameHint) +
            roleFields(frame, "add", request.post ? request.field("role") : "analyst", request.fields("unit"), request.fields("group"), *units, *groups,
                       errors) +
            "<fieldset class=\"password-choice\"><legend>" + esc(w.passwordLegend) + "</legend>" +
            "<p><label><input type=\"radio\" id=\"add-password-onetime\" name=\"password\" value=\"one-time\"" + (keep ? "" : " checked") + "> " +
            esc(w.oneTimeChoice) + "</label></p><p><label><input type=\"radio\" id=\"add-password-keep\" name=\"password\" value=\"keep\"" +
            (keep ? " checked" : "") + "> " + esc(w.keepChoice) + "</label></p></fieldset>" + submitButton(w.add) + "</fieldset></form>";
    return {errors.empty() ? 200 : 400, std::string(w.title), html, ""};
}

AdminAnswer AdminPages::addAccount(const AdminRequest& request) {
    const AccountChange change{lowered(trim(request.field("name"))), request.field("role"), request.fields("unit"), request.fields("group")};
    const bool oneTime = request.field("password") != "keep";
    auto added = accountAdmin(request).add(change, oneTime ? FirstPassword::OneTime : FirstPassword::Generated);
    if (!added) return accountsPage(request, fieldErrors(request.frame, added.error(), {{"name", change.name}, {"role", change.role}, {"scope", ""}}));
    return passwordShown(request, change.name, *added, oneTime);
}

AdminAnswer AdminPages::passwordShown(const AdminRequest& request, const std::string& account, const std::string& password, bool oneTime) {
    const std::string id = generateDeviceToken();
    const std::string made = nlohmann::json{{"account", account}, {"password", password}, {"one_time", oneTime}}.dump();
    const std::int64_t expires = unixSeconds(m_clock() + kMadePasswordLifetime);
    // The account has its password already: if it cannot be kept for the page, a reset makes another.
    if (!m_storage.keepOnce(id, sessionOwner(request), sealForSession(request.sessionToken, id, made), expires)) return unavailableAnswer(request.frame);
    return {303, "", "", "/admin/accounts/password?id=" + urlEncode(id)};
}

namespace {

struct MadePassword {
    std::string account;
    std::string password;
    bool oneTime = false;
};

std::optional<MadePassword> madePasswordFrom(const std::string& text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object() || !json.value("account", nlohmann::json()).is_string() || !json.value("password", nlohmann::json()).is_string() ||
        !json.value("one_time", nlohmann::json()).is_boolean()) {
        return std::nullopt;
    }
    return MadePassword{json["account"].get<std::string>(), json["password"].get<std::string>(), json["one_time"].get<bool>()};
}

}  // namespace

AdminAnswer AdminPages::shownPasswordPage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AccountTexts& w = words(frame);
    const std::string id = request.param("id");
    auto taken = m_storage.takeOnce(id, sessionOwner(request), unixSeconds(m_clock()));  // shown once: gone from the store now
    if (!taken) return unavailableAnswer(frame);
    std::optional<MadePassword> made;
    if (*taken) {
        if (const auto opened = openForSession(request.sessionToken, id, **taken)) made = madePasswordFrom(*opened);
    }
    if (!made) return notFoundAnswer(frame, std::string(w.shownGone));
    const std::string title = fill(w.shownTitle, {made->account});
    const std::string html = adminNav(frame, "/admin/accounts") + "<h1>" + esc(title) + "</h1><p>" + esc(fill(w.shownIntro, {made->account})) +
                             "</p><p class=\"sheet\"><strong class=\"code\" id=\"password\">" + esc(made->password) + "</strong></p><p>" +
                             esc(fill(made->oneTime ? w.shownOneTime : w.shownKeep, {made->account})) + "</p><p><a href=\"/admin/account?name=" +
                             esc(urlEncode(made->account)) + "\">" + esc(w.toAccount) + "</a> · <a href=\"/admin/accounts\">" + esc(w.toAccounts) +
                             "</a></p>";
    return {200, title, html, ""};
}

AdminAnswer AdminPages::accountPage(const AdminRequest& request, const std::string& name, const FieldErrors& errors) {
    const Frame& frame = request.frame;
    const AccountTexts& w = words(frame);
    const AdminTexts& t = adminTexts(frame.language);
    auto found = m_storage.findUser(name);
    auto groups = accountAdmin(request).groups();
    auto units = m_storage.units();
    if (!found || !groups || !units) return unavailableAnswer(frame);
    if (!*found) return notFoundAnswer(frame, fill(t.unknownUser, {name}));
    const UserAccount& account = **found;
    const TimePoint now = m_clock();
    const std::string title = fill(w.accountTitle, {account.name});
    const std::string done = request.param("done");
    std::string html = adminNav(frame, "/admin/accounts") + "<h1>" + esc(title) + "</h1>";
    if (done == "role") html += status(fill(w.roleChanged, {account.name}));
    else if (done == "disabled") html += status(fill(w.disabledDone, {account.name}));
    else if (done == "enabled") html += status(fill(w.enabled, {account.name}));
    else if (done == "unlocked") html += status(fill(w.unlocked, {account.name}));
    html += formError(errors) + "<dl class=\"facts\"><dt>" + esc(w.role) + "</dt><dd>" + esc(roleLabel(w, account.role)) + "</dd><dt>" + esc(w.scope) +
            "</dt><dd>" + esc(scopeText(w, account, *units)) + "</dd><dt>" + esc(w.created) + "</dt><dd>" + esc(account.createdOn) + "</dd><dt>" +
            esc(w.lastSignIn) + "</dt><dd>" + esc(account.lastSignInAt == 0 ? std::string(w.never) : when(account.lastSignInAt)) + "</dd><dt>" +
            esc(w.state) + "</dt><dd id=\"state\">" + esc(stateText(w, account, now)) + "</dd></dl>";

    const bool retyped = errors.count("role") > 0 || errors.count("scope") > 0;
    html += "<h2>" + esc(w.roleTitle) + "</h2>" + postForm(frame, "/admin/account/role") + hiddenInput("name", account.name) +
            "<fieldset><legend class=\"visually-hidden\">" + esc(w.roleTitle) + "</legend>" +
            roleFields(frame, "role", retyped ? request.field("role") : account.role, retyped ? request.fields("unit") : scopeOf(account, "unit:"),
                       retyped ? request.fields("group") : scopeOf(account, "group:"), *units, *groups, errors) +
            submitButton(w.saveRole) + "</fieldset></form>";

    const auto action = [&](std::string_view path, std::string_view label, std::string_view css) {
        return postForm(frame, path, "admin-form inline") + hiddenInput("name", account.name) + "<button type=\"submit\" class=\"" + std::string(css) +
               "\">" + esc(label) + "</button></form>";
    };
    const auto link = [&](std::string_view path, std::string_view label) {
        return "<p><a class=\"button danger\" href=\"" + std::string(path) + "?name=" + esc(urlEncode(account.name)) + "\">" + esc(label) + "</a></p>";
    };
    if (isLocked(account, now)) {
        html += "<h2>" + esc(w.lockedTitle) + "</h2><p>" + esc(fill(w.lockedText, {account.name, when(account.lockedUntil)})) + "</p>" +
                action("/admin/account/unlock", w.unlock, "primary");
    }
    html += "<h2>" + esc(w.passwordTitle) + "</h2><p>" + esc(w.resetIntro) + "</p>" + link("/admin/account/reset", w.reset);
    html += "<h2>" + esc(w.accessTitle) + "</h2>";
    if (account.disabled) html += "<p>" + esc(fill(w.disabledText, {account.name})) + "</p>" + action("/admin/account/enable", w.enable, "primary");
    else html += "<p>" + esc(w.disableIntro) + "</p>" + link("/admin/account/disable", w.disable);
    html += "<h2>" + esc(w.removeTitle) + "</h2><p>" + esc(w.removeIntro) + "</p>" + link("/admin/account/remove", w.remove);
    return {errors.empty() ? 200 : 400, title, html, ""};
}

AdminAnswer AdminPages::changeRole(const AdminRequest& request) {
    const AccountChange change{request.field("name"), request.field("role"), request.fields("unit"), request.fields("group")};
    if (auto changed = accountAdmin(request).setRole(change); !changed) {
        if (changed.error().problem == AdminProblem::UnknownUser) return notFoundAnswer(request.frame, fill(adminTexts(request.frame.language).unknownUser, {change.name}));
        return accountPage(request, change.name, fieldErrors(request.frame, changed.error(), {{"name", change.name}, {"role", change.role}, {"scope", ""}}));
    }
    return {303, "", "", "/admin/account?name=" + urlEncode(change.name) + "&done=role"};
}

AdminAnswer AdminPages::accountChange(const AdminRequest& request) {
    const std::string name = request.field("name");
    const std::string& path = request.path;
    AccountAdmin admin = accountAdmin(request);
    std::string done;
    AdminStatus changed = AdminDone{};
    if (path == "/admin/account/reset") {
        auto reset = admin.resetPassword(name);
        if (reset) return passwordShown(request, name, *reset, true);
        changed = reset.error();
    } else if (path == "/admin/account/enable") {
        changed = admin.enable(name);
        done = "enabled";
    } else if (path == "/admin/account/unlock") {
        changed = admin.unlock(name);
        done = "unlocked";
    } else if (path == "/admin/account/disable") {
        changed = admin.disable(name);
        done = "disabled";
    } else {
        changed = admin.remove(name);
        if (changed) return {303, "", "", "/admin/accounts?done=removed&account=" + urlEncode(name)};
    }
    if (!changed) {
        const AdminError& error = changed.error();
        if (error.problem == AdminProblem::UnknownUser) return notFoundAnswer(request.frame, fill(adminTexts(request.frame.language).unknownUser, {name}));
        if (error.problem == AdminProblem::Store) {
            AdminAnswer answer = unavailableAnswer(request.frame);
            answer.main = formError(fieldErrors(request.frame, error, {}));
            return answer;
        }
        return accountPage(request, name, fieldErrors(request.frame, error, {{"name", name}}));
    }
    return {303, "", "", "/admin/account?name=" + urlEncode(name) + "&done=" + done};
}

AdminAnswer AdminPages::confirmAccountPage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AccountTexts& w = words(frame);
    const std::string name = request.param("name");
    auto found = m_storage.findUser(name);
    if (!found) return unavailableAnswer(frame);
    if (!*found) return notFoundAnswer(frame, fill(adminTexts(frame.language).unknownUser, {name}));
    const std::string back = "/admin/account?name=" + urlEncode(name);
    std::string_view heading = w.removeConfirmTitle;
    std::string_view text = w.removeConfirmText;
    std::string_view button = w.removeConfirm;
    if (request.path == "/admin/account/disable") {
        heading = w.disableConfirmTitle;
        text = w.disableConfirmText;
        button = w.disableConfirm;
    } else if (request.path == "/admin/account/reset") {
        heading = w.resetConfirmTitle;
        text = w.resetConfirmText;
        button = w.resetConfirm;
    }
    const std::string title = fill(heading, {name});
    return {200, title, confirmMain(frame, title, fill(text, {name}), request.path, {{"name", name}}, button, back), ""};
}

AdminAnswer AdminPages::ownPassword(const AdminRequest& request, const std::string& sessionKey, bool firstSignIn) {
    const Frame& frame = request.frame;
    const AccountTexts& w = words(frame);
    FieldErrors errors;
    if (request.post) {
        AccountAdmin self(m_storage, frame.user, m_clock, m_cost);
        auto changed = self.changeOwnPassword(request.field("current"), request.field("password"), request.field("again"), sessionKey);
        if (changed) return {303, "", "", std::string(kPasswordPath) + "?done=1"};
        if (changed.error().problem == AdminProblem::Store) return unavailableAnswer(frame);
        errors = fieldErrors(frame, changed.error(), {{"current", ""}, {"password", ""}, {"again", ""}});
    }
    std::string html = "<h1>" + esc(w.ownTitle) + "</h1>";
    if (!request.post && request.param("done") == "1") {
        return {200, std::string(w.ownTitle), html + status(std::string(w.changed)) + "<p><a href=\"/\">" + esc(w.toOverview) + "</a></p>", ""};
    }
    if (firstSignIn) html += "<p class=\"message\" role=\"status\">" + esc(w.firstSignIn) + "</p>";
    html += "<p>" + esc(w.ownIntro) + "</p>" + formError(errors) + postForm(frame, kPasswordPath, "admin-form password-form") + "<fieldset><legend class=\"visually-hidden\">" +
            esc(w.ownTitle) + "</legend>" + passwordField("pw-current", "current", w.current, "current-password", errors, "current") +
            passwordField("pw-new", "password", w.newPassword, "new-password", errors, "password", fill(w.newHint, {std::to_string(kMinPasswordLength)})) +
            passwordField("pw-again", "again", w.again, "new-password", errors, "again") + submitButton(w.change) + "</fieldset></form>";
    return {errors.empty() ? 200 : 400, std::string(w.ownTitle), html, ""};
}

}  // namespace svarboks::server::dashboard
