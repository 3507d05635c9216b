// Invalid surveys must be refused with a message that names the problem: the corpus in
// tests/data/bad-surveys (one problem per file, listed in expected.json) and hostile inputs made here.
#include "test_helpers.hpp"

#include "svarboks/shared/expression.hpp"
#include "svarboks/shared/survey.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using svarboks::shared::Diagnostic;
using svarboks::shared::Expression;
using svarboks::shared::LoadResult;
using svarboks::shared::loadSurveyFile;
using svarboks::shared::parseSurvey;
using svarboks::test::readFile;
using svarboks::test::TempDir;

fs::path corpusDir() { return svarboks::test::sourceDir() / "tests/data/bad-surveys"; }

const Diagnostic* firstErrorOf(const LoadResult& result) {
    for (const auto& d : result.diagnostics) {
        if (d.severity == Diagnostic::Severity::Error) return &d;
    }
    return nullptr;
}

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

/// A fresh directory under the system temp dir, removed with everything in it at the end of the scope.
/// A small valid survey whose second question has `visibleIf: expression` (when given).
nlohmann::json validSurvey(const std::string& expression = "") {
    auto survey = svarboks::test::surveyWith(
        {{{"type", "rating"}, {"name", "a"}, {"title", "How sure are you?"}},
         {{"type", "boolean"}, {"name", "b"}, {"title", "Do you use e-mail?"}}});
    if (!expression.empty()) survey["pages"][0]["elements"][1]["visibleIf"] = expression;
    return survey;
}

/// Loads `bytes` from a temp file and requires that it is refused with one document-level or pointed error.
struct Refusal {
    std::string file;
    std::string pointer;
    std::string message;
    std::string formatted;
};

Refusal refuse(const fs::path& file) {
    const auto result = loadSurveyFile(file);
    for (const auto& d : result.diagnostics) INFO(d.format());
    REQUIRE_FALSE(result.ok());
    const Diagnostic* error = firstErrorOf(result);
    REQUIRE(error != nullptr);
    CHECK(error->file == file.string());
    return {error->file, error->pointer, error->message, error->format()};
}

}  // namespace

TEST_CASE("bad surveys: every file in the corpus is refused with its expected first error") {
    const auto dir = corpusDir();
    REQUIRE(fs::is_directory(dir));
    const auto expected = nlohmann::json::parse(readFile(dir / "expected.json"));
    REQUIRE(expected.is_array());
    CHECK(expected.size() >= 60);

    std::set<std::string> listed;
    for (const auto& entry : expected) {
        REQUIRE(entry.is_object());
        const auto file = entry.at("file").get<std::string>();
        const auto pointer = entry.at("pointer").get<std::string>();
        const auto contains = entry.at("contains").get<std::string>();
        CAPTURE(file);
        CHECK_MESSAGE(listed.insert(file).second, "listed twice in expected.json");
        CHECK(contains.size() >= 10);  // a substring that says what is wrong, not just "error"

        const auto path = dir / file;
        REQUIRE(fs::is_regular_file(path));
        const auto result = loadSurveyFile(path);
        std::string all;
        for (const auto& d : result.diagnostics) all += d.format() + "\n";
        CAPTURE(all);
        CHECK_FALSE(result.ok());
        const Diagnostic* error = firstErrorOf(result);
        REQUIRE(error != nullptr);
        CHECK(error->pointer == pointer);
        CHECK(error->message.find(contains) != std::string::npos);
        CHECK(error->file == path.string());
        CHECK(startsWith(error->format(), path.string() + ": "));
        CHECK(error->format() == path.string() + ": " + (pointer.empty() ? "" : pointer + ": ") + error->message);

        // The same bytes in memory give the same first error.
        const auto again = parseSurvey(readFile(path), file);
        const Diagnostic* againError = firstErrorOf(again);
        REQUIRE(againError != nullptr);
        CHECK(againError->pointer == error->pointer);
        CHECK(againError->message == error->message);

        // Every problem has a code and is worded in Danish too (for the Danish upload page), from the same values.
        for (const auto& d : again.diagnostics) {
            CAPTURE(d.message);
            CHECK_FALSE(d.code.empty());
            CHECK(d.text("en") == d.message);
            CHECK(d.text("da") == svarboks::shared::lintMessage(d.code, d.args, "da"));
            CHECK_FALSE(d.text("da").empty());
            CHECK(d.text("da") != d.message);
        }
    }

    // Every corpus file is listed, so none is silently left untested.
    for (const auto& entry : fs::directory_iterator(dir)) {
        const auto name = entry.path().filename().string();
        if (entry.path().extension() != ".json" || name == "expected.json") continue;
        CAPTURE(name);
        CHECK(listed.count(name) == 1);
    }
}

TEST_CASE("bad surveys: a problem is worded in Danish from its code and values, in English as before") {
    auto survey = validSurvey();
    survey["pages"][0]["elements"][1]["name"] = "A";  // the same name as the first, without regard to case
    const auto result = parseSurvey(survey.dump(), "dup.json");
    const Diagnostic* error = firstErrorOf(result);
    REQUIRE(error != nullptr);
    CHECK(error->code == "name-duplicate");
    CHECK(error->args == std::vector<std::string>{"A", "/pages/0/elements/0/name"});
    CHECK(error->message == "duplicate name 'A' (already used at /pages/0/elements/0/name; names are compared without case, as in SurveyJS)");
    CHECK(error->text("da") == "navnet 'A' er brugt før (ved /pages/0/elements/0/name; store og små bogstaver regnes for ens, som i SurveyJS)");
    CHECK(error->text("en") == error->message);
    CHECK(svarboks::shared::lintMessage("no-such-code", {}, "da").empty());

    const auto notJson = parseSurvey("{\n  \"surveyId\": \"x\",\n  oops\n}", "broken.json");
    REQUIRE(firstErrorOf(notJson) != nullptr);
    CHECK(firstErrorOf(notJson)->message.rfind("not valid JSON at line 3, column 3: ", 0) == 0);
    CHECK(firstErrorOf(notJson)->text("da").rfind("ikke gyldig JSON i linje 3, kolonne 3 ", 0) == 0);
}

TEST_CASE("bad surveys: the corpus base survey, without its one problem, is valid") {
    // The corpus files are variations of this survey; it must load, or every case would test the wrong thing.
    const std::string base =
        R"({"surveyId": "bad-example", "surveyVersion": "1", "consent": "We store only your answers.",
            "pages": [{"name": "p1", "elements": [
              {"type": "rating", "name": "q1", "title": "How sure are you?"},
              {"type": "radiogroup", "name": "q2", "title": "Pick one", "choices": ["a", "b"]}]}]})";
    const auto result = parseSurvey(base, "base.json");
    for (const auto& d : result.diagnostics) INFO(d.format());
    CHECK(result.ok());
    CHECK(result.diagnostics.empty());
    CHECK(parseSurvey(validSurvey().dump(), "valid.json").ok());
    CHECK(parseSurvey(validSurvey("{a} > 2").dump(), "valid.json").ok());
}

TEST_CASE("bad surveys: files that cannot be read") {
    const TempDir temp;

    SUBCASE("an empty file") {
        const auto r = refuse(temp.write("empty.json", ""));
        CHECK(r.pointer.empty());
        CHECK(r.message == "the file is empty; expected a survey definition (a JSON object)");
        CHECK(r.formatted == r.file + ": the file is empty; expected a survey definition (a JSON object)");
    }
    SUBCASE("only whitespace") {
        const auto r = refuse(temp.write("blank.json", "  \n\n "));
        CHECK(r.pointer.empty());
        CHECK(startsWith(r.message, "not valid JSON at line 3, column 2: "));
        CHECK(r.message.find("unexpected end of input") != std::string::npos);
    }
    SUBCASE("a directory") {
        const auto dir = temp.path() / "survey.json";
        fs::create_directory(dir);
        const auto r = refuse(dir);
        CHECK(r.pointer.empty());
        CHECK(r.message == "is a directory; expected a survey file (JSON)");
        CHECK(r.formatted == dir.string() + ": is a directory; expected a survey file (JSON)");
    }
    SUBCASE("a file that does not exist") {
        const auto missing = temp.path() / "missing.json";
        const auto r = refuse(missing);
        CHECK(r.pointer.empty());
        CHECK(r.message == "cannot read the file: it does not exist");
        CHECK(r.formatted == missing.string() + ": cannot read the file: it does not exist");
    }
    SUBCASE("a file in a directory that does not exist") {
        const auto r = refuse(temp.path() / "no-such-dir" / "survey.json");
        CHECK(r.message == "cannot read the file: it does not exist");
    }
}

TEST_CASE("bad surveys: deep JSON nesting is refused before parsing") {
    const TempDir temp;
    constexpr std::size_t depth = 100000;

    SUBCASE("arrays") {
        const auto r = refuse(temp.write("arrays.json", std::string(depth, '[') + std::string(depth, ']')));
        CHECK(r.pointer.empty());
        CHECK(r.message == "JSON nested deeper than 64 levels at line 1, column 65");
    }
    SUBCASE("objects") {
        std::string text;
        text.reserve(depth * 6);
        for (std::size_t i = 0; i < depth; ++i) text += R"({"a":)";
        text += "1";
        text += std::string(depth, '}');
        const auto r = refuse(temp.write("objects.json", text));
        CHECK(r.pointer.empty());
        CHECK(r.message == "JSON nested deeper than 64 levels at line 1, column 321");  // the 65th '{'
    }
    SUBCASE("unclosed arrays") {
        const auto r = refuse(temp.write("unclosed.json", std::string(depth, '[')));
        CHECK(r.message.find("JSON nested deeper than 64 levels") != std::string::npos);
    }
    SUBCASE("deep nesting inside a property of a valid survey") {
        auto text = validSurvey().dump();
        text.insert(1, R"("layout": )" + std::string(depth, '[') + std::string(depth, ']') + ",");
        const auto r = refuse(temp.write("deep-property.json", text));
        CHECK(r.pointer.empty());
        CHECK(startsWith(r.message, "JSON nested deeper than 64 levels at line 1, column "));
    }
    SUBCASE("brackets inside strings do not count") {
        auto survey = validSurvey();
        survey["title"] = std::string(1000, '[') + std::string(500, '{');
        const auto file = temp.write("brackets-in-text.json", survey.dump());
        const auto result = loadSurveyFile(file);
        for (const auto& d : result.diagnostics) INFO(d.format());
        CHECK(result.ok());
    }
}

TEST_CASE("bad surveys: oversized input is refused with the size message") {
    const TempDir temp;
    const std::string limit = std::to_string(svarboks::shared::kMaxSurveyBytes);

    SUBCASE("a 10 MB string as the title") {
        auto survey = validSurvey();
        survey["title"] = std::string(10 * 1024 * 1024, 'x');
        const auto text = survey.dump();
        const auto file = temp.write("huge-title.json", text);
        const auto r = refuse(file);
        CHECK(r.pointer.empty());
        CHECK(r.message == "the file is " + std::to_string(text.size()) + " bytes; a survey definition may be at most " +
                               limit + " bytes");

        // parseSurvey, for definitions that do not come from a file, applies the same limit.
        const auto inMemory = parseSurvey(text, "huge-title.json");
        CHECK_FALSE(inMemory.ok());
        REQUIRE(firstErrorOf(inMemory) != nullptr);
        CHECK(firstErrorOf(inMemory)->message == r.message);
    }
    SUBCASE("a 3 MB file: a valid survey padded with whitespace") {
        auto text = validSurvey().dump(2);
        text += std::string(3 * 1024 * 1024 - text.size(), ' ');
        const auto r = refuse(temp.write("three-mb.json", text));
        CHECK(r.pointer.empty());
        CHECK(r.message == "the file is 3145728 bytes; a survey definition may be at most " + limit + " bytes");
    }
    SUBCASE("exactly at the limit is read, one byte over is not") {
        auto text = validSurvey().dump();
        text += std::string(svarboks::shared::kMaxSurveyBytes - text.size(), '\n');
        const auto atLimit = loadSurveyFile(temp.write("at-limit.json", text));
        for (const auto& d : atLimit.diagnostics) INFO(d.format());
        CHECK(atLimit.ok());
        text += "\n";
        const auto r = refuse(temp.write("over-limit.json", text));
        CHECK(startsWith(r.message, "the file is " + std::to_string(svarboks::shared::kMaxSurveyBytes + 1) + " bytes"));
    }
    SUBCASE("a title under the file limit but over the text limit") {
        auto survey = validSurvey();
        survey["title"] = std::string(20001, 'x');
        const auto r = refuse(temp.write("long-title.json", survey.dump()));
        CHECK(r.pointer == "/title");
        CHECK(r.message == "text is 20001 bytes long; at most 20000 are allowed");
    }
}

TEST_CASE("bad surveys: encoding") {
    const TempDir temp;
    const auto valid = validSurvey().dump();

    SUBCASE("invalid UTF-8 inside a string") {
        auto survey = validSurvey();
        survey["title"] = "Hvor sikker er du?";
        auto text = survey.dump();
        const auto at = text.find("sikker");
        REQUIRE(at != std::string::npos);
        text.replace(at, 1, "\xC3\x28");  // a lead byte followed by a non-continuation byte
        const auto r = refuse(temp.write("bad-utf8.json", text));
        CHECK(r.pointer.empty());
        CHECK(startsWith(r.message, "not valid JSON at line 1, column "));
        CHECK(r.message.find("ill-formed UTF-8 byte") != std::string::npos);
    }
    SUBCASE("a lone continuation byte and an overlong encoding") {
        for (const char* bytes : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF8\x88\x80\x80\x80", "\xFF"}) {
            auto survey = validSurvey();
            survey["title"] = "title";
            auto text = survey.dump();
            text.replace(text.find("title\""), 0, bytes);
            CAPTURE(text.substr(0, 80));
            const auto r = refuse(temp.write("bad-utf8-2.json", text));
            CHECK(r.message.find("ill-formed UTF-8 byte") != std::string::npos);
        }
    }
    SUBCASE("a UTF-8 BOM at the start is skipped, as RFC 8259 allows") {
        const auto file = temp.write("bom.json", "\xEF\xBB\xBF" + valid);
        const auto result = loadSurveyFile(file);
        for (const auto& d : result.diagnostics) INFO(d.format());
        REQUIRE(result.ok());
        CHECK(result.survey->id == "t");
        // The hash covers the canonical definition, so a BOM does not change it.
        const auto plain = parseSurvey(valid, "plain.json");
        REQUIRE(plain.ok());
        CHECK(result.survey->definitionSha256 == plain.survey->definitionSha256);
    }
    SUBCASE("a second BOM, or a BOM after a space, is not skipped") {
        // Refused with the position of the stray BOM (the parser's own wording after it is not specific).
        const auto twice = refuse(temp.write("bom-twice.json", "\xEF\xBB\xBF\xEF\xBB\xBF" + valid));
        CHECK(twice.pointer.empty());
        CHECK(startsWith(twice.message, "not valid JSON at line 1, column 4: "));
        const auto late = refuse(temp.write("bom-late.json", " \xEF\xBB\xBF" + valid));
        CHECK(startsWith(late.message, "not valid JSON at line 1, column 2: "));
    }
    SUBCASE("a UTF-16 file is refused as not JSON") {
        std::string utf16 = "\xFF\xFE";
        for (const char c : valid) {
            utf16 += c;
            utf16 += '\0';
        }
        const auto r = refuse(temp.write("utf16.json", utf16));
        CHECK(r.pointer.empty());
        CHECK(startsWith(r.message, "not valid JSON at line 1, column 1"));
    }
}

TEST_CASE("bad surveys: hostile expressions inside an otherwise valid survey") {
    const TempDir temp;

    SUBCASE("5,000 nested parentheses: over the expression length limit") {
        const auto expression = std::string(5000, '(') + "{a} > 2" + std::string(5000, ')');
        const auto r = refuse(temp.write("deep-parens.json", validSurvey(expression).dump()));
        CHECK(r.pointer == "/pages/0/elements/1/visibleIf");
        CHECK(r.message == "the expression is " + std::to_string(expression.size()) + " bytes long; at most 4000 are allowed");
    }
    SUBCASE("1,900 nested parentheses: under the length limit, over the depth limit") {
        const auto expression = std::string(1900, '(') + "{a} > 2" + std::string(1900, ')');
        const auto r = refuse(temp.write("deep-parens-short.json", validSurvey(expression).dump()));
        CHECK(r.pointer == "/pages/0/elements/1/visibleIf");
        CHECK(r.message == "expression nested too deeply (at most 64 levels)");
    }
    SUBCASE("100,000 '!' before a reference") {
        const auto expression = std::string(100000, '!') + "{a}";
        const auto r = refuse(temp.write("bangs.json", validSurvey(expression).dump()));
        CHECK(r.pointer == "/pages/0/elements/1/visibleIf");
        CHECK(r.message == "the expression is 100003 bytes long; at most 4000 are allowed");
    }
    SUBCASE("3,999 '!' before a reference") {
        const auto r = refuse(temp.write("bangs-short.json", validSurvey(std::string(3990, '!') + "{a}").dump()));
        CHECK(r.message == "expression nested too deeply (at most 64 levels)");
    }
    SUBCASE("a 100 KB expression") {
        std::string expression = "{a} = 1";
        while (expression.size() < 100 * 1024) expression += " or {a} = 1";
        const auto r = refuse(temp.write("long-expression.json", validSurvey(expression).dump()));
        CHECK(r.pointer == "/pages/0/elements/1/visibleIf");
        CHECK(r.message == "the expression is " + std::to_string(expression.size()) + " bytes long; at most 4000 are allowed");
    }
    SUBCASE("an expression just under the length limit is accepted") {
        std::string expression = "{a} = 1";
        while (expression.size() + 11 <= 4000) expression += " or {a} = 1";
        const auto file = temp.write("long-ok.json", validSurvey(expression).dump());
        const auto result = loadSurveyFile(file);
        for (const auto& d : result.diagnostics) INFO(d.format());
        CHECK(result.ok());
    }
}

TEST_CASE("bad surveys: the expression parser itself survives deep and long input") {
    // Expression::parse has no length limit of its own, so its depth guard is what protects the stack.
    const auto refused = [](const std::string& text, const std::string& message) {
        CAPTURE(text.substr(0, 60));
        const auto parsed = Expression::parse(text);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().message == message);
    };
    const std::string tooDeep = "expression nested too deeply (at most 64 levels)";
    refused(std::string(5000, '(') + "{a} > 2" + std::string(5000, ')'), tooDeep);
    refused(std::string(100000, '(') + "{a}", tooDeep);
    refused(std::string(100000, '!') + "{a}", tooDeep);
    refused(std::string(100000, '[') + std::string(100000, ']'), tooDeep);
    std::string negates;
    for (int i = 0; i < 20000; ++i) negates += "negate ";
    refused(negates + "{a}", tooDeep);
    std::string mixed;
    for (int i = 0; i < 20000; ++i) mixed += "!(";
    refused(mixed + "{a}", tooDeep);

    // Long but flat input parses (the survey loader refuses it for its length, not the parser).
    std::string flat = "{a} = 1";
    while (flat.size() < 100 * 1024) flat += " or {a} = 1";
    CHECK(Expression::parse(flat));
    std::string list = "{a} anyof [1";
    for (int i = 2; i < 20000; ++i) list += ", " + std::to_string(i);
    CHECK(Expression::parse(list + "]"));
}
