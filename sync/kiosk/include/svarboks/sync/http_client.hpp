#pragma once
// The kiosk's HTTPS client: one reused libcurl easy handle (connection, TLS session and DNS caches kept
// between requests), with TLS verification always on. Plain http:// is refused: PROTOCOL.md allows it only
// behind an explicit insecure development flag, and the kiosk has none (tests use TLS too).
//
// Threads: an HttpClient is used by one thread at a time (the uploader's, or the command line's). The
// cancel check given to the options is called from that thread during a transfer.
//
// Errors: a transfer that gets no complete HTTP reply is an HttpResponse with `failure` set and a message
// a person can act on; nothing throws out of this class.
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace svarboks::sync {

struct HttpOptions {
    std::string caFile;           ///< "" = the system's CAs; else only the CAs in this PEM file are trusted
    std::string pinnedPublicKey;  ///< CURLOPT_PINNEDPUBLICKEY ("sha256//base64[;sha256//...]"), "" = no pin
    std::string proxy;            ///< CURLOPT_PROXY; "" = libcurl's environment handling (https_proxy, no_proxy)
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds totalTimeout{60'000};
    std::size_t maxReplyBytes = 8 * 1024 * 1024;  ///< a longer reply is cut off and reported as TooLarge
    /// Called about once a second during a transfer; returning true aborts it (Failure::Cancelled).
    std::function<bool()> cancelled;
};

/// The options of a kiosk config (ca_file, pinned_public_key, proxy) with these timeouts.
[[nodiscard]] HttpOptions httpOptionsOf(const shared::KioskConfig& config, std::chrono::milliseconds connectTimeout,
                                        std::chrono::milliseconds totalTimeout);

struct HttpRequest {
    std::string method = "GET";  ///< "GET" or "POST"
    std::string url;             ///< https://...
    std::string bearerToken;     ///< "" = no Authorization header
    std::string body;            ///< sent as application/json when method is POST
    bool gzipBody = false;       ///< compress the body and send Content-Encoding: gzip
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra request headers
};

struct HttpResponse {
    /// Tls: the certificate could not be verified; Pin: it was, but its key is not pinned_public_key.
    enum class Failure { None, Timeout, Tls, Pin, Network, TooLarge, Cancelled, Setup };
    Failure failure = Failure::None;
    std::string error;  ///< set when failure != None, e.g. "no reply within 60 s"
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased, in arrival order

    [[nodiscard]] bool ok() const { return failure == Failure::None; }
    /// The last value of a header (name in any case), or nullopt.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
public:
    /// Creates the handle (and initialises libcurl once per process). An error only when libcurl cannot start.
    [[nodiscard]] static shared::Result<HttpClient> create(HttpOptions options);

    HttpClient(HttpClient&&) noexcept;
    HttpClient& operator=(HttpClient&&) noexcept;
    ~HttpClient();

    /// Performs one request on the reused handle. Blocks for at most the total timeout (less when cancelled).
    /// Any HTTP status is a reply (failure None); only a missing or incomplete reply is a failure.
    [[nodiscard]] HttpResponse perform(const HttpRequest& request);

    [[nodiscard]] const HttpOptions& options() const { return *m_options; }

private:
    struct Handle;
    explicit HttpClient(std::unique_ptr<Handle> handle, std::unique_ptr<HttpOptions> options);
    std::unique_ptr<Handle> m_handle;
    std::unique_ptr<HttpOptions> m_options;  ///< stable address: libcurl's callbacks point at it
};

/// gzip (RFC 1952) of `bytes`, as sent with Content-Encoding: gzip. Thread-safe.
[[nodiscard]] shared::Result<std::string> gzipCompress(std::string_view bytes);

/// `base` (an endpoint URL, with or without a trailing slash or a path prefix) joined with `path` ("/api/v1/...").
[[nodiscard]] std::string joinUrl(std::string_view base, std::string_view path);

}  // namespace svarboks::sync
