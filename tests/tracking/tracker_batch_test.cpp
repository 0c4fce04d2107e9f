// OrderTracker::apply_batch against apply(): the same events, one at a time on one tracker and
// in batches of random sizes on another, must give the same results and the same state.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  dimensions: [{field: region, max_values: 2}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

void expect_same_state(const OrderTracker& a, const OrderTracker& b) {
  TrackerSnapshot x, y;
  a.snapshot(x);
  b.snapshot(y);
  ASSERT_EQ(x.series.size(), y.series.size());
  for (std::size_t i = 0; i < x.series.size(); ++i) {
    EXPECT_EQ(x.series[i].in_status, y.series[i].in_status) << i;
    EXPECT_EQ(x.series[i].overdue, y.series[i].overdue) << i;
    EXPECT_EQ(x.series[i].duration.cumulative, y.series[i].duration.cumulative) << i;
  }
  EXPECT_EQ(x.breaches, y.breaches);
  EXPECT_EQ(x.transitions, y.transitions);
  EXPECT_EQ(x.tracked, y.tracked);
  EXPECT_EQ(x.tombstones, y.tombstones);
  for (std::size_t r = 0; r < std::size(x.events); ++r) EXPECT_EQ(x.events[r], y.events[r]);
}

// `orders` ids, batches of 1..max_batch events, `rounds` batches.
void compare_batched_with_one_by_one(int orders, std::size_t max_batch, int rounds) {
  const sla::Config config = sla::load_string(kConfig);
  OrderTracker one(config);
  OrderTracker batched(config);
  std::mt19937_64 rng(7);
  std::vector<std::string> ids;
  for (int i = 0; i < orders; ++i) {
    ids.push_back(i % 10 == 0 ? "a-long-order-id-past-the-inline-capacity-" + std::to_string(i)
                              : "ord-" + std::to_string(i));
  }
  const std::string regions[] = {"eu", "us", "ap"};
  std::int64_t now = T0;
  for (int round = 0; round < rounds; ++round) {
    const std::size_t size = 1 + rng() % max_batch;
    now += static_cast<std::int64_t>(rng() % 5000);
    std::vector<Event> events(size);
    for (auto& e : events) {
      e.id = ids[rng() % ids.size()];
      e.status = static_cast<std::uint8_t>(rng() % 5);
      e.time_ms = now - static_cast<std::int64_t>(rng() % 300'000);  // out of order too
      e.dims[0] = regions[rng() % 3];
      e.has_dim[0] = true;
    }
    std::vector<ApplyResult> results(size);
    batched.apply_batch(events, now, results);
    for (std::size_t i = 0; i < size; ++i) {
      ASSERT_EQ(one.apply(events[i], now), results[i]) << "round " << round << " event " << i;
    }
    if (round % 10 == 0) {
      one.tick(now);
      batched.tick(now);
    }
  }
  expect_same_state(one, batched);
}

TEST(ApplyBatch, GivesTheResultsAndStateOfApplyingOneByOne) {
  // Short inline ids and long ones (side store); few enough that a batch often holds the
  // same order twice.
  compare_batched_with_one_by_one(300, 40, 400);
}

TEST(ApplyBatch, HintsStayRightWhileIndexChunksSplitAndMerge) {
  // Thousands of orders per status, entered out of order: index chunks split, merge and go
  // away between the lookahead of an event and its apply (the hint must be checked again).
  compare_batched_with_one_by_one(20'000, 256, 600);
}

TEST(ApplyBatch, AnEmptyBatchChangesNothing) {
  const sla::Config config = sla::load_string(kConfig);
  OrderTracker tracker(config);
  tracker.apply_batch({}, T0, {});
  EXPECT_EQ(tracker.tracked(), 0u);
}

}  // namespace
}  // namespace orderwatch::tracking
