#include "orderwatch/tracking/tracker.h"

#include "tracker_impl.h"

namespace orderwatch::tracking {

namespace {

// How long (wall clock, on top of max_lateness) an order that arrived already past a tier
// waits for its next event before its breach counts: longer than the gap between two events
// of one burst, even when the exporter drains the burst as fast as it arrives.
constexpr std::int64_t kLateEntryGraceMs = 1000;

// The hint index walks take (StatusIndex::for_each_in): the record of entry idx is read soon.
auto record_toucher(const OrderTable& table) {
  return [&table](std::uint32_t idx) { table.prefetch_at(idx); };
}

}  // namespace

OrderTracker::OrderTracker(const sla::Config& config) : impl_(std::make_unique<Impl>(config)) {}
OrderTracker::~OrderTracker() = default;

ApplyResult OrderTracker::apply(const Event& event, std::int64_t now_ms) {
  return impl_->apply(event, now_ms);
}

void OrderTracker::reject(RejectReason reason, std::int64_t now_ms) {
  ++impl_->rejected[static_cast<int>(reason)];
  ++impl_->events[static_cast<int>(ApplyResult::kRejected)];
  impl_->last_event_ms = now_ms;
}

void OrderTracker::tick(std::int64_t now_ms, bool behind) {
  impl_->tick(now_ms, behind);
  impl_->purge_acks(now_ms);
  impl_->purge_redrive_marks();
}
void OrderTracker::snapshot(TrackerSnapshot& out) const {
  impl_->snapshot(out);
  impl_->move_acknowledged(out);
}
std::size_t OrderTracker::tracked() const { return impl_->table.size(); }
void OrderTracker::reserve(std::size_t orders) { impl_->table.reserve(orders); }
std::int64_t OrderTracker::watermark_ms() const {
  return impl_->watermark == kNever ? 0 : impl_->watermark;
}

std::size_t OrderTracker::memory_bytes() const {
  std::size_t bytes = impl_->table.memory_bytes() + impl_->tombstones.memory_bytes() +
                      impl_->late.size() * sizeof(Impl::LateEntry) +
                      impl_->recovered.memory_bytes();
  for (const auto& i : impl_->index) bytes += i.memory_bytes();
  return bytes;
}

// W moves forward to the newest event time applied while behind, to the wall clock when
// caught up (both minus max_lateness), never past the wall clock. The one way back: a wall
// clock that stepped back below W (a clock that was ahead, corrected) takes W with it, so
// nothing stays stuck in the future; tiers already counted are not counted again when W
// passes them a second time (OrderRecord::breached).
void OrderTracker::Impl::tick(std::int64_t now, bool behind) {
  last_now = now;
  std::int64_t w = watermark;
  if (w != kNever && w > now) w = now;
  std::int64_t target = behind ? std::min(max_event_ms, now) : now;
  if (target != kNever) target -= lateness_ms;
  w = std::max(w, target);
  if (w != kNever && w != watermark) {
    if (watermark == kNever || w > watermark) {
      advance_cutoffs(w);
    } else {
      retreat_cutoffs(w);
    }
    age.move_to(w, index, [&](std::size_t s, const IndexEntry& e) {
      return series(e.combo, static_cast<std::uint8_t>(s));
    });
    watermark = w;
  }
  if (!behind) confirm_late_entries(now);
  if (watermark != kNever) evict(watermark);
  tombstones.expire(now, cfg.retention.tombstone_ttl.count());
  if (now >= next_label_sweep_ms) {
    next_label_sweep_ms = now + 60'000;
    release_idle_label_sets(now);
  }
}

void OrderTracker::Impl::release_idle_label_sets(std::int64_t now) {
  if (ndims == 0) return;
  bool released = false;
  // Combo 0 (every dimension unknown) stays: it carries the zeros every status is exported with.
  for (std::size_t c = 1; c < combos.size(); ++c) {
    if (!combo_live[c]) continue;
    std::int64_t orders = 0;
    for (std::size_t s = 0; s < n; ++s) orders += in_status[c * n + s];
    if (orders != 0) {
      combo_idle_since[c] = 0;
    } else if (combo_idle_since[c] == 0) {
      combo_idle_since[c] = now;
    } else if (now - combo_idle_since[c] >= kLabelSetIdleMs) {
      release_combo(static_cast<std::uint16_t>(c));
      released = true;
    }
  }
  if (released) {
    for (auto& d : dims) d.release_unused();
  }
}

void OrderTracker::Impl::release_combo(std::uint16_t c) {
  combo_ids.erase(combos[c]);
  for (std::size_t i = 0; i < ndims; ++i) --dims[i].refs[combos[c][i]];
  combos[c] = ComboKey{};
  combo_live[c] = false;
  combo_idle_since[c] = 0;
  free_combos.push_back(c);
  // No order is in it: in_status, overdue and the age buckets are 0 already.
  const std::size_t first = static_cast<std::size_t>(c) * n;
  std::fill_n(hist.begin() + static_cast<std::ptrdiff_t>(first * nb), n * nb, 0);
  std::fill_n(hist_sum_ms.begin() + static_cast<std::ptrdiff_t>(first), n, 0);
}

// W passes entry + threshold while the order is here: overdue, and a breach of every tier up
// to this one not counted yet for this stay (an order that entered already past tier 0 and
// now crosses tier 1 has certainly run past both).
void OrderTracker::Impl::advance_cutoffs(std::int64_t w) {
  const auto touch_record = record_toucher(table);
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t k = 0; k < cutoff[s].size(); ++k) {
      const std::int64_t next = w - threshold_ms[s][k];
      if (next <= cutoff[s][k]) continue;
      index[s].for_each_in(
          cutoff[s][k], next,
          [&](const IndexEntry& e) {
            OrderRecord& r = table.at(e.idx);
            ++overdue[series(r.combo, static_cast<std::uint8_t>(s)) * max_tiers + k];
            for (std::size_t j = r.breached; j <= k; ++j) ++breaches[s * max_tiers + j];
            r.breached = std::max<std::uint8_t>(r.breached, static_cast<std::uint8_t>(k + 1));
          },
          touch_record);
      cutoff[s][k] = next;
    }
  }
}

// The wall clock stepped back below W: orders between the new and the old cutoff are no
// longer overdue as of W. Breaches stay counted (counters never go down).
void OrderTracker::Impl::retreat_cutoffs(std::int64_t w) {
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t k = 0; k < cutoff[s].size(); ++k) {
      const std::int64_t next = w - threshold_ms[s][k];
      if (next >= cutoff[s][k]) continue;
      index[s].for_each_in(next, cutoff[s][k], [&](const IndexEntry& e) {
        --overdue[series(e.combo, static_cast<std::uint8_t>(s)) * max_tiers + k];
      });
      cutoff[s][k] = next;
    }
  }
}

// Caught up (nothing pending) and an order that arrived already past a tier is still in that
// stay kLateEntryGraceMs + max_lateness after it arrived: its next event was not in the
// backlog that brought it, so the stay did run past the tiers it is past; count them.
void OrderTracker::Impl::confirm_late_entries(std::int64_t now) {
  const std::int64_t grace = kLateEntryGraceMs + lateness_ms;
  while (!late.empty()) {
    const LateEntry e = late.front();
    // A wall clock that stepped back below the arrival does not hold the queue up.
    if (now >= e.arrived_ms && now - e.arrived_ms < grace) break;
    late.pop_front();
    OrderRecord& r = table.at(e.idx);
    if (r.status != e.status || r.entered_ms != e.entered_ms) continue;  // moved on or gone
    const std::size_t past = tiers_past(r);
    for (std::size_t k = r.breached; k < past; ++k) ++breaches[e.status * max_tiers + k];
    r.breached = std::max<std::uint8_t>(r.breached, static_cast<std::uint8_t>(past));
  }
  // While behind for long, entries of orders that moved on pile up behind the front: drop
  // them when they outnumber the orders (one live entry per order at most).
  if (late.size() > 2 * table.size() + 1024) {
    std::erase_if(late, [&](const LateEntry& e) {
      const OrderRecord& r = table.at(e.idx);
      return r.status != e.status || r.entered_ms != e.entered_ms;
    });
  }
}

void OrderTracker::Impl::evict(std::int64_t w) {
  const std::int64_t max_age = cfg.retention.max_age.count();
  if (max_age <= 0) return;
  const std::int64_t evict_before = w - max_age;
  for (auto& idx_s : index) {
    while (!idx_s.empty() && idx_s.oldest().t <= evict_before) {
      const std::uint32_t idx = idx_s.oldest().idx;
      leave(idx, table.at(idx), std::nullopt);
      table.erase(idx, hash_order_id(hash_key, table.id(idx)));
      ++evictions;
    }
  }
}

void OrderTracker::Impl::snapshot(TrackerSnapshot& out) const {
  auto to_seconds = [](const std::vector<std::int64_t>& ms) {
    std::vector<double> s;
    s.reserve(ms.size());
    for (auto v : ms) s.push_back(static_cast<double>(v) / 1000.0);
    return s;
  };
  out.duration_bounds_seconds = to_seconds(duration_bounds);
  out.turnaround_bounds_seconds = to_seconds(turnaround_bounds);
  out.combos.assign(combos.size(), {});
  for (std::size_t c = 0; c < combos.size(); ++c) {
    for (std::size_t i = 0; i < ndims; ++i) out.combos[c].push_back(dims[i].names[combos[c][i]]);
  }
  out.series.clear();
  for (std::size_t c = 0; c < combos.size(); ++c) {
    if (!combo_live[c]) continue;  // released: no series
    for (std::size_t s = 0; s < n; ++s) {
      if (terminal[s]) continue;
      SeriesValues v;
      v.status = static_cast<std::uint8_t>(s);
      v.combo = static_cast<std::uint16_t>(c);
      const std::size_t ser = series(v.combo, v.status);
      v.in_status = in_status[ser];
      v.overdue.assign(
          overdue.begin() + static_cast<std::ptrdiff_t>(ser * max_tiers),
          overdue.begin() + static_cast<std::ptrdiff_t>(ser * max_tiers + threshold_ms[s].size()));
      fill(v.duration, &hist[ser * nb], nb, hist_sum_ms[ser]);
      age.fill(ser, v.in_status, v.age);
      out.series.push_back(std::move(v));
    }
  }
  out.breaches.assign(n, {});
  out.oldest_entered_ms.assign(n, std::nullopt);
  out.turnaround.assign(n, {});
  for (std::size_t s = 0; s < n; ++s) {
    out.breaches[s].assign(
        breaches.begin() + static_cast<std::ptrdiff_t>(s * max_tiers),
        breaches.begin() + static_cast<std::ptrdiff_t>(s * max_tiers + threshold_ms[s].size()));
    if (!index[s].empty()) out.oldest_entered_ms[s] = index[s].oldest().t;
    if (terminal[s]) fill(out.turnaround[s], &turn_hist[s * ntb], ntb, turn_sum_ms[s]);
  }
  out.transitions = transitions;
  std::copy(std::begin(events), std::end(events), std::begin(out.events));
  std::copy(std::begin(rejected), std::end(rejected), std::begin(out.rejected));
  out.tracked = table.size();
  out.tombstones = tombstones.size();
  out.evictions = evictions;
  out.orders_refused = orders_refused;
  out.tombstones_refused = tombstones_refused;
  out.last_event_ms = last_event_ms;
  out.watermark_ms = watermark == kNever ? 0 : watermark;
  out.watermark_lag_ms = std::max<std::int64_t>(0, last_now - out.watermark_ms);
}

}  // namespace orderwatch::tracking
