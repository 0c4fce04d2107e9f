// The per-day table of a calendar (day_table.h): local days -> UTC starts and open intervals,
// built lazily per 32-day chunk from date-tz (OS tzdata) and published through atomics.
// Used by Calendar (calendar.cpp, cutoff.cpp); the only place that asks the zone anything.
#include "day_table.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>

static_assert(USE_OS_TZDB, "date-tz must read the OS tzdata (Debian builds it so)");

namespace orderwatch::calendar {

std::int64_t civil_of(const LocalDate& d) {
  const date::year_month_day ymd{date::year{d.year}, date::month{d.month}, date::day{d.day}};
  return date::sys_days{ymd}.time_since_epoch().count();
}

LocalDate date_of(std::int64_t civil) {
  const date::year_month_day ymd{date::sys_days{date::days{civil}}};
  return LocalDate{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                   static_cast<unsigned>(ymd.day())};
}

DayTable::DayTable(const date::time_zone* zone, const CalendarSpec& spec)
    : zone_(zone),
      spec_(spec),
      chunks_(static_cast<std::size_t>((kEndCivil - kFirstCivil + kChunkDays - 1) / kChunkDays)) {
  for (const auto& h : spec.holidays) holidays_.push_back(civil_of(h));
  std::sort(holidays_.begin(), holidays_.end());
}

DayTable::~DayTable() {
  for (auto& c : chunks_) delete c.load(std::memory_order_relaxed);
}

bool DayTable::holiday(std::int64_t civil) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), civil);
}

std::int64_t DayTable::local_to_utc(std::int64_t civil, int minute) const {
  using std::chrono::seconds;
  const date::local_seconds local{seconds{civil * 86400 + std::int64_t{minute} * 60}};
  const auto info = zone_->get_info(local);
  std::int64_t utc_s = 0;
  if (info.result == date::local_info::nonexistent) {
    utc_s = info.first.end.time_since_epoch().count();  // the first instant after the gap
  } else {
    // unique, or ambiguous: the earlier instant (the offset before the transition)
    utc_s = (local.time_since_epoch() - info.first.offset).count();
  }
  return utc_s * 1000;
}

std::int64_t DayTable::utc_offset_s(std::int64_t t) const {
  const date::sys_seconds at{std::chrono::seconds{floor_div(t, 1000)}};
  return zone_->get_info(at).offset.count();
}

std::unique_ptr<DayTable::Chunk> DayTable::build(std::size_t index) const {
  auto chunk = std::make_unique<Chunk>();
  const std::int64_t first = kFirstCivil + static_cast<std::int64_t>(index) * kChunkDays;
  std::vector<std::uint32_t> firsts;
  std::int64_t start = local_to_utc(first, 0);
  for (std::int64_t i = 0; i < kChunkDays; ++i) {
    Day& d = chunk->days[static_cast<std::size_t>(i)];
    d.civil = first + i;
    d.start = start;
    d.end = local_to_utc(d.civil + 1, 0);
    d.regular = d.end - d.start == kDayMs;
    const auto& ranges = spec_.hours[static_cast<std::size_t>(weekday_of(d.civil))];
    d.open_day = !ranges.empty() && !holiday(d.civil);
    firsts.push_back(static_cast<std::uint32_t>(chunk->intervals.size()));
    if (d.open_day) {
      for (const auto& r : ranges) {
        const Interval iv{instant(d, r.begin), instant(d, r.end)};
        if (iv.end <= iv.begin) continue;  // a range inside a spring gap
        if (!chunk->intervals.empty() && chunk->intervals.back().end == iv.begin &&
            chunk->intervals.size() > firsts.back()) {
          chunk->intervals.back().end = iv.end;  // "09:00-12:00" + "12:00-18:00"
        } else {
          chunk->intervals.push_back(iv);
        }
        d.open_ms += iv.end - iv.begin;
      }
    }
    start = d.end;
  }
  // The vector no longer grows: point each day into it.
  for (std::size_t i = 0; i < chunk->days.size(); ++i) {
    Day& d = chunk->days[i];
    const std::uint32_t end =
        i + 1 < firsts.size() ? firsts[i + 1] : static_cast<std::uint32_t>(chunk->intervals.size());
    d.intervals = chunk->intervals.data() + firsts[i];
    d.count = end - firsts[i];
  }
  return chunk;
}

const DayTable::Chunk& DayTable::build_locked(std::size_t index) const {
  auto& slot = chunks_[index];
  std::lock_guard lock(build_mutex_);
  if (const Chunk* c = slot.load(std::memory_order_relaxed)) return *c;
  const Chunk* built = build(index).release();
  slot.store(built, std::memory_order_release);
  return *built;
}

std::int64_t DayTable::instant(const Day& d, int minute) const {
  if (minute >= kMinutesPerDay) return d.end;
  if (minute <= 0) return d.start;
  if (d.regular) return d.start + std::int64_t{minute} * 60000;
  return local_to_utc(d.civil, minute);  // a DST day (days outside the table are regular)
}

}  // namespace orderwatch::calendar
