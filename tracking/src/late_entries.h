// Private: the late stays -- orders that entered a status already past a tier as of W (a
// backfill behind W, a straggler, a backdated event), waiting for their tiers to be confirmed.
// An old timestamp alone is neither overdue nor a breach: the order's next event may be right
// behind it in the same backfill. Each late stay has one entry: in the heap for its next
// unconfirmed tier, due at that tier's deadline (the tick confirms the breach once the
// arriving events have passed it, Watermark::horizon), or, every tier it is past as of W a
// breach, parked until the arriving events catch up with W (then it counts as overdue).
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
  // A stay whose every tier past as of W is a confirmed breach waits here until the arriving
  // events catch up with W (its next event may still come with a time at or before W).
  void park(const Entry& e) { parked_.push_back(e); }
  // Calls settle(entry) for every parked entry and empties the list.
  template <typename Settle>
  void release_parked(Settle&& settle) {
    std::vector<Entry> parked;
    parked.swap(parked_);
    for (const Entry& e : parked) settle(e);
  }
  // While behind for long, entries of orders that moved on pile up: once they outnumber
  // `orders` (one live entry per order at most), those stale(entry) names go.
  template <typename Stale>
  void compact(std::size_t orders, Stale&& stale) {
    if (heap_.size() + parked_.size() <= 2 * orders + 1024) return;
    std::erase_if(heap_, stale);
    std::make_heap(heap_.begin(), heap_.end(), later);
    std::erase_if(parked_, stale);
  }

  std::size_t size() const { return heap_.size() + parked_.size(); }
  std::size_t memory_bytes() const {
    return (heap_.capacity() + parked_.capacity()) * sizeof(Entry);
  }

 private:
  static bool later(const Entry& a, const Entry& b) { return a.due_ms > b.due_ms; }
  std::vector<Entry> heap_;
  std::vector<Entry> parked_;
};

}  // namespace orderwatch::tracking
