// The brute-force proof: every minute of a fortnight around each DST change of
// Europe/Berlin and America/New_York (weekends, a holiday, a lunch break, ranges that begin or
// end in the spring gap or the autumn's repeated hour), and America/Santiago's midnight change,
// each deadline function and its inverse against a naive minute-stepping reference built with
// date::zoned_time.
#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "orderwatch/calendar/calendar.h"
#include "orderwatch/calendar/deadline.h"
#include "test_util.h"

namespace orderwatch::calendar::test {
namespace {

// The calendar every fortnight uses (zone aside): weekdays with a lunch break, a short
// Saturday, and Sunday night hours across the DST changes (02:30 is in the spring gap in both
// zones and in Berlin's repeated autumn hour).
CalendarSpec spec_in(const std::string& zone) {
  CalendarSpec spec = weekdays(zone, {r("09:00-12:30"), r("13:30-18:00")},
                               {{2026, 3, 6}, {2026, 4, 3}, {2026, 10, 23}, {2026, 11, 3}});
  spec.hours[5] = {r("10:00-14:00")};
  spec.hours[6] = {r("00:00-02:30"), r("03:30-05:00")};
  return spec;
}

// The reference: a local day's ranges, each end mapped to UTC by date::zoned_time with
// choose::earliest (the earlier instant of an ambiguous time; a nonexistent one maps to the
// transition, the first instant after the gap); a UTC minute is open iff it lies in a range of
// its own local day and that day is no holiday. Everything else steps minute by minute.
class Reference {
 public:
  Reference(const CalendarSpec& spec, std::int64_t first_minute, std::int64_t minutes)
      : spec_(spec), zone_(date::locate_zone(spec.timezone)), first_(first_minute) {
    open_.resize(static_cast<std::size_t>(minutes));
    cum_.resize(open_.size() + 1);
    for (std::size_t i = 0; i < open_.size(); ++i) {
      open_[i] = open_at((first_ + static_cast<std::int64_t>(i)) * kMinute);
      cum_[i + 1] = cum_[i] + (open_[i] ? 1 : 0);
    }
  }
  std::int64_t ms(std::size_t i) const { return (first_ + static_cast<std::int64_t>(i)) * kMinute; }
  std::size_t index(std::int64_t t) const { return static_cast<std::size_t>(t / kMinute - first_); }
  // The first minute boundary j >= i where the open minutes of [i, j) reach `minutes`.
  std::size_t add_open(std::size_t i, std::int64_t minutes, std::size_t j) const {
    j = std::max(i, j);
    while (cum_[j] - cum_[i] < minutes) {
      if (++j >= open_.size()) throw std::out_of_range("the reference window is too short");
    }
    return j;
  }
  // Open minutes in [minute i, minute j).
  std::int64_t open_minutes(std::size_t i, std::size_t j) const { return cum_[j] - cum_[i]; }
  std::int64_t utc_of(date::local_days day, int minute) const {
    const date::zoned_time<std::chrono::seconds> z(
        zone_, date::local_seconds{day} + std::chrono::minutes(minute), date::choose::earliest);
    return z.get_sys_time().time_since_epoch().count() * 1000;
  }
  date::local_days day_of(std::int64_t t) const {
    const date::zoned_time<std::chrono::milliseconds> z(
        zone_, date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{t}});
    return date::floor<date::days>(z.get_local_time());
  }
  bool open_day(date::local_days day) const {
    const date::year_month_day ymd{day};
    const LocalDate d{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                      static_cast<unsigned>(ymd.day())};
    const auto& ranges = hours(day);
    return !ranges.empty() &&
           std::find(spec_.holidays.begin(), spec_.holidays.end(), d) == spec_.holidays.end();
  }
  // The cut-off rule read literally: the entry's local day if open and entered before its
  // cut-off instant, else the next open day; due_days more open days; that day's due instant.
  std::int64_t cutoff_due(std::int64_t entered, const CutoffRule& rule) const {
    date::local_days day = day_of(entered);
    if (!(open_day(day) && entered < utc_of(day, rule.cutoff))) {
      do day += date::days{1};
      while (!open_day(day));
    }
    for (int k = 0; k < rule.due_days; ++k) {
      do day += date::days{1};
      while (!open_day(day));
    }
    return utc_of(day, rule.due);
  }

 private:
  const std::vector<OpenRange>& hours(date::local_days day) const {
    return spec_.hours[date::weekday{day}.iso_encoding() - 1];
  }
  bool open_at(std::int64_t t) const {
    const date::local_days day = day_of(t);
    if (!open_day(day)) return false;
    for (const auto& range : hours(day)) {
      if (utc_of(day, range.begin) <= t && t < utc_of(day, range.end)) return true;
    }
    return false;
  }

  const CalendarSpec& spec_;
  const date::time_zone* zone_;
  std::int64_t first_;
  std::vector<bool> open_;
  std::vector<std::int64_t> cum_;  // open minutes before each minute
};

struct Fortnight {
  const char* zone;
  LocalDate first;  // 14 days of entries from its 00:00Z
};

void PrintTo(const Fortnight& f, std::ostream* out) {
  *out << f.zone << " from " << f.first.to_string();
}

constexpr std::int64_t kDays = 14, kMargin = 12;  // entries; the deadlines' room after them

class BruteForce : public ::testing::TestWithParam<Fortnight> {
 protected:
  void SetUp() override {
    const auto& f = GetParam();
    spec_ = spec_in(f.zone);
    cal_ = make(spec_);
    ASSERT_TRUE(cal_);
    first_ = utc(f.first.year, f.first.month, f.first.day);
    ref_ = std::make_unique<Reference>(spec_, first_ / kMinute, (kDays + kMargin) * 1440);
  }
  // Checks a deadline function against the reference deadlines `expected` of every entry minute
  // of the fortnight, then its inverse at every minute W of the fortnight and the margin.
  void check(const CalendarDeadline& tier, const std::vector<std::int64_t>& expected) {
    const std::size_t entries = kDays * 1440;
    for (std::size_t i = 0; i < entries; ++i) {
      ASSERT_EQ(tier.deadline(ref_->ms(i)), expected[i]) << "entered " << ref_->ms(i);
    }
    std::size_t latest = 0;  // entries [0, latest) are due by W (expected is non-decreasing)
    for (std::size_t w_i = 0; w_i < (kDays + kMargin) * 1440; ++w_i) {
      const std::int64_t w = ref_->ms(w_i);
      while (latest < entries && expected[latest] <= w) ++latest;
      const std::int64_t got = tier.latest_entry_due_by(w);
      // Exact to the millisecond: due by W, and one millisecond later not.
      if (got != kNoEntry) {
        ASSERT_LE(tier.deadline(got), w) << "W " << w;
      }
      ASSERT_GT(tier.deadline(got == kNoEntry ? ref_->ms(0) - 1 : got + 1), w) << "W " << w;
      // The reference's latest due entry minute, where it lies inside the fortnight.
      if (latest > 0 && latest < entries) {
        ASSERT_EQ(got - (got % kMinute + kMinute) % kMinute, ref_->ms(latest - 1)) << "W " << w;
      }
    }
  }

  CalendarSpec spec_;
  std::shared_ptr<const Calendar> cal_;
  std::int64_t first_ = 0;
  std::unique_ptr<Reference> ref_;
};

TEST_P(BruteForce, OpenTimeDeadlinesAndInverses) {
  for (const std::int64_t minutes : {1, 90, 240, 1200}) {
    SCOPED_TRACE(minutes);
    std::vector<std::int64_t> expected;
    std::size_t j = 0;
    for (std::size_t i = 0; i < kDays * 1440; ++i) {
      j = ref_->add_open(i, minutes, j);
      expected.push_back(ref_->ms(j));
    }
    check(CalendarDeadline::open_time(cal_, minutes * kMinute), expected);
  }
}

TEST_P(BruteForce, OpenTimeBetweenInstants) {
  const std::size_t n = (kDays + kMargin) * 1440;
  for (std::size_t i = 0; i < kDays * 1440; i += 7) {
    for (const std::size_t len : {std::size_t{1}, std::size_t{95}, std::size_t{3 * 1440 + 11}}) {
      ASSERT_EQ(cal_->open_ms_between(ref_->ms(i), ref_->ms(std::min(i + len, n - 1))),
                ref_->open_minutes(i, std::min(i + len, n - 1)) * kMinute)
          << ref_->ms(i) << " +" << len;
    }
  }
}

TEST_P(BruteForce, CutoffDeadlinesAndInverses) {
  const CutoffRule rules[] = {{14 * 60, 18 * 60, 0}, {14 * 60, 12 * 60, 1}, {150, 210, 0}};
  for (const auto& rule : rules) {
    std::vector<std::int64_t> due;
    for (std::size_t i = 0; i < kDays * 1440; ++i)
      due.push_back(ref_->cutoff_due(ref_->ms(i), rule));
    for (const std::int64_t late_by : {0, 120}) {
      SCOPED_TRACE(format_clock(rule.cutoff) + " " + std::to_string(late_by));
      std::vector<std::int64_t> expected;
      std::size_t j = 0;
      for (std::size_t i = 0; i < due.size(); ++i) {
        j = ref_->add_open(ref_->index(due[i]), late_by, j);
        expected.push_back(ref_->ms(j));
      }
      check(CalendarDeadline::cutoff(cal_, rule, late_by * kMinute), expected);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    DstChanges, BruteForce,
    ::testing::Values(Fortnight{"America/New_York", {2026, 3, 1}},
                      Fortnight{"Europe/Berlin", {2026, 3, 23}},
                      Fortnight{"Europe/Berlin", {2026, 10, 19}},
                      Fortnight{"America/New_York", {2026, 10, 26}},
                      // Santiago springs forward at local midnight: Sunday 2026-09-06 starts
                      // at 01:00, and "00:00-02:30" opens then.
                      Fortnight{"America/Santiago", {2026, 8, 31}}),
    [](const auto& param_info) {
      std::string name = param_info.param.zone;
      name = name.substr(name.find('/') + 1) + "_" + std::to_string(param_info.param.first.month);
      return name;
    });

}  // namespace
}  // namespace orderwatch::calendar::test
