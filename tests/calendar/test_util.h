// Helpers of the calendar tests: UTC instants from civil fields (no tz), and a spec builder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar::test {

inline constexpr std::int64_t kMinute = 60'000;
inline constexpr std::int64_t kHour = 60 * kMinute;

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
inline std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return std::int64_t{era} * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Epoch ms of a UTC wall time.
inline std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0,
                        int ms = 0) {
  return days_from_civil(y, mo, d) * 86'400'000 + std::int64_t{h} * kHour +
         std::int64_t{mi} * kMinute + s * 1000 + ms;
}

// "09:00-18:00" -> OpenRange (the test's own inputs are well-formed).
inline OpenRange r(const char* text) { return *parse_range(text); }

// Mon-Fri `ranges`, other days closed.
inline CalendarSpec weekdays(std::string zone, std::vector<OpenRange> ranges,
                             std::vector<LocalDate> holidays = {}) {
  CalendarSpec spec;
  spec.timezone = std::move(zone);
  for (int w = 0; w < 5; ++w) spec.hours[static_cast<std::size_t>(w)] = ranges;
  spec.holidays = std::move(holidays);
  return spec;
}

inline std::shared_ptr<const Calendar> make(CalendarSpec spec) {
  auto made = make_calendar(std::move(spec));
  return made.calendar;
}

}  // namespace orderwatch::calendar::test
