// OrderTracker: the state of every in-flight order and every count the metric contract
// exports; applies decoded events and judges overdue and breaches as of a watermark W.
// Ownership: owns all order state (its parts: tracking/src/tracker_impl.h). Threading: not
// thread-safe; callers serialise every call with one mutex (TrackerService). Cost: apply is
// O(1) amortised and allocates nothing once an order's dimension values are known; tick is
// proportional to the orders whose deadline W crossed; queries never scan the orders.
// Design (event semantics, the watermark rule, the deadline index, the parts): docs/design.md,
// "tracking: order state, deadlines and the watermark".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderwatch/events/event.h"
#include "orderwatch/sla/config.h"
#include "orderwatch/tracking/queries.h"
#include "orderwatch/tracking/snapshot.h"

namespace orderwatch::tracking {

// The event vocabulary of the events room, used throughout this one.
using events::Event;
using events::kMaxDimensions;
using events::kRejectReasonNames;
using events::RejectReason;

enum class ApplyResult : std::uint8_t { kApplied, kDuplicate, kStale, kRejected, kCount };
inline constexpr std::string_view kApplyResultNames[] = {"applied", "duplicate", "stale",
                                                         "rejected"};

// Cumulative-bucket histogram values as Prometheus exposes them.
struct HistogramValues {
  std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf (== count)
  double sum_seconds = 0;
  std::uint64_t count = 0;
};

// One label set of the per-status families (status x dimension values).
struct SeriesValues {
  std::uint8_t status = 0;
  std::uint16_t combo = 0;  // index into TrackerSnapshot::combos
  std::int64_t in_status = 0;
  std::vector<std::int64_t> overdue;  // per tier of the status
  HistogramValues duration;
  // Calendar statuses: the open time of the calendar the stays spent (on the duration bounds).
  HistogramValues open_duration;
  // Current ages as of W of the orders in the series (a gauge histogram: buckets go down as
  // orders leave), on the duration bounds; count == in_status.
  HistogramValues age;
  // Per tier: acknowledged orders past it (not in `overdue`, which counts the others).
  std::vector<std::int64_t> acknowledged;
};

// One milestone's gauges for one label set.
struct MilestoneValues {
  std::uint8_t milestone = 0;
  std::uint16_t combo = 0;  // index into TrackerSnapshot::combos
  std::int64_t in_progress = 0;
  std::int64_t paused = 0;
  std::int64_t without_deadline = 0;
  std::vector<std::int64_t> overdue;       // per tier of the milestone, unacknowledged clocks
  std::vector<std::int64_t> acknowledged;  // per tier: acknowledged clocks past it
  HistogramValues duration;                // counted time of the clocks stopped, on its bounds
};

// A consistent copy of every exported count, taken under the tracker's lock and rendered
// into metric families outside it. Size depends on series, never on orders.
struct TrackerSnapshot {
  std::vector<double> duration_bounds_seconds;
  std::vector<double> turnaround_bounds_seconds;
  std::vector<double> milestone_duration_bounds_seconds;
  std::vector<std::vector<std::string>> combos;      // combo -> value per dimension
  std::vector<SeriesValues> series;                  // non-terminal statuses x known combos
  std::vector<std::vector<std::uint64_t>> breaches;  // [status][tier]
  std::vector<std::uint64_t> sla_met;  // [status]: stays that ended before their first deadline
  std::vector<MilestoneValues> milestones;                     // milestones x known combos
  std::vector<std::vector<std::uint64_t>> milestone_breaches;  // [milestone][tier]
  std::vector<std::uint64_t> milestone_met;                    // [milestone]
  std::vector<std::uint64_t> transitions;                      // [from * statuses + to]
  std::vector<std::optional<std::int64_t>> oldest_entered_ms;  // [status]
  std::vector<HistogramValues> turnaround;                     // [status], terminal ones used
  std::uint64_t events[static_cast<int>(ApplyResult::kCount)] = {};
  std::uint64_t rejected[static_cast<int>(RejectReason::kCount)] = {};
  std::uint64_t tracked = 0;
  std::uint64_t tombstones = 0;
  std::uint64_t evictions = 0;
  std::uint64_t orders_refused = 0;      // new orders refused at retention.max_orders
  std::uint64_t tombstones_refused = 0;  // tombstones not kept at retention.max_tombstones
  std::int64_t last_event_ms = 0;        // wall clock of the last event handled, 0 = none yet
  std::int64_t watermark_ms = 0;         // W as of the last tick; 0 = no position yet
  std::int64_t watermark_lag_ms = 0;     // wall clock of the last tick - W, >= 0
};

class TrendRing;  // the service's trend samples (tracking/src/trend.h)

class OrderTracker {
 public:
  explicit OrderTracker(const sla::Config& config);
  ~OrderTracker();
  OrderTracker(const OrderTracker&) = delete;
  OrderTracker& operator=(const OrderTracker&) = delete;

  // ---- Events and time (tracker_impl.h, tracker.cpp, tracker_batch.cpp, tracker_tick.cpp).
  // Applies one decoded event at wall-clock time now_ms.
  ApplyResult apply(const Event& event, std::int64_t now_ms);
  // Applies events in order, as apply() each, at one wall-clock time; out[i] is events[i]'s
  // result (out.size() >= events.size()). The lookups of later events are prefetched while
  // earlier ones are applied, so their cache misses overlap.
  void apply_batch(std::span<const Event> events, std::int64_t now_ms, std::span<ApplyResult> out);
  // Counts an event the decoder refused.
  void reject(RejectReason reason, std::int64_t now_ms);
  // Moves W (the oldest event time of about the last second's arrivals, or the wall clock once
  // no event arrived for event.idle_timeout and nothing is `behind` -- ingest knows of messages
  // still waiting; minus event.max_lateness; never backwards nor past the wall clock) and the
  // deadlines with it (tier crossings + breaches), confirms the tiers of stays that arrived
  // already past one once the arriving events passed them, evicts orders W shows past
  // retention, expires tombstones and acknowledgements (as of W: judge_at()) and idle label
  // sets (wall clock).
  // Idempotent for the same arguments.
  void tick(std::int64_t now_ms, bool behind = false);
  // W as of the last tick, Unix ms; 0 before the first tick that had a position.
  std::int64_t watermark_ms() const;
  // The time ages, deadlines and expiries are judged at: W, or `now_ms` (the wall clock) while
  // W has no position yet. Tombstones are placed at it + retention.tombstone_ttl.
  std::int64_t judge_at(std::int64_t now_ms) const;

  // ---- Metrics (tracker.cpp): every exported count; O(series + acknowledgements).
  void snapshot(TrackerSnapshot& out) const;

  // ---- Drill-down queries (tracker_query.cpp), as of the last tick() (its W). Cost: O(log orders
  // + page) for overdue(), O(1) for find(), O(series) for summary() -- never a scan of the orders.
  std::optional<OrderView> find(std::string_view id) const;
  OverduePage overdue(const OverdueQuery& query) const;
  TrackerSummary summary(std::size_t top_values = 5) const;
  // Per status, in config order, as of the last tick: O(series + acknowledged orders).
  std::vector<StatusCounts> status_counts() const;
  std::vector<std::string> dimension_labels() const;  // config order, as in OrderView::dims

  std::size_t tracked() const;
  // Heap bytes held by the order state (records, hash slots, indexes, tombstones).
  std::size_t memory_bytes() const;
  // Pre-sizes for `orders` in-flight orders (avoids rehash pauses during a replay).
  void reserve(std::size_t orders);

  // ---- Persistence (tracker_state.cpp, snapshot_load.cpp; the format is in snapshot.h).
  // Appends a snapshot image of the order state (orders, tombstones, dimension values, the
  // deadline position) without its checksum: call seal_snapshot() on it, outside the lock.
  // Counters are not part of it (a restart resets them, as Prometheus expects).
  // trend: the service's trend samples, written with it (null: none).
  void save_state(std::string& image, std::uint64_t stream_seq, std::int64_t written_ms,
                  const TrendRing* trend = nullptr) const;
  // Loads a sealed image into this tracker, which must be new (nothing applied yet).
  // Statuses, tiers and dimensions are matched by name against this tracker's config: orders
  // whose status is gone (or now terminal) are dropped and counted, overdue counts follow the
  // current thresholds, and a tier the current thresholds put an order past for the first time
  // counts as a breach. Throws SnapshotError; after a throw, discard this tracker.
  // trend: where the image's trend samples go (null: skipped).
  RestoreReport load_state(std::string_view image, const std::string& name,
                           TrendRing* trend = nullptr);
  // ---- Counter hand-over of a live reload (counters.cpp).
  // After load_state of `previous`'s image under a new config (a live reload): takes over the
  // counters that keep their meaning -- events, rejects, evictions; transitions and breaches
  // by status name (and tier severity); duration and turnaround histograms by status name
  // when the bucket bounds are unchanged (otherwise they restart from 0).
  // (It also takes over the watermark's recent arrivals, so W goes on as it would have.)
  void carry_counters_from(const OrderTracker& previous);
  // A reload built aside (TrackerService::reload) replays onto the new tracker the events the
  // old one took while the new one loaded; the old one counted them already, and
  // carry_counters_from takes its counters over at the swap. So the new tracker's counters
  // are saved after load_state and set back to those before the carry: events, rejects,
  // evictions, transitions, breaches, duration and turnaround histograms (series added since
  // restart from 0).
  struct Counters {
    std::vector<std::uint64_t> counts;
    std::vector<std::int64_t> sums;
  };
  Counters counters() const;
  void restore_counters(const Counters& saved);

  // ---- Operator actions (actions.cpp, recovered.cpp). acknowledge(): the order's current stay
  // leaves the overdue counts for the acknowledged ones (SeriesValues::acknowledged) until the
  // order moves or W passes ack.until_ms (judge_at(): TrackerService places an acknowledgement
  // at W, so "for 4h" lasts 4h of stream time); nullopt when the order is not held here or
  // kMaxAcks acknowledgements are held already (`full` tells which). forget(): the order is
  // dropped as if it had reached a terminal status -- tombstoned, its stay and turnaround not
  // observed; returns its view before, nullopt when not held. Acknowledgements are saved in
  // snapshots and survive reloads.
  std::optional<OrderView> acknowledge(std::string_view id, const Acknowledgement& ack,
                                       bool* full = nullptr);
  std::optional<OrderView> forget(std::string_view id, std::int64_t now_ms);
  // acknowledge_milestone(): the order's running or paused clock of milestone m (config order)
  // leaves the milestone's overdue counts for the acknowledged ones (MilestoneValues::
  // acknowledged) until the clock stops or W passes ack.until_ms; nullopt when the
  // order is not held, its clock is not running or paused, or kMaxAcks clock acknowledgements
  // are held (`full`). Saved in snapshots; forget() drops them with the order.
  std::optional<OrderView> acknowledge_milestone(std::string_view id, std::size_t milestone,
                                                 const Acknowledgement& ack, bool* full = nullptr);
  std::size_t acknowledgements() const;
  // A redrive of the order's current stay was requested: remembered (bounded like the
  // acknowledgements) so that what recovered says an action preceded it. Its view, or nullopt
  // when not held.
  std::optional<OrderView> note_redrive(std::string_view id);
  // The redrive request could not be published: the mark goes.
  void drop_redrive_mark(std::string_view id);

  // ---- What recovered (recovered.cpp): the latest orders that left their status while overdue,
  // newest first, at most `limit`; `status` ("" = every one) filters on the status they were
  // overdue in (an unknown name is an error). A ring of kRecoveredEntries, saved in
  // snapshots and carried over by a reload (take_recovered_from: a tracker that recorded nothing
  // leaves the ring this one loaded).
  RecoveredList recovered(std::string_view status, std::size_t limit) const;
  void take_recovered_from(OrderTracker& previous);

  // The state itself (tracking/src/tracker_impl.h): opaque outside this room's sources.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderwatch::tracking
