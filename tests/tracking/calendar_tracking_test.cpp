// Calendar statuses through the tracker service (issue 24's "Done when", at the tracker): an
// order entering a 4-business-hour status on Friday 17:30 (Mon-Fri 09:00-18:00 Europe/Berlin)
// is overdue on Monday at 12:30 and not a millisecond before; a cut-off status on either side of
// its cut-off; stays within SLA counted in order_sla_met_total and their open time observed;
// a reload with a changed holiday list re-judges every tracked order.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::tracking {
namespace {

// Local Berlin times (CET, UTC+1) as epoch ms.
constexpr std::int64_t kFri1730 = 1'796'401'800'000;  // 2026-12-04 17:30
constexpr std::int64_t kFri1359 = 1'796'389'140'000;  // 2026-12-04 13:59
constexpr std::int64_t kFri1400 = 1'796'389'200'000;  // 2026-12-04 14:00
constexpr std::int64_t kFri1800 = 1'796'403'600'000;  // 2026-12-04 18:00
constexpr std::int64_t kMon0900 = 1'796'630'400'000;  // 2026-12-07 09:00
constexpr std::int64_t kMon1000 = 1'796'634'000'000;  // 2026-12-07 10:00
constexpr std::int64_t kMon1230 = 1'796'643'000'000;  // 2026-12-07 12:30
constexpr std::int64_t kMon1630 = 1'796'657'400'000;  // 2026-12-07 16:30
constexpr std::int64_t kMon1800 = 1'796'662'800'000;  // 2026-12-07 18:00
constexpr std::int64_t kTue1230 = 1'796'729'400'000;  // 2026-12-08 12:30

std::string config(const std::string& holidays = "[2026-12-24]") {
  return R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-18:00"}, holidays: )" +
         holidays + R"(}
statuses:
  - {name: Placed, sla: 1h}
  - name: Review
    calendar: office
    sla: 4h
    escalations: [{after: 8h, severity: page}]
  - name: Packed
    calendar: office
    cutoff: "14:00"
    due: "18:00"
  - {name: Delivered, terminal: true}
)";
}

class CalendarTracking : public ::testing::Test {
 protected:
  CalendarTracking() : service_(sla::load_string(config()), [this] { return now_; }) {}

  void apply(const std::string& id, std::uint8_t status, std::int64_t t) {
    events::Event e;
    e.id = id;
    e.status = status;
    e.time_ms = t;
    now_ = std::max(now_, t);
    // Arrived just before the next tick: the source is idle by then (idle_timeout 1ms), so W
    // follows the clock.
    ASSERT_EQ(service_.apply(e, now_ - 1), ApplyResult::kApplied);
  }
  // W = t, then the counts as of it.
  TrackerSnapshot at(std::int64_t t) {
    now_ = t;
    service_.tick();
    TrackerSnapshot snap;
    service_.snapshot(snap);
    EXPECT_EQ(snap.watermark_ms, t);
    return snap;
  }
  static std::int64_t overdue(const TrackerSnapshot& snap, std::size_t status, std::size_t tier) {
    std::int64_t n = 0;
    for (const auto& v : snap.series) {
      if (v.status == status && tier < v.overdue.size()) n += v.overdue[tier];
    }
    return n;
  }
  static const SeriesValues* series(const TrackerSnapshot& snap, std::size_t status) {
    for (const auto& v : snap.series) {
      if (v.status == status && v.open_duration.count > 0) return &v;
    }
    return nullptr;
  }

  std::int64_t now_ = kFri1730 - 60'000;
  TrackerService service_;
};

TEST_F(CalendarTracking, FridayEveningEntryIsOverdueMondayAt1230AndNotBefore) {
  apply("o1", 1, kFri1730);
  // The weekend, closed: nothing counts.
  EXPECT_EQ(overdue(at(kFri1730 + 2 * 3'600'000), 1, 0), 0);
  EXPECT_EQ(overdue(at(kMon0900), 1, 0), 0);
  TrackerSnapshot before = at(kMon1230 - 1);
  EXPECT_EQ(overdue(before, 1, 0), 0);
  EXPECT_EQ(before.breaches[1][0], 0u);
  TrackerSnapshot due = at(kMon1230);
  EXPECT_EQ(overdue(due, 1, 0), 1);
  EXPECT_EQ(due.breaches[1][0], 1u);
  EXPECT_EQ(overdue(due, 1, 1), 0);  // 8 open hours: Monday 16:30
  EXPECT_EQ(overdue(at(kMon1630 - 1), 1, 1), 0);
  TrackerSnapshot paged = at(kMon1630);
  EXPECT_EQ(overdue(paged, 1, 1), 1);
  EXPECT_EQ(paged.breaches[1][1], 1u);
  const auto found = service_.find("o1");
  ASSERT_TRUE(found.order);
  EXPECT_EQ(found.order->deadline_ms, kMon1230);
  EXPECT_EQ(found.order->deadline_local, "2026-12-07T12:30:00+01:00");
  EXPECT_EQ(found.order->calendar, "office");
  EXPECT_EQ(found.order->open_to_deadline_ms, -4 * 3'600'000);  // 12:30 -> 16:30 open
}

TEST_F(CalendarTracking, ACutOffDueTheSameDayBeforeItAndTheNextOpenDayFromIt) {
  apply("early", 2, kFri1359);
  apply("late", 2, kFri1400);
  EXPECT_EQ(overdue(at(kFri1800 - 1), 2, 0), 0);
  EXPECT_EQ(overdue(at(kFri1800), 2, 0), 1);  // "early" only
  EXPECT_EQ(overdue(at(kMon1800 - 1), 2, 0), 1);
  TrackerSnapshot both = at(kMon1800);
  EXPECT_EQ(overdue(both, 2, 0), 2);
  EXPECT_EQ(both.breaches[2][0], 2u);
}

TEST_F(CalendarTracking, StaysWithinTheirDeadlineAreMetAndTheirOpenTimeObserved) {
  apply("quick", 1, kFri1730);  // 30 open minutes Friday ...
  apply("quick", 2, kMon1000);  // ... and 1 h Monday: 1.5 h of open time, met
  apply("slow", 1, kMon0900 - 60'000);
  apply("slow", 2, kMon1800);  // 9 open hours: past both tiers
  TrackerSnapshot snap = at(kMon1800 + 1);
  EXPECT_EQ(snap.sla_met[1], 1u);
  EXPECT_EQ(snap.breaches[1][0], 1u);
  EXPECT_EQ(snap.breaches[1][1], 1u);
  const SeriesValues* review = series(snap, 1);
  ASSERT_NE(review, nullptr);
  EXPECT_EQ(review->open_duration.count, 2u);
  EXPECT_DOUBLE_EQ(review->open_duration.sum_seconds, 1.5 * 3600 + 9 * 3600);
  // Placed is on the wall clock: no open-time observations.
  EXPECT_EQ(series(snap, 0), nullptr);
}

TEST_F(CalendarTracking, AReloadWithAChangedHolidayListRejudgesTrackedOrders) {
  apply("o1", 1, kFri1730);
  EXPECT_EQ(overdue(at(kMon1230), 1, 0), 1);
  // Monday becomes a holiday: the deadline moves to Tuesday 12:30; the breach counted stays.
  service_.reload(sla::load_string(config("[2026-12-07, 2026-12-24]")));
  TrackerSnapshot moved = at(kMon1230 + 1000);
  EXPECT_EQ(overdue(moved, 1, 0), 0);
  EXPECT_EQ(moved.breaches[1][0], 1u);
  EXPECT_EQ(overdue(at(kTue1230 - 1), 1, 0), 0);
  EXPECT_EQ(overdue(at(kTue1230), 1, 0), 1);
  EXPECT_EQ(service_.find("o1").order->deadline_local, "2026-12-08T12:30:00+01:00");
}

}  // namespace
}  // namespace orderwatch::tracking
