// TrendRing: per status, the in-flight and the overdue counts (unacknowledged orders past the
// first tier, as the alerts count them) over the last hour, for the drill-down page's trend
// charts. The service's tick records one sample per interval (15 s, aligned to multiples of
// it) from OrderTracker::status_counts(), which is O(series + acknowledged orders): a sample
// never visits an order.
//
// Bounded: a ring of `capacity` samples (240: one hour at 15 s) per status, allocated up
// front, so memory is O(statuses x capacity) -- 16 bytes per status and sample plus 8 per
// sample time, about 4 KB per status -- whatever the traffic. Kept in snapshots (version 6 on),
// so a restart shows the hour before it. A reload keeps the history of the statuses it
// keeps (matched by name); a status new to the config has no values (-1) before it. A wall
// clock that steps back below the newest sample clears the ring (times stay increasing).
// Not thread-safe: owned by TrackerService under its lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

namespace snapshot_codec {
class Writer;
class Reader;
}  // namespace snapshot_codec

class TrendRing {
 public:
  static constexpr std::int64_t kIntervalMs = 15'000;
  static constexpr std::size_t kCapacity = 240;  // one hour at kIntervalMs
  static constexpr std::int64_t kMissing = -1;   // the status was not configured then

  explicit TrendRing(std::vector<std::string> statuses, std::int64_t interval_ms = kIntervalMs,
                     std::size_t capacity = kCapacity);

  // Whether a tick at now_ms records a sample: the first one, one per interval boundary
  // passed since the last, or after the clock stepped back.
  bool due(std::int64_t now_ms) const {
    return size_ == 0 || now_ms >= next_ms_ || now_ms < last_ms_;
  }
  // Records counts[s] (status s in the order given to the constructor or relabel()) at now_ms;
  // the oldest sample goes once the ring is full.
  void record(std::int64_t now_ms, const std::vector<StatusCounts>& counts);
  // The statuses of a reloaded config: histories follow their status by name.
  void relabel(const std::vector<std::string>& statuses);
  // The samples of the last `window` (interval x capacity) before now_ms, oldest first.
  TrendView view(std::int64_t now_ms) const;

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }

  // The ring's section of a snapshot image (version 6 on, the last): the statuses by name, the
  // samples oldest first (time, then per status in flight and overdue; -1: not configured).
  // load() keeps this ring's interval and bound, its statuses matched by name (relabel); skip()
  // reads past the section. Reader errors throw as the rest of the load does.
  void save(snapshot_codec::Writer& w) const;
  void load(snapshot_codec::Reader& r);
  static void skip(snapshot_codec::Reader& r);
  std::size_t memory_bytes() const;

 private:
  std::size_t at(std::size_t i) const { return (head_ + i) % capacity_; }  // i-th oldest

  std::int64_t interval_ms_;
  std::size_t capacity_;
  std::vector<std::string> statuses_;
  std::vector<std::int64_t> times_;      // [slot]
  std::vector<std::int64_t> in_flight_;  // [status * capacity + slot]
  std::vector<std::int64_t> overdue_;    // [status * capacity + slot]
  std::size_t head_ = 0;                 // slot of the oldest sample
  std::size_t size_ = 0;
  std::int64_t last_ms_ = 0;  // time of the newest sample
  std::int64_t next_ms_ = 0;  // the next interval boundary
};

}  // namespace orderwatch::tracking
