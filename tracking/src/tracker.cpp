// OrderTracker: assembles its parts (tracker_impl.h) from the config, forwards the event path
// and the tick to them, and copies every exported count into a TrackerSnapshot. Called by
// TrackerService under its lock; the tick's work is in tracker_tick.cpp.
#include "orderwatch/tracking/tracker.h"

#include "orderwatch/sla/metrics.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

namespace {

std::vector<std::int64_t> to_ms(const std::vector<sla::Duration>& bounds) {
  std::vector<std::int64_t> out;
  for (auto d : bounds) out.push_back(d.count());
  return out;
}

std::vector<double> to_seconds(const std::vector<std::int64_t>& ms) {
  std::vector<double> s;
  s.reserve(ms.size());
  for (auto v : ms) s.push_back(static_cast<double>(v) / 1000.0);
  return s;
}

}  // namespace

// The same bucket bounds the generated rules assume (sla/metrics.h): every threshold is a bound.
OrderTracker::Impl::Impl(const sla::Config& c)
    : cfg(c),
      deadlines(cfg),
      milestones(milestone_specs(cfg), to_ms(sla::milestone_duration_buckets(cfg)),
                 [this](std::uint32_t idx) { return table.at(idx).combo; }),
      has_milestones(!cfg.milestones.empty()),
      labels(cfg),
      by_series(cfg.statuses.size(), deadlines.max_tiers(),
                to_ms(sla::status_duration_buckets(cfg))),
      by_status(cfg.statuses.size(), deadlines.max_tiers(), to_ms(sla::turnaround_buckets(cfg))),
      watermark(cfg.event.max_lateness.count(), cfg.event.idle_timeout.count()) {
  for (const auto& st : cfg.statuses) terminal.push_back(st.terminal);
  // Each index keeps its orders' OrderRecord::chunk current when entries change chunks.
  index.reserve(cfg.statuses.size());
  for (std::size_t s = 0; s < cfg.statuses.size(); ++s) {
    index.emplace_back(
        [this](std::uint32_t idx, StatusIndex::ChunkId chunk) { table.at(idx).chunk = chunk; });
  }
  by_series.fit(labels.size());
}

OrderTracker::OrderTracker(const sla::Config& config) : impl_(std::make_unique<Impl>(config)) {}
OrderTracker::~OrderTracker() = default;

ApplyResult OrderTracker::apply(const Event& event, std::int64_t now_ms) {
  return impl_->apply(event, now_ms);
}

void OrderTracker::reject(RejectReason reason, std::int64_t now_ms) {
  ++impl_->counts.rejected[static_cast<int>(reason)];
  impl_->counts.count(ApplyResult::kRejected);
  impl_->counts.last_event_ms = now_ms;
}

void OrderTracker::tick(std::int64_t now_ms, bool behind) { impl_->tick(now_ms, behind); }

void OrderTracker::snapshot(TrackerSnapshot& out) const {
  impl_->snapshot(out);
  impl_->move_acknowledged(out);
  impl_->move_milestones_acknowledged(out);
}
std::size_t OrderTracker::tracked() const { return impl_->table.size(); }
void OrderTracker::reserve(std::size_t orders) { impl_->table.reserve(orders); }
std::int64_t OrderTracker::watermark_ms() const { return impl_->watermark.exported_ms(); }
std::int64_t OrderTracker::judge_at(std::int64_t now_ms) const {
  return impl_->watermark.judge_at(now_ms);
}

std::size_t OrderTracker::memory_bytes() const {
  std::size_t bytes = impl_->table.memory_bytes() + impl_->tombstones.memory_bytes() +
                      impl_->late.memory_bytes() + impl_->recovered.memory_bytes();
  for (const auto& i : impl_->index) bytes += i.memory_bytes();
  return bytes + impl_->milestones.memory_bytes();
}

void OrderTracker::Impl::snapshot_milestones(TrackerSnapshot& out) const {
  out.milestones.clear();
  out.milestone_breaches.assign(cfg.milestones.size(), {});
  out.milestone_met.assign(cfg.milestones.size(), 0);
  out.milestone_duration_bounds_seconds = to_seconds(milestones.duration_bounds_ms());
  for (std::size_t m = 0; m < cfg.milestones.size(); ++m) {
    const std::size_t tiers = cfg.milestones[m].tiers.size();
    for (std::size_t k = 0; k < tiers; ++k) {
      out.milestone_breaches[m].push_back(milestones.breaches(m, k));
    }
    out.milestone_met[m] = milestones.met(m);
    for (std::size_t c = 0; c < labels.size(); ++c) {
      if (!labels.live(c)) continue;
      MilestoneValues v;
      v.milestone = static_cast<std::uint8_t>(m);
      v.combo = static_cast<std::uint16_t>(c);
      v.in_progress = milestones.in_progress(m, v.combo);
      v.paused = milestones.paused(m, v.combo);
      v.without_deadline = milestones.without_deadline(m, v.combo);
      for (std::size_t k = 0; k < tiers; ++k) {
        v.overdue.push_back(milestones.overdue(m, k, v.combo));
      }
      std::uint64_t running = 0;
      for (auto n : milestones.duration_buckets(m, v.combo)) {
        running += n;
        v.duration.cumulative.push_back(running);
      }
      v.duration.count = running;
      v.duration.sum_seconds = static_cast<double>(milestones.duration_sum_ms(m, v.combo)) / 1000.0;
      out.milestones.push_back(std::move(v));
    }
  }
}

void OrderTracker::Impl::snapshot(TrackerSnapshot& out) const {
  const std::size_t n = cfg.statuses.size();
  out.duration_bounds_seconds = to_seconds(by_series.duration_bounds());
  out.turnaround_bounds_seconds = to_seconds(by_status.turnaround_bounds());
  out.combos.assign(labels.size(), {});
  for (std::size_t c = 0; c < labels.size(); ++c) {
    for (std::size_t i = 0; i < labels.dimensions(); ++i) {
      out.combos[c].push_back(labels.value_name(i, labels.value(c, i)));
    }
  }
  out.series.clear();
  for (std::size_t c = 0; c < labels.size(); ++c) {
    if (!labels.live(c)) continue;  // released: no series
    for (std::size_t s = 0; s < n; ++s) {
      if (terminal[s]) continue;
      SeriesValues v;
      v.status = static_cast<std::uint8_t>(s);
      v.combo = static_cast<std::uint16_t>(c);
      by_series.fill(by_series.series(v.combo, v.status), deadlines[s].tiers(), v);
      out.series.push_back(std::move(v));
    }
  }
  out.breaches.assign(n, {});
  out.sla_met.assign(n, 0);
  out.oldest_entered_ms.assign(n, std::nullopt);
  out.turnaround.assign(n, {});
  for (std::size_t s = 0; s < n; ++s) {
    for (std::size_t k = 0; k < deadlines[s].tiers(); ++k) {
      out.breaches[s].push_back(by_status.breaches(s, k));
    }
    out.sla_met[s] = by_status.met(s);
    if (!index[s].empty()) out.oldest_entered_ms[s] = index[s].oldest().t;
    if (terminal[s]) by_status.fill_turnaround(s, out.turnaround[s]);
  }
  snapshot_milestones(out);
  out.transitions = by_status.transitions();
  std::copy(std::begin(counts.events), std::end(counts.events), std::begin(out.events));
  std::copy(std::begin(counts.rejected), std::end(counts.rejected), std::begin(out.rejected));
  out.tracked = table.size();
  out.tombstones = tombstones.size();
  out.evictions = counts.evictions;
  out.orders_refused = counts.orders_refused;
  out.tombstones_refused = counts.tombstones_refused;
  out.last_event_ms = counts.last_event_ms;
  out.watermark_ms = watermark.exported_ms();
  out.watermark_lag_ms = watermark.lag_ms();
}

}  // namespace orderwatch::tracking
