// What recovered: the orders that left their status while overdue, kept in a bounded ring
// (recovered.h) for the on-call page; and the redrive requests remembered so that an entry
// says whether an action preceded the recovery. Only orders overdue as of W reach this file
// (Impl::note_leave), so the event path of the others pays one comparison.
#include "recovered.h"

#include "snapshot_codec.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

void OrderTracker::Impl::left_overdue(std::uint32_t idx, const OrderRecord& r, int to,
                                      std::int64_t at_ms) {
  const std::string_view id = table.id(idx);
  const auto& st = cfg.statuses[r.status];
  const std::size_t past = tiers_past(r);
  RecoveredOrder& e = recovered.push();
  const std::size_t max_id = cfg.event.max_id_bytes;
  e.id.assign(id.substr(0, max_id));
  e.id_truncated = id.size() > max_id;
  e.status.assign(st.name);
  e.severity.assign(past > 0 ? st.tiers[past - 1].severity : std::string());
  e.tiers_crossed = static_cast<int>(past);
  e.entered_ms = r.entered_ms;
  e.overdue_ms = watermark.ms() - deadlines[r.status].deadline(r.entered_ms, 0);
  e.left_ms = at_ms;
  e.watermark_ms = watermark.ms();
  if (to < 0) {
    e.outcome = RecoveredOutcome::kForgotten;
    e.to.clear();
  } else {
    e.outcome = terminal[static_cast<std::size_t>(to)] ? RecoveredOutcome::kFinished
                                                       : RecoveredOutcome::kMoved;
    e.to.assign(cfg.statuses[static_cast<std::size_t>(to)].name);
  }
  // Any acknowledgement of this stay, expired or not (the tick purges expired ones).
  e.acknowledged = acks.placed_on(id, r.status, r.entered_ms);
  e.redriven = redriven.take(id, r.status, r.entered_ms);
}

std::optional<OrderView> OrderTracker::note_redrive(std::string_view id) {
  Impl& m = *impl_;
  const std::uint32_t idx = m.find(id);
  if (idx == OrderTable::kNotFound) return std::nullopt;
  const OrderRecord& r = m.table.at(idx);
  m.redriven.note(id, RedriveMark{r.status, r.entered_ms});
  return m.view(idx);
}

void OrderTracker::drop_redrive_mark(std::string_view id) { impl_->redriven.drop(id); }

RecoveredList OrderTracker::recovered(std::string_view status, std::size_t limit) const {
  const Impl& m = *impl_;
  RecoveredList out;
  if (!status.empty() && m.cfg.status_index(status) < 0) {
    out.error = "unknown status " + quoted(status);
    return out;
  }
  out.held = m.recovered.size();
  out.recorded = m.recovered.recorded();
  out.capacity = kRecoveredEntries;
  m.recovered.for_each_newest_first([&](const RecoveredOrder& e) {
    if (out.orders.size() >= limit) return false;
    if (status.empty() || e.status == status) out.orders.push_back(e);
    return true;
  });
  return out;
}

// A reload builds a new tracker from a snapshot image, which does not carry the ring: the
// entries (names, not indexes) move over as they are, and so do the marks of stays that
// are still held in the same status.
void OrderTracker::take_recovered_from(OrderTracker& previous) {
  Impl& m = *impl_;
  Impl& p = *previous.impl_;
  // A tracker that recorded nothing (a service's first, before its snapshot loaded) leaves the
  // ring this one read from the image.
  if (p.recovered.recorded() > 0) m.recovered = std::move(p.recovered);
  p.redriven.for_each([&](const std::string& id, const RedriveMark& mark) {
    const std::uint32_t idx = m.find(id);
    if (idx == OrderTable::kNotFound) return;
    const OrderRecord& r = m.table.at(idx);
    if (m.cfg.statuses[r.status].name != p.cfg.statuses[mark.status].name ||
        r.entered_ms != mark.entered_ms) {
      return;
    }
    m.redriven.note(id, RedriveMark{r.status, r.entered_ms});
  });
}

void save_recovered(const OrderTracker::Impl& m, snapshot_codec::Writer& w) {
  std::vector<const RecoveredOrder*> newest_first;
  m.recovered.for_each_newest_first([&](const RecoveredOrder& e) {
    newest_first.push_back(&e);
    return true;
  });
  w.varint(m.recovered.recorded());
  w.varint(newest_first.size());
  for (auto it = newest_first.rbegin(); it != newest_first.rend(); ++it) {
    const RecoveredOrder& e = **it;
    w.string(e.id);
    w.varint((e.id_truncated ? 1u : 0u) | (e.acknowledged ? 2u : 0u) | (e.redriven ? 4u : 0u) |
             static_cast<unsigned>(e.outcome) << 3);
    w.string(e.status);
    w.string(e.severity);
    w.varint(static_cast<std::uint64_t>(e.tiers_crossed));
    w.svarint(e.entered_ms);
    w.svarint(e.overdue_ms);
    w.svarint(e.left_ms);
    w.svarint(e.watermark_ms);
    w.string(e.to);
  }
}

void load_recovered(OrderTracker::Impl& m, snapshot_codec::Reader& r) {
  const std::uint64_t recorded = r.varint("recovered recorded");
  const std::uint64_t count = r.count("recovered count", 8);
  const std::size_t max_id = m.cfg.event.max_id_bytes;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string_view id = r.string("recovered id");
    const std::uint64_t flags = r.varint("recovered flags");
    RecoveredOrder& e = m.recovered.push();
    e.id.assign(id.substr(0, max_id));
    e.id_truncated = (flags & 1u) != 0 || id.size() > max_id;
    e.acknowledged = (flags & 2u) != 0;
    e.redriven = (flags & 4u) != 0;
    const std::uint64_t outcome = flags >> 3;
    if (outcome > static_cast<std::uint64_t>(RecoveredOutcome::kForgotten)) {
      r.fail("recovered entry " + std::to_string(i) + " has outcome " + std::to_string(outcome));
    }
    e.outcome = static_cast<RecoveredOutcome>(outcome);
    e.status.assign(r.string("recovered status"));
    e.severity.assign(r.string("recovered severity"));
    e.tiers_crossed = static_cast<int>(std::min<std::uint64_t>(r.varint("recovered tiers"), 64));
    e.entered_ms = r.svarint("recovered entered");
    e.overdue_ms = r.svarint("recovered overdue");
    e.left_ms = r.svarint("recovered left");
    e.watermark_ms = r.svarint("recovered watermark");
    e.to.assign(r.string("recovered to"));
  }
  m.recovered.set_recorded(std::max<std::uint64_t>(recorded, m.recovered.recorded()));
}

}  // namespace orderwatch::tracking
