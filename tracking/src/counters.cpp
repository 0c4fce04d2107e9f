// The counter sets (counters.h): their histogram reads, and the counter hand-over of a live
// reload -- OrderTracker::counters/restore_counters (the replayed events must not count twice)
// and carry_counters_from (the new tracker takes over the old one's counters by name). Called
// by TrackerService's reload (service_reload.cpp) and the metrics snapshot.
#include "orderwatch/tracking/tracker.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

void fill_histogram(HistogramValues& out, const std::uint64_t* buckets, std::size_t nbuckets,
                    std::int64_t sum_ms) {
  out.cumulative.resize(nbuckets);
  std::uint64_t running = 0;
  for (std::size_t b = 0; b < nbuckets; ++b) {
    running += buckets[b];
    out.cumulative[b] = running;
  }
  out.count = running;
  out.sum_seconds = static_cast<double>(sum_ms) / 1000.0;
}

void SeriesCounters::fill(std::size_t ser, std::size_t tiers, SeriesValues& out) const {
  out.in_status = in_status_[ser];
  const auto first = overdue_.begin() + static_cast<std::ptrdiff_t>(ser * max_tiers_);
  out.overdue.assign(first, first + static_cast<std::ptrdiff_t>(tiers));
  fill_histogram(out.duration, &hist_[ser * nb_], nb_, hist_sum_ms_[ser]);
  fill_histogram(out.open_duration, &open_hist_[ser * nb_], nb_, open_sum_ms_[ser]);
  age_.fill(ser, out.in_status, out.age);
}

// OrderTracker::Counters: counts are events, rejected, evictions (EventCounters), transitions,
// breaches, stays within SLA, turnaround buckets (StatusCounters), then the duration and open
// duration buckets (SeriesCounters; last: they grow with the label sets); sums: turnaround
// sums, then duration and open duration sums.

void EventCounters::save(OrderTracker::Counters& out) const {
  out.counts.insert(out.counts.end(), std::begin(events), std::end(events));
  out.counts.insert(out.counts.end(), std::begin(rejected), std::end(rejected));
  out.counts.push_back(evictions);
}
void EventCounters::restore(CounterCursor& in) {
  in.take_counts(events, std::size(events));
  in.take_counts(rejected, std::size(rejected));
  in.take_counts(&evictions, 1);
}
void EventCounters::carry_from(const EventCounters& o) {
  std::copy(std::begin(o.events), std::end(o.events), std::begin(events));
  std::copy(std::begin(o.rejected), std::end(o.rejected), std::begin(rejected));
  evictions = o.evictions;
  orders_refused = o.orders_refused;
  tombstones_refused = o.tombstones_refused;
}

void StatusCounters::save(OrderTracker::Counters& out) const {
  out.counts.insert(out.counts.end(), transitions_.begin(), transitions_.end());
  out.counts.insert(out.counts.end(), breaches_.begin(), breaches_.end());
  out.counts.insert(out.counts.end(), met_.begin(), met_.end());
  out.counts.insert(out.counts.end(), turn_hist_.begin(), turn_hist_.end());
  out.sums.insert(out.sums.end(), turn_sum_ms_.begin(), turn_sum_ms_.end());
}
void StatusCounters::restore(CounterCursor& in) {
  in.take_counts(transitions_.data(), transitions_.size());
  in.take_counts(breaches_.data(), breaches_.size());
  in.take_counts(met_.data(), met_.size());
  in.take_counts(turn_hist_.data(), turn_hist_.size());
  in.take_sums(turn_sum_ms_.data(), turn_sum_ms_.size());
}
// Turnaround histograms keep their meaning only with the same buckets; otherwise they restart
// (a counter reset Prometheus handles) rather than mixing bucket layouts.
void StatusCounters::carry_from(const StatusCounters& o, const std::vector<int>& status_map,
                                const std::vector<std::vector<int>>& tier_map) {
  for (std::size_t from = 0; from < o.n_; ++from) {
    for (std::size_t to = 0; to < o.n_; ++to) {
      if (status_map[from] < 0 || status_map[to] < 0) continue;
      transitions_[status_map[from] * n_ + status_map[to]] += o.transitions_[from * o.n_ + to];
    }
  }
  for (std::size_t s = 0; s < o.n_; ++s) {
    if (status_map[s] < 0) continue;
    met_[status_map[s]] += o.met_[s];
    for (std::size_t k = 0; k < tier_map[s].size(); ++k) {
      if (tier_map[s][k] >= 0) {
        breaches_[status_map[s] * max_tiers_ + tier_map[s][k]] += o.breaches_[s * o.max_tiers_ + k];
      }
    }
  }
  if (o.bounds_ != bounds_) return;
  for (std::size_t s = 0; s < o.n_; ++s) {
    if (status_map[s] < 0) continue;
    const auto to = static_cast<std::size_t>(status_map[s]);
    for (std::size_t b = 0; b < ntb_; ++b)
      turn_hist_[to * ntb_ + b] += o.turn_hist_[s * o.ntb_ + b];
    turn_sum_ms_[to] += o.turn_sum_ms_[s];
  }
}

void SeriesCounters::save(OrderTracker::Counters& out) const {
  out.counts.insert(out.counts.end(), hist_.begin(), hist_.end());
  out.counts.insert(out.counts.end(), open_hist_.begin(), open_hist_.end());
  out.sums.insert(out.sums.end(), hist_sum_ms_.begin(), hist_sum_ms_.end());
  out.sums.insert(out.sums.end(), open_sum_ms_.begin(), open_sum_ms_.end());
}
void SeriesCounters::restore(CounterCursor& in) {
  in.take_counts(hist_.data(), hist_.size());
  in.take_counts(open_hist_.data(), open_hist_.size());
  in.take_sums(hist_sum_ms_.data(), hist_sum_ms_.size());
  in.take_sums(open_sum_ms_.data(), open_sum_ms_.size());
}
void SeriesCounters::add_durations_from(const SeriesCounters& o, std::size_t from, std::size_t to) {
  for (std::size_t b = 0; b < nb_; ++b) hist_[to * nb_ + b] += o.hist_[from * o.nb_ + b];
  hist_sum_ms_[to] += o.hist_sum_ms_[from];
  for (std::size_t b = 0; b < nb_; ++b) open_hist_[to * nb_ + b] += o.open_hist_[from * o.nb_ + b];
  open_sum_ms_[to] += o.open_sum_ms_[from];
}

OrderTracker::Counters OrderTracker::counters() const {
  Counters c;
  impl_->counts.save(c);
  impl_->by_status.save(c);
  impl_->by_series.save(c);
  return c;
}

void OrderTracker::restore_counters(const Counters& saved) {
  CounterCursor in{saved.counts.begin(), saved.counts.end(), saved.sums.begin(), saved.sums.end()};
  impl_->counts.restore(in);
  impl_->by_status.restore(in);
  impl_->by_series.restore(in);
}

namespace {

// Index of the tier of `status` with this severity, or -1.
int tier_by_severity(const sla::Status& status, std::string_view severity) {
  for (std::size_t k = 0; k < status.tiers.size(); ++k) {
    if (status.tiers[k].severity == severity) return static_cast<int>(k);
  }
  return -1;
}

// The duration histograms of `o`'s live label sets, added to `m`'s series of the same values
// (by dimension field) and status (by name), when the bucket bounds are unchanged.
void carry_durations(const OrderTracker::Impl& o, OrderTracker::Impl& m,
                     const std::vector<int>& status_map) {
  if (o.by_series.duration_bounds() != m.by_series.duration_bounds()) return;
  std::vector<int> dim_map(o.labels.dimensions());
  for (std::size_t i = 0; i < dim_map.size(); ++i) {
    dim_map[i] = dimension_by_field(m.cfg, o.cfg.event.dimensions[i].field);
  }
  for (std::size_t c = 0; c < o.labels.size(); ++c) {
    if (!o.labels.live(c)) continue;  // released: nothing to carry
    ComboKey key{};
    for (std::size_t i = 0; i < dim_map.size(); ++i) {
      if (dim_map[i] < 0) continue;
      key[dim_map[i]] =
          m.labels.intern_value(dim_map[i], o.labels.value_name(i, o.labels.value(c, i)));
    }
    const std::uint16_t nc = m.combo_for(key);
    for (std::size_t s = 0; s < status_map.size(); ++s) {
      if (status_map[s] < 0) continue;
      m.by_series.add_durations_from(
          o.by_series,
          o.by_series.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s)),
          m.by_series.series(nc, static_cast<std::uint8_t>(status_map[s])));
    }
  }
}

}  // namespace

void OrderTracker::carry_counters_from(const OrderTracker& previous) {
  const Impl& o = *previous.impl_;
  Impl& m = *impl_;
  m.watermark.carry_arrivals_from(o.watermark);  // W goes on from the same recent arrivals
  m.counts.carry_from(o.counts);
  // Statuses by name, tiers by severity.
  std::vector<int> status_map(o.cfg.statuses.size());
  std::vector<std::vector<int>> tier_map(status_map.size());
  for (std::size_t s = 0; s < status_map.size(); ++s) {
    status_map[s] = m.cfg.status_index(o.cfg.statuses[s].name);
    if (status_map[s] < 0) continue;
    for (const auto& tier : o.cfg.statuses[s].tiers) {
      tier_map[s].push_back(tier_by_severity(m.cfg.statuses[status_map[s]], tier.severity));
    }
  }
  m.by_status.carry_from(o.by_status, status_map, tier_map);
  carry_durations(o, m, status_map);
  std::vector<int> milestone_map(m.cfg.milestones.size(), -1);  // by name and kind
  for (std::size_t k = 0; k < milestone_map.size(); ++k) {
    for (std::size_t j = 0; j < o.cfg.milestones.size(); ++j) {
      const auto &a = m.cfg.milestones[k], &b = o.cfg.milestones[j];
      if (a.name == b.name && a.has_deadline_field() == b.has_deadline_field())
        milestone_map[k] = static_cast<int>(j);
    }
  }
  m.milestones.carry_counters_from(o.milestones, milestone_map);
}

}  // namespace orderwatch::tracking
