#include "connection_guard.hpp"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace svarboks::server {

namespace {

struct Peer {
    std::string address;
    std::uint16_t port = 0;
};

// The peer of a socket as the cap counts it: IPv4 as is (also when it arrives IPv4-mapped on an IPv6
// socket), IPv6 by its /64, since one host or customer line is usually given a whole /64.
bool peerOf(int fd, Peer& peer) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return false;
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage);
        if (::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text) == nullptr) return false;
        peer = {text, ntohs(v4->sin_port)};
        return true;
    }
    if (storage.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage);
        in6_addr address = v6->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(&address)) {
            if (::inet_ntop(AF_INET, &address.s6_addr[12], text, sizeof text) == nullptr) return false;
            peer = {text, ntohs(v6->sin6_port)};
            return true;
        }
        std::memset(&address.s6_addr[8], 0, 8);
        if (::inet_ntop(AF_INET6, &address, text, sizeof text) == nullptr) return false;
        peer = {std::string(text) + "/64", ntohs(v6->sin6_port)};
        return true;
    }
    return false;
}

}  // namespace

ConnectionGuard::ConnectionGuard(GuardOptions options, LogSink log) : m_options(options), m_log(std::move(log)) {
    // The free callback runs for every SSL object of the process, with this guard's slot value as `ptr`:
    // null on connections this guard does not track (another server's, or one refused over the cap).
    m_index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &ConnectionGuard::onFree);
    m_watchdog = std::thread([this] { watch(); });
}

ConnectionGuard::~ConnectionGuard() {
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_watchdog.join();
    if (m_index >= 0) CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, m_index);
}

void ConnectionGuard::install(SSL_CTX& ctx) {
    SSL_CTX_set_app_data(&ctx, this);
    SSL_CTX_set_info_callback(&ctx, &ConnectionGuard::onInfo);
}

void ConnectionGuard::onInfo(const SSL* ssl, int where, int) {
    if ((where & SSL_CB_HANDSHAKE_START) == 0) return;
    auto* guard = static_cast<ConnectionGuard*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
    // OpenSSL hands the info callback a const SSL; the object is httplib's own, in the middle of SSL_accept.
    if (guard != nullptr) guard->started(*const_cast<SSL*>(ssl));
}

void ConnectionGuard::onFree(void* parent, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
    // `parent` is the SSL being freed; `ptr` is this slot's value, the guard, set only on tracked connections.
    if (ptr != nullptr) static_cast<ConnectionGuard*>(ptr)->freed(static_cast<const SSL*>(parent));
}

void ConnectionGuard::started(SSL& ssl) {
    if (SSL_get_ex_data(&ssl, m_index) != nullptr) return;  // a second handshake on a tracked connection
    const int fd = SSL_get_fd(&ssl);
    Peer peer;
    if (fd < 0 || !peerOf(fd, peer)) return;
    const std::lock_guard lock(m_mutex);
    std::size_t& count = m_perAddress[peer.address];
    const bool uncapped = std::find(m_options.uncapped.begin(), m_options.uncapped.end(), peer.address) != m_options.uncapped.end();
    if (m_options.maxPerAddress > 0 && count >= m_options.maxPerAddress && !uncapped) {
        // Refused before a byte is read: SSL_accept fails at once and the worker is free again.
        ::shutdown(fd, SHUT_RDWR);
        ++m_cutOverCap;
        m_wake.notify_all();
        return;
    }
    ++count;
    m_connections[&ssl] = Connection{fd, std::move(peer.address), peer.port, Clock::now() + m_options.headDeadline, false};
    SSL_set_ex_data(&ssl, m_index, this);
}

void ConnectionGuard::freed(const SSL* ssl) {
    const std::lock_guard lock(m_mutex);
    const auto found = m_connections.find(ssl);
    if (found == m_connections.end()) return;
    const auto address = m_perAddress.find(found->second.address);
    if (address != m_perAddress.end() && --address->second == 0) m_perAddress.erase(address);
    m_connections.erase(found);
}

void ConnectionGuard::setDeadline(const SSL* ssl, Clock::time_point deadline) {
    if (ssl == nullptr) return;
    const std::lock_guard lock(m_mutex);
    const auto found = m_connections.find(ssl);
    if (found != m_connections.end() && !found->second.cut) found->second.deadline = deadline;
}

void ConnectionGuard::headRead(const SSL* ssl) { setDeadline(ssl, Clock::now() + m_options.requestDeadline); }

void ConnectionGuard::replied(const SSL* ssl) { setDeadline(ssl, Clock::now() + m_options.keepAlive + m_options.headDeadline); }

void ConnectionGuard::streaming(const SSL* ssl) { setDeadline(ssl, Clock::time_point::max()); }

std::size_t ConnectionGuard::open() const {
    const std::lock_guard lock(m_mutex);
    return m_connections.size();
}

void ConnectionGuard::watch() {
    // A scan every quarter second is cheap for a thousand connections and keeps a cut within 250 ms of its
    // deadline; no timer per connection is needed.
    constexpr auto kTick = std::chrono::milliseconds(250);
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        m_wake.wait_for(lock, kTick);
        const auto now = Clock::now();
        for (auto& [ssl, connection] : m_connections) {
            if (connection.cut || now < connection.deadline) continue;
            // The entry lives until its SSL object is freed, which httplib does before closing the socket,
            // and freeing waits for this lock: the descriptor is still this connection's. Checked anyway.
            Peer peer;
            if (peerOf(connection.fd, peer) && peer.port == connection.port && peer.address == connection.address) ::shutdown(connection.fd, SHUT_RDWR);
            connection.cut = true;
            ++m_cutLate;
        }
        if (m_cutLate + m_cutOverCap > 0 && (!m_reported || now - m_lastReport >= m_options.logInterval)) {
            nlohmann::ordered_json line;
            line["event"] = "connections_cut";
            line["too_slow"] = std::exchange(m_cutLate, 0);
            line["over_address_cap"] = std::exchange(m_cutOverCap, 0);
            m_reported = true;
            m_lastReport = now;
            if (m_log) {
                lock.unlock();
                m_log(line.dump());
                lock.lock();
            }
        }
    }
}

}  // namespace svarboks::server
