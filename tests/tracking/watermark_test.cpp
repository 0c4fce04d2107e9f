// The watermark W with an injected clock: every rule of the event semantics (docs/design.md) that
// judges by W (idle stream, catch-up, out-of-order events, W never backwards nor past the wall
// clock, old timestamps, the next event showing a breach), wall-clock jumps, and W kept by
// snapshots and reloads. `behind` is what ingest would report.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "order_table.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/tracker.h"
#include "snapshot_codec.h"
#include "watermark.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'000'000;
constexpr bool kBehind = true;
constexpr bool kLive = false;

// idle_timeout 1ms: a tick a millisecond after the last arrival finds the source idle, so
// "live" ticks see W at the wall clock; "behind" ones judge by the arriving event times.
const std::string kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Delivered, terminal: true}
retention: {max_age: 1h, tombstone_ttl: 60s}
)";

enum S : std::uint8_t { Placed, Authorized, Delivered };

Event event(std::string_view id, S status, std::int64_t t) {
  Event e;
  e.id = id;
  e.status = status;
  e.time_ms = t;
  return e;
}

class WatermarkTest : public ::testing::Test {
 protected:
  explicit WatermarkTest(const std::string& yaml = kConfig)
      : config_(sla::load_string(yaml)), tracker_(config_) {}

  ApplyResult apply(std::string_view id, S status, std::int64_t t, std::int64_t now) {
    return tracker_.apply(event(id, status, t), now);
  }
  TrackerSnapshot snap() const {
    TrackerSnapshot s;
    tracker_.snapshot(s);
    return s;
  }
  std::int64_t overdue(S s, std::size_t tier) const {
    std::int64_t total = 0;
    for (const auto& v : snap().series)
      if (v.status == s) total += v.overdue.at(tier);
    return total;
  }
  std::uint64_t breaches(S s, std::size_t tier) const { return snap().breaches.at(s).at(tier); }

  sla::Config config_;
  OrderTracker tracker_;
};

TEST_F(WatermarkTest, AnIdleStreamReachesTheWallClock) {
  EXPECT_EQ(tracker_.watermark_ms(), 0);  // no position before the first tick
  apply("stuck", Placed, T0, T0);
  tracker_.tick(T0 + 5 * kS, kLive);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 5 * kS);
  EXPECT_EQ(overdue(Placed, 0), 0);
  // Nothing arrives any more; caught up, W follows the wall clock and the order goes overdue.
  tracker_.tick(T0 + 10 * kS, kLive);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 10 * kS);
  EXPECT_EQ(overdue(Placed, 0), 1);
  EXPECT_EQ(breaches(Placed, 0), 1u);
  EXPECT_EQ(snap().watermark_ms, T0 + 10 * kS);
  EXPECT_EQ(snap().watermark_lag_ms, 0);
}

TEST_F(WatermarkTest, WFollowsTheOldestRecentEventTimeAndJudgesAsOfIt) {
  // A backlog an hour old is applied while the wall clock reads T0 + 1h.
  const std::int64_t now = T0 + 3600 * kS;
  apply("a", Placed, T0, now);
  apply("b", Placed, T0 + 2 * kS, now);
  tracker_.tick(now, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), T0);  // the oldest of the last second's arrivals
  EXPECT_EQ(snap().watermark_lag_ms, 3600 * kS);
  EXPECT_EQ(overdue(Placed, 0), 0);  // as of W neither has sat 10s: no false alarm
  apply("a", Authorized, T0 + 8 * kS, now + 2 * kS);
  apply("c", Placed, T0 + 12 * kS, now + 2 * kS);
  tracker_.tick(now + 2 * kS, kLive);  // the queue is empty, but the events say where we are
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 8 * kS);
  EXPECT_EQ(overdue(Placed, 0), 0);  // b: 6s in Placed as of W
  apply("d", Placed, T0 + 13 * kS, now + 4 * kS);
  tracker_.tick(now + 4 * kS, kLive);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 13 * kS);
  EXPECT_EQ(overdue(Placed, 0), 1);  // b: 11s
  EXPECT_EQ(breaches(Placed, 0), 1u);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  // The source goes quiet (idle_timeout): W reaches the wall clock, where everything still
  // here is long overdue.
  tracker_.tick(now + 5 * kS, kLive);
  EXPECT_EQ(tracker_.watermark_ms(), now + 5 * kS);
  EXPECT_EQ(overdue(Placed, 0), 2);  // c and d; b is past retention (max_age 1h) and evicted
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(breaches(Placed, 0), 3u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

TEST_F(WatermarkTest, WNeverMovesBackwardsNorPastTheWallClock) {
  const std::int64_t now = T0 + 100 * kS;
  apply("a", Placed, T0 + 50 * kS, now);
  tracker_.tick(now, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 50 * kS);
  apply("c", Placed, T0 + 30 * kS, now + 2 * kS);  // out of order: older than W
  tracker_.tick(now + 2 * kS, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 50 * kS);  // not back to 30s
  tracker_.tick(now + 3 * kS, kLive);                // idle: the wall clock
  EXPECT_EQ(tracker_.watermark_ms(), now + 3 * kS);
  tracker_.tick(now + 3 * kS, kBehind);  // behind again, no recent event: W stays
  EXPECT_EQ(tracker_.watermark_ms(), now + 3 * kS);
  apply("future", Placed, now + 60 * kS, now + 4 * kS);  // within max_future_skew
  tracker_.tick(now + 4 * kS, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), now + 4 * kS);  // not past the wall clock
  tracker_.tick(now + 4 * kS + 500, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), now + 4 * kS + 500);
}

// The core-NATS burst: an order's first event arrives hours late, its next one right behind it.
TEST_F(WatermarkTest, AnOldTimestampAloneIsNeitherOverdueNorABreach) {
  const std::int64_t now = T0 + 3 * 3600 * kS;
  tracker_.tick(now - 1, kLive);
  tracker_.tick(now, kLive);
  ASSERT_EQ(tracker_.watermark_ms(), now);
  apply("quick", Authorized, T0, now);  // 3h ago: past both tiers as of W
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(overdue(Authorized, 1), 0);
  tracker_.tick(now, kBehind);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  apply("quick", Delivered, T0 + 30 * kS, now);  // left after 30s: within 60s
  tracker_.tick(now + 5 * kS, kLive);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  EXPECT_EQ(breaches(Authorized, 1), 0u);
  tracker_.tick(now + 500 * kS, kLive);
  EXPECT_EQ(breaches(Authorized, 0), 0u);
}

TEST_F(WatermarkTest, TheNextEventShowsTheBreachOncePerTier) {
  const std::int64_t now = T0 + 3 * 3600 * kS;
  tracker_.tick(now - 1, kLive);
  tracker_.tick(now, kLive);
  apply("slow", Authorized, T0, now);
  apply("slow", Placed, T0 - kS, now);                   // stale: changes nothing
  apply("slow", Delivered, T0 + 90 * kS, now);           // 90s: past 60s, not 120s
  apply("slow", Delivered, T0 + 90 * kS, now + 5 * kS);  // duplicate
  tracker_.tick(now + 5 * kS, kLive);
  tracker_.tick(now + 50 * kS, kLive);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 0u);
  EXPECT_EQ(overdue(Authorized, 0), 0);
}

TEST_F(WatermarkTest, ALateArrivalStillThereOnceTheEventsPassItsDeadlineCountsItsBreach) {
  const std::int64_t now = T0 + 3 * 3600 * kS;
  tracker_.tick(now - 1, kLive);
  tracker_.tick(now, kLive);
  apply("stuck", Authorized, now - 90 * kS, now);  // past 60s on arrival
  apply("other", Placed, now - 80 * kS, now + 10 * kS);
  tracker_.tick(now + 10 * kS, kBehind);  // the backlog that brought it is at now - 80s
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  apply("other", Authorized, now - 20 * kS, now + 12 * kS);
  tracker_.tick(now + 12 * kS, kBehind);   // at now - 20s: 70s past its entry
  EXPECT_EQ(breaches(Authorized, 0), 1u);  // it did run past 60s
  // Overdue is judged as of W (now): its next event may still come with a time before now.
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 1), 0u);
  EXPECT_EQ(overdue(Authorized, 1), 0);
  tracker_.tick(now + 31 * kS, kLive);     // idle: the wall clock passes its page tier (121s)
  EXPECT_EQ(breaches(Authorized, 0), 1u);  // once
  EXPECT_EQ(breaches(Authorized, 1), 1u);
  EXPECT_EQ(overdue(Authorized, 0), 1);
  EXPECT_EQ(overdue(Authorized, 1), 1);
  apply("stuck", Delivered, now + 40 * kS, now + 40 * kS);  // its stay: counted, not again
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(overdue(Authorized, 1), 0);
}

// Arriving past tier 0, then W passes tier 1 while it is there (before any confirmation):
// the tiers count in order as the arriving events pass them, each once.
TEST_F(WatermarkTest, PassingALaterTierWaitsForTheTiersItArrivedPast) {
  tracker_.tick(T0 - 1, kLive);
  tracker_.tick(T0, kLive);
  apply("late", Authorized, T0 - 119'500, T0);
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(breaches(Authorized, 0), 0u);
  tracker_.tick(T0 + 500, kLive);  // idle: 120s as of W, the late stay confirmed in both
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
  EXPECT_EQ(overdue(Authorized, 0), 1);
  EXPECT_EQ(overdue(Authorized, 1), 1);
  tracker_.tick(T0 + 5 * kS, kLive);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

class LatenessTest : public WatermarkTest {
 protected:
  LatenessTest()
      : WatermarkTest(
            std::string(kConfig).replace(kConfig.find("event: {idle_timeout: 1ms}"), 26,
                                         "event: {idle_timeout: 1ms, max_lateness: 5s}")) {}
};

TEST_F(LatenessTest, WTrailsByMaxLatenessSoOutOfOrderEventsAreNoFalseAlarm) {
  tracker_.tick(T0 - 1, kLive);
  tracker_.tick(T0, kLive);  // idle: the wall clock, minus max_lateness
  EXPECT_EQ(tracker_.watermark_ms(), T0 - 5 * kS);
  apply("a", Placed, T0, T0);
  // The order left after 9s, but that event arrives 3s late (within max_lateness).
  tracker_.tick(T0 + 11 * kS, kLive);
  EXPECT_EQ(overdue(Placed, 0), 0);
  apply("a", Authorized, T0 + 9 * kS, T0 + 12 * kS);
  tracker_.tick(T0 + 20 * kS, kLive);
  EXPECT_EQ(overdue(Placed, 0), 0);
  EXPECT_EQ(breaches(Placed, 0), 0u);
  // Events arriving: the oldest recent event time, minus max_lateness.
  apply("b", Placed, T0 + 40 * kS, T0 + 50 * kS);
  tracker_.tick(T0 + 50 * kS + 500, kBehind);
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 35 * kS);
  EXPECT_EQ(snap().watermark_lag_ms, 15 * kS + 500);
}

// The default idle timeout (30s): between chunks of a backfill the source is not idle.
class PacedTest : public WatermarkTest {
 protected:
  PacedTest()
      : WatermarkTest(std::string(kConfig).replace(kConfig.find("event: {idle_timeout: 1ms}"), 26,
                                                   "event: {idle_timeout: 30s}")) {}
};

TEST_F(PacedTest, ALateStayWaitsForTheBackfillItCameWithNotForTheLiveEvents) {
  tracker_.tick(T0 - 30 * kS, kLive);
  tracker_.tick(T0, kLive);  // idle: W at the wall clock; then a backfill starts beside live
  ASSERT_EQ(tracker_.watermark_ms(), T0);
  apply("b1", Authorized, T0 - 1800 * kS, T0);
  apply("live", Placed, T0, T0);
  tracker_.tick(T0 + 500, kLive);  // the arriving events are at T0 - 1800s
  EXPECT_EQ(overdue(Authorized, 0), 0);
  EXPECT_EQ(tracker_.watermark_ms(), T0);         // never backwards
  apply("b1", Placed, T0 - 1795 * kS, T0 + 900);  // its next event (a status with an SLA)
  apply("live", Authorized, T0 + 900, T0 + 900);
  tracker_.tick(T0 + 1000, kLive);
  for (std::int64_t now = T0 + 2 * kS; now < T0 + 20 * kS; now += 500) {
    apply("b2", Authorized, T0 - 1790 * kS, now);  // the backfill goes on (then duplicates)
    tracker_.tick(now, kLive);
    EXPECT_EQ(overdue(Placed, 0), 0) << now;  // b1 waits for the backfill to pass T0 - 1785s
    EXPECT_EQ(breaches(Placed, 0), 0u) << now;
  }
  EXPECT_EQ(breaches(Authorized, 0), 0u);  // b1's 5s in Authorized: no breach
  EXPECT_EQ(overdue(Authorized, 0), 0);    // b2's stay waits too
  // The backfill stops: after the idle timeout the late stays still here are confirmed.
  tracker_.tick(T0 + 20 * kS + 30 * kS, kLive);
  EXPECT_EQ(overdue(Placed, 0), 1);
  EXPECT_EQ(breaches(Placed, 0), 1u);
  EXPECT_EQ(overdue(Authorized, 0), 1);  // b2; "live" entered at T0 + 0.9s, 49s ago
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

TEST_F(PacedTest, ALateStayCountsItsBreachAsTheBackfillPassesAndIsOverdueOnceItCatchesUp) {
  tracker_.tick(T0 - 30 * kS, kLive);
  tracker_.tick(T0, kLive);
  apply("s", Authorized, T0 - 1800 * kS, T0);  // late: 30 min old as of W
  std::int64_t now = T0;
  for (std::int64_t t = T0 - 1790 * kS; t < T0 - 1600 * kS; t += 10 * kS) {
    now += 100;
    apply("other", Placed, t, now);  // the backfill goes on past s's deadline (T0 - 1740s)
    apply("live", Placed, now, now);
    tracker_.tick(now, kLive);
  }
  EXPECT_EQ(breaches(Authorized, 0), 1u);  // the backfill passed its deadline: it ran past
  EXPECT_EQ(overdue(Authorized, 0), 0);    // but as of W its next event may still come
  // The backfill ends; a second of live events only: the arriving events reach W.
  for (int i = 0; i < 15; ++i) {
    now += 100;
    apply("live" + std::to_string(i), Placed, now, now);
    tracker_.tick(now, kLive);
  }
  EXPECT_EQ(overdue(Authorized, 0), 1);
  EXPECT_EQ(overdue(Authorized, 1), 1);  // 30 min: past the page tier too
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

// A replay (every event applied while behind, ticks at arbitrary points) shows at every tick
// exactly what a brute-force scan of the history says as of W, and ends with the breach
// counts of the history: the stays that ran past each tier.
TEST_F(WatermarkTest, AReplayIsJudgedAsOfWAndCountsTheHistorysBreaches) {
  struct Stay {
    S status;
    std::int64_t entered;
    std::int64_t left;  // INT64_MAX: still there
  };
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::int64_t, Event>> history;
  std::vector<std::string> ids;
  std::vector<Stay> stays;
  for (int o = 0; o < 400; ++o) ids.push_back("o" + std::to_string(o));
  for (int o = 0; o < 400; ++o) {
    std::int64_t t = T0 + static_cast<std::int64_t>(rng() % 1'800'000);  // within max_age
    const std::int64_t placed = static_cast<std::int64_t>(rng() % 15'000);
    const std::int64_t auth = o % 20 == 0 ? INT64_MAX : static_cast<std::int64_t>(rng() % 150'000);
    history.push_back({t, event(ids[o], Placed, t)});
    stays.push_back({Placed, t, t + placed});
    t += placed;
    history.push_back({t, event(ids[o], Authorized, t)});
    stays.push_back({Authorized, t, auth == INT64_MAX ? INT64_MAX : t + auth});
    if (auth != INT64_MAX) history.push_back({t + auth, event(ids[o], Delivered, t + auth)});
  }
  std::stable_sort(history.begin(), history.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::int64_t now = T0 + 50 * 60 * kS;  // the replay runs long after the events
  auto truth = [&](S s, std::size_t k, std::int64_t w) {
    std::int64_t overdue_now = 0, breached = 0;
    const std::int64_t thr = config_.statuses[s].tiers[k].after.count();
    for (const auto& st : stays) {
      if (st.status != s) continue;
      const bool here = st.entered <= w && st.left > w;
      if (here && w - st.entered >= thr) ++overdue_now;
      if (st.entered + thr <= w && st.left - st.entered >= thr) ++breached;
    }
    return std::pair{overdue_now, breached};
  };
  std::size_t ticks = 0;
  for (std::size_t i = 0; i < history.size(); ++i) {
    // One arrival a little over the watermark's window after the other, so W at a tick is the
    // last event's time; the last arrives a second before `now`.
    const std::int64_t arrival =
        now - static_cast<std::int64_t>(history.size() - i) * (Watermark::kWindowMs + 1);
    apply(history[i].second.id, static_cast<S>(history[i].second.status), history[i].first,
          arrival);
    const bool tick_here = i + 1 == history.size() || history[i + 1].first != history[i].first;
    if (!tick_here || rng() % 8 != 0) continue;  // ticks fall between event times
    tracker_.tick(arrival, kBehind);
    ++ticks;
    const std::int64_t w = tracker_.watermark_ms();
    ASSERT_EQ(w, history[i].first);
    for (S s : {Placed, Authorized}) {
      for (std::size_t k = 0; k < config_.statuses[s].tiers.size(); ++k) {
        const auto [o, b] = truth(s, k, w);
        ASSERT_EQ(overdue(s, k), o) << "status " << int(s) << " tier " << k << " event " << i;
        ASSERT_EQ(breaches(s, k), static_cast<std::uint64_t>(b))
            << "status " << int(s) << " tier " << k << " event " << i;
      }
    }
  }
  EXPECT_GT(ticks, 50u);
  tracker_.tick(now, kLive);
  for (S s : {Placed, Authorized}) {
    for (std::size_t k = 0; k < config_.statuses[s].tiers.size(); ++k) {
      const auto [o, b] = truth(s, k, now);
      EXPECT_EQ(overdue(s, k), o);
      EXPECT_EQ(breaches(s, k), static_cast<std::uint64_t>(b));
      EXPECT_GT(b, 0);  // not vacuous
    }
  }
}

TEST_F(WatermarkTest, EvictionFollowsW) {
  const std::int64_t now = T0 + 5 * 3600 * kS;  // 5h later; max_age is 1h
  apply("a", Placed, T0, now);
  apply("b", Placed, T0 + 30 * 60 * kS, now + 2 * kS);
  tracker_.tick(now + 2 * kS, kBehind);
  EXPECT_EQ(tracker_.tracked(), 2u);  // as of W (T0 + 30m) neither is 1h old
  apply("c", Placed, T0 + 61 * 60 * kS, now + 4 * kS);
  tracker_.tick(now + 4 * kS, kBehind);
  EXPECT_EQ(tracker_.tracked(), 2u);  // a is now
  EXPECT_EQ(snap().evictions, 1u);
}

// A wall clock that ran ahead (a bad RTC) and was corrected back: W follows it down instead of
// waiting in the future, tombstones get a fresh ttl instead of living until the bad time, and
// nothing crossed twice counts twice.
TEST_F(WatermarkTest, AClockThatJumpedAheadAndBackLeavesNothingInTheFuture) {
  const std::int64_t year = 365LL * 86400 * kS;
  apply("a", Placed, T0, T0);
  apply("done", Placed, T0, T0);
  tracker_.tick(T0 + kS, kLive);
  tracker_.tick(T0 + year, kLive);  // the jump: everything crosses, "a" is evicted
  EXPECT_EQ(tracker_.watermark_ms(), T0 + year);
  EXPECT_EQ(tracker_.tracked(), 0u);
  const auto crossed = breaches(Placed, 0);
  EXPECT_EQ(crossed, 2u);
  EXPECT_EQ(snap().evictions, 2u);
  apply("b", Placed, T0 + 2 * kS, T0 + year);
  apply("b", Delivered, T0 + 3 * kS, T0 + year);  // tombstone until the bad clock + 60s
  EXPECT_EQ(snap().tombstones, 1u);
  {
    // Written by the corrected clock before a tick saw it: no future in the file either.
    std::string image;
    tracker_.save_state(image, 0, T0 + 5 * kS);
    seal_snapshot(image);
    OrderTracker loaded(config_);
    loaded.load_state(image, "t");
    EXPECT_EQ(loaded.watermark_ms(), T0 + 5 * kS);
    // Tombstones expire as W passes them: the stream reaches the ttl after the corrected write.
    loaded.apply(event("z", Placed, T0 + 65 * kS), T0 + 65 * kS);
    loaded.tick(T0 + 65 * kS, kLive);
    EXPECT_EQ(loaded.watermark_ms(), T0 + 65 * kS);
    EXPECT_EQ(snap().tombstones, 1u);
    TrackerSnapshot ls;
    loaded.snapshot(ls);
    EXPECT_EQ(ls.tombstones, 0u);
  }

  tracker_.tick(T0 + 5 * kS, kLive);  // corrected
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 5 * kS);
  apply("c", Placed, T0 + 5 * kS, T0 + 5 * kS);
  tracker_.tick(T0 + 16 * kS, kLive);  // the deadline index moves with the real clock again
  EXPECT_EQ(overdue(Placed, 0), 1);
  EXPECT_EQ(breaches(Placed, 0), crossed + 1);
  tracker_.tick(T0 + 5 * kS + 60 * kS - 1, kLive);
  EXPECT_EQ(snap().tombstones, 1u);
  tracker_.tick(T0 + 5 * kS + 60 * kS, kLive);  // a fresh ttl from the correction: expired
  EXPECT_EQ(snap().tombstones, 0u);
}

TEST_F(WatermarkTest, ABackwardsStepCountsNothingTwice) {
  apply("a", Authorized, T0, T0);
  tracker_.tick(T0 + 130 * kS, kLive);
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
  tracker_.tick(T0 + 70 * kS, kLive);  // the clock steps back 60s
  EXPECT_EQ(tracker_.watermark_ms(), T0 + 70 * kS);
  EXPECT_EQ(overdue(Authorized, 0), 1);
  EXPECT_EQ(overdue(Authorized, 1), 0);  // not past 120s as of the corrected W
  tracker_.tick(T0 + 140 * kS, kLive);   // passes 120s a second time
  EXPECT_EQ(overdue(Authorized, 1), 1);
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
  apply("a", Delivered, T0 + 150 * kS, T0 + 150 * kS);  // leaving: no recount either
  EXPECT_EQ(breaches(Authorized, 0), 1u);
  EXPECT_EQ(breaches(Authorized, 1), 1u);
}

// A snapshot taken mid-catch-up restores the same view: W, the deadline position, what was
// counted and what still waits for confirmation.
TEST_F(WatermarkTest, ASnapshotTakenMidCatchUpRestoresTheSameView) {
  const std::int64_t now = T0 + 3600 * kS;
  apply("a", Placed, T0, now - 2 * kS);
  apply("b", Authorized, T0 + 5 * kS, now - 2 * kS);
  apply("c", Placed, T0 + 30 * kS, now);
  tracker_.tick(now, kBehind);
  ASSERT_EQ(tracker_.watermark_ms(), T0 + 30 * kS);
  std::string image;
  tracker_.save_state(image, 7, now);
  seal_snapshot(image);
  OrderTracker loaded(config_);
  const RestoreReport r = loaded.load_state(image, "t");
  EXPECT_EQ(r.meta.stream_seq, 7u);
  EXPECT_EQ(loaded.watermark_ms(), T0 + 30 * kS);
  TrackerSnapshot a, b;
  tracker_.snapshot(a);
  loaded.snapshot(b);
  for (std::size_t i = 0; i < a.series.size(); ++i)
    EXPECT_EQ(a.series[i].overdue, b.series[i].overdue);
  EXPECT_EQ(b.breaches[Placed][0], 0u);  // counters restart; "a" was counted before: not again
  // The rest of the backlog, identically to both: the same counts.
  for (OrderTracker* t : {&tracker_, &loaded}) {
    t->apply(event("a", Authorized, T0 + 40 * kS), now + 2 * kS);
    t->apply(event("d", Placed, T0 + 200 * kS), now + 4 * kS);
    t->tick(now + 4 * kS, kBehind);
  }
  tracker_.snapshot(a);
  loaded.snapshot(b);
  EXPECT_EQ(loaded.watermark_ms(), T0 + 200 * kS);
  for (std::size_t i = 0; i < a.series.size(); ++i)
    EXPECT_EQ(a.series[i].overdue, b.series[i].overdue);
  EXPECT_EQ(b.breaches[Authorized][0], a.breaches[Authorized][0]);  // b crossed after the load
  EXPECT_EQ(b.breaches[Authorized][1], a.breaches[Authorized][1]);
  EXPECT_EQ(b.breaches[Placed][0], a.breaches[Placed][0] - 1);  // a's, counted before the save
}

TEST_F(WatermarkTest, AnArrivalPastATierStillWaitsForConfirmationAfterAReload) {
  std::int64_t now = T0;
  TrackerService service(config_, [&] { return now; });
  service.apply(event("late", Authorized, T0 - 90 * kS), now, std::nullopt, std::nullopt, kBehind);
  service.reload(config_);
  TrackerSnapshot s;
  service.snapshot(s);
  EXPECT_EQ(s.breaches[Authorized][0], 0u);  // behind: not yet
  service.set_behind(kLive);
  now = T0 + 2 * kS;
  service.snapshot(s);
  EXPECT_EQ(s.breaches[Authorized][0], 1u);
  service.reload(config_);
  now = T0 + 4 * kS;
  service.snapshot(s);
  EXPECT_EQ(s.breaches[Authorized][0], 1u);  // counted once, across reloads
}

// A file written before the watermark (format version 1): its last tick becomes W, and a tier
// an order was past counts as breached (version 1 counted it the moment the order was past).
TEST_F(WatermarkTest, AVersionOneSnapshotStillLoads) {
  std::string image;
  begin_snapshot(image);
  image[8] = 1;  // the version field
  {
    snapshot_codec::Writer w(image);
    w.string("orderwatch 0.1.0");
    w.svarint(T0 + 10 * kS);  // written
    w.varint(5);              // stream sequence
    w.svarint(T0 + 10 * kS);  // last tick
    w.svarint(T0 + 9 * kS);   // last event (wall clock)
    w.varint(2);              // orders
    w.varint(1);              // tombstones
    w.varint(0);              // dimensions
    w.varint(1);              // combos: the one without dimensions
    w.varint(3);              // statuses, as kConfig
    for (const auto& st : config_.statuses) {
      w.string(st.name);
      w.varint(st.terminal ? 1 : 0);
      w.varint(st.tiers.size());
      for (const auto& t : st.tiers) {
        w.string(t.severity);
        w.svarint(t.after.count());
      }
    }
    w.varint(2);  // Placed: o1 (past 10s at the last tick), o2
    w.svarint(T0);
    w.svarint(0);
    w.varint(0);
    w.string("o1");
    w.varint(5 * kS);
    w.svarint(0);
    w.varint(0);
    w.string("o2");
    w.varint(0);  // Authorized
    w.varint(0);  // Delivered
    w.varint(1);
    w.fixed64(0x1234);  // an unkeyed hash: dropped on load (version < 3)
    w.varint(Delivered);
    w.svarint(T0 + 60 * kS);
  }
  seal_snapshot(image);
  OrderTracker loaded(config_);
  const RestoreReport r = loaded.load_state(image, "old.snap");
  EXPECT_EQ(r.meta.orders, 2u);
  EXPECT_EQ(r.meta.stream_seq, 5u);
  EXPECT_EQ(loaded.watermark_ms(), T0 + 10 * kS);
  TrackerSnapshot s;
  loaded.snapshot(s);
  EXPECT_EQ(s.series[Placed].overdue[0], 1);
  EXPECT_EQ(s.tombstones, 0u);
  loaded.tick(T0 + 15 * kS - 1, kLive);  // idle counts from the first tick after a load
  loaded.tick(T0 + 15 * kS, kLive);
  loaded.snapshot(s);
  EXPECT_EQ(s.series[Placed].overdue[0], 2);
  EXPECT_EQ(s.breaches[Placed][0], 1u);  // o2's; o1's was counted by the writer
  // Its tombstone held an unkeyed hash and was dropped: the late event starts a new order.
  EXPECT_EQ(loaded.apply(event("done", Placed, T0), T0 + 15 * kS), ApplyResult::kApplied);
}

TEST(WatermarkService, StartsAtTheWallClockOnceIdleUnlessJetStreamMayHoldABacklog) {
  std::int64_t now = T0;
  TrackerSnapshot s;
  TrackerService core(sla::load_string(kConfig), [&] { return now; });
  EXPECT_FALSE(core.behind());
  core.snapshot(s);
  EXPECT_EQ(s.watermark_ms, 0);  // no event yet and not idle yet: no position
  now += 1;                      // idle_timeout (1ms) without an event: the wall clock
  core.snapshot(s);
  EXPECT_EQ(s.watermark_ms, T0 + 1);
  EXPECT_EQ(s.watermark_lag_ms, 0);
  now = T0;

  std::string js = kConfig;
  js.replace(js.find("nats: {subject: orders.>}"), 25,
             "nats: {subject: orders.>, jetstream: {stream: S, durable: d}}");
  TrackerService durable(sla::load_string(js), [&] { return now; });
  EXPECT_TRUE(durable.behind());
  durable.snapshot(s);
  EXPECT_EQ(s.watermark_ms, 0);  // no position until the consumer reports one
  EXPECT_EQ(s.watermark_lag_ms, T0);
  durable.apply(event("a", Placed, T0 - 600 * kS), now, 1, std::nullopt, kBehind);
  durable.snapshot(s);
  EXPECT_EQ(s.watermark_ms, T0 - 600 * kS);
  EXPECT_EQ(s.watermark_lag_ms, 600 * kS);
  durable.apply(event("a", Authorized, T0 - 599 * kS), now, 2, std::nullopt, kLive);  // the last
  EXPECT_FALSE(durable.behind());
  now += kS;
  durable.snapshot(s);
  EXPECT_EQ(s.watermark_ms, T0 + kS);
  durable.set_behind(kBehind);  // e.g. the connection is lost
  now += 10 * kS;
  durable.snapshot(s);
  EXPECT_EQ(s.watermark_ms, T0 + kS);
  EXPECT_EQ(s.watermark_lag_ms, 10 * kS);
}

}  // namespace
}  // namespace orderwatch::tracking

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
