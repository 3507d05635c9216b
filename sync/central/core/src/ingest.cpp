#include "svarboks/server/ingest.hpp"

#include "svarboks/server/retention.hpp"
#include "svarboks/server/tally.hpp"

#include "svarboks/shared/hashing.hpp"
#include "svarboks/shared/survey_state.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>

namespace svarboks::server {

namespace {

// std::shuffle's generator, drawing from libsodium (the order of rows must not be predictable).
struct SodiumRandom {
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
    result_type operator()() const { return randombytes_random(); }
};

std::string answerErrors(const shared::Validation& validation) {
    const auto& first = validation.errors.front();
    std::string message = first.question.empty() ? first.message : "answer to '" + first.question + "': " + first.message;
    if (validation.errors.size() > 1) {
        message += " (and " + std::to_string(validation.errors.size() - 1) + " more problem" + (validation.errors.size() > 2 ? "s" : "") + ")";
    }
    return message;
}

// How the reason of a rejected item ends when the dead letters did not keep it (docs/central.md).
constexpr std::string_view kNotKept = " (not kept: this kiosk's rejected responses on the server are at their cap)";

}  // namespace

IngestCounts countResults(std::span<const shared::BatchResult> results) {
    IngestCounts counts;
    for (const auto& result : results) {
        switch (result.status) {
            case shared::ItemStatus::Accepted: ++counts.accepted; break;
            case shared::ItemStatus::Duplicate: ++counts.duplicate; break;
            case shared::ItemStatus::Rejected: ++counts.rejected; break;
        }
    }
    return counts;
}

Ingestor::Ingestor(Storage& storage, shared::KeyPair keys) : m_storage(storage), m_keys(keys) {}

Result<std::shared_ptr<const shared::Survey>> Ingestor::survey(const std::string& surveyId, const std::string& version) {
    const auto key = std::make_pair(surveyId, version);
    {
        const std::shared_lock lock(m_cacheMutex);
        if (const auto found = m_surveys.find(key); found != m_surveys.end()) return found->second;
    }
    auto definition = m_storage.surveyDefinition(surveyId, version);
    if (!definition) return definition.error();
    if (!*definition) return Error{"survey " + surveyId + " " + version + " is not published"};
    auto loaded = shared::parseSurvey(**definition, "published survey " + surveyId + " " + version);
    if (!loaded.ok()) {
        std::string problem = "published survey " + surveyId + " " + version + " cannot be loaded";
        for (const auto& d : loaded.diagnostics) {
            if (d.severity == shared::Diagnostic::Severity::Error) {
                problem += ": " + d.format();
                break;
            }
        }
        return Error{problem};
    }
    auto parsed = std::make_shared<const shared::Survey>(std::move(*loaded.survey));
    const std::unique_lock lock(m_cacheMutex);
    return m_surveys.emplace(key, std::move(parsed)).first->second;
}

Result<IncomingItem> Ingestor::prepare(const Arrival& arrival, const shared::BatchItem& item) {
    Lookups lookups;
    return prepare(arrival, item, lookups);
}

Result<IncomingItem> Ingestor::prepare(const Arrival& arrival, const shared::BatchItem& item, Lookups& lookups) {
    const std::string& unitId = arrival.unitId;
    IncomingItem incoming;
    incoming.id = item.id;
    incoming.deviceId = arrival.deviceId;
    incoming.sealed = item.sealed;
    const auto reject = [&](std::string reason) -> Result<IncomingItem> {
        incoming.rejection = std::move(reason);
        return std::move(incoming);
    };

    auto sealed = shared::fromBase64(item.sealed);
    if (!sealed) {
        incoming.sealedSha256 = shared::sha256Hex(item.sealed);
        return reject("sealed: " + sealed.error().message);
    }
    incoming.sealedSha256 = shared::sha256Hex(*sealed);
    auto opened = shared::openSealed(*sealed, m_keys);
    if (!opened) return reject("cannot be decrypted with this server's key: " + opened.error().message);
    auto payload = shared::parseResponsePayload(*opened);
    sodium_memzero(opened->data(), opened->size());
    if (!payload) return reject("the opened payload is not a valid response: " + payload.error().message);
    if (std::string problem = periodRejection(payload->period, arrival.week); !problem.empty()) return reject(std::move(problem));

    const std::string name = "survey " + payload->surveyId + " " + payload->surveyVersion;
    auto key = std::make_pair(payload->surveyId, payload->surveyVersion);
    auto found = lookups.find(key);
    if (found == lookups.end()) {
        auto published = m_storage.findSurvey(payload->surveyId, payload->surveyVersion, unitId);
        if (!published) return published.error();
        found = lookups.emplace(std::move(key), std::move(*published)).first;
    }
    const std::optional<PublishedSurvey>& published = found->second;
    if (!published) return reject(name + " is not published");
    if (published->units.empty()) return reject(name + " is not published for this device's unit");
    if (payload->definitionSha256 != published->definitionSha256) {
        return reject("definition_sha256 does not match " + name + " as published (the kiosk showed another definition)");
    }
    if (payload->consentSha256 != published->consentSha256) {
        return reject("consent_sha256 does not match the consent text of " + name + " as published");
    }
    auto survey = this->survey(payload->surveyId, payload->surveyVersion);
    if (!survey) return reject(survey.error().message);
    const auto validation = shared::validateAnswers(**survey, payload->answers);
    if (!validation.valid) return reject(answerErrors(validation));

    incoming.response = StoredResponse{item.id,
                                       unitId,
                                       payload->surveyId,
                                       payload->surveyVersion,
                                       payload->period,
                                       payload->locale,
                                       payload->answers.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                       ""};
    incoming.tallies = responseTallies(**survey, payload->answers);
    return incoming;
}

Result<IngestResult> Ingestor::ingest(const Arrival& arrival, std::span<const shared::BatchItem> items) {
    std::vector<IncomingItem> prepared;
    prepared.reserve(items.size());
    Lookups lookups;
    for (const auto& item : items) {
        auto incoming = prepare(arrival, item, lookups);
        if (!incoming) return incoming.error();
        prepared.push_back(std::move(*incoming));
    }
    auto stored = store(std::move(prepared), arrival.week);
    if (!stored) return stored.error();
    IngestResult ingested;
    ingested.results.reserve(stored->size());
    for (StoredItem& item : *stored) {
        if (item.notKept) {
            item.result.error += kNotKept;
            ingested.deadLettersFull = true;
        }
        ingested.results.push_back(std::move(item.result));
    }
    return ingested;
}

struct Ingestor::PendingStore {
    std::vector<IncomingItem> items;
    const std::string& receivedWeek;
    std::optional<Result<std::vector<StoredItem>>> result;
};

Result<std::vector<StoredItem>> Ingestor::store(std::vector<IncomingItem> items, const std::string& receivedWeek) {
    // A transaction of 8 full batches at most: enough to share the fsync among all the slots of Api.
    constexpr std::size_t kMaxGroupItems = 8 * shared::kMaxBatchResponses;
    PendingStore mine{std::move(items), receivedWeek, std::nullopt};
    std::unique_lock lock(m_storeMutex);
    m_storeQueue.push_back(&mine);
    while (!mine.result) {
        if (m_storing) {
            m_stored.wait(lock);
            continue;
        }
        // This thread stores the batches waiting now (its own among them, unless the group is full).
        m_storing = true;
        std::vector<PendingStore*> group;
        std::size_t count = 0;
        const std::string week = m_storeQueue.front()->receivedWeek;
        for (auto it = m_storeQueue.begin(); it != m_storeQueue.end();) {
            PendingStore* pending = *it;
            if (pending->receivedWeek != week || (!group.empty() && count + pending->items.size() > kMaxGroupItems)) {
                ++it;
                continue;
            }
            count += pending->items.size();
            group.push_back(pending);
            it = m_storeQueue.erase(it);
        }
        lock.unlock();
        std::vector<std::vector<StoredItem>> results(group.size());
        std::optional<Error> failed;
        try {
            // Rows go in shuffled, so that nothing in the store (not even the order of its pages) follows
            // the order in which a kiosk collected them, or in which the batches of the group came.
            std::vector<std::pair<std::size_t, std::size_t>> origin;  // (batch in the group, item in it)
            origin.reserve(count);
            for (std::size_t b = 0; b < group.size(); ++b) {
                for (std::size_t i = 0; i < group[b]->items.size(); ++i) origin.emplace_back(b, i);
            }
            std::shuffle(origin.begin(), origin.end(), SodiumRandom{});
            std::vector<IncomingItem> shuffled;
            shuffled.reserve(count);
            for (const auto& [b, i] : origin) shuffled.push_back(std::move(group[b]->items[i]));
            auto stored = m_storage.storeItems(shuffled, week);
            if (stored) {
                for (std::size_t b = 0; b < group.size(); ++b) results[b].resize(group[b]->items.size());
                for (std::size_t k = 0; k < origin.size(); ++k) results[origin[k].first][origin[k].second] = std::move((*stored)[k]);
            } else {
                failed = stored.error();
            }
        } catch (const std::exception& e) {
            failed = Error{std::string("cannot store the batch: ") + e.what()};
        }
        lock.lock();
        for (std::size_t b = 0; b < group.size(); ++b) {
            if (failed) group[b]->result.emplace(*failed);
            else group[b]->result.emplace(std::move(results[b]));
        }
        m_storing = false;
        m_stored.notify_all();
    }
    return std::move(*mine.result);
}

}  // namespace svarboks::server
