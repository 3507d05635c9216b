#pragma once
// Packing the outbox's oldest items into one batch (POST /api/v1/batches) within PROTOCOL.md's limits. Pure:
// no I/O, thread-safe.
#include "svarboks/shared/protocol.hpp"
#include "svarboks/sync/outbox.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace svarboks::sync {

/// A response that can never be sent: alone it makes a body over the limit.
struct TooLargeItem {
    std::string id;
    std::size_t bodyBytes = 0;  ///< the body it would make on its own
};

struct PackedBatch {
    shared::BatchRequest batch;            ///< empty when `tooLarge` is set
    std::optional<TooLargeItem> tooLarge;  ///< the oldest item, when it does not fit even alone
};

/// As many of `items` (oldest first) as fit `maxBodyBytes`, measured as the JSON body is sent (before gzip,
/// as the server counts it), with `batchId`. When the same ids as `unacknowledged` come out, its batch_id is
/// used instead: resending a batch that got no reply as it was is always safe (PROTOCOL.md).
[[nodiscard]] PackedBatch packBatch(const std::vector<OutboxItem>& items, std::size_t maxBodyBytes, std::string batchId,
                                    const std::optional<shared::BatchRequest>& unacknowledged);

}  // namespace svarboks::sync
