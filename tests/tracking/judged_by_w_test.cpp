// Everything judged by the watermark W (issue 26 item 6): during a replay W trails the wall
// clock by hours, and the queries' ages, the tombstones' and the acknowledgements' expiries
// follow W as the overdue counts do, also across a snapshot (a tombstone also lasts its ttl of
// wall clock: W jumps when a catch-up ends).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t T0 = 1'700'000'000'000;  // the replayed day's first event time
constexpr std::int64_t kWall = T0 + 6 * kHour;  // the replay runs six hours later

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1m}
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations: [{after: 2h, severity: page}]
  - {name: Delivered, terminal: true}
retention: {tombstone_ttl: 10m}
)";

using test::event;

// A replay: every event applied with `behind` (a backlog waits), each batch two seconds of
// wall clock after the last, so W is the batch's oldest event time.
class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() : config_(sla::load_string(kConfig)), service_(config_, [this] { return wall_; }) {}

  // Applies `id` entering `status` at event time t, in a batch of its own; W becomes t.
  ApplyResult replay(const std::string& id, std::uint8_t status, std::int64_t t) {
    wall_ += 2 * kS;
    auto r = service_.apply(event(id, status, t), wall_, std::nullopt, std::nullopt, true);
    service_.tick();
    return r.value_or(ApplyResult::kStale);
  }
  std::int64_t w() {
    TrackerSnapshot snap;
    service_.snapshot(snap);
    return snap.watermark_ms;
  }
  // order_overdue{status, tier} as /metrics exports it (acknowledged orders not counted).
  std::int64_t overdue(std::uint8_t status, std::size_t tier) {
    TrackerSnapshot snap;
    service_.snapshot(snap);
    std::int64_t n = 0;
    for (const auto& v : snap.series) {
      if (v.status == status) n += v.overdue.at(tier);
    }
    return n;
  }

  std::int64_t wall_ = kWall;
  sla::Config config_;
  TrackerService service_;
};

TEST_F(ReplayTest, QueriesCarryWAndTheWallClockApart) {
  replay("a", 1, T0);
  replay("b", 0, T0 + 90 * kMin);  // W = T0 + 1h30m: a is past its SLA, not its page tier
  ASSERT_EQ(w(), T0 + 90 * kMin);
  ASSERT_EQ(overdue(1, 0), 1);
  ASSERT_EQ(overdue(1, 1), 0);

  const OverduePage page = service_.overdue(OverdueQuery{});
  EXPECT_EQ(page.now_ms, wall_);
  EXPECT_EQ(page.watermark_ms, T0 + 90 * kMin);
  ASSERT_EQ(page.orders.size(), 1u);  // b (10m SLA) entered at W: not overdue
  EXPECT_EQ(page.orders[0].id, "a");
  EXPECT_EQ(page.watermark_ms - page.orders[0].entered_ms, 90 * kMin);  // not 6 hours

  const FoundOrder found = service_.find("b");
  EXPECT_EQ(found.now_ms, wall_);
  EXPECT_EQ(found.watermark_ms, T0 + 90 * kMin);

  const TrackerSummary sum = service_.summary();
  EXPECT_EQ(sum.watermark_ms, T0 + 90 * kMin);
  EXPECT_EQ(sum.now_ms, wall_);

  // The trend is sampled on W's time axis: the replayed hour, not the wall clock's.
  const TrendView trend = service_.trend();
  EXPECT_EQ(trend.now_ms, T0 + 90 * kMin);
  ASSERT_FALSE(trend.times_ms.empty());
  EXPECT_EQ(trend.times_ms.back(), T0 + 90 * kMin);
}

TEST_F(ReplayTest, BeforeWHasAPositionTheWallClockJudges) {
  const FoundOrder none = service_.find("x");
  EXPECT_EQ(none.watermark_ms, kWall);
  EXPECT_EQ(service_.summary().watermark_ms, kWall);
}

TEST_F(ReplayTest, TombstonesExpireWhenWPassesTheirTtl) {
  replay("a", 0, T0);
  // Finished while W = T0 (the last tick's): tombstoned until W + 10m, not wall clock + 10m.
  replay("a", 2, T0 + 1 * kMin);
  wall_ += 20 * kMin;  // the wall clock passes the ttl; W (behind, no event) does not
  service_.tick();
  EXPECT_EQ(replay("a", 1, T0 + 2 * kMin), ApplyResult::kStale);  // still kept out
  EXPECT_EQ(service_.find("a").order, std::nullopt);
  replay("z", 0, T0 + 10 * kMin - 1);  // a millisecond of W before its expiry: still kept
  EXPECT_EQ(replay("a", 1, T0 + 10 * kMin - 1), ApplyResult::kStale);
  replay("z", 1, T0 + 10 * kMin);                                        // W reaches it: expired
  EXPECT_EQ(replay("a", 1, T0 + 10 * kMin + 1), ApplyResult::kApplied);  // a new order now
}

// The catch-up ends and the source goes idle: W jumps hours ahead to the wall clock. A tombstone
// still keeps a redelivered event out for its ttl of wall clock (a restart re-reads what was
// not saved), then goes.
TEST_F(ReplayTest, ATombstoneOutlivesWsJumpToTheWallClockByItsTtl) {
  replay("a", 0, T0);
  replay("a", 2, T0 + 1 * kMin);
  service_.set_behind(false);
  wall_ += 2 * kMin;  // idle for longer than idle_timeout: W reaches the wall clock
  service_.tick();
  ASSERT_EQ(w(), wall_);
  wall_ += kS;
  EXPECT_EQ(service_.apply(event("a", 0, T0), wall_), ApplyResult::kStale);  // a redelivery
  EXPECT_EQ(service_.find("a").order, std::nullopt);
  wall_ += 10 * kMin;
  service_.tick();
  EXPECT_EQ(service_.apply(event("a", 0, T0), wall_), ApplyResult::kApplied);  // gone by now
}

TEST_F(ReplayTest, AnAcknowledgementLastsItsLengthOfW) {
  replay("a", 1, T0);
  replay("b", 0, T0 + 90 * kMin);
  ASSERT_EQ(overdue(1, 0), 1);
  // The request says "for 1h" (read from the wall clock); the service places it at W.
  const Acknowledgement asked{"alice", "on it", wall_, wall_ + kHour};
  const ActionOutcome out = service_.act(OrderAction::kAcknowledge, "a", asked);
  ASSERT_EQ(out.orders.size(), 1u);
  EXPECT_EQ(out.now_ms, wall_);
  EXPECT_EQ(out.watermark_ms, T0 + 90 * kMin);
  EXPECT_EQ(out.ack.at_ms, T0 + 90 * kMin);
  EXPECT_EQ(out.ack.until_ms, T0 + 150 * kMin);
  ASSERT_TRUE(out.orders[0].ack.has_value());
  EXPECT_EQ(out.orders[0].ack->until_ms, T0 + 150 * kMin);
  EXPECT_EQ(overdue(1, 0), 0);

  wall_ += 3 * kHour;  // hours of wall clock, no event (behind): W stays, the ack holds
  service_.tick();
  EXPECT_EQ(overdue(1, 0), 0);
  ASSERT_TRUE(service_.find("a").order->ack.has_value());

  replay("c", 0, T0 + 150 * kMin - 1);  // a millisecond of W before its end: still held
  EXPECT_EQ(overdue(1, 0), 0);
  replay("d", 0, T0 + 150 * kMin);  // W reaches until: expired, overdue again (page tier too)
  EXPECT_EQ(overdue(1, 0), 1);
  EXPECT_EQ(overdue(1, 1), 1);
  EXPECT_FALSE(service_.find("a").order->ack.has_value());
}

TEST_F(ReplayTest, ASnapshotKeepsTombstonesAndAcknowledgementsOnWsTime) {
  replay("a", 1, T0);
  replay("f", 0, T0 + 89 * kMin);
  replay("f", 2, T0 + 90 * kMin);  // tombstoned until T0 + 1h40m
  ASSERT_EQ(
      service_.act(OrderAction::kAcknowledge, "a", {"alice", "on it", 0, kHour}).orders.size(),
      1u);  // until T0 + 2h30m
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("judged_by_w_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
        ".snap"))
          .string();
  service_.save_snapshot(path);

  // Restored an hour of wall clock later, nothing consumed yet: W is the snapshot's.
  TrackerService restored(config_, [this] { return wall_; });
  wall_ += kHour;
  restored.load_snapshot(path);
  std::filesystem::remove(path);
  restored.set_behind(true);
  restored.tick();
  EXPECT_EQ(restored.summary().watermark_ms, T0 + 90 * kMin);
  const FoundOrder a = restored.find("a");
  ASSERT_TRUE(a.order.has_value());
  ASSERT_TRUE(a.order->ack.has_value());
  EXPECT_EQ(a.order->ack->until_ms, T0 + 150 * kMin);
  wall_ += 2 * kS;
  EXPECT_EQ(restored.apply(event("f", 1, T0 + 91 * kMin), wall_, std::nullopt, std::nullopt, true),
            ApplyResult::kStale);  // the tombstone held across the restore
}

}  // namespace
}  // namespace orderwatch::tracking
