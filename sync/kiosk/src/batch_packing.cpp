#include "svarboks/sync/batch_packing.hpp"

#include "svarboks/shared/sealing.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace svarboks::sync {

PackedBatch packBatch(const std::vector<OutboxItem>& items, std::size_t maxBodyBytes, std::string batchId,
                      const std::optional<shared::BatchRequest>& unacknowledged) {
    PackedBatch packed;
    shared::BatchRequest& batch = packed.batch;
    batch.batchId = std::move(batchId);
    std::size_t bodySize = shared::toJson(batch).dump().size();
    for (const auto& item : items) {
        shared::BatchItem wire{item.id, shared::toBase64(item.sealed)};
        const std::size_t itemSize =
            nlohmann::json{{"id", wire.id}, {"sealed", wire.sealed}}.dump().size() + (batch.responses.empty() ? 0 : 1);
        if (bodySize + itemSize > maxBodyBytes) {
            if (batch.responses.empty()) packed.tooLarge = TooLargeItem{item.id, bodySize + itemSize};
            break;
        }
        bodySize += itemSize;
        batch.responses.push_back(std::move(wire));
    }
    if (unacknowledged && unacknowledged->responses.size() == batch.responses.size() &&
        std::equal(batch.responses.begin(), batch.responses.end(), unacknowledged->responses.begin(),
                   [](const shared::BatchItem& a, const shared::BatchItem& b) { return a.id == b.id; })) {
        batch.batchId = unacknowledged->batchId;
    }
    return packed;
}

}  // namespace svarboks::sync
