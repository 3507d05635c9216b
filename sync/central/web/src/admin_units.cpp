// The Administration area: units (list, add, rename, move to a group, retire).
#include "admin_pages.hpp"
#include "admin_text.hpp"

#include "svarboks/server/html.hpp"
#include "svarboks/server/http_message.hpp"

namespace svarboks::server::dashboard {

namespace {

std::string esc(std::string_view text) { return escapeHtml(text); }

std::string unitLabel(const Unit& unit) { return unit.name + " (" + unit.id + ")"; }

// The group select (no group, then every existing group) and the field for a new group.
std::string groupFields(const Frame& frame, const std::string& idPrefix, const std::vector<std::string>& groups, const std::string& selected,
                        const std::string& typedNew, const FieldErrors& errors) {
    const AdminTexts& t = adminTexts(frame.language);
    std::vector<std::pair<std::string, std::string>> options{{"", std::string(t.noGroup)}};
    for (const auto& group : groups) options.emplace_back(group, group);
    return selectField(idPrefix + "-group", "group", t.unitGroup, options, selected, errors, "group") +
           textField(idPrefix + "-new-group", "new_group", t.newGroup, typedNew, errors, "new_group", t.newGroupHint);
}

// The group a form chose: a new one when typed, else one of the list.
GroupChoice groupChoice(const AdminRequest& request) {
    const std::string typed = trim(request.field("new_group"));
    if (!typed.empty()) return {typed, true};
    return {request.field("group"), false};
}

// A refusal as messages by field; a group's is shown at the field it was chosen or typed in.
FieldErrors errorsFor(const Frame& frame, const AdminError& error, std::map<std::string, std::string> typed, const GroupChoice& choice) {
    typed["group"] = choice.group;
    FieldErrors errors = fieldErrors(frame, error, typed);
    if (const auto group = errors.find("group"); group != errors.end() && choice.newGroup) {
        errors = {{"new_group", group->second}};
    }
    return errors;
}

std::string doneMessage(const AdminRequest& request) {
    const AdminTexts& t = adminTexts(request.frame.language);
    const std::string done = request.param("done");
    const std::string unit = request.param("unit");
    std::string_view text;
    if (done == "added") text = t.added;
    else if (done == "renamed") text = t.renamed;
    else if (done == "moved") text = t.moved;
    else if (done == "retired") text = t.retiredDone;
    else return "";
    return "<p class=\"message\" role=\"status\">" + esc(fill(text, {unit})) + "</p>";
}

}  // namespace

AdminAnswer AdminPages::unitsPage(const AdminRequest& request, const FieldErrors& errors, const Unit& typed) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    Administration admin = administration(request);
    auto units = admin.units();
    auto groups = admin.groups();
    if (!units || !groups) return unavailableAnswer(frame);

    std::string html = adminNav(frame, "/admin/units") + "<h1>" + esc(t.unitsTitle) + "</h1><p>" + esc(t.unitsIntro) + "</p>" + doneMessage(request);
    if (units->empty()) {
        html += "<p class=\"note\">" + esc(t.unitsNone) + "</p>";
    } else {
        html += "<div class=\"table-wrap\"><table class=\"data\" id=\"units\"><caption class=\"visually-hidden\">" + esc(t.unitsTitle) +
                "</caption><thead><tr><th scope=\"col\">" + esc(t.unitName) + "</th><th scope=\"col\">" + esc(t.unitId) + "</th><th scope=\"col\">" +
                esc(t.unitGroup) + "</th><th scope=\"col\" class=\"num\">" + esc(t.unitKiosks) + "</th><th scope=\"col\">" + esc(t.unitState) +
                "</th><th scope=\"col\"><span class=\"visually-hidden\">" + esc(t.edit) + "</span></th></tr></thead><tbody>";
        for (const auto& [unit, kiosks] : *units) {
            html += std::string("<tr") + (unit.retired ? " class=\"retired\"" : "") + "><th scope=\"row\">" + esc(unit.name) + "</th><td><code>" +
                    esc(unit.id) + "</code></td><td>" + esc(unit.group.empty() ? t.noGroup : unit.group) + "</td><td class=\"num\">" +
                    esc(integer(frame.language, static_cast<std::int64_t>(kiosks))) + "</td><td>" + esc(unit.retired ? t.retired : t.active) +
                    "</td><td><a href=\"/admin/unit?id=" + esc(urlEncode(unit.id)) + "\">" + esc(t.edit) + "<span class=\"visually-hidden\"> " +
                    esc(unit.name) + "</span></a></td></tr>";
        }
        html += "</tbody></table></div>";
    }
    html += "<h2>" + esc(t.addTitle) + "</h2>" + formError(errors) + postForm(frame, "/admin/units/add") + "<fieldset><legend class=\"visually-hidden\">" +
            esc(t.addTitle) + "</legend>" + textField("add-id", "id", t.unitId, typed.id, errors, "id", t.idHint) +
            textField("add-name", "name", t.unitName, typed.name, errors, "name", t.nameHint) +
            groupFields(frame, "add", *groups, typed.group, request.field("new_group"), errors) + submitButton(t.add) + "</fieldset></form>";
    return {errors.empty() ? 200 : 400, std::string(t.unitsTitle), html, ""};
}

AdminAnswer AdminPages::addUnit(const AdminRequest& request) {
    const GroupChoice choice = groupChoice(request);
    const Unit unit{trim(request.field("id")), trim(request.field("name")), choice.group, false};
    if (auto added = administration(request).addUnit(unit, choice.newGroup); !added) {
        return unitsPage(request, errorsFor(request.frame, added.error(), {{"id", unit.id}, {"name", unit.name}}, choice), unit);
    }
    return {303, "", "", "/admin/units?done=added&unit=" + urlEncode(unit.id)};
}

AdminAnswer AdminPages::unitPage(const AdminRequest& request, const std::string& id, const FieldErrors& errors) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    Administration admin = administration(request);
    auto unit = m_storage.findUnit(id);
    auto groups = admin.groups();
    if (!unit || !groups) return unavailableAnswer(frame);
    if (!*unit) return notFoundAnswer(frame, fill(t.unknownUnit, {id}));
    const Unit& u = **unit;
    const std::string title = fill(t.unitTitle, {u.name});
    std::string html = adminNav(frame, "/admin/units") + "<h1>" + esc(title) + "</h1>" + doneMessage(request) + formError(errors) +
                       "<dl class=\"facts\"><dt>" + esc(t.unitId) + "</dt><dd><code>" + esc(u.id) + "</code></dd><dt>" + esc(t.unitGroup) + "</dt><dd>" +
                       esc(u.group.empty() ? t.noGroup : u.group) + "</dd><dt>" + esc(t.unitState) + "</dt><dd>" + esc(u.retired ? t.retired : t.active) +
                       "</dd></dl>";
    if (u.retired) html += "<p class=\"note\">" + esc(t.retiredNote) + "</p>";
    else html += "<p><a href=\"/admin/code?unit=" + esc(urlEncode(u.id)) + "\">" + esc(t.makeCodeFor) + "</a></p>";

    const std::string typedName = errors.count("name") > 0 ? request.field("name") : u.name;
    html += "<h2>" + esc(t.renameTitle) + "</h2>" + postForm(frame, "/admin/unit/change") + hiddenInput("id", u.id) + hiddenInput("change", "rename") +
            "<fieldset><legend class=\"visually-hidden\">" + esc(t.renameTitle) + "</legend>" +
            textField("rename-name", "name", t.unitName, typedName, errors, "name", t.nameHint) + submitButton(t.rename) + "</fieldset></form>";
    const bool moving = errors.count("group") > 0 || errors.count("new_group") > 0;
    html += "<h2>" + esc(t.moveTitle) + "</h2>" + postForm(frame, "/admin/unit/change") + hiddenInput("id", u.id) + hiddenInput("change", "move") +
            "<fieldset><legend class=\"visually-hidden\">" + esc(t.moveTitle) + "</legend>" + groupFields(frame, "move", *groups, moving ? request.field("group") : u.group, moving ? request.field("new_group") : "", errors) +
            submitButton(t.move) + "</fieldset></form>";
    if (!u.retired) {
        html += "<h2>" + esc(t.retireTitle) + "</h2><p>" + esc(t.retireIntro) + "</p><p><a class=\"button danger\" href=\"/admin/unit/retire?id=" +
                esc(urlEncode(u.id)) + "\">" + esc(t.retire) + "</a></p>";
    }
    return {errors.empty() ? 200 : 400, title, html, ""};
}

AdminAnswer AdminPages::changeUnit(const AdminRequest& request) {
    const std::string id = request.field("id");
    Administration admin = administration(request);
    if (request.field("change") == "rename") {
        const std::string name = trim(request.field("name"));
        if (auto renamed = admin.renameUnit(id, name); !renamed) return unitPage(request, id, fieldErrors(request.frame, renamed.error(), {{"name", name}}));
        return {303, "", "", "/admin/unit?id=" + urlEncode(id) + "&done=renamed&unit=" + urlEncode(id)};
    }
    const GroupChoice choice = groupChoice(request);
    if (auto moved = admin.moveUnit(id, choice); !moved) {
        return unitPage(request, id, errorsFor(request.frame, moved.error(), {}, choice));
    }
    return {303, "", "", "/admin/unit?id=" + urlEncode(id) + "&done=moved&unit=" + urlEncode(id)};
}

AdminAnswer AdminPages::retirePage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    const std::string id = request.post ? request.field("id") : request.param("id");
    if (request.post) {
        if (auto retired = administration(request).retireUnit(id); !retired) return unitPage(request, id, fieldErrors(frame, retired.error(), {}));
        return {303, "", "", "/admin/units?done=retired&unit=" + urlEncode(id)};
    }
    auto unit = m_storage.findUnit(id);
    if (!unit) return unavailableAnswer(frame);
    if (!*unit) return notFoundAnswer(frame, fill(t.unknownUnit, {id}));
    const std::string name = unitLabel(**unit);
    const std::string heading = fill(t.retireConfirmTitle, {name});
    return {200, heading,
            confirmMain(frame, heading, fill(t.retireConfirmText, {name}), "/admin/unit/retire", {{"id", id}}, t.retireConfirm,
                        "/admin/unit?id=" + urlEncode(id)),
            ""};
}

}  // namespace svarboks::server::dashboard
