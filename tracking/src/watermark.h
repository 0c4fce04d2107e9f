// Private: the watermark W, the time up to which the stream has been seen and as of which
// overdue and breaches are judged. The one place of its rule (docs/design.md, "The watermark
// rule"): W follows the event times that arrive -- the oldest of those that arrived in about the
// last second, minus event.max_lateness -- whatever the source and its pacing; only when no event
// has arrived for event.idle_timeout and ingest knows of nothing waiting does it follow the wall
// clock (minus max_lateness). Never backwards, never past the wall clock -- except that a wall
// clock stepping back below W takes W down with it.
// Cost: O(1) per event (a min into the current arrival bucket), O(kBuckets) per tick. Not
// thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "deadlines.h"

namespace orderwatch::tracking {

class Watermark {
 public:
  // How far back (wall clock of arrival) the oldest event time is taken: long enough that a
  // backfill interleaved with live traffic sends at least one event per window, short enough
  // that W trails a live stream by little.
  static constexpr std::int64_t kWindowMs = 1000;

  Watermark(std::int64_t lateness_ms, std::int64_t idle_ms)
      : lateness_ms_(lateness_ms), idle_ms_(idle_ms) {}

  // An event with this event time was applied at wall clock `now` (the event path).
  void saw_event(std::int64_t event_ms, std::int64_t now) {
    newest_event_ms_ = std::max(newest_event_ms_, event_ms);
    last_arrival_ms_ = now;
    Bucket& b = ring_[cur_];
    if (b.start_ms != kNever && now >= b.start_ms && now - b.start_ms < kBucketMs) {
      b.oldest_ms = std::min(b.oldest_ms, event_ms);
      return;
    }
    cur_ = (cur_ + 1) % kBuckets;
    ring_[cur_] = Bucket{now, event_ms};
  }

  // Where the events put W at wall clock `now`, before W's own rules (monotone, the clock):
  // the oldest event time among the recent arrivals, or -- idle for idle_timeout and nothing
  // known to wait (`behind`) -- the wall clock; minus max_lateness. kNever when neither gives
  // a position (no recent arrival, not idle yet). The late-entry confirmation judges by it.
  std::int64_t horizon(std::int64_t now, bool behind) const {
    const std::int64_t quiet_since = last_arrival_ms_ == kNever ? started_ms_ : last_arrival_ms_;
    if (!behind && quiet_since != kNever && now - quiet_since >= idle_ms_)
      return now - lateness_ms_;
    std::int64_t oldest = kNoEvent;
    for (const Bucket& b : ring_) {
      if (b.start_ms != kNever && now >= b.start_ms && now - b.start_ms < kWindowMs) {
        oldest = std::min(oldest, b.oldest_ms);
      }
    }
    return oldest == kNoEvent ? kNever : std::min(oldest, now) - lateness_ms_;
  }

  // A tick at wall clock `now`; behind: ingest knows of messages still waiting. Returns where
  // the rule puts W now (kNever while nothing gives a position); move_to() then commits it.
  std::int64_t next(std::int64_t now, bool behind) {
    if (started_ms_ == kNever) started_ms_ = now;  // idle counts from the first tick
    last_now_ = now;
    std::int64_t w = w_;
    if (w != kNever && w > now) w = now;
    return std::max(w, horizon(now, behind));
  }
  void move_to(std::int64_t w) { w_ = w; }
  // As a loaded snapshot left it: W, the newest event time, the wall clock of the last event
  // (0: none; idle then counts from the next tick). The recent event times are not kept.
  void restore(std::int64_t w, std::int64_t newest_event_ms, std::int64_t last_arrival_ms) {
    w_ = w;
    newest_event_ms_ = newest_event_ms;
    last_arrival_ms_ = last_arrival_ms > 0 ? last_arrival_ms : kNever;
  }
  // The arrivals of the tracker this one replaces (a reload), so W goes on as it would have.
  void carry_arrivals_from(const Watermark& old) {
    ring_ = old.ring_;
    cur_ = old.cur_;
    last_arrival_ms_ = old.last_arrival_ms_;
    started_ms_ = old.started_ms_;
  }

  bool known() const { return w_ != kNever; }
  std::int64_t ms() const { return w_; }  // kNever before the first positioned tick
  // The time ages and expiries (tombstones, acknowledgements) are judged at: W, or the wall
  // clock `now` while W has no position yet.
  std::int64_t judge_at(std::int64_t now) const { return w_ == kNever ? now : w_; }
  std::int64_t exported_ms() const { return w_ == kNever ? 0 : w_; }  // 0 = no position yet
  // Wall clock of the last tick - W, >= 0.
  std::int64_t lag_ms() const { return std::max<std::int64_t>(0, last_now_ - exported_ms()); }
  std::int64_t last_now() const { return last_now_; }  // wall clock of the last tick
  std::int64_t newest_event_ms() const { return newest_event_ms_; }
  std::int64_t lateness_ms() const { return lateness_ms_; }

 private:
  static constexpr std::size_t kBuckets = 5;
  static constexpr std::int64_t kBucketMs = kWindowMs / (kBuckets - 1);
  static constexpr std::int64_t kNoEvent = std::numeric_limits<std::int64_t>::max();
  struct Bucket {
    std::int64_t start_ms = kNever;  // wall clock of its first arrival
    std::int64_t oldest_ms = kNoEvent;
  };

  std::int64_t w_ = kNever;
  std::int64_t newest_event_ms_ = kNever;  // newest event time applied
  std::int64_t last_now_ = 0;
  std::int64_t last_arrival_ms_ = kNever;  // wall clock of the last event applied
  std::int64_t started_ms_ = kNever;       // wall clock of the first tick
  std::array<Bucket, kBuckets> ring_{};
  std::size_t cur_ = 0;
  const std::int64_t lateness_ms_;
  const std::int64_t idle_ms_;
};

}  // namespace orderwatch::tracking
