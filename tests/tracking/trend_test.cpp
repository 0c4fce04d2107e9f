// The trend behind the page's charts: the ring is bounded and keeps the last hour, one sample
// per interval boundary; the service samples it from its tick with the in-flight and the
// unacknowledged overdue counts; a reload keeps the statuses it keeps.
#include <gtest/gtest.h>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/tracker.h"
#include "trend.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'010'000;  // a multiple of 15 s

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 10}, {field: channel, max_values: 10}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Held}
  - {name: Delivered, terminal: true}
)";

Event event(std::string_view id, std::uint8_t status, std::int64_t t,
            std::string_view region = "eu", std::string_view channel = "web") {
  Event e;
  e.id = id;
  e.status = status;
  e.time_ms = t;
  e.dims[0] = region;
  e.has_dim[0] = true;
  e.dims[1] = channel;
  e.has_dim[1] = true;
  return e;
}

std::vector<StatusCounts> counts(std::int64_t a, std::int64_t b) {
  return {{a, b}, {a + 1, b + 1}};
}

TEST(TrendRing, OneSamplePerIntervalBoundary) {
  TrendRing ring({"A", "B"}, 15 * kS, 8);
  EXPECT_TRUE(ring.due(T0 + 3 * kS));  // the first tick always samples
  ring.record(T0 + 3 * kS, counts(1, 0));
  for (std::int64_t t = T0 + 4 * kS; t < T0 + 15 * kS; t += kS) EXPECT_FALSE(ring.due(t)) << t;
  EXPECT_TRUE(ring.due(T0 + 15 * kS));
  ring.record(T0 + 15 * kS, counts(2, 1));
  EXPECT_FALSE(ring.due(T0 + 29 * kS));
  EXPECT_TRUE(ring.due(T0 + 31 * kS));  // a late tick samples once, then the next boundary
  ring.record(T0 + 31 * kS, counts(3, 1));
  EXPECT_FALSE(ring.due(T0 + 44 * kS));
  const TrendView v = ring.view(T0 + 44 * kS);
  EXPECT_EQ(v.interval_ms, 15 * kS);
  EXPECT_EQ(v.window_ms, 8 * 15 * kS);
  EXPECT_EQ(v.times_ms, (std::vector<std::int64_t>{T0 + 3 * kS, T0 + 15 * kS, T0 + 31 * kS}));
  ASSERT_EQ(v.statuses.size(), 2u);
  EXPECT_EQ(v.statuses[0].name, "A");
  EXPECT_EQ(v.statuses[0].in_flight, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(v.statuses[0].overdue, (std::vector<std::int64_t>{0, 1, 1}));
  EXPECT_EQ(v.statuses[1].in_flight, (std::vector<std::int64_t>{2, 3, 4}));
}

TEST(TrendRing, BoundedToItsCapacityAndTheWindow) {
  TrendRing ring({"A", "B"}, 15 * kS, 8);
  const std::size_t bytes = ring.memory_bytes();
  EXPECT_EQ(bytes, (8 + 2 * 8 * 2) * sizeof(std::int64_t));  // times + 2 statuses x 2 counts
  std::int64_t t = T0;
  for (int i = 0; i < 1000; ++i, t += 15 * kS) {
    ASSERT_TRUE(ring.due(t));
    ring.record(t, counts(i, i / 2));
  }
  EXPECT_EQ(ring.size(), 8u);
  EXPECT_EQ(ring.memory_bytes(), bytes);  // never grows
  const TrendView v = ring.view(t - 15 * kS);
  ASSERT_EQ(v.times_ms.size(), 8u);
  EXPECT_EQ(v.times_ms.front(), t - 8 * 15 * kS);
  EXPECT_EQ(v.times_ms.back(), t - 15 * kS);
  EXPECT_EQ(v.statuses[0].in_flight.front(), 992);
  EXPECT_EQ(v.statuses[0].in_flight.back(), 999);
  // Samples older than the window are not shown, even when nothing replaced them (a stall).
  EXPECT_EQ(ring.view(t + 4 * 15 * kS).times_ms.size(), 3u);
  EXPECT_TRUE(ring.view(t + 3600 * kS).times_ms.empty());
  // The default ring: one hour at 15 s.
  TrendRing hour({"A"});
  EXPECT_EQ(hour.capacity() * static_cast<std::size_t>(TrendRing::kIntervalMs),
            std::size_t{3600} * kS);
}

TEST(TrendRing, AClockSteppingBackStartsOverAndAReloadFollowsNames) {
  TrendRing ring({"A", "B"}, 15 * kS, 8);
  ring.record(T0, counts(1, 0));
  ring.record(T0 + 15 * kS, counts(2, 0));
  EXPECT_TRUE(ring.due(T0 + 10 * kS));  // before the newest sample
  ring.record(T0 + 10 * kS, counts(5, 0));
  EXPECT_EQ(ring.view(T0 + 10 * kS).times_ms, (std::vector<std::int64_t>{T0 + 10 * kS}));

  ring.record(T0 + 15 * kS, counts(6, 1));
  ring.relabel({"C", "B"});  // A gone, C new, B kept
  ring.record(T0 + 30 * kS, {{7, 2}, {8, 3}});
  const TrendView v = ring.view(T0 + 30 * kS);
  ASSERT_EQ(v.statuses.size(), 2u);
  EXPECT_EQ(v.statuses[0].name, "C");
  EXPECT_EQ(v.statuses[0].in_flight, (std::vector<std::int64_t>{-1, -1, 7}));
  EXPECT_EQ(v.statuses[1].name, "B");
  EXPECT_EQ(v.statuses[1].in_flight, (std::vector<std::int64_t>{6, 7, 8}));
  EXPECT_EQ(v.statuses[1].overdue, (std::vector<std::int64_t>{1, 2, 3}));
}

class Clocked : public ::testing::Test {
 protected:
  Clocked() : config_(sla::load_string(kConfig)), service_(config_, [this] { return now_; }) {}
  sla::Config config_;
  std::int64_t now_ = T0;
  TrackerService service_;
};

TEST_F(Clocked, TheTickSamplesInFlightAndUnacknowledgedOverdue) {
  // Arrived a millisecond before the tick: the source is idle by then (idle_timeout 1ms).
  service_.apply(event("a1", 1, now_ - 200 * kS), now_ - 1);  // Authorized, past both tiers
  service_.apply(event("a2", 1, now_ - 70 * kS), now_ - 1);   // past the SLA
  service_.apply(event("a3", 1, now_ - 5 * kS), now_ - 1);    // within it
  service_.apply(event("p1", 0, now_ - 1 * kS), now_ - 1);
  service_.tick();
  now_ += 5 * kS;  // between two samples
  Acknowledgement ack{"alice", "on it", now_, now_ + 3600 * kS};
  ASSERT_EQ(service_.act(OrderAction::kAcknowledge, "a1", ack).orders.size(), 1u);
  now_ += 10 * kS;
  service_.tick();
  now_ += 5 * kS;  // not a boundary: no sample
  service_.tick();
  now_ += 10 * kS;
  service_.apply(event("a2", 3, now_), now_);  // Authorized -> Delivered
  const TrendView v = service_.trend();        // ticks first: samples at T0 + 30 s
  EXPECT_EQ(v.times_ms, (std::vector<std::int64_t>{T0, T0 + 15 * kS, T0 + 30 * kS}));
  ASSERT_EQ(v.statuses.size(), 4u);
  EXPECT_EQ(v.statuses[1].name, "Authorized");
  EXPECT_EQ(v.statuses[1].in_flight, (std::vector<std::int64_t>{3, 3, 2}));
  // a1 acknowledged from the second sample on: it leaves the overdue line as it leaves the alert.
  EXPECT_EQ(v.statuses[1].overdue, (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(v.statuses[0].in_flight, (std::vector<std::int64_t>{1, 1, 1}));
  EXPECT_EQ(v.statuses[0].overdue, (std::vector<std::int64_t>{0, 1, 1}));  // p1 past 10 s
  EXPECT_EQ(v.statuses[2].overdue, (std::vector<std::int64_t>{0, 0, 0}));  // Held: no SLA
}

TEST_F(Clocked, AReloadKeepsTheTrendOfTheStatusesItKeeps) {
  service_.apply(event("a1", 1, now_ - 200 * kS), now_);
  service_.tick();
  auto next = sla::load_string(std::string(kConfig) + "  - {name: Returned}\n");
  service_.reload(next);
  now_ += 15 * kS;
  const TrendView v = service_.trend();
  ASSERT_EQ(v.statuses.size(), 5u);
  EXPECT_EQ(v.statuses[1].in_flight, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(v.statuses[4].name, "Returned");
  EXPECT_EQ(v.statuses[4].in_flight, (std::vector<std::int64_t>{-1, 0}));
}

// Issue 26: what recovered and the trend survive a restart through the snapshot (and a
// service that already ran keeps its own trend rather than the file's).
TEST_F(Clocked, ASnapshotKeepsTheTrendAndWhatRecovered) {
  service_.apply(event("a1", 1, now_ - 200 * kS), now_ - 1);
  service_.apply(event("a2", 1, now_ - 200 * kS), now_ - 1);
  service_.tick();
  now_ += 15 * kS;
  service_.apply(event("a1", 3, now_ - 2), now_ - 1);  // left Authorized overdue: recovered
  service_.tick();
  const TrendView before = service_.trend();
  const RecoveredList recovered = service_.recovered("", 10);
  ASSERT_EQ(before.times_ms.size(), 2u);
  ASSERT_EQ(recovered.orders.size(), 1u);
  const std::string path = ::testing::TempDir() + "/trend_recovered.snap";
  service_.save_snapshot(path);

  // Under a config with one more status: the trend follows the statuses by name.
  TrackerService restarted(sla::load_string(std::string(kConfig) + "  - {name: Returned}\n"),
                           [this] { return now_; });
  restarted.load_snapshot(path);
  std::remove(path.c_str());
  const TrendView after = restarted.trend();
  EXPECT_EQ(after.times_ms, before.times_ms);
  ASSERT_EQ(after.statuses.size(), 5u);
  EXPECT_EQ(after.statuses[1].in_flight, before.statuses[1].in_flight);
  EXPECT_EQ(after.statuses[1].overdue, before.statuses[1].overdue);
  EXPECT_EQ(after.statuses[4].in_flight, (std::vector<std::int64_t>{-1, -1}));
  const RecoveredList again = restarted.recovered("", 10);
  ASSERT_EQ(again.orders.size(), 1u);
  EXPECT_EQ(again.orders[0].id, "a1");
  EXPECT_EQ(again.orders[0].status, "Authorized");
  EXPECT_EQ(again.orders[0].to, "Delivered");
  EXPECT_EQ(again.orders[0].tiers_crossed, recovered.orders[0].tiers_crossed);
  EXPECT_EQ(again.orders[0].overdue_ms, recovered.orders[0].overdue_ms);
  EXPECT_EQ(again.recorded, 1u);
}

}  // namespace
}  // namespace orderwatch::tracking
