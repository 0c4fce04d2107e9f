// The tracker's parts on their own: the deadline model (tiers past, the inversion to cutoffs,
// moving them with W, the breach judgement of a stay) and the watermark's rule. The tracker
// tests (watermark_test.cpp, tracker_test.cpp) cover them through OrderTracker.
#include <gtest/gtest.h>

#include <vector>

#include "deadlines.h"
#include "watermark.h"

namespace orderwatch::tracking {
namespace {

struct Range {
  std::size_t tier;
  std::int64_t lo, hi;
  friend bool operator==(const Range&, const Range&) = default;
};

TEST(StatusDeadlines, PastAndTiersPastFollowTheCutoffs) {
  StatusDeadlines d({10, 60});
  EXPECT_EQ(d.tiers(), 2u);
  EXPECT_EQ(d.tiers_past(0), 0u);  // no position yet: nothing is past
  ASSERT_TRUE(d.set_position(100));
  EXPECT_EQ(d.cutoff(0), 90);
  EXPECT_EQ(d.cutoff(1), 40);
  EXPECT_EQ(d.tiers_past(91), 0u);
  EXPECT_EQ(d.tiers_past(90), 1u);  // deadline 100 <= W: past
  EXPECT_EQ(d.tiers_past(40), 2u);
  EXPECT_TRUE(d.past(40, 1));
  EXPECT_FALSE(d.past(41, 1));
  EXPECT_EQ(d.deadline(40, 1), 100);
}

TEST(StatusDeadlines, MoveToReportsTheEntryRangesThatCrossedEitherWay) {
  StatusDeadlines d({10, 60});
  ASSERT_TRUE(d.set_position(100));
  std::vector<Range> up, down;
  auto crossed = [&](std::size_t k, std::int64_t lo, std::int64_t hi) {
    up.push_back({k, lo, hi});
  };
  auto uncrossed = [&](std::size_t k, std::int64_t lo, std::int64_t hi) {
    down.push_back({k, lo, hi});
  };
  d.move_to(130, crossed, uncrossed);
  EXPECT_EQ(up, (std::vector<Range>{{0, 90, 120}, {1, 40, 70}}));
  EXPECT_TRUE(down.empty());
  up.clear();
  d.move_to(110, crossed, uncrossed);  // a wall clock that stepped back
  EXPECT_TRUE(up.empty());
  EXPECT_EQ(down, (std::vector<Range>{{0, 100, 120}, {1, 50, 70}}));
  down.clear();
  d.move_to(110, crossed, uncrossed);  // same W: nothing
  EXPECT_TRUE(up.empty() && down.empty());
}

TEST(StatusDeadlines, AStayRanPastItsDeadlineWhenItLeftAtOrAfterIt) {
  StatusDeadlines d({10});
  EXPECT_FALSE(d.ran_past(100, 109, 0));
  EXPECT_TRUE(d.ran_past(100, 110, 0));
}

TEST(StatusDeadlines, AnInversionThatOverflowsIsRefused) {
  std::int64_t cutoff = 0;
  EXPECT_TRUE(StatusDeadlines::invert(100, 10, &cutoff));
  EXPECT_EQ(cutoff, 90);
  EXPECT_FALSE(StatusDeadlines::invert(kNever + 5, 10, &cutoff));
  StatusDeadlines d({10});
  EXPECT_FALSE(d.set_position(kNever + 5));
  EXPECT_TRUE(d.set_position(kNever));  // no position
  EXPECT_EQ(d.cutoff(0), kNever);
}

TEST(DeadlineModel, HasAStatusPerConfigStatusAndTheWidestTierCount) {
  sla::Config cfg;
  cfg.statuses.resize(2);
  cfg.statuses[0].tiers.resize(1);
  cfg.statuses[1].tiers.resize(3);
  const DeadlineModel m(cfg);
  EXPECT_EQ(m.statuses(), 2u);
  EXPECT_EQ(m.max_tiers(), 3u);
  EXPECT_EQ(m[1].tiers(), 3u);
}

constexpr std::int64_t kIdle = 30'000;

TEST(WatermarkRule, FollowsTheOldestRecentEventTimeWhateverIngestSays) {
  Watermark w(5, kIdle);
  EXPECT_EQ(w.next(1000, true), kNever);   // no event yet: no position
  EXPECT_EQ(w.next(1000, false), kNever);  // caught up is no position either (not idle yet)
  w.saw_event(900, 1000);
  w.saw_event(800, 1000);  // older: W waits for it
  EXPECT_EQ(w.newest_event_ms(), 900);
  EXPECT_EQ(w.next(1000, false), 795);  // not the wall clock: events say where the stream is
  EXPECT_EQ(w.next(1000, true), 795);
  w.move_to(795);
  w.saw_event(950, 1600);
  EXPECT_EQ(w.next(1600, false), 795);  // 800 arrived within the window still
  EXPECT_EQ(w.next(2100, false), 945);  // it left the window; 950 is the oldest recent one
  w.move_to(945);
  EXPECT_EQ(w.next(2700, false), 945);  // nothing recent, not idle: W holds
  EXPECT_EQ(w.lag_ms(), 2700 - 945);
}

TEST(WatermarkRule, APacedBackfillIsJudgedByItsEventTimesBetweenItsChunks) {
  // Chunks every 20 ms of events two hours old, the client's queue empty between them: the
  // rule that made W jump to the wall clock there is gone.
  Watermark w(0, kIdle);
  const std::int64_t t0 = 10'000'000;
  std::int64_t event = t0 - 7'200'000;
  for (std::int64_t now = t0; now < t0 + 3000; now += 20) {
    for (int i = 0; i < 200; ++i) w.saw_event(event += 10, now);
    const std::int64_t next = w.next(now + 10, false);  // a tick between two chunks
    EXPECT_LE(next, event);
    EXPECT_LT(next, t0 - 3'600'000);
    w.move_to(next);
  }
}

TEST(WatermarkRule, ABackfillMixedWithLiveTrafficHoldsWAtTheBackfill) {
  Watermark w(0, kIdle);
  const std::int64_t t0 = 10'000'000;
  for (std::int64_t now = t0; now < t0 + 2000; now += 20) {
    w.saw_event(now, now);                           // live
    w.saw_event(now - 3'600'000 + (now - t0), now);  // the backfill, an hour behind
    const std::int64_t next = w.next(now, false);
    EXPECT_LE(next, now - 3'600'000 + (now - t0));
    w.move_to(next);
  }
  // The backfill ends: W catches up with the live events within the window.
  for (std::int64_t now = t0 + 2000; now < t0 + 3100; now += 20) w.saw_event(now, now);
  EXPECT_GE(w.next(t0 + 3100, false), t0 + 3100 - Watermark::kWindowMs);
}

TEST(WatermarkRule, AnIdleSourceLetsTheWallClockMoveWUnlessIngestKnowsOfMore) {
  Watermark w(5, kIdle);
  EXPECT_EQ(w.next(1000, false), kNever);  // the first tick: idle counts from here
  EXPECT_EQ(w.next(1000 + kIdle - 1, false), kNever);
  EXPECT_EQ(w.next(1000 + kIdle, false), 1000 + kIdle - 5);
  EXPECT_EQ(w.next(1000 + kIdle, true), kNever);  // behind: the stream holds more
  w.saw_event(100, 2000);
  w.move_to(95);
  EXPECT_EQ(w.next(2000 + kIdle - 1, false), 95);  // the last event's window is over: holds
  EXPECT_EQ(w.next(2000 + kIdle, false), 2000 + kIdle - 5);  // idle: the wall clock
  EXPECT_EQ(w.horizon(2000 + kIdle, false), 2000 + kIdle - 5);
  EXPECT_EQ(w.horizon(2000 + kIdle, true), kNever);
}

TEST(WatermarkRule, NeverMovesBackNorPastTheWallClockExceptWithAClockThatSteppedBack) {
  Watermark w(0, kIdle);
  w.saw_event(2000, 1000);              // an event from the future
  EXPECT_EQ(w.next(1100, true), 1100);  // not past the wall clock
  w.move_to(1100);
  EXPECT_EQ(w.next(1200, true), 1200);
  w.move_to(1200);
  w.saw_event(0, 1300);  // a straggler: W does not go back
  EXPECT_EQ(w.next(1300, false), 1200);
  EXPECT_EQ(w.horizon(1300, false), 0);  // but late stays wait for it (LateEntries)
  EXPECT_EQ(w.next(1150, false), 1150);  // the wall clock stepped back: W follows it down
  EXPECT_EQ(w.exported_ms(), 1200);      // not committed until move_to
}

}  // namespace
}  // namespace orderwatch::tracking
