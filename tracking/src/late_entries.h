// Private: the late-entry queue -- orders that entered their stay already past a tier (a late
// or backdated event), in arrival order, waiting for their breach to be confirmed. An old
// timestamp alone is no breach: the order's next event may be right behind it in the same
// backlog. The tick confirms an entry once ingest is caught up and kLateEntryGraceMs +
// max_lateness (wall clock) passed since it arrived, if the order is still in that stay.
// Cost: O(1) per late arrival; confirmation O(entries due). Not thread-safe: owned by
// OrderTracker::Impl under the service's lock.
#pragma once

#include <cstdint>
#include <deque>

namespace orderwatch::tracking {

// How long (wall clock, on top of max_lateness) an order that arrived already past a tier
// waits for its next event before its breach counts: longer than the gap between two events
// of one burst, even when the exporter drains the burst as fast as it arrives.
inline constexpr std::int64_t kLateEntryGraceMs = 1000;

class LateEntries {
 public:
  struct Entry {
    std::int64_t arrived_ms;  // wall clock
    std::int64_t entered_ms;  // the stay it belongs to: (status, entered_ms) of record idx
    std::uint32_t idx;
    std::uint8_t status;
  };

  void add(const Entry& e) { queue_.push_back(e); }

  // Pops every entry whose grace `grace_ms` has passed at wall clock `now` (a wall clock that
  // stepped back below an arrival does not hold the queue up) and calls due(entry) for it.
  template <typename Due>
  void confirm_due(std::int64_t now, std::int64_t grace_ms, Due&& due) {
    while (!queue_.empty()) {
      const Entry e = queue_.front();
      if (now >= e.arrived_ms && now - e.arrived_ms < grace_ms) break;
      queue_.pop_front();
      due(e);
    }
  }
  // While behind for long, entries of orders that moved on pile up behind the front: once
  // they outnumber `orders` (one live entry per order at most), those stale(entry) names go.
  template <typename Stale>
  void compact(std::size_t orders, Stale&& stale) {
    if (queue_.size() > 2 * orders + 1024) std::erase_if(queue_, stale);
  }

  std::size_t size() const { return queue_.size(); }
  std::size_t memory_bytes() const { return queue_.size() * sizeof(Entry); }

 private:
  std::deque<Entry> queue_;
};

}  // namespace orderwatch::tracking
