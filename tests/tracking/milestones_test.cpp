// MilestoneBook (tracking/src/milestones.h) on the examples, then against a brute-force
// reference over thousands of random event sequences: every order's clock is recomputed from
// its applied events at every step (start, pauses, stop, its newest promise), and the overdue,
// in-progress, paused and without-deadline counts must match the index's exactly; breaches and
// stays met must match a reference that judges each check point afresh.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "milestones.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kH = 3'600'000;
enum Status { kPlaced, kPacking, kOnHold, kShipped, kDelivered, kStatuses };

// shipped_in_24h: from Placed until Shipped (Delivered is terminal), paused OnHold, 24h + 48h;
// delivery_promise: from Placed until Delivered, at risk 6h before the promise, due at it.
std::vector<MilestoneSpec> specs(std::int64_t unit = kH) {
  using R = MilestoneSpec;
  MilestoneSpec shipped;
  shipped.role = {R::kFrom, R::kNone, R::kPause, R::kUntil, R::kUntil};
  shipped.offset_ms = {24 * unit, 48 * unit};
  MilestoneSpec promise;
  promise.role = {R::kFrom, R::kNone, R::kPause, R::kNone, R::kUntil};
  promise.promise = true;
  promise.offset_ms = {-6 * unit, 0};
  promise.met_tier = 1;
  return {shipped, promise};
}

TEST(Milestones, AHoldDoesNotCountAndTheClockStopsAtShipping) {
  MilestoneBook book(specs(), {});
  const std::int64_t t10 = 10 * kH;  // day 0, 10:00
  book.status_changed(ClockOwner{1, 0, 0}, -1, kPlaced, t10);
  book.status_changed(ClockOwner{1, 0, 0}, kPlaced, kOnHold, 11 * kH);
  book.status_changed(ClockOwner{1, 0, 0}, kOnHold, kPacking, 15 * kH);
  book.status_changed(ClockOwner{2, 0, 0}, -1, kPlaced, t10);  // the same, never shipped
  book.status_changed(ClockOwner{2, 0, 0}, kPlaced, kOnHold, 11 * kH);
  book.status_changed(ClockOwner{2, 0, 0}, kOnHold, kPacking, 15 * kH);
  book.move_to(24 * kH + 5 * kH);
  book.status_changed(ClockOwner{1, 0, 0}, kPacking, kShipped,
                      29 * kH);  // 05:00 next day: 19h less the 4h hold = 15h
  EXPECT_EQ(book.met(0), 1u);
  book.move_to(24 * kH + 14 * kH - 1);
  EXPECT_EQ(book.overdue(0, 0, 0), 0);
  const ClockView v = book.view(ClockOwner{2, 0, 0}, 0);  // the drill-down's figures
  EXPECT_EQ(v.state, ClockState::kRunning);
  EXPECT_EQ(v.started_ms, t10);
  EXPECT_EQ(v.paused_ms, 4 * kH);
  EXPECT_EQ(v.deadline_ms, 24 * kH + 14 * kH);
  EXPECT_EQ(v.counted_ms, 24 * kH - 1);
  EXPECT_EQ(book.view(ClockOwner{1, 0, 0}, 0).state, ClockState::kDone);
  book.move_to(24 * kH + 14 * kH);  // 24h + the 4h hold after 10:00
  EXPECT_EQ(book.overdue(0, 0, 0), 1);
  EXPECT_EQ(book.breaches(0, 0), 1u);
  EXPECT_EQ(book.in_progress(0, 0), 1);
}

TEST(Milestones, APromiseIsAtRiskBeforeItAndAMovedPromiseClearsIt) {
  // The order in record 7 carries label set 3 (the book asks its owner at each crossing).
  MilestoneBook book(specs(), {},
                     [](std::uint32_t idx) -> std::uint16_t { return idx == 7 ? 3 : 0; });
  book.status_changed(ClockOwner{7, 3, 0}, -1, kPlaced, 8 * kH);
  EXPECT_EQ(book.without_deadline(1, 3), 1);
  book.deadline_seen(ClockOwner{7, 3, 0}, 1, 18 * kH);
  EXPECT_EQ(book.without_deadline(1, 3), 0);
  book.move_to(12 * kH - 1);
  EXPECT_EQ(book.overdue(1, 0, 3), 0);
  book.move_to(12 * kH);
  EXPECT_EQ(book.overdue(1, 0, 3), 1);  // at risk from 12:00
  book.move_to(18 * kH);
  EXPECT_EQ(book.overdue(1, 1, 3), 1);                  // overdue at 18:00
  book.deadline_seen(ClockOwner{7, 3, 0}, 1, 20 * kH);  // renegotiated
  EXPECT_EQ(book.overdue(1, 1, 3), 0);
  EXPECT_EQ(book.overdue(1, 0, 3), 1);  // still within 6h of the new promise
  EXPECT_EQ(book.breaches(1, 1), 1u);   // counted once, when it was crossed
  book.status_changed(ClockOwner{7, 3, 0}, kPlaced, kDelivered, 19 * kH);
  EXPECT_EQ(book.overdue(1, 0, 3), 0);
  EXPECT_EQ(book.in_progress(1, 3), 0);
  EXPECT_EQ(book.met(1), 0u);  // its deadline tier had been counted as breached
}

// ---- The brute-force reference: each order's applied events, judged from scratch.
struct RefOrder {
  std::vector<std::pair<std::int64_t, int>> moves;  // (t, status), applied order
  std::optional<std::int64_t> promise;              // newest promise seen
  std::vector<std::vector<bool>> breached;          // [milestone][tier]
  std::vector<bool> met_counted;                    // [milestone]
  bool released = false;
};

struct Clock {
  enum State { kNotStarted, kRunning, kPaused, kDone } state = kNotStarted;
  std::int64_t key = 0;      // effective start
  std::int64_t counted = 0;  // paused: at the pause; done: at the stop
  std::int64_t stopped = 0;
};

Clock sla_clock(const RefOrder& o, const MilestoneSpec& spec) {
  Clock c;
  std::int64_t pause_start = 0;
  for (auto [t, st] : o.moves) {
    const auto role = spec.role[static_cast<std::size_t>(st)];
    if (c.state == Clock::kNotStarted && role == MilestoneSpec::kFrom) {
      c = {Clock::kRunning, t, 0, 0};
    } else if (c.state == Clock::kRunning && role == MilestoneSpec::kUntil) {
      c.state = Clock::kDone;
      c.counted = t - c.key;
      c.stopped = t;
    } else if (c.state == Clock::kRunning && role == MilestoneSpec::kPause) {
      c.state = Clock::kPaused;
      pause_start = t;
      c.counted = t - c.key;
    } else if (c.state == Clock::kPaused && role == MilestoneSpec::kUntil) {
      c.state = Clock::kDone;
      c.stopped = t;
    } else if (c.state == Clock::kPaused && role != MilestoneSpec::kPause) {
      c.state = Clock::kRunning;
      c.key += t - pause_start;
    }
  }
  return c;
}

// Promise milestones: running or paused alike (the promise does not move); the key is the
// newest promise.
Clock promise_clock(const RefOrder& o, const MilestoneSpec& spec) {
  Clock c = sla_clock(o, spec);
  if (c.state == Clock::kPaused) c.state = Clock::kRunning;
  if (o.promise) c.key = *o.promise;
  return c;
}

struct Fixture {
  std::vector<MilestoneSpec> spec = specs(1);
  std::unique_ptr<MilestoneBook> book =
      std::make_unique<MilestoneBook>(specs(1), std::vector<std::int64_t>{});
  std::map<std::uint32_t, RefOrder> orders;
  std::optional<std::int64_t> w;
  std::vector<std::vector<std::uint64_t>> breaches{2, std::vector<std::uint64_t>(2, 0)};
  std::vector<std::uint64_t> met = {0, 0};

  // Tiers of milestone m the order is past as of W (or, with `at`, at that instant).
  std::size_t past(const RefOrder& o, std::size_t m, std::optional<std::int64_t> at) const {
    const auto& off = spec[m].offset_ms;
    const Clock c = spec[m].promise ? promise_clock(o, spec[m]) : sla_clock(o, spec[m]);
    if (c.state == Clock::kNotStarted || (spec[m].promise && !o.promise)) return 0;
    std::size_t k = 0;
    if (c.state == Clock::kPaused || (c.state == Clock::kDone && !spec[m].promise)) {
      while (k < off.size() && c.counted >= off[k]) ++k;
      return k;
    }
    const std::optional<std::int64_t> now = c.state == Clock::kDone ? c.stopped : at;
    if (!now) return 0;
    while (k < off.size() && c.key <= *now - off[k]) ++k;
    return k;
  }
  void judge(RefOrder& o) {
    for (std::size_t m = 0; m < 2; ++m) {
      const Clock c = spec[m].promise ? promise_clock(o, spec[m]) : sla_clock(o, spec[m]);
      if (c.state == Clock::kNotStarted) continue;
      const std::size_t p = past(o, m, c.state == Clock::kDone ? std::nullopt : w);
      for (std::size_t k = 0; k < p; ++k) {
        if (!o.breached[m][k]) ++breaches[m][k];
        o.breached[m][k] = true;
      }
      const bool judged = !spec[m].promise || o.promise.has_value();
      if (c.state == Clock::kDone && judged && !o.met_counted[m] &&
          !o.breached[m][spec[m].met_tier]) {
        o.met_counted[m] = true;
        ++met[m];
      }
    }
  }
  // A restart: every live clock saved and restored into a new book, the counters carried, W
  // set again (as a snapshot load does).
  void restart() {
    auto next = std::make_unique<MilestoneBook>(specs(1), std::vector<std::int64_t>{});
    for (const auto& [idx, o] : orders) {
      if (o.released) continue;
      for (std::size_t m = 0; m < 2; ++m) {
        next->restore(ClockOwner{idx, 0, 0}, m, book->saved(ClockOwner{idx, 0, 0}, m));
      }
    }
    next->carry_counters_from(*book, {0, 1});
    if (w) next->move_to(*w);
    book = std::move(next);
  }
  void compare(const std::string& where) {
    for (std::size_t m = 0; m < 2; ++m) {
      std::vector<std::int64_t> over(2, 0);
      std::int64_t running = 0, paused = 0, without = 0;
      for (const auto& [idx, o] : orders) {
        if (o.released) continue;
        const Clock c = sla_clock(o, spec[m]);
        if (c.state == Clock::kRunning || c.state == Clock::kPaused) {
          ++running;
          paused += c.state == Clock::kPaused;
          without += spec[m].promise && !o.promise;
          for (std::size_t k = 0; k < past(o, m, w); ++k) ++over[k];
        }
      }
      ASSERT_EQ(book->in_progress(m, 0), running) << where << " m" << m;
      ASSERT_EQ(book->paused(m, 0), paused) << where << " m" << m;
      ASSERT_EQ(book->without_deadline(m, 0), without) << where << " m" << m;
      for (std::size_t k = 0; k < 2; ++k) {
        ASSERT_EQ(book->overdue(m, k, 0), over[k]) << where << " m" << m << " k" << k;
        ASSERT_EQ(book->breaches(m, k), breaches[m][k]) << where << " m" << m << " k" << k;
      }
      ASSERT_EQ(book->met(m), met[m]) << where << " m" << m;
    }
  }
};

TEST(Milestones, MatchABruteForceReferenceOverRandomSequences) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 40; ++round) {
    Fixture f;
    std::int64_t now = 1'000;
    std::uint32_t next_idx = 0;
    std::vector<std::uint32_t> live;
    for (int step = 0; step < 400; ++step) {
      const int dice = static_cast<int>(rng() % 10);
      now += static_cast<std::int64_t>(rng() % 5);
      if (dice < 2 || live.empty()) {  // a new order, placed (or straight into packing)
        const std::uint32_t idx = next_idx++;
        RefOrder& o = f.orders[idx];
        o.breached.assign(2, std::vector<bool>(2, false));
        o.met_counted.assign(2, false);
        const int st = rng() % 4 == 0 ? kPacking : kPlaced;
        const std::int64_t t = now - static_cast<std::int64_t>(rng() % 60);
        o.moves.push_back({t, st});
        f.book->status_changed(ClockOwner{idx, 0, 0}, -1, st, t);
        live.push_back(idx);
        f.judge(o);
      } else if (dice < 6) {  // the next status of a live order
        const std::size_t pick = rng() % live.size();
        const std::uint32_t idx = live[pick];
        RefOrder& o = f.orders[idx];
        const int st = static_cast<int>(rng() % kStatuses);
        const std::int64_t t =
            std::max(o.moves.back().first, now - static_cast<std::int64_t>(rng() % 30));
        const int was = o.moves.back().second;
        if (st == was) continue;
        o.moves.push_back({t, st});
        f.book->status_changed(ClockOwner{idx, 0, 0}, was, st, t);
        f.judge(o);
        if (st == kDelivered) {  // terminal: the record is freed
          f.book->release(ClockOwner{idx, 0, 0});
          o.released = true;
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(pick));
        }
      } else if (dice < 7) {  // a promise, new or moved
        const std::uint32_t idx = live[rng() % live.size()];
        RefOrder& o = f.orders[idx];
        const std::int64_t promise = now + static_cast<std::int64_t>(rng() % 80) - 20;
        const Clock c = sla_clock(o, f.spec[1]);
        if (c.state != Clock::kDone) o.promise = promise;
        f.book->deadline_seen(ClockOwner{idx, 0, 0}, 1, promise);
        f.judge(o);
      } else if (dice < 8 && rng() % 8 == 0) {  // a restart from a snapshot
        f.restart();
      } else {  // a tick: W follows, lagging; now and then a step back
        const std::int64_t w = rng() % 8 == 0 && f.w ? *f.w - static_cast<std::int64_t>(rng() % 10)
                                                     : now - static_cast<std::int64_t>(rng() % 20);
        f.w = f.w ? std::max(*f.w - 10, w) : w;
        f.book->move_to(*f.w);
        for (auto& [idx, o] : f.orders) {
          if (!o.released) f.judge(o);
        }
      }
      f.compare("round " + std::to_string(round) + " step " + std::to_string(step));
      if (HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace orderwatch::tracking
