// AgeHistogram: the distribution of the current ages (as of the watermark W) of the orders
// sitting in each status, per series, kept exactly and incrementally like the overdue counts
// per tier: for each bucket bound b it holds the number of orders whose age exceeds b
// (W - entered > b, i.e. entered <= W - b - 1 in integer milliseconds). enter()/leave() adjust
// the counts of one order in O(buckets); move_to() walks only the index entries whose entry
// time crossed a bound's cutoff since the last move (work proportional to crossings, each
// order crosses each bound once per stay). Reading a series is O(buckets), never O(orders).
//
// The bounds are the duration histogram's (sla::status_duration_buckets), so every tier
// threshold is a bound. Not thread-safe: owned by SeriesCounters (counters.h) under the
// service's lock.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "orderwatch/tracking/tracker.h"
#include "status_index.h"

namespace orderwatch::tracking {

class AgeHistogram {
 public:
  static constexpr std::int64_t kNoPosition = std::numeric_limits<std::int64_t>::min();

  explicit AgeHistogram(std::vector<std::int64_t> bounds_ms) : bounds_(std::move(bounds_ms)) {
    cutoff_.assign(bounds_.size(), kNoPosition);
  }

  // Grows to `series` series (new ones empty).
  void resize(std::size_t series) {
    older_.resize(series * bounds_.size(), 0);
    entered_sum_.resize(series, 0);
  }

  void enter(std::size_t ser, std::int64_t entered) { adjust(ser, entered, +1); }
  void leave(std::size_t ser, std::int64_t entered) { adjust(ser, entered, -1); }

  // Positions the cutoffs at W without walking (the state is empty or already counted as of W,
  // e.g. before a snapshot's orders are re-entered).
  void set_position(std::int64_t w) {
    w_ = w;
    for (std::size_t b = 0; b < bounds_.size(); ++b) cutoff_[b] = cutoff_for(w, b);
  }

  // Moves W (forwards or back) over the orders of every status; series_of(status, entry) names
  // the series of an index entry (from the label set it carries: no record is read).
  template <typename SeriesOf>
  void move_to(std::int64_t w, const std::vector<StatusIndex>& index, SeriesOf&& series_of) {
    if (w == w_) return;
    for (std::size_t b = 0; b < bounds_.size(); ++b) {
      const std::int64_t next = cutoff_for(w, b);
      const std::int64_t cur = cutoff_[b];
      for (std::size_t s = 0; s < index.size(); ++s) {
        if (next > cur) {
          index[s].for_each_in(cur, next,
                               [&](const IndexEntry& e) { ++older_[slot(series_of(s, e), b)]; });
        } else if (next < cur) {
          index[s].for_each_in(next, cur,
                               [&](const IndexEntry& e) { --older_[slot(series_of(s, e), b)]; });
        }
      }
      cutoff_[b] = next;
    }
    w_ = w;
  }

  // The histogram of series `ser` holding `in_status` orders: cumulative counts per bound
  // (age <= bound), +Inf == count == in_status, sum of the ages in seconds.
  void fill(std::size_t ser, std::int64_t in_status, HistogramValues& out) const {
    const std::size_t nb = bounds_.size();
    out.cumulative.resize(nb + 1);
    for (std::size_t b = 0; b < nb; ++b) {
      out.cumulative[b] = static_cast<std::uint64_t>(in_status - older_[ser * nb + b]);
    }
    out.cumulative[nb] = static_cast<std::uint64_t>(in_status);
    out.count = static_cast<std::uint64_t>(in_status);
    const __int128 age_ms =
        w_ == kNoPosition ? 0 : static_cast<__int128>(in_status) * w_ - entered_sum_[ser];
    out.sum_seconds = static_cast<double>(age_ms) / 1000.0;
  }

  const std::vector<std::int64_t>& bounds_ms() const { return bounds_; }

 private:
  std::int64_t cutoff_for(std::int64_t w, std::size_t b) const {
    return w == kNoPosition ? kNoPosition : w - bounds_[b] - 1;
  }
  std::size_t slot(std::size_t ser, std::size_t b) const { return ser * bounds_.size() + b; }
  void adjust(std::size_t ser, std::int64_t entered, std::int64_t delta) {
    for (std::size_t b = 0; b < bounds_.size() && entered <= cutoff_[b]; ++b) {
      older_[slot(ser, b)] += delta;  // cutoffs fall as bounds rise: stop at the first miss
    }
    entered_sum_[ser] += static_cast<__int128>(delta) * entered;
  }

  std::vector<std::int64_t> bounds_;
  std::vector<std::int64_t> cutoff_;   // [bound]: older than the bound iff entered <= cutoff
  std::vector<std::int64_t> older_;    // [series * bounds + bound]
  std::vector<__int128> entered_sum_;  // [series]: sum of entry times, ms
  std::int64_t w_ = kNoPosition;
};

}  // namespace orderwatch::tracking
