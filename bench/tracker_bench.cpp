// Tracker throughput, deadline ticks and /metrics rendering, each against a baseline measured
// in the same run:
//   BM_TrackerApply(Batch) / BM_NaiveMapApply   events/s with 1,000,000 orders in flight; the naive
//                                        baseline is std::unordered_map<std::string, state>
//                                        doing the same bookkeeping without the deadline index
//   BM_TickNothingCrossing / BM_ScanOverdue   one deadline tick at 10,000,000 orders when no
//                                        order crosses, vs. the full scan it replaces
//   BM_TickCalendarVsWallClock           ticks at 1,000,000 orders with ~139 crossing each,
//                                        business-hours SLA vs the same wall-clock SLA
//   BM_RenderMetrics/0, /1000, /10000000 Collect()+text rendering with 0, 1k and 10M orders
//                                        (the age gauge histogram included): flat in orders
#include <benchmark/benchmark.h>

#include <ctime>
#include <memory>
#include <unordered_map>

#include "orderwatch/metrics/collector.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/tracker.h"
#include "workload.h"

namespace orderwatch::bench {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

const sla::Config& shop() {
  static const sla::Config config = sla::load_string(kShopConfig);
  return config;
}

const Workload& walk_1m() {
  static const Workload w = make_walk(1'000'000, 4'000'000, kT0);
  return w;
}

void BM_TrackerApply(benchmark::State& state) {
  const Workload& w = walk_1m();
  tracking::OrderTracker tracker(shop());
  tracker.reserve(1'100'000);
  for (auto id : w.initial) tracker.apply(to_event(w, {id, 0, kT0 - 1}), kT0);
  tracker.tick(kT0);
  std::size_t i = 0;
  std::int64_t last_tick = kT0;
  for (auto _ : state) {
    const auto& s = w.steps[i];
    benchmark::DoNotOptimize(tracker.apply(to_event(w, s), s.time_ms));
    if (s.time_ms - last_tick >= 1000) tracker.tick(last_tick = s.time_ms);
    ++i;  // 3M iterations stay within the ~5M-step walk: every event is a real move
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["in_flight"] = static_cast<double>(tracker.tracked());
}
BENCHMARK(BM_TrackerApply)->Iterations(3'000'000)->Unit(benchmark::kNanosecond);

// The same walk with two milestones configured (issue 25: at least 0.7x the events/s of
// BM_TrackerApply, same run): a 24h clock from Placed to Shipped, and a promise read from the
// Placed events (2 days after them) until Delivered or Cancelled, at risk 6h before.
const sla::Config& shop_with_milestones() {
  static const sla::Config config = sla::load_string(std::string(kShopConfig) + R"(
milestones:
  - {name: shipped_in_24h, from: [Placed], until: [Shipped], sla: 24h}
  - name: delivery_promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    warn_before: 6h
    severity: page
)");
  return config;
}

// The walk's event, with a promise 2 days out on the Placed ones.
events::Event with_promise(const Workload& w, const Workload::Step& s) {
  events::Event e = to_event(w, s);
  if (s.status == 0) {
    e.deadline_ms[0] = s.time_ms + 48 * 3'600'000LL;
    e.has_deadline = 1;
  }
  return e;
}

void BM_TrackerApplyMilestones(benchmark::State& state) {
  const Workload& w = walk_1m();
  tracking::OrderTracker tracker(shop_with_milestones());
  tracker.reserve(1'100'000);
  auto event = [&w](const Workload::Step& s) { return with_promise(w, s); };
  for (auto id : w.initial) tracker.apply(event({id, 0, kT0 - 1}), kT0);
  tracker.tick(kT0);
  std::size_t i = 0;
  std::int64_t last_tick = kT0;
  for (auto _ : state) {
    const auto& s = w.steps[i];
    benchmark::DoNotOptimize(tracker.apply(event(s), s.time_ms));
    if (s.time_ms - last_tick >= 1000) tracker.tick(last_tick = s.time_ms);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["in_flight"] = static_cast<double>(tracker.tracked());
}
BENCHMARK(BM_TrackerApplyMilestones)->Iterations(3'000'000)->Unit(benchmark::kNanosecond);

// The same walk through apply_batch, 256 events at a time (as the ingest path hands them
// over): lookups of later events are prefetched while earlier ones are applied. `event` makes
// the walk's events (to_event, or with_promise for the milestones).
template <typename MakeEvent>
void apply_in_batches(benchmark::State& state, const sla::Config& config, MakeEvent event) {
  constexpr std::size_t kBatch = 256;
  const Workload& w = walk_1m();
  tracking::OrderTracker tracker(config);
  tracker.reserve(1'100'000);
  for (auto id : w.initial) tracker.apply(event(w, {id, 0, kT0 - 1}), kT0);
  tracker.tick(kT0);
  std::vector<events::Event> batch(kBatch);
  std::vector<tracking::ApplyResult> results(kBatch);
  std::size_t i = 0;
  std::int64_t last_tick = kT0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < kBatch; ++k) batch[k] = event(w, w.steps[i + k]);
    tracker.apply_batch(batch, w.steps[i].time_ms, results);
    benchmark::DoNotOptimize(results.data());
    i += kBatch;
    if (w.steps[i].time_ms - last_tick >= 1000) tracker.tick(last_tick = w.steps[i].time_ms);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.counters["in_flight"] = static_cast<double>(tracker.tracked());
}

void BM_TrackerApplyBatch(benchmark::State& state) {
  apply_in_batches(state, shop(),
                   [](const Workload& w, const Workload::Step& s) { return to_event(w, s); });
}
// 3M events, as BM_TrackerApply.
BENCHMARK(BM_TrackerApplyBatch)->Iterations(3'000'000 / 256)->Unit(benchmark::kNanosecond);

// The same batches with the two milestones of BM_TrackerApplyMilestones: the ingest path's
// figure for issue 25's "at least 0.7x" (against BM_TrackerApplyBatch, same run).
void BM_TrackerApplyBatchMilestones(benchmark::State& state) {
  apply_in_batches(state, shop_with_milestones(), with_promise);
}
BENCHMARK(BM_TrackerApplyBatchMilestones)
    ->Iterations(3'000'000 / 256)
    ->Unit(benchmark::kNanosecond);

// The realistic shop (time-ordered, exponential stays) at ~1,000,000 in flight. Warm-up
// events (before kT0) are applied untimed; the measured part is the steady state.
void BM_TrackerApplyShop(benchmark::State& state) {
  static const Workload w = make_shop(1'000'000, 3'000'000, kT0);
  tracking::OrderTracker tracker(shop());
  tracker.reserve(1'200'000);
  std::size_t i = 0;
  std::int64_t last_tick = 0;
  for (; w.steps[i].time_ms < kT0; ++i) {
    tracker.apply(to_event(w, w.steps[i]), w.steps[i].time_ms);
    if (w.steps[i].time_ms - last_tick >= 1000) tracker.tick(last_tick = w.steps[i].time_ms);
  }
  const std::size_t warm = i;
  for (auto _ : state) {
    const auto& s = w.steps[i];
    benchmark::DoNotOptimize(tracker.apply(to_event(w, s), s.time_ms));
    // The service ticks once a second of wall clock; here event time stands in for it.
    if (s.time_ms - last_tick >= 1000) tracker.tick(last_tick = s.time_ms);
    if (++i == w.steps.size()) i = warm;  // not reached at 2M iterations
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["in_flight"] = static_cast<double>(tracker.tracked());
}
BENCHMARK(BM_TrackerApplyShop)->Iterations(2'000'000)->Unit(benchmark::kNanosecond);

// The obvious implementation: a node-based map from id string to state, the same duration
// and transition bookkeeping, no ordered index, no tombstones.
void BM_NaiveMapApply(benchmark::State& state) {
  struct Naive {
    std::uint8_t status;
    std::int64_t entered;
    std::int64_t first_seen;
  };
  const Workload& w = walk_1m();
  std::unordered_map<std::string, Naive> orders;
  orders.reserve(1'100'000);
  std::vector<std::uint64_t> hist(5 * 24), transitions(25), in_status(5);
  for (auto id : w.initial) orders.emplace(w.ids[id], Naive{0, kT0 - 1, kT0 - 1});
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& s = w.steps[i];
    const auto e = to_event(w, s);
    auto it = orders.find(std::string(e.id));
    if (it == orders.end()) {
      orders.emplace(std::string(e.id), Naive{e.status, e.time_ms, e.time_ms});
      ++in_status[e.status];
    } else if (it->second.status != e.status && e.time_ms >= it->second.entered) {
      const auto stay = e.time_ms - it->second.entered;
      ++hist[it->second.status * 24 +
             static_cast<std::size_t>(std::min<std::int64_t>(stay / 60000, 23))];
      ++transitions[it->second.status * 5 + e.status];
      --in_status[it->second.status];
      if (e.status >= 3) {
        orders.erase(it);
      } else {
        it->second.status = e.status;
        it->second.entered = e.time_ms;
        ++in_status[e.status];
      }
    }
    ++i;
  }
  benchmark::DoNotOptimize(hist.data());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NaiveMapApply)->Iterations(3'000'000)->Unit(benchmark::kNanosecond);

// 10M orders entered over the last hour before kT0 + 1h; ticks advance 1 ms at a time from
// kT0 + 1h, so no order reaches even the 15m SLA: the tick's work is pure overhead.
tracking::OrderTracker& tracker_10m() {
  static tracking::OrderTracker* tracker = [] {
    auto* t = new tracking::OrderTracker(shop());
    t->reserve(10'000'000);
    std::mt19937_64 rng(9);
    for (std::size_t i = 0; i < 10'000'000; ++i) {
      const std::string id = random_id(rng) + std::to_string(i % 7);
      events::Event e;
      e.id = id;
      e.status = static_cast<std::uint8_t>(i % 3);
      e.time_ms = kT0 + 3'600'000 - static_cast<std::int64_t>(i % 600'000);
      e.dims[0] = "eu-west";
      e.has_dim[0] = true;
      t->apply(e, kT0 + 3'600'000 - 30'000);  // arrived an idle timeout (30s) before
    }
    t->tick(kT0 + 3'600'000 - 30'000);
    t->tick(kT0 + 3'600'000);  // idle: W is the wall clock, as at every tick of the benchmark
    return t;
  }();
  return *tracker;
}

void BM_TickNothingCrossing(benchmark::State& state) {
  auto& tracker = tracker_10m();
  std::int64_t now = kT0 + 3'600'000;
  for (auto _ : state) tracker.tick(++now);
  state.counters["orders"] = static_cast<double>(tracker.tracked());
}
BENCHMARK(BM_TickNothingCrossing)->Iterations(100'000)->Unit(benchmark::kMicrosecond);

// What a scan-based design pays per tick: visit every order's entry time.
void BM_ScanOverdue(benchmark::State& state) {
  std::vector<std::int64_t> entered(10'000'000);
  for (std::size_t i = 0; i < entered.size(); ++i)
    entered[i] = kT0 - static_cast<std::int64_t>(i % 600'000);
  std::int64_t now = kT0;
  for (auto _ : state) {
    std::size_t overdue = 0;
    const std::int64_t cutoff = ++now - 900'000;
    for (auto t : entered) overdue += t <= cutoff;
    benchmark::DoNotOptimize(overdue);
  }
}
BENCHMARK(BM_ScanOverdue)->Iterations(20)->Unit(benchmark::kMicrosecond);

// The same 1,000,000 orders and the same ticks under a wall-clock SLA and a business-hours one
// (issue 24: the calendar tick must cost at most 1.5x the wall clock's). Orders enter Review
// on Monday 2026-12-07 between 09:00 and 11:00 Berlin (the calendar is open Mon-Fri
// 09:00-18:00), SLA 4h and an 8h escalation either way; ticks advance W one second at a time
// from 13:00, so the same ~139 orders cross the first tier at each tick in both trackers (open
// time equals wall time within the open day). Each iteration ticks both once, timed by this
// thread's CPU clock, so the machine's drift hits both alike; the counters give each tick's
// mean cost and their ratio.
constexpr std::int64_t kMon0900Berlin = 1'796'630'400'000;
const char* kTickConfig = R"(service: bench
nats: {subject: "orders.>"}
event: {idle_timeout: 1ms}
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-18:00"}}
statuses:
  - {name: Placed, sla: 15m}
  - name: Review
    sla: 4h
    escalations: [{after: 8h, severity: page}]
  - name: ReviewOffice
    calendar: office
    sla: 4h
    escalations: [{after: 8h, severity: page}]
  - {name: Delivered, terminal: true}
)";

std::unique_ptr<tracking::OrderTracker> review_tracker(std::uint8_t status) {
  static const sla::Config config = sla::load_string(kTickConfig);
  auto t = std::make_unique<tracking::OrderTracker>(config);
  t->reserve(1'000'000);
  std::mt19937_64 rng(5);
  const std::int64_t span = 2 * 3'600'000;
  for (std::size_t i = 0; i < 1'000'000; ++i) {
    const std::string id = random_id(rng) + std::to_string(i % 7);
    events::Event e;
    e.id = id;
    e.status = status;
    e.time_ms = kMon0900Berlin + static_cast<std::int64_t>(i) * span / 1'000'000;
    t->apply(e, e.time_ms);
  }
  return t;
}

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void BM_TickCalendarVsWallClock(benchmark::State& state) {
  const auto wall = review_tracker(1);
  const auto office = review_tracker(2);
  std::int64_t now = kMon0900Berlin + 4 * 3'600'000;  // 13:00: nothing crossed yet
  wall->tick(now);
  office->tick(now);
  std::int64_t wall_ns = 0, office_ns = 0;
  for (auto _ : state) {
    now += 1000;
    const std::int64_t t0 = thread_cpu_ns();
    wall->tick(now);
    const std::int64_t t1 = thread_cpu_ns();
    office->tick(now);
    office_ns += thread_cpu_ns() - t1;
    wall_ns += t1 - t0;
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["wall_us"] = static_cast<double>(wall_ns) / n / 1000.0;
  state.counters["calendar_us"] = static_cast<double>(office_ns) / n / 1000.0;
  state.counters["ratio"] = static_cast<double>(office_ns) / static_cast<double>(wall_ns);
  tracking::TrackerSnapshot a, b;
  wall->snapshot(a);
  office->snapshot(b);
  // Both judged the same orders overdue: the comparison is like for like.
  if (a.breaches[1][0] != b.breaches[2][0] || a.breaches[1][0] == 0) {
    state.SkipWithError("the two trackers disagree on the breaches");
  }
  state.counters["crossed_per_tick"] = static_cast<double>(b.breaches[2][0]) / n;
}
BENCHMARK(BM_TickCalendarVsWallClock)->Iterations(7000)->Unit(benchmark::kMicrosecond);

// Issue 25: with two milestones (1M orders in both, nothing near a deadline) a tick still costs
// what it costs without them: a few index lookups per tier, never a walk of the clocks.
void BM_TickMilestonesNothingCrossing(benchmark::State& state) {
  auto fill = [](const sla::Config& config) {
    auto t = std::make_unique<tracking::OrderTracker>(config);
    std::mt19937_64 rng(13);
    for (std::size_t i = 0; i < 1'000'000; ++i) {
      const std::string id = random_id(rng) + std::to_string(i % 7);
      events::Event e;
      e.id = id;
      e.status = 0;
      e.time_ms = kT0 - static_cast<std::int64_t>(i % 600'000);
      e.deadline_ms[0] = e.time_ms + 48 * 3'600'000LL;
      e.has_deadline = 1;
      t->apply(e, kT0);
    }
    t->tick(kT0);
    return t;
  };
  auto plain = fill(shop());
  auto with = fill(shop_with_milestones());
  std::int64_t now = kT0, plain_ns = 0, with_ns = 0;
  for (auto _ : state) {
    now += 1000;
    const std::int64_t t0 = thread_cpu_ns();
    plain->tick(now);
    const std::int64_t t1 = thread_cpu_ns();
    with->tick(now);
    with_ns += thread_cpu_ns() - t1;
    plain_ns += t1 - t0;
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["without_us"] = static_cast<double>(plain_ns) / n / 1000.0;
  state.counters["with_us"] = static_cast<double>(with_ns) / n / 1000.0;
  state.counters["ratio"] = static_cast<double>(with_ns) / static_cast<double>(plain_ns);
}
BENCHMARK(BM_TickMilestonesNothingCrossing)->Iterations(20'000)->Unit(benchmark::kMicrosecond);

void BM_RenderMetrics(benchmark::State& state) {
  const auto orders = static_cast<std::size_t>(state.range(0));
  tracking::TrackerService service(shop(), [] { return kT0 + 3'600'000; });
  if (orders > 0) {
    service.reserve(orders);
    std::mt19937_64 rng(11);
    const char* regions[] = {"eu-west", "eu-north", "us-east", "us-west", "ap-south"};
    for (std::size_t i = 0; i < orders; ++i) {
      const std::string id = random_id(rng) + std::to_string(i % 7);
      events::Event e;
      e.id = id;
      e.status = static_cast<std::uint8_t>(i % 3);
      e.time_ms = kT0 + 3'600'000 - static_cast<std::int64_t>(i % 600'000);
      e.dims[0] = regions[i % 5];
      e.has_dim[0] = true;
      service.apply(e, kT0 + 3'600'000);
    }
  } else {
    // Same label sets as the loaded run, so only the number of orders differs.
    const char* regions[] = {"eu-west", "eu-north", "us-east", "us-west", "ap-south"};
    for (int s = 0; s < 3; ++s) {
      for (const char* r : regions) {
        events::Event e;
        const std::string id = std::string("warm-") + r + std::to_string(s);
        e.id = id;
        e.status = static_cast<std::uint8_t>(s);
        e.time_ms = kT0;
        e.dims[0] = r;
        e.has_dim[0] = true;
        service.apply(e, kT0 + 3'600'000);
        e.status = 3;
        e.time_ms = kT0 + 1;
        service.apply(e, kT0 + 3'600'000);
      }
    }
  }
  metrics::OrderCollector collector(service, "bench");
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = metrics::render_text(collector.Collect());
    bytes = text.size();
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["orders"] = static_cast<double>(service.tracked());
}
BENCHMARK(BM_RenderMetrics)->Arg(0)->Arg(1'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace orderwatch::bench

BENCHMARK_MAIN();
