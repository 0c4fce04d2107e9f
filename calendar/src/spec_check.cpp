// make_calendar: validates a CalendarSpec (zone, ranges, holidays, an open hour in the week),
// collecting every problem, and builds the Calendar. Called by the config loader (sla/) and
// by tests and benchmarks.
#include <date/tz.h>

#include <algorithm>
#include <exception>

#include "day_table.h"
#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

namespace {

constexpr const char* kDayNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string range_text(const OpenRange& r) {
  return "\"" + format_clock(r.begin) + "-" + format_clock(r.end) + "\"";
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

// Checks one weekday's ranges (as given, before sorting) and sorts them.
void check_day(std::vector<OpenRange>& ranges, int weekday, std::vector<SpecProblem>& out) {
  auto problem = [&](std::size_t index, std::string message) {
    out.push_back({SpecProblem::Where::kHours, weekday, index, std::move(message)});
  };
  bool well_formed = true;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const auto& r = ranges[i];
    if (r.begin < 0 || r.end > kMinutesPerDay || r.begin >= kMinutesPerDay) {
      problem(i, range_text(r) + " is not within 00:00-24:00");
      well_formed = false;
    } else if (r.end < r.begin) {
      problem(i, range_text(r) + " is reversed (split a night shift over two days: \"" +
                     format_clock(r.begin) + "-24:00\" and the next day's \"00:00-" +
                     format_clock(r.end) + "\")");
      well_formed = false;
    } else if (r.end == r.begin) {
      problem(i, range_text(r) + " is empty");
      well_formed = false;
    }
  }
  if (!well_formed) return;
  std::vector<std::size_t> order(ranges.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranges[a].begin < ranges[b].begin; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const auto& prev = ranges[order[k - 1]];
    const auto& cur = ranges[order[k]];
    if (cur.begin < prev.end) {
      problem(order[k],
              range_text(cur) + " overlaps " + range_text(prev) + " on " + kDayNames[weekday]);
    }
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const OpenRange& a, const OpenRange& b) { return a.begin < b.begin; });
}

}  // namespace

Calendar::Calendar(CalendarSpec spec, const void* zone) : spec_(std::move(spec)) {
  days_ = std::make_unique<DayTable>(static_cast<const date::time_zone*>(zone), spec_);
}

Calendar::~Calendar() = default;

MadeCalendar make_calendar(CalendarSpec spec) {
  MadeCalendar made;
  auto& problems = made.problems;
  const date::time_zone* zone = nullptr;
  if (spec.timezone.empty()) {
    problems.push_back({SpecProblem::Where::kTimezone, -1, 0, "a time zone is required"});
  } else {
    try {
      zone = date::locate_zone(spec.timezone);
    } catch (const std::exception&) {
      problems.push_back({SpecProblem::Where::kTimezone, -1, 0,
                          "\"" + spec.timezone +
                              "\" is not a time zone of the system's tz database (an IANA "
                              "name like Europe/Berlin; is tzdata installed?)"});
    }
  }
  bool any_hour = false;
  for (int w = 0; w < 7; ++w) {
    auto& ranges = spec.hours[static_cast<std::size_t>(w)];
    check_day(ranges, w, problems);
    any_hour = any_hour || !ranges.empty();
  }
  if (!any_hour) {
    problems.push_back({SpecProblem::Where::kWeek, -1, 0, "no open hour in the week"});
  }
  for (std::size_t i = 0; i < spec.holidays.size(); ++i) {
    if (!spec.holidays[i].valid()) {
      problems.push_back(
          {SpecProblem::Where::kHolidays, -1, i, spec.holidays[i].to_string() + " is not a date"});
    }
  }
  if (!problems.empty()) return made;
  std::sort(spec.holidays.begin(), spec.holidays.end());
  spec.holidays.erase(std::unique(spec.holidays.begin(), spec.holidays.end()), spec.holidays.end());
  made.calendar = std::shared_ptr<const Calendar>(new Calendar(std::move(spec), zone));
  return made;
}

}  // namespace orderwatch::calendar
