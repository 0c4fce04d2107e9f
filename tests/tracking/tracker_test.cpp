// OrderTracker semantics with an injected clock (every now_ms is passed explicitly).
#include "orderwatch/tracking/tracker.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "orderwatch/sla/loader.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;  // one second in ms
constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 2}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
      - {after: 300s, severity: critical}
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
turnaround: {sla: 2h, objective: 99}
retention: {max_age: 1d, tombstone_ttl: 60s}
)";

enum S : std::uint8_t { Placed, Authorized, Shipped, Delivered, Cancelled };

class TrackerTest : public ::testing::Test {
 protected:
  TrackerTest() : config_(sla::load_string(kConfig)), tracker_(config_) {}

  ApplyResult apply(std::string_view id, S status, std::int64_t t, std::int64_t now,
                    std::string_view region = "eu") {
    return tracker_.apply(test::event(id, status, t, region), now);
  }

  TrackerSnapshot snap() {
    TrackerSnapshot s;
    tracker_.snapshot(s);
    return s;
  }
  // Sums over dimension combos.
  std::int64_t in_status(S s) {
    std::int64_t total = 0;
    for (const auto& v : snap().series)
      if (v.status == s) total += v.in_status;
    return total;
  }
  std::int64_t overdue(S s, std::size_t tier) {
    std::int64_t total = 0;
    for (const auto& v : snap().series)
      if (v.status == s) total += v.overdue.at(tier);
    return total;
  }
  std::uint64_t breaches(S s, std::size_t tier) { return snap().breaches.at(s).at(tier); }
  HistogramValues duration(S s) {
    HistogramValues total;
    for (const auto& v : snap().series) {
      if (v.status != s) continue;
      if (total.cumulative.empty()) total.cumulative.assign(v.duration.cumulative.size(), 0);
      for (std::size_t b = 0; b < v.duration.cumulative.size(); ++b)
        total.cumulative[b] += v.duration.cumulative[b];
      total.count += v.duration.count;
      total.sum_seconds += v.duration.sum_seconds;
    }
    return total;
  }
  std::uint64_t bucket(const HistogramValues& h, double le) {
    const auto& bounds = snap().duration_bounds_seconds;
    for (std::size_t b = 0; b < bounds.size(); ++b)
      if (bounds[b] == le) return h.cumulative[b];
    ADD_FAILURE() << "no bucket le=" << le;
    return 0;
  }

  sla::Config config_;
  OrderTracker tracker_;
};

TEST_F(TrackerTest, EveryStatusAndTierIsExportedWithZeroFromStartUp) {
  auto s = snap();
  ASSERT_EQ(s.series.size(), 3u);  // non-terminal statuses x the initial "unknown" combo
  for (const auto& v : s.series) {
    EXPECT_EQ(v.in_status, 0);
    EXPECT_EQ(v.overdue.size(), config_.statuses[v.status].tiers.size());
    EXPECT_EQ(s.combos[v.combo], std::vector<std::string>{"unknown"});
  }
  EXPECT_EQ(s.breaches[Authorized].size(), 3u);
  EXPECT_FALSE(s.oldest_entered_ms[Placed].has_value());
}

TEST_F(TrackerTest, SlaAndTierThresholdsAreExactBucketBounds) {
  auto bounds = snap().duration_bounds_seconds;
  for (double le : {10.0, 60.0, 120.0, 300.0, 3600.0}) {
    EXPECT_NE(std::find(bounds.begin(), bounds.end(), le), bounds.end()) << le;
  }
  EXPECT_TRUE(std::is_sorted(bounds.begin(), bounds.end()));
}

TEST_F(TrackerTest, FirstEventStartsTrackingMidFlight) {
  EXPECT_EQ(apply("o1", Authorized, T0, T0), ApplyResult::kApplied);
  EXPECT_EQ(in_status(Authorized), 1);
  EXPECT_EQ(in_status(Placed), 0);
  EXPECT_EQ(tracker_.tracked(), 1u);
  EXPECT_EQ(snap().oldest_entered_ms[Authorized], T0);
}

TEST_F(TrackerTest, TransitionObservesTheStayFromEventTimes) {
  apply("o1", Placed, T0, T0);
  // Arrives much later than it happened: the stay is the event-time difference (7s).
  EXPECT_EQ(apply("o1", Authorized, T0 + 7 * kS, T0 + 100 * kS), ApplyResult::kApplied);
  auto h = duration(Placed);
  EXPECT_EQ(h.count, 1u);
  EXPECT_DOUBLE_EQ(h.sum_seconds, 7.0);
  EXPECT_EQ(bucket(h, 5), 0u);
  EXPECT_EQ(bucket(h, 10), 1u);
  EXPECT_EQ(snap().transitions[Placed * 5 + Authorized], 1u);
  EXPECT_EQ(in_status(Placed), 0);
  EXPECT_EQ(in_status(Authorized), 1);
}

TEST_F(TrackerTest, SameStatusAgainIsADuplicate) {
  apply("o1", Placed, T0, T0);
  EXPECT_EQ(apply("o1", Placed, T0 + kS, T0 + kS), ApplyResult::kDuplicate);
  EXPECT_EQ(snap().oldest_entered_ms[Placed], T0);  // entry time unchanged
  EXPECT_EQ(snap().events[static_cast<int>(ApplyResult::kDuplicate)], 1u);
}

TEST_F(TrackerTest, OlderEventIsStaleAndChangesNothing) {
  apply("o1", Authorized, T0, T0);
  EXPECT_EQ(apply("o1", Placed, T0 - kS, T0), ApplyResult::kStale);
  EXPECT_EQ(in_status(Authorized), 1);
  EXPECT_EQ(duration(Authorized).count, 0u);
  EXPECT_EQ(snap().events[static_cast<int>(ApplyResult::kStale)], 1u);
}

TEST_F(TrackerTest, SimultaneousEventsFollowTheWorkflowOrder) {
  apply("o1", Authorized, T0, T0);
  EXPECT_EQ(apply("o1", Placed, T0, T0), ApplyResult::kStale);
  EXPECT_EQ(apply("o1", Shipped, T0, T0), ApplyResult::kApplied);
}

TEST_F(TrackerTest, TierIsCrossedExactlyAtItsThreshold) {
  apply("o1", Placed, T0, T0);
  tracker_.tick(T0 + 10 * kS - 1);
  EXPECT_EQ(overdue(Placed, 0), 0);
  EXPECT_EQ(breaches(Placed, 0), 0u);
  tracker_.tick(T0 + 10 * kS);
  EXPECT_EQ(overdue(Placed, 0), 1);
  EXPECT_EQ(breaches(Placed, 0), 1u);
  tracker_.tick(T0 + 20 * kS);  // still overdue, still one breach for this stay
  EXPECT_EQ(overdue(Placed, 0), 1);
  EXPECT_EQ(breaches(Placed, 0), 1u);
}

TEST_F(TrackerTest, EscalationTiersAreCumulative) {
  apply("o1", Authorized, T0, T0);
  apply("o2", Authorized, T0 + 100 * kS, T0 + 100 * kS);
  tracker_.tick(T0 + 200 * kS);
  // o1 has sat 200s (warning + page), o2 100s (warning).
  EXPECT_EQ(overdue(Authorized, 0), 2);
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(overdue(Authorized, 2), 0);
  tracker_.tick(T0 + 300 * kS);
  EXPECT_EQ(overdue(Authorized, 2), 1);
  EXPECT_EQ(overdue(Authorized, 1), 2);  // o2 has now sat 200s too
  EXPECT_EQ(breaches(Authorized, 0), 2u);
  EXPECT_EQ(breaches(Authorized, 1), 2u);
  EXPECT_EQ(breaches(Authorized, 2), 1u);
}

TEST_F(TrackerTest, LeavingAnOverdueStatusClearsOverdueButKeepsTheBreach) {
  apply("o1", Placed, T0, T0);
  tracker_.tick(T0 + 15 * kS);
  ASSERT_EQ(overdue(Placed, 0), 1);
  apply("o1", Authorized, T0 + 15 * kS, T0 + 15 * kS);
  EXPECT_EQ(overdue(Placed, 0), 0);
  EXPECT_EQ(breaches(Placed, 0), 1u);  // not counted again on leaving
  EXPECT_EQ(overdue(Authorized, 0), 0);
}

TEST_F(TrackerTest, LateEventsShowingALongStayCountTheBreachOnce) {
  apply("o1", Authorized, T0, T0);
  // No tick happened while it sat there; its next event shows it stayed 130s.
  apply("o1", Shipped, T0 + 130 * kS, T0 + 130 * kS);
  EXPECT_EQ(breaches(Authorized, 0), 1u);  // past 60s
  EXPECT_EQ(breaches(Authorized, 1), 1u);  // past 120s
  EXPECT_EQ(breaches(Authorized, 2), 0u);  // not past 300s
  tracker_.tick(T0 + 1000 * kS);           // the order is gone: nothing more to count
  EXPECT_EQ(breaches(Authorized, 0), 1u);
}

// Overdue at once as of W, but an old timestamp alone is no breach: the breach counts once a
// caught-up tick a grace second later still finds the order there (watermark_test.cpp has
// the cases where its next event comes first).
TEST_F(TrackerTest, ABackdatedStayIsOverdueOnlyOnceTheArrivingEventsPassItsDeadline) {
  tracker_.tick(T0 - 1);
  tracker_.tick(T0);  // idle: W is the wall clock
  ASSERT_EQ(tracker_.watermark_ms(), T0);
  apply("old", Authorized, T0 - 100 * kS, T0);  // sat 100s already as of W: past 60s, not 120s
  EXPECT_EQ(overdue(Authorized, 0), 0);         // its next event may be right behind it
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  tracker_.tick(T0);  // the arriving events are at T0 - 100s: not past its deadline
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  tracker_.tick(T0 + 1);  // nothing more came (idle): the stay did run past 60s
  EXPECT_EQ(overdue(Authorized, 0), 1);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(overdue(Authorized, 1), 0);
  tracker_.tick(T0 + 20 * kS);  // 120s: W crosses the page tier as for any order
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

TEST_F(TrackerTest, ABackdatedStayWhoseNextEventFollowsInTheBackfillIsNeverOverdue) {
  tracker_.tick(T0 - 1);
  tracker_.tick(T0);
  apply("old", Authorized, T0 - 300 * kS, T0);  // past both tiers as of W
  apply("old", Shipped, T0 - 250 * kS, T0);     // 50s in Authorized: within its SLA
  tracker_.tick(T0 + 1);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  EXPECT_EQ(breaches(Authorized, 1), 0u);
  // One that did run past a tier is a breach, learned from its next event.
  apply("late", Authorized, T0 - 300 * kS, T0 + 2);
  apply("late", Shipped, T0 - 200 * kS, T0 + 2);  // 100s: past 60s, not 120s
  tracker_.tick(T0 + 3);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 0u);
}

TEST_F(TrackerTest, TerminalStatusObservesTurnaroundAndForgetsTheOrder) {
  apply("o1", Placed, T0, T0);
  apply("o1", Shipped, T0 + 30 * kS, T0 + 30 * kS);
  EXPECT_EQ(apply("o1", Delivered, T0 + 90 * kS, T0 + 90 * kS), ApplyResult::kApplied);
  auto s = snap();
  EXPECT_EQ(s.tracked, 0u);
  EXPECT_EQ(s.turnaround[Delivered].count, 1u);
  EXPECT_DOUBLE_EQ(s.turnaround[Delivered].sum_seconds, 90.0);
  EXPECT_EQ(s.transitions[Shipped * 5 + Delivered], 1u);
  EXPECT_EQ(duration(Shipped).count, 1u);
  EXPECT_EQ(s.tombstones, 1u);
  EXPECT_FALSE(tracker_.find("o1").has_value());
}

TEST_F(TrackerTest, TombstoneKeepsLateEventsFromRecreatingTheOrder) {
  apply("o1", Placed, T0, T0);
  apply("o1", Delivered, T0 + 5 * kS, T0 + 5 * kS);
  EXPECT_EQ(apply("o1", Shipped, T0 + 4 * kS, T0 + 6 * kS), ApplyResult::kStale);
  EXPECT_EQ(apply("o1", Delivered, T0 + 5 * kS, T0 + 7 * kS), ApplyResult::kDuplicate);
  EXPECT_EQ(tracker_.tracked(), 0u);
  tracker_.tick(T0 + 5 * kS + 60 * kS);  // ttl (60s) after the terminal event: forgotten
  EXPECT_EQ(snap().tombstones, 0u);
  EXPECT_EQ(apply("o1", Shipped, T0 + 70 * kS, T0 + 70 * kS), ApplyResult::kApplied);
}

TEST_F(TrackerTest, OrdersPastRetentionAreEvictedAndCounted) {
  apply("o1", Placed, T0, T0);
  apply("o2", Placed, T0 + 3600 * kS, T0 + 3600 * kS);
  tracker_.tick(T0 + 86400 * kS - 1);
  EXPECT_EQ(tracker_.tracked(), 2u);
  tracker_.tick(T0 + 86400 * kS);
  EXPECT_EQ(tracker_.tracked(), 1u);
  auto s = snap();
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(in_status(Placed), 1);
  EXPECT_EQ(overdue(Placed, 0), 1);       // o2 is still overdue; o1's overdue count went with it
  EXPECT_EQ(duration(Placed).count, 0u);  // an eviction is not a stay
  EXPECT_EQ(s.oldest_entered_ms[Placed], T0 + 3600 * kS);
}

TEST_F(TrackerTest, DimensionValuesPastTheCapBecomeOther) {
  apply("a", Placed, T0, T0, "eu");
  apply("b", Placed, T0, T0, "us");
  apply("c", Placed, T0, T0, "ap");  // third distinct value, cap is 2
  apply("d", Placed, T0, T0, "");    // no region field
  apply("e", Placed, T0, T0, "eu");
  std::map<std::string, std::int64_t> by_region;
  auto s = snap();
  for (const auto& v : s.series)
    if (v.status == Placed) by_region[s.combos[v.combo][0]] += v.in_status;
  EXPECT_EQ(by_region["eu"], 2);
  EXPECT_EQ(by_region["us"], 1);
  EXPECT_EQ(by_region["other"], 1);
  EXPECT_EQ(by_region["unknown"], 1);
  EXPECT_EQ(by_region.count("ap"), 0u);
  EXPECT_EQ(tracker_.find("c")->dims, std::vector<std::string>{"other"});
}

TEST_F(TrackerTest, RejectionsAreCountedByReason) {
  tracker_.reject(RejectReason::kBadTime, T0);
  tracker_.reject(RejectReason::kBadTime, T0);
  tracker_.reject(RejectReason::kTooLarge, T0);
  auto s = snap();
  EXPECT_EQ(s.rejected[static_cast<int>(RejectReason::kBadTime)], 2u);
  EXPECT_EQ(s.rejected[static_cast<int>(RejectReason::kTooLarge)], 1u);
  EXPECT_EQ(s.events[static_cast<int>(ApplyResult::kRejected)], 3u);
  EXPECT_EQ(s.last_event_ms, T0);
}

TEST_F(TrackerTest, LongIdsAreTrackedLikeShortOnes) {
  const std::string id(100, 'x');
  apply(id, Placed, T0, T0);
  apply(id + "y", Placed, T0, T0);
  EXPECT_EQ(apply(id, Authorized, T0 + kS, T0 + kS), ApplyResult::kApplied);
  EXPECT_EQ(tracker_.find(id)->status, Authorized);
  EXPECT_EQ(tracker_.find(id + "y")->status, Placed);
}

// Random streams against a brute-force model that scans every order on every check.
TEST_F(TrackerTest, OverdueCountsMatchABruteForceScan) {
  std::mt19937_64 rng(42);
  struct Ref {
    S status;
    std::int64_t entered;
  };
  std::map<std::string, Ref> ref;
  std::int64_t now = T0;
  for (int step = 0; step < 20000; ++step) {
    now += static_cast<std::int64_t>(rng() % 2000);
    const std::string id = "ord-" + std::to_string(rng() % 500);
    // Event times jitter up to 400s into the past: out-of-order delivery.
    const std::int64_t t = now - static_cast<std::int64_t>(rng() % 400'000);
    const auto status = static_cast<S>(rng() % 5);
    const auto result = apply(id, status, t, now);
    auto it = ref.find(id);
    if (result == ApplyResult::kApplied) {
      if (status == Delivered || status == Cancelled) {
        ref.erase(id);
      } else {
        ref[id] = Ref{status, t};
      }
    } else if (it != ref.end()) {
      EXPECT_TRUE(status == it->second.status || t <= it->second.entered);
    }
    if (step % 97 == 0) {
      // A millisecond after the last arrival the source is idle (idle_timeout 1ms): W is the
      // wall clock and every late stay past a tier by then is confirmed.
      ++now;
      tracker_.tick(now);
      for (S s : {Placed, Authorized, Shipped}) {
        const auto& tiers = config_.statuses[s].tiers;
        for (std::size_t k = 0; k < tiers.size(); ++k) {
          std::int64_t expect = 0, in = 0;
          for (const auto& [_, r] : ref) {
            if (r.status != s) continue;
            ++in;
            if (now - r.entered >= tiers[k].after.count()) ++expect;
          }
          ASSERT_EQ(overdue(s, k), expect)
              << "status " << int(s) << " tier " << k << " step " << step;
          ASSERT_EQ(in_status(s), in);
        }
      }
      ASSERT_EQ(tracker_.tracked(), ref.size());
    }
  }
}

}  // namespace
}  // namespace orderwatch::tracking
