#include "svarboks/server/multipart.hpp"

#include "svarboks/server/http_message.hpp"

namespace svarboks::server {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046
constexpr std::size_t kMaxParts = 64;

// The value of `name` in a header's parameters (`form-data; name="x"; filename="a.json"`), unquoted;
// nullopt when it is not there.
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
    std::size_t at = 0;
    while ((at = header.find(';', at)) != std::string_view::npos) {
        ++at;
        while (at < header.size() && header[at] == ' ') ++at;
        const auto equals = header.find('=', at);
        if (equals == std::string_view::npos) return std::nullopt;
        if (!iequals(trim(header.substr(at, equals - at)), name)) continue;
        std::size_t from = equals + 1;
        if (from < header.size() && header[from] == '"') {
            std::string value;
            for (++from; from < header.size() && header[from] != '"'; ++from) {
                if (header[from] == '\\' && from + 1 < header.size()) ++from;
                value += header[from];
            }
            return value;
        }
        const auto end = header.find(';', from);
        return trim(header.substr(from, end == std::string_view::npos ? std::string_view::npos : end - from));
    }
    return std::nullopt;
}

}  // namespace

std::string multipartBoundary(std::string_view contentType) {
    const auto semicolon = contentType.find(';');
    if (!iequals(trim(contentType.substr(0, semicolon)), "multipart/form-data") || semicolon == std::string_view::npos) return "";
    const auto boundary = parameter(contentType, "boundary");
    if (!boundary || boundary->empty() || boundary->size() > kMaxBoundary) return "";
    return *boundary;
}

shared::Result<std::vector<FormPart>> parseMultipart(std::string_view body, std::string_view boundary) {
    const std::string delimiter = "--" + std::string(boundary);
    if (body.substr(0, delimiter.size()) != delimiter) return shared::Error{"the form does not start with its boundary"};
    std::vector<FormPart> parts;
    std::size_t at = delimiter.size();
    const std::string next = "\r\n" + delimiter;
    while (true) {
        if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
        if (body.substr(at, 2) != "\r\n") return shared::Error{"a boundary of the form is not followed by a line break"};
        at += 2;
        const auto headersEnd = body.find("\r\n\r\n", at);
        if (headersEnd == std::string_view::npos) return shared::Error{"a part of the form has no end to its headers"};
        const auto end = body.find(next, headersEnd + 4);
        if (end == std::string_view::npos) return shared::Error{"the form ends before its closing boundary"};
        if (parts.size() == kMaxParts) return shared::Error{"the form has more than " + std::to_string(kMaxParts) + " parts"};
        FormPart part;
        bool named = false;
        std::string_view headers = body.substr(at, headersEnd - at);
        while (!headers.empty()) {
            const auto lineEnd = headers.find("\r\n");
            const std::string_view line = headers.substr(0, lineEnd);
            headers = lineEnd == std::string_view::npos ? std::string_view() : headers.substr(lineEnd + 2);
            const auto colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            const std::string_view field = line.substr(0, colon);
            const std::string value = trim(line.substr(colon + 1));
            if (iequals(field, "Content-Disposition")) {
                if (auto name = parameter(value, "name")) {
                    part.name = *name;
                    named = true;
                }
                part.fileName = parameter(value, "filename");
            } else if (iequals(field, "Content-Type")) {
                part.contentType = value;
            }
        }
        if (!named) return shared::Error{"a part of the form has no name"};
        part.bytes = std::string(body.substr(headersEnd + 4, end - headersEnd - 4));
        parts.push_back(std::move(part));
        at = end + next.size();
    }
}

}  // namespace svarboks::server
