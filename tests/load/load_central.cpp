// Load generator for the central endpoint: many kiosks at once, each on its own kept-alive TLS connection,
// posting sealed batches as the kiosk does and retrying as PROTOCOL.md says. Driven by run_load.py, which
// sets up the central, watches its memory and checks the store afterwards.
//
//   load_central --endpoint https://127.0.0.1:PORT[,https://127.0.0.1:PORT2,...] --ca CERT --survey FILE
//                --public-key B64 --codes FILE [--connections 500] [--seconds 60] [--batch 20] [--pool 100000]
//                [--seed S] [--accepted-ids FILE] [--report FILE]
//
// Several endpoints (replicas of the central on one database, issue 18): kiosk i talks to endpoint i mod N,
// for its enrolment and all its batches, as a load balancer that spreads connections round-robin and keeps a
// client on its replica would place them. The generator is its own balancer: one in front (a proxy process)
// would take CPU from the same two cores the replicas and the database share.
//
// 1. A pool of --pool distinct responses: random valid answers to the survey (question by question, in the
//    order the kiosk shows them, skipping what is hidden; checked with validateAnswers, as the server does),
//    as a ResponsePayload of the current ISO week, sealed to the central's key (shared::seal). Sealing is
//    done before the clock starts so that the two cores go to the server; during the run each response
//    goes out under a fresh v4 id with the next sealed value of the pool, each value once (the server
//    rejects the same sealed bytes under another id); past the pool, responses are sealed as they go.
// 2. Enrolment: one device per connection from the one-time codes in --codes, over POST /api/v1/enroll.
//    The server allows 10 attempts a minute per client address, so the enrolments come from 127.0.0.2,
//    127.0.0.3, ... (all of 127.0.0.0/8 is this machine), 8 per address.
// 3. The load: every kiosk posts a batch (JSON, gzip, Authorization: Bearer) as soon as its last one is
//    answered, for --seconds. 429/503 with Retry-After: the same batch (same batch_id) again after that many
//    seconds; without it, or after a network failure: full-jitter backoff (5 s ceiling, doubling). A batch
//    counts only on a 200 that lists every id. Timeouts as the kiosk's: 10 s to connect, 60 s in all.
//
// Prints (and writes to --report as JSON) the statuses, the network errors by kind, the responses accepted,
// the throughput, latency percentiles and the number of TLS connections opened; --accepted-ids gets every
// id the server answered "accepted" or "duplicate" for, one a line. Exit 0 when the run took place (the
// driver judges the figures); 1 when the set-up failed.
#include "svarboks/shared/period.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"
#include "svarboks/shared/survey_state.hpp"
#include "svarboks/sync/http_client.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace svarboks;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& message) {
    std::cerr << "load_central: " << message << '\n';
    std::exit(1);
}

double secondsSince(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

struct Options {
    std::vector<std::string> endpoints;
    std::string caFile;
    std::string surveyFile;
    std::string publicKey;
    std::string codesFile;
    std::string acceptedIdsFile;
    std::string reportFile;
    int connections = 500;
    double seconds = 60;
    std::size_t batch = 20;
    std::size_t pool = 100000;
    unsigned seed = 20261123;
};

Options parseOptions(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) die(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--endpoint") {
            for (std::size_t from = 0; from <= value.size();) {
                const std::size_t comma = std::min(value.find(',', from), value.size());
                if (comma > from) options.endpoints.push_back(value.substr(from, comma - from));
                from = comma + 1;
            }
        }
        else if (arg == "--ca") options.caFile = value;
        else if (arg == "--survey") options.surveyFile = value;
        else if (arg == "--public-key") options.publicKey = value;
        else if (arg == "--codes") options.codesFile = value;
        else if (arg == "--accepted-ids") options.acceptedIdsFile = value;
        else if (arg == "--report") options.reportFile = value;
        else if (arg == "--connections") options.connections = std::stoi(value);
        else if (arg == "--seconds") options.seconds = std::stod(value);
        else if (arg == "--batch") options.batch = static_cast<std::size_t>(std::stoul(value));
        else if (arg == "--pool") options.pool = static_cast<std::size_t>(std::stoul(value));
        else if (arg == "--seed") options.seed = static_cast<unsigned>(std::stoul(value));
        else die("unknown option '" + arg + "'");
    }
    if (options.endpoints.empty() || options.caFile.empty() || options.surveyFile.empty() || options.publicKey.empty() ||
        options.codesFile.empty()) {
        die("usage: load_central --endpoint URL[,URL...] --ca CERT --survey FILE --public-key B64 --codes FILE [--connections N] "
            "[--seconds S] [--batch N] [--pool N] [--seed S] [--accepted-ids FILE] [--report FILE]");
    }
    if (options.connections < 1 || options.batch < 1 || options.batch > shared::kMaxBatchResponses || options.pool < 1) {
        die("--connections, --batch (1-500) and --pool must be positive");
    }
    return options;
}

// ---- valid responses, as a kiosk completes them ----

json pickAnswer(const shared::Element& element, std::mt19937_64& random) {
    const auto below = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(random); };
    switch (element.type) {
        case shared::ElementType::Rating:
        case shared::ElementType::Radiogroup: return element.choices[below(element.choices.size())].value;
        case shared::ElementType::Boolean: return random() % 2 == 0;
        case shared::ElementType::Checkbox: {
            std::vector<const shared::Choice*> open;
            for (const auto& choice : element.choices) {
                if (!choice.isNone) open.push_back(&choice);
            }
            const std::size_t most = element.maxSelectedChoices > 0 ? static_cast<std::size_t>(element.maxSelectedChoices) : 3;
            std::shuffle(open.begin(), open.end(), random);
            json picked = json::array();
            for (std::size_t i = 0; i < std::min({open.size(), most, 1 + below(3)}); ++i) picked.push_back(open[i]->value);
            return picked;
        }
        case shared::ElementType::Number: {
            const double low = element.min.value_or(0);
            const double high = element.max.value_or(low + 100);
            return static_cast<long long>(std::ceil(low + (high - low) * std::uniform_real_distribution<double>(0, 1)(random) * 0.999));
        }
        case shared::ElementType::Text:
        case shared::ElementType::Comment: return "ok";
        case shared::ElementType::Html: break;
    }
    return nullptr;
}

json randomAnswers(const shared::Survey& survey, std::mt19937_64& random) {
    std::vector<shared::ElementState> states;
    for (int attempt = 0; attempt < 100; ++attempt) {
        shared::AnswerSlots slots(survey.elements.size());
        for (std::size_t i = 0; i < survey.elements.size(); ++i) {
            const auto& element = survey.elements[i];
            if (!element.isQuestion()) continue;
            shared::evaluateState(survey, slots, states);
            if (!states[i].visible || !states[i].enabled) continue;
            const bool freeText = element.type == shared::ElementType::Text || element.type == shared::ElementType::Comment;
            if (!states[i].required && (freeText || random() % 10 == 0)) continue;  // a skipped optional question
            slots[i] = pickAnswer(element, random);
        }
        (void)shared::dropHiddenAnswers(survey, slots);
        json answers = shared::toResultData(survey, slots);
        if (shared::validateAnswers(survey, answers).valid) return answers;
    }
    die("could not make a valid response to " + survey.id + " in 100 attempts");
}

// ---- libcurl ----

struct CurlMultiDeleter {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
struct CurlEasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Multi = std::unique_ptr<CURLM, CurlMultiDeleter>;
using Easy = std::unique_ptr<CURL, CurlEasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t collectHeader(char* data, std::size_t size, std::size_t count, void* user) {
    std::string line(data, size * count);
    std::transform(line.begin(), line.end(), line.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (line.rfind("retry-after:", 0) == 0) *static_cast<std::string*>(user) = line.substr(12);
    return size * count;
}

struct Exchange {
    Easy easy;
    Slist headers;
    std::string request;
    std::string reply;
    std::string retryAfter;
    Clock::time_point started;
};

void prepare(Exchange& exchange, const Options& options, const std::string& url, const std::string& token, const std::string& source) {
    if (!exchange.easy) exchange.easy.reset(curl_easy_init());
    CURL* easy = exchange.easy.get();
    curl_easy_reset(easy);  // keeps the connection and the TLS session
    exchange.reply.clear();
    exchange.retryAfter.clear();
    exchange.headers.reset();
    for (const char* line : {"Content-Type: application/json", "Accept: application/json", "Expect:"}) {
        exchange.headers.reset(curl_slist_append(exchange.headers.release(), line));
    }
    if (!token.empty()) {
        exchange.headers.reset(curl_slist_append(exchange.headers.release(), ("Authorization: Bearer " + token).c_str()));
        exchange.headers.reset(curl_slist_append(exchange.headers.release(), "Content-Encoding: gzip"));
    }
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_CAINFO, options.caFile.c_str());
    curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 60'000L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "svarboks-load");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, exchange.headers.get());
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(exchange.request.size()));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, exchange.request.data());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &exchange.reply);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, collectHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &exchange.retryAfter);
    if (!source.empty()) curl_easy_setopt(easy, CURLOPT_INTERFACE, source.c_str());
    exchange.started = Clock::now();
}

std::optional<double> retryAfterSeconds(const std::string& header) {
    char* end = nullptr;
    const double value = std::strtod(header.c_str(), &end);
    if (end == header.c_str() || value < 0) return std::nullopt;
    return std::min(value, 3600.0);
}

// ---- enrolment ----

// Kiosk i's endpoint: round-robin over the replicas.
const std::string& endpointOf(const Options& options, std::size_t kiosk) { return options.endpoints[kiosk % options.endpoints.size()]; }

std::vector<std::string> enrolAll(const Options& options, const std::vector<std::string>& codes) {
    std::vector<std::string> tokens(codes.size());
    std::vector<Exchange> exchanges(codes.size());
    std::vector<std::string> sources(codes.size());
    std::vector<int> attempts(codes.size());
    std::vector<std::optional<Clock::time_point>> due(codes.size(), Clock::now());
    std::map<std::string, int> failures;
    Multi multi(curl_multi_init());
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
    for (std::size_t i = 0; i < codes.size(); ++i) {
        sources[i] = "host!127.0.0." + std::to_string(2 + i / 8);
        exchanges[i].request = shared::toJson(shared::EnrollRequest{codes[i], shared::newUuidV4()}).dump();
    }
    std::size_t left = codes.size();
    while (left > 0) {
        for (std::size_t i = 0; i < codes.size(); ++i) {
            if (!due[i] || *due[i] > Clock::now()) continue;
            due[i].reset();
            prepare(exchanges[i], options, sync::joinUrl(endpointOf(options, i), "/api/v1/enroll"), "", sources[i]);
            // A connection of its own from its own address: the server limits enrolments per address.
            curl_easy_setopt(exchanges[i].easy.get(), CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(exchanges[i].easy.get(), CURLOPT_FORBID_REUSE, 1L);
            curl_easy_setopt(exchanges[i].easy.get(), CURLOPT_PRIVATE, reinterpret_cast<char*>(i));
            curl_multi_add_handle(multi.get(), exchanges[i].easy.get());
        }
        int running = 0;
        curl_multi_perform(multi.get(), &running);
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
            if (message->msg != CURLMSG_DONE) continue;
            char* privateData = nullptr;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &privateData);
            const auto i = reinterpret_cast<std::size_t>(privateData);
            long status = 0;
            curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(multi.get(), message->easy_handle);
            if (message->data.result == CURLE_OK && status == 200) {
                auto reply = shared::enrollResponseFromJson(json::parse(exchanges[i].reply, nullptr, false));
                if (!reply) die("enrolment " + std::to_string(i) + ": " + reply.error().message);
                tokens[i] = reply->deviceToken;
                --left;
                continue;
            }
            const std::string why = message->data.result != CURLE_OK ? curl_easy_strerror(message->data.result)
                                                                     : "HTTP " + std::to_string(status) + " " + exchanges[i].reply;
            ++failures[why];
            if (++attempts[i] > 5) {
                for (const auto& [reason, count] : failures) std::cerr << "load_central: enrolment failed " << count << "x: " << reason << '\n';
                die("enrolment " + std::to_string(i) + " keeps failing: " + why);
            }
            // The same request id again, after Retry-After if given (PROTOCOL.md: the same answer).
            const double wait = retryAfterSeconds(exchanges[i].retryAfter).value_or(1.0);
            due[i] = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
        }
        if (left > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
    }
    for (const auto& [why, count] : failures) std::cout << "load_central: enrolment retried " << count << "x after: " << why << std::endl;
    return tokens;
}

// ---- the load ----

struct Kiosk {
    std::string token;
    std::string url;  ///< POST /api/v1/batches on its replica
    Exchange exchange;
    shared::BatchRequest batch;
    Clock::time_point nextStart;
    int failures = 0;
    bool busy = false;
    bool resend = false;
};

struct Figures {
    std::map<long, long> statuses;
    std::map<std::string, long> networkErrors;
    std::vector<double> latencyMs;  ///< of every reply with a status (200, 429, 503, ...)
    std::vector<double> okLatencyMs;
    long accepted = 0;
    long duplicates = 0;
    long rejected = 0;
    long badReplies = 0;
    long batchesSent = 0;
    long connects = 0;
};

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto index = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size()))) - 1;
    return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parseOptions(argc, argv);
    if (!shared::sodiumInit()) die("libsodium cannot start");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("libcurl cannot start");
    auto loaded = shared::loadSurveyFile(options.surveyFile);
    if (!loaded.survey) die(options.surveyFile + ": not a valid survey");
    const shared::Survey& survey = *loaded.survey;
    auto key = shared::parsePublicKey(options.publicKey);
    if (!key) die("--public-key: " + key.error().message);

    std::vector<std::string> codes;
    {
        std::ifstream in(options.codesFile);
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) codes.push_back(line);
        }
    }
    if (codes.size() < static_cast<std::size_t>(options.connections)) {
        die(options.codesFile + ": " + std::to_string(codes.size()) + " codes for " + std::to_string(options.connections) + " connections");
    }
    codes.resize(static_cast<std::size_t>(options.connections));

    auto began = Clock::now();
    std::mt19937_64 random(options.seed);
    const std::string period = shared::localIsoWeek(std::chrono::system_clock::now()).toString();
    const auto seal = [&] {
        const shared::ResponsePayload payload{survey.id, survey.version, survey.definitionSha256, survey.consentSha256, period,
                                              random() % 5 == 0 ? "en" : "da", randomAnswers(survey, random)};
        return shared::toBase64(shared::seal(shared::toJson(payload).dump(), *key));
    };
    std::vector<std::string> pool;
    pool.reserve(options.pool);
    for (std::size_t i = 0; i < options.pool; ++i) pool.push_back(seal());
    std::cout << "load_central: " << pool.size() << " valid responses sealed in " << secondsSince(began) << " s" << std::endl;

    began = Clock::now();
    const std::vector<std::string> tokens = enrolAll(options, codes);
    std::cout << "load_central: " << tokens.size() << " devices enrolled in " << secondsSince(began) << " s" << std::endl;

    std::vector<Kiosk> kiosks(tokens.size());
    Multi multi(curl_multi_init());
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(2 * kiosks.size()));
    Figures figures;
    std::vector<std::string> acceptedIds;
    std::size_t next = 0;
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    const auto start = [&](std::size_t i) {
        Kiosk& kiosk = kiosks[i];
        if (!kiosk.resend) {
            kiosk.batch = {};
            kiosk.batch.batchId = shared::newUuidV4();
            for (std::size_t n = 0; n < options.batch; ++n) {
                kiosk.batch.responses.push_back({shared::newUuidV4(), next < pool.size() ? std::move(pool[next]) : seal()});
                ++next;
            }
            auto body = sync::gzipCompress(shared::toJson(kiosk.batch).dump());
            if (!body) die(body.error().message);
            kiosk.exchange.request = std::move(*body);
        }
        prepare(kiosk.exchange, options, kiosk.url, kiosk.token, "");
        curl_easy_setopt(kiosk.exchange.easy.get(), CURLOPT_PRIVATE, reinterpret_cast<char*>(i));
        curl_multi_add_handle(multi.get(), kiosk.exchange.easy.get());
        kiosk.busy = true;
        ++figures.batchesSent;
    };
    const auto backoff = [&](Kiosk& kiosk, std::optional<double> retryAfter) {
        ++kiosk.failures;
        const double ceiling = std::min(900.0, 5.0 * std::pow(2.0, std::min(kiosk.failures - 1, 10)));
        const double wait = retryAfter ? std::max(1.0, *retryAfter) : std::max(1.0, unit(random) * ceiling);
        kiosk.nextStart = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
        kiosk.resend = true;
    };

    // Every kiosk starts within the first second, so that the connections are opened at once.
    const auto loadStart = Clock::now();
    for (std::size_t i = 0; i < kiosks.size(); ++i) {
        kiosks[i].token = tokens[i];
        kiosks[i].url = sync::joinUrl(endpointOf(options, i), "/api/v1/batches");
        kiosks[i].nextStart = loadStart + std::chrono::microseconds(static_cast<long>(unit(random) * 1e6));
    }
    const auto loadEnd = loadStart + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
    long inFlight = 0;
    for (;;) {
        const auto now = Clock::now();
        if (now < loadEnd) {
            for (std::size_t i = 0; i < kiosks.size(); ++i) {
                if (!kiosks[i].busy && kiosks[i].nextStart <= now) {
                    start(i);
                    ++inFlight;
                }
            }
        } else if (inFlight == 0) {
            break;
        }
        int running = 0;
        curl_multi_perform(multi.get(), &running);
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
            if (message->msg != CURLMSG_DONE) continue;
            char* privateData = nullptr;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &privateData);
            Kiosk& kiosk = kiosks[reinterpret_cast<std::size_t>(privateData)];
            long status = 0;
            long connects = 0;
            curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            curl_easy_getinfo(message->easy_handle, CURLINFO_NUM_CONNECTS, &connects);
            figures.connects += connects;
            const CURLcode result = message->data.result;
            curl_multi_remove_handle(multi.get(), message->easy_handle);
            kiosk.busy = false;
            --inFlight;
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - kiosk.exchange.started).count();
            if (result != CURLE_OK) {
                ++figures.networkErrors[curl_easy_strerror(result)];
                backoff(kiosk, std::nullopt);
                continue;
            }
            ++figures.statuses[status];
            figures.latencyMs.push_back(ms);
            if (status == 200) {
                auto parsed = shared::batchResponseFromJson(json::parse(kiosk.exchange.reply, nullptr, false), kiosk.batch);
                if (!parsed) {
                    ++figures.badReplies;
                    backoff(kiosk, std::nullopt);
                    continue;
                }
                figures.okLatencyMs.push_back(ms);
                for (const auto& item : parsed->results) {
                    if (item.status == shared::ItemStatus::Rejected) {
                        ++figures.rejected;
                        continue;
                    }
                    ++(item.status == shared::ItemStatus::Accepted ? figures.accepted : figures.duplicates);
                    acceptedIds.push_back(item.id);
                }
                kiosk.failures = 0;
                kiosk.resend = false;
                kiosk.nextStart = Clock::now();
            } else {
                backoff(kiosk, status == 429 || status == 503 ? retryAfterSeconds(kiosk.exchange.retryAfter) : std::nullopt);
            }
        }
        // Wake for the next kiosk that is due, at most 50 ms from now.
        auto wake = Clock::now() + std::chrono::milliseconds(50);
        if (Clock::now() < loadEnd) {
            for (const auto& kiosk : kiosks) {
                if (!kiosk.busy) wake = std::min(wake, kiosk.nextStart);
            }
        }
        const auto waitMs = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
        curl_multi_poll(multi.get(), nullptr, 0, static_cast<int>(std::clamp<long long>(waitMs, 0, 50)), nullptr);
    }
    const double elapsed = secondsSince(loadStart);
    for (auto& kiosk : kiosks) kiosk.exchange.easy.reset();
    multi.reset();

    long errors = 0;
    for (const auto& [status, count] : figures.statuses) {
        if (status != 200 && status != 429 && status != 503) errors += count;
    }
    for (const auto& [kind, count] : figures.networkErrors) errors += count;
    errors += figures.badReplies + figures.rejected;
    json statuses = json::object();
    for (const auto& [status, count] : figures.statuses) statuses[std::to_string(status)] = count;
    const json report = {
        {"connections", kiosks.size()},
        {"seconds", elapsed},
        {"batch", options.batch},
        {"batches_sent", figures.batchesSent},
        {"statuses", statuses},
        {"network_errors", figures.networkErrors},
        {"bad_replies", figures.badReplies},
        {"errors", errors},
        {"accepted", figures.accepted},
        {"duplicates", figures.duplicates},
        {"rejected", figures.rejected},
        {"responses_per_second", static_cast<double>(figures.accepted) / elapsed},
        {"batches_per_second", static_cast<double>(figures.okLatencyMs.size()) / elapsed},
        {"tls_connections_opened", figures.connects},
        {"latency_ms_200", {{"p50", percentile(figures.okLatencyMs, 50)}, {"p90", percentile(figures.okLatencyMs, 90)},
                            {"p99", percentile(figures.okLatencyMs, 99)}, {"max", percentile(figures.okLatencyMs, 100)}}},
        {"latency_ms_all", {{"p50", percentile(figures.latencyMs, 50)}, {"p99", percentile(figures.latencyMs, 99)}}},
    };
    std::cout << "load_central: " << report.dump() << std::endl;
    if (!options.reportFile.empty()) std::ofstream(options.reportFile) << report.dump(2) << '\n';
    if (!options.acceptedIdsFile.empty()) {
        std::ofstream out(options.acceptedIdsFile);
        for (const auto& id : acceptedIds) out << id << '\n';
    }
    curl_global_cleanup();
    return 0;
}
