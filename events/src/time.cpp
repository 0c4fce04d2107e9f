// Event-time parsing and RFC 3339 formatting (time.h): called by EventDecoder for every event,
// and by logs, the drill-down API and the load generator to print times. Pure arithmetic on
// civil dates, no libc time zone calls.
#include "orderwatch/events/time.h"

#include <charconv>
#include <cmath>

namespace orderwatch::events {

namespace {

// 9999-12-31T23:59:59.999Z, the last instant an RFC 3339 timestamp can name.
constexpr std::int64_t kMaxTimeMs = kMaxEventTimeMs;
constexpr std::int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
// Pure arithmetic: no mktime/timegm, so no dependence on TZ or locale.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);

constexpr bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at s[pos..]; advances pos.
bool fixed_digits(std::string_view s, std::size_t& pos, int n, unsigned& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[pos++];
    if (!is_digit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

std::optional<std::int64_t> in_range(std::int64_t ms) {
  if (ms < 0 || ms > kMaxTimeMs) return std::nullopt;
  return ms;
}

// An optional ".ddd…" at s[p]: thousandths in frac_ms (extra digits truncated), p moved past
// it. False for a dot without digits.
bool parse_fraction_ms(std::string_view s, std::size_t& p, std::int64_t& frac_ms) {
  if (p >= s.size() || s[p] != '.') return true;
  ++p;
  int digits = 0;
  while (p < s.size() && is_digit(s[p])) {
    if (digits < 3) frac_ms = frac_ms * 10 + (s[p] - '0');
    ++digits;
    ++p;
  }
  for (int i = digits; i < 3; ++i) frac_ms *= 10;
  return digits > 0;
}

// RFC 3339 date-time: YYYY-MM-DD(T|t| )hh:mm:ss[.fraction](Z|z|+hh:mm|-hh:mm).
// A space separator is accepted (RFC 3339 5.6 allows it "for readability", and SQL-ish
// producers emit it). A time without an offset is rejected: local time would make the
// result depend on the host's time zone. Second 60 (leap second) is accepted and counts as
// the first second of the next minute. Fractions of any length are truncated to ms.
std::optional<std::int64_t> parse_rfc3339(std::string_view s) {
  std::size_t p = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!fixed_digits(s, p, 4, year) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!fixed_digits(s, p, 2, month) || p >= s.size() || s[p++] != '-') return std::nullopt;
  if (!fixed_digits(s, p, 2, day) || p >= s.size()) return std::nullopt;
  const char sep = s[p++];
  if (sep != 'T' && sep != 't' && sep != ' ') return std::nullopt;
  if (!fixed_digits(s, p, 2, hour) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!fixed_digits(s, p, 2, minute) || p >= s.size() || s[p++] != ':') return std::nullopt;
  if (!fixed_digits(s, p, 2, second)) return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::int64_t frac_ms = 0;
  if (!parse_fraction_ms(s, p, frac_ms)) return std::nullopt;
  if (p >= s.size()) return std::nullopt;  // no offset: local time, refused (see above)
  std::int64_t offset_min = 0;
  const char z = s[p++];
  if (z == 'Z' || z == 'z') {
    // UTC
  } else if (z == '+' || z == '-') {
    unsigned oh = 0, om = 0;
    if (!fixed_digits(s, p, 2, oh) || p >= s.size() || s[p++] != ':' ||
        !fixed_digits(s, p, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = static_cast<std::int64_t>(oh * 60 + om);
    if (z == '-') offset_min = -offset_min;
  } else {
    return std::nullopt;
  }
  if (p != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t local_ms =
      days * kMsPerDay + ((hour * 60 + minute) * 60 + second) * std::int64_t{1000} + frac_ms;
  // Local time = UTC + offset, so UTC = local - offset.
  return in_range(local_ms - offset_min * 60'000);
}

// "1714564800", "1714564800.5", "1714564800123": parsed exactly in integers (no double
// rounding), fractions beyond ms truncated like RFC 3339 fractions. No sign, no exponent.
std::optional<std::int64_t> parse_epoch_text(std::string_view s) {
  std::size_t p = 0;
  std::int64_t whole = 0;
  int int_digits = 0;
  while (p < s.size() && is_digit(s[p])) {
    // 16 digits already exceed any in-range millisecond value; stop before overflow.
    if (++int_digits > 16) return std::nullopt;
    whole = whole * 10 + (s[p] - '0');
    ++p;
  }
  if (int_digits == 0) return std::nullopt;
  std::int64_t frac_ms = 0;  // the fraction scaled to thousandths of the unit
  if (!parse_fraction_ms(s, p, frac_ms)) return std::nullopt;
  if (p != s.size()) return std::nullopt;
  if (whole >= 100'000'000'000) return in_range(whole);  // milliseconds; sub-ms truncated
  return in_range(whole * 1000 + frac_ms);
}

void append_2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Civil date from days since 1970-01-01 (Howard Hinnant's civil_from_days).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

}  // namespace

std::optional<std::int64_t> parse_time_text(std::string_view text) {
  if (text.size() >= 10 && text[4] == '-') return parse_rfc3339(text);
  return parse_epoch_text(text);
}

std::optional<std::int64_t> epoch_number_to_ms(double value) {
  if (!std::isfinite(value) || value < 0) return std::nullopt;
  // Values >= 1e11 are milliseconds: 1e11 seconds would be the year 5138, while 1e11 ms is
  // 1973, so no realistic timestamp is ambiguous.
  const double ms = value >= 1e11 ? value : value * 1000.0;
  if (ms > static_cast<double>(kMaxTimeMs)) return std::nullopt;
  // JSON floats carry no exact decimal fraction; round to the nearest millisecond.
  return in_range(std::llround(ms));
}

void append_rfc3339_ms(std::string& out, std::int64_t ms) {
  const std::int64_t days = ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
  const std::int64_t in_day = ms - days * 86'400'000;
  std::int64_t y = 0;
  unsigned mo = 0, d = 0;
  civil_from_days(days, y, mo, d);
  append_int(out, y);
  out.push_back('-');
  append_2(out, mo);
  out.push_back('-');
  append_2(out, d);
  out.push_back('T');
  const auto secs = static_cast<unsigned>(in_day / 1000);
  append_2(out, secs / 3600);
  out.push_back(':');
  append_2(out, secs / 60 % 60);
  out.push_back(':');
  append_2(out, secs % 60);
  out.push_back('.');
  const auto frac = static_cast<unsigned>(in_day % 1000);
  out.push_back(static_cast<char>('0' + frac / 100));
  append_2(out, frac % 100);
  out.push_back('Z');
}

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  std::string s;
  append_rfc3339_ms(s, unix_ms);
  return s;
}

}  // namespace orderwatch::events
