#include "svarboks/server/http_server.hpp"

#include "svarboks/server/html.hpp"

#include "connection_guard.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace svarboks::server {

using shared::Error;
using shared::Result;
using shared::Status;

namespace {

// httplib's ThreadPool starts all its threads at once and queues accepted connections without limit. This
// one starts a worker whenever a connection would otherwise wait, up to `maxThreads` (a connection holds
// its worker while it is open, idle or slow ones too, so the pool must be able to outnumber them), and makes
// the accept loop wait when `maxQueued` connections are already waiting for one. Workers stay once started.
class BoundedTaskQueue final : public httplib::TaskQueue {
public:
    BoundedTaskQueue(std::size_t maxThreads, std::size_t maxQueued) : m_maxThreads(maxThreads), m_maxQueued(maxQueued) {}
    BoundedTaskQueue(const BoundedTaskQueue&) = delete;
    BoundedTaskQueue& operator=(const BoundedTaskQueue&) = delete;
    ~BoundedTaskQueue() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        std::unique_lock lock(m_mutex);
        m_hasRoom.wait(lock, [&] { return m_jobs.size() < m_maxQueued || m_stopping; });
        m_jobs.push_back(std::move(fn));
        if (m_jobs.size() > m_idle && m_workers.size() < m_maxThreads) {
            try {
                m_workers.emplace_back([this] { work(); });
            } catch (const std::system_error&) {
                // Out of threads (a process or cgroup limit): the connection waits for a running worker.
            }
        }
        updateWaiting();
        m_hasJob.notify_one();
    }

    /// Accepted connections waiting for a worker (none while idle workers are about to take them). Any thread.
    [[nodiscard]] std::size_t waiting() const { return m_waiting; }

    void shutdown() override {
        {
            const std::lock_guard lock(m_mutex);
            if (m_stopping && m_workers.empty()) return;
            m_stopping = true;
        }
        m_hasJob.notify_all();
        m_hasRoom.notify_all();
        for (auto& worker : m_workers) worker.join();
        m_workers.clear();
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock lock(m_mutex);
                ++m_idle;
                updateWaiting();
                m_hasJob.wait(lock, [&] { return !m_jobs.empty() || m_stopping; });
                --m_idle;
                if (m_jobs.empty()) return;  // stopping, and every queued connection was served
                job = std::move(m_jobs.front());
                m_jobs.pop_front();
                updateWaiting();
            }
            m_hasRoom.notify_one();
            job();
        }
    }

    // Under m_mutex.
    void updateWaiting() { m_waiting = m_jobs.size() > m_idle ? m_jobs.size() - m_idle : 0; }

    std::size_t m_maxThreads;
    std::size_t m_maxQueued;
    std::size_t m_idle = 0;
    std::mutex m_mutex;
    std::condition_variable m_hasJob;
    std::condition_variable m_hasRoom;
    std::deque<std::function<void()>> m_jobs;
    std::vector<std::thread> m_workers;
    std::atomic<std::size_t> m_waiting{0};
    bool m_stopping = false;
};

// Two things httplib keeps protected. The backlog it listens with is compiled in (5), far too short for
// many kiosks connecting at once, so it is raised after binding (listen() again is allowed on Linux).
// And its stop() does nothing until the accept loop has started, so a SIGTERM right after binding would
// be lost: closing the listening socket works in every state (the loop then ends, or never starts).
class Listener final : public httplib::SSLServer {
public:
    using httplib::SSLServer::SSLServer;
    void setBacklog(int backlog) { ::listen(svr_sock_, backlog); }
    void stopListening() {
        const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
        if (sock != INVALID_SOCKET) {
            ::shutdown(sock, SHUT_RDWR);  // wakes a blocked accept()
            ::close(sock);
        }
    }
};

// Every open connection is a descriptor: up to `threads` served and four times as many queued, besides
// the store's. Raises the process's soft limit (often 1024) towards its hard limit as far as that needs.
void raiseOpenFileLimit(std::size_t threads) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    const rlim_t needed = static_cast<rlim_t>(threads) * 5 + 256;
    if (limit.rlim_cur >= needed) return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
}

// What one request carries from httplib's pre-routing handler through its route to the logger. httplib calls
// the three with the same Request object (a local of the worker that serves the request, alive from its
// request line to its log line), and the logger last and always; so that object's address keys the
// request's record in between. A request httplib refused before routing (a bad request line) has none.
struct Exchange {
    std::chrono::steady_clock::time_point start;
    HttpRequest request;           ///< made as the head was read, before httplib could touch the body
    bool deadLettersFull = false;  ///< HttpResponse::deadLettersFull, for the log line
};

// The records of the requests in flight. Thread-safe.
class Exchanges {
public:
    void begin(const httplib::Request& req, HttpRequest request) {
        const std::lock_guard lock(m_mutex);
        m_open.insert_or_assign(&req, Exchange{std::chrono::steady_clock::now(), std::move(request), false});
    }
    /// The request begin() was given (moved out: called once, by the route).
    [[nodiscard]] HttpRequest takeRequest(const httplib::Request& req) {
        const std::lock_guard lock(m_mutex);
        const auto found = m_open.find(&req);
        return found == m_open.end() ? HttpRequest{} : std::move(found->second.request);
    }
    void noteDeadLettersFull(const httplib::Request& req) {
        const std::lock_guard lock(m_mutex);
        if (const auto found = m_open.find(&req); found != m_open.end()) found->second.deadLettersFull = true;
    }
    /// Removes and returns the request's record (an empty one when it has none).
    [[nodiscard]] Exchange end(const httplib::Request& req) {
        const std::lock_guard lock(m_mutex);
        auto node = m_open.extract(&req);
        return node.empty() ? Exchange{} : std::move(node.mapped());
    }

private:
    std::mutex m_mutex;
    std::unordered_map<const httplib::Request*, Exchange> m_open;
};

// A body read through httplib's ContentReader. Past its cap a body is still read to its end, discarded, so
// that the connection stays in step for the next request; only beyond `ceiling`, httplib's own limit (every
// Content-Length body is within it; an endless chunked one is not), is it abandoned, and then the
// connection must be closed.
class CappedBody {
public:
    CappedBody(const httplib::ContentReader& reader, std::size_t ceiling, httplib::Response& res)
        : m_reader(reader), m_ceiling(ceiling), m_res(res) {}

    /// At most `limit` bytes of the body.
    [[nodiscard]] RawBody read(std::size_t limit) {
        RawBody body;
        const auto [complete, tooLarge] = consume(limit, &body.bytes);
        body.tooLarge = tooLarge;
        body.failed = !complete && !tooLarge;
        if (tooLarge) body.bytes.clear();
        return body;
    }
    /// Reads the body to its end, unbuffered, unless it was read (a request refused early: 401, 429, ...).
    void drainUnread() {
        if (m_consumed) return;
        const int status = m_res.status;  // httplib's reader sets 400 or 413 when it fails
        (void)consume(0, nullptr);
        m_res.status = status;
    }
    [[nodiscard]] bool abandoned() const { return m_abandoned; }

private:
    // Whether the body was read to its end, and whether it was over `limit`.
    std::pair<bool, bool> consume(std::size_t limit, std::string* keep) {
        m_consumed = true;
        std::size_t total = 0;
        bool over = false;
        const bool complete = m_reader([&](const char* data, std::size_t length) {
            total += length;
            if (total > m_ceiling) return false;
            if (keep != nullptr && total <= limit) keep->append(data, length);
            else over = true;
            return true;
        });
        // httplib refuses a Content-Length over its limit itself: it sets 413 and skips the body.
        if (!complete && total > m_ceiling) m_abandoned = true;
        return {complete, over || total > m_ceiling || (!complete && m_res.status == 413)};
    }

    const httplib::ContentReader& m_reader;
    std::size_t m_ceiling;
    httplib::Response& m_res;
    bool m_consumed = false;
    bool m_abandoned = false;
};

// Header fields httplib adds to a request itself (the peer's address reaches the handlers as clientAddress).
bool addedByHttplib(std::string_view name) {
    return iequals(name, "REMOTE_ADDR") || iequals(name, "REMOTE_PORT") || iequals(name, "LOCAL_ADDR") || iequals(name, "LOCAL_PORT");
}

// Ends a kept-alive connection after this reply. It cannot be closed from the handler (httplib writes no
// reply to a socket that already reads as closed): writeLog() does it once the reply is written.
void closeAfterReply(httplib::Response& res) {
    if (res.get_header_value("Connection") != "close") res.set_header("Connection", "close");
}

// An IMF-fixdate (RFC 9110 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT", whatever the process's locale.
std::string httpDate(std::chrono::system_clock::time_point when) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                  utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return text;
}

const char* reason(int status) {
    switch (status) {
        case 400: return "bad request";
        case 401: return "unauthorized";
        case 403: return "forbidden";
        case 404: return "not found";
        case 405: return "method not allowed";
        case 408: return "request timeout";
        case 413: return "the body is over the server's limit";
        case 414: return "the URI is too long";
        case 415: return "unsupported media type";
        case 429: return "too many requests";
        case 503: return "unavailable";
        default: return status >= 500 ? "server error" : "request refused";
    }
}

}  // namespace

struct HttpServer::Impl {
    Api& api;
    ServeOptions options;
    LogSink log;
    Dashboard* dashboard = nullptr;
    std::unique_ptr<ConnectionGuard> guard;  // outlives the server: its SSL objects report to it when freed
    std::unique_ptr<Listener> server;
    std::atomic<BoundedTaskQueue*> queue{nullptr};
    Exchanges exchanges;
    bool bound = false;

    Impl(Api& a, ServeOptions o, LogSink l, Dashboard* d) : api(a), options(std::move(o)), log(std::move(l)), dashboard(d) {}

    // The one conversion from httplib's request, as its head is read: the decoded query values (only valid
    // UTF-8 ones) and the header fields as sent.
    HttpRequest requestFrom(const httplib::Request& req) const {
        HttpRequest request;
        request.method = req.method;
        request.path = req.path;
        for (const auto& [name, value] : req.params) {
            if (isCleanUtf8(name) && isCleanUtf8(value)) request.query.emplace(name, value);
        }
        for (const auto& [name, value] : req.headers) {
            if (!addedByHttplib(name)) request.headers.emplace_back(name, value);
        }
        std::vector<std::string> forwardedFor;
        if (!options.trustedProxies.empty()) {
            for (const auto& [name, value] : req.headers) {
                if (iequals(name, "X-Forwarded-For")) forwardedFor.push_back(value);
            }
        }
        request.clientAddress = clientAddressOf(req.remote_addr, forwardedFor, options.trustedProxies);
        return request;
    }

    // The one conversion back to httplib's response.
    void write(const httplib::Request& req, HttpResponse response, httplib::Response& res) const {
        res.status = response.status;
        // RFC 9110 6.6.1: a server with a clock sends Date; a kiosk's doctor compares its own clock with it.
        res.set_header("Date", httpDate(std::chrono::system_clock::now()));
        for (const auto& [name, value] : response.headers) res.set_header(name, value);
        if (response.stream) {
            guard->streaming(req.ssl);  // a download may take longer than requestDeadline on a slow line
            // Streamed in chunks straight to the socket: a download's memory does not grow with its size.
            res.set_chunked_content_provider(response.contentType, [stream = std::move(response.stream)](std::size_t, httplib::DataSink& sink) {
                const bool complete = stream([&sink](std::string_view chunk) { return sink.write(chunk.data(), chunk.size()); });
                if (complete) sink.done();
                return complete;
            });
        } else if (!response.contentType.empty()) {
            res.set_content(response.body, response.contentType);
        }
    }

    // Every route: the request as pre-routing made it, with its body (methods that have one) read through
    // `reader` under the caps, answered by the dashboard or the API.
    void serve(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader* reader) {
        HttpRequest request = exchanges.takeRequest(req);
        std::optional<CappedBody> body;
        if (reader != nullptr) {
            body.emplace(*reader, api.rawBodyLimit("/api/v1/batches"), res);
            request.readBody = [&body](std::size_t limit) { return body->read(limit); };
        }
        HttpResponse response = dashboard != nullptr && Dashboard::handles(request.path) ? dashboard->handle(request) : api.handle(request);
        if (response.deadLettersFull) exchanges.noteDeadLettersFull(req);
        write(req, std::move(response), res);
        if (body) body->drainUnread();
        if (body && body->abandoned()) {
            closeAfterReply(res);
            if (req.ssl != nullptr) ::shutdown(SSL_get_fd(req.ssl), SHUT_RD);  // no further request is read
        } else {
            yieldIfOthersWait(res);
        }
    }

    void writeLog(const httplib::Request& req, const httplib::Response& res) {
        const Exchange exchange = exchanges.end(req);
        guard->replied(req.ssl);
        // A reply that says Connection: close (the handler's, closeAfterReply()'s or httplib's own) ends its
        // connection: with the reading side shut, httplib's keep-alive loop reads no further request.
        if (req.ssl != nullptr && res.get_header_value("Connection") == "close") ::shutdown(SSL_get_fd(req.ssl), SHUT_RD);
        if (!log) return;
        const double elapsed = exchange.start == std::chrono::steady_clock::time_point{}
                                   ? 0.0
                                   : std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - exchange.start).count();
        nlohmann::ordered_json line;
        line["method"] = req.method;
        line["path"] = isKnownPath(req.path) ? req.path : dashboard != nullptr && Dashboard::handles(req.path) ? Dashboard::logPath(req.path) : "other";
        line["status"] = res.status;
        line["duration_ms"] = static_cast<double>(static_cast<std::int64_t>(elapsed * 10.0)) / 10.0;
        // No batch size and no per-batch counts: "accepted 1" says that one person has just answered.
        if (exchange.deadLettersFull) {
            line["dead_letters"] = "this kiosk's rejected responses on the server are at their cap (" +
                                   std::to_string(kDeadLetterBytesPerDevice / (1024 * 1024)) + " MiB): more are answered 'rejected' but not kept";
        }
        log(line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    }

    // httplib serves a connection on one worker for as long as it is kept alive, so with more kiosks than
    // workers the ones queued behind would wait until their connect timeout. When connections are waiting
    // for a worker, this one is closed after its reply (the kiosk reconnects and queues like the rest).
    void yieldIfOthersWait(httplib::Response& res) const {
        const BoundedTaskQueue* waiting = queue;
        if (waiting != nullptr && waiting->waiting() > 0) closeAfterReply(res);
    }

    void setUp() {
        Listener& svr = *server;
        const std::size_t threads = std::max<std::size_t>(1, options.threads);
        svr.set_default_headers({{"Strict-Transport-Security", "max-age=31536000"}});
        svr.new_task_queue = [this, threads] {
            auto* created = new BoundedTaskQueue(threads, threads * 4);
            queue = created;
            return created;
        };
        svr.set_tcp_nodelay(true);
        svr.set_keep_alive_max_count(std::max<std::size_t>(1, options.keepAliveMaxCount));
        svr.set_keep_alive_timeout(options.keepAliveTimeout.count());
        svr.set_read_timeout(options.readTimeout.count(), 0);
        svr.set_write_timeout(options.writeTimeout.count(), 0);
        svr.set_payload_max_length(api.rawBodyLimit("/api/v1/batches"));

        svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
            guard->headRead(req.ssl);
            exchanges.begin(req, requestFrom(req));
            // httplib would inflate a gzip body itself, without a cap on the output and without noticing a
            // truncated stream; taking the header away (the HttpRequest keeps it) hands the raw bytes to
            // decodeBody(). The request object is httplib's own non-const local, so changing it is well-defined.
            const_cast<httplib::Request&>(req).headers.erase("Content-Encoding");
            // Likewise a multipart form (the dashboard's survey upload): httplib would split it itself and
            // hand no raw bytes to a ContentReader; the dashboard reads the raw body under its own cap and
            // splits it (multipart.hpp), with the Content-Type the HttpRequest kept.
            if (req.is_multipart_form_data()) const_cast<httplib::Request&>(req).headers.erase("Content-Type");
            return httplib::Server::HandlerResponse::Unhandled;
        });
        const auto withoutBody = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res, nullptr); };
        const auto withBody = [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
            serve(req, res, &reader);
        };
        svr.Get(".*", withoutBody);
        svr.Options(".*", withoutBody);
        svr.Post(".*", withBody);
        svr.Put(".*", withBody);
        svr.Patch(".*", withBody);
        svr.Delete(".*", withBody);

        svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
            if (res.body.empty()) res.set_content(nlohmann::json{{"error", reason(res.status)}}.dump(), "application/json");
        });
        svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            res.status = 500;
            res.set_content(R"({"error":"internal error"})", "application/json");
        });
        svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) { writeLog(req, res); });
    }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
HttpServer::~HttpServer() {
    if (m_impl && m_impl->server) m_impl->server->stopListening();
}

std::optional<std::string> canonicalAddress(std::string_view text) {
    const std::string address(text);
    char out[INET6_ADDRSTRLEN] = {};
    in_addr v4{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return ::inet_ntop(AF_INET, &v4, out, sizeof out) ? std::optional<std::string>(out) : std::nullopt;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return std::nullopt;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return ::inet_ntop(AF_INET, &v6.s6_addr[12], out, sizeof out) ? std::optional<std::string>(out) : std::nullopt;
    return ::inet_ntop(AF_INET6, &v6, out, sizeof out) ? std::optional<std::string>(out) : std::nullopt;
}

std::string clientAddressOf(const std::string& peer, const std::vector<std::string>& forwardedFor, const std::vector<std::string>& trustedProxies) {
    if (forwardedFor.empty() || trustedProxies.empty()) return peer;
    const auto canonicalPeer = canonicalAddress(peer);
    if (!canonicalPeer || std::find(trustedProxies.begin(), trustedProxies.end(), *canonicalPeer) == trustedProxies.end()) return peer;
    std::string_view last = forwardedFor.back();
    if (const auto comma = last.rfind(','); comma != std::string_view::npos) last.remove_prefix(comma + 1);
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
    while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
    const auto client = canonicalAddress(last);
    return client ? *client : peer;
}

Status parseListenAddress(const std::string& text, ServeOptions& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return Error{"--listen '" + text + "': expected HOST:PORT such as 127.0.0.1:8443"};
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    int port = 0;
    const char* begin = text.data() + colon + 1;
    const char* end = text.data() + text.size();
    const auto parsed = std::from_chars(begin, end, port);
    if (parsed.ec != std::errc{} || parsed.ptr != end || port < 0 || port > 65535) {
        return Error{"--listen '" + text + "': the port must be a number from 0 to 65535"};
    }
    options.host = host;
    options.port = port;
    return {};
}

Result<std::unique_ptr<HttpServer>> HttpServer::create(Api& api, const ServeOptions& options, LogSink log, Dashboard* dashboard) {
    auto impl = std::make_unique<Impl>(api, options, std::move(log), dashboard);
    GuardOptions guarding;
    guarding.headDeadline = options.headDeadline;
    guarding.requestDeadline = options.requestDeadline;
    guarding.keepAlive = options.keepAliveTimeout;
    guarding.maxPerAddress = options.maxConnectionsPerAddress;
    // As the guard counts a peer: IPv6 by its /64.
    for (const auto& proxy : options.trustedProxies) {
        in6_addr v6{};
        if (proxy.find(':') == std::string::npos || ::inet_pton(AF_INET6, proxy.c_str(), &v6) != 1) {
            guarding.uncapped.push_back(proxy);
            continue;
        }
        std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), static_cast<std::uint8_t>(0));
        char text[INET6_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET6, &v6, text, sizeof text);
        guarding.uncapped.push_back(std::string(text) + "/64");
    }
    impl->guard = std::make_unique<ConnectionGuard>(guarding, impl->log);
    ConnectionGuard& guard = *impl->guard;
    std::string problem;
    const std::string cert = options.certFile.string();
    const std::string key = options.keyFile.string();
    impl->server = std::make_unique<Listener>([&](SSL_CTX& ctx) {
        SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        guard.install(ctx);
        if (SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) != 1) {
            problem = cert + ": cannot load the TLS certificate";
            return false;
        }
        if (SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(&ctx) != 1) {
            problem = key + ": cannot load the TLS private key, or it does not belong to " + cert;
            return false;
        }
        return true;
    });
    if (!impl->server->is_valid()) return Error{problem.empty() ? "cannot set up TLS" : problem};
    impl->setUp();
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Result<int> HttpServer::bind() {
    Listener& svr = *m_impl->server;
    int port = m_impl->options.port;
    if (port == 0) {
        port = svr.bind_to_any_port(m_impl->options.host);
        if (port <= 0) return Error{"cannot listen on " + m_impl->options.host + ": no free port or the address is not local"};
    } else if (!svr.bind_to_port(m_impl->options.host, port)) {
        return Error{"cannot listen on " + m_impl->options.host + ":" + std::to_string(port) +
                     " (in use, not an address of this machine, or a port below 1024 without the right to use it)"};
    }
    svr.setBacklog(static_cast<int>(m_impl->options.listenBacklog));
    raiseOpenFileLimit(std::max<std::size_t>(1, m_impl->options.threads));
    m_impl->bound = true;
    return port;
}

Status HttpServer::run() {
    if (!m_impl->bound) return Error{"HttpServer::run() before bind()"};
    if (!m_impl->server->listen_after_bind()) return Error{"the listening socket failed; the server stopped"};
    return {};
}

void HttpServer::stop() { m_impl->server->stopListening(); }

}  // namespace svarboks::server
