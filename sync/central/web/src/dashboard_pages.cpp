#include "dashboard_pages.hpp"

#include "admin_text.hpp"

#include "svarboks/server/html.hpp"
#include "svarboks/server/svg.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace svarboks::server::dashboard {

namespace {

std::string esc(std::string_view text) { return escapeHtml(text); }

const std::string& localized(const Frame& frame, const shared::LocalizedText& text, const std::string& surveyLocale) {
    return text.text(frame.t().locale, surveyLocale.empty() ? std::string_view("da") : std::string_view(surveyLocale));
}

std::string surveyTitle(const Frame& frame, const ReportSurvey& survey) {
    const std::string& title = localized(frame, survey.title, survey.defaultLocale);
    return (title.empty() ? survey.id : title) + " (" + survey.id + " " + survey.version + ")";
}

std::string roundText(const Frame& frame, const Round& round) {
    return fill(frame.t().roundWeeks, {round.id, round.fromWeek, round.toWeek});
}

std::string periodText(const Frame& frame, const Filters& filters) {
    for (const auto& round : filters.rounds) {
        if (round.id == filters.round) return roundText(frame, round);
    }
    return filters.round;
}

std::vector<std::string> percentTicks(Language language) {
    return {percent(language, 0), percent(language, 0.25), percent(language, 0.5), percent(language, 0.75), percent(language, 1)};
}

svg::BarValue areaValue(const Frame& frame, const AreaFigures& area) {
    if (!area.respondents.shown()) return {std::nullopt, hiddenText(frame.language, area.respondents.hidden, frame.k)};
    if (!area.meanScore) return {0.0, "–"};
    return {*area.meanScore, percent(frame.language, *area.meanScore)};
}

// A table cell for a count: the number, or the hidden wording in its own class (never a number).
std::string countCell(const Frame& frame, const Count& value, std::string_view extraClass = "") {
    std::string cls = "num";
    if (!extraClass.empty()) cls += " " + std::string(extraClass);
    if (!value.shown()) return "<td class=\"" + cls + " hidden-cell\">" + esc(hiddenText(frame.language, value.hidden, frame.k)) + "</td>";
    return "<td class=\"" + cls + "\">" + esc(integer(frame.language, value.value)) + "</td>";
}

std::string hiddenCell(const Frame& frame, Hidden hidden, int colspan = 1) {
    return "<td class=\"num hidden-cell\"" + (colspan > 1 ? " colspan=\"" + std::to_string(colspan) + "\"" : std::string()) + ">" +
           esc(hiddenText(frame.language, hidden, frame.k)) + "</td>";
}

std::string groupName(const Frame& frame, const ReportRow& row) {
    return row.name.empty() && row.id.empty() ? std::string(frame.t().noGroup) : (row.name.empty() ? row.id : row.name);
}

std::string rowName(const Frame& frame, const ReportRow& row) {
    switch (row.kind) {
        case ReportRow::Kind::Total: return std::string(frame.t().municipality);
        case ReportRow::Kind::Group: return groupName(frame, row);
        case ReportRow::Kind::Unit: return row.name.empty() ? row.id : row.name;
    }
    return row.id;
}

std::string unitLink(const ReportRow& row, const Filters& filters) {
    std::string href = "/unit?id=" + urlEncode(row.id);
    const std::string query = filters.query();
    if (!query.empty()) href += "&" + query;
    return "<a href=\"" + esc(href) + "\">" + esc(row.name.empty() ? row.id : row.name) + "</a>";
}

// The area profile of several rows side by side: a chart and the same figures as a table.
std::string areaProfile(const Frame& frame, const Report& report, const std::vector<const ReportRow*>& rows,
                        const std::vector<std::string>& names, const std::string& idPrefix, std::string_view title,
                        std::string_view description) {
    const Texts& t = frame.t();
    svg::BarChart chart;
    chart.idPrefix = idPrefix;
    chart.title = std::string(title);
    chart.description = std::string(description);
    chart.series = names;
    chart.ticks = percentTicks(frame.language);
    for (std::size_t a = 0; a < report.survey.areas.size(); ++a) {
        svg::BarCategory category{localized(frame, report.survey.areas[a].title, report.survey.defaultLocale), {}};
        for (const ReportRow* row : rows) {
            category.values.push_back(a < row->areas.size() ? areaValue(frame, row->areas[a]) : svg::BarValue{0.0, "–"});
        }
        chart.categories.push_back(std::move(category));
    }
    std::string html = "<figure class=\"chart-figure\">" + svg::barChart(chart) + "</figure>";

    html += "<div class=\"table-wrap\"><table class=\"data\"><caption class=\"visually-hidden\">" + esc(title) +
            "</caption><thead><tr><th scope=\"col\" rowspan=\"2\">" +
            esc(t.area) + "</th>";
    for (const auto& name : names) html += "<th scope=\"colgroup\" colspan=\"2\">" + esc(name) + "</th>";
    html += "</tr><tr>";
    for (std::size_t i = 0; i < names.size(); ++i) {
        html += "<th scope=\"col\" class=\"num\">" + esc(t.meanScore) + "</th><th scope=\"col\" class=\"num\">" + esc(t.respondents) + "</th>";
    }
    html += "</tr></thead><tbody>";
    for (std::size_t a = 0; a < report.survey.areas.size(); ++a) {
        html += "<tr><th scope=\"row\">" + esc(localized(frame, report.survey.areas[a].title, report.survey.defaultLocale)) + "</th>";
        for (const ReportRow* row : rows) {
            if (a >= row->areas.size()) {
                html += "<td class=\"num\">–</td><td class=\"num\">–</td>";
                continue;
            }
            const AreaFigures& area = row->areas[a];
            if (!area.respondents.shown()) {
                html += hiddenCell(frame, area.respondents.hidden) + hiddenCell(frame, area.respondents.hidden);
                continue;
            }
            html += "<td class=\"num\">" + esc(area.meanScore ? percent(frame.language, *area.meanScore) : "–") + "</td>";
            html += countCell(frame, area.respondents);
        }
        html += "</tr>";
    }
    html += "</tbody></table></div>";
    return html;
}

std::string levelSection(const Frame& frame, const Report& report, const ReportRow& row) {
    const Texts& t = frame.t();
    const std::string& locale = report.survey.defaultLocale;
    svg::StackedChart chart;
    chart.idPrefix = "levels";
    chart.title = std::string(t.levelsTitle) + ": " + rowName(frame, row);
    chart.description = std::string(t.levelsDescription);
    for (const auto& level : report.survey.levels) chart.legend.push_back(localized(frame, level.title, locale));

    std::string table = "<div class=\"table-wrap\"><table class=\"data\"><caption class=\"visually-hidden\">" + esc(t.levelsTitle) +
                        "</caption><thead><tr><th scope=\"col\">" + esc(t.area) + "</th>";
    for (const auto& name : chart.legend) table += "<th scope=\"col\" class=\"num\">" + esc(name) + "</th>";
    table += "<th scope=\"col\" class=\"num\">" + esc(t.respondents) + "</th></tr></thead><tbody>";

    for (std::size_t a = 0; a < report.survey.areas.size(); ++a) {
        const std::string name = localized(frame, report.survey.areas[a].title, locale);
        table += "<tr><th scope=\"row\">" + esc(name) + "</th>";
        svg::StackedRow stacked{name, std::nullopt, ""};
        const AreaFigures* area = a < row.areas.size() ? &row.areas[a] : nullptr;
        if (area == nullptr || !area->respondents.shown() || area->respondents.value <= 0 ||
            area->levels.size() != report.survey.levels.size()) {
            const Hidden hidden = area == nullptr || area->respondents.shown() ? Hidden::FewerThanK : area->respondents.hidden;
            stacked.hiddenLabel = hiddenText(frame.language, hidden, frame.k);
            table += hiddenCell(frame, hidden, static_cast<int>(chart.legend.size()) + 1);
        } else {
            std::vector<svg::StackedSegment> segments;
            const double total = static_cast<double>(area->respondents.value);
            for (const std::int64_t n : area->levels) {
                const double share = static_cast<double>(n) / total;
                segments.push_back({share, percent(frame.language, share)});
                table += "<td class=\"num\">" + esc(integer(frame.language, n)) + " <span class=\"share\">(" +
                         esc(percent(frame.language, share)) + ")</span></td>";
            }
            stacked.segments = std::move(segments);
            table += countCell(frame, area->respondents);
        }
        table += "</tr>";
        chart.rows.push_back(std::move(stacked));
    }
    table += "</tbody></table></div>";
    return "<figure class=\"chart-figure\">" + svg::stackedChart(chart) + "</figure>" + table;
}

std::string questionSection(const Frame& frame, const Report& report, const ReportRow& row) {
    const Texts& t = frame.t();
    const std::string& locale = report.survey.defaultLocale;
    if (report.survey.questions.empty()) return "<p>" + esc(t.noQuestions) + "</p>";
    std::string html = "<div class=\"questions\">";
    for (std::size_t q = 0; q < report.survey.questions.size(); ++q) {
        const QuestionInfo& question = report.survey.questions[q];
        const std::string& title = localized(frame, question.title, locale);
        html += "<div class=\"question\"><h3>" + esc(title.empty() ? question.name : title) + "</h3>";
        if (q >= row.questions.size()) {
            html += "<p class=\"answered\">–</p></div>";
            continue;
        }
        const QuestionFigures& figures = row.questions[q];
        if (!figures.respondents.shown()) {
            html += "<p class=\"answered\">" + esc(fill(t.answeredBy, {""})) + "<span class=\"hidden-word\">" +
                    esc(hiddenText(frame.language, figures.respondents.hidden, frame.k)) + "</span></p></div>";
            continue;
        }
        html += "<p class=\"answered\">" + esc(fill(t.answeredBy, {integer(frame.language, figures.respondents.value)})) + "</p>";
        if (question.multiple) html += "<p class=\"note\">" + esc(t.multipleNote) + "</p>";
        html += "<table class=\"data distribution\"><caption class=\"visually-hidden\">" + esc(title) + "</caption><thead><tr><th scope=\"col\">" +
                esc(t.choice) + "</th><th scope=\"col\" class=\"num\">" + esc(t.respondents) + "</th><th scope=\"col\" class=\"num\">" +
                esc(t.share) + "</th><th scope=\"col\" class=\"bar-col\"><span class=\"visually-hidden\">" + esc(t.share) +
                "</span></th></tr></thead><tbody>";
        const double total = static_cast<double>(std::max<std::int64_t>(1, figures.respondents.value));
        for (std::size_t c = 0; c < question.choices.size(); ++c) {
            const ChoiceInfo& choice = question.choices[c];
            const std::string& text = localized(frame, choice.text, locale);
            const std::int64_t n = c < figures.choices.size() ? figures.choices[c] : 0;
            const double share = static_cast<double>(n) / total;
            html += "<tr><th scope=\"row\">" + esc(text.empty() ? choice.value : text) + "</th><td class=\"num\">" +
                    esc(integer(frame.language, n)) + "</td><td class=\"num\">" + esc(percent(frame.language, share)) +
                    "</td><td class=\"bar-col\">" + svg::miniBar(share) + "</td></tr>";
        }
        html += "</tbody></table></div>";
    }
    return html + "</div>";
}

std::map<std::string, std::string> languageNames(const Texts& t) {
    std::map<std::string, std::string> names;
    std::string_view rest = t.languageNames;
    while (!rest.empty()) {
        const auto semicolon = rest.find(';');
        const std::string_view pair = rest.substr(0, semicolon);
        const auto equals = pair.find('=');
        if (equals != std::string_view::npos) names.emplace(std::string(pair.substr(0, equals)), std::string(pair.substr(equals + 1)));
        if (semicolon == std::string_view::npos) break;
        rest.remove_prefix(semicolon + 1);
    }
    return names;
}

// The round of a filter form: only released rounds exist to choose (report.hpp), so no free week range.
std::string roundField(const Frame& frame, const Filters& filters) {
    std::string html = "<div class=\"field\"><label for=\"f-round\">" + esc(frame.t().round) + "</label><select id=\"f-round\" name=\"round\">";
    for (auto round = filters.rounds.rbegin(); round != filters.rounds.rend(); ++round) {
        html += "<option value=\"" + esc(round->id) + "\"" + (round->id == filters.round ? " selected" : "") + ">" + esc(roundText(frame, *round)) + "</option>";
    }
    return html + "</select></div>";
}

std::string paragraphs(std::string_view text) {
    std::string html;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find("\n\n", start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view paragraph = text.substr(start, end - start);
        while (!paragraph.empty() && (paragraph.front() == '\n' || paragraph.front() == ' ')) paragraph.remove_prefix(1);
        if (!paragraph.empty()) html += "<p>" + esc(paragraph) + "</p>";
        start = end + 2;
    }
    return html;
}

}  // namespace

std::string Filters::query() const {
    std::string query;
    const auto add = [&](std::string_view name, const std::string& value) {
        if (value.empty()) return;
        query += (query.empty() ? "" : "&") + std::string(name) + "=" + urlEncode(value);
    };
    if (!surveyId.empty()) add("survey", version.empty() ? surveyId : surveyId + "@" + version);
    add("round", round);
    return query;
}

std::string page(const Frame& frame, const std::string& main) {
    const Texts& t = frame.t();
    std::string html;
    html.reserve(main.size() + 4096);
    html += "<!DOCTYPE html>\n<html lang=\"" + std::string(t.htmlLang) + "\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
            "<title>" + esc(frame.title) + " · " + std::string(t.product) + "</title>"
            "<link rel=\"stylesheet\" href=\"/static/dashboard.css\"><link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\"></head><body>";
    html += "<a class=\"skip\" href=\"#main\">" + esc(t.skipToContent) + "</a>";
    html += "<header class=\"top\"><div class=\"top-inner\"><a class=\"brand\" href=\"/\">" + std::string(t.product) + "</a>";
    if (!frame.user.empty()) {
        html += "<nav aria-label=\"" + esc(t.mainNavigation) + "\"><ul>";
        const std::pair<const char*, std::string_view> items[] = {{"overview", t.navOverview}, {"compare", t.navCompare}, {"surveys", t.navSurveys},
                                                                  {"dead-letters", t.navDeadLetters}, {"audit", t.navAudit},
                                                                  {"admin", adminTexts(frame.language).navAdmin}};
        for (const auto& [id, label] : items) {
            const std::string_view item(id);
            if (!frame.administrator && (item == "dead-letters" || item == "audit" || item == "admin")) continue;
            const std::string href = std::string(id) == "overview" ? "/" : "/" + std::string(id);
            html += "<li><a href=\"" + href + "\"" + (frame.active == id ? " aria-current=\"page\"" : "") + ">" + esc(label) + "</a></li>";
        }
        html += "</ul></nav>";
    }
    const std::string otherLocale = frame.language == Language::Danish ? "en" : "da";
    html += "<div class=\"account\"><a class=\"language\" href=\"/language?to=" + otherLocale + "&amp;return=" + esc(urlEncode(frame.selfUrl)) +
            "\" lang=\"" + otherLocale + "\" hreflang=\"" + otherLocale + "\">" + esc(t.otherLanguage) + "</a>";
    if (!frame.user.empty()) {
        html += "<span class=\"who\">" + esc(fill(t.signedInAs, {frame.user})) + "</span><a class=\"password\" href=\"/account/password\"" +
                (frame.active == "password" ? " aria-current=\"page\"" : "") + ">" + esc(t.navPassword) + "</a>"
                "<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"" + esc(frame.csrf) +
                "\"><button type=\"submit\">" + esc(t.signOut) + "</button></form>";
    }
    html += "</div></div></header><main id=\"main\">" + main + "</main>";
    if (frame.legend) {
        const std::string k = std::to_string(frame.k);
        html += "<footer class=\"legend\"><h2>" + esc(t.legendTitle) + "</h2><dl><dt><span class=\"hidden-word\">" +
                esc(fill(t.fewerThan, {k})) + "</span></dt><dd>" + esc(fill(t.legendFewer, {k, k})) + "</dd><dt><span class=\"hidden-word\">" +
                esc(t.hiddenWord) + "</span></dt><dd>" + esc(t.legendSecondary) + "</dd></dl></footer>";
    }
    html += "</body></html>\n";
    return html;
}

std::string filterForm(const Frame& frame, const std::vector<SurveyChoice>& surveys, const Filters& filters, const std::string& action,
                       const std::vector<std::pair<std::string, std::string>>& hidden) {
    const Texts& t = frame.t();
    std::string html = "<form class=\"filters\" method=\"get\" action=\"" + esc(action) + "\"><fieldset><legend>" + esc(t.filters) + "</legend>";
    for (const auto& [name, value] : hidden) html += "<input type=\"hidden\" name=\"" + esc(name) + "\" value=\"" + esc(value) + "\">";
    html += "<div class=\"field\"><label for=\"f-survey\">" + esc(t.survey) + "</label><select id=\"f-survey\" name=\"survey\">";
    for (const auto& survey : surveys) {
        const std::string value = survey.id + "@" + survey.version;
        const bool selected = survey.id == filters.surveyId && survey.version == filters.version;
        html += "<option value=\"" + esc(value) + "\"" + (selected ? " selected" : "") + ">" +
                esc((survey.title.empty() ? survey.id : survey.title) + " " + survey.version) + "</option>";
    }
    html += "</select></div>";
    html += roundField(frame, filters);
    html += "<div class=\"field field-button\"><button type=\"submit\">" + esc(t.show) + "</button></div></fieldset></form>";
    return html;
}

std::string loginMain(const Frame& frame, const LoginView& view) {
    const Texts& t = frame.t();
    std::string html = "<div class=\"login\"><h1>" + esc(t.signInTitle) + "</h1><p>" + esc(fill(t.signInIntro, {std::to_string(frame.k)})) + "</p>";
    if (!view.message.empty()) {
        html += std::string("<p class=\"") + (view.error ? "message error" : "message") + "\" role=\"" + (view.error ? "alert" : "status") + "\">" +
                esc(view.message) + "</p>";
    }
    html += "<form method=\"post\" action=\"/login\" class=\"login-form\">";
    if (!view.next.empty()) html += "<input type=\"hidden\" name=\"next\" value=\"" + esc(view.next) + "\">";
    html += "<div class=\"field\"><label for=\"l-user\">" + esc(t.userName) + "</label><input id=\"l-user\" name=\"user\" type=\"text\" "
            "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required maxlength=\"64\" value=\"" + esc(view.userName) + "\"" +
            (view.userName.empty() ? " autofocus" : "") + "></div>";
    html += "<div class=\"field\"><label for=\"l-password\">" + esc(t.password) + "</label><input id=\"l-password\" name=\"password\" "
            "type=\"password\" autocomplete=\"current-password\" required maxlength=\"1024\"" + (view.userName.empty() ? "" : " autofocus") + "></div>";
    html += "<button type=\"submit\">" + esc(t.signIn) + "</button></form></div>";
    return html;
}

std::string overviewMain(const Frame& frame, const OverviewView& view, const std::vector<Unit>& units) {
    const Texts& t = frame.t();
    std::string html = "<h1>" + esc(t.overviewTitle) + "</h1>";
    if (view.surveys.empty()) {
        html += "<p class=\"message\">" + esc(t.noSurvey) + "</p>";
    } else if (view.report == nullptr) {
        html += "<p class=\"message\" id=\"no-round\">" + esc(t.noRound) + "</p>";
    } else {
        html += filterForm(frame, view.surveys, view.filters, "/", {});
    }
    const Report* report = view.report;

    html += "<section class=\"stats\" aria-label=\"" + esc(t.overviewTitle) + "\"><ul>";
    // A unit leader's report has no municipality row (Dashboard::restrict): no total to show then.
    const ReportRow* municipality = report == nullptr ? nullptr : report->find(ReportRow::Kind::Total, "");
    if (municipality != nullptr) {
        html += "<li><span class=\"stat-value\">" + esc(count(frame.language, municipality->respondents, frame.k)) +
                "</span> <span class=\"stat-label\">" + esc(t.statRespondents) + "</span></li>";
    }
    html += "<li><span class=\"stat-value\">" + esc(integer(frame.language, static_cast<std::int64_t>(view.unitTotal))) +
            "</span> <span class=\"stat-label\">" + esc(t.statUnits) + "</span></li>";
    html += "<li><span class=\"stat-value\">" + esc(integer(frame.language, static_cast<std::int64_t>(view.kioskTotal))) +
            "</span> <span class=\"stat-label\">" + esc(t.statKiosks) + "</span></li>";
    if (frame.administrator) {
        html += "<li><a href=\"/dead-letters\"><span class=\"stat-value\">" + esc(integer(frame.language, static_cast<std::int64_t>(view.deadLetters))) +
                "</span> <span class=\"stat-label\">" + esc(t.statDeadLetters) + "</span></a></li>";
    }
    html += "</ul></section>";


    if (report != nullptr) {
        html += "<p class=\"survey-line\">" + esc(t.survey) + ": <strong>" + esc(surveyTitle(frame, report->survey)) + "</strong> · " + esc(t.period) +
                ": " + esc(periodText(frame, view.filters)) + "</p>";
        // Participation: units x the last weeks of the range. Groups and the municipality get totals only.
        const std::size_t weekCount = report->weeks.size();
        const std::size_t firstWeek = weekCount > view.maxWeeks ? weekCount - view.maxWeeks : 0;
        const std::size_t shownWeeks = weekCount - firstWeek;
        html += "<section id=\"participation\"><h2>" + esc(t.participationTitle) + "</h2><p>" + esc(t.participationIntro) + "</p>";
        if (weekCount == 0) html += "<p class=\"note\">" + esc(t.noWeeks) + "</p>";
        if (firstWeek > 0) {
            html += "<p class=\"note\">" + esc(fill(t.weeksShownNote, {std::to_string(shownWeeks), std::to_string(weekCount)})) + "</p>";
        }
        html += "<div class=\"table-wrap\"><table class=\"data participation\"><caption class=\"visually-hidden\">" + esc(t.participationTitle) +
                "</caption><thead><tr><th scope=\"col\">" + esc(t.unit) + "</th><th scope=\"col\" class=\"num\">" + esc(t.total) + "</th>";
        for (std::size_t w = firstWeek; w < weekCount; ++w) {
            const std::string& week = report->weeks[w];
            const auto dash = week.find('-');
            html += "<th scope=\"col\" class=\"num week\"><span class=\"year\">" + esc(week.substr(0, dash)) + "</span> " +
                    esc(dash == std::string::npos ? week : week.substr(dash + 1)) + "</th>";
        }
        html += "</tr></thead><tbody>";
        for (const ReportRow& row : report->rows) {
            switch (row.kind) {
                case ReportRow::Kind::Total:
                    html += "<tr class=\"row-total\"><th scope=\"row\">" + esc(t.municipality) + "</th>" + countCell(frame, row.respondents);
                    break;
                case ReportRow::Kind::Group:
                    html += "<tr class=\"row-group\"><th scope=\"row\">" + esc(groupName(frame, row)) + "</th>" + countCell(frame, row.respondents);
                    break;
                case ReportRow::Kind::Unit:
                    html += "<tr class=\"row-unit\"><th scope=\"row\">" + unitLink(row, view.filters) + "</th>" + countCell(frame, row.respondents, "unit-total");
                    break;
            }
            if (shownWeeks > 0) {
                if (row.kind != ReportRow::Kind::Unit) {
                    html += "<td class=\"no-weeks\" colspan=\"" + std::to_string(shownWeeks) + "\"></td>";
                } else {
                    for (std::size_t w = firstWeek; w < weekCount; ++w) {
                        html += w < row.weeks.size() ? countCell(frame, row.weeks[w]) : std::string("<td class=\"num\">–</td>");
                    }
                }
            }
            html += "</tr>";
        }
        html += "</tbody></table></div></section>";

        if (municipality != nullptr && !report->survey.areas.empty()) {
            html += "<section id=\"profile\"><h2>" + esc(t.profileTitle) + "</h2>" +
                    areaProfile(frame, *report, {municipality}, {std::string(t.municipality)}, "profile", t.profileTitle,
                                t.profileDescription) +
                    "</section>";
        }
    }

    // Collection under way: words only. Any count of what no released round holds (even in steps of k)
    // drops at a release by what the round froze, and so bounds the figures it hides (docs/anonymity.md).
    html += "<section id=\"collection\"><h2>" + esc(t.collectionTitle) + "</h2><p>" + esc(t.collectionIntro) + "</p></section>";

    // Kiosks, the stalest first.
    std::map<std::string, std::string> unitNames;
    for (const auto& unit : units) unitNames.emplace(unit.id, unit.name);
    html += "<section id=\"kiosks\"><h2>" + esc(t.kiosks) + "</h2>";
    if (view.kioskTotal == 0) {
        html += "<p>" + esc(t.kiosksNone) + "</p>";
    } else {
        if (view.kiosks.size() < view.kioskTotal) {
            html += "<p class=\"note\">" + esc(fill(t.kiosksStaleNote, {std::to_string(view.kiosks.size()), std::to_string(view.kioskTotal)})) + "</p>";
        }
        html += "<div class=\"table-wrap\"><table class=\"data\"><caption class=\"visually-hidden\">" + esc(t.kiosks) + "</caption><thead><tr><th scope=\"col\">" +
                esc(t.unit) + "</th><th scope=\"col\">" + esc(t.kioskDevice) + "</th><th scope=\"col\">" + esc(t.kioskEnrolled) +
                "</th><th scope=\"col\">" + esc(t.kioskLastSeen) + "</th><th scope=\"col\">" + esc(t.kioskState) + "</th></tr></thead><tbody>";
        for (const Device& device : view.kiosks) {
            const auto name = unitNames.find(device.unitId);
            html += "<tr><td>" + esc(name == unitNames.end() ? device.unitId : name->second) + "</td><td><code>" + esc(device.id.substr(0, 8)) +
                    "</code></td><td>" + esc(device.enrolledOn) + "</td><td>" + esc(device.lastSeenOn.empty() ? std::string(t.never) : device.lastSeenOn) +
                    "</td><td>" + esc(device.revoked ? t.revoked : t.active) + "</td></tr>";
        }
        html += "</tbody></table></div>";
    }
    html += "</section>";

    if (frame.administrator) {
        html += "<section id=\"dead-letters\"><h2>" + esc(fill(t.deadLetterCount, {integer(frame.language, static_cast<std::int64_t>(view.deadLetters))})) +
                "</h2><p><a href=\"/dead-letters\">" + esc(t.seeDeadLetters) + "</a></p></section>";
    }

    const std::string filterQuery = view.filters.query();
    const std::string reportQuery = filterQuery.empty() ? "" : "&" + filterQuery;
    html += "<section id=\"downloads\"><h2>" + esc(t.downloads) + "</h2><p>" + esc(t.downloadsIntro) + "</p><ul class=\"downloads\">";
    if (report != nullptr && view.recordLevel) {
        // Each with its codebook (codebook.hpp): what every column means, in Danish and English.
        for (const auto& [format, label] : {std::pair{"csv", t.downloadResponsesCsv}, std::pair{"csv-da", t.downloadResponsesDanish},
                                            std::pair{"jsonl", t.downloadResponsesJsonl}}) {
            const std::string query = std::string("?format=") + format + reportQuery;
            html += "<li><a href=\"" + esc("/download/responses" + query) + "\" download>" + esc(label) + "</a> &middot; <a href=\"" +
                    esc("/download/codebook" + query) + "\" download class=\"codebook\" aria-label=\"" + esc(fill(t.codebookOf, {label})) +
                    "\">" + esc(t.codebook) + "</a></li>";
        }
    }
    if (report != nullptr) {
        html += "<li><a href=\"" + esc("/download/report?format=csv" + reportQuery) + "\" download>" + esc(t.downloadReportCsv) + "</a></li>";
        html += "<li><a href=\"" + esc("/download/report?format=csv-da" + reportQuery) + "\" download>" + esc(t.downloadReportDanish) + "</a></li>";
    }
    html += "</ul></section>";
    return html;
}

std::string unitMain(const Frame& frame, const UnitView& view) {
    const Texts& t = frame.t();
    const Report& report = *view.report;
    const ReportRow* unit = report.find(ReportRow::Kind::Unit, view.unitId);
    if (unit == nullptr) return "<h1>" + esc(t.notFoundTitle) + "</h1><p>" + esc(t.unknownUnit) + "</p><p><a href=\"/\">" + esc(t.backToOverview) + "</a></p>";
    const ReportRow* group = unit->group.empty() ? nullptr : report.find(ReportRow::Kind::Group, unit->group);
    const ReportRow* total = report.find(ReportRow::Kind::Total, "");
    const std::string name = rowName(frame, *unit);

    std::string html = "<div class=\"print-head\"><p class=\"print-title\">" + esc(fill(t.reportFor, {name})) + "</p><p>" + esc(t.survey) + ": " +
                       esc(surveyTitle(frame, report.survey)) + " · " + esc(t.period) + ": " + esc(periodText(frame, view.filters)) + " · " +
                       esc(fill(t.anonymityK, {std::to_string(frame.k)})) + " (k = " + std::to_string(frame.k) + ") · " +
                       esc(fill(t.printedOn, {view.today})) + "</p></div>";
    html += "<h1>" + esc(name) + "</h1><p class=\"meta\">";
    if (!unit->group.empty()) html += esc(t.group) + ": " + esc(group != nullptr ? groupName(frame, *group) : unit->group) + " · ";
    html += esc(t.respondents) + ": <strong class=\"respondents";
    html += unit->respondents.shown() ? "\">" + esc(integer(frame.language, unit->respondents.value))
                                      : " hidden-word\">" + esc(hiddenText(frame.language, unit->respondents.hidden, frame.k));
    html += "</strong> · " + esc(t.survey) + ": " + esc(surveyTitle(frame, report.survey)) + " · " + esc(t.period) + ": " +
            esc(periodText(frame, view.filters)) + "</p>";
    html += filterForm(frame, view.surveys, view.filters, "/unit", {{"id", view.unitId}});
    html += "<p class=\"hint screen-only\">" + esc(t.printHint) + "</p>";

    if (!report.survey.areas.empty()) {
        std::vector<const ReportRow*> rows{unit};
        std::vector<std::string> names{name};
        if (group != nullptr) {
            rows.push_back(group);
            names.push_back(groupName(frame, *group));
        }
        if (total != nullptr) {
            rows.push_back(total);
            names.push_back(std::string(t.municipality));
        }
        html += "<section class=\"report-section\" id=\"profile\"><h2>" + esc(t.unitProfileTitle) + "</h2>" +
                areaProfile(frame, report, rows, names, "profile", std::string(t.unitProfileTitle) + ": " + name, t.unitProfileDescription) +
                "</section>";
        if (!report.survey.levels.empty()) {
            html += "<section class=\"report-section\" id=\"levels\"><h2>" + esc(t.levelsTitle) + "</h2>" + levelSection(frame, report, *unit) + "</section>";
        }
    }
    html += "<section class=\"report-section\" id=\"questions\"><h2>" + esc(t.questionsTitle) + "</h2>" + questionSection(frame, report, *unit) + "</section>";
    return html;
}

std::string compareMain(const Frame& frame, const CompareView& view) {
    const Texts& t = frame.t();
    std::string html = "<h1>" + esc(t.compareTitle) + "</h1><p>" + esc(t.compareIntro) + "</p>";
    html += "<form class=\"filters\" method=\"get\" action=\"/compare\"><fieldset><legend>" + esc(t.navCompare) + "</legend>";
    for (std::size_t i = 0; i < 4; ++i) {
        const std::string chosen = i < view.chosen.size() ? view.chosen[i] : "";
        const std::string id = "c-unit-" + std::to_string(i + 1);
        html += "<div class=\"field\"><label for=\"" + id + "\">" + esc(fill(t.compareUnitN, {std::to_string(i + 1)})) + "</label><select id=\"" + id +
                "\" name=\"unit\"><option value=\"\">" + esc(t.compareNone) + "</option>";
        for (const auto& unit : view.units) {
            html += "<option value=\"" + esc(unit.id) + "\"" + (unit.id == chosen ? " selected" : "") + ">" + esc(unit.name.empty() ? unit.id : unit.name) +
                    "</option>";
        }
        html += "</select></div>";
    }
    html += "</fieldset>";
    // The report filters travel in the same form, so that one "Show" applies both.
    html += "<fieldset><legend>" + esc(t.filters) + "</legend><div class=\"field\"><label for=\"f-survey\">" + esc(t.survey) +
            "</label><select id=\"f-survey\" name=\"survey\">";
    for (const auto& survey : view.surveys) {
        const bool selected = survey.id == view.filters.surveyId && survey.version == view.filters.version;
        html += "<option value=\"" + esc(survey.id + "@" + survey.version) + "\"" + (selected ? " selected" : "") + ">" +
                esc((survey.title.empty() ? survey.id : survey.title) + " " + survey.version) + "</option>";
    }
    html += "</select></div>" + roundField(frame, view.filters) + "<div class=\"field field-button\"><button type=\"submit\">" + esc(t.show) +
            "</button></div></fieldset></form>";

    if (view.report == nullptr) return html;
    std::vector<const ReportRow*> rows;
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& id : view.chosen) {
        if (id.empty() || !seen.insert(id).second) continue;
        const ReportRow* row = view.report->find(ReportRow::Kind::Unit, id);
        if (row == nullptr) continue;
        rows.push_back(row);
        names.push_back(rowName(frame, *row));
    }
    if (rows.size() < 2) return html + "<p class=\"message\">" + esc(t.compareChoose) + "</p>";

    html += "<p class=\"survey-line\">" + esc(t.survey) + ": <strong>" + esc(surveyTitle(frame, view.report->survey)) + "</strong> · " + esc(t.period) +
            ": " + esc(periodText(frame, view.filters)) + "</p>";
    html += "<section class=\"report-section\"><h2>" + esc(t.respondents) + "</h2><div class=\"table-wrap\"><table class=\"data\"><caption class=\"visually-hidden\">" +
            esc(t.respondents) + "</caption><thead><tr>";
    for (const auto& name : names) html += "<th scope=\"col\" class=\"num\">" + esc(name) + "</th>";
    html += "</tr></thead><tbody><tr>";
    for (const ReportRow* row : rows) html += countCell(frame, row->respondents);
    html += "</tr></tbody></table></div></section>";
    if (!view.report->survey.areas.empty()) {
        html += "<section class=\"report-section\"><h2>" + esc(t.compareChartTitle) + "</h2>" +
                areaProfile(frame, *view.report, rows, names, "compare", t.compareChartTitle, t.compareChartDescription) + "</section>";
    }
    return html;
}

std::string surveysMain(const Frame& frame, const std::vector<SurveyView>& surveys, const std::vector<Unit>& units) {
    const Texts& t = frame.t();
    std::string html = "<h1>" + esc(t.surveysTitle) + "</h1><p>" + esc(t.surveysIntro) + "</p>";
    if (frame.administrator) {
        html += std::string("<p><a href=\"/admin/surveys\">") +
                (frame.language == Language::Danish ? "Upload, se, udgiv og træk spørgeskemaer tilbage" : "Upload, preview, publish and retire surveys") +
                "</a></p>";
    }
    if (surveys.empty()) return html + "<p class=\"message\">" + esc(t.surveysNone) + "</p>";
    std::map<std::string, std::string> unitNames;
    for (const auto& unit : units) unitNames.emplace(unit.id, unit.name);
    const auto names = languageNames(t);
    // Newest publication first: the one kiosks are most likely showing.
    for (auto it = surveys.rbegin(); it != surveys.rend(); ++it) {
        const SurveyView& survey = *it;
        const std::string& title = survey.title.text(t.locale, survey.defaultLocale);
        html += "<section class=\"survey\"><h2>" + esc(title.empty() ? survey.published.surveyId : title) + " <span class=\"version\">(" +
                esc(survey.published.surveyId + " " + survey.published.version) + ")</span></h2><dl class=\"facts\"><dt>" + esc(t.publishedTo) + "</dt><dd>";
        std::string assigned;
        for (const auto& unit : survey.published.units) {
            const auto name = unitNames.find(unit);
            assigned += (assigned.empty() ? "" : ", ") +
                        (unit == kAllUnits ? std::string(t.everyUnit) : name == unitNames.end() ? unit : name->second);
        }
        for (const auto& group : survey.published.groups) assigned += (assigned.empty() ? "" : ", ") + fill("{} (" + std::string(t.group) + ")", {group});
        html += esc(assigned) + "</dd><dt>" + esc(t.definitionDigest) + "</dt><dd><code>" + esc(survey.published.definitionSha256) + "</code></dd><dt>" +
                esc(t.consentDigest) + "</dt><dd><code>" + esc(survey.published.consentSha256) + "</code></dd></dl>";
        if (!survey.problem.empty()) html += "<p class=\"message error\">" + esc(survey.problem) + "</p>";
        for (const auto& locale : survey.locales) {
            const auto name = names.find(locale);
            html += "<h3>" + esc(fill(t.consentText, {name == names.end() ? locale : name->second})) + "</h3><div class=\"consent\" lang=\"" + esc(locale) +
                    "\">" + paragraphs(survey.consent.text(locale, survey.defaultLocale)) + "</div>";
        }
        html += "</section>";
    }
    return html;
}

std::string auditMain(const Frame& frame, const std::vector<AuditEntry>& entries) {
    const Texts& t = frame.t();
    std::string html = "<h1>" + esc(t.auditTitle) + "</h1><p>" + esc(t.auditIntro) + "</p>";
    if (entries.empty()) return html + "<p class=\"note\">" + esc(t.auditNone) + "</p>";
    html += "<div class=\"table-wrap\"><table class=\"data\" id=\"audit\"><caption class=\"visually-hidden\">" + esc(t.auditTitle) +
            "</caption><thead><tr><th scope=\"col\">" + esc(t.auditWhen) + "</th><th scope=\"col\">" + esc(t.auditUser) + "</th><th scope=\"col\">" +
            esc(t.auditAction) + "</th><th scope=\"col\">" + esc(t.auditWhat) + "</th><th scope=\"col\" class=\"num\">" + esc(t.auditRows) +
            "</th></tr></thead><tbody>";
    for (const auto& entry : entries) {
        html += "<tr><td>" + esc(entry.at) + "</td><td>" + esc(entry.userName) + "</td><td>" + esc(entry.action) + "</td><td>" + esc(entry.detail) +
                "</td><td class=\"num\">" + esc(integer(frame.language, entry.rows)) + "</td></tr>";
    }
    return html + "</tbody></table></div>";
}

std::string deadLettersMain(const Frame& frame, const std::vector<DeadLetter>& letters, std::size_t shown) {
    const Texts& t = frame.t();
    std::string html = "<h1>" + esc(t.deadLettersTitle) + "</h1><p>" + esc(t.deadLettersIntro) + "</p>";
    if (letters.empty()) return html + "<p class=\"message\">" + esc(t.deadLettersNone) + "</p>";
    if (shown < letters.size()) html += "<p class=\"note\">" + esc(fill(t.deadLettersCapped, {std::to_string(shown), std::to_string(letters.size())})) + "</p>";
    html += "<div class=\"table-wrap\"><table class=\"data dead-letters\"><caption class=\"visually-hidden\">" + esc(t.deadLettersTitle) +
            "</caption><thead><tr><th scope=\"col\">" + esc(t.responseId) + "</th><th scope=\"col\">" + esc(t.weekReceived) + "</th><th scope=\"col\">" +
            esc(t.reason) + "</th></tr></thead><tbody>";
    for (std::size_t i = 0; i < std::min(shown, letters.size()); ++i) {
        const DeadLetter& letter = letters[i];
        html += "<tr><td><code>" + esc(letter.id) + "</code></td><td>" + esc(letter.receivedWeek) + "</td><td>" + esc(letter.reason) + "</td></tr>";
    }
    html += "</tbody></table></div>";
    return html;
}

std::string messageMain(const Frame& frame, const std::string& heading, const std::string& message) {
    std::string html = "<h1>" + esc(heading) + "</h1><p class=\"message\">" + esc(message) + "</p>";
    if (!frame.user.empty()) html += "<p><a href=\"/\">" + esc(frame.t().backToOverview) + "</a></p>";
    return html;
}

}  // namespace svarboks::server::dashboard
