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

TEST(WatermarkRule, FollowsEventTimesWhileBehindAndTheWallClockOnceCaughtUp) {
  Watermark w(5);
  EXPECT_EQ(w.next(1000, true), kNever);  // behind, no event yet: no position
  w.saw_event(900);
  w.saw_event(800);  // older: the newest stays
  EXPECT_EQ(w.newest_event_ms(), 900);
  EXPECT_EQ(w.next(1000, true), 895);
  w.move_to(895);
  EXPECT_EQ(w.next(1000, false), 995);
  w.move_to(995);
  EXPECT_EQ(w.lag_ms(), 5);
}

TEST(WatermarkRule, NeverMovesBackNorPastTheWallClockExceptWithAClockThatSteppedBack) {
  Watermark w(0);
  w.move_to(w.next(1000, false));
  w.saw_event(2000);                    // an event from the future
  EXPECT_EQ(w.next(1100, true), 1100);  // not past the wall clock
  w.move_to(1100);
  EXPECT_EQ(w.next(1200, true), 1200);
  w.move_to(1200);
  w.saw_event(0);
  EXPECT_EQ(w.next(1300, false), 1300);
  w.move_to(1300);
  EXPECT_EQ(w.next(1250, false), 1250);  // the wall clock stepped back: W follows it down
  EXPECT_EQ(w.exported_ms(), 1300);      // not committed until move_to
}

}  // namespace
}  // namespace orderwatch::tracking
