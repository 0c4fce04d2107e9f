// Late milestone clocks (issue 25 with the watermark): a clock that starts already past a tier
// as of W while the arriving events trail W -- a backfill started beside live traffic -- is
// neither overdue nor a breach on its old time alone. Its tiers count as breaches once the
// backfill passes their deadlines with the clock still running, and it counts as overdue once
// the arriving events catch up with W; a clock its own next event stops in time is met, with
// no false breach. As tests/tracking/watermark_test.cpp's PacedTest does for stays.
#include <gtest/gtest.h>

#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/tracker.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'000'000;
constexpr bool kLive = false;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 30s}
statuses:
  - {name: Placed}
  - {name: Packing}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - name: shipped_fast
    from: [Placed]
    until: [Shipped]
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: promise, from: [Placed], until: [Delivered], deadline_field: promisedBy, severity: page}
)";

enum S : std::uint8_t { Placed, Packing, Shipped, Delivered };

class MilestoneLate : public ::testing::Test {
 protected:
  MilestoneLate() : config_(sla::load_string(kConfig)), tracker_(config_) {
    tracker_.tick(T0 - 30 * kS, kLive);
    tracker_.tick(T0, kLive);  // idle: W at the wall clock; then a backfill starts beside live
  }
  void apply(const std::string& id, S status, std::int64_t t, std::int64_t now,
             std::int64_t promise = 0) {
    tracker_.apply(test::promised(id, status, t, promise), now);
  }
  TrackerSnapshot snap() const {
    TrackerSnapshot s;
    tracker_.snapshot(s);
    return s;
  }
  std::int64_t overdue(std::size_t m, std::size_t k) const {
    std::int64_t n = 0;
    for (const auto& v : snap().milestones) n += v.milestone == m ? v.overdue.at(k) : 0;
    return n;
  }
  std::uint64_t breaches(std::size_t m, std::size_t k) const {
    return snap().milestone_breaches.at(m).at(k);
  }

  sla::Config config_;
  OrderTracker tracker_;
};

TEST_F(MilestoneLate, AClockStoppedByTheBackfillItCameWithIsMetWithNoFalseBreach) {
  ASSERT_EQ(tracker_.watermark_ms(), T0);
  apply("b1", Placed, T0 - 1800 * kS, T0);  // 30 min old as of W: past both tiers
  apply("live", Placed, T0, T0);
  tracker_.tick(T0 + 500, kLive);  // the arriving events are at T0 - 1800s
  EXPECT_EQ(overdue(0, 0), 0);
  EXPECT_EQ(breaches(0, 0), 0u);
  apply("b1", Shipped, T0 - 1795 * kS, T0 + 900);  // shipped 5s after: met
  for (std::int64_t now = T0 + 2 * kS; now < T0 + 20 * kS; now += 500) {
    apply("b2", Placed, T0 - 1790 * kS, now);  // the backfill goes on (then duplicates)
    tracker_.tick(now, kLive);
    EXPECT_EQ(overdue(0, 0), 0) << now;  // b2 waits for the backfill to pass its deadline
    EXPECT_EQ(breaches(0, 0), 0u) << now;
  }
  EXPECT_EQ(snap().milestone_met.at(0), 1u);
  // The backfill stops: after the idle timeout b2, still not shipped, is confirmed.
  tracker_.tick(T0 + 20 * kS + 30 * kS, kLive);
  EXPECT_EQ(overdue(0, 0), 1);  // b2 ("live", placed 50s ago, is not past 60s)
  EXPECT_EQ(overdue(0, 1), 1);
  EXPECT_EQ(breaches(0, 0), 1u);
  EXPECT_EQ(breaches(0, 1), 1u);
}

TEST_F(MilestoneLate, ALateClockCountsItsBreachAsTheBackfillPassesAndIsOverdueOnceItCatchesUp) {
  apply("s", Placed, T0 - 1800 * kS, T0, T0 - 1700 * kS);  // both clocks late
  std::int64_t now = T0;
  // The backfill goes on (orders first seen Shipped: no clock of theirs), 2s of event time per
  // 100 ms; the arrival window (1 s) trails its newest event by 20 s.
  for (std::int64_t t = T0 - 1790 * kS; t < T0 - 1700 * kS; t += 2 * kS) {
    now += 100;
    apply("other" + std::to_string(t), Shipped, t, now);
    apply("live", Shipped, now, now);
    tracker_.tick(now, kLive);
  }
  // Past s's first deadline (T0 - 1740s), not its second (T0 - 1680s) nor its promise.
  EXPECT_EQ(breaches(0, 0), 1u);
  EXPECT_EQ(breaches(0, 1), 0u);
  EXPECT_EQ(breaches(1, 0), 0u);
  EXPECT_EQ(overdue(0, 0), 0);  // as of W its next event may still come
  EXPECT_EQ(tracker_.find("s")->milestones.at(0).tiers_crossed, 0);
  for (std::int64_t t = T0 - 1700 * kS; t < T0 - 1600 * kS; t += 2 * kS) {
    now += 100;
    apply("other" + std::to_string(t), Shipped, t, now);
    tracker_.tick(now, kLive);
  }
  EXPECT_EQ(breaches(0, 1), 1u);
  EXPECT_EQ(breaches(1, 0), 1u);  // the promise (T0 - 1700s) passed too
  EXPECT_EQ(overdue(1, 0), 0);
  // The backfill ends; a second of live events only: the arriving events reach W.
  for (int i = 0; i < 15; ++i) {
    now += 100;
    apply("live" + std::to_string(i), Shipped, now, now);
    tracker_.tick(now, kLive);
  }
  EXPECT_EQ(overdue(0, 0), 1);
  EXPECT_EQ(overdue(0, 1), 1);
  EXPECT_EQ(overdue(1, 0), 1);
  EXPECT_EQ(breaches(0, 0), 1u);  // each counted once
  EXPECT_EQ(breaches(0, 1), 1u);
  EXPECT_EQ(breaches(1, 0), 1u);
  EXPECT_EQ(tracker_.find("s")->milestones.at(0).tiers_crossed, 2);
}

// Live, a straggler past a tier on arrival: its own time holds the arriving events back for
// the arrival window (a second); once they are past its deadline and back at W it is a breach
// and overdue.
TEST_F(MilestoneLate, ALiveStragglerCountsOnceTheArrivalsPassItsDeadlineAndAreBackAtW) {
  std::int64_t now = T0;
  for (int i = 0; i < 15; ++i) {
    now += 100;
    apply("live" + std::to_string(i), Packing, now, now);
    tracker_.tick(now, kLive);
  }
  apply("old", Placed, now - 90 * kS, now);
  tracker_.tick(now, kLive);
  EXPECT_EQ(overdue(0, 0), 0);
  EXPECT_EQ(breaches(0, 0), 0u);
  for (int i = 0; i < 15; ++i) {
    now += 100;
    apply("more" + std::to_string(i), Packing, now, now);
    tracker_.tick(now, kLive);
  }
  EXPECT_EQ(overdue(0, 0), 1);
  EXPECT_EQ(breaches(0, 0), 1u);
}

}  // namespace
}  // namespace orderwatch::tracking
