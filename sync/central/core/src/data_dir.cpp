#include "svarboks/server/data_dir.hpp"

#include "svarboks/server/store.hpp"
#include "svarboks/shared/files.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace svarboks::server {

namespace fs = std::filesystem;
using shared::Error;
using shared::systemMessage;
using shared::Result;

namespace {


// The folder's entries must survive a power cut too: a key written into a folder that is not synced may
// be gone after one, while the store already holds responses sealed to it.
Result<bool> syncFolder(const fs::path& dir) {
    if (const int error = shared::syncDirectory(dir); error != 0) return Error{dir.string() + ": cannot sync the folder: " + systemMessage(error)};
    return true;
}

Result<std::string> readSmallFile(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) return Error{path.string() + ": cannot read: " + ec.message()};
    if (size > 4096) return Error{path.string() + ": " + std::to_string(size) + " bytes; expected a key of 44 characters"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{path.string() + ": cannot read (permission denied?)"};
    std::ostringstream text;
    text << in.rdbuf();
    std::string content = text.str();
    while (!content.empty() && (content.back() == '\n' || content.back() == '\r' || content.back() == ' ')) content.pop_back();
    return content;
}

Result<bool> copyInto(const fs::path& from, const fs::path& to, mode_t mode) {
    std::ifstream in(from, std::ios::binary);
    if (!in) return Error{from.string() + ": cannot read"};
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (auto written = shared::writeNewFile(to, bytes.str(), mode); !written) return shared::Error{written.message()};
    return true;
}

// Whether a store holds anything a new key pair would cut off: units, accounts or responses.
Result<bool> holdsData(Storage& store) {
    auto units = store.units();
    if (!units) return units.error();
    auto users = store.users();
    if (!users) return users.error();
    auto responses = store.responseCount();
    if (!responses) return responses.error();
    return !units->empty() || !users->empty() || *responses > 0;
}

}  // namespace

Result<InitReport> initDataDir(const DataDir& dir, const InitOptions& options) {
    try {
        if (options.tlsCert.has_value() != options.tlsKey.has_value()) return Error{"--tls-cert and --tls-key go together"};
        std::vector<std::string> hosts = options.hosts.empty() ? std::vector<std::string>{"127.0.0.1", "localhost"} : options.hosts;
        for (const auto& host : hosts) {
            if (!isValidCertificateHost(host)) return Error{"--host '" + host + "' is not a host name or IP address"};
        }
        if (options.tlsCert) {
            auto checked = checkCertificate(*options.tlsCert, *options.tlsKey);
            if (!checked) return checked.error();
        }
        for (const fs::path& existing : {dir.secretKey(), dir.publicKey(), dir.tlsCert(), dir.tlsKey(), dir.store()}) {
            std::error_code ec;
            if (fs::exists(existing, ec)) {
                return Error{dir.root.string() + " is already initialised (" + existing.filename().string() +
                             " exists); refusing to overwrite its keys. Use another folder, or move this one away first"};
            }
        }
        // A database is opened (and its schema made) before any file, so that a wrong URL leaves nothing behind.
        std::unique_ptr<Storage> store;
        if (!dir.database.empty()) {
            auto opened = openStore(dir, StoreOpening::Create);
            if (!opened) return opened.error();
            auto used = holdsData(**opened);
            if (!used) return used.error();
            if (*used) {
                return Error{describeStore(dir) + " already holds a central store; refusing to make new keys for it (kiosks seal to its key). "
                             "For another replica, copy the first one's data folder instead"};
            }
            store = std::move(*opened);
        }
        std::error_code ec;
        fs::create_directories(dir.root, ec);
        if (ec) return Error{dir.root.string() + ": cannot create: " + ec.message()};
        fs::permissions(dir.root, fs::perms::owner_all, ec);
        fs::create_directories(dir.tlsCert().parent_path(), ec);
        if (ec) return Error{dir.tlsCert().parent_path().string() + ": cannot create: " + ec.message()};
        fs::permissions(dir.tlsCert().parent_path(), fs::perms::owner_all, ec);

        if (!shared::sodiumInit()) return Error{"libsodium cannot initialise (no secure random source)"};
        shared::KeyPair keys = shared::generateKeyPair();
        const std::string secret = shared::toBase64(std::string_view(reinterpret_cast<const char*>(keys.secretKey.data()), keys.secretKey.size()));
        sodium_memzero(keys.secretKey.data(), keys.secretKey.size());
        InitReport report;
        report.publicKey = shared::publicKeyToBase64(keys.publicKey);
        if (auto written = shared::writeNewFile(dir.secretKey(), secret + "\n", 0600); !written) return shared::Error{written.message()};
        if (auto written = shared::writeNewFile(dir.publicKey(), report.publicKey + "\n", 0644); !written) return shared::Error{written.message()};

        if (options.tlsCert) {
            if (auto copied = copyInto(*options.tlsCert, dir.tlsCert(), 0644); !copied) return copied.error();
            if (auto copied = copyInto(*options.tlsKey, dir.tlsKey(), 0600); !copied) return copied.error();
            auto info = checkCertificate(dir.tlsCert(), dir.tlsKey());
            if (!info) return info.error();
            report.certificate = std::move(*info);
        } else {
            auto info = writeSelfSignedCertificate(dir.tlsCert(), dir.tlsKey(), hosts);
            if (!info) return info.error();
            report.certificate = std::move(*info);
            report.certificateGenerated = true;
        }
        if (auto synced = syncFolder(dir.tlsCert().parent_path()); !synced) return synced.error();

        if (!store) {
            auto opened = openStore(dir, StoreOpening::Create);
            if (!opened) return opened.error();
        }
        if (auto synced = syncFolder(dir.root); !synced) return synced.error();
        return report;
    } catch (const std::exception& e) {
        return Error{dir.root.string() + ": " + e.what()};
    }
}

Result<shared::KeyPair> loadKeyPair(const DataDir& dir) {
    try {
        struct stat info {};
        if (::stat(dir.secretKey().c_str(), &info) != 0) {
            return Error{dir.secretKey().string() + ": " + systemMessage(errno) + " (is " + dir.root.string() +
                         " a data folder made by `svarboks-central init`?)"};
        }
        if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            return Error{dir.secretKey().string() + ": readable by others than its owner; run: chmod 600 " + dir.secretKey().string()};
        }
        auto secretText = readSmallFile(dir.secretKey());
        if (!secretText) return secretText.error();
        auto secret = shared::fromBase64(*secretText);
        if (!secret || secret->size() != 32) return Error{dir.secretKey().string() + ": not the base64 of a 32-byte key"};
        auto publicText = readSmallFile(dir.publicKey());
        if (!publicText) return publicText.error();
        auto publicKey = shared::parsePublicKey(*publicText);
        if (!publicKey) return Error{dir.publicKey().string() + ": " + publicKey.error().message};

        shared::KeyPair keys;
        std::copy(secret->begin(), secret->end(), reinterpret_cast<char*>(keys.secretKey.data()));
        sodium_memzero(secret->data(), secret->size());
        shared::PublicKey derived{};
        crypto_scalarmult_base(derived.data(), keys.secretKey.data());
        if (derived != *publicKey) return Error{dir.publicKey().string() + " does not belong to " + dir.secretKey().string()};
        keys.publicKey = *publicKey;
        return keys;
    } catch (const std::exception& e) {
        return Error{dir.root.string() + ": " + e.what()};
    }
}

}  // namespace svarboks::server
