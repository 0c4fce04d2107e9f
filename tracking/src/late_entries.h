// Private: the late stays -- orders that entered a status already past a tier as of W (a
// backfill behind W, a straggler, a backdated event), waiting for their tiers to be confirmed.
// An old timestamp alone is neither overdue nor a breach: the order's next event may be right
// behind it in the same backfill. Each late stay has one entry, for its next unconfirmed tier,
// due at that tier's deadline; the tick confirms entries whose deadline the arriving events
// have passed (Watermark::horizon), if the order is still in that stay.
// Cost: O(log n) per late arrival and per confirmed tier. Not thread-safe: owned by
// OrderTracker::Impl under the service's lock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace orderwatch::tracking {

class LateEntries {
 public:
  struct Entry {
    std::int64_t due_ms;      // the deadline of `tier` of the stay
    std::int64_t entered_ms;  // the stay it belongs to: (status, entered_ms) of record idx
    std::uint32_t idx;
    std::uint8_t status;
    std::uint8_t tier;
  };

  void add(const Entry& e) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }

  // Pops every entry due at or before `horizon` and calls due(entry) for it; due() may add.
  template <typename Due>
  void confirm_due(std::int64_t horizon, Due&& due) {
    while (!heap_.empty() && heap_.front().due_ms <= horizon) {
      std::pop_heap(heap_.begin(), heap_.end(), later);
      const Entry e = heap_.back();
      heap_.pop_back();
      due(e);
    }
  }
  // While behind for long, entries of orders that moved on pile up: once they outnumber
  // `orders` (one live entry per order at most), those stale(entry) names go.
  template <typename Stale>
  void compact(std::size_t orders, Stale&& stale) {
    if (heap_.size() <= 2 * orders + 1024) return;
    std::erase_if(heap_, stale);
    std::make_heap(heap_.begin(), heap_.end(), later);
  }

  std::size_t size() const { return heap_.size(); }
  std::size_t memory_bytes() const { return heap_.capacity() * sizeof(Entry); }

 private:
  static bool later(const Entry& a, const Entry& b) { return a.due_ms > b.due_ms; }
  std::vector<Entry> heap_;
};

}  // namespace orderwatch::tracking
