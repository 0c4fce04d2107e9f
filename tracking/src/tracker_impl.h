// Private: the state behind OrderTracker, a composition of named parts each owning its arrays
// and invariants (the picture: docs/design.md, "tracking: order state, deadlines and the
// watermark"). Holds the event path (apply, enter, leave), inline because it is the hot loop;
// the tick, queries, persistence, actions and the counter hand-over live in their own files.
// Not part of the public API; not thread-safe (TrackerService holds the lock).
#pragma once

#include <algorithm>
#include <optional>
#include <random>

#include "actions.h"
#include "counters.h"
#include "deadlines.h"
#include "label_sets.h"
#include "late_entries.h"
#include "milestones.h"
#include "order_table.h"
#include "orderwatch/log/log.h"
#include "orderwatch/tracking/tracker.h"
#include "recovered.h"
#include "status_index.h"
#include "tombstones.h"
#include "watermark.h"

namespace orderwatch::tracking {

// What a batch found out about an event a few events ahead of applying it (apply_batch): its
// record, checked again in O(1) when the event is applied, as the events between may have
// changed the table.
struct Lookahead {
  std::uint32_t idx = OrderTable::kNotFound;
};

// Client text echoed in an error message, quoted and shortened so an error stays small
// (tracker_query.cpp).
std::string quoted(std::string_view text);

struct OrderTracker::Impl {
  explicit Impl(const sla::Config& c);  // tracker.cpp

  // ---- The event path (inline: the hot loop of apply and apply_batch).

  ApplyResult apply(const Event& e, std::int64_t now) {
    return apply(e, now, hash_order_id(hash_key, e.id));
  }
  // h: hash_order_id(hash_key, e.id), computed ahead by a batch (apply_batch).
  ApplyResult apply(const Event& e, std::int64_t now, std::uint64_t h, Lookahead ahead = {}) {
    counts.last_event_ms = now;
    watermark.saw_event(e.time_ms, now);
    std::uint32_t idx = ahead.idx != OrderTable::kNotFound && table.holds(ahead.idx, e.id)
                            ? ahead.idx
                            : table.find(e.id, h);
    if (idx == OrderTable::kNotFound) return apply_new(e, now, h);
    OrderRecord& r = table.at(idx);
    if (r.status == e.status) {
      if (e.has_deadline != 0 && has_milestones) [[unlikely]]
        note_deadlines(idx, e);
      return counts.count(ApplyResult::kDuplicate);
    }
    // Older than the current stay, or simultaneous but earlier in the workflow: out of order.
    if (e.time_ms < r.entered_ms || (e.time_ms == r.entered_ms && e.status < r.status)) {
      return counts.count(ApplyResult::kStale);
    }
    if (has_milestones && ahead.idx == OrderTable::kNotFound) [[unlikely]] {
      // The stay's chunk and the clocks' chunks are fetched at once, not one after the other
      // (apply_batch's pipeline has requested them already).
      index[r.status].prefetch(r.chunk);
      milestones.prefetch_chunks(idx, r.status, e.status);
    }
    note_leave(idx, r, e.status, e.time_ms);
    leave(idx, r, e.time_ms);
    by_status.transition(r.status, e.status);
    if (has_milestones) [[unlikely]]
      milestones.status_changed(owner(idx, r), r.status, e.status, e.time_ms);
    if (terminal[e.status]) {
      by_status.observe_turnaround(e.status, e.time_ms - r.first_seen_ms);
      add_tombstone(h, e.status, now);
      release(idx, h);
    } else {
      r.status = e.status;
      r.entered_ms = e.time_ms;
      enter(idx, r);
      if (e.has_deadline != 0 && has_milestones) [[unlikely]]
        note_deadlines(idx, e);
    }
    return counts.count(ApplyResult::kApplied);
  }

  // An event for an id not in flight: finished recently (a tombstone), finished at first
  // sight, or a new order. Inlined into apply() as it was written there (one hot path).
  [[gnu::always_inline]] ApplyResult apply_new(const Event& e, std::int64_t now, std::uint64_t h) {
    if (auto finished = tombstones.find(h)) {
      return counts.count(*finished == e.status ? ApplyResult::kDuplicate : ApplyResult::kStale);
    }
    if (terminal[e.status]) {
      // First sight of an order is its end: nothing to observe, but remember it finished.
      add_tombstone(h, e.status, now);
      return counts.count(ApplyResult::kApplied);
    }
    if (!admit_order(now)) return counts.count(ApplyResult::kRejected);
    const std::uint32_t idx = table.insert(e.id, h);
    OrderRecord& r = table.at(idx);
    r.status = e.status;
    r.entered_ms = e.time_ms;
    r.first_seen_ms = e.time_ms;
    r.combo = intern(e);
    enter(idx, r);
    if (has_milestones) [[unlikely]] {
      milestones.status_changed(owner(idx, r), -1, e.status, e.time_ms);
      if (e.has_deadline != 0) note_deadlines(idx, e);
    }
    return counts.count(ApplyResult::kApplied);
  }

  // The event carried milestone deadlines (deadline_field): each milestone of a slot it set
  // takes it as the order's newest promise.
  void note_deadlines(std::uint32_t idx, const Event& e) {
    for (std::size_t m = 0; m < cfg.milestones.size(); ++m) {
      const auto& ms = cfg.milestones[m];
      if (ms.has_deadline_field() && e.has_deadline_in(ms.deadline_slot)) {
        milestones.deadline_seen(owner(idx, table.at(idx)), m, e.deadline_ms[ms.deadline_slot]);
      }
    }
  }
  // Record idx is freed (a terminal status, an eviction, a forget): its milestone clocks end.
  void release(std::uint32_t idx, std::uint64_t h) {
    if (has_milestones) [[unlikely]]
      milestones.release(owner(idx, table.at(idx)));
    table.erase(idx, h);
  }
  static ClockOwner owner(std::uint32_t idx, const OrderRecord& r) {
    return ClockOwner{idx, r.combo, r.first_seen_ms};
  }

  // The label set of a new order's dimension values; the series counters grow with them.
  std::uint16_t intern(const Event& e) {
    const std::uint16_t c = labels.intern(e);
    by_series.fit(labels.size());
    return c;
  }
  std::uint16_t combo_for(const ComboKey& key) {
    const std::uint16_t c = labels.combo_for(key);
    by_series.fit(labels.size());
    return c;
  }

  std::size_t series_of(const OrderRecord& r) const { return by_series.series(r.combo, r.status); }

  // The order enters its (already set) status at r.entered_ms.
  void enter(std::uint32_t idx, OrderRecord& r) {
    const std::uint8_t s = r.status;
    r.chunk = index[s].insert(IndexEntry{r.entered_ms, idx, r.combo});
    const std::size_t ser = series_of(r);
    by_series.enter(ser, r.entered_ms);
    r.breached = 0;
    r.late = 0;
    // Already past a tier as of W when it arrives (a late or backdated event: a backfill
    // behind W, a straggler): its next event may be right behind it in the same backfill, so
    // it is neither overdue nor a breach until the events arriving show the deadline passed
    // (LateEntries, confirmed by the tick).
    const StatusDeadlines& d = deadlines[s];
    if (d.tiers() > 0 && d.past(r.entered_ms, 0)) [[unlikely]] {
      r.late = 1;
      late.add(LateEntries::Entry{d.deadline(r.entered_ms, 0), r.entered_ms, idx, s, 0});
    }
  }

  // The order leaves its status; `leave_ms` is the event time of the next status, or nullopt
  // for an eviction or a forget (the stay is unknown, so nothing is observed).
  void leave(std::uint32_t idx, const OrderRecord& r, std::optional<std::int64_t> leave_ms) {
    const std::uint8_t s = r.status;
    const std::size_t ser = series_of(r);
    const StatusDeadlines& d = deadlines[s];
    const std::size_t counted = tiers_past(r);
    // Within SLA: it left before the first deadline and no breach was counted for the stay.
    bool within = leave_ms && d.tiers() > 0 && r.breached == 0;
    bool judging = leave_ms.has_value();
    for (std::size_t k = 0; k < d.tiers(); ++k) {
      if (k < counted) by_series.add_overdue(ser, k, -1);
      // Not counted yet (W passed it between ticks, or never while it was here): the next
      // event shows whether the stay ran past the deadline; once one tier was not reached,
      // no later one was (deadlines rise with the tier).
      if (judging && k >= r.breached) {
        if (d.ran_past(r.entered_ms, *leave_ms, k)) {
          by_status.breach(s, k);
          within = within && k > 0;
        } else {
          judging = false;
        }
      }
    }
    if (within) by_status.add_met(s);
    if (leave_ms) {
      by_series.observe_stay(ser, *leave_ms - r.entered_ms);
      if (d.on_calendar()) {
        by_series.observe_open(
            ser, d.calendar_tier(0).calendar().open_ms_between(r.entered_ms, *leave_ms));
      }
    }
    index[s].erase(IndexEntry{r.entered_ms, idx}, r.chunk);
    by_series.leave(ser, r.entered_ms);
  }

  // Counts the breaches of tiers [r.breached, through) of the order's stay, once per stay.
  void count_breaches(OrderRecord& r, std::size_t through) {
    for (std::size_t k = r.breached; k < through; ++k) by_status.breach(r.status, k);
    r.breached = std::max<std::size_t>(r.breached, through) & 0x7Fu;
  }

  // The caps of retention.max_orders / max_tombstones (tracker_limits.cpp): past them a new
  // order is refused (counted, logged rate-limited) and a tombstone is not kept.
  bool admit_order(std::int64_t now);
  void add_tombstone(std::uint64_t h, std::uint8_t status, std::int64_t now);

  // What recovered: the order in record idx leaves its status for `to` (-1: forgotten) at
  // at_ms; if it is overdue as of W, the ring records it (recovered.cpp). One branch for an
  // order that never was overdue.
  void note_leave(std::uint32_t idx, const OrderRecord& r, int to, std::int64_t at_ms) {
    const StatusDeadlines& d = deadlines[r.status];
    if (d.tiers() > 0 && d.past(r.entered_ms, 0) && !r.late) [[unlikely]]
      left_overdue(idx, r, to, at_ms);
  }
  void left_overdue(std::uint32_t idx, const OrderRecord& r, int to, std::int64_t at_ms);

  // ---- The tick (tracker_tick.cpp): W, the deadlines with it, late entries, retention.
  void tick(std::int64_t now, bool behind);
  void move_deadlines(std::int64_t w);
  void confirm_late_entries(std::int64_t horizon, std::int64_t w);
  void evict(std::int64_t w);

  // ---- Lookups shared by the queries, actions and persistence.
  std::uint32_t find(std::string_view id) const {
    return table.find(id, hash_order_id(hash_key, id));
  }
  // Whether record idx holds an order in the stay (status, entered).
  bool holds_stay(std::uint32_t idx, std::uint8_t status, std::int64_t entered) const {
    if (idx == OrderTable::kNotFound) return false;
    const OrderRecord& r = table.at(idx);
    return r.status == status && r.entered_ms == entered;
  }
  // The tiers the order counts as overdue in as of W: those it is past; none for a late stay
  // (OrderRecord::late) until it is settled.
  std::size_t tiers_past(const OrderRecord& r) const {
    return r.late ? 0 : deadlines[r.status].tiers_past(r.entered_ms);
  }
  // The acknowledgement of the stay in record idx, if it still holds as of W (the wall clock of
  // the last tick while W has no position).
  const AckEntry* ack_of(std::uint32_t idx) const {
    const OrderRecord& r = table.at(idx);
    return acks.holding(table.id(idx), watermark.judge_at(watermark.last_now()), r.status,
                        r.entered_ms);
  }
  // The acknowledgement of milestone m's clock in record idx, if it still holds (the clock it
  // was placed on runs or is paused); the clock's view in `clock` when given.
  const MilestoneAckEntry* milestone_ack_of(std::uint32_t idx, std::size_t m,
                                            ClockView* clock = nullptr) const {
    if (milestone_acks.empty()) return nullptr;
    const ClockView c = milestones.view(owner(idx, table.at(idx)), m);
    if (clock != nullptr) *clock = c;
    if (c.state != ClockState::kRunning && c.state != ClockState::kPaused) return nullptr;
    return milestone_acks.holding(milestone_ack_key(table.id(idx), m),
                                  watermark.judge_at(watermark.last_now()), c.started_ms);
  }
  // Calls f(record idx, milestone, clock view) for every clock whose acknowledgement holds:
  // O(milestone acks).
  template <typename F>
  void for_each_milestone_acknowledged(F&& f) const {
    for (const auto& [key, a] : milestone_acks) {
      const std::uint32_t idx = find(id_of_milestone_ack_key(key));
      ClockView c;
      if (idx == OrderTable::kNotFound || milestone_ack_of(idx, a.milestone, &c) == nullptr) {
        continue;
      }
      f(idx, static_cast<std::size_t>(a.milestone), c);
    }
  }
  // Calls f(record idx, record) for every order whose acknowledgement holds: O(acks).
  template <typename F>
  void for_each_acknowledged(F&& f) const {
    for (const auto& [id, a] : acks) {
      const std::uint32_t idx = find(id);
      if (idx == OrderTable::kNotFound || ack_of(idx) == nullptr) continue;
      f(idx, table.at(idx));
    }
  }
  // The drill-down view of the order in record `idx` (tracker_query.cpp), its milestone
  // clocks added by view_milestones; a milestone's page of overdue orders and the milestones'
  // counts (milestone_query.cpp).
  OrderView view(std::uint32_t idx) const;
  void view_milestones(std::uint32_t idx, OrderView& v) const;
  OverduePage milestone_overdue(const OverdueQuery& q,
                                std::vector<std::string> dimension_labels) const;
  void summarize_milestones(TrackerSummary& out) const;
  // Every exported count (tracker.cpp), acknowledged orders moved apart (actions.cpp).
  void snapshot(TrackerSnapshot& out) const;
  void snapshot_milestones(TrackerSnapshot& out) const;
  void move_acknowledged(TrackerSnapshot& out) const;
  void move_milestones_acknowledged(TrackerSnapshot& out) const;  // actions.cpp
  AcknowledgedCounts acknowledged_counts() const;                 // actions.cpp

  // ---- The parts.
  const sla::Config cfg;
  std::vector<bool> terminal;  // [status]
  DeadlineModel deadlines;     // [status]: thresholds and cutoffs as of W
  MilestoneBook milestones;    // the milestones' clocks (milestones.h)
  const bool has_milestones;
  std::vector<StatusIndex> index;  // [status]: its orders by entry time
  // Keys the id hash of table and tombstones: random per process, or the one a loaded snapshot
  // was written with (its tombstones hold hashes under it).
  HashKey hash_key = random_hash_key();
  OrderTable table;
  TombstoneSet tombstones;
  LabelSets labels;
  SeriesCounters by_series;
  StatusCounters by_status;
  EventCounters counts;
  Watermark watermark;
  LateEntries late;
  Acknowledgements acks;         // by order id (actions.cpp)
  MilestoneAcks milestone_acks;  // by milestone_ack_key (actions.cpp)
  RecoveredRing recovered;       // what recovered (recovered.cpp)
  RedriveMarks redriven;         // redrive requests, by order id (recovered.cpp)
  log::RateLimited limit_log{10'000};
  // Names this instance for drill-down cursors (OrderCursor::epoch): slots mean nothing to
  // another instance.
  const std::uint64_t epoch =
      (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
};

}  // namespace orderwatch::tracking
