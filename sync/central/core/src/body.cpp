#include "svarboks/server/body.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace svarboks::server {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

std::string lowerTrimmed(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

DecodedBody refuse(int status, std::string message) { return DecodedBody{"", status, std::move(message)}; }

class Inflater {
public:
    Inflater() { m_ok = inflateInit2(&m_stream, 15 + 16) == Z_OK; }  // 15 + 16: gzip wrapper only
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;
    ~Inflater() {
        if (m_ok) inflateEnd(&m_stream);
    }
    [[nodiscard]] bool ok() const { return m_ok; }
    z_stream& stream() { return m_stream; }

private:
    z_stream m_stream{};
    bool m_ok = false;
};

DecodedBody gunzip(std::string_view raw, std::size_t limit) {
    if (raw.empty()) return refuse(400, "the gzip body is empty");
    Inflater inflater;
    if (!inflater.ok()) return refuse(503, "cannot start decompression");
    z_stream& zs = inflater.stream();
    std::string out;
    std::array<unsigned char, kChunk> buffer{};
    std::size_t offset = 0;
    bool ended = false;
    while (offset < raw.size()) {
        const std::size_t take = std::min<std::size_t>(raw.size() - offset, std::numeric_limits<uInt>::max());
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data() + offset));
        zs.avail_in = static_cast<uInt>(take);
        ended = false;
        while (!ended) {
            zs.next_out = buffer.data();
            zs.avail_out = static_cast<uInt>(buffer.size());
            const int rc = inflate(&zs, Z_NO_FLUSH);
            const std::size_t produced = buffer.size() - zs.avail_out;
            if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
                return refuse(400, std::string("not valid gzip: ") + (zs.msg != nullptr ? zs.msg : "corrupt data"));
            }
            if (rc == Z_MEM_ERROR) return refuse(503, "out of memory while decompressing");
            if (out.size() + produced > limit) {
                return refuse(413, "the body decompresses to more than " + std::to_string(limit) + " bytes, the server's limit");
            }
            out.append(reinterpret_cast<const char*>(buffer.data()), produced);
            if (rc == Z_STREAM_END) ended = true;
            else if (rc == Z_BUF_ERROR || (zs.avail_in == 0 && zs.avail_out != 0)) break;  // needs more input
        }
        const std::size_t consumed = take - zs.avail_in;
        offset += consumed;
        if (ended && offset < raw.size()) {
            // Another gzip member may follow (RFC 1952 allows several); anything else is junk.
            if (raw.size() - offset < 2 || static_cast<unsigned char>(raw[offset]) != 0x1f ||
                static_cast<unsigned char>(raw[offset + 1]) != 0x8b) {
                return refuse(400, "not valid gzip: " + std::to_string(raw.size() - offset) + " bytes after the end of the gzip stream");
            }
            if (inflateReset(&zs) != Z_OK) return refuse(503, "cannot restart decompression");
        } else if (consumed == 0) {
            break;
        }
    }
    if (!ended) return refuse(400, "the gzip body is truncated (it ends before the gzip stream does)");
    return DecodedBody{std::move(out), 0, ""};
}

struct TooDeep {};

std::string withoutPrefix(std::string what) {
    if (const auto bracket = what.find("] "); what.rfind('[', 0) == 0 && bracket != std::string::npos) what = what.substr(bracket + 2);
    return what;
}

}  // namespace

DecodedBody decodeBody(std::string_view raw, std::string_view contentEncoding, std::size_t limit) {
    const std::string encoding = lowerTrimmed(contentEncoding);
    if (encoding.empty() || encoding == "identity") {
        if (raw.size() > limit) return refuse(413, "the body is " + std::to_string(raw.size()) + " bytes, over the server's limit of " + std::to_string(limit));
        return DecodedBody{std::string(raw), 0, ""};
    }
    if (encoding == "gzip" || encoding == "x-gzip") return gunzip(raw, limit);
    return refuse(400, "Content-Encoding '" + std::string(contentEncoding.substr(0, 40)) + "' is not supported; send gzip or an uncompressed body");
}

shared::Result<nlohmann::json> parseJsonBody(std::string_view bytes) {
    const nlohmann::json::parser_callback_t limitDepth = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) throw TooDeep{};
        return true;
    };
    try {
        return nlohmann::json::parse(bytes, limitDepth);
    } catch (const TooDeep&) {
        return shared::Error{"the body is not JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
    } catch (const nlohmann::json::exception& e) {
        return shared::Error{"the body is not JSON: " + withoutPrefix(e.what())};
    } catch (const std::exception& e) {
        return shared::Error{std::string("the body is not JSON: ") + e.what()};
    }
}

std::string gzipCompress(std::string_view bytes) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
    std::string out;
    std::array<unsigned char, kChunk> buffer{};
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs.avail_in = static_cast<uInt>(bytes.size());
    int rc = Z_OK;
    do {
        zs.next_out = buffer.data();
        zs.avail_out = static_cast<uInt>(buffer.size());
        rc = deflate(&zs, Z_FINISH);
        out.append(reinterpret_cast<const char*>(buffer.data()), buffer.size() - zs.avail_out);
    } while (rc == Z_OK || (rc == Z_BUF_ERROR && zs.avail_out == 0));
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace svarboks::server
