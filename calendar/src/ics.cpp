// iCalendar holidays (ics.h): parses a file with libical and turns its all-day VEVENTs (with
// DTEND, DURATION, RRULE and EXDATE) into local dates. Called by the config loader (sla/) for a
// calendar's holidays_file.
#include "orderwatch/calendar/ics.h"

#include <libical/ical.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "day_table.h"

namespace orderwatch::calendar {

namespace {

constexpr int kLastYear = 2037;             // the calendar's range (calendar.h)
constexpr int kMaxOccurrences = 1000;       // per recurring event
constexpr std::size_t kMaxDates = 100'000;  // per file

struct ComponentFree {
  void operator()(icalcomponent* c) const { icalcomponent_free(c); }
};
struct IteratorFree {
  void operator()(icalrecur_iterator* it) const { icalrecur_iterator_free(it); }
};

std::int64_t civil_of_ical(const icaltimetype& t) {
  return civil_of(LocalDate{t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)});
}

// The first X-LIC-ERROR libical attached anywhere in `c` (it parses leniently and records
// what it could not understand that way), or "".
std::string first_error(icalcomponent* c) {
  if (auto* p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY)) {
    const char* text = icalproperty_get_xlicerror(p);
    return text ? text : "unparsable content";
  }
  for (auto* sub = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); sub;
       sub = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
    if (auto e = first_error(sub); !e.empty()) return e;
  }
  return "";
}

// Adds the dates of one all-day event to `out`.
void add_event(icalcomponent* ev, const std::string& name, std::set<std::int64_t>& out) {
  const icaltimetype start = icalcomponent_get_dtstart(ev);
  if (icaltime_is_null_time(start)) {
    throw IcsError(name + ": a VEVENT without DTSTART");
  }
  if (!start.is_date) return;  // a timed event, not a holiday
  std::int64_t days = 1;
  if (icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY) ||
      icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
    const icaltimetype end = icalcomponent_get_dtend(ev);
    if (!icaltime_is_null_time(end)) days = civil_of_ical(end) - civil_of_ical(start);
    if (days < 1) {
      throw IcsError(name + ": the event of " + icaltime_as_ical_string(start) +
                     " ends before it starts");
    }
  }
  std::set<std::int64_t> excluded;
  for (auto* p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
       p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
    excluded.insert(civil_of_ical(icalproperty_get_exdate(p)));
  }
  auto add_from = [&](std::int64_t first) {
    if (excluded.count(first)) return;
    for (std::int64_t d = 0; d < days; ++d) out.insert(first + d);
    if (out.size() > kMaxDates) throw IcsError(name + ": more than 100000 holiday dates");
  };
  auto* rrule = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY);
  if (!rrule) {
    add_from(civil_of_ical(start));
    return;
  }
  std::unique_ptr<icalrecur_iterator, IteratorFree> it(
      icalrecur_iterator_new(icalproperty_get_rrule(rrule), start));
  if (!it) throw IcsError(name + ": an RRULE libical cannot expand");
  for (int n = 0; n < kMaxOccurrences; ++n) {
    const icaltimetype occ = icalrecur_iterator_next(it.get());
    if (icaltime_is_null_time(occ) || occ.year > kLastYear) break;
    add_from(civil_of_ical(occ));
  }
}

}  // namespace

std::vector<LocalDate> parse_ics_holidays(const std::string& text, const std::string& name) {
  std::unique_ptr<icalcomponent, ComponentFree> root(icalparser_parse_string(text.c_str()));
  if (!root || icalcomponent_isa(root.get()) != ICAL_VCALENDAR_COMPONENT) {
    throw IcsError(name +
                   ": not a complete iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)");
  }
  if (auto e = first_error(root.get()); !e.empty()) {
    throw IcsError(name + ": malformed iCalendar: " + e);
  }
  std::set<std::int64_t> dates;
  for (auto* ev = icalcomponent_get_first_component(root.get(), ICAL_VEVENT_COMPONENT); ev;
       ev = icalcomponent_get_next_component(root.get(), ICAL_VEVENT_COMPONENT)) {
    add_event(ev, name, dates);
  }
  std::vector<LocalDate> out;
  out.reserve(dates.size());
  for (const auto c : dates) out.push_back(date_of(c));
  return out;
}

std::vector<LocalDate> load_ics_holidays(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IcsError(path + ": cannot read the file (does it exist?)");
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw IcsError(path + ": cannot read the file");
  return parse_ics_holidays(text.str(), path);
}

}  // namespace orderwatch::calendar
