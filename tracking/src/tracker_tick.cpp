// The tracker's tick (OrderTracker::tick, called by TrackerService at least once a second and
// before every query): W moves by its rule (Watermark), each status's deadlines follow it
// (DeadlineModel), visiting only the orders whose deadline W crossed; late stays the arriving
// events have passed are confirmed; retention evicts, tombstones and acknowledgements expire
// (as of W too), idle label sets go.
#include "tracker_impl.h"

namespace orderwatch::tracking {

void OrderTracker::Impl::tick(std::int64_t now, bool behind) {
  const std::int64_t horizon = watermark.horizon(now, behind);
  const std::int64_t w = watermark.next(now, behind);
  if (w != kNever && w != watermark.ms()) {
    move_deadlines(w);
    if (has_milestones) milestones.move_to(w);
    by_series.age().move_to(w, index, [&](std::size_t s, const IndexEntry& e) {
      return by_series.series(e.combo, static_cast<std::uint8_t>(s));
    });
    watermark.move_to(w);
  }
  if (horizon != kNever) {
    confirm_late_entries(std::min(horizon, w), w);
    if (has_milestones) milestones.confirm_late(std::min(horizon, w));
  }
  if (watermark.known()) evict(watermark.ms());
  // Expiries are judged as of W, as overdue is (the wall clock while W has no position).
  const std::int64_t judged = watermark.judge_at(now);
  tombstones.expire(judged, now, cfg.retention.tombstone_ttl.count());
  labels.sweep_idle(
      now, [&](std::size_t c) { return by_series.orders_in_combo(c); },
      [&](std::size_t c) { by_series.clear_combo(c); });
  acks.purge(judged, [&](std::string_view id, const AckEntry& a) {
    return holds_stay(find(id), a.status, a.entered_ms);
  });
  milestone_acks.purge(judged, [&](std::string_view key, const MilestoneAckEntry& a) {
    const std::uint32_t idx = find(id_of_milestone_ack_key(key));
    if (idx == OrderTable::kNotFound) return false;
    const ClockView c = milestones.view(owner(idx, table.at(idx)), a.milestone);
    return (c.state == ClockState::kRunning || c.state == ClockState::kPaused) &&
           c.started_ms == a.started_ms;
  });
  redriven.purge([&](std::string_view id, const RedriveMark& m) {
    return holds_stay(find(id), m.status, m.entered_ms);
  });
}

// W passes a deadline while the order is here: overdue, and a breach of every tier up to this
// one not counted yet for this stay (an order that entered already past tier 0 and now
// crosses tier 1 has certainly run past both). W stepping back (a wall clock that was ahead,
// corrected): orders between the new and the old cutoff are no longer overdue; breaches stay
// counted (counters never go down), and are not counted twice when W passes them again.
void OrderTracker::Impl::move_deadlines(std::int64_t w) {
  // The hint index walks take: the record of entry idx is read soon.
  const auto touch_record = [this](std::uint32_t idx) { table.prefetch_at(idx); };
  for (std::size_t s = 0; s < deadlines.statuses(); ++s) {
    const auto status = static_cast<std::uint8_t>(s);
    auto crossed = [&](std::size_t k, std::int64_t lo, std::int64_t hi) {
      index[s].for_each_in(
          lo, hi,
          [&](const IndexEntry& e) {
            OrderRecord& r = table.at(e.idx);
            if (r.late) return;  // its confirmation counts it (confirm_late_entries)
            by_series.add_overdue(series_of(r), k, +1);
            count_breaches(r, k + 1);
          },
          touch_record);
    };
    auto uncrossed = [&](std::size_t k, std::int64_t lo, std::int64_t hi) {
      index[s].for_each_in(lo, hi, [&](const IndexEntry& e) {
        if (table.at(e.idx).late) return;  // never counted as overdue
        by_series.add_overdue(by_series.series(e.combo, status), k, -1);
      });
    };
    deadlines[s].move_to(w, crossed, uncrossed);
  }
}

// Late stays (OrderRecord::late) whose next deadline the arriving events have passed
// (`horizon`: Watermark::horizon) and that are still in that stay: the stay did run past that
// tier, a breach; the next tier W is past waits in turn. Overdue is judged as of W, and the
// stay's next event may still come with a time at or before W: so a late stay counts as
// overdue only once the arriving events have caught up with W (horizon >= w), then like any
// order. A late stay whose next event comes first is judged by it (leave()).
void OrderTracker::Impl::confirm_late_entries(std::int64_t horizon, std::int64_t w) {
  auto moved_on = [&](const LateEntries::Entry& e) {
    return !holds_stay(e.idx, e.status, e.entered_ms) || !table.at(e.idx).late;
  };
  late.confirm_due(horizon, [&](const LateEntries::Entry& e) {
    if (moved_on(e)) return;
    OrderRecord& r = table.at(e.idx);
    if (r.breached != e.tier) return;  // not the entry of its current tier
    count_breaches(r, e.tier + 1u);
    const StatusDeadlines& d = deadlines[r.status];
    if (r.breached < d.tiers_past(r.entered_ms)) {
      late.add(LateEntries::Entry{d.deadline(r.entered_ms, r.breached), r.entered_ms, e.idx,
                                  r.status, static_cast<std::uint8_t>(r.breached)});
    } else {
      late.park(e);
    }
  });
  if (horizon >= w) {
    late.release_parked([&](const LateEntries::Entry& e) {
      if (moved_on(e)) return;
      OrderRecord& r = table.at(e.idx);
      const std::size_t past = deadlines[r.status].tiers_past(r.entered_ms);
      count_breaches(r, past);  // tiers W crossed while it waited: past the horizon too
      r.late = 0;
      const std::size_t ser = series_of(r);
      for (std::size_t k = 0; k < past; ++k) by_series.add_overdue(ser, k, +1);
    });
  }
  late.compact(table.size(), moved_on);
}

void OrderTracker::Impl::evict(std::int64_t w) {
  const std::int64_t max_age = cfg.retention.max_age.count();
  if (max_age <= 0) return;
  const std::int64_t evict_before = w - max_age;
  for (auto& idx_s : index) {
    while (!idx_s.empty() && idx_s.oldest().t <= evict_before) {
      const std::uint32_t idx = idx_s.oldest().idx;
      leave(idx, table.at(idx), std::nullopt);
      release(idx, hash_order_id(hash_key, table.id(idx)));
      ++counts.evictions;
    }
  }
}

}  // namespace orderwatch::tracking
