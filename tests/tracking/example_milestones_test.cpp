// examples/sla.yaml's milestones and the README's timelines ("Milestones"): a real OrderTracker
// on the example's own config, fed the timelines' events and ticked at the instants the README
// names, says what the README says -- the hold is not counted, the never-shipped order is
// overdue at 14:00 the next day and not before, the promise is at risk from 12:00, overdue at
// 18:00, and moving it to 20:00 clears that. All times UTC, 2026-12-07 = day 0.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kMin = 60'000;
constexpr std::int64_t kH = 60 * kMin;
constexpr std::int64_t kDay0 = 1'796'601'600'000;  // 2026-12-07 00:00 UTC

// Day 0 (or day 1) at hh:mm, UTC.
constexpr std::int64_t at(int hh, int mm = 0, int day = 0) {
  return kDay0 + day * 24 * kH + hh * kH + mm * kMin;
}

const sla::Config& example() {
  static const sla::Config c = sla::load_file(ORDERWATCH_SOURCE_DIR "/examples/sla.yaml");
  return c;
}

std::uint8_t status(const char* name) {
  const int i = example().status_index(name);
  if (i < 0) throw std::runtime_error(std::string("examples/sla.yaml has no status ") + name);
  return static_cast<std::uint8_t>(i);
}

std::size_t milestone(const char* name) {
  const auto& ms = example().milestones;
  for (std::size_t m = 0; m < ms.size(); ++m) {
    if (ms[m].name == name) return m;
  }
  throw std::runtime_error(std::string("examples/sla.yaml has no milestone ") + name);
}

// The tier of milestone `m` with this severity.
std::size_t tier(std::size_t m, const char* severity) {
  const auto& tiers = example().milestones[m].tiers;
  for (std::size_t k = 0; k < tiers.size(); ++k) {
    if (tiers[k].severity == severity) return k;
  }
  throw std::runtime_error(std::string("no tier ") + severity);
}

class ExampleMilestones : public ::testing::Test {
 protected:
  // One event at its own time (the wall clock then); `promise`: the promisedBy it carries.
  void apply(const char* id, const char* to, std::int64_t t, std::int64_t promise = 0) {
    events::Event e;
    e.id = id;
    e.status = status(to);
    e.time_ms = t;
    if (promise != 0) {
      const auto slot = example().milestones[milestone("delivery_promise")].deadline_slot;
      e.deadline_ms[slot] = promise;
      e.has_deadline = static_cast<std::uint8_t>(1u << slot);
    }
    const auto r = tracker_.apply(e, t);
    ASSERT_TRUE(r == ApplyResult::kApplied || r == ApplyResult::kDuplicate) << id << " " << to;
    tracker_.tick(t);
  }
  // The counts as of W = t (the stream idle since the last event: W follows the clock).
  TrackerSnapshot as_of(std::int64_t t) {
    tracker_.tick(t);
    EXPECT_EQ(tracker_.watermark_ms(), t);
    TrackerSnapshot s;
    tracker_.snapshot(s);
    return s;
  }
  static std::int64_t overdue(const TrackerSnapshot& s, std::size_t m, std::size_t k) {
    std::int64_t n = 0;
    for (const auto& v : s.milestones) n += v.milestone == m ? v.overdue.at(k) : 0;
    return n;
  }
  static std::int64_t paused(const TrackerSnapshot& s, std::size_t m) {
    std::int64_t n = 0;
    for (const auto& v : s.milestones) n += v.milestone == m ? v.paused : 0;
    return n;
  }

  OrderTracker tracker_{example()};
};

// | 10:00 Placed | 11:00 OnHold | 15:00 Placed (released) | 05:00 next day Shipped |: 19h, less
// the 4h hold, is 15h counted: shipped_in_24h met.
TEST_F(ExampleMilestones, ShippedAfter19hWithA4hHoldMetShippedIn24h) {
  const auto m = milestone("shipped_in_24h");
  apply("ord-1", "Placed", at(10));
  apply("ord-1", "OnHold", at(11));
  EXPECT_EQ(paused(as_of(at(14, 59)), m), 1);
  apply("ord-1", "Placed", at(15));
  EXPECT_EQ(paused(as_of(at(15, 1)), m), 0);
  apply("ord-1", "Shipped", at(5, 0, 1));
  const auto s = as_of(at(14, 0, 1));
  EXPECT_EQ(s.milestone_met[m], 1u);
  EXPECT_EQ(s.milestone_breaches[m][tier(m, "warning")], 0u);
  EXPECT_EQ(overdue(s, m, tier(m, "warning")), 0);
}

// The same order never shipped: overdue (warning) at 14:00 the next day -- 24h counted once
// the 4h hold is added -- and not a millisecond before.
TEST_F(ExampleMilestones, NeverShippedIsOverdueAt14hNextDayAndNotBefore) {
  const auto m = milestone("shipped_in_24h");
  const auto warning = tier(m, "warning");
  apply("ord-2", "Placed", at(10));
  apply("ord-2", "OnHold", at(11));
  apply("ord-2", "Placed", at(15));
  apply("ord-2", "Authorized", at(15, 30));
  EXPECT_EQ(overdue(as_of(at(10, 0, 1)), m, warning), 0) << "24h of wall time is not enough";
  EXPECT_EQ(overdue(as_of(at(13, 59, 1)), m, warning), 0);
  EXPECT_EQ(overdue(as_of(at(14, 0, 1) - 1), m, warning), 0);
  const auto due = as_of(at(14, 0, 1));
  EXPECT_EQ(overdue(due, m, warning), 1);
  EXPECT_EQ(due.milestone_breaches[m][warning], 1u);
  EXPECT_EQ(overdue(due, m, tier(m, "page")), 0);
  EXPECT_EQ(due.milestone_met[m], 0u);
}

// promisedBy 18:00 with warn_before 6h: at risk from 12:00 (not 11:59), overdue at 18:00; a
// later event moving the promise to 20:00 clears the overdue (still at risk); the breach stays.
TEST_F(ExampleMilestones, PromiseAtRiskFrom12OverdueAt18ClearedByAMoveTo20) {
  const auto m = milestone("delivery_promise");
  const auto at_risk = tier(m, "warning");
  const auto late = tier(m, "page");
  apply("ord-3", "Placed", at(10), at(18));
  EXPECT_EQ(overdue(as_of(at(11, 59)), m, at_risk), 0);
  auto s = as_of(at(12));
  EXPECT_EQ(overdue(s, m, at_risk), 1);
  EXPECT_EQ(overdue(s, m, late), 0);
  EXPECT_EQ(overdue(as_of(at(17, 59)), m, late), 0);
  s = as_of(at(18));
  EXPECT_EQ(overdue(s, m, late), 1);
  EXPECT_EQ(s.milestone_breaches[m][late], 1u);
  apply("ord-3", "Shipped", at(18, 30), at(20));  // the carrier's new estimate
  s = as_of(at(18, 31));
  EXPECT_EQ(overdue(s, m, late), 0);
  EXPECT_EQ(overdue(s, m, at_risk), 1);
  EXPECT_EQ(s.milestone_breaches[m][late], 1u);
  apply("ord-3", "Delivered", at(19, 30));
  s = as_of(at(19, 31));
  EXPECT_EQ(overdue(s, m, at_risk), 0);
  EXPECT_EQ(s.milestone_met[m], 0u) << "breached at 18:00, so not met";
}

}  // namespace
}  // namespace orderwatch::tracking
