#include "svarboks/server/doctor.hpp"

#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/tls.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace svarboks::server {

namespace fs = std::filesystem;
using shared::Check;

namespace {

Check problem(std::string name, std::string detail, std::string action) {
    return {Check::Level::Problem, std::move(name), std::move(detail), std::move(action)};
}

Check fine(std::string name, std::string detail) { return {Check::Level::Ok, std::move(name), std::move(detail), ""}; }

std::string isoDate(std::int64_t unixSeconds) {
    const std::time_t t = unixSeconds;
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[16];
    return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%d", &utc));
}

Check folderCheck(const DataDir& dir) {
    struct stat info {};
    if (::stat(dir.root.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
        return problem("data folder", dir.root.string() + " does not exist",
                       "make it: svarboks-central init --data " + dir.root.string());
    }
    if (info.st_uid != ::geteuid()) {
        return problem("data folder", dir.root.string() + " belongs to another user",
                       "run the command as its owner, e.g. sudo -u svarboks svarboks-central doctor --data " + dir.root.string());
    }
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return problem("data folder", dir.root.string() + " can be read by other users", "chmod 700 " + dir.root.string());
    }
    return fine("data folder", dir.root.string() + " (mode 0700)");
}

Check keysCheck(const DataDir& dir) {
    struct stat secret {};
    if (::stat(dir.secretKey().c_str(), &secret) == 0 && (secret.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return problem("keys", dir.secretKey().string() + " can be read by other users", "chmod 600 " + dir.secretKey().string());
    }
    auto keys = loadKeyPair(dir);
    if (!keys) return problem("keys", keys.error().message, "restore the data folder from a backup (docs/deployment.md)");
    return fine("keys", "the key pair belongs together; the secret key is private (mode 0600)");
}

Check certificateCheck(const DataDir& dir, TimePoint now) {
    auto info = checkCertificate(dir.tlsCert(), dir.tlsKey());
    if (!info) return problem("TLS certificate", info.error().message, "put a certificate and its key in " + dir.tlsCert().parent_path().string());
    struct stat key {};
    if (::stat(dir.tlsKey().c_str(), &key) == 0 && (key.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return problem("TLS certificate", dir.tlsKey().string() + " can be read by other users", "chmod 600 " + dir.tlsKey().string());
    }
    const std::int64_t daysLeft = (info->notAfter - unixSeconds(now)) / 86400;
    std::string names;
    for (const auto& name : info->subjectAltNames) names += (names.empty() ? "" : ", ") + name;
    const std::string detail = "for " + names + "; valid until " + isoDate(info->notAfter);
    const std::string renew = "renew it before then; kiosks pin its public key, so keep the key (docs/deployment.md)";
    if (daysLeft < 0) return problem("TLS certificate", "expired on " + isoDate(info->notAfter), renew);
    if (daysLeft < 30) return {Check::Level::Warning, "TLS certificate", detail + " (" + std::to_string(daysLeft) + " days left)", renew};
    return fine("TLS certificate", detail);
}

// Shared by both engines: what the store holds.
Check contentCheck(const DataDir& dir, Storage& store, const std::string& state) {
    auto surveys = store.surveys();
    auto units = store.units();
    if (surveys && surveys->empty()) {
        return {Check::Level::Warning, "store", state + "; no survey is published",
                "publish one: svarboks-central survey publish FILE --all --data " + dir.root.string()};
    }
    if (units && units->empty()) {
        return {Check::Level::Warning, "store", state + "; there is no unit", "add one: svarboks-central units add ID --name NAME --data " + dir.root.string()};
    }
    return fine("store", state);
}

// PostgreSQL checks its own pages; doctor checks that the store answers and what it holds.
Check databaseCheck(const DataDir& dir) {
    auto store = openStore(dir);
    if (!store) return problem("store", store.error().message, "check the URL, that PostgreSQL runs, and the account's password (~/.pgpass or PGPASSWORD)");
    if (auto ping = (*store)->ping(); !ping) return problem("store", ping.message(), "check that PostgreSQL runs and accepts this account");
    return contentCheck(dir, **store, describeStore(dir) + " answers (its integrity is PostgreSQL's own: data checksums, pg_amcheck)");
}

Check storeCheck(const DataDir& dir) {
    if (!dir.database.empty()) return databaseCheck(dir);
    struct stat file {};
    if (::stat(dir.store().c_str(), &file) != 0) {
        return problem("store", dir.store().string() + " does not exist", "make it: svarboks-central init --data " + dir.root.string());
    }
    if ((file.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return problem("store", dir.store().string() + " can be read by other users", "chmod 600 " + dir.store().string() + "*");
    }
    auto store = SqliteStorage::open(dir.store());
    if (!store) return problem("store", store.error().message, "restore the data folder from a backup (docs/deployment.md)");
    auto integrity = (*store)->integrityCheck();
    if (!integrity) return problem("store", integrity.error().message, "restore the data folder from a backup (docs/deployment.md)");
    if (*integrity != "ok") return problem("store", "damaged: " + *integrity, "restore the data folder from a backup (docs/deployment.md)");
    return contentCheck(dir, **store, "intact (schema " + std::to_string(SqliteStorage::kSchemaVersion) + ")");
}

}  // namespace

std::vector<Check> checkCentral(const DataDir& dir, TimePoint now) {
    std::vector<Check> checks{folderCheck(dir)};
    if (checks.front().level == Check::Level::Problem) return checks;  // the rest would repeat it
    checks.push_back(keysCheck(dir));
    checks.push_back(certificateCheck(dir, now));
    checks.push_back(storeCheck(dir));
    checks.push_back(shared::diskCheck(dir.root));
    checks.push_back(shared::timeZoneCheck());
    checks.push_back(shared::clockSyncCheck());
    return checks;
}

}  // namespace svarboks::server
