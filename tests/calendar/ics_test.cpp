// iCalendar holidays: a fixture with single, multi-day, DURATION, yearly and counted recurring
// (with EXDATE) all-day events and a timed one; unreadable and malformed files.
#include "orderwatch/calendar/ics.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace orderwatch::calendar {
namespace {

const std::string kData = CALENDAR_TEST_DATA;

bool has(const std::vector<LocalDate>& dates, LocalDate d) {
  return std::binary_search(dates.begin(), dates.end(), d);
}

TEST(IcsHolidays, AllDayEventsBecomeLocalDates) {
  const auto dates = load_ics_holidays(kData + "/holidays.ics");
  EXPECT_TRUE(std::is_sorted(dates.begin(), dates.end()));
  EXPECT_TRUE(has(dates, {2026, 12, 24}));
  EXPECT_FALSE(has(dates, {2026, 12, 25}));
  // DTEND is exclusive: the 28th to the 30th.
  EXPECT_TRUE(has(dates, {2026, 12, 28}));
  EXPECT_TRUE(has(dates, {2026, 12, 30}));
  EXPECT_FALSE(has(dates, {2026, 12, 31}));
  // DURATION:P2D
  EXPECT_TRUE(has(dates, {2026, 9, 14}));
  EXPECT_TRUE(has(dates, {2026, 9, 15}));  // a holiday, not because of the timed meeting
  EXPECT_FALSE(has(dates, {2026, 9, 16}));
  // FREQ=YEARLY: every May 1st up to 2037, the calendar's range.
  for (int y = 2026; y <= 2037; ++y) EXPECT_TRUE(has(dates, {y, 5, 1})) << y;
  EXPECT_FALSE(has(dates, {2038, 5, 1}));
  EXPECT_FALSE(has(dates, {2026, 5, 2}));
  // COUNT=3 less the EXDATE.
  EXPECT_TRUE(has(dates, {2026, 1, 1}));
  EXPECT_FALSE(has(dates, {2027, 1, 1}));
  EXPECT_TRUE(has(dates, {2028, 1, 1}));
  EXPECT_FALSE(has(dates, {2029, 1, 1}));
  EXPECT_EQ(dates.size(), 1u + 3 + 2 + 12 + 2);
}

std::string error_of(const std::string& path) {
  try {
    load_ics_holidays(path);
  } catch (const IcsError& e) {
    return e.what();
  }
  return "no error";
}

std::string parse_error_of(const std::string& text) {
  try {
    parse_ics_holidays(text, "h.ics");
  } catch (const IcsError& e) {
    return e.what();
  }
  return "no error";
}

TEST(IcsHolidays, BadFilesGetAClearError) {
  EXPECT_EQ(error_of(kData + "/missing.ics"),
            kData + "/missing.ics: cannot read the file (does it exist?)");
  EXPECT_EQ(error_of(kData + "/malformed.ics"),
            kData +
                "/malformed.ics: malformed iCalendar: Can't parse as DATE value in DTSTART "
                "property. Removing entire property: 2026XX24");
  EXPECT_EQ(parse_error_of("hello\n"),
            "h.ics: not a complete iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)");
  EXPECT_EQ(parse_error_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261224\n"),
            "h.ics: not a complete iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)");
  EXPECT_EQ(parse_error_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261224\n"
                           "DTEND;VALUE=DATE:20261220\nEND:VEVENT\nEND:VCALENDAR\n"),
            "h.ics: the event of 20261224 ends before it starts");
  EXPECT_EQ(parse_error_of("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n"),
            "h.ics: a VEVENT without DTSTART");
}

}  // namespace
}  // namespace orderwatch::calendar
