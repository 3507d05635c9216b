#include "svarboks/server/import.hpp"

#include "svarboks/server/body.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_set>

namespace svarboks::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kFormat = "svarboks-outbox-export";
constexpr int kVersion = 1;
// One sealed response plus its keys; a longer line is refused as a batch that size would be.
constexpr std::size_t kMaxLineBytes = shared::kMaxBodyBytes + 1024;
constexpr std::size_t kChunkItems = shared::kMaxBatchResponses;

// Opens the export anew for each pass over it (a file, or bytes held in memory).
using Opener = std::function<std::unique_ptr<std::istream>()>;

// Reads '\n'-terminated lines without ever holding more than kMaxLineBytes of one.
class LineReader {
public:
    explicit LineReader(std::unique_ptr<std::istream> in) : m_in(std::move(in)) {}
    [[nodiscard]] bool opened() const { return m_in != nullptr && static_cast<bool>(*m_in); }

    enum class Read { Line, End, TooLong, Unterminated, Failed };

    Read next(std::string& line) {
        line.clear();
        for (;;) {
            if (m_pos == m_size) {
                if (m_in->eof()) return line.empty() ? Read::End : Read::Unterminated;
                m_in->read(m_buffer.data(), static_cast<std::streamsize>(m_buffer.size()));
                if (m_in->bad()) return Read::Failed;
                m_size = static_cast<std::size_t>(m_in->gcount());
                m_pos = 0;
                if (m_size == 0) return line.empty() ? Read::End : Read::Unterminated;
            }
            const char* start = m_buffer.data() + m_pos;
            const auto* newline = static_cast<const char*>(std::memchr(start, '\n', m_size - m_pos));
            const std::size_t take = newline != nullptr ? static_cast<std::size_t>(newline - start) : m_size - m_pos;
            if (line.size() + take > kMaxLineBytes) return Read::TooLong;
            line.append(start, take);
            m_pos += take;
            if (newline != nullptr) {
                ++m_pos;
                return Read::Line;
            }
        }
    }

private:
    std::unique_ptr<std::istream> m_in;
    std::array<char, 64 * 1024> m_buffer{};
    std::size_t m_pos = 0;
    std::size_t m_size = 0;
};

struct Header {
    std::int64_t count = 0;
    std::string deviceId;
};

Result<Header> parseHeader(const json& line) {
    if (!line.is_object()) return Error{"the header is not a JSON object"};
    const auto format = line.find("format");
    if (format == line.end() || *format != kFormat) {
        return Error{"format: expected \"" + std::string(kFormat) + "\"; this is not an outbox export"};
    }
    const auto version = line.find("version");
    if (version == line.end() || !version->is_number_integer() || version->get<std::int64_t>() != kVersion) {
        return Error{"version: " + (version == line.end() ? std::string("missing") : version->dump()) +
                     " is not supported; this importer reads version " + std::to_string(kVersion)};
    }
    const auto count = line.find("count");
    if (count == line.end() || !count->is_number_integer() || count->get<std::int64_t>() < 0) {
        return Error{"count: expected a non-negative integer"};
    }
    const auto device = line.find("device_id");
    if (device == line.end() || !device->is_string() || device->get_ref<const std::string&>().empty()) {
        return Error{"device_id: missing or empty; the file must come from an enrolled kiosk (its unit comes from its enrolment)"};
    }
    return Header{count->get<std::int64_t>(), device->get<std::string>()};
}

Result<shared::BatchItem> parseItem(const json& line) {
    if (!line.is_object()) return Error{"expected a JSON object with \"id\", \"sealed\" and \"state\""};
    for (const auto& [key, value] : line.items()) {
        if (key != "id" && key != "sealed" && key != "state") return Error{"unexpected key '" + key.substr(0, 40) + "'"};
    }
    const auto id = line.find("id");
    if (id == line.end() || !id->is_string() || !shared::isUuidV4(id->get_ref<const std::string&>())) {
        return Error{"id: expected a lower-case UUID v4"};
    }
    const auto sealed = line.find("sealed");
    if (sealed == line.end() || !sealed->is_string()) return Error{"sealed: expected base64 text"};
    if (auto bytes = shared::fromBase64(sealed->get_ref<const std::string&>()); !bytes || bytes->empty()) {
        return Error{"sealed: " + (bytes ? std::string("empty") : bytes.error().message)};
    }
    const auto state = line.find("state");
    if (state == line.end() || !state->is_string() || (*state != "pending" && *state != "quarantined")) {
        return Error{"state: expected \"pending\" or \"quarantined\""};
    }
    return shared::BatchItem{id->get<std::string>(), sealed->get<std::string>()};
}

// Walks the file, checking every line; calls `item` for each one. Any error names the line.
Result<Header> walk(const Opener& open, const std::string& name, const std::function<Status(shared::BatchItem&&)>& item) {
    const std::string where = name + ": ";
    LineReader reader(open());
    if (!reader.opened()) return Error{where + "cannot read the file"};
    std::string text;
    std::optional<Header> header;
    std::int64_t items = 0;
    std::unordered_set<std::string> seen;
    for (std::size_t number = 1;; ++number) {
        const std::string at = where + "line " + std::to_string(number) + ": ";
        switch (reader.next(text)) {
            case LineReader::Read::End:
                if (!header) return Error{where + "the file is empty"};
                if (items != header->count) {
                    return Error{where + "the header says " + std::to_string(header->count) + " items but the file has " +
                                 std::to_string(items) + " (a truncated or edited copy?)"};
                }
                return *header;
            case LineReader::Read::TooLong: return Error{at + "longer than " + std::to_string(kMaxLineBytes) + " bytes"};
            case LineReader::Read::Unterminated: return Error{at + "does not end with a newline (a truncated copy?)"};
            case LineReader::Read::Failed: return Error{where + "cannot read the file"};
            case LineReader::Read::Line: break;
        }
        if (text.empty()) return Error{at + "blank line"};
        auto document = parseJsonBody(text);
        if (!document) return Error{at + "not JSON: " + document.error().message.substr(std::string("the body is not JSON: ").size())};
        if (!header) {
            auto parsed = parseHeader(*document);
            if (!parsed) return Error{at + parsed.error().message};
            header = *parsed;
            continue;
        }
        auto parsed = parseItem(*document);
        if (!parsed) return Error{at + parsed.error().message};
        if (!seen.insert(parsed->id).second) return Error{at + "id: " + parsed->id + " repeats in the file"};
        ++items;
        if (items > header->count) return Error{at + "more items than the header's count of " + std::to_string(header->count)};
        if (auto status = item(std::move(*parsed)); !status) return Error{at + status.message()};
    }
}

Result<ImportReport> importFrom(DeviceStore& devices, Ingestor& ingestor, const Opener& open, const std::string& name,
                                const std::string& receivedWeek) {
    try {
        auto header = walk(open, name, [](shared::BatchItem&&) { return Status{}; });
        if (!header) return header.error();
        auto device = devices.findDevice(header->deviceId);
        if (!device) return device.error();
        if (!*device) return Error{name + ": device_id " + header->deviceId + " is not a device enrolled here"};
        if ((*device)->revoked) return Error{name + ": device " + header->deviceId + " has been revoked; its file is refused"};

        ImportReport report;
        report.deviceId = header->deviceId;
        report.unitId = (*device)->unitId;
        std::vector<shared::BatchItem> chunk;
        const auto flush = [&]() -> Status {
            if (chunk.empty()) return {};
            auto ingested = ingestor.ingest(Arrival{report.unitId, "", receivedWeek}, chunk);
            if (!ingested) return Error{ingested.error().message};
            auto& results = ingested->results;
            const auto counts = countResults(results);
            report.counts.accepted += counts.accepted;
            report.counts.duplicate += counts.duplicate;
            report.counts.rejected += counts.rejected;
            for (auto& result : results) {
                if (result.status == shared::ItemStatus::Rejected) report.rejected.emplace_back(result.id, result.error);
            }
            chunk.clear();
            return {};
        };
        auto walked = walk(open, name, [&](shared::BatchItem&& item) -> Status {
            chunk.push_back(std::move(item));
            return chunk.size() >= kChunkItems ? flush() : Status{};
        });
        if (!walked) return walked.error();
        if (auto status = flush(); !status) return Error{status.message()};
        return report;
    } catch (const std::exception& e) {
        return Error{name + ": " + e.what()};
    }
}

}  // namespace

Result<ImportReport> importOutboxExport(DeviceStore& devices, Ingestor& ingestor, const fs::path& file, const std::string& receivedWeek) {
    const Opener open = [&file]() -> std::unique_ptr<std::istream> { return std::make_unique<std::ifstream>(file, std::ios::binary); };
    return importFrom(devices, ingestor, open, file.string(), receivedWeek);
}

Result<ImportReport> importOutboxExport(DeviceStore& devices, Ingestor& ingestor, std::string_view bytes, const std::string& name,
                                        const std::string& receivedWeek) {
    const Opener open = [bytes]() -> std::unique_ptr<std::istream> {
        return std::make_unique<std::istringstream>(std::string(bytes), std::ios::binary);
    };
    return importFrom(devices, ingestor, open, name, receivedWeek);
}

}  // namespace svarboks::server
