// Business calendars: an IANA time zone, weekly open hours and holidays, and the time
// arithmetic on them that business-hours SLAs and cut-offs need (open time between two
// instants, the instant an amount of open time is reached, the inverse of both deadline kinds).
//
// Times are epoch milliseconds UTC (std::int64_t), as everywhere in orderwatch. Local rules, all
// in the calendar's zone: a local time that does not exist (the spring gap) means the first
// instant after the gap; an ambiguous one (autumn) the earlier instant; day lengths follow the
// zone (a 00:00-24:00 day is 23h or 25h on DST days).
//
// Ownership and threading: a Calendar is immutable once made (make_calendar) and shared as
// std::shared_ptr<const Calendar>; every member is safe to call from any thread at once. Its
// per-day table (each local day's start, its open intervals in UTC, whether it is an open day)
// is built lazily, 32 days at a time, under an internal mutex and published through atomics:
// the first call touching a month pays ~32 zone look-ups (a few µs), every later call reads
// the table without locking and without walking the tz database.
// Cost: each function below is O(days spanned) (the days between its input and its result, a
// handful for a few hours of SLA), with whole days skipped by their open total; the common case
// (result on the same or next day) is a table look-up and a scan of one or two days' intervals:
// 12-35 ns (bench/calendar_bench), against < 1 ns for the wall clock's add or subtract.
//
// Range: the OS tzdata lists transitions up to 2037 and date-tz 3.0 does not extend them by the
// zone's POSIX rule, so calendars are defined on local days 1969-12-31 .. 2037-12-31; outside
// it every day is closed (a deadline there is kNoDeadline). Design: docs/design.md, "calendar".
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderwatch::calendar {

// No deadline: the function found none within kMaxSpanMs (only a calendar validation refuses).
inline constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();
// No entry time qualifies (equal to tracking's kNever: "no cutoff position").
inline constexpr std::int64_t kNoEntry = std::numeric_limits<std::int64_t>::min();
// The furthest a deadline may lie after its entry (the config refuses more); the walks of the
// functions below stop after about this far.
inline constexpr std::int64_t kMaxSpanMs = 366LL * 24 * 3600 * 1000;
inline constexpr int kMinutesPerDay = 24 * 60;

// A local calendar date (proleptic Gregorian).
struct LocalDate {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  auto operator<=>(const LocalDate&) const = default;
  bool valid() const;
  std::string to_string() const;  // "2026-12-24"
  // "YYYY-MM-DD", a real date; nullopt otherwise.
  static std::optional<LocalDate> parse(std::string_view text);
};

// Open from local minute `begin` up to (excluding) `end` of a day; 0 <= begin < end <= 1440.
struct OpenRange {
  int begin = 0;
  int end = 0;
  bool operator==(const OpenRange&) const = default;
};

// "HH:MM" -> minutes since local midnight (00:00..23:59, and 24:00 when allow_24).
std::optional<int> parse_clock(std::string_view text, bool allow_24);
std::string format_clock(int minute);  // 540 -> "09:00"
// "09:00-18:00" -> {540, 1080}; "00:00-24:00" is all day. Syntax only: a reversed range parses
// (the spec check refuses it, with a hint).
std::optional<OpenRange> parse_range(std::string_view text);

// What a calendar is made from; the config loader (sla/) fills it.
struct CalendarSpec {
  std::string timezone;                         // IANA name, e.g. "Europe/Berlin"
  std::array<std::vector<OpenRange>, 7> hours;  // [0 = Monday .. 6 = Sunday], any order
  std::vector<LocalDate> holidays;              // closed all day; duplicates allowed
};

// A problem with a spec, located by the part it is about (the loader maps it to a YAML node).
struct SpecProblem {
  enum class Where { kTimezone, kHours, kHolidays, kWeek };
  Where where = Where::kWeek;
  int weekday = -1;       // kHours: 0 = Monday; else -1
  std::size_t index = 0;  // kHours: the range's index in hours[weekday]; kHolidays: holiday's
  std::string message;
};

class Calendar;
struct MadeCalendar {
  std::shared_ptr<const Calendar> calendar;  // null when problems is not empty
  std::vector<SpecProblem> problems;
};
// Validates the spec and collects every problem: an unknown zone, a reversed, empty or
// overlapping range (or one outside 00:00-24:00), an invalid holiday date, no open hour in the
// week. Ranges are sorted; holidays sorted and deduplicated. Thread-safe.
MadeCalendar make_calendar(CalendarSpec spec);

// The cut-off rule of a status: entered on an open day before `cutoff` (local), due at `due`
// that day; at or after the cut-off, or on a closed day: due on the next open day; `due_days`
// adds that many further open days. An open day: a weekday with hours that is not a holiday.
struct CutoffRule {
  int cutoff = 0;    // local minute, 0..1440
  int due = 0;       // local minute, 0..1440 (1440: the next local midnight)
  int due_days = 0;  // >= 0
};

class DayTable;
class Calendar {
 public:
  ~Calendar();
  Calendar(const Calendar&) = delete;
  Calendar& operator=(const Calendar&) = delete;

  const CalendarSpec& spec() const { return spec_; }  // normalized (sorted) spec
  bool is_open_day(LocalDate date) const;

  // Open time in [from, to) (0 when to <= from).
  std::int64_t open_ms_between(std::int64_t from, std::int64_t to) const;
  // The earliest instant t with open_ms_between(from, t) >= duration: the deadline of an
  // open-time SLA (an entry while closed starts counting at the next opening); from itself
  // when duration <= 0; kNoDeadline past kMaxSpanMs.
  std::int64_t add_open(std::int64_t from, std::int64_t duration) const;
  // The inverse: the latest entry e with add_open(e, duration) <= w, exact to the
  // millisecond (that is, the latest e with open_ms_between(e, w) >= duration); kNoEntry when
  // none lies within kMaxSpanMs before w.
  std::int64_t latest_entry_open_due_by(std::int64_t w, std::int64_t duration) const;

  // The due instant of a stay entered at `entered` under `rule`; kNoDeadline past kMaxSpanMs.
  std::int64_t cutoff_due(std::int64_t entered, const CutoffRule& rule) const;
  // The inverse: the latest entry e with cutoff_due(e, rule) <= w; kNoEntry when none.
  std::int64_t latest_entry_cutoff_due_by(std::int64_t w, const CutoffRule& rule) const;

  // Instant t as RFC 3339 local time in the calendar's zone, with its UTC offset:
  // "2026-12-07T12:30:00+01:00" (".250" before the offset when t has milliseconds). A tz
  // look-up (~1 µs): for the drill-down, not the tick.
  std::string format_local(std::int64_t t) const;

  // The instants where a deadline function of this calendar can be furthest from its entry
  // (where the calendar closes, each local day's start, each open day's `cutoff` minute when
  // given), in [from, to): the config check evaluates deadline - entry there (deadline.h).
  std::vector<std::int64_t> span_candidates(std::int64_t from, std::int64_t to,
                                            std::optional<int> cutoff) const;
  // The window that check covers: the year 2026 (both DST changes) and every holiday, with a
  // week and a half of margin each side.
  std::pair<std::int64_t, std::int64_t> span_check_window() const;

 private:
  friend MadeCalendar make_calendar(CalendarSpec spec);
  Calendar(CalendarSpec spec, const void* zone);
  std::int64_t instant(std::int64_t civil_day, int minute) const;

  CalendarSpec spec_;
  std::unique_ptr<DayTable> days_;
};

}  // namespace orderwatch::calendar
