// Calendar: the spec check, open time, add_open and its inverse on hand-computed examples
// (the Friday 17:30 -> Monday 12:30), DST days, the range edges.
#include "orderwatch/calendar/calendar.h"

#include <gtest/gtest.h>

#include <limits>

#include "orderwatch/calendar/deadline.h"
#include "test_util.h"

namespace orderwatch::calendar::test {
namespace {

const auto kOffice = [] { return make(weekdays("Europe/Berlin", {r("09:00-18:00")})); };

TEST(Calendar, FridayEveningFourHoursIsMondayTwelveThirty) {
  auto cal = kOffice();
  ASSERT_TRUE(cal);
  // Friday 2026-12-04 17:30 CET (UTC+1) = 16:30Z; Monday 2026-12-07 12:30 CET = 11:30Z.
  const std::int64_t entered = utc(2026, 12, 4, 16, 30);
  const std::int64_t due = utc(2026, 12, 7, 11, 30);
  EXPECT_EQ(cal->add_open(entered, 4 * kHour), due);
  const auto tier = CalendarDeadline::open_time(cal, 4 * kHour);
  EXPECT_EQ(tier.deadline(entered), due);
  // Overdue at 12:30 and not an instant before: as of 12:29:59.999 the latest entry past the
  // tier is before Friday 17:30; as of 12:30 it is exactly Friday 17:30.
  EXPECT_LT(tier.latest_entry_due_by(due - 1), entered);
  EXPECT_EQ(tier.latest_entry_due_by(due - 1), entered - 1);
  EXPECT_EQ(tier.latest_entry_due_by(due), entered);
  EXPECT_EQ(cal->open_ms_between(entered, due), 4 * kHour);
  EXPECT_EQ(cal->open_ms_between(entered, due - 1), 4 * kHour - 1);
}

TEST(Calendar, EntryWhileClosedStartsAtTheNextOpening) {
  auto cal = kOffice();
  // Saturday 2026-12-05 11:00 CET: counting starts Monday 09:00 CET (08:00Z).
  EXPECT_EQ(cal->add_open(utc(2026, 12, 5, 10), 90 * kMinute), utc(2026, 12, 7, 9, 30));
  // At the closing instant itself the day is over.
  EXPECT_EQ(cal->add_open(utc(2026, 12, 4, 17), kMinute), utc(2026, 12, 7, 8, 1));
  // The whole open time of a day ends exactly at its closing.
  EXPECT_EQ(cal->add_open(utc(2026, 12, 7, 8), 9 * kHour), utc(2026, 12, 7, 17));
  EXPECT_EQ(cal->open_ms_between(utc(2026, 12, 4), utc(2026, 12, 11)), 5 * 9 * kHour);
  EXPECT_EQ(cal->open_ms_between(utc(2026, 12, 7, 12), utc(2026, 12, 7, 11)), 0);
}

TEST(Calendar, HolidaysAreClosedAllDay) {
  auto cal = make(weekdays("Europe/Berlin", {r("09:00-18:00")}, {{2026, 12, 24}, {2026, 12, 25}}));
  ASSERT_TRUE(cal);
  EXPECT_FALSE(cal->is_open_day({2026, 12, 24}));
  EXPECT_TRUE(cal->is_open_day({2026, 12, 23}));
  EXPECT_FALSE(cal->is_open_day({2026, 12, 26}));  // a Saturday
  // Wednesday 23rd 16:00 CET + 4h: 2h that day, Thursday/Friday holidays, the weekend, then
  // Monday 28th 09:00-11:00 CET.
  EXPECT_EQ(cal->add_open(utc(2026, 12, 23, 15), 4 * kHour), utc(2026, 12, 28, 10));
  const auto tier = CalendarDeadline::open_time(cal, 4 * kHour);
  EXPECT_EQ(tier.latest_entry_due_by(utc(2026, 12, 28, 10)), utc(2026, 12, 23, 15));
  EXPECT_EQ(tier.latest_entry_due_by(utc(2026, 12, 28, 10) - 1), utc(2026, 12, 23, 15) - 1);
}

TEST(Calendar, LunchBreakIsNotCounted) {
  auto cal = make(weekdays("UTC", {r("09:00-12:00"), r("13:00-17:00")}));
  ASSERT_TRUE(cal);
  EXPECT_EQ(cal->add_open(utc(2026, 12, 7, 11), 2 * kHour), utc(2026, 12, 7, 14));
  // The inverse over the break: an entry at 11:00 is due at 12:00, one a millisecond later only
  // at 13:00.001; so as of any W in the break, and at 13:00 itself, the answer is 11:00.
  const auto tier = CalendarDeadline::open_time(cal, kHour);
  EXPECT_EQ(tier.latest_entry_due_by(utc(2026, 12, 7, 12, 30)), utc(2026, 12, 7, 11));
  EXPECT_EQ(tier.latest_entry_due_by(utc(2026, 12, 7, 13)), utc(2026, 12, 7, 11));
  EXPECT_EQ(tier.latest_entry_due_by(utc(2026, 12, 7, 13) + 1), utc(2026, 12, 7, 11) + 1);
}

TEST(Calendar, DayLengthsFollowTheZone) {
  CalendarSpec spec;
  spec.timezone = "Europe/Berlin";
  spec.hours[6] = {r("00:00-24:00")};  // Sundays all day
  auto cal = make(spec);
  ASSERT_TRUE(cal);
  // 2026-03-29 (spring) has 23 hours, 2026-10-25 (autumn) 25.
  EXPECT_EQ(cal->open_ms_between(utc(2026, 3, 28), utc(2026, 3, 30)), 23 * kHour);
  EXPECT_EQ(cal->open_ms_between(utc(2026, 10, 24), utc(2026, 10, 26)), 25 * kHour);
  // Sunday 2026-10-25 00:00 CEST = Saturday 22:00Z; its 25 hours end at Monday 00:00 CET.
  EXPECT_EQ(cal->add_open(utc(2026, 10, 24, 22), 25 * kHour), utc(2026, 10, 25, 23));
}

TEST(Calendar, SpringGapMeansTheFirstInstantAfterIt) {
  CalendarSpec spec;
  spec.timezone = "Europe/Berlin";
  spec.hours[6] = {r("02:30-04:00"), r("05:00-06:00")};
  spec.hours[0] = {r("02:15-02:45")};  // only Mondays: never in a gap (gaps are on Sundays)
  auto cal = make(spec);
  ASSERT_TRUE(cal);
  // Sunday 2026-03-29: 02:30 does not exist; the range opens at 03:00 CEST = 01:00Z and
  // closes at 04:00 CEST = 02:00Z: one hour.
  EXPECT_EQ(cal->open_ms_between(utc(2026, 3, 29), utc(2026, 3, 29, 2, 30)), kHour);
  EXPECT_EQ(cal->add_open(utc(2026, 3, 28, 12), kMinute), utc(2026, 3, 29, 1, 1));
  // Autumn 2026-10-25: 02:30 is ambiguous, the earlier one (CEST, 00:30Z); 04:00 CET = 03:00Z.
  EXPECT_EQ(cal->add_open(utc(2026, 10, 24, 12), kMinute), utc(2026, 10, 25, 0, 31));
  EXPECT_EQ(cal->open_ms_between(utc(2026, 10, 25), utc(2026, 10, 25, 3, 30)), 150 * kMinute);
}

TEST(Calendar, OutsideTheTableNothingIsDue) {
  auto cal = kOffice();
  EXPECT_EQ(cal->add_open(utc(2037, 12, 31, 17), 4 * kHour), kNoDeadline);
  // The table starts with 1969-12-31 (open 08:00-17:00Z): one hour of it is before 09:00Z.
  EXPECT_EQ(cal->latest_entry_open_due_by(utc(1969, 12, 31, 9), 4 * kHour), kNoEntry);
  EXPECT_EQ(cal->add_open(utc(1969, 12, 31, 20), kHour), utc(1970, 1, 1, 9));  // CET all year
}

// Open all the time, a calendar is the wall clock, whatever its zone's DST: deadline(e) = e + d
// and latest_entry_due_by(W) = W - d, as tracking's wall-clock StatusDeadlines has them.
TEST(Calendar, AlwaysOpenIsTheWallClock) {
  for (const char* zone : {"UTC", "Europe/Berlin", "America/New_York"}) {
    CalendarSpec spec;
    spec.timezone = zone;
    for (auto& day : spec.hours) day = {r("00:00-24:00")};
    auto cal = make(spec);
    ASSERT_TRUE(cal) << zone;
    for (const std::int64_t d : {std::int64_t{1}, 90 * kMinute, 49 * kHour}) {
      const auto tier = CalendarDeadline::open_time(cal, d);
      for (std::int64_t e = utc(2026, 3, 1); e < utc(2026, 11, 8); e += 61 * kMinute + 7) {
        ASSERT_EQ(tier.deadline(e), e + d) << zone << " " << e;
        ASSERT_EQ(tier.latest_entry_due_by(e), e - d) << zone << " " << e;
      }
    }
  }
}

// Extreme inputs (a crafted snapshot's times, the tracker's "no position") give the closed
// calendar's answers without overflowing (UBSan runs this).
TEST(Calendar, ExtremeTimesDoNotOverflow) {
  auto cal = kOffice();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  const CutoffRule rule{14 * 60, 18 * 60, 0};
  EXPECT_EQ(cal->add_open(kMax, kHour), kNoDeadline);
  EXPECT_EQ(cal->cutoff_due(kMax, rule), kNoDeadline);
  EXPECT_EQ(cal->latest_entry_open_due_by(kMin, kHour), kNoEntry);
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(kMin, rule), kNoEntry);
  // Before the table: its first opening (1969-12-31 09:00 CET).
  EXPECT_EQ(cal->add_open(kMin, kHour), utc(1969, 12, 31, 9));
  EXPECT_EQ(cal->cutoff_due(kMin, rule), utc(1969, 12, 31, 17));
  // After it: the last openings of 2037.
  EXPECT_EQ(cal->latest_entry_open_due_by(kMax, kHour), utc(2037, 12, 31, 16));
  EXPECT_EQ(cal->latest_entry_cutoff_due_by(kMax, rule), utc(2037, 12, 31, 13) - 1);
  EXPECT_EQ(cal->open_ms_between(kMin, kMax), cal->open_ms_between(0, utc(2038, 1, 1)) + 9 * kHour);
}

std::vector<std::string> messages(CalendarSpec spec) {
  std::vector<std::string> out;
  for (const auto& p : make_calendar(std::move(spec)).problems) out.push_back(p.message);
  return out;
}

TEST(Calendar, FormatsInstantsInItsLocalTimeWithTheOffset) {
  const auto berlin = kOffice();
  EXPECT_EQ(berlin->format_local(1'796'643'000'000), "2026-12-07T12:30:00+01:00");      // CET
  EXPECT_EQ(berlin->format_local(1'781'001'000'250), "2026-06-09T12:30:00.250+02:00");  // CEST
  const auto ny = make(weekdays("America/New_York", {r("09:00-17:00")}));
  EXPECT_EQ(ny->format_local(1'796'643'000'000), "2026-12-07T06:30:00-05:00");
  EXPECT_EQ(ny->format_local(0), "1969-12-31T19:00:00-05:00");
}

TEST(CalendarSpec, RefusesBadZonesRangesHolidaysAndAnEmptyWeek) {
  auto spec = weekdays("Europe/Berlin", {r("09:00-18:00")});
  spec.timezone = "Mars/Olympus";
  auto m = messages(spec);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("\"Mars/Olympus\" is not a time zone"), std::string::npos) << m[0];

  spec = weekdays("Europe/Berlin", {r("18:00-09:00")});
  m = messages(spec);
  ASSERT_EQ(m.size(), 5u);  // each weekday
  EXPECT_NE(m[0].find("\"18:00-09:00\" is reversed (split a night shift"), std::string::npos);

  spec = weekdays("Europe/Berlin", {r("09:00-13:00"), r("12:00-18:00")});
  const auto made = make_calendar(spec);
  ASSERT_EQ(made.problems.size(), 5u);
  EXPECT_EQ(made.problems[0].where, SpecProblem::Where::kHours);
  EXPECT_EQ(made.problems[0].weekday, 0);
  EXPECT_EQ(made.problems[0].index, 1u);
  EXPECT_EQ(made.problems[0].message, "\"12:00-18:00\" overlaps \"09:00-13:00\" on mon");
  EXPECT_FALSE(made.calendar);

  spec = weekdays("Europe/Berlin", {});
  EXPECT_EQ(messages(spec), std::vector<std::string>{"no open hour in the week"});

  spec = weekdays("Europe/Berlin", {r("09:00-18:00")}, {{2026, 2, 30}});
  m = messages(spec);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "2026-02-30 is not a date");

  // Touching ranges are fine, and the ranges are sorted.
  spec = weekdays("UTC", {r("13:00-18:00"), r("09:00-13:00")});
  auto ok = make_calendar(spec);
  ASSERT_TRUE(ok.calendar);
  EXPECT_EQ(ok.calendar->spec().hours[0],
            (std::vector<OpenRange>{r("09:00-13:00"), r("13:00-18:00")}));
}

TEST(CalendarText, ParsesClocksRangesAndDates) {
  EXPECT_EQ(parse_clock("09:05", false), 545);
  EXPECT_EQ(parse_clock("24:00", true), 1440);
  EXPECT_FALSE(parse_clock("24:00", false));
  EXPECT_FALSE(parse_clock("9:00", false));
  EXPECT_FALSE(parse_clock("12:60", false));
  EXPECT_FALSE(parse_clock("24:01", true));
  EXPECT_EQ(parse_range("00:00-24:00"), (OpenRange{0, 1440}));
  EXPECT_EQ(parse_range("18:00-09:00"), (OpenRange{1080, 540}));
  EXPECT_FALSE(parse_range("09:00"));
  EXPECT_FALSE(parse_range("09:00 - 18:00"));
  EXPECT_EQ(LocalDate::parse("2028-02-29"), (LocalDate{2028, 2, 29}));
  EXPECT_FALSE(LocalDate::parse("2026-02-29"));
  EXPECT_FALSE(LocalDate::parse("2026-1-01"));
  EXPECT_EQ((LocalDate{2026, 12, 24}).to_string(), "2026-12-24");
  EXPECT_EQ(format_clock(1440), "24:00");
}

}  // namespace
}  // namespace orderwatch::calendar::test
