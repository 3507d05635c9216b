#include "svarboks/server/admin.hpp"

#include "svarboks/server/api.hpp"
#include "svarboks/server/clock.hpp"
#include "svarboks/server/dashboard.hpp"
#include "svarboks/server/data_dir.hpp"
#include "svarboks/server/enrolment.hpp"
#include "svarboks/server/export.hpp"
#include "svarboks/server/http_server.hpp"
#include "svarboks/server/import.hpp"
#include "svarboks/server/ingest.hpp"
#include "svarboks/server/report.hpp"
#include "svarboks/server/maintenance.hpp"
#include "svarboks/server/report_format.hpp"
#include "svarboks/server/retention.hpp"
#include "svarboks/server/rounds.hpp"
#include "svarboks/server/sqlite_storage.hpp"
#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/survey.hpp"

#include <nlohmann/json.hpp>

#ifdef SVARBOKS_HAVE_QRENCODE
#include <qrencode.h>
#endif

#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
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
constexpr int kUsage = 2;

struct UsageError {
    std::string message;
};

struct Parsed {
    std::vector<std::string> positional;
    std::multimap<std::string, std::string> options;
    std::set<std::string> flags;

    [[nodiscard]] std::string option(const std::string& name, const std::string& fallback = "") const {
        const auto found = options.find(name);
        return found == options.end() ? fallback : found->second;
    }
    [[nodiscard]] bool has(const std::string& name) const { return options.count(name) > 0; }
    [[nodiscard]] std::vector<std::string> all(const std::string& name) const {
        std::vector<std::string> values;
        for (auto [it, end] = options.equal_range(name); it != end; ++it) values.push_back(it->second);
        return values;
    }
};

// Options take a value ("--unit ID" or "--unit=ID"); flags do not. Anything not allowed is a usage error.
Parsed parse(const std::vector<std::string>& args, std::size_t from, const std::set<std::string>& valueOptions,
             const std::set<std::string>& flagOptions = {}) {
    Parsed parsed;
    for (std::size_t i = from; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.size() > 2 && arg.rfind("--", 0) == 0) {
            std::string name = arg.substr(2);
            std::optional<std::string> value;
            if (const auto equals = name.find('='); equals != std::string::npos) {
                value = name.substr(equals + 1);
                name = name.substr(0, equals);
            }
            if (flagOptions.count(name) > 0 && !value) {
                parsed.flags.insert(name);
            } else if (valueOptions.count(name) > 0) {
                if (!value) {
                    if (i + 1 >= args.size()) throw UsageError{"--" + name + " needs a value"};
                    value = args[++i];
                }
                parsed.options.emplace(name, *value);
            } else {
                throw UsageError{"unknown option --" + name};
            }
        } else {
            parsed.positional.push_back(arg);
        }
    }
    return parsed;
}

void expectPositional(const Parsed& parsed, std::size_t count, const std::string& what) {
    if (parsed.positional.size() != count) throw UsageError{"expected " + what};
}

DataDir dataDir(const Parsed& parsed) {
    if (!parsed.has("data")) throw UsageError{"--data DIR is required"};
    return DataDir{parsed.option("data")};
}

// Opens the store of an initialised folder; never creates one (a typo in --data must not make a new store).
Result<std::unique_ptr<SqliteStorage>> openStore(const DataDir& dir) {
    std::error_code ec;
    if (!fs::exists(dir.store(), ec)) {
        return Error{dir.root.string() + " holds no central store; run: svarboks-central init --data " + dir.root.string()};
    }
    return SqliteStorage::open(dir.store());
}

bool isValidUnitId(const std::string& id) {
    if (id.empty() || id.size() > 64 || id == kAllUnits) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
           }) && id.front() != '-' && id.front() != '.';
}

bool isValidName(const std::string& name) {
    return !name.empty() && name.size() <= 200 &&
           std::none_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string pad(const std::string& text, std::size_t width) {
    // Display width: count UTF-8 lead bytes only, so "Solhøj" lines up.
    const auto shown = static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    return text + std::string(shown < width ? width - shown : 1, ' ');
}

int fail(std::ostream& err, const std::string& message) {
    err << "svarboks-central: " << message << '\n';
    return kFailed;
}

#ifdef SVARBOKS_HAVE_QRENCODE
std::string qrCode(const std::string& text) {
    QRcode* qr = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == nullptr) return "";
    const int width = qr->width;
    const int margin = 2;
    const auto dark = [&](int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= width) return false;
        return (qr->data[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)] & 1) != 0;
    };
    // Two rows per line with half blocks; light modules are drawn, which reads right on a dark terminal.
    std::string out;
    for (int y = -margin; y < width + margin; y += 2) {
        out += "    ";
        for (int x = -margin; x < width + margin; ++x) {
            const bool top = !dark(x, y);
            const bool bottom = !dark(x, y + 1);
            out += top && bottom ? "\u2588" : top ? "\u2580" : bottom ? "\u2584" : " ";
        }
        out += '\n';
    }
    QRcode_free(qr);
    return out;
}
#endif

// ---- commands ----

int anonymityThreshold(const Parsed& parsed);

int init(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data", "host", "tls-cert", "tls-key", "k"});
    expectPositional(parsed, 0, "no arguments besides options");
    const int k = anonymityThreshold(parsed);
    const DataDir dir = dataDir(parsed);
    InitOptions options;
    options.hosts = parsed.all("host");
    if (parsed.has("tls-cert")) options.tlsCert = parsed.option("tls-cert");
    if (parsed.has("tls-key")) options.tlsKey = parsed.option("tls-key");
    if (!options.hosts.empty() && options.tlsCert) throw UsageError{"--host is for the generated certificate; it cannot go with --tls-cert"};
    auto report = initDataDir(dir, options);
    if (!report) return fail(err, report.error().message);
    out << "Initialised " << dir.root.string() << ":\n"
        << "  store        " << dir.store().string() << "\n"
        << "  secret key   " << dir.secretKey().string() << " (mode 0600: back it up safely; without it no response can be read)\n"
        << "  public key   " << dir.publicKey().string() << "\n"
        << "  certificate  " << dir.tlsCert().string() << (report->certificateGenerated ? " (self-signed, new)" : " (copied)") << "\n"
        << "  TLS key      " << dir.tlsKey().string() << " (mode 0600)\n";
    if (!report->certificate.subjectAltNames.empty()) {
        out << "  names        ";
        for (std::size_t i = 0; i < report->certificate.subjectAltNames.size(); ++i) out << (i ? ", " : "") << report->certificate.subjectAltNames[i];
        out << '\n';
    }
    if (parsed.has("k")) {
        auto store = openStore(dir);
        if (!store) return fail(err, store.error().message);
        if (auto status = (*store)->setGroupSize(k); !status) return fail(err, status.message());
    }
    out << "  group size   " << k << " (no figure about fewer respondents is ever shown)\n";
    out << "  SHA-256      " << report->certificate.sha256Fingerprint << "\n"
        << "  key pin      " << report->certificate.spkiPin << "\n"
        << "Public key (base64): " << report->publicKey << '\n';
    return kOk;
}

// The time of an audit entry.
std::string utcNow() { return utcSecond(std::chrono::system_clock::now()); }

// --k of init and policy set: the consent's group size or more, never less.
int anonymityThreshold(const Parsed& parsed) {
    if (!parsed.has("k")) return kDefaultK;
    const std::string text = parsed.option("k");
    int k = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), k);
    if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || k < kMinimumK || k > 1000) {
        throw UsageError{"--k " + text + ": expected a number from " + std::to_string(kMinimumK) +
                         " to 1000 (the consent text promises figures only for groups of at least " +
                         std::to_string(kMinimumGroupSize) + "; a larger k hides more, a smaller one is never allowed)"};
    }
    return k;
}

// k is the store's policy (policy set --k), frozen into each round at its release: a command cannot choose
// another, since two reports of one round with different k could give each other's hidden figures away.
void refuseK(const Parsed& parsed) {
    if (parsed.has("k")) {
        throw UsageError{"--k: the minimum group size is the store's policy, kept by each round from its release "
                         "(see: policy show; raise it for later rounds with: policy set --k N)"};
    }
}

// Who ran a command, for the audit log: the command line has no account, so it names itself.
constexpr const char* kCommandLineUser = "(command line)";

// For changes that are done already: a failed audit write is told, not hidden.
void auditOrWarn(Storage& store, const AuditEntry& entry, std::ostream& err) {
    if (auto status = store.addAudit(entry); !status) err << "svarboks-central: warning: not in the audit log: " << status.message() << '\n';
}

// --role and the unit leader's --unit/--group: a role and its scope, or a usage error saying what is missing.
std::pair<Role, std::vector<std::string>> roleOptions(const Parsed& parsed) {
    const auto role = parseRole(parsed.option("role", "administrator"));
    if (!role) throw UsageError{"--role: " + role.error().message};
    std::vector<std::string> scope;
    for (const auto& unit : parsed.all("unit")) scope.push_back("unit:" + unit);
    for (const auto& group : parsed.all("group")) scope.push_back("group:" + group);
    if (*role == Role::UnitLeader && scope.empty()) throw UsageError{"--role unit-leader needs the units or groups they lead: --unit ID and/or --group NAME"};
    if (*role != Role::UnitLeader && !scope.empty()) throw UsageError{"--unit and --group are for --role unit-leader only (the other roles see every unit)"};
    return {*role, scope};
}

int rounds(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError{"expected: rounds add ID --from WEEK --to WEEK | rounds list | rounds release ID [--early]"};
    const auto now = std::chrono::system_clock::now();
    if (args[1] == "add") {
        const Parsed parsed = parse(args, 2, {"data", "from", "to"});
        expectPositional(parsed, 1, "rounds add ID --from WEEK --to WEEK");
        if (!parsed.has("from") || !parsed.has("to")) throw UsageError{"--from WEEK and --to WEEK are required, e.g. --from 2026-W02 --to 2026-W24"};
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        const Round round{parsed.positional[0], parsed.option("from"), parsed.option("to"), ""};
        if (auto status = addRound(**store, round); !status) return fail(err, status.message());
        auditOrWarn(**store, {utcNow(), kCommandLineUser, "add-round", round.id + " " + round.fromWeek + " to " + round.toWeek, 0}, err);
        out << "Added round " << round.id << " (" << round.fromWeek << " to " << round.toWeek << "). Release it once it has ended:\n"
            << "    svarboks-central rounds release " << round.id << " --data DIR\n";
        return kOk;
    }
    if (args[1] == "list") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 0, "rounds list");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        auto list = (*store)->rounds();
        if (!list) return fail(err, list.error().message);
        if (list->empty()) {
            out << "No rounds yet; add one with: rounds add ID --from WEEK --to WEEK\n";
            return kOk;
        }
        out << pad("ROUND", 20) << pad("FROM", 10) << pad("TO", 10) << "STATE\n";
        for (const auto& round : *list) out << pad(round.id, 20) << pad(round.fromWeek, 10) << pad(round.toWeek, 10) << roundState(round, now) << '\n';
        return kOk;
    }
    if (args[1] == "release") {
        const Parsed parsed = parse(args, 2, {"data"}, {"early"});
        expectPositional(parsed, 1, "rounds release ID [--early]");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        const bool early = parsed.flags.count("early") > 0;
        auto released = releaseRound(**store, parsed.positional[0], now, early);
        if (!released) return fail(err, released.error().message);
        // No row count: the round's responses over every survey version would be a total that no report
        // shows (beside one version's shown total, it gives the others' away).
        auditOrWarn(**store, {utcNow(), kCommandLineUser, "release-round", parsed.positional[0], 0}, err);
        out << "Released round " << parsed.positional[0] << ": its reports and exports are fixed from now on.\n";
        if (early) {
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
    throw UsageError{"unknown command: rounds " + args[1]};
}

int policy(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2 || (args[1] != "show" && args[1] != "set")) throw UsageError{"expected: policy show | policy set --k N"};
    const Parsed parsed = parse(args, 2, {"data", "k"});
    expectPositional(parsed, 0, "policy " + args[1]);
    if (args[1] == "set" && !parsed.has("k")) throw UsageError{"policy set needs --k N"};
    if (args[1] == "show" && parsed.has("k")) throw UsageError{"policy show takes no --k (to change it: policy set --k N)"};
    const int k = anonymityThreshold(parsed);
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    if (args[1] == "set") {
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

// Retention on demand: what serve does daily (retention.hpp).
int retention(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data"});
    expectPositional(parsed, 0, "no arguments besides --data DIR");
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    auto run = applyRetention(**store, std::chrono::system_clock::now(), kCommandLineUser);
    if (!run) return fail(err, run.error().message);
    out << "Retention (" << kRetentionYears << " years): " << run->describe() << ".\n";
    if (run->rounds.empty()) out << "No round was that old.\n";
    return kOk;
}

// For operators and the fault suites: whether every id a kiosk printed or exported is stored, without any
// answer, unit or week (record-level data goes out only k-anonymous, through export).
int checkIds(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data"}, {"json"});
    expectPositional(parsed, 1, "check-ids FILE [--json] (response ids, one per line; - for standard input)");
    const std::string& file = parsed.positional[0];
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
    auto store = openStore(dataDir(parsed));
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
    if (parsed.flags.count("json") > 0) {
        out << nlohmann::ordered_json{{"listed", lines}, {"distinct", listed.size()}, {"stored", found}, {"missing", missing}, {"total", total}}.dump() << '\n';
    } else {
        out << "listed " << lines << " (" << listed.size() << " distinct), stored " << found << ", missing " << missing.size()
            << "; the store holds " << total << " responses in all\n";
        for (const auto& id : missing) out << "missing " << id << '\n';
    }
    return missing.empty() ? kOk : kFailed;
}

int auditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2 || args[1] != "list") throw UsageError{"expected: audit list [--limit N]"};
    const Parsed parsed = parse(args, 2, {"data", "limit"});
    expectPositional(parsed, 0, "audit list [--limit N]");
    std::size_t limit = 100;
    if (parsed.has("limit")) {
        const std::string text = parsed.option("limit");
        const auto result = std::from_chars(text.data(), text.data() + text.size(), limit);
        if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || limit < 1 || limit > 100000) {
            throw UsageError{"--limit " + text + ": expected a number from 1 to 100000"};
        }
    }
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    auto entries = (*store)->audit(limit);
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

int serve(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data", "listen", "threads", "max-per-address", "k"});
    expectPositional(parsed, 0, "no arguments besides options");
    refuseK(parsed);
    const DataDir dir = dataDir(parsed);
    DashboardOptions dashboardOptions;
    ServeOptions options;
    if (auto status = parseListenAddress(parsed.option("listen", "127.0.0.1:8443"), options); !status) throw UsageError{status.message()};
    const auto number = [&](const char* name, std::size_t low, std::size_t high) {
        const std::string text = parsed.option(name);
        std::size_t value = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        if (result.ec != std::errc{} || result.ptr != text.data() + text.size() || value < low || value > high) {
            throw UsageError{"--" + std::string(name) + ": expected a number from " + std::to_string(low) + " to " + std::to_string(high)};
        }
        return value;
    };
    if (parsed.has("threads")) options.threads = number("threads", 1, 4096);
    if (parsed.has("max-per-address")) options.maxConnectionsPerAddress = number("max-per-address", 0, 65536);
    options.certFile = dir.tlsCert();
    options.keyFile = dir.tlsKey();

    auto keys = loadKeyPair(dir);
    if (!keys) return fail(err, keys.error().message);
    auto store = openStore(dir);
    if (!store) return fail(err, store.error().message);
    Api api(**store, *keys);
    Dashboard dashboard(**store, dashboardOptions);

    std::mutex logMutex;
    const LogSink log = [&](const std::string& line) {
        const std::lock_guard lock(logMutex);
        out << line << '\n' << std::flush;
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

int units(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError{"expected: units add ID --name NAME [--group GROUP] | units group ID GROUP | units list"};
    const auto checkGroup = [](const std::string& group) {
        if (!isValidName(group)) throw UsageError{"group: expected 1-200 characters without control characters"};
    };
    if (args[1] == "add") {
        const Parsed parsed = parse(args, 2, {"data", "name", "group"});
        expectPositional(parsed, 1, "units add ID --name NAME [--group GROUP]");
        const Unit unit{parsed.positional[0], parsed.option("name"), parsed.option("group")};
        if (!isValidUnitId(unit.id)) throw UsageError{"unit id '" + unit.id + "': expected 1-64 characters of a-z, 0-9, '-', '_' and '.'"};
        if (!parsed.has("name")) throw UsageError{"--name NAME is required (the name kiosks and reports show)"};
        if (!isValidName(unit.name)) throw UsageError{"--name: expected 1-200 characters without control characters"};
        if (parsed.has("group")) checkGroup(unit.group);
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        if (auto status = (*store)->addUnit(unit); !status) return fail(err, status.message());
        out << "Added unit " << unit.id << " (" << unit.name << ")" << (unit.group.empty() ? "" : " to group " + unit.group) << '\n';
        return kOk;
    }
    if (args[1] == "group") {
        const Parsed parsed = parse(args, 2, {"data"}, {"none"});
        const bool none = parsed.flags.count("none") > 0;
        expectPositional(parsed, none ? 1 : 2, "units group ID GROUP | units group ID --none");
        const std::string group = none ? "" : parsed.positional[1];
        if (!none) checkGroup(group);
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        if (auto status = (*store)->setUnitGroup(parsed.positional[0], group); !status) return fail(err, status.message());
        out << "Unit " << parsed.positional[0] << (none ? " is in no group now" : " is in group " + group + " now") << '\n';
        return kOk;
    }
    if (args[1] == "list") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 0, "units list");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        auto list = (*store)->units();
        if (!list) return fail(err, list.error().message);
        if (list->empty()) {
            out << "No units yet; add one with: units add ID --name NAME [--group GROUP]\n";
            return kOk;
        }
        out << pad("UNIT", 24) << pad("GROUP", 24) << "NAME\n";
        for (const auto& unit : *list) out << pad(unit.id, 24) << pad(unit.group.empty() ? "-" : unit.group, 24) << unit.name << '\n';
        return kOk;
    }
    throw UsageError{"unknown command: units " + args[1]};
}

int enroll(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data", "unit", "expires"});
    expectPositional(parsed, 0, "enroll --unit ID [--expires 7d]");
    if (!parsed.has("unit")) throw UsageError{"--unit ID is required"};
    std::chrono::seconds lifetime = kDefaultCodeLifetime;
    if (parsed.has("expires")) {
        auto parsedLifetime = parseLifetime(parsed.option("expires"));
        if (!parsedLifetime) throw UsageError{"--expires: " + parsedLifetime.error().message};
        lifetime = *parsedLifetime;
    }
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    auto unit = (*store)->findUnit(parsed.option("unit"));
    if (!unit) return fail(err, unit.error().message);
    if (!*unit) return fail(err, "there is no unit '" + parsed.option("unit") + "' (see: units list)");

    const std::string code = generateEnrolmentCode();
    const TimePoint expires = std::chrono::system_clock::now() + lifetime;
    if (auto status = (*store)->addEnrolmentCode(enrolmentCodeHash(code), (*unit)->id, unixSeconds(expires)); !status) {
        return fail(err, status.message());
    }
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(lifetime).count();
    const auto plural = [](std::int64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
    const std::string validity = minutes % 60 != 0          ? plural(minutes, "minute")
                                 : minutes % (24 * 60) != 0 ? plural(minutes / 60, "hour")
                                                            : plural(minutes / (24 * 60), "day");
    out << "Enrolment code for unit " << (*unit)->id << " (" << (*unit)->name << "):\n\n"
        << "    " << code << "\n\n"
        << "Single use, valid until " << localMinute(expires) << " (" << validity << ").\n"
        << "Type it on the kiosk's admin screen, or run on the kiosk:\n"
        << "    svarboks enroll " << code << " --endpoint https://HOST:PORT --ca cert.pem\n";
#ifdef SVARBOKS_HAVE_QRENCODE
    if (const std::string qr = qrCode(code); !qr.empty()) out << "\nThe same code as a QR code:\n\n" << qr;
#else
    out << "(No QR code: this build has no libqrencode.)\n";
#endif
    return kOk;
}

int devices(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError{"expected: devices list | devices revoke ID"};
    if (args[1] == "list") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 0, "devices list");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        auto list = (*store)->devices();
        if (!list) return fail(err, list.error().message);
        if (list->empty()) {
            out << "No devices enrolled yet; make a code with: enroll --unit ID\n";
            return kOk;
        }
        out << pad("DEVICE", 38) << pad("UNIT", 24) << pad("ENROLLED", 12) << pad("LAST SEEN", 12) << "REVOKED\n";
        for (const auto& device : *list) {
            out << pad(device.id, 38) << pad(device.unitId, 24) << pad(device.enrolledOn, 12)
                << pad(device.lastSeenOn.empty() ? "never" : device.lastSeenOn, 12) << (device.revoked ? "yes" : "no") << '\n';
        }
        return kOk;
    }
    if (args[1] == "revoke") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 1, "devices revoke ID");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        if (auto status = (*store)->revokeDevice(parsed.positional[0]); !status) return fail(err, status.message());
        out << "Revoked device " << parsed.positional[0] << "; its next request gets 401. Its responses already stored stay.\n";
        return kOk;
    }
    throw UsageError{"unknown command: devices " + args[1]};
}

int survey(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError{"expected: survey publish FILE --unit ID|--all | survey list"};
    if (args[1] == "publish") {
        const Parsed parsed = parse(args, 2, {"data", "unit"}, {"all"});
        expectPositional(parsed, 1, "survey publish FILE --unit ID|--all");
        if (parsed.has("unit") == (parsed.flags.count("all") > 0)) throw UsageError{"give exactly one of --unit ID and --all"};
        const DataDir dir = dataDir(parsed);
        const fs::path file = parsed.positional[0];

        const shared::LoadResult loaded = shared::loadSurveyFile(file);
        for (const auto& diagnostic : loaded.diagnostics) err << diagnostic.format() << '\n';
        if (!loaded.ok()) {
            return fail(err, file.string() + ": " + std::to_string(loaded.errorCount()) + " error(s); nothing was published");
        }
        std::ifstream in(file, std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        const auto document = nlohmann::json::parse(bytes.str(), nullptr, false);
        if (document.is_discarded()) return fail(err, file.string() + ": changed while it was read; try again");
        PublishedSurvey published{loaded.survey->id, loaded.survey->version, shared::canonicalDefinition(document),
                                  loaded.survey->definitionSha256, loaded.survey->consentSha256, {}};
        if (shared::sha256Hex(published.definition) != published.definitionSha256) {
            return fail(err, file.string() + ": changed while it was read; try again");
        }
        auto store = openStore(dir);
        if (!store) return fail(err, store.error().message);
        const std::string unit = parsed.has("unit") ? parsed.option("unit") : std::string(kAllUnits);
        if (auto status = (*store)->publishSurvey(published, unit); !status) return fail(err, status.message());
        out << "Published survey " << published.surveyId << " " << published.version << " for "
            << (unit == kAllUnits ? std::string("every unit") : "unit " + unit) << "\n"
            << "  definition_sha256 " << published.definitionSha256 << "\n"
            << "  consent_sha256    " << published.consentSha256 << "\n"
            << "Kiosks take it between two respondents, the next time they ask for the survey.\n";
        return kOk;
    }
    if (args[1] == "list") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 0, "survey list");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        auto list = (*store)->surveys();
        if (!list) return fail(err, list.error().message);
        if (list->empty()) {
            out << "No survey published yet; publish one with: survey publish FILE --unit ID|--all\n";
            return kOk;
        }
        out << pad("SURVEY", 24) << pad("VERSION", 12) << pad("DEFINITION", 14) << "UNITS\n";
        for (const auto& s : *list) {
            std::string unitsText;
            for (const auto& unit : s.units) unitsText += (unitsText.empty() ? "" : ", ") + (unit == kAllUnits ? std::string("(all)") : unit);
            out << pad(s.surveyId, 24) << pad(s.version, 12) << pad(s.definitionSha256.substr(0, 12), 14) << unitsText << '\n';
        }
        return kOk;
    }
    throw UsageError{"unknown command: survey " + args[1]};
}

int exportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data", "format", "output", "survey", "version", "round", "k"});
    expectPositional(parsed, 0, "export --format csv|csv-da|jsonl [--round ID] [--survey ID] [--version V] [--output FILE]");
    refuseK(parsed);
    const auto format = parseExportFormat(parsed.option("format", "jsonl"));
    if (!format) throw UsageError{"--format: " + format.error().message};
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    auto plan = planExport(**store, {*format, parsed.option("survey"), parsed.option("version"), parsed.option("round")});
    if (!plan) return fail(err, plan.error().message);

    // Progress only where a person watches it, and not into the same terminal as the data.
    const bool toFile = parsed.has("output");
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
    const auto exported = toFile ? exportToFile(**store, *plan, parsed.option("output"), progress, audit)
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
        return kOk;
    }
    out << "Exported " << exported->rows << " responses of " << plan->describe() << " to " << parsed.option("output") << '\n';
    return kOk;
}

int reportCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data", "survey", "version", "by", "unit", "group", "round", "from", "to", "k", "format"});
    expectPositional(parsed, 0, "report [--round ID] [--survey ID] [--version V] [--by unit|group|area|question] [--unit ID | --group NAME] "
                                "[--format table|csv|csv-da|json]");
    refuseK(parsed);
    if (parsed.has("from") || parsed.has("to")) {
        throw UsageError{"--from/--to: reports are of one released round (rounds list shows them; choose one with --round ID): "
                         "two overlapping week ranges would give away the people in the weeks between them"};
    }
    const std::string byText = parsed.option("by", "unit");
    const auto by = parseReportBy(byText);
    if (!by) throw UsageError{"--by " + byText + ": expected unit, group, area or question"};
    const std::string format = parsed.option("format", "table");
    if (format != "table" && format != "csv" && format != "csv-da" && format != "json") {
        throw UsageError{"--format " + format + ": expected table, csv, csv-da or json"};
    }
    if (parsed.has("unit") && parsed.has("group")) throw UsageError{"--unit and --group: give one of them (the row that --by area or question describes)"};
    ReportFocus focus;
    if (parsed.has("unit")) focus = {ReportRow::Kind::Unit, parsed.option("unit")};
    if (parsed.has("group")) focus = {ReportRow::Kind::Group, parsed.option("group")};
    const bool focused = *by == ReportBy::Area || *by == ReportBy::Question;
    if (focus.kind != ReportRow::Kind::Total && !focused) {
        throw UsageError{"--unit and --group choose the row of --by area or --by question; --by " + byText + " shows every row"};
    }

    ReportRequest request;
    request.surveyId = parsed.option("survey");
    request.version = parsed.option("version");
    request.round = parsed.option("round");
    request.questions = *by == ReportBy::Question;
    if (request.questions && focus.kind == ReportRow::Kind::Unit) request.questionUnits = {focus.id};
    auto store = openStore(dataDir(parsed));
    if (!store) return fail(err, store.error().message);
    const auto report = buildReport(**store, request);
    if (!report) return fail(err, report.error().message);

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
        if (auto status = writeReportCsv(*report, *by, focus, danish ? "da" : "en", csv); !status) return fail(err, status.message());
    }
    out.flush();
    if (!out) return fail(err, "cannot write the report to standard output");
    return kOk;
}

int importFile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const Parsed parsed = parse(args, 1, {"data"});
    expectPositional(parsed, 1, "import FILE");
    const DataDir dir = dataDir(parsed);
    auto keys = loadKeyPair(dir);
    if (!keys) return fail(err, keys.error().message);
    auto store = openStore(dir);
    if (!store) return fail(err, store.error().message);
    Ingestor ingestor(**store, *keys);
    auto report = importOutboxExport(**store, ingestor, parsed.positional[0], localWeek(std::chrono::system_clock::now()));
    if (!report) return fail(err, report.error().message + "; nothing of the file was stored");
    out << "Imported " << parsed.positional[0] << " from device " << report->deviceId << " (unit " << report->unitId << "): "
        << report->counts.accepted << " accepted, " << report->counts.duplicate << " duplicate, " << report->counts.rejected << " rejected\n";
    for (const auto& [id, reason] : report->rejected) out << "  rejected " << id << ": " << reason << '\n';
    if (!report->rejected.empty()) out << "Rejected items are kept in the dead letters (see: dead-letters list).\n";
    return kOk;
}

int deadLetters(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2 || args[1] != "list") throw UsageError{"expected: dead-letters list"};
    const Parsed parsed = parse(args, 2, {"data"});
    expectPositional(parsed, 0, "dead-letters list");
    auto store = openStore(dataDir(parsed));
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

int users(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() < 2) throw UsageError{"expected: users add NAME [--role ROLE] [--password-stdin] | users role NAME --role ROLE | users list | users remove NAME | users unlock NAME"};
    const std::string& action = args[1];
    if (action == "add") {
        const Parsed parsed = parse(args, 2, {"data", "role", "unit", "group"}, {"password-stdin"});
        expectPositional(parsed, 1, "users add NAME [--role administrator|analyst|unit-leader [--unit ID] [--group NAME]] [--password-stdin]");
        const auto [role, scope] = roleOptions(parsed);
        const std::string name = parsed.positional[0];
        if (!isValidUserName(name)) {
            throw UsageError{"user name '" + name + "': expected 1-64 characters of a-z, 0-9, '.', '_', '-' and '@', starting with a letter or digit"};
        }
        const DataDir dir = dataDir(parsed);
        std::string password;
        bool generated = false;
        if (parsed.flags.count("password-stdin") > 0) {
            if (!std::getline(std::cin, password)) return fail(err, "--password-stdin: no password on standard input");
            if (!password.empty() && password.back() == '\r') password.pop_back();
        } else if (isatty(STDIN_FILENO) == 1) {
            password = readHidden(err, "Password for " + name + ": ");
            if (auto status = checkNewPassword(password); !status) return fail(err, status.message());
            if (readHidden(err, "The same password again: ") != password) return fail(err, "the two passwords differ; nothing was added");
        } else {
            password = generatePassword();
            generated = true;
        }
        if (auto status = checkNewPassword(password); !status) return fail(err, status.message());
        auto store = openStore(dir);
        if (!store) return fail(err, store.error().message);
        auto hash = hashPassword(password);
        if (!hash) return fail(err, hash.error().message);
        if (auto status = (*store)->addUser({name, *hash, localDate(std::chrono::system_clock::now()), 0, 0, std::string(roleName(role)), scope}); !status) {
            return fail(err, status.message());
        }
        auditOrWarn(**store, {utcNow(), kCommandLineUser, "add-user", name + " as " + std::string(roleName(role)), 0}, err);
        out << "Added user " << name << " (" << roleName(role) << ") for the dashboard (https://HOST:PORT/ of svarboks-central serve).\n";
        if (generated) {
            out << "Its password, shown only this once (store it safely; only a hash of it is kept):\n\n    " << password << "\n\n";
        }
        return kOk;
    }
    if (action == "role") {
        const Parsed parsed = parse(args, 2, {"data", "role", "unit", "group"});
        expectPositional(parsed, 1, "users role NAME --role administrator|analyst|unit-leader [--unit ID] [--group NAME]");
        if (!parsed.has("role")) throw UsageError{"--role is required"};
        const auto [role, scope] = roleOptions(parsed);
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        const std::string& name = parsed.positional[0];
        if (auto status = (*store)->setUserRole(name, std::string(roleName(role)), scope); !status) return fail(err, status.message());
        auditOrWarn(**store, {utcNow(), kCommandLineUser, "set-role", name + " to " + std::string(roleName(role)), 0}, err);
        out << "User " << name << " is " << roleName(role) << " now; it applies from their next page.\n";
        return kOk;
    }
    if (action == "list") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 0, "users list");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        auto list = (*store)->users();
        if (!list) return fail(err, list.error().message);
        if (list->empty()) {
            out << "No dashboard users yet; add one with: users add NAME\n";
            return kOk;
        }
        const std::int64_t now = unixSeconds(std::chrono::system_clock::now());
        out << pad("USER", 24) << pad("ROLE", 15) << pad("CREATED", 12) << pad("FAILED", 8) << pad("LOCKED UNTIL", 18) << "UNITS AND GROUPS\n";
        for (const auto& user : *list) {
            const bool locked = user.lockedUntil > now;
            std::string scope;
            for (const auto& entry : user.scope) scope += (scope.empty() ? "" : ", ") + entry;
            out << pad(user.name, 24) << pad(user.role, 15) << pad(user.createdOn, 12) << pad(std::to_string(user.failedLogins), 8)
                << pad(locked ? localMinute(TimePoint(std::chrono::seconds(user.lockedUntil))) : std::string("-"), 18)
                << (scope.empty() ? "(all)" : scope) << '\n';
        }
        return kOk;
    }
    if (action == "remove" || action == "unlock") {
        const Parsed parsed = parse(args, 2, {"data"});
        expectPositional(parsed, 1, "users " + action + " NAME");
        auto store = openStore(dataDir(parsed));
        if (!store) return fail(err, store.error().message);
        const std::string& name = parsed.positional[0];
        if (action == "remove") {
            if (auto status = (*store)->removeUser(name); !status) return fail(err, status.message());
            out << "Removed user " << name << "; its sessions ended with it.\n";
        } else {
            if (auto status = (*store)->clearLoginFailures(name); !status) return fail(err, status.message());
            out << "Unlocked user " << name << "; it can sign in again.\n";
        }
        return kOk;
    }
    throw UsageError{"unknown command: users " + action};
}

}  // namespace

std::string usage() {
    return "usage: svarboks-central COMMAND ... --data DIR\n"
           "\n"
           "  init --data DIR [--host NAME|IP ...] [--tls-cert FILE --tls-key FILE] [--k 5]\n"
           "                         make the store, the key pair and a TLS certificate\n"
           "  serve --data DIR [--listen 127.0.0.1:8443] [--threads 1024] [--max-per-address 512]\n"
           "                         run the HTTPS endpoint (kiosk API and the dashboard at /) until\n"
           "                         SIGTERM or SIGINT; at most --threads connections at once, and\n"
           "                         --max-per-address of them from one address (0: no cap)\n"
           "  policy show | policy set --k N\n"
           "                         the minimum group size k (5, what the consent promises, or more):\n"
           "                         no figure about fewer respondents is shown; each round keeps the\n"
           "                         k it was released with\n"
           "  units add ID --name NAME [--group GROUP] | units group ID GROUP|--none | units list\n"
           "  enroll --unit ID [--expires 7d]\n"
           "                         print a one-time enrolment code for a kiosk of that unit\n"
           "  devices list | devices revoke ID\n"
           "  survey publish FILE --unit ID|--all | survey list\n"
           "  rounds add ID --from 2026-W02 --to 2026-W24 | rounds list | rounds release ID [--early]\n"
           "                         reporting rounds: figures and exports exist only for released\n"
           "                         rounds, and a released round never changes\n"
           "  export --format csv|csv-da|jsonl [--round ID] [--survey ID] [--version V] [--output FILE]\n"
           "                         one row per response of a released round and survey version, made\n"
           "                         k-anonymous (unit, week, language generalised, rows withheld if needed)\n"
           "  report [--round ID] [--survey ID] [--version V] [--by unit|group|area|question]\n"
           "         [--unit ID|--group NAME] [--format table|csv|csv-da|json]\n"
           "                         respondents, area scores, levels and answers of a released round; a\n"
           "                         figure about fewer than k respondents (k >= 5), or one that would\n"
           "                         give it away, is never shown\n"
           "  import FILE            a kiosk's outbox export file (docs/outbox-export.md)\n"
           "  dead-letters list      rejected responses and why\n"
           "  retention              delete now what is past the retention period (3 years, by week;\n"
           "                         serve does it daily): responses, tallies, whole rounds, dead letters\n"
           "  users add NAME [--role administrator|analyst|unit-leader [--unit ID] [--group NAME]] [--password-stdin]\n"
           "  users role NAME --role ROLE [--unit ID] [--group NAME] | users list | users remove NAME | users unlock NAME\n"
           "                         dashboard accounts; without --password-stdin the password is asked\n"
           "                         for twice on a terminal, else generated and printed once\n"
           "  audit list [--limit 100]  who downloaded or changed what, newest first\n"
           "  check-ids FILE|- [--json]  whether every response id listed (one per line) is stored, and how\n"
           "                         many responses the store holds in all; exit 1 if any is missing\n"
           "\n"
           "See docs/central.md.\n";
}

int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
            (args.empty() ? err : out) << usage();
            return args.empty() ? kUsage : kOk;
        }
        const std::string& command = args[0];
        if (command == "init") return init(args, out, err);
        if (command == "serve") return serve(args, out, err);
        if (command == "units") return units(args, out, err);
        if (command == "enroll") return enroll(args, out, err);
        if (command == "devices") return devices(args, out, err);
        if (command == "survey") return survey(args, out, err);
        if (command == "export") return exportCommand(args, out, err);
        if (command == "report") return reportCommand(args, out, err);
        if (command == "import") return importFile(args, out, err);
        if (command == "dead-letters") return deadLetters(args, out, err);
        if (command == "users") return users(args, out, err);
        if (command == "rounds") return rounds(args, out, err);
        if (command == "audit") return auditCommand(args, out, err);
        if (command == "policy") return policy(args, out, err);
        if (command == "retention") return retention(args, out, err);
        if (command == "check-ids") return checkIds(args, out, err);
        throw UsageError{"unknown command '" + command + "'"};
    } catch (const UsageError& e) {
        err << "svarboks-central: " << e.message << "\n\n" << usage();
        return kUsage;
    } catch (const std::exception& e) {
        err << "svarboks-central: " << e.what() << '\n';
        return kFailed;
    }
}

}  // namespace svarboks::server
