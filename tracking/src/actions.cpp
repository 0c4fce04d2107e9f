// OrderTracker's operator actions: acknowledge one stay or one milestone clock, forget an order
// finished out of band, and the acknowledged counts taken out of the overdue ones at snapshot
// time (O(acks), never O(orders)); plus their part of the snapshot image. Called by TrackerService
// (service_actions .cpp) under its lock, and by save_state/load_state.
#include "actions.h"

#include "snapshot_codec.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

void OrderTracker::Impl::move_acknowledged(TrackerSnapshot& out) const {
  for (auto& v : out.series) v.acknowledged.assign(v.overdue.size(), 0);
  if (acks.empty()) return;
  // out.series is combos x non-terminal statuses, in that order.
  std::vector<std::size_t> pos(labels.size() * cfg.statuses.size(), 0);
  for (std::size_t i = 0; i < out.series.size(); ++i) {
    pos[by_series.series(out.series[i].combo, out.series[i].status)] = i;
  }
  for_each_acknowledged([&](std::uint32_t, const OrderRecord& r) {
    SeriesValues& v = out.series[pos[series_of(r)]];
    for (std::size_t k = 0; k < tiers_past(r) && k < v.overdue.size(); ++k) {
      --v.overdue[k];
      ++v.acknowledged[k];
    }
  });
}

// out.milestones is milestones x live combos, in that order.
void OrderTracker::Impl::move_milestones_acknowledged(TrackerSnapshot& out) const {
  for (auto& v : out.milestones) v.acknowledged.assign(v.overdue.size(), 0);
  if (milestone_acks.empty()) return;
  std::vector<std::size_t> pos(milestones.size() * labels.size(), out.milestones.size());
  for (std::size_t i = 0; i < out.milestones.size(); ++i) {
    pos[out.milestones[i].milestone * labels.size() + out.milestones[i].combo] = i;
  }
  for_each_milestone_acknowledged([&](std::uint32_t idx, std::size_t ms, const ClockView& c) {
    const std::size_t at = pos[ms * labels.size() + table.at(idx).combo];
    if (at == out.milestones.size()) return;
    MilestoneValues& v = out.milestones[at];
    for (std::size_t k = 0; k < c.tiers_past && k < v.overdue.size(); ++k) {
      --v.overdue[k];
      ++v.acknowledged[k];
    }
  });
}

AcknowledgedCounts OrderTracker::Impl::acknowledged_counts() const {
  AcknowledgedCounts out(deadlines.max_tiers());
  for_each_acknowledged([&](std::uint32_t, const OrderRecord& r) {
    for (std::size_t k = 0; k < tiers_past(r); ++k) out.add(series_of(r), k);
  });
  return out;
}

std::optional<OrderView> OrderTracker::acknowledge(std::string_view id, const Acknowledgement& ack,
                                                   bool* full) {
  Impl& m = *impl_;
  if (full != nullptr) *full = false;
  const std::uint32_t idx = m.find(id);
  if (idx == OrderTable::kNotFound) return std::nullopt;
  const OrderRecord& r = m.table.at(idx);
  if (!m.acks.place(id, AckEntry{r.status, r.entered_ms, ack})) {
    if (full != nullptr) *full = true;
    return std::nullopt;
  }
  return m.view(idx);
}

std::optional<OrderView> OrderTracker::acknowledge_milestone(std::string_view id,
                                                             std::size_t milestone,
                                                             const Acknowledgement& ack,
                                                             bool* full) {
  Impl& m = *impl_;
  if (full != nullptr) *full = false;
  const std::uint32_t idx = m.find(id);
  if (idx == OrderTable::kNotFound || milestone >= m.milestones.size()) return std::nullopt;
  const ClockView c = m.milestones.view(m.owner(idx, m.table.at(idx)), milestone);
  if (c.state != ClockState::kRunning && c.state != ClockState::kPaused) return std::nullopt;
  const MilestoneAckEntry entry{static_cast<std::uint8_t>(milestone), c.started_ms, ack};
  if (!m.milestone_acks.place(milestone_ack_key(id, milestone), entry)) {
    if (full != nullptr) *full = true;
    return std::nullopt;
  }
  return m.view(idx);
}

std::optional<OrderView> OrderTracker::forget(std::string_view id, std::int64_t now_ms) {
  Impl& m = *impl_;
  const std::uint64_t h = hash_order_id(m.hash_key, id);
  const std::uint32_t idx = m.table.find(id, h);
  if (idx == OrderTable::kNotFound) return std::nullopt;
  OrderView before = m.view(idx);
  const OrderRecord& r = m.table.at(idx);
  // As an eviction: the stay's end is unknown, so nothing is observed; the tombstone makes
  // late events for it duplicates or stale, as after a terminal status.
  const std::int64_t ttl = m.cfg.retention.tombstone_ttl.count();
  m.tombstones.add(h, r.status, m.watermark.judge_at(now_ms) + ttl, now_ms + ttl);
  m.note_leave(idx, r, -1, now_ms);
  m.leave(idx, r, std::nullopt);
  m.release(idx, h);
  m.acks.erase(id);
  for (std::size_t ms = 0; ms < m.milestones.size(); ++ms) {
    m.milestone_acks.erase(milestone_ack_key(id, ms));
  }
  return before;
}

std::size_t OrderTracker::acknowledgements() const {
  return impl_->acks.size() + impl_->milestone_acks.size();
}

// Snapshot section (format version 3 on, after the tombstones): count, then per acknowledgement
// id, status name, entered, at, until, actor, reason. Only those that still hold are written.
void save_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w) {
  std::vector<const std::pair<const std::string, AckEntry>*> live;
  for (const auto& kv : m.acks) {
    const std::uint32_t idx = m.find(kv.first);
    if (idx != OrderTable::kNotFound && m.ack_of(idx) != nullptr) live.push_back(&kv);
  }
  w.varint(live.size());
  for (const auto* kv : live) {
    const AckEntry& a = kv->second;
    w.string(kv->first);
    w.string(m.cfg.statuses[a.status].name);
    w.svarint(a.entered_ms);
    w.svarint(a.ack.at_ms);
    w.svarint(a.ack.until_ms);
    w.string(a.ack.actor);
    w.string(a.ack.reason);
  }
}

// Acknowledgements whose order is held in the same status and stay are kept, others dropped.
void load_acks(OrderTracker::Impl& m, snapshot_codec::Reader& r) {
  const std::uint64_t count = r.count("acknowledgement count", 8);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string id(r.string("acknowledged id"));
    const std::string status(r.string("acknowledged status"));
    AckEntry a;
    a.entered_ms = r.svarint("acknowledged entry");
    a.ack.at_ms = r.svarint("acknowledged at");
    a.ack.until_ms = r.svarint("acknowledged until");
    a.ack.actor = std::string(r.string("acknowledged by"));
    a.ack.reason = std::string(r.string("acknowledged reason"));
    const int s = m.cfg.status_index(status);
    if (s < 0 || !m.holds_stay(m.find(id), static_cast<std::uint8_t>(s), a.entered_ms)) continue;
    a.status = static_cast<std::uint8_t>(s);
    if (m.acks.placed_on(id, a.status, a.entered_ms)) continue;  // the first one read stays
    m.acks.place(id, a);
  }
}

// Snapshot section (format version 6 on, after the acks): count, then per acknowledgement id,
// milestone name, the clock's start, at, until, actor, reason. Only those that still hold.
void save_milestone_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w) {
  std::vector<std::pair<std::uint32_t, const MilestoneAckEntry*>> live;
  for (const auto& [key, a] : m.milestone_acks) {
    const std::uint32_t idx = m.find(id_of_milestone_ack_key(key));
    if (idx != OrderTable::kNotFound && m.milestone_ack_of(idx, a.milestone) != nullptr) {
      live.emplace_back(idx, &a);
    }
  }
  w.varint(live.size());
  for (const auto& [idx, a] : live) {
    w.string(m.table.id(idx));
    w.string(m.cfg.milestones[a->milestone].name);
    w.svarint(a->started_ms);
    w.svarint(a->ack.at_ms);
    w.svarint(a->ack.until_ms);
    w.string(a->ack.actor);
    w.string(a->ack.reason);
  }
}

// Kept when the order is held with a clock of that milestone (by name) running or paused since
// the same start; others dropped. Read after the orders and their clocks.
void load_milestone_acks(OrderTracker::Impl& m, snapshot_codec::Reader& r) {
  const std::uint64_t count = r.count("milestone acknowledgement count", 8);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string id(r.string("acknowledged id"));
    const std::string name(r.string("acknowledged milestone"));
    MilestoneAckEntry a;
    a.started_ms = r.svarint("acknowledged clock start");
    a.ack.at_ms = r.svarint("acknowledged at");
    a.ack.until_ms = r.svarint("acknowledged until");
    a.ack.actor = std::string(r.string("acknowledged by"));
    a.ack.reason = std::string(r.string("acknowledged reason"));
    std::size_t ms = 0;
    while (ms < m.cfg.milestones.size() && m.cfg.milestones[ms].name != name) ++ms;
    const std::uint32_t idx = m.find(id);
    if (ms == m.cfg.milestones.size() || idx == OrderTable::kNotFound) continue;
    const ClockView c = m.milestones.view(m.owner(idx, m.table.at(idx)), ms);
    if ((c.state != ClockState::kRunning && c.state != ClockState::kPaused) ||
        c.started_ms != a.started_ms) {
      continue;
    }
    a.milestone = static_cast<std::uint8_t>(ms);
    const std::string key = milestone_ack_key(id, ms);
    if (m.milestone_acks.placed_on(key, a.started_ms)) continue;  // the first one read stays
    m.milestone_acks.place(key, a);
  }
}

}  // namespace orderwatch::tracking
