// The text forms of the calendar's values: local dates ("2026-12-24"), clock times ("09:00")
// and open ranges ("09:00-18:00"). Used by the config loader (sla/) and the ICS reader.
#include <charconv>
#include <cstdio>

#include "day_table.h"
#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

namespace {

// Exactly `width` digits at text[pos..].
std::optional<int> digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (text.size() < pos + width) return std::nullopt;
  int v = 0;
  const char* begin = text.data() + pos;
  auto [ptr, ec] = std::from_chars(begin, begin + width, v);
  if (ec != std::errc() || ptr != begin + width) return std::nullopt;
  for (std::size_t i = 0; i < width; ++i) {
    if (begin[i] < '0' || begin[i] > '9') return std::nullopt;
  }
  return v;
}

}  // namespace

bool LocalDate::valid() const {
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1u : 0u);
}

std::string LocalDate::to_string() const {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year, month, day);
  return buf;
}

std::optional<LocalDate> LocalDate::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (!y || !m || !d) return std::nullopt;
  LocalDate date{*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d)};
  if (!date.valid()) return std::nullopt;
  return date;
}

std::optional<int> parse_clock(std::string_view text, bool allow_24) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto h = digits(text, 0, 2), m = digits(text, 3, 2);
  if (!h || !m || *m > 59) return std::nullopt;
  const int minute = *h * 60 + *m;
  if (minute > kMinutesPerDay || (minute == kMinutesPerDay && !allow_24)) return std::nullopt;
  return minute;
}

std::string format_clock(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::optional<OpenRange> parse_range(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto begin = parse_clock(text.substr(0, dash), /*allow_24=*/false);
  auto end = parse_clock(text.substr(dash + 1), /*allow_24=*/true);
  if (!begin || !end) return std::nullopt;
  return OpenRange{*begin, *end};
}

}  // namespace orderwatch::calendar
