// The Administration area: kiosks (list, revoke), enrolment codes and their printable sheet.
#include "admin_pages.hpp"
#include "admin_text.hpp"

#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/shared_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace svarboks::server::dashboard {

namespace {

std::string esc(std::string_view text) { return escapeHtml(text); }

// A sheet is opened right after its redirect; what is not opened by then is of no use to anyone.
constexpr auto kSheetLifetime = std::chrono::minutes(10);

struct Sheet {
    EnrolmentCode code;
    std::string endpoint;
};

std::string sheetText(const Sheet& sheet) {
    return nlohmann::json{{"code", sheet.code.code}, {"unit_id", sheet.code.unit.id}, {"unit_name", sheet.code.unit.name},
                          {"expires", unixSeconds(sheet.code.expires)}, {"endpoint", sheet.endpoint}}
        .dump();
}

std::optional<Sheet> sheetFrom(const std::string& text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    for (const char* name : {"code", "unit_id", "unit_name", "endpoint"}) {
        if (!json.value(name, nlohmann::json()).is_string()) return std::nullopt;
    }
    if (!json.value("expires", nlohmann::json()).is_number_integer()) return std::nullopt;
    Sheet sheet;
    sheet.code.code = json["code"].get<std::string>();
    sheet.code.unit.id = json["unit_id"].get<std::string>();
    sheet.code.unit.name = json["unit_name"].get<std::string>();
    sheet.code.expires = TimePoint(std::chrono::seconds(json["expires"].get<std::int64_t>()));
    sheet.endpoint = json["endpoint"].get<std::string>();
    return sheet;
}

// The QR code as inline SVG: one path of unit squares, with the 4-module quiet zone the standard asks for.
std::string qrSvg(const QrMatrix& qr, std::string_view label) {
    constexpr int kQuiet = 4;
    const std::string size = std::to_string(qr.width + 2 * kQuiet);
    std::string path;
    for (int y = 0; y < qr.width; ++y) {
        for (int x = 0; x < qr.width; ++x) {
            if (qr.at(x, y)) path += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
        }
    }
    return "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size + "\" role=\"img\" aria-label=\"" + esc(label) +
           "\" shape-rendering=\"crispEdges\"><rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#ffffff\"/><path d=\"" + path +
           "\" fill=\"#000000\"/></svg>";
}

std::string unitName(const std::vector<UnitSummary>& units, const std::string& id) {
    const auto found = std::find_if(units.begin(), units.end(), [&](const UnitSummary& s) { return s.unit.id == id; });
    return found == units.end() ? id : found->unit.name;
}

}  // namespace

AdminAnswer AdminPages::kiosksPage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    Administration admin = administration(request);
    auto kiosks = admin.kiosks();
    auto units = admin.units();
    if (!kiosks || !units) return unavailableAnswer(frame);

    std::string html = adminNav(frame, "/admin/kiosks") + "<h1>" + esc(t.kiosksTitle) + "</h1><p>" + esc(t.kiosksIntro) + "</p>";
    if (request.param("done") == "revoked") html += "<p class=\"message\" role=\"status\">" + esc(fill(t.revokedDone, {request.param("device")})) + "</p>";
    if (kiosks->empty()) return {200, std::string(t.kiosksTitle), html + "<p class=\"note\">" + esc(t.kiosksNone) + "</p>", ""};
    html += "<div class=\"table-wrap\"><table class=\"data\" id=\"kiosks\"><caption class=\"visually-hidden\">" + esc(t.kiosksTitle) +
            "</caption><thead><tr><th scope=\"col\">" + esc(t.device) + "</th><th scope=\"col\">" + esc(t.sheetUnit) + "</th><th scope=\"col\">" +
            esc(t.enrolled) + "</th><th scope=\"col\">" + esc(t.lastSeen) + "</th><th scope=\"col\">" + esc(t.survey) + "</th><th scope=\"col\">" +
            esc(t.unitState) + "</th><th scope=\"col\"><span class=\"visually-hidden\">" + esc(t.revoke) + "</span></th></tr></thead><tbody>";
    for (const auto& kiosk : *kiosks) {
        html += std::string("<tr") + (kiosk.revoked ? " class=\"revoked\"" : "") + "><td><code>" + esc(kiosk.id) + "</code></td><td>" +
                esc(unitName(*units, kiosk.unitId)) + "</td><td>" + esc(kiosk.enrolledOn) + "</td><td>" +
                esc(kiosk.lastSeenOn.empty() ? t.never : kiosk.lastSeenOn) + "</td><td>" +
                esc(kiosk.surveyId.empty() ? std::string("–") : kiosk.surveyId + " " + kiosk.surveyVersion) + "</td><td>" +
                esc(kiosk.revoked ? t.revoked : t.active) + "</td><td>";
        if (!kiosk.revoked) {
            html += "<a href=\"/admin/kiosk/revoke?id=" + esc(urlEncode(kiosk.id)) + "\">" + esc(t.revoke) + "<span class=\"visually-hidden\"> " +
                    esc(kiosk.id) + "</span></a>";
        }
        html += "</td></tr>";
    }
    html += "</tbody></table></div><p class=\"note\">" + esc(t.appVersionNote) + "</p>";
    return {200, std::string(t.kiosksTitle), html, ""};
}

AdminAnswer AdminPages::revokePage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    const std::string id = request.param("id");
    auto device = m_storage.findDevice(id);
    if (!device) return unavailableAnswer(frame);
    if (!*device) return notFoundAnswer(frame, fill(t.unknownDevice, {id}));
    auto unit = m_storage.findUnit((*device)->unitId);
    if (!unit) return unavailableAnswer(frame);
    const std::string unitText = *unit ? (*unit)->name : (*device)->unitId;
    return {200, std::string(t.revokeTitle),
            confirmMain(frame, t.revokeTitle, fill(t.revokeText, {id, unitText}), "/admin/kiosk/revoke", {{"device", id}}, t.revokeConfirm, "/admin/kiosks"),
            ""};
}

AdminAnswer AdminPages::revoke(const AdminRequest& request) {
    const std::string id = request.field("device");
    if (auto revoked = administration(request).revokeKiosk(id); !revoked) {
        if (revoked.error().problem == AdminProblem::UnknownDevice) return notFoundAnswer(request.frame, fill(adminTexts(request.frame.language).unknownDevice, {id}));
        AdminAnswer answer = unavailableAnswer(request.frame);
        answer.main = formError(fieldErrors(request.frame, revoked.error(), {}));
        return answer;
    }
    return {303, "", "", "/admin/kiosks?done=revoked&device=" + urlEncode(id)};
}

AdminAnswer AdminPages::codePage(const AdminRequest& request, const FieldErrors& errors) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    auto units = administration(request).units();
    if (!units) return unavailableAnswer(frame);
    std::string html = adminNav(frame, "/admin/code") + "<h1>" + esc(t.codeTitle) + "</h1><p>" + esc(t.codeIntro) + "</p>" + formError(errors);
    std::vector<std::pair<std::string, std::string>> choices;
    for (const auto& [unit, kiosks] : *units) {
        if (!unit.retired) choices.emplace_back(unit.id, unit.name + " (" + unit.id + ")");
    }
    if (choices.empty()) return {200, std::string(t.codeTitle), html + "<p class=\"note\">" + esc(t.noUnits) + "</p>", ""};
    const std::string unit = request.post ? request.field("unit") : request.param("unit");
    const std::string expires = request.post ? request.field("expires") : "7d";
    html += postForm(frame, "/admin/code") + "<fieldset><legend class=\"visually-hidden\">" + esc(t.codeTitle) + "</legend>" +
            selectField("code-unit", "unit", t.sheetUnit, choices, unit, errors, "unit") +
            selectField("code-expires", "expires", t.expires, {{"1d", std::string(t.oneDay)}, {"7d", std::string(t.sevenDays)}, {"30d", std::string(t.thirtyDays)}},
                        expires, errors, "expires") +
            submitButton(t.makeCode) + "</fieldset></form>";
    return {errors.empty() ? 200 : 400, std::string(t.codeTitle), html, ""};
}

AdminAnswer AdminPages::makeCode(const AdminRequest& request) {
    const std::string unit = request.field("unit");
    const std::string expires = request.field("expires");
    const auto lifetime = parseLifetime(expires);
    if (!lifetime) return codePage(request, {{"expires", std::string(adminTexts(request.frame.language).badLifetime)}});
    auto made = administration(request).makeEnrolmentCode(unit, *lifetime);
    if (!made) return codePage(request, fieldErrors(request.frame, made.error(), {{"unit", unit}, {"expires", expires}}));

    const std::string id = generateDeviceToken();
    const std::int64_t keptUntil = std::min(unixSeconds(made->expires), unixSeconds(m_clock() + kSheetLifetime));
    const std::string sealed = sealForSession(request.sessionToken, id, sheetText(Sheet{*made, "https://" + request.host}));
    // The code exists already: if its sheet cannot be kept, the page says so and another code can be made.
    if (!m_storage.keepOnce(id, sessionOwner(request), sealed, keptUntil)) return unavailableAnswer(request.frame);
    return {303, "", "", "/admin/code/sheet?id=" + urlEncode(id)};
}

AdminAnswer AdminPages::sheetPage(const AdminRequest& request) {
    const Frame& frame = request.frame;
    const AdminTexts& t = adminTexts(frame.language);
    const std::string id = request.param("id");
    auto taken = m_storage.takeOnce(id, sessionOwner(request), unixSeconds(m_clock()));  // shown once: gone from the store now
    if (!taken) return unavailableAnswer(frame);
    std::optional<Sheet> sheet;
    if (*taken) {
        if (const auto opened = openForSession(request.sessionToken, id, **taken)) sheet = sheetFrom(*opened);
    }
    if (!sheet) return notFoundAnswer(frame, std::string(t.sheetGone));
    const EnrolmentCode& code = sheet->code;
    const std::string unitText = code.unit.name + " (" + code.unit.id + ")";
    std::string html = "<article class=\"sheet\"><h1>" + esc(t.sheetTitle) + "</h1><p>" + esc(t.sheetIntro) + "</p><div class=\"sheet-top\"><dl class=\"facts\"><dt>" +
                       esc(t.sheetUnit) + "</dt><dd>" + esc(unitText) + "</dd><dt>" + esc(t.sheetEndpoint) + "</dt><dd><code>" + esc(sheet->endpoint) +
                       "</code></dd><dt>" + esc(t.sheetCode) + "</dt><dd><strong class=\"code\" id=\"code\">" + esc(code.code) + "</strong></dd><dt>" +
                       esc(t.sheetValidUntil) + "</dt><dd>" + esc(localMinute(code.expires)) + "</dd></dl>";
    if (const auto qr = qrMatrix(code.code)) {
        html += "<figure class=\"qr-figure\">" + qrSvg(*qr, std::string(t.sheetQr) + ": " + code.code) + "<figcaption>" + esc(t.sheetQr) + "</figcaption></figure>";
    } else {
        html += "<p class=\"note\">" + esc(t.sheetNoQr) + "</p>";
    }
    html += "</div><h2>" + esc(t.sheetSteps) + "</h2><ol class=\"steps\"><li>" + esc(t.step1) + "</li><li>" + esc(fill(t.step2, {sheet->endpoint})) + "</li><li>" +
            esc(fill(t.step3, {code.code})) + "</li><li>" + esc(t.step4) + "</li><li>" + esc(t.step5) + "</li></ol><p>" + esc(t.sheetCommandLine) +
            "</p><pre><code>svarboks enroll " + esc(code.code) + " --endpoint " + esc(sheet->endpoint) + " --ca cert.pem</code></pre>" +
            "<p class=\"screen-only note\">" + esc(t.sheetPrint) + "</p></article>";
    return {200, std::string(t.sheetTitle), html, ""};
}

}  // namespace svarboks::server::dashboard
