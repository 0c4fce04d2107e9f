// Open-time arithmetic of a Calendar: open time between two instants, the instant a duration of
// open time is reached (an open-time SLA's deadline) and its inverse, walking the day table.
// Called by CalendarDeadline (deadline.cpp), the config check (sla/) and, later, tracking.
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "day_table.h"
#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

bool Calendar::is_open_day(LocalDate date) const { return days_->day(civil_of(date)).open_day; }

std::int64_t Calendar::instant(std::int64_t civil_day, int minute) const {
  return days_->instant(days_->day(civil_day), minute);
}

std::string Calendar::format_local(std::int64_t t) const {
  const std::int64_t offset_s = days_->utc_offset_s(t);
  const std::int64_t local = t + offset_s * 1000;
  const LocalDate date = date_of(floor_div(local, kDayMs));
  const std::int64_t in_day = local - floor_div(local, kDayMs) * kDayMs;
  const auto off = std::llabs(offset_s) / 60;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", date.year,
                        date.month, date.day, static_cast<long long>(in_day / 3'600'000),
                        static_cast<long long>(in_day / 60'000 % 60),
                        static_cast<long long>(in_day / 1000 % 60));
  if (in_day % 1000 != 0 && n > 0) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03lld",
                       static_cast<long long>(in_day % 1000));
  }
  if (n > 0) {
    std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "%c%02lld:%02lld",
                  offset_s < 0 ? '-' : '+', static_cast<long long>(off / 60),
                  static_cast<long long>(off % 60));
  }
  return buf;
}

std::int64_t Calendar::open_ms_between(std::int64_t from, std::int64_t to) const {
  from = std::clamp(from, DayTable::kLowMs, DayTable::kHighMs);
  to = std::clamp(to, DayTable::kLowMs, DayTable::kHighMs);
  if (to <= from) return 0;
  std::int64_t open = 0;
  for (std::int64_t c = days_->civil_containing(from);; ++c) {
    const Day d = days_->day(c);
    if (d.start >= to) break;
    if (d.start >= from && d.end <= to) {
      open += d.open_ms;  // the whole day
      continue;
    }
    for (std::uint32_t i = 0; i < d.count; ++i) {
      const auto& iv = d.intervals[i];
      const std::int64_t b = std::max(iv.begin, from), e = std::min(iv.end, to);
      if (b < e) open += e - b;
    }
  }
  return open;
}

std::int64_t Calendar::add_open(std::int64_t from, std::int64_t duration) const {
  if (duration <= 0) return from;
  if (from >= DayTable::kHighMs) return kNoDeadline;
  from = std::max(from, DayTable::kLowMs);
  std::int64_t left = duration;
  const std::int64_t limit = from + kMaxSpanMs;
  for (std::int64_t c = days_->civil_containing(from);; ++c) {
    const Day d = days_->day(c);
    if (d.start > limit || c >= DayTable::kEndCivil) return kNoDeadline;
    if (d.open_ms < left && d.start >= from) {
      left -= d.open_ms;  // the whole day, and not enough
      continue;
    }
    for (std::uint32_t i = 0; i < d.count; ++i) {
      const auto& iv = d.intervals[i];
      if (iv.end <= from) continue;
      const std::int64_t b = std::max(iv.begin, from);
      if (iv.end - b >= left) return b + left;
      left -= iv.end - b;
    }
  }
}

std::int64_t Calendar::latest_entry_open_due_by(std::int64_t w, std::int64_t duration) const {
  if (duration <= 0) return w;
  if (w < DayTable::kLowMs) return kNoEntry;
  w = std::min(w, DayTable::kHighMs);
  std::int64_t left = duration;
  const std::int64_t limit = w - kMaxSpanMs - kDayMs;
  for (std::int64_t c = days_->civil_containing(w);; --c) {
    const Day d = days_->day(c);
    if (d.end < limit || c < DayTable::kFirstCivil) return kNoEntry;
    if (d.open_ms < left && d.end <= w) {
      left -= d.open_ms;  // the whole day, and not enough
      continue;
    }
    for (std::uint32_t i = d.count; i-- > 0;) {
      const auto& iv = d.intervals[i];
      if (iv.begin >= w) continue;
      const std::int64_t e = std::min(iv.end, w);
      if (e - iv.begin >= left) return e - left;
      left -= e - iv.begin;
    }
  }
}

std::vector<std::int64_t> Calendar::span_candidates(std::int64_t from, std::int64_t to,
                                                    std::optional<int> cutoff) const {
  std::vector<std::int64_t> out;
  for (std::int64_t c = days_->civil_containing(from);; ++c) {
    const Day d = days_->day(c);
    if (d.start >= to || c >= DayTable::kEndCivil) break;
    if (d.start >= from) out.push_back(d.start);
    for (std::uint32_t i = 0; i < d.count; ++i) {
      if (d.intervals[i].end >= from && d.intervals[i].end < to) out.push_back(d.intervals[i].end);
    }
    if (cutoff && d.open_day) {
      const std::int64_t t = days_->instant(d, *cutoff);
      if (t >= from && t < to) out.push_back(t);
    }
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> Calendar::span_check_window() const {
  std::int64_t first = civil_of(LocalDate{2026, 1, 1});
  std::int64_t last = civil_of(LocalDate{2026, 12, 31});
  if (!spec_.holidays.empty()) {
    first = std::min(first, civil_of(spec_.holidays.front()));
    last = std::max(last, civil_of(spec_.holidays.back()));
  }
  first = std::max(first - 10, DayTable::kFirstCivil);
  // The last entry checked needs a year of days after it in the table.
  last = std::min(last + 10, DayTable::kEndCivil - 1 - 367);
  return {days_->day(first).start, days_->day(last).end};
}

}  // namespace orderwatch::calendar
