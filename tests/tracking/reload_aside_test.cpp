// Reloads built aside (TrackerService::reload, ReloadMode::kAuto): with events arriving from
// another thread during the reload -- decoded under the generation they saw, decoded again
// when the reload refused them -- the state afterwards equals that of an in-lock reload
// (ReloadMode::kInLock) of a twin service handed the same events on the same sides of the
// swap: the same orders (status, times, tiers, dimension values), counts, histograms and
// counters. What the journal cannot
// replay (an event with a status the new config removed, an operator action) makes the reload
// swap under the lock, with the same result.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/snapshot.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kOld = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 8}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

// A status added in the middle (indexes shift), a dimension added, an SLA changed.
const char* kNew = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: channel, max_values: 4}, {field: region, max_values: 8}]
statuses:
  - {name: Placed, sla: 20s}
  - {name: Packed, sla: 5m}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

// Shipped removed: an event for it cannot be replayed onto the new tracker.
const char* kNoShipped = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 8}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Delivered, terminal: true}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

// An event as it is on the wire: decoded under whichever config is current.
struct Wire {
  std::string id;
  std::string status;
  std::int64_t time_ms = 0;
  std::string region;
};

// Hands `w` to the service decoded under the generation it reports, as the ingest pipeline
// does (decoded again when a reload came in between); returns the generation that took it.
// Every event arrives a millisecond before the time every tick reads: the source is idle at
// each tick (idle_timeout 1ms), so W is T0 whenever the two services tick.
constexpr std::int64_t kArrival = T0 - 1;

std::uint64_t deliver(TrackerService& service, const Wire& w, std::uint64_t seq) {
  for (;;) {
    const ConfigView view = service.config_view();
    const int s = view.config->status_index(w.status);
    if (s < 0) {
      if (service.reject(events::RejectReason::kUnknownStatus, kArrival, seq, view.generation)) {
        return view.generation;
      }
      continue;
    }
    Event e;
    e.id = w.id;
    e.status = static_cast<std::uint8_t>(s);
    e.time_ms = w.time_ms;
    const auto& dims = view.config->event.dimensions;
    for (std::size_t d = 0; d < dims.size(); ++d) {
      if (dims[d].field != "region") continue;
      e.dims[d] = w.region;
      e.has_dim[d] = true;
    }
    if (service.apply(e, kArrival, seq, view.generation)) return view.generation;
  }
}

// The state before the reload: orders in every status, some finished.
std::vector<Wire> history(int orders) {
  const char* regions[] = {"eu", "us", "ap", "sa", "af"};
  const char* steps[] = {"Placed", "Authorized", "Shipped"};
  std::vector<Wire> out;
  for (int i = 0; i < orders; ++i) {
    const std::string id = "ord-" + std::to_string(i);
    const std::int64_t t = T0 - 3'000'000 + i * 10;
    for (int k = 0; k <= i % 3; ++k) out.push_back({id, steps[k], t + k * 3, regions[i % 5]});
    if (i % 11 == 0) out.push_back({id, "Delivered", t + 9, regions[i % 5]});
  }
  return out;
}

// The events during the reload: new orders, moves of held ones (to Shipped too), ends.
Wire live(int k) {
  const std::int64_t t = T0 - 2'000'000 + k * 10;  // after every history time
  switch (k % 4) {
    case 0:
      return {"new-" + std::to_string(k), "Placed", t, k % 8 == 0 ? "eu" : "mx"};
    case 1:
      return {"ord-" + std::to_string(k * 3 % 50'000), "Shipped", t + 1, "us"};
    case 2:
      return {"ord-" + std::to_string(k * 7 % 50'000), "Delivered", t + 2, "us"};
    default:
      return {"new-" + std::to_string(k - 3), "Authorized", t + 3, "eu"};
  }
}

std::string dump(TrackerService& service) {
  TrackerSnapshot s;
  service.snapshot(s);
  std::ostringstream o;
  o << "tracked " << s.tracked << " tombstones " << s.tombstones << " evictions " << s.evictions
    << " W " << s.watermark_ms << "\n";
  for (auto v : s.events) o << v << ' ';
  o << "| ";
  for (auto v : s.rejected) o << v << ' ';
  o << "\ntransitions ";
  for (auto v : s.transitions) o << v << ' ';
  o << "\nbreaches ";
  for (const auto& b : s.breaches) {
    for (auto v : b) o << v << ' ';
    o << "; ";
  }
  for (const auto& v : s.series) {
    o << "\nseries " << int{v.status} << " [";
    for (const auto& name : s.combos[v.combo]) o << name << ',';
    o << "] in " << v.in_status << " overdue ";
    for (auto x : v.overdue) o << x << ' ';
    o << "duration " << v.duration.count << '/' << v.duration.sum_seconds << " [";
    for (auto x : v.duration.cumulative) o << x << ' ';
    o << "] age " << v.age.count;
  }
  o << "\nturnaround ";
  for (const auto& h : s.turnaround) o << h.count << '/' << h.sum_seconds << ' ';
  return o.str();
}

class ReloadAsideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/orderwatch-reload-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  // Reloads `a` (kAuto) to `next` while a thread delivers live events, then hands a twin the
  // same events around an in-lock reload; expects equal states. Returns a's timings.
  ReloadTimings reload_with_traffic(const char* next, bool act_during) {
    const sla::Config old_cfg = sla::load_string(kOld);
    const sla::Config new_cfg = sla::load_string(next);
    TrackerService a(old_cfg, [] { return T0; });
    TrackerService b(old_cfg, [] { return T0; });
    const std::vector<Wire> before = history(60'000);
    std::uint64_t seq = 0;
    for (const Wire& w : before) {
      ++seq;
      deliver(a, w, seq);
      deliver(b, w, seq);
    }
    a.tick();
    b.tick();

    std::vector<std::pair<Wire, std::uint64_t>> landed;  // the event, the generation it took
    std::atomic<bool> reloaded{false};
    std::atomic<int> started{0};
    std::thread traffic([&] {
      std::uint64_t s = seq;
      int after = 0;
      for (int k = 0; after < 200; ++k) {
        const Wire w = live(k);
        landed.emplace_back(w, deliver(a, w, ++s));
        if (k % 64 == 0) a.tick();  // a scrape
        if (act_during && k % 500 == 0) {
          a.act(OrderAction::kRedrive, "ord-1", Acknowledgement{});
        }
        started = k + 1;
        if (reloaded.load()) ++after;
      }
    });
    while (started.load() < 1000) std::this_thread::yield();
    ReloadTimings t;
    a.reload(new_cfg, &t);
    reloaded = true;
    traffic.join();

    std::uint64_t s = seq;
    bool swapped = false;
    for (std::size_t k = 0; k < landed.size(); ++k) {
      const auto& [w, generation] = landed[k];
      if (generation > 1 && !swapped) {
        b.reload(new_cfg, nullptr, ReloadMode::kInLock);
        swapped = true;
      }
      deliver(b, w, ++s);
      // The same scrapes as a's: a tick confirms the late stays it finds (W is T0 at each).
      if (k % 64 == 0) b.tick();
      if (act_during && k % 500 == 0) b.tick();  // a's act ticks first
    }
    EXPECT_TRUE(swapped);
    EXPECT_EQ(a.config_generation(), 2u);
    EXPECT_EQ(b.config_generation(), 2u);
    EXPECT_EQ(a.stream_seq(), b.stream_seq());
    EXPECT_EQ(dump(a), dump(b));
    // Order by order (the snapshot images differ anyway: each tracker has its own id hash key).
    std::vector<std::string> ids;
    for (const Wire& w : before) ids.push_back(w.id);
    for (const auto& [w, generation] : landed) ids.push_back(w.id);
    std::size_t held = 0;
    for (const std::string& id : ids) {
      const FoundOrder fa = a.find(id);
      const FoundOrder fb = b.find(id);
      EXPECT_EQ(fa.order.has_value(), fb.order.has_value()) << id;
      if (!fa.order || !fb.order) continue;
      ++held;
      EXPECT_EQ(fa.order->status_name, fb.order->status_name) << id;
      EXPECT_EQ(fa.order->entered_ms, fb.order->entered_ms) << id;
      EXPECT_EQ(fa.order->first_seen_ms, fb.order->first_seen_ms) << id;
      EXPECT_EQ(fa.order->tiers_crossed, fb.order->tiers_crossed) << id;
      EXPECT_EQ(fa.order->dims, fb.order->dims) << id;
    }
    EXPECT_GT(held, 0u);
    return t;
  }

  std::string dir_;
};

// On a loaded machine the traffic thread may not run at all while a reload lasts; each try
// checks the equality, and a few are allowed for the events to fall inside the reload.
constexpr int kTries = 5;

TEST_F(ReloadAsideTest, EqualsAnInLockReloadWithEventsArrivingDuringIt) {
  ReloadTimings t;
  for (int i = 0; i < kTries && t.replayed == 0 && !HasFailure(); ++i) {
    t = reload_with_traffic(kNew, false);
    EXPECT_TRUE(t.aside) << t.fallback;
    EXPECT_EQ(t.forked, fork_save_supported());
    EXPECT_LE(t.at_swap, t.replayed);
  }
  EXPECT_GT(t.replayed, 0u) << "no event arrived during the reload";
}

TEST_F(ReloadAsideTest, AnEventForARemovedStatusDuringItMakesTheSwapRunUnderTheLock) {
  ReloadTimings t;
  t.aside = true;
  for (int i = 0; i < kTries && t.aside && !HasFailure(); ++i) {
    t = reload_with_traffic(kNoShipped, false);
  }
  EXPECT_FALSE(t.aside);
  EXPECT_NE(t.fallback.find("status"), std::string::npos) << t.fallback;
}

TEST_F(ReloadAsideTest, AnOperatorActionDuringItMakesTheSwapRunUnderTheLock) {
  ReloadTimings t;
  t.aside = true;
  for (int i = 0; i < kTries && t.aside && !HasFailure(); ++i) t = reload_with_traffic(kNew, true);
  EXPECT_FALSE(t.aside);
  EXPECT_NE(t.fallback.find("operator action"), std::string::npos) << t.fallback;
}

TEST_F(ReloadAsideTest, WithoutTrafficTheLockIsHeldBrieflyAndTheStateCarriesOver) {
  const sla::Config old_cfg = sla::load_string(kOld);
  TrackerService a(old_cfg, [] { return T0; });
  std::uint64_t seq = 0;
  for (const Wire& w : history(20'000)) deliver(a, w, ++seq);
  const std::string before = dump(a);
  ReloadTimings t;
  a.reload(old_cfg, &t);
  EXPECT_TRUE(t.aside) << t.fallback;
  EXPECT_EQ(dump(a), before);
  EXPECT_EQ(a.config_generation(), 2u);
  EXPECT_EQ(a.stream_seq(), seq);
}

}  // namespace
}  // namespace orderwatch::tracking
