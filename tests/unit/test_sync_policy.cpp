// The uploader's pure parts, with no server and no clock: when a session sends and retries (SyncSchedule)
// and what goes into a batch (packBatch). The session tests (test_uploader*.cpp) check them end to end.
#include "svarboks/shared/protocol.hpp"
#include "svarboks/shared/sealing.hpp"
#include "svarboks/sync/batch_packing.hpp"
#include "svarboks/sync/schedule.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace svarboks;
using namespace std::chrono_literals;
using sync::SteadyTime;

namespace {

const SteadyTime t0 = SteadyTime(1000h);

std::vector<sync::OutboxItem> items(const std::vector<std::size_t>& sealedSizes) {
    std::vector<sync::OutboxItem> made;
    for (std::size_t size : sealedSizes) made.push_back({shared::newUuidV4(), std::string(size, 'x'), 0, ""});
    return made;
}

// The body as the uploader sends it, measured as packBatch measures it.
std::size_t bodyBytes(const shared::BatchRequest& batch) { return shared::toJson(batch).dump().size(); }

}  // namespace

TEST_SUITE("sync schedule") {
    TEST_CASE("the first automatic pass is due at once, then every interval after a good pass") {
        sync::SyncSchedule schedule(t0);
        CHECK(schedule.nextAutomaticPass(false) == t0);
        schedule.restartTimer(t0 + 2s, 300s);
        CHECK(schedule.nextAutomaticPass(false) == t0 + 302s);
        CHECK_FALSE(schedule.nextAutomaticPass(true));  // paused: no automatic pass at all
    }

    TEST_CASE("a commit plans a send; later commits join it; one that is due or past is planned again") {
        sync::SyncSchedule schedule(t0);
        schedule.restartTimer(t0, 300s);
        CHECK(schedule.needsPlan(t0));
        schedule.planSend(t0, 25min);
        CHECK_FALSE(schedule.needsPlan(t0 + 10min));
        CHECK(schedule.plannedSend() == t0 + 25min);
        CHECK(schedule.nextAutomaticPass(false) == t0 + 300s);  // the timer comes first; it sends nothing
        schedule.restartTimer(t0 + 24min, 300s);
        CHECK(schedule.nextAutomaticPass(false) == t0 + 25min);
        CHECK(schedule.needsPlan(t0 + 25min));
        schedule.sent();
        CHECK_FALSE(schedule.plannedSend());
    }

    TEST_CASE("a failure backs off with jitter, Retry-After wins, and a backoff never ends before the planned send") {
        sync::SyncSchedule schedule(t0);
        schedule.failed(t0, std::nullopt, 0.5);
        CHECK(schedule.backingOff(t0 + 2s));
        CHECK_FALSE(schedule.backingOff(t0 + 3s));
        CHECK(schedule.hasBackoff());
        CHECK(schedule.nextAutomaticPass(false) == t0 + 2500ms);
        schedule.failed(t0, std::nullopt, 0.5);  // the second in a row: twice the ceiling
        CHECK(schedule.nextAutomaticPass(false) == t0 + 5s);
        schedule.failed(t0, 120s, 0.5);
        CHECK(schedule.nextAutomaticPass(false) == t0 + 120s);
        schedule.failed(t0, 0s, 0.5);  // Retry-After: 0 still waits the floor
        CHECK(schedule.nextAutomaticPass(false) == t0 + sync::kBackoffFloor);

        schedule.planSend(t0, 30min);
        CHECK(schedule.nextAutomaticPass(false) == t0 + 30min);

        schedule.succeeded();
        schedule.clearBackoff();
        CHECK_FALSE(schedule.hasBackoff());
        schedule.failed(t0, std::nullopt, 0.5);  // the count started afresh: the first ceiling again
        CHECK(schedule.backingOff(t0 + 2s));
        CHECK_FALSE(schedule.backingOff(t0 + 3s));
    }
}

TEST_SUITE("batch packing") {
    TEST_CASE("the oldest items that fit the byte limit, measured as the body is sent") {
        const auto pending = items({300, 300, 300});
        const auto all = sync::packBatch(pending, shared::kMaxBodyBytes, shared::newUuidV4(), std::nullopt);
        REQUIRE(all.batch.responses.size() == 3);
        CHECK_FALSE(all.tooLarge);
        CHECK(all.batch.responses[0].id == pending[0].id);
        CHECK(all.batch.responses[2].sealed == shared::toBase64(pending[2].sealed));

        // A limit of exactly the two-item body keeps two; one byte less keeps one.
        shared::BatchRequest two = all.batch;
        two.responses.pop_back();
        const std::size_t exact = bodyBytes(two);
        const auto packed = sync::packBatch(pending, exact, all.batch.batchId, std::nullopt);
        CHECK(packed.batch.responses.size() == 2);
        CHECK(bodyBytes(packed.batch) == exact);
        CHECK(sync::packBatch(pending, exact - 1, all.batch.batchId, std::nullopt).batch.responses.size() == 1);
    }

    TEST_CASE("an item too large even alone is named with its size, and nothing is packed") {
        const auto pending = items({5000, 10});
        const auto packed = sync::packBatch(pending, 2000, shared::newUuidV4(), std::nullopt);
        CHECK(packed.batch.responses.empty());
        REQUIRE(packed.tooLarge);
        CHECK(packed.tooLarge->id == pending[0].id);
        CHECK(packed.tooLarge->bodyBytes > 2000);
    }

    TEST_CASE("the same ids as an unacknowledged batch keep its batch_id; other ids get the new one") {
        const auto pending = items({100, 100});
        const auto first = sync::packBatch(pending, shared::kMaxBodyBytes, "11111111-1111-4111-8111-111111111111", std::nullopt);
        const auto again = sync::packBatch(pending, shared::kMaxBodyBytes, "22222222-2222-4222-8222-222222222222", first.batch);
        CHECK(again.batch.batchId == first.batch.batchId);
        const auto fewer = sync::packBatch({pending[0]}, shared::kMaxBodyBytes, "33333333-3333-4333-8333-333333333333", first.batch);
        CHECK(fewer.batch.batchId == "33333333-3333-4333-8333-333333333333");
    }
}
