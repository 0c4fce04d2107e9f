// examples/shop-calendar.yaml and the README's worked timelines ("Business calendars and
// cut-offs"): every deadline the README states, computed with the example's own calendars
// through the deadline functions the tracker uses (tier_deadlines); its holidays file parses.
// The instants are written in UTC here (CET = UTC+1 in December, CEST = UTC+2 from 29 March).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "orderwatch/calendar/ics.h"
#include "orderwatch/sla/calendars.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::sla {
namespace {

// Epoch ms of a UTC wall time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi = 0, int s = 0) {
  namespace c = std::chrono;
  const c::sys_days date{c::year{y} / c::month{mo} / c::day{d}};
  const auto t = date + c::hours{h} + c::minutes{mi} + c::seconds{s};
  return c::duration_cast<c::milliseconds>(t.time_since_epoch()).count();
}

const Config& example() {
  static const Config c = load_file(ORDERWATCH_SOURCE_DIR "/examples/shop-calendar.yaml");
  return c;
}

const Status& status(const std::string& name) {
  for (const auto& s : example().statuses) {
    if (s.name == name) return s;
  }
  throw std::runtime_error("no status " + name);
}

// Review: 4 business hours of the office (Mon-Fri 09:00-18:00 Europe/Berlin), page after 8h.
TEST(ExampleCalendar, ReviewFriday1730IsOverdueMonday1230AndNotAnInstantBefore) {
  const auto tiers = tier_deadlines(example(), status("Review"));
  ASSERT_EQ(tiers.size(), 2u);
  const auto entered = utc(2026, 12, 4, 16, 30);  // Friday 17:30 CET
  const auto& cal = tiers[0].calendar();
  // 30 min counted on Friday, none over the weekend, 3h30 from Monday 09:00.
  EXPECT_EQ(cal.open_ms_between(entered, utc(2026, 12, 4, 17)), 30 * 60'000);
  EXPECT_EQ(cal.open_ms_between(entered, utc(2026, 12, 7, 8)), 30 * 60'000);
  EXPECT_EQ(tiers[0].deadline(entered), utc(2026, 12, 7, 11, 30));  // Monday 12:30 CET
  EXPECT_LT(tiers[0].latest_entry_due_by(utc(2026, 12, 7, 11, 30) - 1), entered);
  EXPECT_EQ(tiers[0].latest_entry_due_by(utc(2026, 12, 7, 11, 30)), entered);
  EXPECT_EQ(tiers[1].deadline(entered), utc(2026, 12, 7, 15, 30));  // page: Monday 16:30
  // Entered on Saturday: counting starts Monday 09:00.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 5, 9)), utc(2026, 12, 7, 12));  // Monday 13:00
  // Before the holidays (24th and 25th closed, then the weekend): 2h on Wednesday 23rd, 2h on
  // Monday 28th.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 23, 15)), utc(2026, 12, 28, 10));  // 11:00 CET
}

// Packed: cut-off 14:00, due 18:00 on the warehouse's open days (Mon-Fri 07:00-19:00), page
// 2h of open time past the due instant.
TEST(ExampleCalendar, PackedEitherSideOfTheCutoffOnAFridayAndBeforeTheHolidays) {
  const auto tiers = tier_deadlines(example(), status("Packed"));
  ASSERT_EQ(tiers.size(), 2u);
  // Friday 2026-12-04 13:59 CET: due that day at 18:00; paged at 19:00 + 1h Monday: 08:00.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 4, 12, 59)), utc(2026, 12, 4, 17));
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 4, 12, 59, 59) + 999), utc(2026, 12, 4, 17));
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 4, 12, 59)), utc(2026, 12, 7, 7));
  // Friday 14:00: Monday 18:00; paged Tuesday 08:00. Saturday: Monday 18:00 too.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 4, 13)), utc(2026, 12, 7, 17));
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 4, 13)), utc(2026, 12, 8, 7));
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 5, 10)), utc(2026, 12, 7, 17));
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 5, 10)), utc(2026, 12, 8, 7));
  // Wednesday 23rd: 13:59 due 18:00 that day; 14:00 due Monday 28th (24th to 26th holidays,
  // 26th and 27th the weekend). Christmas Eve itself too.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 23, 12, 59)), utc(2026, 12, 23, 17));
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 23, 13)), utc(2026, 12, 28, 17));
  EXPECT_EQ(tiers[0].deadline(utc(2026, 12, 24, 9)), utc(2026, 12, 28, 17));
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 23, 12, 59)), utc(2026, 12, 28, 7));  // Mon 08:00
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 23, 13)), utc(2026, 12, 29, 7));      // Tue 08:00
  EXPECT_EQ(tiers[1].deadline(utc(2026, 12, 24, 9)), utc(2026, 12, 29, 7));
  // Across the spring DST change: Friday 2026-03-27 14:30 CET is due Monday 30th 18:00 CEST.
  EXPECT_EQ(tiers[0].deadline(utc(2026, 3, 27, 13, 30)), utc(2026, 3, 30, 16));
  EXPECT_EQ(tiers[1].deadline(utc(2026, 3, 27, 13, 30)), utc(2026, 3, 31, 6));  // Tue 08:00 CEST
}

TEST(ExampleCalendar, TheHolidaysAreClosedDaysAndTheIcsAlternativeHasThem) {
  const CalendarConfig* warehouse = example().find_calendar("warehouse");
  ASSERT_NE(warehouse, nullptr);
  const auto& cal = *warehouse->calendar;
  EXPECT_FALSE(cal.is_open_day({2026, 12, 24}));
  EXPECT_FALSE(cal.is_open_day({2026, 12, 25}));
  EXPECT_TRUE(cal.is_open_day({2026, 12, 28}));
  EXPECT_FALSE(cal.is_open_day({2027, 1, 1}));
  // The commented-out holidays_file: the public holidays of the lists, and more.
  const auto ics = calendar::load_ics_holidays(ORDERWATCH_SOURCE_DIR "/examples/shop-holidays.ics");
  const auto has = [&](calendar::LocalDate d) {
    return std::find(ics.begin(), ics.end(), d) != ics.end();
  };
  for (const auto& d : example().find_calendar("office")->spec.holidays) {
    const bool office_only = d.month == 12 && (d.day == 24 || d.day == 31);
    if (!office_only) {
      EXPECT_TRUE(has(d)) << d.to_string();
    }
  }
  EXPECT_TRUE(has({2027, 12, 25}));  // FREQ=YEARLY, DTEND exclusive: the 25th and 26th
  EXPECT_TRUE(has({2027, 12, 26}));
  EXPECT_FALSE(has({2027, 12, 27}));
  EXPECT_TRUE(has({2027, 3, 29}));  // Easter Monday 2027
  EXPECT_FALSE(has({2027, 3, 30}));
}

}  // namespace
}  // namespace orderwatch::sla
