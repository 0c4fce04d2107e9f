// Private: the watermark W, the time up to which the stream has been seen and as of which
// overdue and breaches are judged. The one place of its rule: at each tick W moves to the newest
// event time applied while ingest is behind, to the wall clock once caught up (both minus
// event.max_lateness); never backwards, never past the wall clock -- except that a wall clock
// stepping back below W takes W down with it.
// Cost: O(1). Not thread-safe: owned by OrderTracker::Impl under the service's lock.
// Design: docs/design.md, "tracking: order state, deadlines and the watermark".
#pragma once

#include <algorithm>
#include <cstdint>

#include "deadlines.h"

namespace orderwatch::tracking {

class Watermark {
 public:
  explicit Watermark(std::int64_t lateness_ms) : lateness_ms_(lateness_ms) {}

  // An event with this event time was applied (the event path: one max).
  void saw_event(std::int64_t event_ms) { newest_event_ms_ = std::max(newest_event_ms_, event_ms); }

  // A tick at wall clock `now`; behind: ingest knows of messages still waiting. Returns where
  // the rule puts W now (kNever while nothing gives a position); move_to() then commits it.
  std::int64_t next(std::int64_t now, bool behind) {
    last_now_ = now;
    std::int64_t w = w_;
    if (w != kNever && w > now) w = now;
    std::int64_t target = behind ? std::min(newest_event_ms_, now) : now;
    if (target != kNever) target -= lateness_ms_;
    return std::max(w, target);
  }
  void move_to(std::int64_t w) { w_ = w; }
  // As a loaded snapshot left it.
  void restore(std::int64_t w, std::int64_t newest_event_ms) {
    w_ = w;
    newest_event_ms_ = newest_event_ms;
  }

  bool known() const { return w_ != kNever; }
  std::int64_t ms() const { return w_; }  // kNever before the first positioned tick
  std::int64_t exported_ms() const { return w_ == kNever ? 0 : w_; }  // 0 = no position yet
  // Wall clock of the last tick - W, >= 0.
  std::int64_t lag_ms() const { return std::max<std::int64_t>(0, last_now_ - exported_ms()); }
  std::int64_t last_now() const { return last_now_; }  // wall clock of the last tick
  std::int64_t newest_event_ms() const { return newest_event_ms_; }
  std::int64_t lateness_ms() const { return lateness_ms_; }

 private:
  std::int64_t w_ = kNever;
  std::int64_t newest_event_ms_ = kNever;  // newest event time applied
  std::int64_t last_now_ = 0;
  const std::int64_t lateness_ms_;
};

}  // namespace orderwatch::tracking
