// The outbox import (server::importOutboxExport) on an export held in memory, against a real store
// (SqliteStorage in a temp folder, under /dev/shm when there is one) with one unit, the published survey
// assets/surveys/pulse.json and one enrolled device, "fuzz-device". How the bytes are used:
//   01 ...  every line of the rest is a response payload, sealed here to the server's key and put into a
//           valid export from fuzz-device: the whole ingest (open, parse, survey checks, validateAnswers,
//           store) sees what the fuzzer wrote;
//   02 ...  likewise, but every line is only the answers, inside a payload with pulse's real hashes;
//   otherwise  the input is the export file itself.
// The store is made afresh every kRunsPerStore runs, so dead letters do not pile up for hours.
// Seeds: tests/fuzz/seeds/import. Dictionary: json.dict.
#include "fuzz_check.hpp"

#include "svarboks/server/import.hpp"
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

using namespace svarboks;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kDevice = "fuzz-device";
constexpr const char* kUnit = "fuzz-unit";
constexpr const char* kWeek = "2026-W47";
constexpr int kRunsPerStore = 5000;

// The test key pair of tests/data/protocol/sealed-payload.json, as in fuzz_seal.cpp.
shared::KeyPair fixedKeys() {
    shared::KeyPair made;
    auto publicKey = shared::parsePublicKey("o+BBpmK+yKwsBkC5CUF7ZEf0sh1y+3twEirYeKP8rRw=");
    auto secretKey = shared::fromBase64("OUTH46cu79LV8HjTRDg3UCbr6vpMRWd2EX8hfWXDRjs=");
    fuzz::check(shared::sodiumInit() && publicKey.ok() && secretKey.ok() && secretKey->size() == made.secretKey.size(),
                "the fixed key pair loads");
    made.publicKey = *publicKey;
    std::copy(secretKey->begin(), secretKey->end(), made.secretKey.begin());
    return made;
}

class Central {
public:
    Central() : m_keys(fixedKeys()) {
        const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        m_dir = base / ("svarboks-fuzz-import-" + std::to_string(::getpid()));
        std::ifstream in(SVARBOKS_SOURCE_DIR "/assets/surveys/pulse.json", std::ios::binary);
        m_definition.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        auto loaded = shared::parseSurvey(m_definition, "pulse.json");
        fuzz::check(loaded.ok(), "assets/surveys/pulse.json loads");
        m_survey = *loaded.survey;
        reset();
    }
    Central(const Central&) = delete;
    Central& operator=(const Central&) = delete;
    ~Central() { removeStore(); }

    shared::Result<server::ImportReport> import(std::string_view bytes) {
        if (++m_runs % kRunsPerStore == 0) reset();
        return server::importOutboxExport(*m_store, *m_ingestor, bytes, "fuzz.jsonl", kWeek);
    }

    [[nodiscard]] const shared::KeyPair& keys() const { return m_keys; }
    [[nodiscard]] const shared::Survey& survey() const { return m_survey; }

private:
    void removeStore() {
        m_ingestor.reset();
        m_store.reset();
        std::error_code ignored;
        fs::remove_all(m_dir, ignored);
    }

    void reset() {
        removeStore();
        fs::create_directories(m_dir);
        auto opened = server::SqliteStorage::open(m_dir / "store.db");
        fuzz::check(opened.ok(), "the store opens");
        m_store = std::move(*opened);
        m_ingestor = std::make_unique<server::Ingestor>(*m_store, m_keys);
        server::Unit unit;
        unit.id = kUnit;
        unit.name = "Fuzz";
        fuzz::check(m_store->addUnit(unit).ok(), "the unit is added");
        const server::PublishedSurvey published{m_survey.id, m_survey.version, shared::canonicalDefinition(json::parse(m_definition)),
                                                m_survey.definitionSha256, m_survey.consentSha256, {}};
        fuzz::check(m_store->publishSurvey(published, kUnit).ok(), "pulse is published");
        fuzz::check(m_store->addEnrolmentCode(std::string(64, 'c'), kUnit, 4'000'000'000).ok(), "the enrolment code is added");
        server::EnrolAttempt attempt{std::string(64, 'c'), shared::newUuidV4(), 1'795'435'200, "2026-11-23", kDevice, std::string(64, 't'), "", 0};
        auto enrolled = m_store->enrol(attempt);
        fuzz::check(enrolled.ok() && enrolled->kind == server::EnrolOutcome::Kind::Created, "fuzz-device is enrolled");
    }

    shared::KeyPair m_keys;
    fs::path m_dir;
    std::string m_definition;
    shared::Survey m_survey;
    std::unique_ptr<server::SqliteStorage> m_store;
    std::unique_ptr<server::Ingestor> m_ingestor;
    long m_runs = 0;
};

Central& central() {
    static Central instance;
    return instance;
}

// A valid export from fuzz-device holding each line of `lines` (after `wrap`) as a sealed response.
std::string exportOf(std::string_view lines, const std::string& before, const std::string& after) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= lines.size()) {
        std::size_t end = lines.find('\n', start);
        if (end == std::string_view::npos) end = lines.size();
        const std::string plaintext = before + std::string(lines.substr(start, end - start)) + after;
        const json item = {{"id", shared::newUuidV4()},
                           {"sealed", shared::toBase64(shared::seal(plaintext, central().keys().publicKey))},
                           {"state", "pending"}};
        items.push_back(item.dump(-1, ' ', false, json::error_handler_t::replace));
        start = end + 1;
    }
    std::string file = json{{"format", "svarboks-outbox-export"}, {"version", 1}, {"count", items.size()}, {"device_id", kDevice}}.dump() + "\n";
    for (const auto& item : items) file += item + "\n";
    return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text(data, size);
    if (size >= 1 && (data[0] == 0x01 || data[0] == 0x02)) {
        std::string before;
        std::string after;
        if (data[0] == 0x02) {
            const auto& survey = central().survey();
            before = json{{"survey_id", survey.id}, {"survey_version", survey.version}, {"definition_sha256", survey.definitionSha256},
                          {"consent_sha256", survey.consentSha256}, {"period", kWeek}, {"locale", survey.defaultLocale}}
                         .dump();
            before.back() = ',';
            before += "\"answers\":";
            after = "}";
        }
        auto report = central().import(exportOf(input.substr(1), before, after));
        fuzz::check(report.ok(), "a well-formed export from an enrolled device is imported");
        fuzz::check(report->counts.accepted + report->counts.duplicate + report->counts.rejected ==
                        static_cast<std::size_t>(std::count(input.begin() + 1, input.end(), '\n')) + 1,
                    "every item of an import is counted once");
        return 0;
    }
    auto report = central().import(input);
    if (!report) fuzz::check(!report.error().message.empty(), "a refused import says why");
    return 0;
}
