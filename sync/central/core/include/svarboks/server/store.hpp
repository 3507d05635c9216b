#pragma once
// Which store a command opens: the data folder's SQLite file (the default), or a PostgreSQL database named
// by `--database URL` (or SVARBOKS_DATABASE), for several `serve` replicas on one store. The data folder
// holds the keys and the certificate either way (data_dir.hpp).
//
// A URL may hold a password (postgresql://user:secret@host/db); no message of this file repeats one:
// describeStore() and redactDatabaseUrl() give the URL without it. libpq also reads ~/.pgpass and
// PGPASSWORD, which keep the password off the command line altogether.
#include "svarboks/server/data_dir.hpp"
#include "svarboks/server/storage.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace svarboks::server {

/// Whether `database` names a PostgreSQL database: a postgresql:// or postgres:// URL.
[[nodiscard]] bool isPostgresUrl(std::string_view database);

/// The URL without its password: "postgresql://svarboks:secret@db/x" is "postgresql://svarboks@db/x", and a
/// password=... parameter is left out. Anything else that is not a URL is not shown at all.
[[nodiscard]] std::string redactDatabaseUrl(std::string_view database);

/// What a message calls the store: the SQLite file's path, or the URL without its password.
[[nodiscard]] std::string describeStore(const DataDir& dir);

/// Whether opening may make a new store.
enum class StoreOpening {
    Existing,  ///< refuse a data folder without its SQLite file (a typo in --data must not make a new store)
    Create,    ///< init: make the store (the SQLite file, or the schema in the database)
};

/// Opens (and migrates) the store of `dir`: dir.database empty = the SQLite file dir.store(); a PostgreSQL URL
/// = that database. An error, without the password, for anything else or when it cannot be opened.
[[nodiscard]] Result<std::unique_ptr<Storage>> openStore(const DataDir& dir, StoreOpening opening = StoreOpening::Existing);

}  // namespace svarboks::server
