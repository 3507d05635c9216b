#include "svarboks/sync/http_client.hpp"

#define ZLIB_CONST
#include <curl/curl.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <mutex>

namespace svarboks::sync {

namespace {

constexpr const char* kUserAgent = "svarboks-kiosk";

struct SlistFree {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistFree>;

// What one transfer collects; libcurl's callbacks get a pointer to it.
struct Transfer {
    const HttpOptions* options = nullptr;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool tooLarge = false;
};

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    return text;
}

std::size_t onWrite(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (transfer->body.size() + bytes > transfer->options->maxReplyBytes) {
        transfer->tooLarge = true;
        return 0;  // CURLE_WRITE_ERROR
    }
    transfer->body.append(data, bytes);
    return bytes;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    const std::string_view line(data, bytes);
    // A new status line (after a 100 Continue, say) starts a new set of headers.
    if (line.rfind("HTTP/", 0) == 0) {
        transfer->headers.clear();
    } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        transfer->headers.emplace_back(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
    return bytes;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* options = static_cast<const HttpOptions*>(user);
    return options->cancelled && options->cancelled() ? 1 : 0;
}

std::string seconds(std::chrono::milliseconds duration) {
    const auto ms = duration.count();
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return std::to_string(ms) + " ms";
}

HttpResponse failed(HttpResponse::Failure failure, std::string message) {
    HttpResponse response;
    response.failure = failure;
    response.error = std::move(message);
    return response;
}

bool startsWithHttps(std::string_view url) { return lower(url.substr(0, 8)) == "https://"; }

}  // namespace

struct HttpClient::Handle {
    explicit Handle(CURL* handle) : curl(handle) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { curl_easy_cleanup(curl); }
    CURL* curl;
};

HttpOptions httpOptionsOf(const shared::KioskConfig& config, std::chrono::milliseconds connectTimeout, std::chrono::milliseconds totalTimeout) {
    HttpOptions options;
    options.caFile = config.caFile;
    options.pinnedPublicKey = config.pinnedPublicKey;
    options.proxy = config.proxy;
    options.connectTimeout = connectTimeout;
    options.totalTimeout = totalTimeout;
    return options;
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    const std::string wanted = lower(name);
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        if (it->first == wanted) return it->second;
    }
    return std::nullopt;
}

HttpClient::HttpClient(std::unique_ptr<Handle> handle, std::unique_ptr<HttpOptions> options)
    : m_handle(std::move(handle)), m_options(std::move(options)) {}
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;
HttpClient::~HttpClient() = default;

shared::Result<HttpClient> HttpClient::create(HttpOptions options) {
    static std::once_flag once;
    static CURLcode globalInit = CURLE_OK;
    std::call_once(once, [] { globalInit = curl_global_init(CURL_GLOBAL_DEFAULT); });
    if (globalInit != CURLE_OK) return shared::Error{std::string("libcurl cannot start: ") + curl_easy_strerror(globalInit)};
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return shared::Error{"libcurl cannot start: curl_easy_init failed"};
    return HttpClient(std::make_unique<Handle>(curl), std::make_unique<HttpOptions>(std::move(options)));
}

HttpResponse HttpClient::perform(const HttpRequest& request) {
    using Failure = HttpResponse::Failure;
    if (!startsWithHttps(request.url)) {
        return failed(Failure::Setup, "'" + request.url.substr(0, 200) + "' is not an https:// URL; the kiosk only talks TLS");
    }
    std::string compressed;
    if (request.gzipBody) {
        auto gz = gzipCompress(request.body);
        if (!gz) return failed(Failure::Setup, gz.error().message);
        compressed = std::move(gz).value();
    }
    const std::string& body = request.gzipBody ? compressed : request.body;

    CURL* curl = m_handle->curl;
    // Options go back to their defaults, but the connection, TLS session and DNS caches stay.
    curl_easy_reset(curl);
    Transfer transfer;
    transfer.options = m_options.get();
    std::array<char, CURL_ERROR_SIZE> errorBuffer{};

    Slist headers;
    const auto addHeader = [&](const std::string& line) {
        if (curl_slist* appended = curl_slist_append(headers.get(), line.c_str()); appended != nullptr) {
            (void)headers.release();
            headers.reset(appended);
            return true;
        }
        return false;
    };
    bool headersOk = addHeader("Accept: application/json");
    if (!request.bearerToken.empty()) headersOk = headersOk && addHeader("Authorization: Bearer " + request.bearerToken);
    if (request.method == "POST") {
        headersOk = headersOk && addHeader("Content-Type: application/json") && addHeader("Expect:");
        if (request.gzipBody) headersOk = headersOk && addHeader("Content-Encoding: gzip");
    }
    for (const auto& [name, value] : request.headers) headersOk = headersOk && addHeader(name + ": " + value);
    if (!headersOk) return failed(Failure::Setup, "out of memory building the request headers");

    const HttpOptions& options = *m_options;
    bool set = true;
    const auto check = [&](CURLcode code) { set = set && code == CURLE_OK; };
    check(curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str()));
    check(curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https"));
    check(curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https"));
    check(curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L));
    check(curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L));
    check(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L));
    check(curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L));
    check(curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
    if (!options.caFile.empty()) {
        // A CA file pins the trust to its CAs alone (PROTOCOL.md): the system's folder of CAs is not consulted.
        check(curl_easy_setopt(curl, CURLOPT_CAINFO, options.caFile.c_str()));
        check(curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr));
    }
    if (!options.pinnedPublicKey.empty()) check(curl_easy_setopt(curl, CURLOPT_PINNEDPUBLICKEY, options.pinnedPublicKey.c_str()));
    if (!options.proxy.empty()) check(curl_easy_setopt(curl, CURLOPT_PROXY, options.proxy.c_str()));
    check(curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connectTimeout.count())));
    check(curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.totalTimeout.count())));
    check(curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L));
    check(curl_easy_setopt(curl, CURLOPT_USERAGENT, kUserAgent));
    check(curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""));
    check(curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errorBuffer.data()));
    check(curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get()));
    check(curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, onWrite));
    check(curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer));
    check(curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, onHeader));
    check(curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer));
    check(curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, onProgress));
    check(curl_easy_setopt(curl, CURLOPT_XFERINFODATA, m_options.get()));
    check(curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L));
    if (request.method == "POST") {
        check(curl_easy_setopt(curl, CURLOPT_POST, 1L));
        check(curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size())));
        check(curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data()));
    } else {
        check(curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L));
    }
    if (!set) return failed(Failure::Setup, "libcurl refused an option (is it built with OpenSSL and version 7.85 or newer?)");

    const CURLcode code = curl_easy_perform(curl);
    const std::string detail = errorBuffer[0] != '\0' ? std::string(errorBuffer.data()) : std::string(curl_easy_strerror(code));
    switch (code) {
        case CURLE_OK: break;
        case CURLE_OPERATION_TIMEDOUT:
            return failed(Failure::Timeout, "no complete reply within " + seconds(options.totalTimeout) + " (" + detail + ")");
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return failed(Failure::Pin, "the server's public key does not match pinned_public_key; nothing was sent (" + detail + ")");
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_CRL_BADFILE:
            return failed(Failure::Tls, "the server's certificate could not be verified; nothing was sent (" + detail + ")");
        case CURLE_ABORTED_BY_CALLBACK: return failed(Failure::Cancelled, "cancelled (the kiosk is stopping)");
        case CURLE_WRITE_ERROR:
            if (transfer.tooLarge) {
                return failed(Failure::TooLarge, "the reply is longer than " + std::to_string(options.maxReplyBytes) + " bytes");
            }
            return failed(Failure::Network, "no connection: " + detail);
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            return failed(Failure::Setup, "the endpoint URL cannot be used: " + detail);
        default: return failed(Failure::Network, "no connection: " + detail);
    }
    HttpResponse response;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    response.body = std::move(transfer.body);
    response.headers = std::move(transfer.headers);
    return response;
}

shared::Result<std::string> gzipCompress(std::string_view bytes) {
    if (bytes.size() > UINT_MAX / 2) return shared::Error{"gzip: the body is too large to compress"};
    z_stream stream{};
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's. Level 1: sealed values are random
    // bytes in base64, which any level shrinks by about the same quarter.
    if (deflateInit2(&stream, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return shared::Error{"gzip: zlib cannot start"};
    }
    std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
    stream.next_in = reinterpret_cast<const Bytef*>(bytes.data());
    stream.avail_in = static_cast<uInt>(bytes.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&stream, Z_FINISH);
    const auto written = static_cast<std::size_t>(stream.total_out);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) return shared::Error{"gzip: compression failed"};
    out.resize(written);
    return out;
}

std::string joinUrl(std::string_view base, std::string_view path) {
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    std::string url(base);
    if (path.empty() || path.front() != '/') url += '/';
    url += path;
    return url;
}

}  // namespace svarboks::sync
