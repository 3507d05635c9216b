#include "svarboks/server/admin.hpp"

#include "svarboks/server/account_admin.hpp"
#include "svarboks/server/administration.hpp"
#include "svarboks/server/api.hpp"
#include "svarboks/server/backup.hpp"
#include "svarboks/server/clock.hpp"
#include "svarboks/server/codebook.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/doctor.hpp"
#include "svarboks/server/data_dir.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/http_server.hpp"
#include "svarboks/server/import.hpp"
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/maintenance.hpp"
#include "svarboks/server/migrate.hpp"
#include "svarboks/server/report_format.hpp"
#include "svarboks/server/retention.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/shared_state.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/server/store.hpp"
#include "svarboks/server/survey_admin.hpp"
#include "svarboks/shared/command_line.hpp"
#include "svarboks/shared/files.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/survey.hpp"

#include "svarboks/shared/cli11.hpp"
#include <nlohmann/json.hpp>

#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

namespace svarboks::server {

namespace fs = std::filesystem;

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;

// Where the commands write, and the exit code the one that ran leaves.
struct Console {
    std::ostream& out;
    std::ostream& err;
    int code = kOk;
};

// A usage error that only the command can see (options that go together): exit 2, like CLI11's own.
[[noreturn]] void usageError(const std::string& message) { throw CLI::ValidationError(message); }

std::string pad(const std::string& text, std::size_t width) {
    // Display width: count UTF-8 lead bytes only, so "Solhøj" lines up.
    const auto shown = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    return text + std::string(shown < width ? width - shown : 1, ' ');
}

// Every --database URL this process was given: no message or log line repeats its password (store.hpp).
std::vector<std::string>& givenDatabases() {
    static std::vector<std::string> given;
    return given;
}

// `text` with every given URL as redactDatabaseUrl() shows it: a safety net under the messages that
// already say describeStore(), for those that quote a URL themselves (a database driver's, say).
std::string withoutPasswords(std::string text) {
    for (const auto& url : givenDatabases()) {
        const std::string shown = redactDatabaseUrl(url);
        for (std::size_t at = text.find(url); at != std::string::npos; at = text.find(url, at + shown.size())) text.replace(at, url.size(), shown);
    }
    return text;
}

int fail(std::ostream& err, const std::string& message) {
    err << "svarboks-central: " << withoutPasswords(message) << '\n';
    return kFailed;
}

// The QR code for a terminal: two rows per line with half blocks; light modules are drawn, which reads
// right on a dark terminal.
std::string terminalQrCode(const QrMatrix& qr) {
    const int margin = 2;
    std::string out;
    for (int y = -margin; y < qr.width + margin; y += 2) {
        out += "    ";
        for (int x = -margin; x < qr.width + margin; ++x) {
            const bool top = !qr.at(x, y);
            const bool bottom = !qr.at(x, y + 1);
            out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
        }
        out += '\n';
    }
    return out;
}

// The time of an audit entry.
std::string utcNow() { return utcSecond(std::chrono::system_clock::now()); }

// Who ran a command, for the audit log: the command line has no account, so it names itself.
constexpr const char* kCommandLineUser = "(command line)";

// For changes that are done already: a failed audit write is told, not hidden.
void auditOrWarn(Storage& store, const AuditEntry& entry, std::ostream& err) {
    if (auto status = store.addAudit(entry); !status) err << "svarboks-central: warning: not in the audit log: " << status.message() << '\n';
}

// ---- options that several commands take ----

constexpr const char* kDatabaseHelp =
    "the store: a postgresql://USER@HOST[:PORT]/DB URL (also from SVARBOKS_DATABASE; libpq also reads ~/.pgpass and PGPASSWORD, "
    "so that no password need be on the command line); without it, the SQLite store in --data";

// --data, and --database (or SVARBOKS_DATABASE) for the store when it is not the folder's SQLite file.
CLI::Option* addDataOption(CLI::App& command, DataDir& data, const std::string& help = "the data folder (made by init)") {
    command.add_option_function<std::string>("--database", [&data](const std::string& url) {
        if (!url.empty()) givenDatabases().push_back(url);
        data.database = url;
    }, kDatabaseHelp)->type_name("URL")->envname("SVARBOKS_DATABASE");
    return command.add_option("--data", data.root, help)->required()->type_name("DIR");
}

// An option read by the core's own parser, whose message names what it accepts.
template <class T, class Parse>
CLI::Option* addParsedOption(CLI::App& command, const std::string& name, T& target, Parse parse, const std::string& help) {
    return command.add_option_function<std::string>(name, [&target, parse, name](const std::string& text) {
        auto parsed = parse(text);
        if (!parsed) usageError(name + ": " + parsed.error().message);
        target = *parsed;
    }, help);
}

// --k of init and policy set: the consent's group size or more, never less.
CLI::Option* addGroupSizeOption(CLI::App& command, std::optional<int>& k, const std::string& help) {
    const auto allowed = [](const std::string& text) {
        int value = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        return result.ec == std::errc{} && result.ptr == text.data() + text.size() && value >= kMinimumK && value <= 1000;
    };
    return command.add_option("--k", k, help)
        ->type_name("N")
        ->check(shared::expecting(allowed, "a number from " + std::to_string(kMinimumK) +
                                       " to 1000 (the consent text promises figures only for groups of at least " +
                                       std::to_string(kMinimumGroupSize) + "; a larger k hides more, a smaller one is never allowed)"));
}

// An option that is there to be refused with its reason; the help does not show it.
void addRefusedOption(CLI::App& command, const std::string& name, const std::string& why) {
    command.add_option_function<std::string>(name, [why](const std::string&) { usageError(why); })->group("");
}

// k is the store's policy (policy set --k), frozen into each round at its release: a command cannot choose
// another, since two reports of one round with different k could give each other's hidden figures away.
void refuseK(CLI::App& command) {
    addRefusedOption(command, "--k",
                     "--k: the minimum group size is the store's policy, kept by each round from its release "
                     "(see: policy show; raise it for later rounds with: policy set --k N)");
}

// ---- the commands: their options on a CLI11 subcommand, and what they do ----

struct InitArgs {
    DataDir data;
    InitOptions options;
    std::optional<int> k;
};

int init(const InitArgs& args, std::ostream& out, std::ostream& err) {
    const DataDir& dir = args.data;
    auto report = initDataDir(dir, args.options);
    if (!report) return fail(err, report.error().message);
    out << "Initialised " << dir.root.string() << ":\n"
        << "  store        " << describeStore(dir) << "\n"
        << "  secret key   " << dir.secretKey().string() << " (mode 0600: back it up safely; without it no response can be read)\n"
        << "  public key   " << dir.publicKey().string() << "\n"
        << "  certificate  " << dir.tlsCert().string() << (report->certificateGenerated ? " (self-signed, new)" : " (copied)") << "\n"
        << "  TLS key      " << dir.tlsKey().string() << " (mode 0600)\n";
    if (!report->certificate.subjectAltNames.empty()) {
        out << "  names        ";
        for (std::size_t i = 0; i < report->certificate.subjectAltNames.size(); ++i) out << (i ? ", " : "") << report->certificate.subjectAltNames[i];
        out << '\n';
    }
    if (args.k) {
        auto store = openStore(dir);
        if (!store) return fail(err, store.error().message);
        if (auto status = (*store)->setGroupSize(*args.k); !status) return fail(err, status.message());
    }
    out << "  group size   " << args.k.value_or(kDefaultK) << " (no figure about fewer respondents is ever shown)\n";
    out << "  SHA-256      " << report->certificate.sha256Fingerprint << "\n"
        << "  key pin      " << report->certificate.spkiPin << "\n"
        << "Public key (base64): " << report->publicKey << '\n';
    return kOk;
}

void addInit(CLI::App& app, Console& console) {
    auto args = std::make_shared<InitArgs>();
    CLI::App* command = app.add_subcommand("init", "Make the store, the key pair and a TLS certificate");
    addDataOption(*command, args->data, "the data folder to make (mode 0700)");
    CLI::Option* hosts = command->add_option("--host", args->options.hosts,
                                             "a name or address for the self-signed certificate (repeatable; default 127.0.0.1 and localhost)")
                             ->type_name("NAME|IP");
    CLI::Option* cert = command->add_option("--tls-cert", args->options.tlsCert, "an existing certificate to copy in instead")->type_name("FILE");
    CLI::Option* key = command->add_option("--tls-key", args->options.tlsKey, "its private key")->type_name("FILE");
    cert->needs(key);
    key->needs(cert);
    hosts->excludes(cert);
    addGroupSizeOption(*command, args->k, "the minimum group size (default 5, what the consent promises; only more)");
    command->callback([args, &console] { console.code = init(*args, console.out, console.err); });
}

struct ServeArgs {
    DataDir data;
    ServeOptions options;
};

int serve(const ServeArgs& args, std::ostream& out, std::ostream& err) {
    const DataDir& dir = args.data;
    DashboardOptions dashboardOptions;
    ServeOptions options = args.options;
    options.certFile = dir.tlsCert();
    options.keyFile = dir.tlsKey();

    auto keys = loadKeyPair(dir);
    if (!keys) return fail(err, keys.error().message);
    // Every replica reads the same keys, so they key the login throttle alike (shared_state.hpp).
    dashboardOptions.accounts.limitSecret = limitSecretFrom(*keys);
    auto store = openStore(dir);
    if (!store) return fail(err, store.error().message);
    Api api(**store, *keys);
    Dashboard dashboard(**store, dashboardOptions);

    std::mutex logMutex;
    const LogSink log = [&](const std::string& line) {
        const std::lock_guard lock(logMutex);
        out << withoutPasswords(line) << '\n' << std::flush;
    };
    // Signals are taken by one thread with sigtimedwait; every other thread (httplib's too, created later)
    // inherits the blocked mask. A peer closing its connection must not kill the process (SIGPIPE).
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGTERM);
    sigaddset(&stopSignals, SIGINT);
    sigset_t previous;
    pthread_sigmask(SIG_BLOCK, &stopSignals, &previous);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, nullptr);

    auto server = HttpServer::create(api, options, log, &dashboard);
    if (!server) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return fail(err, server.error().message);
    }
    auto port = (*server)->bind();
    if (!port) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return fail(err, port.error().message);
    }
    {
        nlohmann::ordered_json line;
        line["event"] = "listening";
        line["address"] = (options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host) + ":" + std::to_string(*port);
        line["public_key"] = shared::publicKeyToBase64(keys->publicKey);
        log(line.dump());
    }

    // Daily retention and the write-ahead log emptied every second, until serving ends.
    std::optional<Maintenance> maintenance;
    maintenance.emplace(**store, systemClock(), log);

    std::atomic<bool> finished{false};
    std::thread watcher([&] {
        while (!finished) {
            const timespec wait{0, 200'000'000};
            const int signal = sigtimedwait(&stopSignals, nullptr, &wait);
            if (signal == SIGTERM || signal == SIGINT) {
                log(nlohmann::ordered_json{{"event", "stopping"}, {"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}}.dump());
                api.setDraining(true);
                (*server)->stop();
                return;
            }
        }
    });
    const Status ran = (*server)->run();
    finished = true;
    watcher.join();
    server->reset();
    maintenance.reset();
    log(nlohmann::ordered_json{{"event", "stopped"}}.dump());
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (!ran) return fail(err, ran.message());
    return kOk;
}

void addServe(CLI::App& app, Console& console) {
    auto args = std::make_shared<ServeArgs>();
    CLI::App* command = app.add_subcommand("serve", "Run the HTTPS endpoint (kiosk API, dashboard at /) until SIGTERM or SIGINT");
    addDataOption(*command, args->data);
    command->add_option_function<std::string>("--listen", [args](const std::string& text) {
        if (auto status = parseListenAddress(text, args->options); !status) usageError(status.message());
    }, "the address to listen on (HOST:0 picks a free port)")->type_name("HOST:PORT")->default_str("127.0.0.1:8443");
    command->add_option("--threads", args->options.threads, "the most connections served at once")
        ->capture_default_str()->check(CLI::Range(1, 4096));
    command->add_option("--max-per-address", args->options.maxConnectionsPerAddress, "the most of them from one address (0: no cap)")
        ->capture_default_str()->check(CLI::Range(0, 65536));
    command->add_option_function<std::vector<std::string>>("--trusted-proxy", [args](const std::vector<std::string>& addresses) {
        for (const auto& address : addresses) {
            const auto canonical = canonicalAddress(address);
            if (!canonical) usageError("--trusted-proxy '" + address + "': expected the IPv4 or IPv6 address of a load balancer (no port, no name)");
            args->options.trustedProxies.push_back(*canonical);
        }
    }, "a load balancer in front of this server (repeatable): from it alone, the client address is the last entry of "
       "X-Forwarded-For (for the rate limits), and it has no per-address cap; from any other peer the header is ignored")
        ->type_name("ADDR")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    refuseK(*command);
    command->callback([args, &console] { console.code = serve(*args, console.out, console.err); });
}

struct PolicyArgs {
    DataDir data;
    std::optional<int> k;  ///< set: policy set
};

int policy(const PolicyArgs& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    if (args.k) {
        const int k = *args.k;
        auto current = (*store)->groupSize();
        if (!current) return fail(err, current.error().message);
        if (k < *current) {
            return fail(err, "--k " + std::to_string(k) + ": the group size is " + std::to_string(*current) +
                                 " and can only be raised (rounds released with it keep it either way)");
        }
        if (auto status = (*store)->setGroupSize(k); !status) return fail(err, status.message());
        auditOrWarn(**store, {utcNow(), kCommandLineUser, "set-group-size", std::to_string(k), 0}, err);
    }
    auto size = (*store)->groupSize();
    if (!size) return fail(err, size.error().message);
    out << "Minimum group size: " << *size << " (the consent text promises at least " << kMinimumGroupSize
        << "; rounds released from now on keep it)\nRetention: " << kRetentionYears << " years: everything dated before "
        << oldestKeptWeek(localWeek(std::chrono::system_clock::now())) << " is deleted (daily by serve; now: svarboks-central retention)\n";
    return kOk;
}

void addPolicy(CLI::App& app, Console& console) {
    CLI::App* policyCommand = app.add_subcommand("policy", "The minimum group size k: no figure about fewer respondents is shown")->require_subcommand(1);
    auto show = std::make_shared<PolicyArgs>();
    CLI::App* command = policyCommand->add_subcommand("show", "Show k and the retention period");
    addDataOption(*command, show->data);
    command->callback([show, &console] { console.code = policy(*show, console.out, console.err); });

    auto set = std::make_shared<PolicyArgs>();
    command = policyCommand->add_subcommand("set", "Raise k for the rounds released from now on (each round keeps the k it was released with)");
    addDataOption(*command, set->data);
    addGroupSizeOption(*command, set->k, "5, what the consent promises, or more")->required();
    command->callback([set, &console] { console.code = policy(*set, console.out, console.err); });
}

// A command that needs nothing but the data folder, and perhaps one id or name.
struct Target {
    DataDir data;
    std::string id;
};

// Adds `name` with --data (and a positional, unless `positional` is empty) that runs `run`.
template <class Run>
CLI::App* addTargetCommand(CLI::App& parent, const std::string& name, const std::string& help, const std::string& positional, Console& console,
                           Run run) {
    auto args = std::make_shared<Target>();
    CLI::App* command = parent.add_subcommand(name, help);
    if (!positional.empty()) command->add_option(positional, args->id)->required();
    addDataOption(*command, args->data);
    command->callback([args, &console, run] { console.code = run(*args, console.out, console.err); });
    return command;
}

struct RoundArgs {
    DataDir data;
    Round round;
    bool early = false;
};

int roundsAdd(const RoundArgs& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    const Round& round = args.round;
    if (auto status = addRound(**store, round); !status) return fail(err, status.message());
    auditOrWarn(**store, {utcNow(), kCommandLineUser, "add-round", round.id + " " + round.fromWeek + " to " + round.toWeek, 0}, err);
    out << "Added round " << round.id << " (" << round.fromWeek << " to " << round.toWeek << "). Release it once it has ended:\n"
        << "    svarboks-central rounds release " << round.id << " --data DIR\n";
    return kOk;
}

int roundsList(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = (*store)->rounds();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No rounds yet; add one with: rounds add ID --from WEEK --to WEEK\n";
        return kOk;
    }
    const auto now = std::chrono::system_clock::now();
    out << pad("ROUND", 20) << pad("FROM", 10) << pad("TO", 10) << "STATE\n";
    for (const auto& round : *list) out << pad(round.id, 20) << pad(round.fromWeek, 10) << pad(round.toWeek, 10) << roundState(round, now) << '\n';
    return kOk;
}

int roundsRelease(const RoundArgs& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    const std::string& id = args.round.id;
    auto released = releaseRound(**store, id, std::chrono::system_clock::now(), args.early);
    if (!released) return fail(err, released.error().message);
    // No row count: the round's responses over every survey version would be a total that no report
    // shows (beside one version's shown total, it gives the others' away).
    auditOrWarn(**store, {utcNow(), kCommandLineUser, "release-round", id, 0}, err);
    out << "Released round " << id << ": its reports and exports are fixed from now on.\n";
    if (args.early) {
        out << "Released early: answers given in its weeks from now on are kept but will not be in it.\n";
    } else if (!released->silentKiosks.empty()) {
        out << "Note: " << released->silentKiosks.size() << " kiosk(s) had not been in contact since the round ended; answers they still hold "
            << "from its weeks will be kept but will not be in the round:\n";
        for (const auto& device : released->silentKiosks) {
            out << "  " << device.id << " (unit " << device.unitId << ", last seen " << (device.lastSeenOn.empty() ? "never" : device.lastSeenOn) << ")\n";
        }
    }
    return kOk;
}

void addRounds(CLI::App& app, Console& console) {
    CLI::App* rounds = app.add_subcommand("rounds", "Reporting rounds: only released rounds have figures, and those never change")
                           ->require_subcommand(1);
    auto add = std::make_shared<RoundArgs>();
    CLI::App* command = rounds->add_subcommand("add", "Add a round: a range of ISO weeks that overlaps no other");
    command->add_option("ID", add->round.id)->required();
    command->add_option("--from", add->round.fromWeek, "its first week, e.g. 2026-W02")->required()->type_name("WEEK");
    command->add_option("--to", add->round.toWeek, "its last week, e.g. 2026-W24")->required()->type_name("WEEK");
    addDataOption(*command, add->data);
    command->callback([add, &console] { console.code = roundsAdd(*add, console.out, console.err); });

    addTargetCommand(*rounds, "list", "List the rounds and their state", "", console, roundsList);

    auto release = std::make_shared<RoundArgs>();
    command = rounds->add_subcommand("release", "Release a round once it has ended: its figures are fixed from then on");
    command->add_option("ID", release->round.id)->required();
    command->add_flag("--early", release->early, "release it before its last week is over");
    addDataOption(*command, release->data);
    command->callback([release, &console] { console.code = roundsRelease(*release, console.out, console.err); });
}

// Retention on demand: what serve does daily (retention.hpp).
int retention(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto run = applyRetention(**store, std::chrono::system_clock::now(), kCommandLineUser);
    if (!run) return fail(err, run.error().message);
    out << "Retention (" << kRetentionYears << " years): " << run->describe() << ".\n";
    if (run->rounds.empty()) out << "No round was that old.\n";
    return kOk;
}

void addRetention(CLI::App& app, Console& console) {
    addTargetCommand(app, "retention", "Delete now what is past the 3-year retention (serve does it daily)", "", console,
                     retention);
}

struct CheckIdsArgs {
    DataDir data;
    std::string file;
    bool json = false;
};

// For operators and the fault suites: whether every id a kiosk printed or exported is stored, without any
// answer, unit or week (record-level data goes out only k-anonymous, through export).
int checkIds(const CheckIdsArgs& args, std::ostream& out, std::ostream& err) {
    const std::string& file = args.file;
    std::ifstream in;
    if (file != "-") {
        in.open(file);
        if (!in) return fail(err, file + ": cannot be read");
    }
    std::istream& source = file == "-" ? std::cin : in;
    std::set<std::string> listed;
    std::size_t lines = 0;
    for (std::string line; std::getline(source, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) continue;
        ++lines;
        listed.insert(line);
    }
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    std::set<std::string> stored;
    std::int64_t total = 0;
    const Status read = (*store)->forEachResponse([&](const StoredResponse& response) {
        ++total;
        if (listed.count(response.id) > 0) stored.insert(response.id);
        return true;
    });
    if (!read) return fail(err, read.message());
    const std::size_t found = stored.size();
    std::vector<std::string> missing;
    std::copy_if(listed.begin(), listed.end(), std::back_inserter(missing), [&](const std::string& id) { return stored.count(id) == 0; });
    if (args.json) {
        out << nlohmann::ordered_json{{"listed", lines}, {"distinct", listed.size()}, {"stored", found}, {"missing", missing}, {"total", total}}.dump() << '\n';
    } else {
        out << "listed " << lines << " (" << listed.size() << " distinct), stored " << found << ", missing " << missing.size()
            << "; the store holds " << total << " responses in all\n";
        for (const auto& id : missing) out << "missing " << id << '\n';
    }
    return missing.empty() ? kOk : kFailed;
}

void addCheckIds(CLI::App& app, Console& console) {
    auto args = std::make_shared<CheckIdsArgs>();
    CLI::App* command = app.add_subcommand("check-ids", "Whether every response id listed is stored (exit 1 if any is missing)");
    command->add_option("FILE", args->file, "the ids, one per line; - for standard input")->required();
    command->add_flag("--json", args->json, "print one JSON object");
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = checkIds(*args, console.out, console.err); });
}

struct AuditArgs {
    DataDir data;
    std::size_t limit = 100;
};

int auditList(const AuditArgs& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto entries = (*store)->audit(args.limit);
    if (!entries) return fail(err, entries.error().message);
    if (entries->empty()) {
        out << "Nothing audited yet.\n";
        return kOk;
    }
    out << pad("WHEN (UTC)", 22) << pad("USER", 20) << pad("ACTION", 20) << pad("ROWS", 9) << "WHAT\n";
    for (const auto& entry : *entries) {
        out << pad(entry.at, 22) << pad(entry.userName, 20) << pad(entry.action, 20) << pad(std::to_string(entry.rows), 9) << entry.detail << '\n';
    }
    return kOk;
}

void addAudit(CLI::App& app, Console& console) {
    CLI::App* audit = app.add_subcommand("audit", "Who downloaded or changed what")->require_subcommand(1);
    auto args = std::make_shared<AuditArgs>();
    CLI::App* command = audit->add_subcommand("list", "The audit log, newest first");
    command->add_option("--limit", args->limit, "the most entries shown")->capture_default_str()->check(CLI::Range(1, 100000));
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = auditList(*args, console.out, console.err); });
}

struct UnitArgs {
    DataDir data;
    Unit unit;
    bool none = false;  ///< units group: in no group
};

// Runs one change of the administration library on the store of `data`, as the command line.
template <class Change>
int administer(const DataDir& data, std::ostream& err, Change change) {
    auto store = openStore(data);
    if (!store) return fail(err, store.error().message);
    Administration administration(**store, kCommandLineUser);
    if (auto done = change(administration); !done) return fail(err, done.error().message);
    return kOk;
}

int unitsAdd(const UnitArgs& args, std::ostream& out, std::ostream& err) {
    const Unit& unit = args.unit;
    const int code = administer(args.data, err, [&](Administration& a) { return a.addUnit(unit); });
    if (code == kOk) out << "Added unit " << unit.id << " (" << unit.name << ")" << (unit.group.empty() ? "" : " to group " + unit.group) << '\n';
    return code;
}

int unitsGroup(const UnitArgs& args, std::ostream& out, std::ostream& err) {
    if (args.none == !args.unit.group.empty()) usageError("give the GROUP, or --none for no group");
    const std::string& group = args.unit.group;
    // The command line makes a group by naming it, as it always has.
    const int code = administer(args.data, err, [&](Administration& a) { return a.moveUnit(args.unit.id, {group, !group.empty()}); });
    if (code == kOk) out << "Unit " << args.unit.id << (args.none ? " is in no group now" : " is in group " + group + " now") << '\n';
    return code;
}

int unitsRename(const UnitArgs& args, std::ostream& out, std::ostream& err) {
    const int code = administer(args.data, err, [&](Administration& a) { return a.renameUnit(args.unit.id, args.unit.name); });
    if (code == kOk) out << "Unit " << args.unit.id << " is called " << args.unit.name << " now; reports show the new name\n";
    return code;
}

int unitsRetire(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administer(args.data, err, [&](Administration& a) { return a.retireUnit(args.id); });
    if (code == kOk) {
        out << "Retired unit " << args.id << ": it gets no new enrolment code and its unused codes stopped working. "
            << "Its responses and reports stay, and its kiosks still send what they hold (revoke them with: devices revoke ID).\n";
    }
    return code;
}

int unitsList(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = Administration(**store, kCommandLineUser).units();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No units yet; add one with: units add ID --name NAME [--group GROUP]\n";
        return kOk;
    }
    out << pad("UNIT", 24) << pad("GROUP", 24) << pad("KIOSKS", 8) << pad("STATE", 9) << "NAME\n";
    for (const auto& [unit, kiosks] : *list) {
        out << pad(unit.id, 24) << pad(unit.group.empty() ? "-" : unit.group, 24) << pad(std::to_string(kiosks), 8)
            << pad(unit.retired ? "retired" : "active", 9) << unit.name << '\n';
    }
    return kOk;
}

void addUnits(CLI::App& app, Console& console) {
    CLI::App* units = app.add_subcommand("units", "Units: a care home, a home-care district, a school")->require_subcommand(1);
    const CLI::Validator name = shared::expecting([](const std::string& text) { return isValidUnitName(text); },
                                                  "1-200 characters without control characters");

    auto add = std::make_shared<UnitArgs>();
    CLI::App* command = units->add_subcommand("add", "Add a unit");
    command->add_option("ID", add->unit.id)->required()->check(shared::expecting([](const std::string& id) { return isValidUnitId(id); },
                                                                                 "1-64 characters of a-z, 0-9, '-', '_' and '.'"));
    command->add_option("--name", add->unit.name, "the name kiosks and reports show")->required()->check(name);
    command->add_option("--group", add->unit.group, "the group reports sum it into")->check(name);
    addDataOption(*command, add->data);
    command->callback([add, &console] { console.code = unitsAdd(*add, console.out, console.err); });

    auto group = std::make_shared<UnitArgs>();
    command = units->add_subcommand("group", "Put a unit in a group, or in none");
    command->add_option("ID", group->unit.id)->required();
    CLI::Option* groupName = command->add_option("GROUP", group->unit.group)->check(name);
    command->add_flag("--none", group->none, "in no group")->excludes(groupName);
    addDataOption(*command, group->data);
    command->callback([group, &console] { console.code = unitsGroup(*group, console.out, console.err); });

    auto rename = std::make_shared<UnitArgs>();
    command = units->add_subcommand("rename", "Give a unit another name (its id, data and kiosks stay)");
    command->add_option("ID", rename->unit.id)->required();
    command->add_option("NAME", rename->unit.name, "the new name")->required()->check(name);
    addDataOption(*command, rename->data);
    command->callback([rename, &console] { console.code = unitsRename(*rename, console.out, console.err); });

    addTargetCommand(*units, "retire", "Retire a unit: no new enrolment codes; its data, reports and kiosks stay", "ID", console, unitsRetire);
    addTargetCommand(*units, "list", "List the units: group, kiosks, retired", "", console, unitsList);
}

struct EnrollArgs {
    DataDir data;
    std::string unit;
    std::chrono::seconds lifetime = kDefaultCodeLifetime;
};

int enroll(const EnrollArgs& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto made = Administration(**store, kCommandLineUser).makeEnrolmentCode(args.unit, args.lifetime);
    if (!made) return fail(err, made.error().message);
    const std::string& code = made->code;
    out << "Enrolment code for unit " << made->unit.id << " (" << made->unit.name << "):\n\n"
        << "    " << code << "\n\n"
        << "Single use, valid until " << localMinute(made->expires) << " (" << describeLifetime(args.lifetime) << ").\n"
        << "Type it on the kiosk's admin screen, or run on the kiosk:\n"
        << "    svarboks enroll " << code << " --endpoint https://HOST:PORT --ca cert.pem\n";
    if (const auto qr = qrMatrix(code)) {
        out << "\nThe same code as a QR code:\n\n" << terminalQrCode(*qr);
    } else {
        out << "(No QR code: this build has no libqrencode.)\n";
    }
    return kOk;
}

void addEnroll(CLI::App& app, Console& console) {
    auto args = std::make_shared<EnrollArgs>();
    CLI::App* command = app.add_subcommand("enroll", "Print a one-time enrolment code for a kiosk of a unit");
    command->add_option("--unit", args->unit, "the unit's id")->required()->type_name("ID");
    addParsedOption(*command, "--expires", args->lifetime, parseLifetime, "how long the code is valid: Nd, Nh or Nm, at most 30d")
        ->type_name("TIME")->default_str("7d");
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = enroll(*args, console.out, console.err); });
}

int devicesList(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = (*store)->devices();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No devices enrolled yet; make a code with: enroll --unit ID\n";
        return kOk;
    }
    out << pad("DEVICE", 38) << pad("UNIT", 24) << pad("ENROLLED", 12) << pad("LAST SEEN", 12) << pad("SURVEY", 28) << "REVOKED\n";
    for (const auto& device : *list) {
        out << pad(device.id, 38) << pad(device.unitId, 24) << pad(device.enrolledOn, 12)
            << pad(device.lastSeenOn.empty() ? "never" : device.lastSeenOn, 12)
            << pad(device.surveyId.empty() ? "-" : device.surveyId + " " + device.surveyVersion, 28) << (device.revoked ? "yes" : "no") << '\n';
    }
    return kOk;
}

int devicesRevoke(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administer(args.data, err, [&](Administration& a) { return a.revokeKiosk(args.id); });
    if (code == kOk) out << "Revoked device " << args.id << "; its next request gets 401. Its responses already stored stay.\n";
    return code;
}

void addDevices(CLI::App& app, Console& console) {
    CLI::App* devices = app.add_subcommand("devices", "The enrolled kiosks")->require_subcommand(1);
    addTargetCommand(*devices, "list", "List the devices: unit, enrolment, last seen, survey last fetched, revoked", "", console, devicesList);
    addTargetCommand(*devices, "revoke", "Revoke a device: its next request gets 401; its responses already stored stay", "ID", console,
                     devicesRevoke);
}

struct PublishArgs {
    DataDir data;
    fs::path file;
    PublishTargets targets;
};

// A lint problem as the command prints it: "FILE:LINE: /pointer: message", with "warning: " for warnings.
std::string lintLine(const std::string& file, const LintProblem& problem) {
    std::string line = file + ":";
    if (problem.line > 0) line += std::to_string(problem.line) + ":";
    line += " ";
    if (!problem.pointer.empty()) line += problem.pointer + ": ";
    return line + (problem.error ? "" : "warning: ") + problem.message;
}

// "every unit", "group x; unit y": a publication's targets as the list shows them.
std::string targetsText(const PublishedSurvey& survey) {
    PublishTargets targets;
    for (const auto& unit : survey.units) {
        if (unit == kAllUnits) targets.all = true;
        else targets.units.push_back(unit);
    }
    targets.groups = survey.groups;
    return describeTargets(targets);
}

int surveyPublish(const PublishArgs& args, std::ostream& out, std::ostream& err) {
    const std::string file = args.file.string();
    auto bytes = shared::readSmallFile(args.file, shared::kMaxSurveyBytes);
    if (!bytes) return fail(err, bytes.error().message);
    if (!*bytes) return fail(err, file + ": cannot read the file: it does not exist");
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    SurveyAdmin admin(**store);
    std::vector<LintProblem> problems;
    auto published = admin.publishDefinition(file, **bytes, args.targets, kCommandLineUser, problems);
    for (const auto& problem : problems) err << lintLine(file, problem) << '\n';
    if (!published) return fail(err, published.error().message);
    out << "Published survey " << published->surveyId << " " << published->version << " for " << describeTargets(args.targets) << "\n"
        << "  definition_sha256 " << published->definitionSha256 << "\n"
        << "  consent_sha256    " << published->consentSha256 << "\n"
        << "Kiosks take it between two respondents, the next time they ask for the survey.\n";
    return kOk;
}

int surveyList(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = SurveyAdmin(**store).versions();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No survey published yet; publish one with: survey publish FILE --all|--group NAME|--unit ID\n";
        return kOk;
    }
    out << pad("SURVEY", 24) << pad("VERSION", 12) << pad("DEFINITION", 14) << pad("CONSENT", 14) << pad("RETIRED", 12) << "PUBLISHED TO\n";
    for (const auto& version : *list) {
        const PublishedSurvey& s = version.published;
        out << pad(s.surveyId, 24) << pad(s.version, 12) << pad(s.definitionSha256.substr(0, 12), 14) << pad(s.consentSha256.substr(0, 12), 14)
            << pad(s.retired() ? s.retiredOn : "-", 12) << targetsText(s) << '\n';
    }
    return kOk;
}

int surveyRetire(const Target& args, const std::string& version, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    if (auto status = SurveyAdmin(**store).retire(args.id, version, kCommandLineUser); !status) return fail(err, status.message());
    out << "Retired survey " << args.id << " " << version << ": kiosks no longer get it (a unit gets its latest other survey, if any).\n"
        << "Its responses stay and keep counting; answers already given on a kiosk are still accepted.\n";
    return kOk;
}

void addSurvey(CLI::App& app, Console& console) {
    CLI::App* survey = app.add_subcommand("survey", "The surveys the kiosks show")->require_subcommand(1);
    auto args = std::make_shared<PublishArgs>();
    CLI::App* command = survey->add_subcommand("publish", "Lint a survey file and publish it to every unit, to groups or to units");
    command->add_option("FILE", args->file, "the survey definition (docs/survey-format.md)")->required();
    CLI::Option* unit = command->add_option("--unit", args->targets.units, "for this unit (repeatable)")->type_name("ID");
    CLI::Option* group = command->add_option("--group", args->targets.groups, "for every unit of this group, now or later (repeatable)")
                             ->type_name("NAME");
    CLI::Option* all = command->add_flag("--all", args->targets.all, "for every unit");
    unit->excludes(all);
    group->excludes(all);
    addDataOption(*command, args->data);
    command->callback([args, &console, unit, group, all] {
        if (unit->count() + group->count() + all->count() == 0) usageError("give --unit ID, --group NAME or --all");
        console.code = surveyPublish(*args, console.out, console.err);
    });
    addTargetCommand(*survey, "list", "List the published versions: hashes, retired, where published", "", console, surveyList);
    auto version = std::make_shared<std::string>();
    CLI::App* retire = addTargetCommand(*survey, "retire", "Retire a version: kiosks no longer get it; its responses stay and count", "ID",
                                        console, [version](const Target& target, std::ostream& out, std::ostream& err) {
                                            return surveyRetire(target, *version, out, err);
                                        });
    retire->add_option("VERSION", *version, "the surveyVersion to retire")->required();
}

struct ExportArgs {
    DataDir data;
    std::string format = "jsonl";
    ExportOptions options;
    std::string output;  ///< "" = standard output
    std::string codebook;  ///< "" = beside --output (codebookPath), none when the data goes to standard output
};

int exportCommand(const ExportArgs& args, std::ostream& out, std::ostream& err) {
    const auto format = parseExportFormat(args.format);
    if (!format) return fail(err, format.error().message);
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    ExportOptions options = args.options;
    options.format = *format;
    auto plan = planExport(**store, options);
    if (!plan) return fail(err, plan.error().message);

    // Progress only where a person watches it, and not into the same terminal as the data.
    const bool toFile = !args.output.empty();
    std::optional<TerminalProgress> terminal;
    if (&err == &std::cerr && ::isatty(STDERR_FILENO) == 1 && (toFile || ::isatty(STDOUT_FILENO) != 1)) terminal.emplace(err);
    ExportProgress progress;
    if (terminal) progress = [&terminal](std::int64_t done, std::int64_t total) { terminal->update(done, total); };

    // Audited once the first pass knows how many rows the export holds, before any of them is written.
    const ExportCheck audit = [&](const ExportResult& holds) -> Status {
        if (auto audited = (*store)->addAudit(AuditEntry{utcNow(), kCommandLineUser, "export", plan->describe(), holds.rows}); !audited) {
            return Error{"the audit log cannot be written (" + audited.message() + "); nothing was exported"};
        }
        return {};
    };
    const auto exported = toFile ? exportToFile(**store, *plan, args.output, progress, audit)
                                 : exportResponses(**store, *plan, [&out](std::string_view chunk) {
                                       out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                                       return static_cast<bool>(out);
                                   }, progress, audit);
    if (terminal) terminal->finish();
    if (!exported) return fail(err, exported.error().message);
    if (exported->withheld > 0 || toFile) err << "svarboks-central: " << exported->explanation << '\n';
    if (!toFile) {
        out.flush();
        if (!out) return fail(err, "cannot write the export to standard output");
    } else {
        out << "Exported " << exported->rows << " responses of " << plan->describe() << " to " << args.output << '\n';
    }
    // The codebook goes with the data: beside --output unless --codebook says where (with data on standard
    // output only then, as standard output holds the data alone).
    const fs::path codebook = !args.codebook.empty() ? fs::path(args.codebook) : toFile ? codebookPath(args.output, *format) : fs::path();
    if (codebook.empty()) return kOk;
    if (auto written = shared::writeAtomically(codebook, codebookFor(*plan->survey, *format)); !written) {
        return fail(err, "the export is written, but not its codebook: " + written.message());
    }
    (toFile ? out : err) << "Codebook (what each column means, in Danish and English): " << codebook.string() << '\n';
    return kOk;
}

// --round, --survey and --version of export and report: which released round and survey version.
template <class Request>
void addRoundOptions(CLI::App& command, Request& request) {
    command.add_option("--round", request.round, "a released round (default: the latest)")->type_name("ID");
    command.add_option("--survey", request.surveyId, "the survey (default: the only one)")->type_name("ID");
    command.add_option("--version", request.version, "its version (default: the latest published)")->type_name("V");
}

void addExport(CLI::App& app, Console& console) {
    auto args = std::make_shared<ExportArgs>();
    CLI::App* command = app.add_subcommand("export", "One row per response of a released round, made k-anonymous");
    command->add_option("--format", args->format, "csv, csv-da (Danish Excel) or JSON Lines")
        ->capture_default_str()->check(CLI::IsMember({"csv", "csv-da", "jsonl"}));
    addRoundOptions(*command, args->options);
    command->add_option("--output", args->output, "write to this file (default: standard output), and its codebook beside it")->type_name("FILE");
    command->add_option("--codebook", args->codebook, "write the codebook here (default: FILE-codebook.csv/.json beside --output)")->type_name("FILE");
    refuseK(*command);
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = exportCommand(*args, console.out, console.err); });
}

struct ReportArgs {
    DataDir data;
    ReportRequest request;
    std::string by = "unit";
    std::string format = "table";
    std::string unit;
    std::optional<std::string> group;  ///< "" is the row of the units in no group
};

int reportCommand(const ReportArgs& args, std::ostream& out, std::ostream& err) {
    const auto by = parseReportBy(args.by);
    ReportFocus focus;
    if (!args.unit.empty()) focus = {ReportRow::Kind::Unit, args.unit};
    if (args.group) focus = {ReportRow::Kind::Group, *args.group};
    const bool focused = *by == ReportBy::Area || *by == ReportBy::Question;
    if (focus.kind != ReportRow::Kind::Total && !focused) {
        usageError("--unit and --group choose the row of --by area or --by question; --by " + args.by + " shows every row");
    }

    ReportRequest request = args.request;
    request.questions = *by == ReportBy::Question;
    if (request.questions && focus.kind == ReportRow::Kind::Unit) request.questionUnits = {focus.id};
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    const auto report = buildReport(**store, request);
    if (!report) return fail(err, report.error().message);

    const std::string& format = args.format;
    if (format == "table") {
        if (auto status = writeReportTable(*report, *by, focus, "en", out); !status) return fail(err, status.message());
    } else if (format == "json") {
        const auto json = reportJson(*report, *by, focus, "en");
        if (!json) return fail(err, json.error().message);
        out << json->dump(2) << '\n';
    } else {
        const bool danish = format == "csv-da";
        CsvWriter csv(danish ? CsvDialect::DanishExcel : CsvDialect::Standard, [&out](std::string_view chunk) {
            out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            return static_cast<bool>(out);
        });
        // csv is for scripts (stable ids), csv-da for people in Danish Excel (Danish words and titles).
        const ReportHeaders headers = danish ? ReportHeaders::Titles : ReportHeaders::Ids;
        if (auto status = writeReportCsv(*report, *by, focus, danish ? "da" : "en", headers, csv); !status) return fail(err, status.message());
    }
    out.flush();
    if (!out) return fail(err, "cannot write the report to standard output");
    return kOk;
}

void addReport(CLI::App& app, Console& console) {
    auto args = std::make_shared<ReportArgs>();
    CLI::App* command = app.add_subcommand("report", "The report of a released round: never a figure about fewer than k respondents");
    addRoundOptions(*command, args->request);
    command->add_option("--by", args->by, "one row per unit or group, or the areas or questions of one row")
        ->capture_default_str()->check(CLI::IsMember({"unit", "group", "area", "question"}));
    CLI::Option* unit = command->add_option("--unit", args->unit, "the row of --by area or question: this unit (default: all units)")
                            ->type_name("ID")
                            ->check(shared::expecting([](const std::string& id) { return !id.empty(); }, "a unit id"));
    CLI::Option* group = command->add_option("--group", args->group, "the row of --by area or question: this group (\"\" for the units in no group)")
                             ->type_name("NAME");
    unit->excludes(group);
    command->add_option("--format", args->format, "how it is printed")->capture_default_str()->check(CLI::IsMember({"table", "csv", "csv-da", "json"}));
    refuseK(*command);
    for (const std::string week : {"--from", "--to"}) {
        addRefusedOption(*command, week,
                         "--from/--to: reports are of one released round (rounds list shows them; choose one with --round ID): "
                         "two overlapping week ranges would give away the people in the weeks between them");
    }
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = reportCommand(*args, console.out, console.err); });
}

struct ImportArgs {
    DataDir data;
    std::string file;
};

int importFile(const ImportArgs& args, std::ostream& out, std::ostream& err) {
    const DataDir& dir = args.data;
    auto keys = loadKeyPair(dir);
    if (!keys) return fail(err, keys.error().message);
    auto store = openStore(dir);
    if (!store) return fail(err, store.error().message);
    Ingestor ingestor(**store, *keys);
    auto report = importOutboxExport(**store, ingestor, args.file, localWeek(std::chrono::system_clock::now()));
    if (!report) return fail(err, report.error().message + "; nothing of the file was stored");
    out << "Imported " << args.file << " from device " << report->deviceId << " (unit " << report->unitId << "): "
        << report->counts.accepted << " accepted, " << report->counts.duplicate << " duplicate, " << report->counts.rejected << " rejected\n";
    for (const auto& [id, reason] : report->rejected) out << "  rejected " << id << ": " << reason << '\n';
    if (!report->rejected.empty()) out << "Rejected items are kept in the dead letters (see: dead-letters list).\n";
    return kOk;
}

void addImport(CLI::App& app, Console& console) {
    auto args = std::make_shared<ImportArgs>();
    CLI::App* command = app.add_subcommand("import", "Import a kiosk's outbox export file (docs/outbox-export.md)");
    command->add_option("FILE", args->file)->required();
    addDataOption(*command, args->data);
    command->callback([args, &console] { console.code = importFile(*args, console.out, console.err); });
}

int deadLetters(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = (*store)->deadLetters();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No rejected responses.\n";
        return kOk;
    }
    out << pad("RESPONSE", 38) << pad("WEEK", 10) << "REASON\n";
    for (const auto& letter : *list) out << pad(letter.id, 38) << pad(letter.receivedWeek, 10) << letter.reason << '\n';
    return kOk;
}

void addDeadLetters(CLI::App& app, Console& console) {
    CLI::App* letters = app.add_subcommand("dead-letters", "Rejected responses")->require_subcommand(1);
    addTargetCommand(*letters, "list", "List the rejected responses and why", "", console, deadLetters);
}

// A password typed on the terminal, without echo; "" when the terminal cannot be read.
std::string readHidden(std::ostream& err, const std::string& prompt) {
    err << prompt << std::flush;
    termios saved{};
    const bool terminal = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (terminal) {
        termios quiet = saved;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (terminal) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    err << '\n';
    return line;
}

struct UserArgs {
    DataDir data;
    std::string name;
    std::string role = "administrator";
    std::vector<std::string> units;   ///< a unit leader's
    std::vector<std::string> groups;  ///< a unit leader's
    bool passwordStdin = false;
    bool firstSignIn = false;         ///< a one-time password: the user chooses their own at the first sign-in
};

AccountChange accountChange(const UserArgs& args) { return {args.name, args.role, args.units, args.groups}; }

// Runs one change of the account library on the store of `data`, as the command line.
template <class Change>
int administerAccounts(const DataDir& data, std::ostream& err, Change change) {
    auto store = openStore(data);
    if (!store) return fail(err, store.error().message);
    AccountAdmin accounts(**store, kCommandLineUser);
    if (auto done = change(accounts); !done) return fail(err, done.error().message);
    return kOk;
}

void printPassword(std::ostream& out, const std::string& password, bool oneTime) {
    out << (oneTime ? "A one-time password, shown only this once; at the first sign-in the user chooses their own:\n\n    "
                    : "Its password, shown only this once (store it safely; only a hash of it is kept):\n\n    ")
        << password << "\n\n";
}

int usersAdd(const UserArgs& args, std::ostream& out, std::ostream& err) {
    const std::string& name = args.name;
    std::string password;
    FirstPassword how = FirstPassword::Given;
    if (args.firstSignIn) {
        how = FirstPassword::OneTime;
    } else if (args.passwordStdin) {
        if (!std::getline(std::cin, password)) return fail(err, "--password-stdin: no password on standard input");
        if (!password.empty() && password.back() == '\r') password.pop_back();
    } else if (isatty(STDIN_FILENO) == 1) {
        password = readHidden(err, "Password for " + name + ": ");
        if (auto status = checkNewPassword(password); !status) return fail(err, status.message());
        if (readHidden(err, "The same password again: ") != password) return fail(err, "the two passwords differ; nothing was added");
    } else {
        how = FirstPassword::Generated;
    }
    std::string shown;
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) {
        auto added = accounts.add(accountChange(args), how, password);
        if (added) shown = *added;
        return added;
    });
    if (code != kOk) return code;
    out << "Added user " << name << " (" << args.role << ") for the dashboard (https://HOST:PORT/ of svarboks-central serve).\n";
    if (!shown.empty()) printPassword(out, shown, how == FirstPassword::OneTime);
    return kOk;
}

int usersRole(const UserArgs& args, std::ostream& out, std::ostream& err) {
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) { return accounts.setRole(accountChange(args)); });
    if (code == kOk) out << "User " << args.name << " is " << args.role << " now; it applies from their next page.\n";
    return code;
}

int usersList(const Target& args, std::ostream& out, std::ostream& err) {
    auto store = openStore(args.data);
    if (!store) return fail(err, store.error().message);
    auto list = AccountAdmin(**store, kCommandLineUser).accounts();
    if (!list) return fail(err, list.error().message);
    if (list->empty()) {
        out << "No dashboard users yet; add one with: users add NAME\n";
        return kOk;
    }
    const TimePoint now = std::chrono::system_clock::now();
    out << pad("USER", 24) << pad("ROLE", 15) << pad("CREATED", 12) << pad("LAST SIGN-IN", 18) << pad("STATE", 24) << "UNITS AND GROUPS\n";
    for (const auto& user : *list) {
        std::string state = user.disabled ? "disabled" : "active";
        if (isLocked(user, now)) state += ", locked until " + localMinute(TimePoint(std::chrono::seconds(user.lockedUntil)));
        else if (user.failedLogins > 0) state += ", " + std::to_string(user.failedLogins) + " failed";
        if (user.mustChangePassword) state += ", one-time password";
        const std::string scope = describeScope(user.scope);
        out << pad(user.name, 24) << pad(user.role, 15) << pad(user.createdOn, 12)
            << pad(user.lastSignInAt == 0 ? std::string("never") : localMinute(TimePoint(std::chrono::seconds(user.lastSignInAt))), 18)
            << pad(state, 24) << (scope.empty() ? "(all)" : scope) << '\n';
    }
    return kOk;
}

int usersRemove(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) { return accounts.remove(args.id); });
    if (code == kOk) out << "Removed user " << args.id << "; its sessions ended with it.\n";
    return code;
}

int usersUnlock(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) { return accounts.unlock(args.id); });
    if (code == kOk) out << "Unlocked user " << args.id << "; it can sign in again.\n";
    return code;
}

int usersDisable(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) { return accounts.disable(args.id); });
    if (code == kOk) out << "Disabled user " << args.id << ": it cannot sign in, and its sessions ended (enable it again with: users enable).\n";
    return code;
}

int usersEnable(const Target& args, std::ostream& out, std::ostream& err) {
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) { return accounts.enable(args.id); });
    if (code == kOk) out << "Enabled user " << args.id << "; it can sign in again.\n";
    return code;
}

int usersReset(const Target& args, std::ostream& out, std::ostream& err) {
    std::string password;
    const int code = administerAccounts(args.data, err, [&](AccountAdmin& accounts) {
        auto reset = accounts.resetPassword(args.id);
        if (reset) password = *reset;
        return reset;
    });
    if (code != kOk) return code;
    out << "Reset the password of user " << args.id << "; its sessions ended.\n";
    printPassword(out, password, true);
    return kOk;
}

// --role and the unit leader's --unit and --group, of users add and users role.
CLI::Option* addRoleOptions(CLI::App& command, UserArgs& args) {
    CLI::Option* role = command.add_option("--role", args.role, "what the account may see and do")
                            ->check(CLI::IsMember({"administrator", "analyst", "unit-leader"}));
    command.add_option("--unit", args.units, "a unit a unit leader leads (repeatable; an existing unit)")->type_name("ID");
    command.add_option("--group", args.groups, "a group a unit leader leads (repeatable; an existing group)")->type_name("NAME");
    return role;
}

void addUsers(CLI::App& app, Console& console) {
    CLI::App* users = app.add_subcommand("users", "Dashboard accounts (the dashboard's Administration > Accounts does the same)")->require_subcommand(1);
    auto add = std::make_shared<UserArgs>();
    CLI::App* command = users->add_subcommand("add", "Add an account (password: --password-stdin, asked twice, or generated; or --first-sign-in)");
    command->add_option("NAME", add->name)
        ->required()
        ->check(shared::expecting([](const std::string& name) { return isValidUserName(name); },
                          "1-64 characters of a-z, 0-9, '.', '_', '-' and '@', starting with a letter or digit"));
    addRoleOptions(*command, *add)->capture_default_str();
    CLI::Option* stdinOption = command->add_flag("--password-stdin", add->passwordStdin, "read the password from standard input (one line)");
    command->add_flag("--first-sign-in", add->firstSignIn, "print a one-time password; the user chooses their own at the first sign-in")
        ->excludes(stdinOption);
    addDataOption(*command, add->data);
    command->callback([add, &console] { console.code = usersAdd(*add, console.out, console.err); });

    auto role = std::make_shared<UserArgs>();
    command = users->add_subcommand("role", "Change an account's role; it applies from their next page");
    command->add_option("NAME", role->name)->required();
    addRoleOptions(*command, *role)->required();
    addDataOption(*command, role->data);
    command->callback([role, &console] { console.code = usersRole(*role, console.out, console.err); });

    addTargetCommand(*users, "list", "List the accounts: role, creation, last sign-in, state (disabled, locked), units and groups", "", console,
                     usersList);
    addTargetCommand(*users, "disable", "Disable an account: it cannot sign in, and its sessions end", "NAME", console, usersDisable);
    addTargetCommand(*users, "enable", "Enable a disabled account again", "NAME", console, usersEnable);
    addTargetCommand(*users, "reset", "Give an account a one-time password (printed); its sessions end, and it chooses its own at the next sign-in",
                     "NAME", console, usersReset);
    addTargetCommand(*users, "unlock", "Clear an account's failed sign-ins and lock", "NAME", console, usersUnlock);
    addTargetCommand(*users, "remove", "Remove an account; its sessions end with it", "NAME", console, usersRemove);
}

}  // namespace

struct BackupArgs {
    DataDir data;
    fs::path file;
};

void printBackup(const BackupReport& report, const fs::path& file, std::ostream& out) {
    out << file.string() << ": " << report.responses << " responses, " << report.bytes << " bytes, checked\n"
        << "  sha256 " << report.sha256 << "\n";
}

void addBackup(CLI::App& app, Console& console) {
    auto args = std::make_shared<BackupArgs>();
    CLI::App* command = app.add_subcommand("backup", "Copy the store and its keys into one checked file, while serve runs (mode 0600: keep it as safe as the server)");
    command->add_option("--to", args->file, "the backup file to make; it must not exist")->required();
    addDataOption(*command, args->data);
    command->callback([args, &console] {
        auto made = backupDataDir(args->data, args->file);
        if (!made) {
            console.code = fail(console.err, made.error().message);
            return;
        }
        printBackup(*made, args->file, console.out);
        console.code = kOk;
    });

    auto restore = std::make_shared<BackupArgs>();
    command = app.add_subcommand("restore", "Make a new data folder from a backup file, and check it (never overwrites a folder)");
    command->add_option("--from", restore->file, "the backup file")->required()->check(CLI::ExistingFile);
    addDataOption(*command, restore->data, "the data folder to make; it must not exist or be empty");
    command->callback([restore, &console] {
        auto made = restoreDataDir(restore->file, restore->data);
        if (!made) {
            console.code = fail(console.err, made.error().message);
            return;
        }
        console.out << restore->data.root.string() << ": restored from ";
        printBackup(*made, restore->file, console.out);
        console.code = kOk;
    });
}

void addMigrate(CLI::App& app, Console& console) {
    auto data = std::make_shared<DataDir>();
    CLI::App* command = app.add_subcommand("migrate", "Copy the data folder's SQLite store into an empty PostgreSQL database (--database), checked by counting every table");
    addDataOption(*command, *data, "the data folder whose SQLite store (central.db) is copied; it stays where it is");
    command->callback([data, &console] {
        if (data->database.empty()) usageError("migrate needs the PostgreSQL database to copy into: --database URL (or SVARBOKS_DATABASE)");
        std::error_code ec;
        if (!fs::exists(data->store(), ec)) {
            console.code = fail(console.err, data->root.string() + " holds no SQLite store (central.db) to copy");
            return;
        }
        const std::string target = describeStore(*data);
        auto copied = migrateToPostgres(data->store(), data->database, [&](const std::string& table, std::int64_t rows) {
            console.out << "  " << pad(table, 16) << rows << " rows\n" << std::flush;
        });
        if (!copied) {
            console.code = fail(console.err, copied.error().message + " (nothing was copied)");
            return;
        }
        std::int64_t total = 0;
        for (const auto& table : *copied) total += table.rows;
        console.out << data->store().string() << " copied into " << target << ": " << copied->size() << " tables, " << total
                    << " rows, every count checked on both sides.\nFrom now on give every command and serve --database (or SVARBOKS_DATABASE); "
                       "the SQLite file stays where it is.\n";
        console.code = kOk;
    });
}

void addDoctor(CLI::App& app, Console& console) {
    auto data = std::make_shared<DataDir>();
    CLI::App* command = app.add_subcommand("doctor", "Check the data folder, keys, certificate, store, disk and clock; one line each, with what to do");
    addDataOption(*command, *data);
    command->callback([data, &console] {
        console.code = shared::printChecks(checkCentral(*data, std::chrono::system_clock::now()), console.out);
    });
}

int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CLI::App app("The central endpoint of Svarboks, and its admin commands (docs/central.md).", "svarboks-central");
    app.require_subcommand(1);
    Console console{out, err};
    addInit(app, console);
    addServe(app, console);
    addPolicy(app, console);
    addUnits(app, console);
    addEnroll(app, console);
    addDevices(app, console);
    addSurvey(app, console);
    addRounds(app, console);
    addExport(app, console);
    addReport(app, console);
    addImport(app, console);
    addDeadLetters(app, console);
    addRetention(app, console);
    addUsers(app, console);
    addAudit(app, console);
    addCheckIds(app, console);
    addBackup(app, console);
    addMigrate(app, console);
    addDoctor(app, console);
    app.footer("Every command takes --data DIR, the data folder that init makes, and --database URL (or SVARBOKS_DATABASE) when the store\n"
               "is a PostgreSQL database rather than the folder's SQLite file; the admin commands work beside a running serve.\n"
               "Exit codes: 0 done, 1 failed (the message says why), 2 wrong usage. COMMAND --help shows a command's options.");
    return shared::runCommandLine(app, args, console.code, out, err);
}

}  // namespace svarboks::server
