// `svarboks-central backup` and `restore` (issue 15): a backup made while responses keep arriving holds a
// consistent store and the keys that open what kiosks have sealed but not sent; a restore makes a working
// data folder from it; neither ever overwrites anything, and a damaged file is refused.
#include "test_server_fixture.hpp"

#include "svarboks/server/backup.hpp"
#include "svarboks/server/tally.hpp"
#include "svarboks/shared/hashing.hpp"

#include <sys/stat.h>

#include <atomic>
#include <thread>

namespace svarboks::test {
namespace {


void store(Central& central, int n) {
    const auto item = pulseItem(central, "2026-W48", n);
    auto stored = central.store->storeItems(std::vector<server::IncomingItem>{item}, "2026-W48");
    REQUIRE(stored.ok());
    REQUIRE(stored->front().result.status == shared::ItemStatus::Accepted);
}

mode_t modeOf(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("backup: made while responses arrive, restored into a new folder that serves with the same keys") {
    SVARBOKS_SQLITE_ONLY("backups are of the SQLite file (PostgreSQL is backed up with its own tools)");
    Central central;
    for (int n = 1; n <= 200; ++n) store(central, n);

    // Responses keep arriving during the backup: it holds a consistent snapshot of some of them.
    std::atomic<bool> stop = false;
    std::atomic<int> next = 201;
    std::thread ingest([&] {
        while (!stop) store(central, next++);
    });
    const fs::path file = central.dir.path() / "backup.svarboks";
    auto made = server::backupDataDir(central.data, file);
    stop = true;
    ingest.join();
    REQUIRE_MESSAGE(made.ok(), (made.ok() ? "" : made.error().message));
    CHECK(made->responses >= 200);
    CHECK(made->responses < next.load());
    CHECK(made->sha256.size() == 64);
    CHECK(modeOf(file) == 0600);  // it holds the secret key
    CHECK_FALSE(fs::exists(file.string() + ".partial"));

    // A kiosk sealed a response before the backup and sends it after the restore: it still opens.
    const std::string sealed = shared::seal("{\"late\":true}", central.keys.publicKey);

    // Restored from a read-only file (a backup on a read-only stick), which it leaves exactly as it was.
    fs::permissions(file, fs::perms::owner_read);
    const server::DataDir restored{central.dir.path() / "restored"};
    auto back = server::restoreDataDir(file, restored);
    REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message));
    CHECK(back->responses == made->responses);
    CHECK(back->sha256 == made->sha256);
    CHECK(modeOf(file) == 0400);
    for (const char* suffix : {"-journal", "-wal", "-shm"}) CHECK_FALSE(fs::exists(file.string() + suffix));

    auto keys = server::loadKeyPair(restored);
    REQUIRE(keys.ok());
    CHECK(keys->publicKey == central.keys.publicKey);
    auto opened = shared::openSealed(sealed, *keys);
    REQUIRE(opened.ok());
    CHECK(*opened == "{\"late\":true}");

    CHECK(modeOf(restored.root) == 0700);
    CHECK(modeOf(restored.secretKey()) == 0600);
    CHECK(modeOf(restored.tlsKey()) == 0600);
    CHECK(modeOf(restored.store()) == 0600);
    CHECK(Central::readFile(restored.tlsCert()) == Central::readFile(central.data.tlsCert()));

    // The restored store is a store: it opens, counts, and holds no copy of the key (not even in free pages).
    auto reopened = server::SqliteStorage::open(restored.store());
    REQUIRE(reopened.ok());
    CHECK(*(*reopened)->responseCount() == made->responses);
    const std::string secret = Central::readFile(central.data.secretKey());
    CHECK(Central::readFile(restored.store()).find(secret.substr(0, 40)) == std::string::npos);
}

TEST_CASE("backup: never replaces a file, never overwrites a data folder, refuses a damaged or foreign file") {
    SVARBOKS_SQLITE_ONLY("backups are of the SQLite file (PostgreSQL is backed up with its own tools)");
    Central central;
    for (int n = 1; n <= 20; ++n) store(central, n);
    const fs::path file = central.dir.path() / "backup.svarboks";
    REQUIRE(server::backupDataDir(central.data, file).ok());

    const std::string before = Central::readFile(file);
    auto again = server::backupDataDir(central.data, file);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().message.find("exists") != std::string::npos);
    CHECK(Central::readFile(file) == before);

    // Restoring over the live folder is refused and changes nothing in it.
    const std::string storeBefore = Central::readFile(central.data.secretKey());
    auto over = server::restoreDataDir(file, central.data);
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().message.find("not empty") != std::string::npos);
    CHECK(Central::readFile(central.data.secretKey()) == storeBefore);

    // A damaged copy (bytes flipped in the middle) is refused, and the folder it would have made is gone.
    const fs::path damaged = central.dir.path() / "damaged.svarboks";
    std::string bytes = before;
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 4096 && i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
    { std::ofstream(damaged, std::ios::binary) << bytes; }
    const server::DataDir target{central.dir.path() / "from-damaged"};
    auto fromDamaged = server::restoreDataDir(damaged, target);
    REQUIRE_FALSE(fromDamaged.ok());
    CHECK_FALSE(fs::exists(target.root));

    // The store itself is not a backup: it has no keys.
    auto foreign = server::restoreDataDir(central.data.store(), server::DataDir{central.dir.path() / "from-store"});
    REQUIRE_FALSE(foreign.ok());
    CHECK(foreign.error().message.find("not a Svarboks backup") != std::string::npos);
    CHECK_FALSE(fs::exists(central.dir.path() / "from-store"));
}

}  // namespace svarboks::test
