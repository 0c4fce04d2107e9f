// The runbooks' words for business calendars: a calendar's week and holidays, and what the SLA
// of a calendar or cut-off status counts. Called by runbook_pages.cpp and milestone_runbooks.cpp.
#include "render.h"
#include "runbook.h"

namespace orderwatch::rules::detail {

namespace {

// A calendar's week: "Mon-Fri 09:00-18:00; Sat 10:00-12:00, 13:00-15:00" (days with the same
// ranges together, in week order of their first day).
// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string week_text(const calendar::CalendarSpec& spec) {
  static const char* const kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  std::string text;
  std::vector<bool> done(7, false);
  for (std::size_t day = 0; day < 7; ++day) {
    if (done[day] || spec.hours[day].empty()) continue;
    std::string days;
    for (std::size_t d = day; d < 7;) {  // runs of days with the same ranges
      if (done[d] || spec.hours[d] != spec.hours[day]) {
        ++d;
        continue;
      }
      std::size_t end = d;
      while (end + 1 < 7 && spec.hours[end + 1] == spec.hours[day]) ++end;
      for (std::size_t i = d; i <= end; ++i) done[i] = true;
      days += (days.empty() ? "" : ", ") + std::string(kDays[d]) +
              (end > d ? "-" + std::string(kDays[end]) : "");
      d = end + 1;
    }
    std::string ranges;
    for (const auto& r : spec.hours[day])
      ranges += (ranges.empty() ? "" : ", ") + calendar::format_clock(r.begin) + "-" +
                calendar::format_clock(r.end);
    text += (text.empty() ? "" : "; ") + days + " " + ranges;
  }
  return text;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

}  // namespace

std::string calendar_text(const sla::CalendarConfig& cal) {
  const auto& spec = cal.calendar->spec();
  const std::string holidays =
      spec.holidays.empty() ? std::string()
      : spec.holidays.size() == 1
          ? ", not on its holiday"
          : ", not on its " + std::to_string(spec.holidays.size()) + " holidays";
  return "calendar " + cal.name + " (" + spec.timezone + ": " + week_text(spec) + holidays + ")";
}

// One sentence on the calendar a status's SLA counts in; empty for a wall-clock status.
std::string calendar_sentence(const sla::Config& config, const sla::Status& status) {
  const sla::CalendarConfig* cal = config.find_calendar(status.calendar);
  if (!cal) return {};
  std::string text = "The SLA of " + status.name + " counts open time of " + calendar_text(*cal);
  if (status.cutoff) {
    const auto& rule = *status.cutoff;
    text = status.name + " follows " + calendar_text(*cal) + ": an order is due at " +
           calendar::format_clock(rule.due) +
           " local on the day it entered on an open day before " +
           calendar::format_clock(rule.cutoff) + ", else on the next open day" +
           (rule.due_days > 0 ? ", plus " + std::to_string(rule.due_days) + " open days" : "");
  }
  return text + (cal->page_when_closed ? "." : "; its alerts notify only in those hours.");
}

}  // namespace orderwatch::rules::detail
