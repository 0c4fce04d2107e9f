// Cut-off deadlines: a same-day cut-off on either side of 14:00, across a weekend, a holiday and
// a DST change; due_days; late_by escalations; the inverses; the 366-day span check.
#include <gtest/gtest.h>

#include "orderwatch/calendar/calendar.h"
#include "orderwatch/calendar/deadline.h"
#include "test_util.h"

namespace orderwatch::calendar::test {
namespace {

// Mon-Fri 08:00-20:00 Europe/Berlin; closed 2026-12-24 and 25 (Thursday, Friday).
std::shared_ptr<const Calendar> warehouse() {
  return make(weekdays("Europe/Berlin", {r("08:00-20:00")}, {{2026, 12, 24}, {2026, 12, 25}}));
}
const CutoffRule kSameDay{14 * 60, 18 * 60, 0};

TEST(Cutoff, EitherSideOfTheCutoff) {
  auto cal = warehouse();
  ASSERT_TRUE(cal);
  // Monday 2026-12-07, CET (UTC+1): before 14:00 due that day at 18:00 (17:00Z) ...
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 12, 59, 59, 999), kSameDay), utc(2026, 12, 7, 17));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 0, 0), kSameDay), utc(2026, 12, 7, 17));  // 01:00
  // ... at 14:00 or later, the next open day.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 13), kSameDay), utc(2026, 12, 8, 17));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 22, 59), kSameDay), utc(2026, 12, 8, 17));
}

TEST(Cutoff, AcrossAWeekendAndAHoliday) {
  auto cal = warehouse();
  // Friday 2026-12-11 15:00 CET and Saturday 10:00: Monday 14th 18:00.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 11, 14), kSameDay), utc(2026, 12, 14, 17));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 12, 9), kSameDay), utc(2026, 12, 14, 17));
  // Wednesday 23rd after the cut-off, and the holiday itself before it: Monday 28th.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 23, 14), kSameDay), utc(2026, 12, 28, 17));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 24, 9), kSameDay), utc(2026, 12, 28, 17));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 23, 12), kSameDay), utc(2026, 12, 23, 17));
}

TEST(Cutoff, AcrossTheSpringDstChange) {
  auto cal = warehouse();
  // Friday 2026-03-27 13:00 CET (12:00Z): that day's 18:00 CET (17:00Z).
  EXPECT_EQ(cal->cutoff_due(utc(2026, 3, 27, 12), kSameDay), utc(2026, 3, 27, 17));
  // 14:30 CET: Monday 30th 18:00, now CEST (UTC+2): 16:00Z.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 3, 27, 13, 30), kSameDay), utc(2026, 3, 30, 16));
  // Monday 30th 13:59 CEST is 11:59Z: due that day; 12:00Z is 14:00 CEST: Tuesday.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 3, 30, 11, 59), kSameDay), utc(2026, 3, 30, 16));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 3, 30, 12), kSameDay), utc(2026, 3, 31, 16));
}

TEST(Cutoff, TheInverseIsTheCutoffLessOneMillisecond) {
  auto cal = warehouse();
  // Due by Monday 2026-12-07 18:00 CET: everything entered before Monday 14:00 CET (13:00Z).
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(utc(2026, 12, 7, 17), kSameDay),
            utc(2026, 12, 7, 13) - 1);
  // An instant earlier, only what was due on Friday: entered before Friday 14:00.
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(utc(2026, 12, 7, 17) - 1, kSameDay),
            utc(2026, 12, 4, 13) - 1);
  // Over the holidays: due by Monday 28th 18:00 is everything before Monday 14:00; an instant
  // earlier, everything before Wednesday 23rd 14:00.
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(utc(2026, 12, 28, 17) - 1, kSameDay),
            utc(2026, 12, 23, 13) - 1);
}

TEST(Cutoff, DueDaysAddOpenDays) {
  auto cal = warehouse();
  const CutoffRule next_noon{14 * 60, 12 * 60, 1};
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 12), next_noon), utc(2026, 12, 8, 11));
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 7, 14), next_noon), utc(2026, 12, 9, 11));
  // Wednesday 23rd before the cut-off: its due day is the 23rd, one more open day: Monday 28th.
  EXPECT_EQ(cal->cutoff_due(utc(2026, 12, 23, 12), next_noon), utc(2026, 12, 28, 11));
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(utc(2026, 12, 28, 11), next_noon),
            utc(2026, 12, 23, 13) - 1);
}

TEST(Cutoff, LateByCountsOpenTimePastTheDueInstant) {
  auto cal = warehouse();
  const auto page = CalendarDeadline::cutoff(cal, kSameDay, 3 * kHour);
  // Due Friday 2026-12-11 18:00 CET; 2h of open time that evening, 1h on Monday from 08:00.
  const std::int64_t entered = utc(2026, 12, 11, 9);
  EXPECT_EQ(page.deadline(entered), utc(2026, 12, 14, 8));
  EXPECT_EQ(page.latest_entry_due_by(utc(2026, 12, 14, 8)), utc(2026, 12, 11, 13) - 1);
  EXPECT_EQ(page.latest_entry_due_by(utc(2026, 12, 14, 8) - 1), utc(2026, 12, 10, 13) - 1);
  EXPECT_TRUE(page.ran_past(entered, utc(2026, 12, 14, 8)));
  EXPECT_FALSE(page.ran_past(entered, utc(2026, 12, 14, 8) - 1));
}

TEST(Cutoff, LongestSpanIsHeldToAYear) {
  auto cal = warehouse();
  // The longest wait: entered Wednesday 23rd 14:00, due Monday 28th 18:00 (5 days 4 hours).
  EXPECT_EQ(CalendarDeadline::cutoff(cal, kSameDay).longest_span(),
            utc(2026, 12, 28, 17) - utc(2026, 12, 23, 13));
  // Mondays only, due 60 open days later: more than a year.
  CalendarSpec mondays;
  mondays.timezone = "Europe/Berlin";
  mondays.hours[0] = {r("08:00-20:00")};
  auto rare = make(mondays);
  EXPECT_GT(CalendarDeadline::cutoff(rare, CutoffRule{14 * 60, 18 * 60, 60}).longest_span(),
            kMaxSpanMs);
  EXPECT_LE(CalendarDeadline::cutoff(rare, CutoffRule{14 * 60, 18 * 60, 40}).longest_span(),
            kMaxSpanMs);
  // Open time: 4h from Wednesday 23rd 20:00 is Monday 28th 12:00.
  EXPECT_EQ(CalendarDeadline::open_time(cal, 4 * kHour).longest_span(),
            utc(2026, 12, 28, 11) - utc(2026, 12, 23, 19));
}

}  // namespace
}  // namespace orderwatch::calendar::test
