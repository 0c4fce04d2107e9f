// The calendar parts of a loaded Config: finding a calendar by name and the deadline functions
// of a calendar status's tiers (tracking's deadline model takes them).
#include "orderwatch/sla/calendars.h"

#include <string>

namespace orderwatch::sla {

const CalendarConfig* Config::find_calendar(std::string_view name) const {
  for (const auto& c : calendars) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<calendar::CalendarDeadline> tier_deadlines(const Config& config, const Status& status) {
  std::vector<calendar::CalendarDeadline> out;
  const CalendarConfig* cal = config.find_calendar(status.calendar);
  if (status.calendar.empty() || !cal) return out;
  for (const auto& tier : status.tiers) {
    if (status.cutoff) {
      out.push_back(
          calendar::CalendarDeadline::cutoff(cal->calendar, *status.cutoff, tier.late_by.count()));
    } else {
      out.push_back(calendar::CalendarDeadline::open_time(cal->calendar, tier.after.count()));
    }
  }
  return out;
}

}  // namespace orderwatch::sla
