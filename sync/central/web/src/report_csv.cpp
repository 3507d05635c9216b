#include "svarboks/server/report_csv.hpp"

#include "dashboard_text.hpp"

#include <algorithm>
#include <string>

namespace svarboks::server {

namespace {

std::string_view kindName(ReportRow::Kind kind, const ReportWords& words) {
    switch (kind) {
        case ReportRow::Kind::Total: return words.municipality;
        case ReportRow::Kind::Group: return words.group;
        case ReportRow::Kind::Unit: return words.unit;
    }
    return words.unit;
}

}  // namespace

bool writeReportCsv(const Report& report, CsvWriter& csv, std::string_view locale, ReportHeaders headers) {
    const auto language = locale == "da" ? dashboard::Language::Danish : dashboard::Language::English;
    const auto hidden = [&](Hidden why) { csv.text(dashboard::hiddenText(language, why, report.k)); };
    const auto figure = [&](const Count& count) {
        if (count.shown()) csv.integer(count.value);
        else hidden(count.hidden);
    };
    const ReportSurvey& survey = report.survey;
    const bool titles = headers == ReportHeaders::Titles;
    const ReportWords& words = reportWords(titles ? locale : "en");
    const auto text = [&](const shared::LocalizedText& t) { return t.text(locale, survey.defaultLocale); };
    const auto word = [](std::string_view w) { return std::string(w); };

    if (titles) {
        for (const std::string_view name : {words.kind, words.group, words.unit, words.name, words.respondents}) csv.text(name);
    } else {
        for (const char* name : {"kind", "group", "unit", "name", "respondents"}) csv.text(name);
    }
    for (const auto& area : survey.areas) {
        if (titles) {
            csv.text(text(area.title) + ": " + word(words.respondents));
            csv.text(text(area.title) + ": " + word(words.mean));
            for (const auto& level : survey.levels) csv.text(text(area.title) + ": " + text(level.title));
        } else {
            csv.text("area:" + area.id + ":respondents");
            csv.text("area:" + area.id + ":mean");
            for (const auto& level : survey.levels) csv.text("area:" + area.id + ":level:" + level.id);
        }
    }
    for (const auto& week : report.weeks) csv.text(titles ? word(words.week) + " " + week : "week:" + week);
    const bool questions = std::any_of(report.rows.begin(), report.rows.end(), [](const ReportRow& row) { return !row.questions.empty(); });
    if (questions) {
        for (const auto& question : survey.questions) {
            if (titles) {
                csv.text(question.name + ": " + word(words.respondents));
                for (const auto& choice : question.choices) csv.text(question.name + ": " + text(choice.text));
            } else {
                csv.text("question:" + question.name + ":respondents");
                for (const auto& choice : question.choices) csv.text("question:" + question.name + ":choice:" + choice.value);
            }
        }
    }
    if (!csv.endRow()) return false;

    for (const ReportRow& row : report.rows) {
        csv.text(kindName(row.kind, words));
        csv.text(row.kind == ReportRow::Kind::Unit ? row.group : row.kind == ReportRow::Kind::Group ? row.id : std::string());
        csv.text(row.kind == ReportRow::Kind::Unit ? row.id : std::string());
        csv.text(row.name);
        figure(row.respondents);
        for (std::size_t a = 0; a < survey.areas.size(); ++a) {
            const AreaFigures* area = a < row.areas.size() ? &row.areas[a] : nullptr;
            if (area == nullptr) {
                for (std::size_t i = 0; i < 2 + survey.levels.size(); ++i) csv.empty();
                continue;
            }
            figure(area->respondents);
            if (!area->respondents.shown()) {
                for (std::size_t i = 0; i < 1 + survey.levels.size(); ++i) hidden(area->respondents.hidden);
                continue;
            }
            if (area->meanScore) csv.number(*area->meanScore, 3);
            else csv.empty();
            for (std::size_t l = 0; l < survey.levels.size(); ++l) {
                if (l < area->levels.size()) csv.integer(area->levels[l]);
                else csv.empty();
            }
        }
        for (std::size_t w = 0; w < report.weeks.size(); ++w) {
            if (w < row.weeks.size()) figure(row.weeks[w]);
            else csv.empty();
        }
        if (questions) {
            for (std::size_t q = 0; q < survey.questions.size(); ++q) {
                const std::size_t choices = survey.questions[q].choices.size();
                if (q >= row.questions.size()) {
                    for (std::size_t i = 0; i < 1 + choices; ++i) csv.empty();
                    continue;
                }
                const QuestionFigures& figures = row.questions[q];
                figure(figures.respondents);
                for (std::size_t c = 0; c < choices; ++c) {
                    if (!figures.respondents.shown()) hidden(figures.respondents.hidden);
                    else if (c < figures.choices.size()) csv.integer(figures.choices[c]);
                    else csv.empty();
                }
            }
        }
        if (!csv.endRow()) return false;
    }
    return csv.flush();
}

}  // namespace svarboks::server
