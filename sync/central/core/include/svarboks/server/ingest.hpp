#pragma once
// Turning sealed responses into stored ones: the same rules for POST /api/v1/batches and for `import`.
// Per item: base64 -> open the seal with the server's key -> parse the payload -> its period is within
// the retention and at most a week ahead (retention.hpp) -> its survey id and version are published for
// the device's unit -> its definition and consent hashes are the published ones -> its answers pass
// validateAnswers(). Then, in one transaction, in shuffled order: stored,
// duplicate (same id, same sealed bytes) or rejected (kept in the dead letters with the reason).
#include "svarboks/server/storage.hpp"
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/shared/survey.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace svarboks::server {

struct IngestCounts {
    std::size_t accepted = 0;
    std::size_t duplicate = 0;
    std::size_t rejected = 0;
};

[[nodiscard]] IngestCounts countResults(std::span<const shared::BatchResult> results);

/// What became of a batch: one result per item, in the order given, as the kiosk is answered.
struct IngestResult {
    std::vector<shared::BatchResult> results;
    /// A rejected item was not kept (its kiosk's dead letters are at their cap); its reason says so too.
    bool deadLettersFull = false;
};

/// Where a batch comes from and when: the kiosk's unit and device id ("" for `import`, whose dead letters
/// are not capped), and the ISO week it arrives in (written beside dead letters; periods are judged by it).
struct Arrival {
    std::string unitId;
    std::string deviceId;
    std::string week;
};

/// Thread-safe: one Ingestor serves every request thread. Published surveys are parsed once and cached
/// (a published version never changes); whether a version is published for a unit is asked of the store
/// for every batch, so a survey published while the server runs counts at once.
///
/// Group commit: batches checked on request threads at the same time are stored together, in one
/// transaction (one fsync) by whichever of their threads gets there first, while the others wait for it;
/// each still gets its own results, and a store failure fails every batch of the group (nothing stored).
class Ingestor {
public:
    Ingestor(Storage& storage, shared::KeyPair keys);

    /// Checks one item without writing anything. An error only when the store fails.
    [[nodiscard]] Result<IncomingItem> prepare(const Arrival& arrival, const shared::BatchItem& item);

    /// Prepares and stores the items in one transaction (shuffled, possibly together with other batches
    /// stored at the same moment), returning one result per item in the order given. An error (store
    /// failure) means nothing was stored.
    [[nodiscard]] Result<IngestResult> ingest(const Arrival& arrival, std::span<const shared::BatchItem> items);

private:
    /// Published-survey lookups of one batch, asked of the store once per survey id and version.
    using Lookups = std::map<std::pair<std::string, std::string>, std::optional<PublishedSurvey>>;
    [[nodiscard]] Result<IncomingItem> prepare(const Arrival& arrival, const shared::BatchItem& item, Lookups& lookups);
    [[nodiscard]] Result<std::shared_ptr<const shared::Survey>> survey(const std::string& surveyId, const std::string& version);

    /// Stores prepared items with the batches waiting at the same moment (group commit); one outcome per item.
    [[nodiscard]] Result<std::vector<StoredItem>> store(std::vector<IncomingItem> items, const std::string& receivedWeek);

    struct PendingStore;
    Storage& m_storage;
    shared::KeyPair m_keys;
    std::mutex m_storeMutex;
    std::condition_variable m_stored;
    std::deque<PendingStore*> m_storeQueue;  ///< waiting for a transaction; owned by their request threads
    bool m_storing = false;                  ///< a thread is storing a group now
    std::shared_mutex m_cacheMutex;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<const shared::Survey>> m_surveys;
};

}  // namespace svarboks::server
