// OrderTracker's operator actions: acknowledge one stay, forget an order finished out of band,
// and the acknowledged counts taken out of the overdue ones at snapshot time (O(acks), never
// O(orders)); plus their part of the snapshot image.
#include "actions.h"

#include "snapshot_codec.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

const AckEntry* OrderTracker::Impl::ack_of(std::uint32_t idx) const {
  if (acks.empty()) return nullptr;
  auto it = acks.find(table.id(idx));
  if (it == acks.end()) return nullptr;
  const OrderRecord& r = table.at(idx);
  const AckEntry& a = it->second;
  if (a.status != r.status || a.entered_ms != r.entered_ms || a.ack.until_ms <= last_now) {
    return nullptr;
  }
  return &a;
}

void OrderTracker::Impl::purge_acks(std::int64_t now) {
  std::erase_if(acks, [&](const auto& kv) {
    if (kv.second.ack.until_ms <= now) return true;
    const std::uint32_t idx = table.find(kv.first, hash_order_id(hash_key, kv.first));
    if (idx == OrderTable::kNotFound) return true;
    const OrderRecord& r = table.at(idx);
    return r.status != kv.second.status || r.entered_ms != kv.second.entered_ms;
  });
}

void OrderTracker::Impl::move_acknowledged(TrackerSnapshot& out) const {
  for (auto& v : out.series) v.acknowledged.assign(v.overdue.size(), 0);
  if (acks.empty()) return;
  // out.series is combos x non-terminal statuses, in that order.
  std::vector<std::size_t> pos(combos.size() * n, 0);
  for (std::size_t i = 0; i < out.series.size(); ++i) {
    pos[series(out.series[i].combo, out.series[i].status)] = i;
  }
  for (const auto& [id, a] : acks) {
    const std::uint32_t idx = table.find(id, hash_order_id(hash_key, id));
    if (idx == OrderTable::kNotFound || ack_of(idx) == nullptr) continue;
    const OrderRecord& r = table.at(idx);
    SeriesValues& v = out.series[pos[series(r.combo, r.status)]];
    for (std::size_t k = 0; k < tiers_past(r) && k < v.overdue.size(); ++k) {
      --v.overdue[k];
      ++v.acknowledged[k];
    }
  }
}

std::unordered_map<std::size_t, std::int64_t> OrderTracker::Impl::acknowledged_by_tier() const {
  std::unordered_map<std::size_t, std::int64_t> out;
  for (const auto& [id, a] : acks) {
    const std::uint32_t idx = table.find(id, hash_order_id(hash_key, id));
    if (idx == OrderTable::kNotFound || ack_of(idx) == nullptr) continue;
    const OrderRecord& r = table.at(idx);
    const std::size_t ser = series(r.combo, r.status);
    for (std::size_t k = 0; k < tiers_past(r); ++k) ++out[ser * max_tiers + k];
  }
  return out;
}

std::optional<OrderView> OrderTracker::acknowledge(std::string_view id, const Acknowledgement& ack,
                                                   bool* full) {
  Impl& m = *impl_;
  if (full != nullptr) *full = false;
  const std::uint32_t idx = m.table.find(id, hash_order_id(m.hash_key, id));
  if (idx == OrderTable::kNotFound) return std::nullopt;
  auto it = m.acks.find(id);
  if (it == m.acks.end()) {
    if (m.acks.size() >= kMaxAcks) {
      if (full != nullptr) *full = true;
      return std::nullopt;
    }
    it = m.acks.emplace(std::string(id), AckEntry{}).first;
  }
  const OrderRecord& r = m.table.at(idx);
  it->second = AckEntry{r.status, r.entered_ms, ack};
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
  m.tombstones.add(h, r.status, now_ms + m.cfg.retention.tombstone_ttl.count());
  m.note_leave(idx, r, -1, now_ms);
  m.leave(idx, r, std::nullopt);
  m.table.erase(idx, h);
  m.acks.erase(std::string(id));
  return before;
}

std::size_t OrderTracker::acknowledgements() const { return impl_->acks.size(); }

// Snapshot section (format version 3 on, after the tombstones): count, then per acknowledgement
// id, status name, entered, at, until, actor, reason. Only those that still hold are written.
void save_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w) {
  std::vector<const std::pair<const std::string, AckEntry>*> live;
  for (const auto& kv : m.acks) {
    const std::uint32_t idx = m.table.find(kv.first, hash_order_id(m.hash_key, kv.first));
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
    const std::uint32_t idx = m.table.find(id, hash_order_id(m.hash_key, id));
    if (s < 0 || idx == OrderTable::kNotFound) continue;
    const OrderRecord& rec = m.table.at(idx);
    if (rec.status != s || rec.entered_ms != a.entered_ms || m.acks.size() >= kMaxAcks) continue;
    a.status = static_cast<std::uint8_t>(s);
    m.acks.emplace(id, std::move(a));
  }
}

}  // namespace orderwatch::tracking
