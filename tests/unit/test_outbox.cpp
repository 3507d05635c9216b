// The outbox: durable (WAL, synchronous=FULL, one transaction per write), shared by two threads,
// migrated by user_version, exported atomically, and holding nothing but sealed bytes.
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/outbox.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace svarboks;
using svarboks::test::filesIn;
using svarboks::test::TempDir;
using sync::Outbox;
using sync::OutboxItem;

namespace svarboks::sync {

class OutboxTestPeer {
public:
    static std::string pragma(Outbox& outbox, const std::string& name) {
        auto query = outbox.m_db.query("PRAGMA " + name);
        return query.step() == shared::sqlite::Step::Row ? query.textAt(0) : "";
    }
};

}  // namespace svarboks::sync

namespace {

// The schema as version 1 shipped. If this test fails, a shipped migration was edited: add a new one instead.
constexpr const char* kFrozenSchemaV1 = R"sql(
CREATE TABLE responses (
    seq      INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    sealed   BLOB    NOT NULL,
    state    TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'quarantined')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reason   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX responses_by_state ON responses (state, seq);
)sql";

// What version 2 added, as it shipped.
constexpr const char* kFrozenMigrationV2 = R"sql(
ALTER TABLE responses ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
)sql";

Outbox mustOpen(const fs::path& path) {
    auto outbox = Outbox::open(path);
    if (!outbox.ok()) FAIL(outbox.error().message);
    return std::move(outbox).value();
}

void mustSucceed(const shared::Status& status) {
    if (!status.ok()) FAIL(status.message());
}

std::string errorOf(const shared::Status& status) {
    REQUIRE_FALSE(status.ok());
    return status.message();
}

template <typename T>
std::string errorOf(const shared::Result<T>& result) {
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

std::string prefixOf(const fs::path& path) { return "outbox " + path.string() + ": "; }

bool startsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

std::string pragma(sqlite3* db, const std::string& name) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &statement, nullptr) == SQLITE_OK);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return value;
}

// A plain SQLite connection, to build files as other versions (or other programs) would leave them.
class RawDb {
public:
    explicit RawDb(const fs::path& path) { REQUIRE(sqlite3_open(path.c_str(), &m_db) == SQLITE_OK); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    ~RawDb() { sqlite3_close(m_db); }
    void exec(const std::string& sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message);
        const std::string text = message ? message : "";
        sqlite3_free(message);
        if (rc != SQLITE_OK) FAIL(text);
    }
    [[nodiscard]] std::string pragma(const std::string& name) { return ::pragma(m_db, name); }
    [[nodiscard]] std::string schema() {
        sqlite3_stmt* statement = nullptr;
        REQUIRE(sqlite3_prepare_v2(m_db, "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name", -1,
                                   &statement, nullptr) == SQLITE_OK);
        std::string all;
        while (sqlite3_step(statement) == SQLITE_ROW) all += reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)) + std::string("\n");
        sqlite3_finalize(statement);
        return all;
    }

private:
    sqlite3* m_db = nullptr;
};

std::string readBytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    REQUIRE(out.good());
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
}

std::vector<std::string> ids(const std::vector<OutboxItem>& items) {
    std::vector<std::string> result;
    for (const auto& item : items) result.push_back(item.id);
    return result;
}

std::string someSealed() { return shared::seal(shared::randomBytes(60), shared::generateKeyPair().publicKey); }

// Lowers the file size limit (as a full disk would refuse writes) until destroyed. Root is subject to it.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        REQUIRE(getrlimit(RLIMIT_FSIZE, &m_saved) == 0);
        m_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = m_saved;
        limit.rlim_cur = bytes;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_handler);
    }

private:
    rlimit m_saved{};
    void (*m_handler)(int) = nullptr;
};

// Root ignores file permissions, so when the tests run as root the body runs in a child process as
// "nobody". Returns the body's result, or nullopt when privileges cannot be dropped.
std::optional<std::string> runWithoutPrivileges(const std::function<std::string()>& body) {
    if (geteuid() != 0) return body();
    int pipeFds[2];
    REQUIRE(pipe(pipeFds) == 0);
    // Otherwise the child inherits unflushed output, and a sanitizer's exit path prints it a second time.
    std::cout.flush();
    std::fflush(nullptr);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(pipeFds[0]);
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(77);
        const std::string result = body();
        const char* data = result.data();
        std::size_t left = result.size();
        while (left > 0) {
            const ssize_t written = write(pipeFds[1], data, left);
            if (written <= 0) _exit(1);
            data += written;
            left -= static_cast<std::size_t>(written);
        }
        _exit(0);
    }
    close(pipeFds[1]);
    std::string result;
    char buffer[512];
    for (ssize_t got; (got = read(pipeFds[0], buffer, sizeof buffer)) > 0;) result.append(buffer, static_cast<std::size_t>(got));
    close(pipeFds[0]);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) return std::nullopt;
    REQUIRE(WEXITSTATUS(status) == 0);
    return result;
}

}  // namespace

TEST_CASE("outbox: WAL journal, synchronous=FULL and secure_delete=ON are set on every connection") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox first = mustOpen(path);
    Outbox second = mustOpen(path);
    for (Outbox* outbox : {&first, &second}) {
        const auto pragma = [&](const std::string& name) { return sync::OutboxTestPeer::pragma(*outbox, name); };
        CHECK(pragma("journal_mode") == "wal");
        CHECK(pragma("synchronous") == "2");  // FULL
        CHECK(pragma("secure_delete") == "1");
        CHECK(pragma("busy_timeout") == std::to_string(Outbox::kBusyTimeoutMs));
        CHECK(pragma("user_version") == "2");
    }
    mustSucceed(first.add(shared::newUuidV4(), someSealed()));
    CHECK(fs::exists(dir / "outbox.db-wal"));
    CHECK(*first.integrityCheck() == "ok");
    // The outbox and its log are the kiosk user's alone.
    for (const char* name : {"outbox.db", "outbox.db-wal"}) {
        CAPTURE(name);
        CHECK((fs::status(dir / name).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
    }
}

TEST_CASE("outbox: migration from a missing file, an empty file, and a version 1 file") {
    TempDir dir;
    SUBCASE("a missing file is created with the current schema") {
        const auto path = dir / "new.db";
        Outbox outbox = mustOpen(path);
        CHECK(fs::exists(path));
        RawDb raw(path);
        CHECK(raw.pragma("user_version") == std::to_string(Outbox::kSchemaVersion));
        RawDb frozen(dir / "frozen.db");
        frozen.exec(kFrozenSchemaV1);
        frozen.exec(kFrozenMigrationV2);
        CHECK(raw.schema() == frozen.schema());
    }
    SUBCASE("an empty (0-byte) file is migrated") {
        const auto path = dir / "empty.db";
        writeBytes(path, "");
        Outbox outbox = mustOpen(path);
        CHECK(outbox.counts()->pending == 0);
        mustSucceed(outbox.add(shared::newUuidV4(), someSealed()));
        CHECK(outbox.counts()->pending == 1);
        CHECK(RawDb(path).pragma("user_version") == "2");
    }
    SUBCASE("a version 1 file written earlier (no held column) opens with its items, order and reasons, none held") {
        const auto path = dir / "v1.db";
        {
            RawDb raw(path);
            raw.exec("PRAGMA journal_mode = WAL");
            raw.exec(kFrozenSchemaV1);
            raw.exec("INSERT INTO responses (id, sealed) VALUES ('2d6d1d2a-3b5c-4d7e-8f90-a1b2c3d4e5f6', x'0102')");
            raw.exec("INSERT INTO responses (id, sealed, state, attempts, reason) VALUES "
                     "('7f0e5c3b-9a8d-4c6b-a5e4-d3c2b1a09f8e', x'0304', 'quarantined', 2, 'answer to ''q3'' is not one of its choices')");
            raw.exec("INSERT INTO responses (id, sealed, attempts) VALUES ('0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d', x'0506', 1)");
            raw.exec("PRAGMA user_version = 1");
        }
        Outbox outbox = mustOpen(path);
        const auto pending = outbox.pending(10);
        REQUIRE(pending.ok());
        CHECK(ids(*pending) == std::vector<std::string>{"2d6d1d2a-3b5c-4d7e-8f90-a1b2c3d4e5f6", "0a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"});
        CHECK((*pending)[0].sealed == std::string("\x01\x02"));
        CHECK((*pending)[1].attempts == 1);
        const auto quarantined = outbox.quarantined();
        REQUIRE(quarantined->size() == 1);
        CHECK((*quarantined)[0].reason == "answer to 'q3' is not one of its choices");
        CHECK((*quarantined)[0].attempts == 2);
        CHECK(outbox.counts()->pending == 2);
        CHECK(outbox.counts()->held == 0);
        CHECK(RawDb(path).pragma("user_version") == "2");
        // The upgraded file takes held items like a new one, beside the old items.
        const std::string fresh = shared::newUuidV4();
        mustSucceed(outbox.add(fresh, someSealed(), true));
        CHECK(outbox.counts()->held == 1);
        CHECK(outbox.pending(10)->size() == 2);
        CHECK(*outbox.integrityCheck() == "ok");
    }
}

TEST_CASE("outbox: a newer schema version is refused and the file left untouched") {
    TempDir dir;
    const auto path = dir / "future.db";
    {
        RawDb raw(path);
        raw.exec("CREATE TABLE responses_v3 (id TEXT)");
        raw.exec("PRAGMA user_version = 3");
    }
    const std::string before = readBytes(path);
    const auto opened = Outbox::open(path);
    CHECK(errorOf(opened) == prefixOf(path) + "schema version 3 is newer than this program knows (2); it was written by a "
                                              "newer svarboks: install that version again (the file is left untouched)");
    CHECK(readBytes(path) == before);
    CHECK(RawDb(path).pragma("journal_mode") == "delete");
}

TEST_CASE("outbox: refuses another program's database, a non-database, and a missing folder") {
    TempDir dir;
    SUBCASE("another program's database") {
        const auto path = dir / "other.db";
        RawDb(path).exec("CREATE TABLE photos (name TEXT)");
        const std::string before = readBytes(path);
        CHECK(errorOf(Outbox::open(path)) == prefixOf(path) + "is a database of another program (it has tables but no outbox "
                                                              "schema version); refusing to change it");
        CHECK(readBytes(path) == before);
    }
    SUBCASE("a text file") {
        const auto path = dir / "notes.txt";
        writeBytes(path, std::string(4096, 'x'));
        const auto message = errorOf(Outbox::open(path));
        CHECK(startsWith(message, prefixOf(path) + "cannot open: "));
        CHECK(message.find("not a database") != std::string::npos);
        CHECK(readBytes(path) == std::string(4096, 'x'));
    }
    SUBCASE("a folder that does not exist") {
        const auto path = dir / "missing" / "outbox.db";
        const auto message = errorOf(Outbox::open(path));
        CHECK(message == prefixOf(path) + "cannot open: unable to open database file (No such file or directory)");
    }
}

TEST_CASE("outbox: add, pending, remove, quarantine, count attempts, counts") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox outbox = mustOpen(path);
    std::vector<std::string> added;
    std::vector<std::string> sealed;
    for (int i = 0; i < 5; ++i) {
        added.push_back(shared::newUuidV4());
        sealed.push_back(someSealed());
        mustSucceed(outbox.add(added.back(), sealed.back()));
    }
    CHECK(outbox.counts()->pending == 5);
    CHECK(outbox.counts()->quarantined == 0);

    const auto firstThree = outbox.pending(3);
    REQUIRE(firstThree.ok());
    CHECK(ids(*firstThree) == std::vector<std::string>(added.begin(), added.begin() + 3));
    CHECK((*firstThree)[1].sealed == sealed[1]);
    CHECK((*firstThree)[1].attempts == 0);
    CHECK((*firstThree)[1].reason.empty());
    CHECK(outbox.pending(0)->empty());
    CHECK(outbox.pending(100)->size() == 5);

    mustSucceed(outbox.countAttempt({added[0], added[1]}));
    mustSucceed(outbox.countAttempt({added[0], "00000000-0000-4000-8000-000000000000"}));
    CHECK(outbox.pending(1)->front().attempts == 2);
    CHECK((*outbox.pending(2))[1].attempts == 1);

    mustSucceed(outbox.quarantine(added[2], "answer to 'q3' is not one of its choices"));
    CHECK(outbox.counts()->pending == 4);
    CHECK(outbox.counts()->quarantined == 1);
    CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{added[0], added[1], added[3], added[4]});
    const auto quarantined = outbox.quarantined();
    REQUIRE(quarantined->size() == 1);
    CHECK((*quarantined)[0].id == added[2]);
    CHECK((*quarantined)[0].sealed == sealed[2]);
    CHECK((*quarantined)[0].reason == "answer to 'q3' is not one of its choices");

    // Delivered items leave; unknown ids are ignored; a quarantined item is never deleted.
    mustSucceed(outbox.remove({added[0], added[1], "00000000-0000-4000-8000-000000000000", added[2]}));
    CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{added[3], added[4]});
    CHECK(outbox.counts()->quarantined == 1);
    mustSucceed(outbox.remove({added[0]}));
    mustSucceed(outbox.remove({}));
    CHECK(outbox.counts()->pending == 2);

    CHECK(errorOf(outbox.quarantine("00000000-0000-4000-8000-000000000000", "x")) ==
          prefixOf(path) + "cannot quarantine '00000000-0000-4000-8000-000000000000': no response with this id");
    CHECK(errorOf(outbox.add("not-a-uuid", sealed[0])) == prefixOf(path) + "cannot add 'not-a-uuid': the id is not a lower-case v4 UUID");
    CHECK(!outbox.add("0F8FAD5B-D9CB-469F-A165-70867728950E", sealed[0]).ok());
    const std::string fresh = shared::newUuidV4();
    CHECK(errorOf(outbox.add(fresh, "")) == prefixOf(path) + "cannot add " + fresh + ": the sealed value is empty");
    CHECK(outbox.counts()->pending == 2);
    CHECK(*outbox.integrityCheck() == "ok");
}

TEST_CASE("outbox: held items wait apart: not pending, not sent, not exported, not removed, until released or deleted") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox outbox = mustOpen(path);
    const std::string normal1 = shared::newUuidV4();
    const std::string held1 = shared::newUuidV4();
    const std::string normal2 = shared::newUuidV4();
    const std::string held2 = shared::newUuidV4();
    const std::string heldBytes = someSealed();
    mustSucceed(outbox.add(normal1, someSealed()));
    mustSucceed(outbox.add(held1, heldBytes, true));
    mustSucceed(outbox.add(normal2, someSealed(), false));
    mustSucceed(outbox.add(held2, someSealed(), true));

    CHECK(outbox.counts()->pending == 2);
    CHECK(outbox.counts()->held == 2);
    CHECK(outbox.counts()->quarantined == 0);
    CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{normal1, normal2});
    CHECK(outbox.quarantined()->empty());

    // An acknowledgement naming a held id (which was never sent) does not remove it.
    mustSucceed(outbox.remove({held1}));
    CHECK(outbox.counts()->held == 2);
    // Adding the same held response again keeps it held.
    mustSucceed(outbox.add(held1, heldBytes));
    CHECK(outbox.counts()->held == 2);

    const auto file = dir / "export.jsonl";
    CHECK(*outbox.exportTo(file, "") == 2);
    const auto exported = lines(readBytes(file));
    REQUIRE(exported.size() == 3);
    CHECK(nlohmann::json::parse(exported[0])["count"] == 2);
    CHECK(readBytes(file).find(held1) == std::string::npos);

    SUBCASE("release: they become normal pending items, in their place") {
        CHECK(*outbox.releaseHeld() == 2);
        CHECK(outbox.counts()->held == 0);
        CHECK(outbox.counts()->pending == 4);
        CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{normal1, held1, normal2, held2});
        CHECK(*outbox.releaseHeld() == 0);
        mustSucceed(outbox.remove({held1, held2}));
        CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{normal1, normal2});
    }
    SUBCASE("delete: only the held ones go, for good") {
        mustSucceed(outbox.quarantine(normal2, "answer to 'q3' is not one of its choices"));
        CHECK(*outbox.deleteHeld() == 2);
        CHECK(outbox.counts()->held == 0);
        CHECK(outbox.counts()->pending == 1);
        CHECK(outbox.counts()->quarantined == 1);
        CHECK(ids(*outbox.pending(10)) == std::vector<std::string>{normal1});
        CHECK(*outbox.deleteHeld() == 0);
        // The same id can be added again afterwards: nothing of it is left.
        mustSucceed(outbox.add(held1, someSealed()));
        CHECK(outbox.counts()->pending == 2);
    }
    SUBCASE("the flag persists across closing and reopening") {
        Outbox reopened = mustOpen(path);
        CHECK(reopened.counts()->held == 2);
        CHECK(ids(*reopened.pending(10)) == std::vector<std::string>{normal1, normal2});
    }
    CHECK(*outbox.integrityCheck() == "ok");
}

TEST_CASE("outbox: quarantined items sent again: pending once more, in their place, with no reason; held ones untouched") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox outbox = mustOpen(path);
    std::vector<std::string> added;
    for (int i = 0; i < 4; ++i) {
        added.push_back(shared::newUuidV4());
        mustSucceed(outbox.add(added.back(), someSealed()));
    }
    const std::string held = shared::newUuidV4();
    mustSucceed(outbox.add(held, someSealed(), true));
    mustSucceed(outbox.countAttempt({added[0], added[2]}));
    mustSucceed(outbox.quarantine(added[0], "survey digital-kompetence 2026.1 is not published"));
    mustSucceed(outbox.quarantine(added[2], "survey digital-kompetence 2026.1 is not published"));
    CHECK(*outbox.counts() == sync::OutboxCounts{2, 2, 1});

    CHECK(*outbox.retryQuarantined() == 2);
    CHECK(*outbox.counts() == sync::OutboxCounts{4, 0, 1});
    CHECK(outbox.quarantined()->empty());
    const auto pending = outbox.pending(10);
    REQUIRE(pending.ok());
    CHECK(ids(*pending) == added);  // the oldest first, as before they were quarantined
    CHECK((*pending)[0].reason.empty());
    CHECK((*pending)[0].attempts == 1);
    CHECK(*outbox.retryQuarantined() == 0);

    // Rejected again: back to quarantine with the new reason.
    mustSucceed(outbox.quarantine(added[2], "still not published"));
    Outbox reopened = mustOpen(path);
    CHECK(reopened.quarantined()->front().reason == "still not published");
    CHECK(*reopened.counts() == sync::OutboxCounts{3, 1, 1});
    CHECK(*reopened.integrityCheck() == "ok");
}

TEST_CASE("outbox: the held flag is all that is stored about a held response: no time, no reason") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    {
        Outbox outbox = mustOpen(path);
        mustSucceed(outbox.add(shared::newUuidV4(), someSealed(), true));
    }
    RawDb raw(path);
    const std::string schema = raw.schema();
    CHECK(schema.find("held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1))") != std::string::npos);
    for (const char* word : {"time", "date", "reason_held", "why", "started", "finished"}) {
        INFO(word);
        CHECK(schema.find(word) == std::string::npos);
    }
}

TEST_CASE("outbox: adding the same response again is a no-op; other bytes under the same id are refused") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox outbox = mustOpen(path);
    const std::string id = shared::newUuidV4();
    const std::string original = someSealed();
    mustSucceed(outbox.add(id, original));
    mustSucceed(outbox.add(id, original));
    CHECK(outbox.counts()->pending == 1);

    const std::string other = someSealed();
    CHECK(errorOf(outbox.add(id, other)) == prefixOf(path) + "response " + id +
                                                " is already stored with different sealed bytes; the stored one is kept and not overwritten");
    CHECK(outbox.pending(10)->front().sealed == original);

    SUBCASE("a quarantined item stays quarantined when it is added again") {
        mustSucceed(outbox.quarantine(id, "rejected"));
        mustSucceed(outbox.add(id, original));
        CHECK(outbox.counts()->pending == 0);
        CHECK(outbox.counts()->quarantined == 1);
        CHECK(!outbox.add(id, other).ok());
    }
}

TEST_CASE("outbox: everything persists across closing and reopening") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    std::vector<std::string> added;
    {
        Outbox outbox = mustOpen(path);
        for (int i = 0; i < 20; ++i) {
            added.push_back(shared::newUuidV4());
            mustSucceed(outbox.add(added.back(), someSealed()));
        }
        mustSucceed(outbox.countAttempt({added[0]}));
        mustSucceed(outbox.quarantine(added[1], "too large"));
    }
    CHECK_FALSE(fs::exists(dir / "outbox.db-wal"));  // the last connection checkpointed on close
    Outbox outbox = mustOpen(path);
    auto pending = ids(*outbox.pending(100));
    auto expected = added;
    expected.erase(expected.begin() + 1);
    CHECK(pending == expected);
    CHECK(outbox.pending(1)->front().attempts == 1);
    CHECK(outbox.quarantined()->front().reason == "too large");

    SUBCASE("a moved-from outbox can be replaced by another") {
        Outbox moved = std::move(outbox);
        outbox = mustOpen(path);
        CHECK(moved.counts()->pending == 19);
        CHECK(outbox.counts()->pending == 19);
    }
}

TEST_CASE("outbox: two connections on one file, one per thread: nothing lost, nothing doubled") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox ui = mustOpen(path);
    Outbox uploader = mustOpen(path);
    constexpr int kCount = 500;

    std::vector<std::string> added;
    std::vector<std::string> delivered;
    std::vector<std::string> failures;
    std::mutex failuresMutex;
    std::atomic<bool> writerDone{false};
    const auto fail = [&](const std::string& message) {
        const std::lock_guard lock(failuresMutex);
        failures.push_back(message);
    };

    std::thread writer([&] {
        for (int i = 0; i < kCount; ++i) {
            std::string id = shared::newUuidV4();
            if (auto status = ui.add(id, someSealed()); !status) {
                fail(status.message());
                break;
            }
            added.push_back(std::move(id));
        }
        writerDone = true;
    });
    std::thread reader([&] {
        while (true) {
            const bool finalPass = writerDone.load();
            auto batch = uploader.pending(50);
            if (!batch) {
                fail(batch.error().message);
                return;
            }
            if (batch->empty()) {
                if (finalPass) return;
                std::this_thread::yield();
                continue;
            }
            std::vector<std::string> batchIds = ids(*batch);
            if (auto status = uploader.countAttempt(batchIds); !status) fail(status.message());
            if (auto status = uploader.remove(batchIds); !status) {
                fail(status.message());
                return;
            }
            delivered.insert(delivered.end(), batchIds.begin(), batchIds.end());
        }
    });
    writer.join();
    reader.join();

    for (const auto& message : failures) FAIL_CHECK(message);
    CHECK(added.size() == kCount);
    CHECK(delivered.size() == kCount);
    CHECK(std::set<std::string>(delivered.begin(), delivered.end()).size() == kCount);
    CHECK(std::set<std::string>(delivered.begin(), delivered.end()) == std::set<std::string>(added.begin(), added.end()));
    CHECK(ui.counts()->pending == 0);
    CHECK(*uploader.integrityCheck() == "ok");
}

TEST_CASE("outbox: a read-only file or folder gives a clean error, and nothing is lost") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    std::vector<std::string> added;
    {
        Outbox outbox = mustOpen(path);
        for (int i = 0; i < 3; ++i) {
            added.push_back(shared::newUuidV4());
            mustSucceed(outbox.add(added.back(), someSealed()));
        }
    }
    const auto tryToAdd = [&]() -> std::string {
        auto outbox = Outbox::open(path);
        if (!outbox) return outbox.error().message;
        auto status = outbox->add(shared::newUuidV4(), someSealed());
        return status ? std::string("added") : status.message();
    };
    const auto checkNothingLost = [&] {
        fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        Outbox outbox = mustOpen(path);
        CHECK(ids(*outbox.pending(10)) == added);
        CHECK(*outbox.integrityCheck() == "ok");
    };

    SUBCASE("the database file is read-only") {
        fs::permissions(dir.path(), fs::perms::all);
        fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        const auto message = runWithoutPrivileges(tryToAdd);
        if (!message) {
            MESSAGE("cannot drop root privileges here; skipped");
            return;
        }
        CHECK(*message == prefixOf(path) + "cannot write: the file is read-only (the kiosk's user needs write access to the "
                                           "file and its folder)");
        checkNothingLost();
    }
    SUBCASE("the folder is read-only") {
        fs::permissions(path, fs::perms::all);
        fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                        fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
        const auto message = runWithoutPrivileges(tryToAdd);
        if (!message) {
            MESSAGE("cannot drop root privileges here; skipped");
            return;
        }
        CAPTURE(*message);
        CHECK(*message == prefixOf(path) + "cannot open: attempt to write a readonly database (the kiosk's user needs write "
                                           "access to the file and its folder)");
        checkNothingLost();
    }
}

TEST_CASE("outbox: a failing write (disk full, file size limit) is refused cleanly and loses nothing") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    Outbox outbox = mustOpen(path);
    std::vector<std::string> added;
    for (int i = 0; i < 3; ++i) {
        added.push_back(shared::newUuidV4());
        mustSucceed(outbox.add(added.back(), someSealed()));
    }
    const std::string refused = shared::newUuidV4();
    std::string message;
    {
        const FileSizeLimit full(0);
        const auto status = outbox.add(refused, someSealed());
        message = status ? "added" : status.message();
    }
    CHECK(startsWith(message, prefixOf(path) + "cannot write: "));
    CHECK(ids(*outbox.pending(10)) == added);

    mustSucceed(outbox.add(refused, someSealed()));
    CHECK(outbox.counts()->pending == 4);
    CHECK(*outbox.integrityCheck() == "ok");
}

TEST_CASE("outbox: export writes JSON Lines, a header then one line per item, and keeps the items") {
    TempDir dir;
    Outbox outbox = mustOpen(dir / "outbox.db");
    std::vector<std::string> added;
    std::vector<std::string> sealed;
    for (int i = 0; i < 3; ++i) {
        added.push_back(shared::newUuidV4());
        sealed.push_back(someSealed());
        mustSucceed(outbox.add(added.back(), sealed.back()));
    }
    mustSucceed(outbox.quarantine(added[1], "answer to 'q3' is not one of its choices"));

    const auto file = dir / "export.jsonl";
    const auto count = outbox.exportTo(file, R"({"unit_name": "Plejecenter Solhøj", "device_id": "dev-7"})");
    REQUIRE(count.ok());
    CHECK(*count == 3);

    const std::string text = readBytes(file);
    CHECK(text.back() == '\n');
    const auto fileLines = lines(text);
    REQUIRE(fileLines.size() == 4);
    CHECK(startsWith(fileLines[0], R"({"format":"svarboks-outbox-export","version":1,"count":3,)"));
    const auto header = nlohmann::json::parse(fileLines[0]);
    CHECK(header == nlohmann::json{{"format", "svarboks-outbox-export"}, {"version", 1}, {"count", 3},
                                   {"unit_name", "Plejecenter Solhøj"}, {"device_id", "dev-7"}});
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        const auto item = nlohmann::json::parse(fileLines[i + 1]);
        CHECK(item.size() == 3);
        CHECK(item.at("id") == added[i]);
        CHECK(*shared::fromBase64(item.at("sealed").get<std::string>()) == sealed[i]);
        CHECK(item.at("state") == (i == 1 ? "quarantined" : "pending"));
    }
    CHECK(outbox.counts()->pending == 2);
    CHECK(outbox.counts()->quarantined == 1);
    CHECK(filesIn(dir.path()) == std::vector<std::string>{"export.jsonl", "outbox.db", "outbox.db-shm", "outbox.db-wal"});

    SUBCASE("exporting again replaces the file") {
        mustSucceed(outbox.remove({added[0]}));
        CHECK(*outbox.exportTo(file, "") == 2);
        const auto again = lines(readBytes(file));
        REQUIRE(again.size() == 3);
        CHECK(again[0] == R"({"format":"svarboks-outbox-export","version":1,"count":2})");
    }
    SUBCASE("an empty outbox exports a header only") {
        TempDir other;
        Outbox empty = mustOpen(other / "outbox.db");
        CHECK(*empty.exportTo(other / "empty.jsonl", "{}") == 0);
        CHECK(readBytes(other / "empty.jsonl") == "{\"format\":\"svarboks-outbox-export\",\"version\":1,\"count\":0}\n");
    }
    SUBCASE("the header must be an object that leaves format, version and count alone") {
        const std::string prefix = prefixOf(dir / "outbox.db") + "cannot export to " + file.string() + ": ";
        CHECK(errorOf(outbox.exportTo(file, "not json")) == prefix + "the header is not a JSON object");
        CHECK(errorOf(outbox.exportTo(file, "[1]")) == prefix + "the header is not a JSON object");
        CHECK(errorOf(outbox.exportTo(file, R"({"format": "mine"})")) == prefix + "the header may not set 'format'");
        CHECK(errorOf(outbox.exportTo(file, R"({"count": 1})")) == prefix + "the header may not set 'count'");
        CHECK(readBytes(file) == text);
    }
}

TEST_CASE("outbox: export is atomic: a failed export leaves the old file intact and no temp file behind") {
    TempDir dir;
    const auto db = dir / "outbox.db";
    Outbox outbox = mustOpen(db);
    for (int i = 0; i < 5; ++i) mustSucceed(outbox.add(shared::newUuidV4(), someSealed()));
    const auto file = dir / "export.jsonl";
    const std::string old = "{\"format\":\"svarboks-outbox-export\",\"version\":1,\"count\":0}\n";
    writeBytes(file, old);
    const auto before = filesIn(dir.path());
    const std::string prefix = prefixOf(db) + "cannot export to ";

    SUBCASE("the target folder does not exist") {
        const auto missing = dir / "usb" / "export.jsonl";
        CHECK(errorOf(outbox.exportTo(missing, "")) ==
              prefix + missing.string() + ": cannot create a file in " + (dir / "usb").string() + ": No such file or directory");
    }
    SUBCASE("writing stops halfway (the disk fills up)") {
        std::string message;
        {
            const FileSizeLimit full(200);
            const auto result = outbox.exportTo(file, "");
            message = result ? "exported" : result.error().message;
        }
        CHECK(message == prefix + file.string() + ": cannot write: File too large");
    }
    SUBCASE("the target cannot be replaced (it is a folder)") {
        const auto folder = dir / "taken.jsonl";
        fs::create_directory(folder);
        CHECK(errorOf(outbox.exportTo(folder, "")) == prefix + folder.string() + ": cannot replace it: Is a directory");
        CHECK(fs::is_directory(folder));
        fs::remove(folder);
    }
    CHECK(readBytes(file) == old);
    CHECK(filesIn(dir.path()) == before);
    CHECK(outbox.counts()->pending == 5);
}

TEST_CASE("outbox: anonymity: no plaintext answer, question name or survey id is in any file on disk") {
    TempDir dir;
    const auto path = dir / "outbox.db";
    shared::ResponsePayload payload;
    payload.surveyId = "digital-kompetence";
    payload.surveyVersion = "2026.1";
    payload.definitionSha256 = shared::sha256Hex("the survey definition as published");
    payload.consentSha256 = std::string(64, 'c');
    payload.period = "2026-W47";
    payload.locale = "da";
    payload.answers = {{"info_1", 3}, {"uses_welfare_tech", true}, {"favourite_system", "Nexus"}};
    const std::string plaintext = shared::toJson(payload).dump();
    const std::vector<std::string> secrets = {plaintext,           payload.answers.dump(), "info_1",
                                              "uses_welfare_tech", "favourite_system",     "Nexus",
                                              "digital-kompetence", payload.definitionSha256, "2026-W47"};

    // Every file of the outbox (database, -wal, -shm, any journal), as bytes. Returns "file: secret" lines.
    const auto findSecrets = [&](const fs::path& folder, std::set<std::string>* foundSecrets = nullptr) {
        std::string found;
        for (const auto& entry : fs::directory_iterator(folder)) {
            const std::string bytes = readBytes(entry.path());
            for (const auto& secret : secrets) {
                if (bytes.find(secret) == std::string::npos) continue;
                found += entry.path().filename().string() + ": " + secret + "\n";
                if (foundSecrets) foundSecrets->insert(secret);
            }
        }
        return found;
    };

    const shared::KeyPair central = shared::generateKeyPair();
    {
        Outbox ui = mustOpen(path);
        Outbox uploader = mustOpen(path);
        for (int i = 0; i < 20; ++i) mustSucceed(ui.add(shared::newUuidV4(), shared::seal(plaintext, central.publicKey)));
        mustSucceed(uploader.countAttempt(ids(*uploader.pending(5))));
        mustSucceed(uploader.quarantine(uploader.pending(1)->front().id, "answer to 'q3' is not one of its choices"));
        CHECK(fs::exists(dir / "outbox.db-wal"));
        CHECK(fs::exists(dir / "outbox.db-shm"));
        CHECK(findSecrets(dir.path()) == "");
        // And the sealed bytes in the outbox still hold the answers for the central endpoint.
        CHECK(*shared::openSealed(ui.pending(1)->front().sealed, central) == plaintext);
    }
    CHECK(findSecrets(dir.path()) == "");

    // The check can see plaintext: an outbox given unsealed bytes is caught.
    TempDir control;
    {
        Outbox leaky = mustOpen(control / "outbox.db");
        mustSucceed(leaky.add(shared::newUuidV4(), plaintext));
        std::set<std::string> found;
        CHECK(findSecrets(control.path(), &found) != "");
        CHECK(found.size() == secrets.size());
    }
}
