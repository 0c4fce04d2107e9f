// Drill-down cost against the number of tracked orders: a page of 100 overdue orders must cost
// the same at 1,000 and at 10,000,000 orders (a bounded walk of the status index), unlike the
// naive answer (scan every order, keep the oldest 100), measured here as the baseline.
//   BM_OverduePage/N            first page of one status (TrackerService, lock included)
//   BM_OverduePageAtCursor/N    a page resumed from a cursor in the middle of the overdue list
//   BM_OverduePageAllStatuses/N first page merged across every status
//   BM_OverdueJson/N            the HTTP handler: query + JSON rendering of the page
//   BM_Find/N                   one order by id
//   BM_NaiveOldestScan/N        baseline: scan N (entered, id) records, partial-sort 100
// Each /N run reports `x_1k`: its time per page divided by the same benchmark's time at
// N = 1,000 in this run (1.0 = flat).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <random>

#include "orderwatch/tracking/service.h"
#include "orderwatch/web/drilldown.h"
#include "workload.h"

namespace orderwatch::bench {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;
constexpr std::int64_t kHour = 3'600'000;

const sla::Config& shop() {
  static const sla::Config config = sla::load_string(kShopConfig);
  return config;
}

// N orders spread over Placed/Authorized/Shipped with entry times uniform over the last 10 h,
// applied in random time order (so index chunks are split and merged as in real traffic).
struct Loaded {
  std::unique_ptr<tracking::TrackerService> service;
  std::vector<std::string> ids;
};

Loaded& loaded(std::size_t n) {
  static std::map<std::size_t, Loaded> cache;
  auto [it, fresh] = cache.try_emplace(n);
  if (!fresh) return it->second;
  Loaded& l = it->second;
  l.service = std::make_unique<tracking::TrackerService>(shop(), [] { return kNow; });
  l.service->reserve(n);
  std::mt19937_64 rng(5);
  const char* regions[] = {"eu-west", "eu-north", "us-east", "us-west", "ap-south"};
  l.ids.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    l.ids.push_back(random_id(rng) + std::to_string(i));
    events::Event e;
    e.id = l.ids.back();
    e.status = static_cast<std::uint8_t>(i % 3);
    e.time_ms = kNow - static_cast<std::int64_t>(rng() % (10 * kHour));
    e.dims[0] = regions[rng() % 5];
    e.has_dim[0] = true;
    l.service->apply(e, kNow);
  }
  l.service->tick();
  return l;
}

// Time per iteration of this benchmark at N = 1,000, recorded when that run happens (first).
void report_ratio(benchmark::State& state, const char* family, double ns_per_iter) {
  static std::map<std::string, double> baseline;
  if (state.range(0) == 1000) baseline[family] = ns_per_iter;
  if (auto it = baseline.find(family); it != baseline.end() && it->second > 0) {
    state.counters["x_1k"] = ns_per_iter / it->second;
  }
  state.counters["orders"] = static_cast<double>(state.range(0));
}

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// The ratio uses this thread's CPU time: other processes on the machine do not skew it.
template <typename F>
void timed(benchmark::State& state, const char* family, F&& body) {
  const double start = thread_cpu_ns();
  for (auto _ : state) body();
  report_ratio(state, family, (thread_cpu_ns() - start) / static_cast<double>(state.iterations()));
}

void BM_OverduePage(benchmark::State& state) {
  auto& l = loaded(static_cast<std::size_t>(state.range(0)));
  tracking::OverdueQuery q;
  q.status = "Placed";  // 15m SLA: ~97% of Placed orders are overdue
  q.limit = 100;
  std::size_t got = 0;
  timed(state, "page", [&] {
    auto page = l.service->overdue(q);
    got = page.orders.size();
    benchmark::DoNotOptimize(page.orders.data());
  });
  state.counters["page"] = static_cast<double>(got);
}

void BM_OverduePageAtCursor(benchmark::State& state) {
  auto& l = loaded(static_cast<std::size_t>(state.range(0)));
  tracking::OverdueQuery q;
  q.status = "Authorized";
  q.limit = 100;
  // A cursor 5 h back, half-way through the overdue orders (the epoch is not this tracker's,
  // so the page resumes at the cursor's millisecond: the same seek, by time).
  q.after = tracking::OrderCursor{kNow - 5 * kHour, 0, 0};
  std::size_t got = 0;
  timed(state, "cursor", [&] {
    auto page = l.service->overdue(q);
    got = page.orders.size();
    benchmark::DoNotOptimize(page.orders.data());
  });
  state.counters["page"] = static_cast<double>(got);
}

void BM_OverduePageAllStatuses(benchmark::State& state) {
  auto& l = loaded(static_cast<std::size_t>(state.range(0)));
  tracking::OverdueQuery q;
  q.limit = 100;
  std::size_t got = 0;
  timed(state, "merge", [&] {
    auto page = l.service->overdue(q);
    got = page.orders.size();
    benchmark::DoNotOptimize(page.orders.data());
  });
  state.counters["page"] = static_cast<double>(got);
}

void BM_OverdueJson(benchmark::State& state) {
  auto& l = loaded(static_cast<std::size_t>(state.range(0)));
  web::DrilldownApi api(*l.service, "bench");
  const web::HttpRequest req{"GET", "/api/v1/overdue", "status=Placed&limit=100", "", ""};
  std::size_t bytes = 0;
  timed(state, "json", [&] {
    auto r = api.overdue(req);
    bytes = r.body.size();
    benchmark::DoNotOptimize(r.body.data());
  });
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_Find(benchmark::State& state) {
  auto& l = loaded(static_cast<std::size_t>(state.range(0)));
  std::mt19937_64 rng(9);
  timed(state, "find", [&] {
    auto found = l.service->find(l.ids[rng() % l.ids.size()]);
    benchmark::DoNotOptimize(found.order);
  });
}

void BM_NaiveOldestScan(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::mt19937_64 rng(5);
  std::vector<std::pair<std::int64_t, std::uint32_t>> records(n);
  for (std::size_t i = 0; i < n; ++i) {
    records[i] = {kNow - static_cast<std::int64_t>(rng() % (10 * kHour)),
                  static_cast<std::uint32_t>(i)};
  }
  std::vector<std::pair<std::int64_t, std::uint32_t>> overdue;
  overdue.reserve(n);
  timed(state, "naive", [&] {
    overdue.clear();
    for (const auto& r : records) {
      if (r.first <= kNow - 15 * 60'000) overdue.push_back(r);
    }
    const auto k = std::min<std::size_t>(100, overdue.size());
    std::partial_sort(overdue.begin(), overdue.begin() + static_cast<std::ptrdiff_t>(k),
                      overdue.end());
    benchmark::DoNotOptimize(overdue.data());
  });
}

#define SIZES Arg(1'000)->Arg(100'000)->Arg(10'000'000)
BENCHMARK(BM_OverduePage)->SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OverduePageAtCursor)->SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OverduePageAllStatuses)->SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OverdueJson)->SIZES->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Find)->SIZES->Unit(benchmark::kNanosecond);
BENCHMARK(BM_NaiveOldestScan)->SIZES->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace orderwatch::bench

BENCHMARK_MAIN();
