// The survey administration pages (admin_surveys.hpp): forms read and checked here, the work done by
// SurveyAdmin, pages written from what it returns. Every post carries the session's CSRF token; the role
// is checked first, on every path and method.
#include "admin_surveys.hpp"

#include "admin_pages.hpp"

#include "svarboks/server/accounts.hpp"
#include "svarboks/server/html.hpp"
#include "svarboks/server/multipart.hpp"
#include "svarboks/shared/hashing.hpp"

#include <algorithm>
#include <set>

namespace svarboks::server::dashboard {

namespace {

constexpr std::string_view kListPath = "/admin/surveys";
constexpr std::string_view kDraftPath = "/admin/surveys/draft";
constexpr std::string_view kPublishPath = "/admin/surveys/publish";
constexpr std::string_view kDiscardPath = "/admin/surveys/discard";
constexpr std::string_view kRetirePath = "/admin/surveys/retire";

struct SurveyAdminTexts {
    std::string_view title, intro, uploadTitle, uploadIntro, fileLabel, uploadButton, noFile, emptyFile, notMultipart, tooLarge, lintFailed,
        line, wholeFile, draftsTitle, draftsNone, draftFile, uploadedBy, uploadedAt, warnings, previewLink, versionsTitle, versionsNone,
        survey, version, titleColumn, consent, definitionSha, consentSha, publishedTo, state, inUse, retiredOn, retire, everyUnit, groupWord,
        unitWord, draftTitle, draftIntro, previewTitle, previewIntro, publishTitle, publishIntro, targetAll, targetChosen, groups, units,
        noGroups, publishButton, chooseTarget, discardButton, confirmPublishTitle, confirmPublish, confirmRetireTitle, confirmRetire,
        yesPublish, yesRetire, cancel, published, retired, discarded, draftMissing, goToPublish, lintWarnings, nothingPublished;
};

constexpr SurveyAdminTexts kDanish{
    .title = "Spørgeskemaer: administration",
    .intro = "Upload et spørgeskema (SurveyJS JSON), se hver skærm, som kiosken viser den, og udgiv det. Intet når en kiosk, før det er udgivet. "
             "Samme arbejde på kommandolinjen: svarboks-central survey publish | list | retire.",
    .uploadTitle = "Upload et spørgeskema",
    .uploadIntro = "Filen tjekkes med det samme. Fejl vises med deres JSON-pointer og linjenummer i filen; uden fejl bliver den en kladde, du kan se og udgive.",
    .fileLabel = "Spørgeskemafil (SurveyJS JSON, højst {})",
    .uploadButton = "Upload og tjek",
    .noFile = "Vælg en fil at uploade.",
    .emptyFile = "Filen {} er tom. Vælg spørgeskemaets JSON-fil.",
    .notMultipart = "Formularen kunne ikke læses ({}). Indlæs siden igen og prøv en gang til.",
    .tooLarge = "Filen er større end {}. Et spørgeskema er normalt under 100 KB: tjek, at det er den rigtige fil.",
    .lintFailed = "{} har {} fejl. Ret dem i filen, og upload den igen. Intet er gemt.",
    .line = "linje {}",
    .wholeFile = "hele filen",
    .draftsTitle = "Kladder",
    .draftsNone = "Ingen kladder. Upload et spørgeskema ovenfor.",
    .draftFile = "Fil",
    .uploadedBy = "Uploadet af",
    .uploadedAt = "Uploadet (UTC)",
    .warnings = "Advarsler",
    .previewLink = "Se og udgiv",
    .versionsTitle = "Udgivne versioner",
    .versionsNone = "Intet spørgeskema er udgivet endnu.",
    .survey = "Spørgeskema",
    .version = "Version",
    .titleColumn = "Titel",
    .consent = "Samtykketekst",
    .definitionSha = "definition_sha256",
    .consentSha = "consent_sha256",
    .publishedTo = "Udgivet til",
    .state = "Status",
    .inUse = "i brug",
    .retiredOn = "trukket tilbage {}",
    .retire = "Træk tilbage …",
    .everyUnit = "alle enheder",
    .groupWord = "gruppe",
    .unitWord = "enhed",
    .draftTitle = "Kladde: {} {}",
    .draftIntro = "Se hver skærm herunder på dansk og engelsk, før du udgiver. Ingen kiosk får en kladde.",
    .previewTitle = "Forhåndsvisning",
    .previewIntro = "Hver skærm i rækkefølge, som respondenten ser den på kiosken. Skærme bag en betingelse (visibleIf) er med og mærket.",
    .publishTitle = "Udgiv",
    .publishIntro = "Kioskerne henter det nye spørgeskema ved næste synkronisering og skifter mellem to respondenter.",
    .targetAll = "Alle enheder",
    .targetChosen = "Valgte grupper og enheder:",
    .groups = "Grupper",
    .units = "Enheder",
    .noGroups = "Ingen enhed er i en gruppe.",
    .publishButton = "Udgiv …",
    .chooseTarget = "Vælg alle enheder, eller mindst én gruppe eller enhed.",
    .discardButton = "Slet kladden",
    .confirmPublishTitle = "Udgive {} {}?",
    .confirmPublish = "{} {} udgives til: {}. Kioskerne tager det ved næste synkronisering. En udgivet version kan ikke ændres, kun trækkes tilbage.",
    .confirmRetireTitle = "Trække {} {} tilbage?",
    .confirmRetire = "Kioskerne får ikke længere {} {}; en enhed får i stedet sit seneste andet spørgeskema, hvis den har et. Svarene bliver og tæller stadig.",
    .yesPublish = "Ja, udgiv",
    .yesRetire = "Ja, træk tilbage",
    .cancel = "Tilbage",
    .published = "{} {} er udgivet til: {}.",
    .retired = "{} {} er trukket tilbage. Svarene bliver og tæller stadig.",
    .discarded = "Kladden er slettet.",
    .draftMissing = "Kladden findes ikke (den er udgivet eller slettet).",
    .goToPublish = "Gå til udgivelse",
    .lintWarnings = "Advarsler (kan udgives)",
    .nothingPublished = "Intet er udgivet: {}",
};

constexpr SurveyAdminTexts kEnglish{
    .title = "Surveys: administration",
    .intro = "Upload a survey (SurveyJS JSON), see every screen as the kiosk shows it, and publish it. Nothing reaches a kiosk until it is "
             "published. The same work on the command line: svarboks-central survey publish | list | retire.",
    .uploadTitle = "Upload a survey",
    .uploadIntro = "The file is checked at once. Errors show with their JSON pointer and line number in the file; without errors it becomes a draft that you can look through and publish.",
    .fileLabel = "Survey file (SurveyJS JSON, at most {})",
    .uploadButton = "Upload and check",
    .noFile = "Choose a file to upload.",
    .emptyFile = "The file {} is empty. Choose the survey's JSON file.",
    .notMultipart = "The form could not be read ({}). Reload the page and try again.",
    .tooLarge = "The file is larger than {}. A survey is usually under 100 KB: check that it is the right file.",
    .lintFailed = "{} has {} error(s). Fix them in the file and upload it again. Nothing was stored.",
    .line = "line {}",
    .wholeFile = "whole file",
    .draftsTitle = "Drafts",
    .draftsNone = "No drafts. Upload a survey above.",
    .draftFile = "File",
    .uploadedBy = "Uploaded by",
    .uploadedAt = "Uploaded (UTC)",
    .warnings = "Warnings",
    .previewLink = "Preview and publish",
    .versionsTitle = "Published versions",
    .versionsNone = "No survey is published yet.",
    .survey = "Survey",
    .version = "Version",
    .titleColumn = "Title",
    .consent = "Consent text",
    .definitionSha = "definition_sha256",
    .consentSha = "consent_sha256",
    .publishedTo = "Published to",
    .state = "State",
    .inUse = "in use",
    .retiredOn = "retired {}",
    .retire = "Retire …",
    .everyUnit = "every unit",
    .groupWord = "group",
    .unitWord = "unit",
    .draftTitle = "Draft: {} {}",
    .draftIntro = "Look through every screen below in Danish and English before you publish. No kiosk gets a draft.",
    .previewTitle = "Preview",
    .previewIntro = "Every screen in order, as a respondent sees it on the kiosk. Screens behind a condition (visibleIf) are included and marked.",
    .publishTitle = "Publish",
    .publishIntro = "Kiosks fetch the new survey at their next sync and switch between two respondents.",
    .targetAll = "Every unit",
    .targetChosen = "Chosen groups and units:",
    .groups = "Groups",
    .units = "Units",
    .noGroups = "No unit is in a group.",
    .publishButton = "Publish …",
    .chooseTarget = "Choose every unit, or at least one group or unit.",
    .discardButton = "Delete the draft",
    .confirmPublishTitle = "Publish {} {}?",
    .confirmPublish = "{} {} is published to: {}. Kiosks take it at their next sync. A published version cannot change, only be retired.",
    .confirmRetireTitle = "Retire {} {}?",
    .confirmRetire = "Kiosks no longer get {} {}; a unit gets its latest other survey instead, if it has one. The responses stay and keep counting.",
    .yesPublish = "Yes, publish",
    .yesRetire = "Yes, retire",
    .cancel = "Back",
    .published = "{} {} is published to: {}.",
    .retired = "{} {} is retired. The responses stay and keep counting.",
    .discarded = "The draft is deleted.",
    .draftMissing = "There is no such draft (it was published or deleted).",
    .goToPublish = "Go to publishing",
    .lintWarnings = "Warnings (it can be published)",
    .nothingPublished = "Nothing was published: {}",
};

const SurveyAdminTexts& words(const Frame& frame) { return frame.language == Language::Danish ? kDanish : kEnglish; }

std::string esc(std::string_view text) { return escapeHtml(text); }

HttpResponse message(const Frame& base, int status, std::string_view heading, const std::string& text) {
    Frame frame = base;
    frame.title = std::string(heading);
    return HttpResponse::html(status, page(frame, messageMain(frame, frame.title, text)));
}

std::string csrfField(const Frame& frame) { return "<input type=\"hidden\" name=\"csrf\" value=\"" + esc(frame.csrf) + "\">"; }

std::string hidden(std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + esc(name) + "\" value=\"" + esc(value) + "\">";
}

std::string megabytes(std::size_t bytes) { return std::to_string(bytes / (1024 * 1024)) + " MiB"; }

std::string lintList(const Frame& frame, const std::vector<LintProblem>& problems) {
    const SurveyAdminTexts& w = words(frame);
    std::string html = "<ul class=\"lint\">";
    for (const auto& problem : problems) {
        std::string where = problem.line > 0 ? fill(w.line, {std::to_string(problem.line)}) : std::string();
        const std::string pointer = problem.pointer.empty() ? std::string(w.wholeFile) : problem.pointer;
        where += (where.empty() ? "" : " · ") + pointer;
        html += std::string("<li class=\"") + (problem.error ? "error" : "warning") + "\"><span class=\"where\">" + esc(where) + "</span>" +
                esc(problem.text(frame.t().locale)) + "</li>";
    }
    return html + "</ul>";
}

// "every unit; group pleje; units solhoj, vest" in the page's language.
std::string targetsText(const Frame& frame, const PublishTargets& targets) {
    const SurveyAdminTexts& w = words(frame);
    std::vector<std::string> parts;
    if (targets.all) parts.emplace_back(w.everyUnit);
    for (const auto& group : targets.groups) parts.push_back(std::string(w.groupWord) + " " + group);
    for (const auto& unit : targets.units) parts.push_back(std::string(w.unitWord) + " " + unit);
    std::string text;
    for (const auto& part : parts) text += (text.empty() ? "" : ", ") + part;
    return text;
}

PublishTargets targetsOf(const PublishedSurvey& survey) {
    PublishTargets targets;
    for (const auto& unit : survey.units) {
        if (unit == kAllUnits) targets.all = true;
        else targets.units.push_back(unit);
    }
    targets.groups = survey.groups;
    return targets;
}

std::vector<std::string> fieldValues(const std::multimap<std::string, std::string>& form, const std::string& name) {
    std::vector<std::string> values;
    const auto [from, to] = form.equal_range(name);
    for (auto it = from; it != to; ++it) {
        if (std::find(values.begin(), values.end(), it->second) == values.end()) values.push_back(it->second);
    }
    return values;
}

std::string field(const std::multimap<std::string, std::string>& form, const std::string& name) {
    const auto found = form.find(name);
    return found == form.end() ? std::string() : found->second;
}

}  // namespace

SurveyAdminPages::SurveyAdminPages(Storage& storage, Clock clock) : m_storage(storage), m_admin(storage, std::move(clock)) {}

bool SurveyAdminPages::handles(std::string_view path) {
    return path == kListPath || path == kUploadPath || path == kDraftPath || path == kPublishPath || path == kDiscardPath || path == kRetirePath;
}

HttpResponse SurveyAdminPages::handle(const AdminCall& call) {
    const Frame& frame = call.frame;
    const Texts& t = frame.t();
    // The role first, on every path and method: no form of these pages is read for anyone else.
    if (!frame.administrator) return message(frame, 403, t.forbiddenTitle, std::string(t.forbidden));
    const std::string& path = call.request.path;
    const std::string& method = call.request.method;
    const bool get = method == "GET" || method == "HEAD";
    const bool readOnly = path == kListPath || path == kDraftPath;
    if (readOnly != get) {
        HttpResponse response = message(frame, 405, t.badRequestTitle, readOnly ? "GET" : "POST");
        response.headers.emplace_back("Allow", readOnly ? "GET, HEAD" : "POST");
        return response;
    }
    if (path == kListPath) return listPage(call, 200, "", {}, "");
    if (path == kDraftPath) return draftPage(call, call.request.param("id"), 200, "");
    if (path == kUploadPath) return upload(call);
    if (!Accounts::csrfMatches(frame.csrf, field(call.form, "csrf"))) return message(frame, 403, t.formRefusedTitle, std::string(t.formRefused));
    if (path == kPublishPath) return publish(call);
    if (path == kDiscardPath) return discard(call);
    return retire(call);
}

HttpResponse SurveyAdminPages::listPage(const AdminCall& call, int status, const std::string& uploadError, const std::vector<LintProblem>& problems,
                                        const std::string& fileName) {
    Frame frame = call.frame;
    const SurveyAdminTexts& w = words(frame);
    frame.title = std::string(w.title);
    frame.selfUrl = std::string(kListPath);
    auto drafts = m_admin.drafts();
    auto versions = m_admin.versions();
    if (!drafts || !versions) return message(frame, 503, frame.t().unavailableTitle, std::string(frame.t().unavailable));

    std::string html = adminNav(frame, kListPath) + "<h1>" + esc(w.title) + "</h1><p>" + esc(w.intro) + "</p>";
    const std::string done = call.request.param("done");
    const std::string survey = call.request.param("survey");
    const std::string version = call.request.param("version");
    if (status == 200 && done == "published") {
        html += "<p class=\"message\" role=\"status\">" + esc(fill(w.published, {survey, version, call.request.param("to")})) + "</p>";
    } else if (status == 200 && done == "retired") {
        html += "<p class=\"message\" role=\"status\">" + esc(fill(w.retired, {survey, version})) + "</p>";
    } else if (status == 200 && done == "discarded") {
        html += "<p class=\"message\" role=\"status\">" + esc(w.discarded) + "</p>";
    }

    html += "<h2 id=\"upload\">" + esc(w.uploadTitle) + "</h2><p>" + esc(w.uploadIntro) + "</p>";
    html += "<form class=\"admin-form\" method=\"post\" action=\"" + std::string(kUploadPath) + "\" enctype=\"multipart/form-data\">" + csrfField(frame);
    html += std::string("<div class=\"field") + (uploadError.empty() ? "" : " invalid") + "\"><label for=\"survey-file\">" +
            esc(fill(w.fileLabel, {megabytes(call.uploadLimit)})) + "</label><input type=\"file\" id=\"survey-file\" name=\"file\" accept=\".json,application/json\"" +
            (uploadError.empty() ? "" : " aria-invalid=\"true\" aria-describedby=\"survey-file-error\"") + ">";
    if (!uploadError.empty()) {
        html += "<p class=\"field-error\" id=\"survey-file-error\">" + esc(uploadError) + "</p>";
        if (!problems.empty()) html += "<p class=\"meta\"><code>" + esc(fileName) + "</code></p>" + lintList(frame, problems);
    }
    html += "</div><p><button type=\"submit\">" + esc(w.uploadButton) + "</button></p></form>";

    html += "<h2>" + esc(w.draftsTitle) + "</h2>";
    if (drafts->empty()) {
        html += "<p class=\"note\">" + esc(w.draftsNone) + "</p>";
    } else {
        html += "<div class=\"table-wrap\"><table class=\"data drafts\"><thead><tr><th scope=\"col\">" + esc(w.survey) + "</th><th scope=\"col\">" +
                esc(w.version) + "</th><th scope=\"col\">" + esc(w.draftFile) + "</th><th scope=\"col\">" + esc(w.uploadedBy) +
                "</th><th scope=\"col\">" + esc(w.uploadedAt) + "</th><th scope=\"col\" class=\"num\">" + esc(w.warnings) +
                "</th><th scope=\"col\"></th></tr></thead><tbody>";
        for (const auto& draft : *drafts) {
            html += "<tr><td>" + esc(draft.surveyId) + "</td><td>" + esc(draft.version) + "</td><td><code>" + esc(draft.fileName) + "</code></td><td>" +
                    esc(draft.uploadedBy) + "</td><td>" + esc(draft.uploadedAt) + "</td><td class=\"num\">" + std::to_string(draft.warnings) +
                    "</td><td><a href=\"" + std::string(kDraftPath) + "?id=" + esc(urlEncode(draft.id)) + "\">" + esc(w.previewLink) + "</a></td></tr>";
        }
        html += "</tbody></table></div>";
    }

    html += "<h2>" + esc(w.versionsTitle) + "</h2>";
    if (versions->empty()) {
        html += "<p class=\"note\">" + esc(w.versionsNone) + "</p>";
    } else {
        const std::string locale(frame.t().locale);
        html += "<div class=\"table-wrap\"><table class=\"data versions\"><thead><tr><th scope=\"col\">" + esc(w.survey) + "</th><th scope=\"col\">" +
                esc(w.titleColumn) + "</th><th scope=\"col\">" + esc(w.consent) + "</th><th scope=\"col\">" + esc(w.publishedTo) +
                "</th><th scope=\"col\">" + esc(w.state) + "</th><th scope=\"col\"></th></tr></thead><tbody>";
        for (const auto& v : *versions) {
            const PublishedSurvey& p = v.published;
            html += std::string("<tr") + (p.retired() ? " class=\"retired\"" : "") + "><td><b>" + esc(p.surveyId) + "</b> " + esc(p.version) +
                    "<br><span class=\"meta\">" + esc(w.definitionSha) + "</span><br><code>" + esc(p.definitionSha256) + "</code><br><span class=\"meta\">" +
                    esc(w.consentSha) + "</span><br><code>" + esc(p.consentSha256) + "</code></td><td>" +
                    esc(v.problem.empty() ? v.title.text(locale, v.defaultLocale) : v.problem) + "</td><td><details><summary>" + esc(w.consent) +
                    "</summary>";
            for (const auto& [key, text] : v.consent.byLocale()) {
                html += "<p><b>" + esc(key) + "</b></p><div class=\"consent\">";
                std::string_view rest = text;
                while (!rest.empty()) {
                    const auto end = rest.find("\n\n");
                    html += "<p>" + esc(rest.substr(0, end)) + "</p>";
                    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
                }
                html += "</div>";
            }
            html += "</details></td><td>" + esc(targetsText(frame, targetsOf(p))) + "</td><td>" +
                    esc(p.retired() ? fill(w.retiredOn, {p.retiredOn}) : std::string(w.inUse)) + "</td><td>";
            if (!p.retired()) {
                html += "<form class=\"inline-form\" method=\"post\" action=\"" + std::string(kRetirePath) + "\">" + csrfField(frame) +
                        hidden("survey", p.surveyId) + hidden("version", p.version) + "<button type=\"submit\" class=\"secondary\">" + esc(w.retire) +
                        "</button></form>";
            }
            html += "</td></tr>";
        }
        html += "</tbody></table></div>";
    }
    return HttpResponse::html(status, page(frame, html));
}

HttpResponse SurveyAdminPages::upload(const AdminCall& call) {
    const Frame& frame = call.frame;
    const SurveyAdminTexts& w = words(frame);
    const Texts& t = frame.t();
    if (call.bodyTooLarge) return listPage(call, 413, fill(w.tooLarge, {megabytes(call.uploadLimit)}), {}, "");
    const std::string boundary = multipartBoundary(call.request.header("Content-Type"));
    if (boundary.empty()) return listPage(call, 400, fill(w.notMultipart, {"not multipart/form-data"}), {}, "");
    auto parts = parseMultipart(call.body, boundary);
    if (!parts) return listPage(call, 400, fill(w.notMultipart, {parts.error().message}), {}, "");
    std::string csrf;
    const FormPart* file = nullptr;
    for (const auto& part : *parts) {
        if (part.name == "csrf" && !part.fileName) csrf = part.bytes;
        if (part.name == "file" && part.fileName && file == nullptr) file = &part;
    }
    if (!Accounts::csrfMatches(frame.csrf, csrf)) return message(frame, 403, t.formRefusedTitle, std::string(t.formRefused));
    if (file == nullptr || file->fileName->empty()) return listPage(call, 422, std::string(w.noFile), {}, "");
    if (file->bytes.empty()) return listPage(call, 422, fill(w.emptyFile, {*file->fileName}), {}, "");
    auto outcome = m_admin.upload(*file->fileName, file->bytes, frame.user);
    if (!outcome) return message(frame, 503, t.unavailableTitle, std::string(t.unavailable));
    if (!outcome->draft) {
        // The name as the library cleaned it is in each message; show the uploaded one beside the list.
        const std::string name = std::string(file->fileName->substr(file->fileName->find_last_of("/\\") + 1));
        return listPage(call, 422, fill(w.lintFailed, {name, std::to_string(outcome->errorCount())}), outcome->problems, name);
    }
    return HttpResponse::redirect(std::string(kDraftPath) + "?id=" + urlEncode(outcome->draft->id));
}

HttpResponse SurveyAdminPages::draftPage(const AdminCall& call, const std::string& draftId, int status, const std::string& publishError) {
    Frame frame = call.frame;
    const SurveyAdminTexts& w = words(frame);
    auto review = m_admin.review(draftId);
    if (!review) return message(frame, 422, frame.t().badRequestTitle, review.error().message);
    if (!*review) return message(frame, 404, frame.t().notFoundTitle, std::string(w.draftMissing));
    auto units = m_storage.units();
    if (!units) return message(frame, 503, frame.t().unavailableTitle, std::string(frame.t().unavailable));
    const DraftReview& draft = **review;
    const shared::Survey& survey = draft.survey;
    const std::string lang = call.request.param("lang") == "en" ? "en" : "da";
    frame.title = fill(w.draftTitle, {survey.id, survey.version});
    frame.selfUrl = std::string(kDraftPath) + "?id=" + urlEncode(draftId) + "&lang=" + lang;

    std::string html = "<p><a href=\"" + std::string(kListPath) + "\">← " + esc(w.title) + "</a></p><h1>" + esc(frame.title) + "</h1><p>" +
                       esc(w.draftIntro) + " <a href=\"#publish\">" + esc(w.goToPublish) + "</a></p>";
    html += "<dl class=\"facts\"><dt>" + esc(w.titleColumn) + "</dt><dd>" + esc(survey.title.text(frame.t().locale, survey.defaultLocale)) + "</dd><dt>" +
            esc(w.draftFile) + "</dt><dd><code>" + esc(draft.draft.fileName) + "</code></dd><dt>" + esc(w.uploadedBy) + "</dt><dd>" +
            esc(draft.draft.uploadedBy) + ", " + esc(draft.draft.uploadedAt) + "</dd><dt>" + esc(w.definitionSha) + "</dt><dd><code>" +
            esc(survey.definitionSha256) + "</code></dd><dt>" + esc(w.consentSha) + "</dt><dd><code>" + esc(survey.consentSha256) + "</code></dd></dl>";
    if (!draft.problems.empty()) html += "<h2>" + esc(w.lintWarnings) + "</h2>" + lintList(frame, draft.problems);

    html += "<h2 id=\"preview\">" + esc(w.previewTitle) + "</h2><p>" + esc(w.previewIntro) + "</p><ul class=\"tabs\">";
    for (const auto& [code, name] : {std::pair<std::string, std::string>{"da", "Dansk"}, {"en", "English"}}) {
        html += "<li><a href=\"" + std::string(kDraftPath) + "?id=" + esc(urlEncode(draftId)) + "&amp;lang=" + code + "#preview\" lang=\"" + code +
                "\"" + (code == lang ? " aria-current=\"page\"" : "") + ">" + esc(name) + "</a></li>";
    }
    html += "</ul>" + surveyPreview(survey, lang, frame.language);

    std::set<std::string> groups;
    for (const auto& unit : *units) {
        if (!unit.group.empty()) groups.insert(unit.group);
    }
    const auto chosen = [&](const std::string& name, const std::string& value) {
        const auto values = fieldValues(call.form, name);
        return std::find(values.begin(), values.end(), value) != values.end() ? " checked" : "";
    };
    const bool chosenAll = field(call.form, "target") != "chosen";
    html += "<h2 id=\"publish\">" + esc(w.publishTitle) + "</h2><p>" + esc(w.publishIntro) + "</p>";
    html += "<form class=\"admin-form\" method=\"post\" action=\"" + std::string(kPublishPath) + "\">" + csrfField(frame) + hidden("draft", draftId);
    html += std::string("<fieldset") + (publishError.empty() ? "" : " aria-describedby=\"publish-error\"") + "><legend>" + esc(w.publishTitle) + "</legend>";
    if (!publishError.empty()) html += "<p class=\"field-error\" id=\"publish-error\">" + esc(publishError) + "</p>";
    html += "<p><label><input type=\"radio\" name=\"target\" value=\"all\"" + std::string(chosenAll ? " checked" : "") + "> " + esc(w.targetAll) +
            "</label></p><p><label><input type=\"radio\" name=\"target\" value=\"chosen\"" + std::string(chosenAll ? "" : " checked") + "> " +
            esc(w.targetChosen) + "</label></p>";
    html += "<p><b>" + esc(w.groups) + "</b></p><div class=\"choices\">";
    if (groups.empty()) html += "<span class=\"note\">" + esc(w.noGroups) + "</span>";
    for (const auto& group : groups) {
        html += "<label><input type=\"checkbox\" name=\"group\" value=\"" + esc(group) + "\"" + chosen("group", group) + "> " + esc(group) + "</label>";
    }
    html += "</div><p><b>" + esc(w.units) + "</b></p><div class=\"choices\">";
    for (const auto& unit : *units) {
        html += "<label><input type=\"checkbox\" name=\"unit\" value=\"" + esc(unit.id) + "\"" + chosen("unit", unit.id) + "> " + esc(unit.name) +
                " <code>" + esc(unit.id) + "</code></label>";
    }
    html += "</div></fieldset><p><button type=\"submit\">" + esc(w.publishButton) + "</button></p></form>";
    html += "<form class=\"inline-form\" method=\"post\" action=\"" + std::string(kDiscardPath) + "\">" + csrfField(frame) + hidden("draft", draftId) +
            "<button type=\"submit\" class=\"danger\">" + esc(w.discardButton) + "</button></form>";
    return HttpResponse::html(status, page(frame, html));
}

HttpResponse SurveyAdminPages::publish(const AdminCall& call) {
    Frame frame = call.frame;
    const SurveyAdminTexts& w = words(frame);
    const std::string draftId = field(call.form, "draft");
    PublishTargets targets;
    targets.all = field(call.form, "target") == "all";
    if (!targets.all) {
        targets.groups = fieldValues(call.form, "group");
        targets.units = fieldValues(call.form, "unit");
    }
    if (targets.empty()) return draftPage(call, draftId, 422, std::string(w.chooseTarget));
    if (field(call.form, "confirmed") != "1") {
        auto review = m_admin.review(draftId);
        if (!review) return message(frame, 422, frame.t().badRequestTitle, review.error().message);
        if (!*review) return message(frame, 404, frame.t().notFoundTitle, std::string(w.draftMissing));
        const shared::Survey& survey = (*review)->survey;
        frame.title = fill(w.confirmPublishTitle, {survey.id, survey.version});
        std::string html = "<h1>" + esc(frame.title) + "</h1><p>" + esc(fill(w.confirmPublish, {survey.id, survey.version, targetsText(frame, targets)})) +
                           "</p><form class=\"admin-form\" method=\"post\" action=\"" + std::string(kPublishPath) + "\">" + csrfField(frame) +
                           hidden("draft", draftId) + hidden("target", targets.all ? "all" : "chosen") + hidden("confirmed", "1");
        for (const auto& group : targets.groups) html += hidden("group", group);
        for (const auto& unit : targets.units) html += hidden("unit", unit);
        html += "<div class=\"actions\"><button type=\"submit\">" + esc(w.yesPublish) + "</button><a class=\"button secondary\" href=\"" +
                std::string(kDraftPath) + "?id=" + esc(urlEncode(draftId)) + "#publish\">" + esc(w.cancel) + "</a></div></form>";
        return HttpResponse::html(200, page(frame, html));
    }
    auto published = m_admin.publish(draftId, targets, frame.user);
    if (!published) return draftPage(call, draftId, 422, fill(w.nothingPublished, {published.error().message}));
    return HttpResponse::redirect(std::string(kListPath) + "?done=published&survey=" + urlEncode(published->surveyId) + "&version=" + urlEncode(published->version) +
                    "&to=" + urlEncode(targetsText(frame, targets)));
}

HttpResponse SurveyAdminPages::discard(const AdminCall& call) {
    const std::string draftId = field(call.form, "draft");
    if (Status done = m_admin.discard(draftId, call.frame.user); !done) {
        return message(call.frame, 404, call.frame.t().notFoundTitle, std::string(words(call.frame).draftMissing));
    }
    return HttpResponse::redirect(std::string(kListPath) + "?done=discarded");
}

HttpResponse SurveyAdminPages::retire(const AdminCall& call) {
    Frame frame = call.frame;
    const SurveyAdminTexts& w = words(frame);
    const std::string survey = field(call.form, "survey");
    const std::string version = field(call.form, "version");
    if (field(call.form, "confirmed") != "1") {
        frame.title = fill(w.confirmRetireTitle, {survey, version});
        std::string html = "<h1>" + esc(frame.title) + "</h1><p>" + esc(fill(w.confirmRetire, {survey, version})) +
                           "</p><form class=\"admin-form\" method=\"post\" action=\"" + std::string(kRetirePath) + "\">" + csrfField(frame) +
                           hidden("survey", survey) + hidden("version", version) + hidden("confirmed", "1") +
                           "<div class=\"actions\"><button type=\"submit\" class=\"danger\">" + esc(w.yesRetire) +
                           "</button><a class=\"button secondary\" href=\"" + std::string(kListPath) + "\">" + esc(w.cancel) + "</a></div></form>";
        return HttpResponse::html(200, page(frame, html));
    }
    if (Status done = m_admin.retire(survey, version, frame.user); !done) return message(frame, 422, frame.t().badRequestTitle, done.message());
    return HttpResponse::redirect(std::string(kListPath) + "?done=retired&survey=" + urlEncode(survey) + "&version=" + urlEncode(version));
}

}  // namespace svarboks::server::dashboard
