#pragma once
// The web layer's one request and one response: the kiosk API (api.hpp) and the dashboard (dashboard.hpp)
// are functions from an HttpRequest to an HttpResponse, apart from any HTTP library. The HTTPS transport
// (http_server.cpp) is the only code that makes them from cpp-httplib's and writes them back; tests and
// tools build them directly.
//
// Thread-safety: plain values; readBody and stream are called on the thread that handles the request.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace svarboks::server {

/// Header fields in the order they came or were added; names compare without regard to case.
using HeaderFields = std::vector<std::pair<std::string, std::string>>;

/// The value of the first field named `name` (in any case), or "" when there is none.
[[nodiscard]] std::string headerValue(const HeaderFields& fields, std::string_view name);

/// Whether `a` and `b` are equal but for ASCII case (header names, the Bearer scheme, origins).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// `text` without leading and trailing white space.
[[nodiscard]] std::string trim(std::string_view text);

/// The raw body as far as it could be read: at most `limit` bytes, or `tooLarge` when there was more.
struct RawBody {
    std::string bytes;
    bool tooLarge = false;
    bool failed = false;  ///< the connection broke while reading
};

struct HttpRequest {
    std::string method;  ///< "GET", "HEAD", "POST", ...
    std::string path;    ///< without the query string
    std::multimap<std::string, std::string> query;  ///< decoded; only names and values that are valid UTF-8
    HeaderFields headers;       ///< as sent (Content-Encoding included: the body is read undecoded)
    std::string clientAddress;  ///< for rate limits and the login throttle (stored only as a keyed hash, shared_state.hpp); never logged
    /// Reads the body on demand (so that a request refused early is never buffered); at most `limit` bytes.
    /// Empty for the methods without a body (GET, HEAD, OPTIONS).
    std::function<RawBody(std::size_t limit)> readBody;

    [[nodiscard]] std::string header(std::string_view name) const { return headerValue(headers, name); }
    /// Replaces every field named `name` (in any case) by one with `value`.
    void setHeader(const std::string& name, std::string value);
    /// The first query value named `name`, or "".
    [[nodiscard]] std::string param(const std::string& name) const;
    [[nodiscard]] std::vector<std::string> params(const std::string& name) const;
    /// The value of the cookie `name` in the Cookie header, or "".
    [[nodiscard]] std::string cookie(std::string_view name) const;

    /// A request whose body is already at hand (tests, tools); `authorization` goes in that header when set.
    [[nodiscard]] static HttpRequest make(std::string method, std::string path, std::string body = "",
                                          const std::string& authorization = "");
};

/// Receives the next piece of a streamed body; false when the client has gone.
using ChunkSink = std::function<bool(std::string_view)>;

struct HttpResponse {
    int status = 200;
    std::string contentType = "application/json";  ///< "" for a reply without content (a 304)
    std::string body;
    /// ETag, Retry-After, Set-Cookie, ... "Connection: close" ends the connection once the reply is written.
    HeaderFields headers;
    /// For downloads: writes the whole body to the sink in pieces (constant memory); `body` is then unused.
    /// Returns false when it stopped early.
    std::function<bool(const ChunkSink&)> stream;
    /// For the access log: a rejected item of this batch was not kept (the kiosk's dead letters are at their cap).
    bool deadLettersFull = false;

    [[nodiscard]] std::string header(std::string_view name) const { return headerValue(headers, name); }

    /// A page: `body` as UTF-8 HTML.
    [[nodiscard]] static HttpResponse html(int status, std::string body);
    /// A line of UTF-8 text (a newline is added).
    [[nodiscard]] static HttpResponse plain(int status, const std::string& text);
    /// A redirect to `location` (303 See Other: the browser then GETs it, so a form is not posted twice).
    [[nodiscard]] static HttpResponse redirect(const std::string& location, int status = 303);
};

}  // namespace svarboks::server
