#include "svarboks/server/report_format.hpp"

#include <cmath>
#include <cstdio>
#include <variant>

namespace svarboks::server {

namespace {

// One cell of a formatted report: text, a whole number, a percentage, or a hidden figure.
struct Percent {
    double value;  ///< 0..100
};
struct HiddenCell {
    Hidden why;
};
using Cell = std::variant<std::string, std::int64_t, Percent, HiddenCell>;

struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<Cell>> rows;
};

Cell countCell(const Count& count) {
    if (!count.shown()) return HiddenCell{count.hidden};
    return count.value;
}

const ReportWords kDanish{
    .kind = "niveau",
    .municipality = "kommune",
    .group = "gruppe",
    .unit = "enhed",
    .id = "id",
    .name = "navn",
    .respondents = "respondenter",
    .mean = "gennemsnit (0-1)",
    .meanPercent = "gennemsnit %",
    .area = "område",
    .title = "titel",
    .question = "spørgsmål",
    .option = "svarmulighed",
    .optionText = "svartekst",
    .count = "antal",
    .sharePercent = "andel %",
    .week = "uge",
};

const ReportWords kEnglish{
    .kind = "level",
    .municipality = "municipality",
    .group = "group",
    .unit = "unit",
    .id = "id",
    .name = "name",
    .respondents = "respondents",
    .mean = "mean (0-1)",
    .meanPercent = "mean %",
    .area = "area",
    .title = "title",
    .question = "question",
    .option = "option",
    .optionText = "option text",
    .count = "count",
    .sharePercent = "share %",
    .week = "week",
};

std::string rowKind(ReportRow::Kind kind, const ReportWords& words) {
    switch (kind) {
        case ReportRow::Kind::Total: return std::string(words.municipality);
        case ReportRow::Kind::Group: return std::string(words.group);
        case ReportRow::Kind::Unit: return std::string(words.unit);
    }
    return "";
}

std::string rowName(const ReportRow& row, const std::string& locale) {
    const bool danish = locale == "da";
    if (row.kind == ReportRow::Kind::Total) return danish ? "Hele kommunen" : "Whole municipality";
    if (row.kind == ReportRow::Kind::Group && row.id.empty()) return danish ? "Uden gruppe" : "No group";
    return row.name;
}

const ReportRow* focusRow(const Report& report, const ReportFocus& focus) {
    if (focus.kind == ReportRow::Kind::Total) return &report.rows.front();
    return report.find(focus.kind, focus.id);
}

Result<Table> tabulate(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale, ReportHeaders headers) {
    const ReportSurvey& survey = report.survey;
    const auto text = [&](const shared::LocalizedText& t) { return t.text(locale, survey.defaultLocale); };
    const bool titles = headers == ReportHeaders::Titles;
    const ReportWords& words = reportWords(titles ? locale : "en");
    const auto name = [&](std::string_view word) { return std::string(word); };
    const auto areaName = [&](const AreaInfo& area) { return titles ? text(area.title) : area.id; };
    const auto levelName = [&](const LevelInfo& level) { return titles ? text(level.title) : level.id; };
    Table table;
    if (by == ReportBy::Unit || by == ReportBy::Group) {
        table.header = {name(words.kind), name(words.id), name(words.name), name(words.group), name(words.respondents)};
        for (const auto& area : survey.areas) table.header.push_back(areaName(area) + " " + name(words.meanPercent));
        for (const auto& area : survey.areas) {
            for (const auto& level : survey.levels) table.header.push_back(areaName(area) + (titles ? ": " : " ") + levelName(level));
        }
        for (const auto& row : report.rows) {
            if (by == ReportBy::Group && row.kind == ReportRow::Kind::Unit) continue;
            std::vector<Cell> cells = {rowKind(row.kind, words), row.id, rowName(row, locale), row.group, countCell(row.respondents)};
            for (const auto& area : row.areas) {
                if (!area.respondents.shown()) cells.emplace_back(HiddenCell{area.respondents.hidden});
                else if (area.meanScore) cells.emplace_back(Percent{*area.meanScore * 100});
                else cells.emplace_back(std::string());
            }
            for (const auto& area : row.areas) {
                for (std::size_t l = 0; l < survey.levels.size(); ++l) {
                    if (!area.respondents.shown()) cells.emplace_back(HiddenCell{area.respondents.hidden});
                    else cells.emplace_back(l < area.levels.size() ? area.levels[l] : std::int64_t{0});
                }
            }
            table.rows.push_back(std::move(cells));
        }
        return table;
    }
    const ReportRow* row = focusRow(report, focus);
    if (row == nullptr) {
        return Error{std::string(focus.kind == ReportRow::Kind::Unit ? "unit" : "group") + " '" + focus.id + "' is not in the report"};
    }
    if (by == ReportBy::Area) {
        table.header = {name(words.area), name(words.title), name(words.respondents), name(words.meanPercent)};
        for (const auto& level : survey.levels) table.header.push_back(levelName(level));
        for (std::size_t a = 0; a < survey.areas.size(); ++a) {
            const AreaFigures& area = row->areas[a];
            std::vector<Cell> cells = {survey.areas[a].id, text(survey.areas[a].title), countCell(area.respondents)};
            if (!area.respondents.shown()) cells.emplace_back(HiddenCell{area.respondents.hidden});
            else if (area.meanScore) cells.emplace_back(Percent{*area.meanScore * 100});
            else cells.emplace_back(std::string());
            for (std::size_t l = 0; l < survey.levels.size(); ++l) {
                if (!area.respondents.shown()) cells.emplace_back(HiddenCell{area.respondents.hidden});
                else cells.emplace_back(l < area.levels.size() ? area.levels[l] : std::int64_t{0});
            }
            table.rows.push_back(std::move(cells));
        }
        return table;
    }
    table.header = {name(words.question), name(words.title), name(words.respondents), name(words.option),
                    name(words.optionText), name(words.count), name(words.sharePercent)};
    for (std::size_t q = 0; q < survey.questions.size(); ++q) {
        const QuestionInfo& question = survey.questions[q];
        const QuestionFigures& figures = row->questions.at(q);
        for (std::size_t c = 0; c < question.choices.size(); ++c) {
            std::vector<Cell> cells = {question.name, text(question.title), countCell(figures.respondents), question.choices[c].value,
                                       text(question.choices[c].text)};
            if (!figures.respondents.shown() || c >= figures.choices.size()) {
                const Hidden why = figures.respondents.shown() ? Hidden::Secondary : figures.respondents.hidden;
                cells.emplace_back(HiddenCell{why});
                cells.emplace_back(HiddenCell{why});
            } else {
                cells.emplace_back(figures.choices[c]);
                const double share = figures.respondents.value == 0 ? 0.0 : 100.0 * static_cast<double>(figures.choices[c]) /
                                                                                static_cast<double>(figures.respondents.value);
                cells.emplace_back(Percent{share});
            }
            table.rows.push_back(std::move(cells));
        }
    }
    return table;
}

std::string percentText(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
    return buffer;
}

std::string cellText(const Cell& cell, int k, const std::string& locale) {
    if (const auto* s = std::get_if<std::string>(&cell)) return *s;
    if (const auto* n = std::get_if<std::int64_t>(&cell)) return std::to_string(*n);
    if (const auto* p = std::get_if<Percent>(&cell)) return percentText(p->value);
    return hiddenWords(std::get<HiddenCell>(cell).why, k, locale);
}

// Display width of UTF-8 text: code points (good enough for the Latin texts of a report).
std::size_t width(const std::string& text) {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
    return n;
}

std::string describeRange(const Report& report) {
    return "round " + report.round.id + " (" + report.round.fromWeek + " to " + report.round.toWeek + ")";
}

}  // namespace

const ReportWords& reportWords(std::string_view locale) {
    return locale == "da" ? kDanish : kEnglish;
}

std::optional<ReportBy> parseReportBy(const std::string& text) {
    if (text == "unit") return ReportBy::Unit;
    if (text == "group") return ReportBy::Group;
    if (text == "area") return ReportBy::Area;
    if (text == "question") return ReportBy::Question;
    return std::nullopt;
}

std::string hiddenWords(Hidden hidden, int k, const std::string& locale) {
    const bool danish = locale == "da";
    if (hidden == Hidden::FewerThanK) return (danish ? "færre end " : "fewer than ") + std::to_string(k);
    return danish ? "skjult" : "hidden";
}

Status writeReportTable(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale, std::ostream& out) {
    auto table = tabulate(report, by, focus, locale, ReportHeaders::Titles);
    if (!table) return table.error();
    // Levels make the unit and group tables too wide for a terminal: those columns are left to CSV/JSON.
    std::size_t columns = table->header.size();
    if (by == ReportBy::Unit || by == ReportBy::Group) columns = 5 + report.survey.areas.size();
    std::vector<std::vector<std::string>> lines;
    lines.emplace_back(table->header.begin(), table->header.begin() + static_cast<std::ptrdiff_t>(columns));
    for (const auto& row : table->rows) {
        std::vector<std::string> line;
        for (std::size_t c = 0; c < columns; ++c) line.push_back(cellText(row[c], report.k, locale));
        lines.push_back(std::move(line));
    }
    std::vector<std::size_t> widths(columns, 0);
    for (const auto& line : lines) {
        for (std::size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], std::min<std::size_t>(width(line[c]), 40));
    }
    out << "Survey " << report.survey.id << " version " << report.survey.version << ", " << describeRange(report) << ", k = " << report.k << '\n';
    for (const auto& line : lines) {
        for (std::size_t c = 0; c < columns; ++c) {
            std::string cell = line[c];
            if (width(cell) > 40) cell = cell.substr(0, 37) + "...";
            out << cell;
            if (c + 1 < columns) out << std::string(widths[c] + 2 - std::min(widths[c], width(cell)), ' ');
        }
        out << '\n';
    }
    out << "\"fewer than " << report.k << "\": too few respondents to show. \"hidden\": shown, it would let a hidden figure be worked out.\n";
    return {};
}

Status writeReportCsv(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale, ReportHeaders headers,
                      CsvWriter& csv) {
    auto table = tabulate(report, by, focus, locale, headers);
    if (!table) return table.error();
    for (const auto& name : table->header) csv.text(name);
    csv.endRow();
    for (const auto& row : table->rows) {
        for (const auto& cell : row) {
            if (const auto* s = std::get_if<std::string>(&cell)) csv.text(*s);
            else if (const auto* n = std::get_if<std::int64_t>(&cell)) csv.integer(*n);
            else if (const auto* p = std::get_if<Percent>(&cell)) csv.number(p->value, 1);
            else csv.text(hiddenWords(std::get<HiddenCell>(cell).why, report.k, locale));
        }
        csv.endRow();
    }
    if (!csv.flush()) return Error{"cannot write the report"};
    return {};
}

Result<nlohmann::ordered_json> reportJson(const Report& report, ReportBy by, const ReportFocus& focus, const std::string& locale) {
    auto table = tabulate(report, by, focus, locale, ReportHeaders::Ids);
    if (!table) return table.error();
    nlohmann::ordered_json out;
    out["survey"] = report.survey.id;
    out["version"] = report.survey.version;
    out["k"] = report.k;
    out["round"] = report.round.id;
    out["from"] = report.round.fromWeek;
    out["to"] = report.round.toWeek;
    out["rows"] = nlohmann::ordered_json::array();
    for (const auto& row : table->rows) {
        nlohmann::ordered_json item;
        nlohmann::ordered_json hidden = nlohmann::ordered_json::object();
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string& name = table->header[c];
            const Cell& cell = row[c];
            if (const auto* s = std::get_if<std::string>(&cell)) item[name] = *s;
            else if (const auto* n = std::get_if<std::int64_t>(&cell)) item[name] = *n;
            else if (const auto* p = std::get_if<Percent>(&cell)) item[name] = std::round(p->value * 10) / 10;
            else {
                item[name] = nullptr;
                hidden[name] = hiddenWords(std::get<HiddenCell>(cell).why, report.k, "en");
            }
        }
        if (!hidden.empty()) item["hidden"] = std::move(hidden);
        out["rows"].push_back(std::move(item));
    }
    return out;
}

}  // namespace svarboks::server
