#include "svarboks/server/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace svarboks::server {

std::string headerValue(const HeaderFields& fields, std::string_view name) {
    for (const auto& [key, value] : fields) {
        if (iequals(key, name)) return value;
    }
    return "";
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
    return std::string(text);
}

void HttpRequest::setHeader(const std::string& name, std::string value) {
    std::erase_if(headers, [&](const auto& field) { return iequals(field.first, name); });
    headers.emplace_back(name, std::move(value));
}

std::string HttpRequest::param(const std::string& name) const {
    const auto found = query.find(name);
    return found == query.end() ? std::string() : found->second;
}

std::vector<std::string> HttpRequest::params(const std::string& name) const {
    std::vector<std::string> values;
    for (auto [it, end] = query.equal_range(name); it != end; ++it) values.push_back(it->second);
    return values;
}

std::string HttpRequest::cookie(std::string_view name) const {
    const std::string cookies = header("Cookie");
    std::string_view rest = cookies;
    while (!rest.empty()) {
        const auto semicolon = rest.find(';');
        std::string_view pair = rest.substr(0, semicolon);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto equals = pair.find('=');
        if (equals != std::string_view::npos && pair.substr(0, equals) == name) return trim(pair.substr(equals + 1));
        if (semicolon == std::string_view::npos) break;
        rest.remove_prefix(semicolon + 1);
    }
    return "";
}

HttpRequest HttpRequest::make(std::string method, std::string path, std::string body, const std::string& authorization) {
    HttpRequest request;
    request.method = std::move(method);
    request.path = std::move(path);
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    request.readBody = [body = std::move(body)](std::size_t limit) {
        if (body.size() > limit) return RawBody{"", true, false};
        return RawBody{body, false, false};
    };
    return request;
}

HttpResponse HttpResponse::html(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.contentType = "text/html; charset=utf-8";
    response.body = std::move(body);
    return response;
}

HttpResponse HttpResponse::plain(int status, const std::string& text) {
    HttpResponse response;
    response.status = status;
    response.contentType = "text/plain; charset=utf-8";
    response.body = text + "\n";
    return response;
}

HttpResponse HttpResponse::redirect(const std::string& location, int status) {
    HttpResponse response = plain(status, "See " + location);
    response.headers.emplace_back("Location", location);
    return response;
}

}  // namespace svarboks::server
