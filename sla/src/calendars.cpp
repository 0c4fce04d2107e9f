// The calendar parts of a loaded Config: finding a calendar by name, the deadline functions of
// a calendar status's tiers, and the "not yet supported" guard serve and generate call until
// tracking and the renderers handle calendar statuses.
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

std::vector<Problem> unsupported_calendar_statuses(const Config& config, std::string_view command) {
  std::vector<Problem> out;
  for (std::size_t i = 0; i < config.statuses.size(); ++i) {
    const Status& st = config.statuses[i];
    if (st.calendar.empty()) continue;
    Problem p;
    p.file = config.source_path.empty() ? "<string>" : config.source_path;
    p.path = "statuses[" + std::to_string(i) + "].calendar";
    p.message = std::string(command) + " does not support calendar statuses yet (status \"" +
                st.name + "\", calendar \"" + st.calendar +
                "\"); `orderwatch check` validates them";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace orderwatch::sla
