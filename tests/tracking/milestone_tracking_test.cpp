// Milestones through the tracker service (issue 25's "Done when", at the tracker): the clocks
// follow applied events (a duplicate carrying a new promise moves it, a terminal status stops
// and frees the clock), W moves them at the tick, and the snapshot's counts say so.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kH = 3'600'000;
constexpr std::int64_t kDay0 = 1'796'515'200'000;  // 2026-12-06 00:00 UTC

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
statuses:
  - {name: Placed, sla: 1h}
  - {name: OnHold}
  - {name: Packing}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - name: shipped_in_24h
    from: [Placed]
    until: [Shipped]
    pause: [OnHold]
    sla: 24h
    escalations: [{after: 48h, severity: page}]
  - name: delivery_promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    warn_before: 6h
    severity: page
)";

class MilestoneTracking : public ::testing::Test {
 protected:
  MilestoneTracking() : service_(sla::load_string(kConfig), [this] { return now_; }) {}

  ApplyResult apply(const std::string& id, std::uint8_t status, std::int64_t t,
                    std::int64_t promise = 0) {
    now_ = std::max(now_, t);
    // Idle by the next tick: W follows the clock.
    return *service_.apply(test::promised(id, status, t, promise), now_ - 1);
  }
  TrackerSnapshot at(std::int64_t t) {
    now_ = t;
    service_.tick();
    TrackerSnapshot snap;
    service_.snapshot(snap);
    return snap;
  }
  static std::int64_t overdue(const TrackerSnapshot& s, std::size_t m, std::size_t k) {
    std::int64_t n = 0;
    for (const auto& v : s.milestones) n += v.milestone == m ? v.overdue[k] : 0;
    return n;
  }
  static std::int64_t sum(const TrackerSnapshot& s, std::size_t m,
                          std::int64_t MilestoneValues::*field) {
    std::int64_t n = 0;
    for (const auto& v : s.milestones) n += v.milestone == m ? v.*field : 0;
    return n;
  }

  std::int64_t now_ = kDay0;
  TrackerService service_;
};

TEST_F(MilestoneTracking, AHoldIsNotCountedAndANeverShippedOrderIsOverdueAfterIt) {
  for (const char* id : {"shipped", "stuck"}) {
    ASSERT_EQ(apply(id, 0, kDay0 + 10 * kH), ApplyResult::kApplied);
    ASSERT_EQ(apply(id, 1, kDay0 + 11 * kH), ApplyResult::kApplied);  // on hold 11:00-15:00
    ASSERT_EQ(apply(id, 2, kDay0 + 15 * kH), ApplyResult::kApplied);
  }
  EXPECT_EQ(sum(at(kDay0 + 12 * kH), 0, &MilestoneValues::paused), 0);
  ASSERT_EQ(apply("shipped", 3, kDay0 + 29 * kH), ApplyResult::kApplied);  // 05:00: 15h counted
  TrackerSnapshot before = at(kDay0 + 38 * kH - 1);
  EXPECT_EQ(before.milestone_met[0], 1u);
  EXPECT_EQ(overdue(before, 0, 0), 0);
  TrackerSnapshot due = at(kDay0 + 38 * kH);  // 14:00 the next day: 24h + the 4h hold
  EXPECT_EQ(overdue(due, 0, 0), 1);
  EXPECT_EQ(due.milestone_breaches[0][0], 1u);
  EXPECT_EQ(sum(due, 0, &MilestoneValues::in_progress), 1);
}

TEST_F(MilestoneTracking, APromiseIsAtRiskThenOverdueAndAMovedPromiseClearsIt) {
  ASSERT_EQ(apply("o1", 0, kDay0 + 8 * kH), ApplyResult::kApplied);
  EXPECT_EQ(sum(at(kDay0 + 8 * kH + 1), 1, &MilestoneValues::without_deadline), 1);
  // The promise comes with a later event of the same status: a duplicate still sets it.
  ASSERT_EQ(apply("o1", 0, kDay0 + 9 * kH, kDay0 + 18 * kH), ApplyResult::kDuplicate);
  EXPECT_EQ(overdue(at(kDay0 + 12 * kH - 1), 1, 0), 0);
  EXPECT_EQ(overdue(at(kDay0 + 12 * kH), 1, 0), 1);  // at risk from 12:00
  TrackerSnapshot late = at(kDay0 + 18 * kH);
  EXPECT_EQ(overdue(late, 1, 1), 1);  // overdue at 18:00
  ASSERT_EQ(apply("o1", 2, kDay0 + 18 * kH, kDay0 + 20 * kH), ApplyResult::kApplied);
  TrackerSnapshot moved = at(kDay0 + 18 * kH + 1);
  EXPECT_EQ(overdue(moved, 1, 1), 0);  // moved to 20:00: cleared
  EXPECT_EQ(moved.milestone_breaches[1][1], 1u);
  ASSERT_EQ(apply("o1", 4, kDay0 + 19 * kH), ApplyResult::kApplied);  // delivered: freed
  TrackerSnapshot done = at(kDay0 + 19 * kH + 1);
  EXPECT_EQ(sum(done, 1, &MilestoneValues::in_progress), 0);
  EXPECT_EQ(overdue(done, 1, 0), 0);
  EXPECT_EQ(done.milestone_met[1], 0u);  // its deadline tier was breached at 18:00
}

}  // namespace
}  // namespace orderwatch::tracking

namespace orderwatch::tracking {
namespace {

TEST_F(MilestoneTracking, TheDrillDownListsAMilestonesOverdueOrdersAndShowsEachClock) {
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(apply(id, 0, kDay0 + 10 * kH), ApplyResult::kApplied);
  }
  ASSERT_EQ(apply("b", 1, kDay0 + 11 * kH), ApplyResult::kApplied);  // on hold 11:00-15:00
  ASSERT_EQ(apply("b", 2, kDay0 + 15 * kH), ApplyResult::kApplied);
  ASSERT_EQ(apply("c", 1, kDay0 + 12 * kH), ApplyResult::kApplied);  // on hold from 12:00 on
  at(kDay0 + 36 * kH);  // 12:00 the next day: a is 26h in, b 22h, c paused at 2h
  OverdueQuery q;
  q.milestone = "shipped_in_24h";
  OverduePage page = service_.overdue(q);
  ASSERT_TRUE(page.error.empty()) << page.error;
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.total, 1u);
  EXPECT_EQ(page.orders[0].id, "a");
  at(kDay0 + 38 * kH);  // b's 24h + its 4h hold
  q.limit = 1;
  page = service_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.total, 2u);
  EXPECT_EQ(page.orders[0].id, "a");  // most overdue first
  ASSERT_TRUE(page.next.has_value());
  q.after = page.next;
  page = service_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].id, "b");
  EXPECT_FALSE(page.next.has_value());

  const auto found = service_.find("b");
  ASSERT_TRUE(found.order.has_value());
  ASSERT_EQ(found.order->milestones.size(), 2u);
  const MilestoneClockView& clock = found.order->milestones[0];
  EXPECT_EQ(clock.milestone, "shipped_in_24h");
  EXPECT_EQ(clock.state, "running");
  EXPECT_EQ(clock.started_ms, kDay0 + 10 * kH);
  EXPECT_EQ(clock.paused_ms, 4 * kH);
  EXPECT_EQ(clock.deadline_ms, kDay0 + 38 * kH);
  EXPECT_EQ(clock.severity, "warning");
  EXPECT_EQ(found.order->milestones[1].state, "running");  // the promise, none yet
  EXPECT_EQ(found.order->milestones[1].deadline_ms, 0);
  const auto c = service_.find("c");
  EXPECT_EQ(c.order->milestones[0].state, "paused");
  EXPECT_EQ(c.order->milestones[0].counted_ms, 2 * kH);

  q = OverdueQuery{};
  q.milestone = "nope";
  EXPECT_NE(service_.overdue(q).error.find("unknown milestone"), std::string::npos);
  q.milestone = "shipped_in_24h";
  q.severity = "critical";
  EXPECT_NE(service_.overdue(q).error.find("no tier with severity"), std::string::npos);
  const TrackerSummary sum = service_.summary();
  ASSERT_EQ(sum.milestones.size(), 2u);
  EXPECT_EQ(sum.milestones[0].in_progress, 3);
  EXPECT_EQ(sum.milestones[0].paused, 1);
  EXPECT_EQ(sum.milestones[0].overdue[0].second, 2);
  EXPECT_EQ(sum.milestones[1].without_deadline, 3);
}

}  // namespace
}  // namespace orderwatch::tracking

namespace orderwatch::tracking {
namespace {

std::int64_t overdue_of(const OrderTracker& t, std::size_t m, std::size_t k) {
  TrackerSnapshot s;
  t.snapshot(s);
  std::int64_t n = 0;
  for (const auto& v : s.milestones) n += v.milestone == m ? v.overdue[k] : 0;
  return n;
}

// A restart in the middle of a hold and of a promise: the clocks go on where they were.
TEST(MilestoneSnapshot, ClocksSurviveARestartMidHoldAndMidPromise) {
  const sla::Config cfg = sla::load_string(kConfig);
  OrderTracker before(cfg);
  auto apply = [](OrderTracker& t, const events::Event& e) { t.apply(e, e.time_ms); };
  apply(before, test::event("held", 0, kDay0 + 10 * kH));
  apply(before, test::event("held", 1, kDay0 + 11 * kH));  // on hold from 11:00
  apply(before, test::promised("promised", 0, kDay0 + 8 * kH, kDay0 + 18 * kH));
  apply(before, test::promised("early", 2, kDay0 + 9 * kH, kDay0 + 30 * kH));  // first seen inside
  before.tick(kDay0 + 13 * kH, false);
  std::string image;
  before.save_state(image, 0, kDay0 + 13 * kH);
  seal_snapshot(image);

  OrderTracker after(cfg);
  after.load_state(image, "test.snap");
  after.tick(kDay0 + 13 * kH, false);
  const auto held = after.find("held");
  ASSERT_TRUE(held.has_value());
  ASSERT_EQ(held->milestones.size(), 2u);
  EXPECT_EQ(held->milestones[0].state, "paused");
  EXPECT_EQ(held->milestones[0].started_ms, kDay0 + 10 * kH);
  EXPECT_EQ(held->milestones[0].counted_ms, 1 * kH);
  const auto early = after.find("early");
  ASSERT_TRUE(early.has_value());
  ASSERT_EQ(early->milestones.size(), 2u);  // started at its first event, in Packing
  EXPECT_EQ(early->milestones[0].started_ms, kDay0 + 9 * kH);
  EXPECT_EQ(early->milestones[1].deadline_ms, kDay0 + 30 * kH);
  EXPECT_EQ(overdue_of(after, 1, 0), 1);  // "promised" is at risk since 12:00
  // The hold ends at 15:00: due at 10:00 + 24h + 4h the next day, not before.
  apply(after, test::event("held", 2, kDay0 + 15 * kH));
  after.tick(kDay0 + 38 * kH - 1, false);
  const std::size_t before_due = static_cast<std::size_t>(overdue_of(after, 0, 0));
  after.tick(kDay0 + 38 * kH, false);
  EXPECT_EQ(overdue_of(after, 0, 0), static_cast<std::int64_t>(before_due) + 1);
  const auto moved = after.find("held");
  EXPECT_EQ(moved->milestones[0].paused_ms, 4 * kH);
  EXPECT_EQ(moved->milestones[0].deadline_ms, kDay0 + 38 * kH);
}

// An sla milestone on a calendar counts open time only: Mon-Fri 09:00-17:00 UTC, 8h of it.
TEST(MilestoneCalendar, OpenTimeIsCountedAndTheDeadlineFallsInOpenHours) {
  const sla::Config cfg = sla::load_string(R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
calendars:
  office: {timezone: UTC, hours: {mon-fri: "09:00-17:00"}}
statuses:
  - {name: Placed}
  - {name: OnHold}
  - {name: Shipped, terminal: true}
milestones:
  - {name: answered, from: [Placed], until: [Shipped], pause: [OnHold], sla: 8h, calendar: office}
)");
  OrderTracker t(cfg);
  const std::int64_t friday = kDay0 - 2 * 24 * kH;                   // 2026-12-04, a Friday
  t.apply(test::event("o", 0, friday + 13 * kH), friday + 13 * kH);  // 4h left on Friday
  t.tick(friday + 17 * kH, false);
  t.tick(kDay0 + 24 * kH + 13 * kH - 1, false);  // Monday 12:59: 7h59m counted
  EXPECT_EQ(overdue_of(t, 0, 0), 0);
  const auto o = t.find("o");
  ASSERT_EQ(o->milestones.size(), 1u);
  EXPECT_EQ(o->milestones[0].deadline_ms, kDay0 + 24 * kH + 13 * kH);  // Monday 13:00
  EXPECT_EQ(o->milestones[0].calendar, "office");
  t.tick(kDay0 + 24 * kH + 13 * kH, false);
  EXPECT_EQ(overdue_of(t, 0, 0), 1);
}

}  // namespace
}  // namespace orderwatch::tracking

namespace orderwatch::tracking {
namespace {

// A reload keeps every clock and its counters, and judges the clocks by the new tiers at once.
TEST_F(MilestoneTracking, AReloadKeepsTheClocksAndJudgesThemByTheNewSla) {
  ASSERT_EQ(apply("met", 0, kDay0 + 1 * kH), ApplyResult::kApplied);
  ASSERT_EQ(apply("met", 3, kDay0 + 2 * kH), ApplyResult::kApplied);  // shipped in 1h
  ASSERT_EQ(apply("slow", 0, kDay0 + 10 * kH), ApplyResult::kApplied);
  ASSERT_EQ(apply("slow", 1, kDay0 + 11 * kH), ApplyResult::kApplied);  // on hold 11:00-15:00
  ASSERT_EQ(apply("slow", 2, kDay0 + 15 * kH), ApplyResult::kApplied);
  TrackerSnapshot before = at(kDay0 + 32 * kH);  // 18h counted
  EXPECT_EQ(before.milestone_met[0], 1u);
  EXPECT_EQ(overdue(before, 0, 0), 0);
  std::string text = kConfig;
  text.replace(text.find("sla: 24h"), 8, "sla: 18h");
  service_.reload(sla::load_string(text));
  TrackerSnapshot after = at(kDay0 + 32 * kH);
  EXPECT_EQ(after.milestone_met[0], 1u);          // carried
  EXPECT_EQ(overdue(after, 0, 0), 1);             // 18h counted: past the new 18h at once
  EXPECT_EQ(after.milestone_breaches[0][0], 1u);  // and a breach, once
  const auto slow = service_.find("slow");
  ASSERT_TRUE(slow.order.has_value());
  EXPECT_EQ(slow.order->milestones[0].paused_ms, 4 * kH);
  EXPECT_EQ(slow.order->milestones[0].deadline_ms, kDay0 + 32 * kH);
}

}  // namespace
}  // namespace orderwatch::tracking

namespace orderwatch::tracking {
namespace {

// First seen between a milestone's from and until statuses: its clock starts at that event;
// first seen past its until status: it never starts (the order is done with it).
TEST(MilestoneFirstSight, AnOrderFirstSeenInsideStartsTheClockAndOnePastUntilDoesNot) {
  const sla::Config cfg = sla::load_string(R"(
service: shop
nats: {subject: orders.>}
statuses:
  - {name: Placed}
  - {name: Packing}
  - {name: Shipped}
  - {name: InTransit}
  - {name: Delivered, terminal: true}
milestones:
  - {name: shipped_in_24h, from: [Placed], until: [Shipped], sla: 24h}
  - {name: delivered_in_3d, from: [Placed], until: [Delivered], sla: 72h}
)");
  OrderTracker t(cfg);
  t.apply(test::event("packing", 1, kDay0 + 10 * kH), kDay0 + 10 * kH);
  t.apply(test::event("transit", 3, kDay0 + 11 * kH), kDay0 + 11 * kH);
  const auto packing = t.find("packing");
  ASSERT_EQ(packing->milestones.size(), 2u);
  EXPECT_EQ(packing->milestones[0].started_ms, kDay0 + 10 * kH);
  const auto transit = t.find("transit");
  ASSERT_EQ(transit->milestones.size(), 1u);  // past Shipped: only the 3-day clock
  EXPECT_EQ(transit->milestones[0].milestone, "delivered_in_3d");
  EXPECT_EQ(transit->milestones[0].started_ms, kDay0 + 11 * kH);
}

}  // namespace
}  // namespace orderwatch::tracking
