// The calendars section and the calendar keys of a status: a valid config's model, and every
// refusal the issue lists, each at its file:line:column.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "orderwatch/sla/calendars.h"
#include "orderwatch/sla/loader.h"
#include "problems.h"

namespace orderwatch::sla {
namespace {

using test::expect_one;
using test::problems_of;
using test::replace;

const std::string kBase = R"(version: 1
service: checkout
nats:
  subject: orders.status.>
calendars:
  office:
    timezone: Europe/Berlin
    hours:
      mon-fri: "09:00-18:00"
      sat: ["10:00-12:00", "13:00-15:00"]
    holidays: [2026-12-24, 2026-12-25]
    page_when_closed: false
  warehouse:
    timezone: America/New_York
    hours: {mon-fri: "08:00-20:00"}
statuses:
  - name: Review
    calendar: office
    sla: 4h
    escalations: [{after: 8h, severity: page}]
  - name: Packed
    calendar: warehouse
    cutoff: "14:00"
    due: "18:00"
    due_days: 0
    escalations: [{late_by: 2h, severity: page}]
  - {name: Delivered, terminal: true}
)";

constexpr std::int64_t kHour = 3'600'000;

TEST(CalendarConfig, TheIssuesExampleLoads) {
  const Config c = load_string(kBase);
  ASSERT_EQ(c.calendars.size(), 2u);
  const CalendarConfig* office = c.find_calendar("office");
  ASSERT_NE(office, nullptr);
  ASSERT_TRUE(office->calendar);
  EXPECT_EQ(office->spec.timezone, "Europe/Berlin");
  EXPECT_EQ(office->spec.hours[4], (std::vector<calendar::OpenRange>{{540, 1080}}));
  EXPECT_EQ(office->spec.hours[5].size(), 2u);
  EXPECT_TRUE(office->spec.hours[6].empty());
  EXPECT_EQ(office->spec.holidays.size(), 2u);
  EXPECT_FALSE(office->page_when_closed);
  EXPECT_EQ(c.find_calendar("nope"), nullptr);

  const Status& review = c.statuses[0];
  EXPECT_EQ(review.calendar, "office");
  EXPECT_FALSE(review.cutoff);
  ASSERT_EQ(review.tiers.size(), 2u);
  // Friday 2026-12-04 17:30 CET (16:30Z) + 4 business hours: 30 minutes on Friday, then
  // Saturday 10:00-12:00 and 13:00-14:30 CET (13:30Z).
  const auto deadlines = tier_deadlines(c, review);
  ASSERT_EQ(deadlines.size(), 2u);
  const std::int64_t friday = 1796401800000;  // 2026-12-04T16:30:00Z
  EXPECT_EQ(deadlines[0].deadline(friday), friday + 21 * kHour);

  const Status& packed = c.statuses[1];
  ASSERT_TRUE(packed.cutoff);
  EXPECT_EQ(packed.cutoff->cutoff, 14 * 60);
  EXPECT_EQ(packed.cutoff->due, 18 * 60);
  ASSERT_EQ(packed.tiers.size(), 2u);
  EXPECT_EQ(packed.tiers[0].severity, "warning");
  EXPECT_EQ(packed.tiers[1].late_by, std::chrono::hours(2));
  EXPECT_EQ(packed.tiers[1].after, std::chrono::hours(0));
  EXPECT_TRUE(tier_deadlines(c, c.statuses[2]).empty());
  EXPECT_NE(summary(c).find("3 statuses"), std::string::npos);
}

TEST(CalendarConfig, RefusesBadCalendars) {
  expect_one(replace(kBase, "Europe/Berlin", "Europe/Berlni"), 7, 15, "calendars.office.timezone",
             "\"Europe/Berlni\" is not a time zone");
  expect_one(replace(kBase, "\"13:00-15:00\"", "\"11:00-15:00\""), 10, 28,
             "calendars.office.hours.sat", "\"11:00-15:00\" overlaps \"10:00-12:00\" on sat");
  // One problem, though it is reversed on five days.
  expect_one(replace(kBase, "\"09:00-18:00\"", "\"18:00-09:00\""), 9, 16,
             "calendars.office.hours.mon-fri", "\"18:00-09:00\" is reversed");
  expect_one(replace(kBase, "\"09:00-18:00\"", "\"9-18\""), 9, 16, "calendars.office.hours.mon-fri",
             "\"9-18\" is not a range of local times");
  expect_one(replace(kBase, "{mon-fri: \"08:00-20:00\"}", "{}"), 15, 12,
             "calendars.warehouse.hours", "no open hour in the week");
  expect_one(replace(kBase, "mon-fri: \"08", "fri-mon: \"08"), 15, 13,
             "calendars.warehouse.hours.fri-mon", "not a day or a range of days");
  expect_one(replace(kBase, "2026-12-25]", "2026-12-32]"), 11, 28, "calendars.office.holidays[1]",
             "\"2026-12-32\" is not a date");
  expect_one(replace(kBase, "    page_when_closed: false\n",
                     "    page_when_closed: false\n    holidays_file: nope.ics\n"),
             13, 20, "calendars.office.holidays_file", "nope.ics: cannot read the file");
  expect_one(replace(kBase, "    page_when_closed: false\n", "    page_when: false\n"), 12, 5,
             "calendars.office.page_when", "unknown key");
  expect_one(replace(kBase, "    timezone: America/New_York\n", ""), 14, 5, "calendars.warehouse",
             "missing required key \"timezone\"");
  const auto duplicate = problems_of(replace(kBase, "  warehouse:", "  office:"));
  ASSERT_EQ(duplicate.size(), 2u);
  EXPECT_EQ(duplicate[0].to_string(),
            "sla.yaml:13:3: calendars.office: duplicate calendar \"office\"");
  EXPECT_EQ(duplicate[1].to_string(),
            "sla.yaml:22:15: statuses[1].calendar: unknown calendar \"warehouse\" (define it "
            "under calendars)");
}

TEST(CalendarConfig, RefusesBadCalendarStatuses) {
  expect_one(replace(kBase, "{name: Delivered, terminal: true}",
                     "{name: Delivered, terminal: true, due_days: 1}"),
             27, 49, "statuses[2].due_days", "a terminal status cannot have");
  expect_one(replace(kBase, "calendar: office", "calendar: offices"), 18, 15,
             "statuses[0].calendar", "unknown calendar \"offices\"");
  expect_one(replace(kBase, "    cutoff: \"14:00\"\n", "    cutoff: \"14:00\"\n    sla: 1h\n"), 24,
             10, "statuses[1].sla", "\"sla\" and \"cutoff\" exclude each other");
  expect_one(replace(kBase, "    calendar: warehouse\n", ""), 21, 5, "statuses[1]",
             "a cut-off status needs a \"calendar\"");
  expect_one(replace(kBase, "    due: \"18:00\"\n", ""), 21, 5, "statuses[1]",
             "a cut-off status needs \"due\"");
  expect_one(replace(kBase, "{late_by: 2h,", "{after: 2h,"), 26, 27,
             "statuses[1].escalations[0].after", "escalates by \"late_by\"");
  expect_one(replace(kBase, "due: \"18:00\"", "due: \"13:00\""), 24, 10, "statuses[1].due",
             "\"13:00\" must be after the cut-off \"14:00\" when due_days is 0");
  expect_one(replace(kBase, "due: \"18:00\"", "due: \"6pm\""), 24, 10, "statuses[1].due",
             "\"6pm\" is not a local time");
  // The next open day's 13:00 is fine.
  EXPECT_TRUE(problems_of(replace(replace(kBase, "due: \"18:00\"", "due: \"13:00\""), "due_days: 0",
                                  "due_days: 1"))
                  .empty());
  const auto late =
      problems_of(replace(kBase, "{after: 8h, severity: page}", "{late_by: 8h, severity: page}"));
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0].to_string(),
            "sla.yaml:20:19: statuses[0].escalations[0]: missing required key \"after\"");
  EXPECT_EQ(late[1].to_string(),
            "sla.yaml:20:20: statuses[0].escalations[0].late_by: unknown key (allowed here: "
            "after, severity, team)");
}

TEST(CalendarConfig, RefusesADeadlineMoreThanAYearAfterEntry) {
  // 3000 business hours at 49 a week: about 61 weeks (and the escalation's 8h is now before it).
  auto problems = problems_of(replace(kBase, "sla: 4h", "sla: 3000h"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].to_string(),
            "sla.yaml:19:10: statuses[0].sla: a deadline of this tier can lie more than 366 days "
            "after entry (longest: none within 366 days)");
  // 300 open days: the due tier and its escalation.
  problems = problems_of(replace(kBase, "due_days: 0", "due_days: 300"));
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].to_string(),
            "sla.yaml:24:10: statuses[1].due: a deadline of this tier can lie more than 366 days "
            "after entry (longest: none within 366 days)");
  EXPECT_EQ(problems[1].line, 26);
  // 250 open days (about 50 weeks) are accepted.
  EXPECT_TRUE(problems_of(replace(kBase, "due_days: 0", "due_days: 250")).empty());
}

TEST(CalendarConfig, HolidaysFileIsReadRelativeToTheConfigFile) {
  char tmpl[] = "/tmp/orderwatch-calendar-XXXXXX";
  const std::filesystem::path dir = ::mkdtemp(tmpl);
  std::ofstream(dir / "holidays.ics")
      << "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
         "DTSTART;VALUE=DATE:20261231\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  std::ofstream(dir / "bad.ics")
      << "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a@b\r\n"
         "DTSTART;VALUE=DATE:2026XX31\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
  auto with_file = [&](const std::string& name) {
    std::ofstream(dir / "sla.yaml")
        << replace(kBase, "    page_when_closed: false\n", "    holidays_file: " + name + "\n");
    return (dir / "sla.yaml").string();
  };
  const Config c = load_file(with_file("holidays.ics"));
  EXPECT_EQ(c.find_calendar("office")->spec.holidays.size(), 3u);
  EXPECT_FALSE(c.find_calendar("office")->calendar->is_open_day({2026, 12, 31}));
  try {
    load_file(with_file("bad.ics"));
    ADD_FAILURE() << "bad.ics accepted";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].line, 12);
    EXPECT_NE(e.problems()[0].message.find("bad.ics: malformed iCalendar"), std::string::npos)
        << e.problems()[0].message;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace orderwatch::sla
