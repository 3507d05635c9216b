// Power-cut test: the real kiosk binary completes scripted respondents (`svarboks simulate --print-ids`,
// which prints an id only after its commit returned) and is killed with SIGKILL at random moments.
// Every id it printed must be in the outbox afterwards, once, and the database must pass integrity_check.
#include "svarboks/shared/config.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/outbox.hpp"
#include "test_helpers.hpp"

#include <csignal>
#include <poll.h>
#include <random>
#include <set>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace {

using namespace svarboks;

struct Child {
    pid_t pid = -1;
    int out = -1;
};

Child spawnSimulate(const std::string& config, int count, unsigned seed) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    const std::string binary = std::string(SVARBOKS_BINARY_DIR) + "/client/svarboks";
    const std::string countText = std::to_string(count);
    const std::string seedText = std::to_string(seed);
    std::vector<std::string> args = {binary, "simulate", countText, "--seed", seedText, "--config", config, "--print-ids"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    Child child;
    REQUIRE(posix_spawn(&child.pid, binary.c_str(), &actions, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    child.out = fds[0];
    return child;
}

// Reads complete "committed <id>" lines until `deadline`; returns false at end of output.
bool readIds(Child& child, std::string& buffer, std::set<std::string>& ids, std::chrono::steady_clock::time_point deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{child.out, POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (poll(&pfd, 1, static_cast<int>(std::max<long long>(left, 0))) <= 0) return true;
        char chunk[4096];
        const ssize_t n = read(child.out, chunk, sizeof chunk);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        for (auto newline = buffer.find('\n'); newline != std::string::npos; newline = buffer.find('\n')) {
            const std::string line = buffer.substr(0, newline);
            buffer.erase(0, newline + 1);
            if (line.rfind("committed ", 0) == 0) ids.insert(line.substr(10));
        }
    }
    return true;
}

}  // namespace

TEST_CASE("SIGKILL at random moments during 500 completions loses no committed response") {
    REQUIRE(shared::sodiumInit());
    const auto dir = std::filesystem::temp_directory_path() / ("svarboks-crash-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    shared::KioskConfig config;
    config.unitName = "Crash test";
    config.surveyFile = test::defaultSurveyPath().string();
    config.centralPublicKey = shared::publicKeyToBase64(shared::generateKeyPair().publicKey);
    config.outboxFile = (dir / "outbox.db").string();
    const auto configFile = dir / "kiosk.json";
    REQUIRE(shared::saveConfig(config, configFile).ok());

    std::mt19937 random(20261123);
    std::set<std::string> committed;
    int kills = 0;
    for (int run = 0; committed.size() < 500 && run < 400; ++run) {
        Child child = spawnSimulate(configFile.string(), 500, static_cast<unsigned>(random()));
        std::string buffer;
        const auto killAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(20 + random() % 250);
        const bool stillRunning = readIds(child, buffer, committed, killAt);
        if (stillRunning) {
            kill(child.pid, SIGKILL);
            ++kills;
        }
        while (readIds(child, buffer, committed, std::chrono::steady_clock::now() + std::chrono::seconds(5))) {
        }
        int status = 0;
        waitpid(child.pid, &status, 0);
        close(child.out);
        if (!stillRunning) CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    }
    MESSAGE(committed.size() << " responses committed across " << kills << " SIGKILLs");
    CHECK(committed.size() >= 500);
    CHECK(kills >= 3);

    auto outbox = sync::Outbox::open(config.outboxFile);
    REQUIRE(outbox.ok());
    auto integrity = outbox->integrityCheck();
    REQUIRE(integrity.ok());
    CHECK(*integrity == "ok");
    auto pending = outbox->pending(1'000'000);
    REQUIRE(pending.ok());
    std::set<std::string> stored;
    for (const auto& item : *pending) stored.insert(item.id);
    CHECK(stored.size() == pending->size());  // no id twice
    std::size_t missing = 0;
    for (const auto& id : committed) missing += stored.count(id) == 0 ? 1u : 0u;
    CHECK(missing == 0);
    std::filesystem::remove_all(dir);
}
