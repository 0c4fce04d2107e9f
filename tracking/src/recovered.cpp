// What recovered: the orders that left their status while overdue, kept in a bounded ring
// (recovered.h) for the on-call page; and the redrive requests remembered so that an entry
// says whether an action preceded the recovery. Only orders overdue as of W reach this file
// (Impl::note_leave), so the event path of the others pays one comparison.
#include "recovered.h"

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
  m.recovered = std::move(p.recovered);
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

}  // namespace orderwatch::tracking
