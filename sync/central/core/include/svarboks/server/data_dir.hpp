#pragma once
// The central endpoint's data folder: the store, the X25519 key pair that opens sealed responses, and
// the TLS certificate. `svarboks-central init` makes it; every other command reads it.
//
//   DIR/central.db      the store (SQLite, WAL: also central.db-wal and central.db-shm), unless `database`
//                       names a PostgreSQL database instead (store.hpp)
//   DIR/secret.key      base64 of the 32-byte X25519 secret key, mode 0600
//   DIR/public.key      base64 of the public key (what kiosks seal to)
//   DIR/tls/cert.pem    the TLS certificate (chain)
//   DIR/tls/key.pem     its private key, mode 0600
#include "svarboks/server/tls.hpp"
#include "svarboks/shared/result.hpp"
#include "svarboks/shared/sealing.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace svarboks::server {

struct DataDir {
    std::filesystem::path root;
    std::string database{};  ///< "" = the SQLite file store(); a postgresql:// URL = that database (store.hpp)

    [[nodiscard]] std::filesystem::path store() const { return root / "central.db"; }
    [[nodiscard]] std::filesystem::path secretKey() const { return root / "secret.key"; }
    [[nodiscard]] std::filesystem::path publicKey() const { return root / "public.key"; }
    [[nodiscard]] std::filesystem::path tlsCert() const { return root / "tls" / "cert.pem"; }
    [[nodiscard]] std::filesystem::path tlsKey() const { return root / "tls" / "key.pem"; }
};

struct InitOptions {
    std::vector<std::string> hosts;  ///< for the self-signed certificate; default 127.0.0.1 and localhost
    std::optional<std::filesystem::path> tlsCert;  ///< an existing certificate and key to copy in instead
    std::optional<std::filesystem::path> tlsKey;
};

struct InitReport {
    std::string publicKey;  ///< base64
    bool certificateGenerated = false;
    CertificateInfo certificate;
};

/// Creates the folder (mode 0700), the store, the key pair and the certificate. Refuses, changing nothing,
/// when the folder already holds keys, a certificate or a store, or `database` already holds a store with
/// units, accounts or responses (another replica's folder is a copy of the first one, not a new init). Never throws.
[[nodiscard]] shared::Result<InitReport> initDataDir(const DataDir& dir, const InitOptions& options);

/// Reads the key pair, checking that the secret key file is private to its owner (mode 0600) and that the
/// public key belongs to it. Never throws.
[[nodiscard]] shared::Result<shared::KeyPair> loadKeyPair(const DataDir& dir);

}  // namespace svarboks::server
