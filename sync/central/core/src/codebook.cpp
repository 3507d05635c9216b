#include "svarboks/server/codebook.hpp"

#include <array>
#include <vector>

namespace svarboks::server {

namespace {

using shared::Element;
using shared::ElementType;
using shared::LocalizedText;
using shared::Survey;

/// A text in each of kCodebookLocales.
using Texts = std::array<std::string, std::size(kCodebookLocales)>;

struct CodebookValue {
    nlohmann::json value;
    Texts text;
};

struct CodebookColumn {
    std::string column;
    std::string kind;  ///< "column" for a fixed column, else the question's type
    bool identifying = false;
    std::string area;  ///< the scoring area of a scored question
    Texts text;
    std::vector<CodebookValue> values;
};

struct FixedColumn {
    std::string_view column;
    std::string_view da;
    std::string_view en;
};

// What the export writes in its fixed columns (export.hpp, anonymise.hpp), in kExportFixedColumns' order.
constexpr FixedColumn kFixed[] = {
    {"unit", "Enhedens id, eller * hvor den er sløret, så mindst k svar deler den", "The unit's id, or * where it is generalised so that at least k rows share it"},
    {"group", "Enhedens gruppe, eller * hvor den er sløret", "The unit's group, or * where it is generalised"},
    {"period", "Ugen for svaret (ISO-uge, fx 2026-W05), eller rundens id hvor ugen er sløret",
     "The ISO week of the response (e.g. 2026-W05), or the round's id where the week is generalised"},
    {"survey_id", "Spørgeskemaets id", "The survey's id"},
    {"survey_version", "Spørgeskemaets version", "The survey's version"},
    {"locale", "Sproget der blev svaret på (da, en), eller * hvor det er sløret", "The language of the response (da, en), or * where it is generalised"},
};
static_assert(std::size(kFixed) == std::size(kExportFixedColumns));

Texts textsOf(const LocalizedText& text, const Survey& survey) {
    Texts out;
    for (std::size_t l = 0; l < out.size(); ++l) out[l] = text.text(kCodebookLocales[l], survey.defaultLocale);
    return out;
}

std::string kindOf(ElementType type) {
    return type == ElementType::Number ? "number" : std::string(shared::typeName(type));
}

std::string areaOf(const Element& element, const Survey& survey) {
    if (element.competence.empty() || !survey.scoring) return "";
    for (const auto& area : survey.scoring->areas) {
        for (const auto& competence : area.competences) {
            if (competence == element.competence) return area.id;
        }
    }
    return "";
}

std::vector<CodebookColumn> columnsOf(const Survey& survey) {
    std::vector<CodebookColumn> columns;
    for (const FixedColumn& fixed : kFixed) {
        columns.push_back({std::string(fixed.column), "column", false, "", {std::string(fixed.da), std::string(fixed.en)}, {}});
    }
    for (const Element& element : survey.elements) {
        if (!element.isQuestion()) continue;
        CodebookColumn column{element.name, kindOf(element.type), element.identifying, areaOf(element, survey), {}, {}};
        column.text = element.title.empty() ? Texts{element.name, element.name} : textsOf(element.title, survey);
        for (const auto& choice : element.choices) column.values.push_back({choice.value, textsOf(choice.text, survey)});
        if (element.type == ElementType::Boolean) {
            column.values.push_back({true, element.labelTrue.empty() ? Texts{"Ja", "Yes"} : textsOf(element.labelTrue, survey)});
            column.values.push_back({false, element.labelFalse.empty() ? Texts{"Nej", "No"} : textsOf(element.labelFalse, survey)});
        }
        columns.push_back(std::move(column));
    }
    return columns;
}

}  // namespace

bool writeCodebookCsv(const Survey& survey, CsvWriter& csv) {
    for (const char* name : {"survey_id", "survey_version", "definition_sha256", "column", "kind", "value", "identifying", "area"}) csv.text(name);
    for (const std::string_view locale : kCodebookLocales) csv.text("text_" + std::string(locale));
    if (!csv.endRow()) return false;
    const auto start = [&](const CodebookColumn& column) {
        csv.text(survey.id);
        csv.text(survey.version);
        csv.text(survey.definitionSha256);
        csv.text(column.column);
    };
    for (const CodebookColumn& column : columnsOf(survey)) {
        start(column);
        csv.text(column.kind);
        csv.empty();
        csv.text(column.identifying ? "true" : "false");
        csv.text(column.area);
        for (const auto& text : column.text) csv.text(text);
        if (!csv.endRow()) return false;
        for (const CodebookValue& value : column.values) {
            start(column);
            csv.text("value");
            // As the export writes the value: a number in the dialect's form, anything else as text.
            if (value.value.is_number()) csv.number(value.value.get<double>());
            else if (value.value.is_string()) csv.text(value.value.get<std::string>());
            else csv.text(value.value.dump());
            csv.empty();
            csv.empty();
            for (const auto& text : value.text) csv.text(text);
            if (!csv.endRow()) return false;
        }
    }
    return csv.flush();
}

nlohmann::ordered_json codebookJson(const Survey& survey) {
    const auto texts = [](const Texts& text) {
        nlohmann::ordered_json out = nlohmann::ordered_json::object();
        for (std::size_t l = 0; l < text.size(); ++l) out[std::string(kCodebookLocales[l])] = text[l];
        return out;
    };
    nlohmann::ordered_json out;
    out["survey_id"] = survey.id;
    out["survey_version"] = survey.version;
    out["definition_sha256"] = survey.definitionSha256;
    out["columns"] = nlohmann::ordered_json::array();
    for (const CodebookColumn& column : columnsOf(survey)) {
        nlohmann::ordered_json item;
        item["column"] = column.column;
        item["kind"] = column.kind;
        item["identifying"] = column.identifying;
        item["area"] = column.area;
        item["text"] = texts(column.text);
        if (!column.values.empty()) {
            item["values"] = nlohmann::ordered_json::array();
            for (const CodebookValue& value : column.values) item["values"].push_back({{"value", value.value}, {"text", texts(value.text)}});
        }
        out["columns"].push_back(std::move(item));
    }
    return out;
}

std::string codebookFor(const Survey& survey, ExportFormat format) {
    if (format == ExportFormat::Jsonl) return codebookJson(survey).dump(2) + "\n";
    std::string out;
    CsvWriter csv(format == ExportFormat::CsvDanish ? CsvDialect::DanishExcel : CsvDialect::Standard, [&out](std::string_view chunk) {
        out.append(chunk);
        return true;
    });
    (void)writeCodebookCsv(survey, csv);  // a string sink never refuses
    return out;
}

std::filesystem::path codebookPath(const std::filesystem::path& dataFile, ExportFormat format) {
    std::filesystem::path out = dataFile;
    out.replace_filename(dataFile.stem().string() + "-codebook" + (format == ExportFormat::Jsonl ? ".json" : ".csv"));
    return out;
}

}  // namespace svarboks::server
