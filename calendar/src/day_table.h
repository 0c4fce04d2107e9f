// Private: a calendar's local days as a table, each day's start in UTC, its open intervals in
// UTC and its open total, built lazily 32 days at a time from the zone and the weekly hours and
// published through atomics (readers never lock). The only code that asks the tz database
// anything: local_to_utc() (the gap and ambiguity rules) while a chunk is built, and
// instant() for a minute of one of the few irregular (DST) days.
// Thread-safe; a chunk, once published, is never changed or freed before the table.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "orderwatch/calendar/calendar.h"

namespace date {
class time_zone;
}

namespace orderwatch::calendar {

inline constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// Days since 1970-01-01 of a date, and back (civil-date arithmetic, no tz).
std::int64_t civil_of(const LocalDate& d);
LocalDate date_of(std::int64_t civil);
// 0 = Monday .. 6 = Sunday.
inline int weekday_of(std::int64_t civil) {
  // 1970-01-01 was a Thursday (3).
  const std::int64_t w = (civil + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct Interval {
  std::int64_t begin = 0;  // UTC ms, inclusive
  std::int64_t end = 0;    // UTC ms, exclusive; begin < end
};

// One local day. Days are contiguous: a day's end is the next day's start.
struct Day {
  std::int64_t civil = 0;    // days since 1970-01-01 (local date)
  std::int64_t start = 0;    // UTC ms of its first instant (local 00:00, or the end of a gap)
  std::int64_t end = 0;      // UTC ms of the next day's start
  std::int64_t open_ms = 0;  // sum of its intervals
  const Interval* intervals = nullptr;  // sorted, disjoint, inside [start, end)
  std::uint32_t count = 0;
  bool open_day = false;  // a weekday with hours, not a holiday
  bool regular = true;    // one UTC offset all day: minute m is start + m * 60000
};

class DayTable {
 public:
  // Days kFirstCivil .. kEndCivil - 1 come from the zone; others are closed UTC days.
  static constexpr std::int64_t kFirstCivil = -1;   // 1969-12-31
  static constexpr std::int64_t kEndCivil = 24837;  // 2038-01-01 (excluded)
  static constexpr std::int64_t kChunkDays = 32;
  // UTC instants before / after every day of the table (UTC offsets are within -12h..+14h).
  // The functions clamp their inputs to them: outside, every day is closed, so the result is
  // the same, and no arithmetic on an extreme input (a crafted time) can overflow.
  static constexpr std::int64_t kLowMs = (kFirstCivil - 1) * 86'400'000LL;
  static constexpr std::int64_t kHighMs = (kEndCivil + 1) * 86'400'000LL;

  // zone: a date::time_zone* from date's database (lives as long as the program).
  DayTable(const date::time_zone* zone, const CalendarSpec& spec);
  ~DayTable();
  DayTable(const DayTable&) = delete;
  DayTable& operator=(const DayTable&) = delete;

  // Inline: every function of a Calendar calls these per day it walks.
  Day day(std::int64_t civil) const {
    if (civil < kFirstCivil || civil >= kEndCivil) return closed_day(civil);
    const std::int64_t offset = civil - kFirstCivil;
    return chunk(static_cast<std::size_t>(offset / kChunkDays))
        .days[static_cast<std::size_t>(offset % kChunkDays)];
  }
  // The local day containing UTC instant t.
  std::int64_t civil_containing(std::int64_t t) const {
    // UTC offsets lie within -12h..+14h: the local day is the UTC day, the one before or after.
    const std::int64_t u = floor_div(t, kDayMs);
    if (start_of(u + 1) <= t) return u + 1;
    if (start_of(u) <= t) return u;
    return u - 1;
  }
  // UTC ms of local `minute` (0..1440) of `d` by the gap/ambiguity rules; fast on regular days.
  std::int64_t instant(const Day& d, int minute) const;
  // The gap/ambiguity rules, straight from the zone (slow: a tz look-up).
  std::int64_t local_to_utc(std::int64_t civil, int minute) const;
  // The zone's UTC offset at instant t, in seconds (a tz look-up).
  std::int64_t utc_offset_s(std::int64_t t) const;

 private:
  struct Chunk {
    std::array<Day, kChunkDays> days;
    std::vector<Interval> intervals;
  };
  const Chunk& chunk(std::size_t index) const {
    if (const Chunk* c = chunks_[index].load(std::memory_order_acquire)) return *c;
    return build_locked(index);
  }
  const Chunk& build_locked(std::size_t index) const;  // builds and publishes it once
  std::unique_ptr<Chunk> build(std::size_t index) const;
  static Day closed_day(std::int64_t civil) {
    Day closed;  // outside the zone's listed transitions: a closed UTC day
    closed.civil = civil;
    closed.start = civil * kDayMs;
    closed.end = closed.start + kDayMs;
    return closed;
  }
  std::int64_t start_of(std::int64_t civil) const {
    if (civil < kFirstCivil || civil >= kEndCivil) return civil * kDayMs;
    const std::int64_t offset = civil - kFirstCivil;
    return chunk(static_cast<std::size_t>(offset / kChunkDays))
        .days[static_cast<std::size_t>(offset % kChunkDays)]
        .start;
  }
  bool holiday(std::int64_t civil) const;

  const date::time_zone* zone_;
  const CalendarSpec& spec_;
  std::vector<std::int64_t> holidays_;                     // sorted civil days
  mutable std::vector<std::atomic<const Chunk*>> chunks_;  // [chunk]; null until built
  mutable std::mutex build_mutex_;
};

}  // namespace orderwatch::calendar
