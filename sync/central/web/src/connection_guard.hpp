#pragma once
// Deadlines and a per-address cap for the HTTPS server's connections (internal to http_server.cpp).
//
// httplib's SSLServer runs the TLS handshake and reads the request head on the worker thread that serves the
// connection, with a per-read timeout that every byte resets: a peer that trickles a byte every few seconds
// holds its worker for as long as it likes. The guard owns the server's SSL_CTX callbacks and keeps, per
// connection, one deadline for what the peer must have sent by then (the handshake and the head, then the
// body, then the next head). A watchdog thread shuts a late connection's socket down (shutdown(2), not
// close), which ends the worker's blocking read at once; httplib then frees the SSL object and closes the
// socket as it always does. A connection is tracked from the start of its handshake (SSL_CB_HANDSHAKE_START,
// before any byte is read) until its SSL object is freed (an ex_data free callback), and httplib frees it
// before it closes the socket, so the guard never touches a descriptor that was closed or reused.
//
// Peer addresses are used in memory only, never logged. IPv6 peers are counted by their /64 prefix (one
// host usually has a whole /64). Thread-safety: every member function may be called from any thread.
#include "svarboks/server/http_server.hpp"

#include <openssl/ssl.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace svarboks::server {

struct GuardOptions {
    std::chrono::milliseconds headDeadline{10'000};      ///< from the handshake's start to the end of the request head
    std::chrono::milliseconds requestDeadline{60'000};   ///< from the end of the head to the end of the reply
    std::chrono::milliseconds keepAlive{5'000};          ///< after a reply, added to headDeadline for the next head
    std::size_t maxPerAddress = 512;                     ///< live connections per peer address; 0 = no cap
    std::vector<std::string> uncapped;                   ///< addresses without the cap (trusted load balancers; canonical)
    std::chrono::seconds logInterval{60};                ///< at most one "connections_cut" line per interval
};

class ConnectionGuard {
public:
    /// Starts the watchdog. `log` gets the rate-limited "connections_cut" lines (may be empty).
    ConnectionGuard(GuardOptions options, LogSink log);
    ~ConnectionGuard();
    ConnectionGuard(const ConnectionGuard&) = delete;
    ConnectionGuard& operator=(const ConnectionGuard&) = delete;

    /// Sets the context's info callback and app data; call once, from the SSL_CTX setup, before any connection.
    void install(SSL_CTX& ctx);

    /// The request head was read: the body, the handler and the reply have until requestDeadline.
    void headRead(const SSL* ssl);
    /// A reply was written: the next head must be in within keepAlive + headDeadline.
    void replied(const SSL* ssl);
    /// The reply is a stream (a download, signed in): no deadline; httplib's write timeout still ends a
    /// peer that stops reading.
    void streaming(const SSL* ssl);

    /// Connections tracked right now (tests).
    [[nodiscard]] std::size_t open() const;

private:
    using Clock = std::chrono::steady_clock;
    struct Connection {
        int fd = -1;
        std::string address;  ///< the peer address as counted for the cap
        std::uint16_t port = 0;
        Clock::time_point deadline;
        bool cut = false;
    };

    static void onInfo(const SSL* ssl, int where, int ret);
    static void onFree(void* parent, void* ptr, CRYPTO_EX_DATA* data, int index, long argl, void* argp);
    void started(SSL& ssl);
    void freed(const SSL* ssl);
    void setDeadline(const SSL* ssl, Clock::time_point deadline);
    void watch();

    GuardOptions m_options;
    LogSink m_log;
    int m_index = -1;  ///< this guard's ex_data slot on SSL objects; set only on connections it tracks

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::unordered_map<const SSL*, Connection> m_connections;
    std::unordered_map<std::string, std::size_t> m_perAddress;
    std::size_t m_cutLate = 0;       ///< since the last log line
    std::size_t m_cutOverCap = 0;
    Clock::time_point m_lastReport;
    bool m_reported = false;
    std::thread m_watchdog;
};

}  // namespace svarboks::server
