// Private: the counts the metric contract exports, each set in its own flat arrays.
//   SeriesCounters  per series (label set x status): in_status, overdue per tier, the duration
//                   histogram and sum, the age histogram (gauges and one counter family)
//   StatusCounters  per status: breaches per tier, transitions, the turnaround histogram
//   EventCounters   per process: events by result, rejects by reason, evictions, refusals
// Each owns the save/restore/carry of its counters for a live reload (counters.cpp), so the
// hand-over follows a layout change. Cost: O(1) per event (O(buckets) for a histogram).
// Not thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "age_histogram.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

// The saved counters (OrderTracker::Counters) being read back in order.
struct CounterCursor {
  std::vector<std::uint64_t>::const_iterator count, count_end;
  std::vector<std::int64_t>::const_iterator sum, sum_end;
  // Copies the next saved values over out[0..n) (as many as were saved), zeroing the rest.
  template <typename T>
  void take_counts(T* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = count != count_end ? *count++ : 0;
  }
  void take_sums(std::int64_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = sum != sum_end ? *sum++ : 0;
  }
};

// Histogram helpers shared by the sets: bucket of `value` under `bounds` (ms), and the
// cumulative form Prometheus exposes.
inline void observe_bucket(std::uint64_t* buckets, const std::vector<std::int64_t>& bounds,
                           std::int64_t value) {
  auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
  ++buckets[it - bounds.begin()];
}
void fill_histogram(HistogramValues& out, const std::uint64_t* buckets, std::size_t nbuckets,
                    std::int64_t sum_ms);

// Per series: series(combo, status) = combo * statuses + status.
class SeriesCounters {
 public:
  SeriesCounters(std::size_t statuses, std::size_t max_tiers, std::vector<std::int64_t> bounds)
      : n_(statuses),
        max_tiers_(max_tiers),
        bounds_(std::move(bounds)),
        nb_(bounds_.size() + 1),
        age_(bounds_) {}

  std::size_t series(std::uint16_t combo, std::uint8_t status) const { return combo * n_ + status; }
  std::size_t statuses() const { return n_; }
  // Grows to `combos` label sets (new series empty); O(1) when already that large.
  void fit(std::size_t combos) {
    if (combos * n_ <= in_status_.size()) return;
    in_status_.resize(combos * n_, 0);
    overdue_.resize(combos * n_ * max_tiers_, 0);
    hist_.resize(combos * n_ * nb_, 0);
    hist_sum_ms_.resize(combos * n_, 0);
    open_hist_.resize(combos * n_ * nb_, 0);
    open_sum_ms_.resize(combos * n_, 0);
    age_.resize(combos * n_);
  }

  std::int64_t in_status(std::size_t ser) const { return in_status_[ser]; }
  std::int64_t overdue(std::size_t ser, std::size_t tier) const {
    return overdue_[ser * max_tiers_ + tier];
  }
  // Orders of every status carrying label set `combo`.
  std::int64_t orders_in_combo(std::size_t combo) const {
    std::int64_t orders = 0;
    for (std::size_t s = 0; s < n_; ++s) orders += in_status_[combo * n_ + s];
    return orders;
  }

  // An order enters / leaves series `ser` (its age counted as of W).
  void enter(std::size_t ser, std::int64_t entered) {
    ++in_status_[ser];
    age_.enter(ser, entered);
  }
  void leave(std::size_t ser, std::int64_t entered) {
    --in_status_[ser];
    age_.leave(ser, entered);
  }
  void add_overdue(std::size_t ser, std::size_t tier, std::int64_t delta) {
    overdue_[ser * max_tiers_ + tier] += delta;
  }
  // A stay of `stay_ms` ended (order_status_duration_seconds).
  void observe_stay(std::size_t ser, std::int64_t stay_ms) {
    observe_bucket(&hist_[ser * nb_], bounds_, stay_ms);
    hist_sum_ms_[ser] += stay_ms;
  }
  // A stay in a calendar status spent `open_ms` of its calendar's open time
  // (order_status_open_duration_seconds).
  void observe_open(std::size_t ser, std::int64_t open_ms) {
    observe_bucket(&open_hist_[ser * nb_], bounds_, open_ms);
    open_sum_ms_[ser] += open_ms;
  }
  // Label set `combo` was released: no order is in it (in_status, overdue and the age buckets
  // are 0 already); its duration histogram restarts from 0 if it comes back.
  void clear_combo(std::size_t combo) {
    const std::size_t first = combo * n_;
    std::fill_n(hist_.begin() + static_cast<std::ptrdiff_t>(first * nb_), n_ * nb_, 0);
    std::fill_n(hist_sum_ms_.begin() + static_cast<std::ptrdiff_t>(first), n_, 0);
    std::fill_n(open_hist_.begin() + static_cast<std::ptrdiff_t>(first * nb_), n_ * nb_, 0);
    std::fill_n(open_sum_ms_.begin() + static_cast<std::ptrdiff_t>(first), n_, 0);
  }

  // Series `ser` into `out` (tiers: its status's tier count): in_status, overdue, histograms.
  void fill(std::size_t ser, std::size_t tiers, SeriesValues& out) const;

  AgeHistogram& age() { return age_; }
  const std::vector<std::int64_t>& duration_bounds() const { return bounds_; }

  // Reload hand-over (counters.cpp): the duration buckets and sums, saved last (they grow
  // with the label sets); added from another tracker's series.
  void save(OrderTracker::Counters& out) const;
  void restore(CounterCursor& in);
  void add_durations_from(const SeriesCounters& o, std::size_t from, std::size_t to);

 private:
  std::size_t n_;
  std::size_t max_tiers_;
  std::vector<std::int64_t> bounds_;       // duration bucket bounds, ms
  std::size_t nb_;                         // buckets: bounds + 1
  std::vector<std::int64_t> in_status_;    // [series]
  std::vector<std::int64_t> overdue_;      // [series * max_tiers + tier]
  std::vector<std::uint64_t> hist_;        // [series * nb + bucket], not cumulative
  std::vector<std::int64_t> hist_sum_ms_;  // [series]
  std::vector<std::uint64_t> open_hist_;   // [series * nb + bucket]: calendar open time
  std::vector<std::int64_t> open_sum_ms_;  // [series]
  AgeHistogram age_;                       // current ages as of W, per series
};

// Per status: breaches [status][tier], stays within SLA [status], transitions [from][to],
// turnaround [status][bucket].
class StatusCounters {
 public:
  StatusCounters(std::size_t statuses, std::size_t max_tiers,
                 std::vector<std::int64_t> turnaround_bounds)
      : n_(statuses),
        max_tiers_(max_tiers),
        bounds_(std::move(turnaround_bounds)),
        ntb_(bounds_.size() + 1),
        breaches_(n_ * max_tiers_, 0),
        met_(n_, 0),
        transitions_(n_ * n_, 0),
        turn_hist_(n_ * ntb_, 0),
        turn_sum_ms_(n_, 0) {}

  void breach(std::size_t status, std::size_t tier) { ++breaches_[status * max_tiers_ + tier]; }
  std::uint64_t breaches(std::size_t status, std::size_t tier) const {
    return breaches_[status * max_tiers_ + tier];
  }
  // A stay ended before its first tier's deadline (order_sla_met_total).
  void add_met(std::size_t status) { ++met_[status]; }
  std::uint64_t met(std::size_t status) const { return met_[status]; }
  void transition(std::size_t from, std::size_t to) { ++transitions_[from * n_ + to]; }
  const std::vector<std::uint64_t>& transitions() const { return transitions_; }  // [from*n+to]
  // An order finished in `status` after `turnaround_ms` (order_turnaround_seconds).
  void observe_turnaround(std::size_t status, std::int64_t turnaround_ms) {
    observe_bucket(&turn_hist_[status * ntb_], bounds_, turnaround_ms);
    turn_sum_ms_[status] += turnaround_ms;
  }
  void fill_turnaround(std::size_t status, HistogramValues& out) const {
    fill_histogram(out, &turn_hist_[status * ntb_], ntb_, turn_sum_ms_[status]);
  }
  const std::vector<std::int64_t>& turnaround_bounds() const { return bounds_; }

  // Reload hand-over (counters.cpp). carry_from: `status_map[s]` is the new index of the old
  // status s (-1: gone); `tier_map[s][k]` the new tier of its tier k (-1: gone).
  void save(OrderTracker::Counters& out) const;
  void restore(CounterCursor& in);
  void carry_from(const StatusCounters& o, const std::vector<int>& status_map,
                  const std::vector<std::vector<int>>& tier_map);

 private:
  std::size_t n_;
  std::size_t max_tiers_;
  std::vector<std::int64_t> bounds_;  // turnaround bucket bounds, ms
  std::size_t ntb_;
  std::vector<std::uint64_t> breaches_;     // [status * max_tiers + tier]
  std::vector<std::uint64_t> met_;          // [status]
  std::vector<std::uint64_t> transitions_;  // [from * n + to]
  std::vector<std::uint64_t> turn_hist_;    // [status * ntb + bucket]
  std::vector<std::int64_t> turn_sum_ms_;   // [status]
};

// Per process: what became of the events, and what the retention caps refused.
struct EventCounters {
  std::uint64_t events[static_cast<int>(ApplyResult::kCount)] = {};
  std::uint64_t rejected[static_cast<int>(RejectReason::kCount)] = {};
  std::uint64_t evictions = 0;
  std::uint64_t orders_refused = 0;      // new orders past retention.max_orders
  std::uint64_t tombstones_refused = 0;  // tombstones past retention.max_tombstones
  std::int64_t last_event_ms = 0;        // wall clock of the last event handled, 0 = none

  ApplyResult count(ApplyResult r) {
    ++events[static_cast<int>(r)];
    return r;
  }
  // Reload hand-over (counters.cpp): events, rejects and evictions saved first.
  void save(OrderTracker::Counters& out) const;
  void restore(CounterCursor& in);
  void carry_from(const EventCounters& o);
};

}  // namespace orderwatch::tracking
