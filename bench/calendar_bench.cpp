// Calendar deadline functions against the wall-clock ones they stand beside in the tracker
// (same run): an order entry's deadline (entered + threshold vs add_open / cutoff_due) and a
// tick's inversion per tier (W - threshold vs latest_entry_due_by), with W advancing as ticks
// do. Mon-Fri 09:00-18:00 Europe/Berlin with a lunch break and holidays; entries spread over
// two months. The per-day table is warmed first (a first touch of a month costs ~32 zone
// look-ups once per calendar).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "orderwatch/calendar/calendar.h"
#include "orderwatch/calendar/deadline.h"

namespace {

using orderwatch::calendar::CalendarDeadline;
using orderwatch::calendar::CalendarSpec;
using orderwatch::calendar::CutoffRule;

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kStart = 1796083200000;  // 2026-12-01T00:00:00Z
constexpr std::int64_t kSpan = 61LL * 24 * kHour;

std::shared_ptr<const orderwatch::calendar::Calendar> office() {
  CalendarSpec spec;
  spec.timezone = "Europe/Berlin";
  for (int w = 0; w < 5; ++w) spec.hours[static_cast<std::size_t>(w)] = {{540, 750}, {810, 1080}};
  spec.holidays = {{2026, 12, 24}, {2026, 12, 25}, {2026, 12, 31}, {2027, 1, 1}};
  auto made = orderwatch::calendar::make_calendar(spec);
  return made.calendar;
}

const std::vector<std::int64_t>& entries() {
  static const std::vector<std::int64_t> e = [] {
    std::mt19937_64 rng(42);
    std::uniform_int_distribution<std::int64_t> at(kStart, kStart + kSpan);
    std::vector<std::int64_t> v(4096);
    for (auto& x : v) x = at(rng);
    return v;
  }();
  return e;
}

CalendarDeadline warmed(CalendarDeadline d) {
  for (std::int64_t t = kStart - 24 * kHour; t < kStart + kSpan + 30 * 24 * kHour; t += kHour) {
    benchmark::DoNotOptimize(d.deadline(t));
  }
  return d;
}

void BM_WallClockDeadline(benchmark::State& state) {
  const auto& e = entries();
  const std::int64_t threshold = 4 * kHour;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(e[i++ & 4095] + threshold);
  }
}
BENCHMARK(BM_WallClockDeadline);

void BM_OpenTimeDeadline(benchmark::State& state) {
  const auto tier = warmed(CalendarDeadline::open_time(office(), state.range(0) * kHour));
  const auto& e = entries();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tier.deadline(e[i++ & 4095]));
}
BENCHMARK(BM_OpenTimeDeadline)->Arg(4)->Arg(40);

void BM_CutoffDeadline(benchmark::State& state) {
  const auto tier =
      warmed(CalendarDeadline::cutoff(office(), CutoffRule{840, 1080, 0}, state.range(0) * kHour));
  const auto& e = entries();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(tier.deadline(e[i++ & 4095]));
}
BENCHMARK(BM_CutoffDeadline)->Arg(0)->Arg(2);

// A tick: W moves by 1s (a tick's step); one inversion per tier.
void BM_WallClockInvert(benchmark::State& state) {
  std::int64_t w = kStart;
  const std::int64_t threshold = 4 * kHour;
  for (auto _ : state) {
    w += 1000;
    if (w > kStart + kSpan) w = kStart;
    benchmark::DoNotOptimize(w - threshold);
  }
}
BENCHMARK(BM_WallClockInvert);

void BM_OpenTimeLatestEntryDueBy(benchmark::State& state) {
  const auto tier = warmed(CalendarDeadline::open_time(office(), state.range(0) * kHour));
  std::int64_t w = kStart;
  for (auto _ : state) {
    w += 1000;
    if (w > kStart + kSpan) w = kStart;
    benchmark::DoNotOptimize(tier.latest_entry_due_by(w));
  }
}
BENCHMARK(BM_OpenTimeLatestEntryDueBy)->Arg(4)->Arg(40);

void BM_CutoffLatestEntryDueBy(benchmark::State& state) {
  const auto tier =
      warmed(CalendarDeadline::cutoff(office(), CutoffRule{840, 1080, 0}, state.range(0) * kHour));
  std::int64_t w = kStart;
  for (auto _ : state) {
    w += 1000;
    if (w > kStart + kSpan) w = kStart;
    benchmark::DoNotOptimize(tier.latest_entry_due_by(w));
  }
}
BENCHMARK(BM_CutoffLatestEntryDueBy)->Arg(0)->Arg(2);

// The first use of a calendar: make_calendar and the first month's table.
void BM_MakeCalendarAndFirstMonth(benchmark::State& state) {
  for (auto _ : state) {
    auto cal = office();
    benchmark::DoNotOptimize(cal->add_open(kStart, 4 * kHour));
  }
}
BENCHMARK(BM_MakeCalendarAndFirstMonth);

}  // namespace

BENCHMARK_MAIN();
