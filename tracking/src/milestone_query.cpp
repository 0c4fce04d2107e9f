// The drill-down of milestones: an order's clocks in its view, a milestone's overdue clocks as a
// page (OverdueQuery::milestone) and the milestones' counts in the summary. Called by
// OrderTracker's queries (tracker_query.cpp) under the service's lock; a page is a bounded
// walk of the milestone's index (MilestoneBook::for_each_overdue), never a scan of the orders.
#include <algorithm>

#include "orderwatch/tracking/tracker.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

void OrderTracker::Impl::view_milestones(std::uint32_t idx, OrderView& v) const {
  if (!has_milestones) return;
  const OrderRecord& r = table.at(idx);
  for (std::size_t m = 0; m < milestones.size(); ++m) {
    const ClockView c = milestones.view(owner(idx, r), m);
    if (c.state == ClockState::kNotStarted) continue;
    const sla::Milestone& ms = cfg.milestones[m];
    const MilestoneSpec& spec = milestones.spec(m);
    MilestoneClockView out;
    out.milestone = ms.name;
    out.promise = spec.promise;
    out.state = c.state == ClockState::kRunning  ? "running"
                : c.state == ClockState::kPaused ? "paused"
                : c.breached > spec.met_tier     ? "missed"
                                                 : "met";
    out.started_ms = c.started_ms;
    out.deadline_ms = c.deadline_ms == calendar::kNoDeadline ? 0 : c.deadline_ms;
    out.counted_ms = c.counted_ms;
    out.paused_ms = c.paused_ms;
    const std::size_t past = c.state == ClockState::kDone ? c.breached : c.tiers_past;
    out.tiers_crossed = static_cast<int>(past);
    if (past > 0) out.severity = ms.tiers[past - 1].severity;
    if (spec.calendar) {
      out.calendar = ms.calendar;
      if (out.deadline_ms != 0) out.deadline_local = spec.calendar->format_local(out.deadline_ms);
    }
    if (const MilestoneAckEntry* a = milestone_ack_of(idx, m)) out.ack = a->ack;
    v.milestones.push_back(std::move(out));
  }
}

OverduePage OrderTracker::Impl::milestone_overdue(const OverdueQuery& q,
                                                  std::vector<std::string> dimension_labels) const {
  OverduePage page;
  std::size_t m = 0;
  while (m < cfg.milestones.size() && cfg.milestones[m].name != q.milestone) ++m;
  if (m == cfg.milestones.size()) {
    page.error = "unknown milestone " + quoted(q.milestone);
    return page;
  }
  if (!q.status.empty()) {
    page.error = "status and milestone exclude each other";
    return page;
  }
  const auto& tiers = cfg.milestones[m].tiers;
  std::size_t k = 0;
  while (!q.severity.empty() && k < tiers.size() && tiers[k].severity != q.severity) ++k;
  if (k == tiers.size()) {
    page.error =
        "milestone " + quoted(q.milestone) + " has no tier with severity " + quoted(q.severity);
    return page;
  }
  page.dimension_labels = std::move(dimension_labels);
  page.total = static_cast<std::uint64_t>(milestones.overdue_total(m, k));
  std::optional<MilestoneBook::Position> after;
  if (q.after) {
    const OrderCursor& a = *q.after;
    after = a.epoch == epoch ? MilestoneBook::Position{a.part, a.entered_ms, a.slot}
                             : MilestoneBook::Position{a.part, a.entered_ms - 1, 0xFFFFFFFFu};
  }
  // The acknowledged clocks past tier k, from the acknowledgements (O(acks)), in walk order.
  std::vector<MilestoneBook::Position> acked;
  if (q.acknowledged != AckFilter::kInclude) {
    for_each_milestone_acknowledged([&](std::uint32_t idx, std::size_t ms, const ClockView& c) {
      if (ms != m || c.tiers_past <= k) return;
      if (auto p = milestones.position(owner(idx, table.at(idx)), m)) acked.push_back(*p);
    });
    std::sort(acked.begin(), acked.end());
    page.acknowledged = acked.size();
    page.total = q.acknowledged == AckFilter::kOnly ? acked.size() : page.total - acked.size();
  }
  const bool skip_acked = q.acknowledged == AckFilter::kExclude && !acked.empty();
  const std::size_t limit = std::max<std::size_t>(q.limit, 1);
  std::size_t id_bytes = 0;
  MilestoneBook::Position last{};
  const auto take = [&](std::uint32_t idx, const MilestoneBook::Position& p) {
    if (page.orders.size() == limit || id_bytes > q.max_id_bytes) {
      page.next = OrderCursor{last.key, last.idx, epoch, last.part};
      return false;
    }
    if (skip_acked && std::binary_search(acked.begin(), acked.end(), p)) return true;
    last = p;
    page.orders.push_back(view(idx));
    id_bytes += page.orders.back().id.size();
    return true;
  };
  if (q.acknowledged == AckFilter::kOnly) {
    auto it = after ? std::upper_bound(acked.begin(), acked.end(), *after) : acked.begin();
    for (; it != acked.end(); ++it) {
      if (!take(it->idx, *it)) break;
    }
    return page;
  }
  milestones.for_each_overdue(m, k, after ? &*after : nullptr, take);
  return page;
}

void OrderTracker::Impl::summarize_milestones(TrackerSummary& out) const {
  for (std::size_t m = 0; m < milestones.size(); ++m) {
    const sla::Milestone& ms = cfg.milestones[m];
    MilestoneSummary sum;
    sum.name = ms.name;
    sum.promise = ms.has_deadline_field();
    sum.calendar = ms.calendar;
    for (std::size_t c = 0; c < labels.size(); ++c) {
      const auto combo = static_cast<std::uint16_t>(c);
      sum.in_progress += milestones.in_progress(m, combo);
      sum.paused += milestones.paused(m, combo);
      sum.without_deadline += milestones.without_deadline(m, combo);
    }
    std::vector<std::int64_t> acked(ms.tiers.size(), 0);
    for_each_milestone_acknowledged([&](std::uint32_t, std::size_t of, const ClockView& c) {
      for (std::size_t k = 0; of == m && k < c.tiers_past && k < acked.size(); ++k) ++acked[k];
    });
    for (std::size_t k = 0; k < ms.tiers.size(); ++k) {
      sum.overdue.emplace_back(ms.tiers[k].severity, milestones.overdue_total(m, k) - acked[k]);
      sum.acknowledged.emplace_back(ms.tiers[k].severity, acked[k]);
    }
    out.milestones.push_back(std::move(sum));
  }
}

}  // namespace orderwatch::tracking
