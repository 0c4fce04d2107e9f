// Holidays from an iCalendar file (RFC 5545), read with libical: every all-day VEVENT (DTSTART
// a DATE) closes its dates: DTSTART up to, not including, DTEND (or DTSTART + DURATION; one
// day when neither is given). A recurring one (RRULE, any rule libical's iterator supports, e.g.
// FREQ=YEARLY) closes each occurrence up to 2037 (the calendar's range, calendar.h), at most
// 1000 occurrences per event, less its EXDATEs. Timed events are not holidays and are skipped.
// Stateless and thread-safe; cost O(size of the file + dates produced).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

class IcsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The holiday dates of the file at `path`, sorted and without duplicates. Throws IcsError with
// a message naming the problem when the file cannot be read or is not a valid iCalendar file.
std::vector<LocalDate> load_ics_holidays(const std::string& path);
// The same from the file's text (`name` is only for messages).
std::vector<LocalDate> parse_ics_holidays(const std::string& text, const std::string& name);

}  // namespace orderwatch::calendar
