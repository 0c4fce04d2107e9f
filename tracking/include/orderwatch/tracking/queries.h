// The values of the tracker's drill-down queries, operator actions and "what recovered"
// (OrderTracker's query surface; implemented in tracking/src/tracker_query.cpp, actions.cpp,
// recovered.cpp). Plain values: each is a copy taken under the tracker's lock, owned by the
// caller, safe to use outside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orderwatch::tracking {

// An operator's acknowledgement of one stay of one order (OrderTracker::acknowledge).
struct Acknowledgement {
  std::string actor;
  std::string reason;
  // When placed and when it expires, as times of the watermark W (TrackerService places it at
  // W, or at the wall clock while W has no position; until - at is its length). It holds while
  // W < until_ms.
  std::int64_t at_ms = 0;
  std::int64_t until_ms = 0;
};

// One milestone clock of an order (OrderView::milestones), as of W. Clocks not started are
// not listed.
struct MilestoneClockView {
  std::string milestone;
  // "running", "paused", "met" or "missed" (stopped: before or after its deadline tier).
  std::string state;
  bool promise = false;          // deadline_field: the order's own deadline
  std::int64_t started_ms = 0;   // 0: unknown (a stopped clock)
  std::int64_t deadline_ms = 0;  // the first tier's (sla, running) or the promise; 0: none
  // sla: the time counted so far, pauses excluded (open time with a calendar) and the time
  // paused; a promise: the time since it started, and 0.
  std::int64_t counted_ms = 0;
  std::int64_t paused_ms = 0;
  int tiers_crossed = 0;
  std::string severity;                // of the highest tier crossed; "" when none
  std::string calendar;                // its calendar; "" on the wall clock
  std::string deadline_local;          // with a calendar: the deadline in its local time (RFC 3339)
  std::optional<Acknowledgement> ack;  // set while this clock is acknowledged
};

// One order's state, for the drill-down API. Names are resolved under the tracker's lock, so
// a view stays meaningful whatever the caller's copy of the config says.
struct OrderView {
  std::string id;
  std::uint8_t status = 0;
  std::string status_name;
  std::int64_t entered_ms = 0;
  std::int64_t first_seen_ms = 0;
  int tiers_crossed = 0;
  std::string severity;                // of the highest tier crossed; "" when none
  std::vector<std::string> dims;       // value per dimension, in config order
  std::optional<Acknowledgement> ack;  // set while this stay is acknowledged
  // The first tier's deadline of this stay (0: the status has no SLA, or its calendar puts
  // none within 366 days).
  std::int64_t deadline_ms = 0;
  // A calendar status: its calendar's name, the deadline in the calendar's local time
  // (RFC 3339 with its offset), and the open time from W to the deadline (negative: the open
  // time since the deadline, "overdue by"). Empty / 0 on the wall clock.
  std::string calendar;
  std::string deadline_local;
  std::int64_t open_to_deadline_ms = 0;
  std::vector<MilestoneClockView> milestones;  // config order, started clocks only
};

// A position in drill-down order: entry time, then record slot. (entered, slot) is unique
// among all tracked orders (an order sits in one status, a slot holds one order), so it orders
// orders of every status at once. A page resumes strictly after the cursor: an order that stays
// in its status while the client pages is returned exactly once, whatever is inserted or removed
// meanwhile (a slot freed and reused only gives a *new* order a key). `epoch` names the tracker
// instance; slots mean nothing to another one (after a restart), so such a cursor resumes at
// its millisecond instead: orders entered in that very millisecond may repeat, none is skipped.
// A milestone listing (OverdueQuery::milestone) orders by its index key instead (the deadline or
// effective start: most overdue first), running clocks (part 0) before paused ones (part 1,
// by start); entered_ms then holds that key.
struct OrderCursor {
  std::int64_t entered_ms = 0;
  std::uint32_t slot = 0;
  std::uint64_t epoch = 0;
  std::uint8_t part = 0;
};

// Which overdue orders a query lists: acknowledged ones too (the batch actions' selection),
// only the others (the drill-down listing: what still alerts, as order_overdue counts), or
// only the acknowledged ones (O(acknowledgements log acknowledgements): from the ack table).
enum class AckFilter : std::uint8_t { kInclude, kExclude, kOnly };

struct OverdueQuery {
  std::string_view status;  // "" = every status (merged oldest first)
  // A milestone's overdue clocks instead of statuses' (status must be ""); severity names its
  // tier; `acknowledged` filters on the clocks' acknowledgements (not the stays').
  std::string_view milestone;
  std::string_view severity;  // tier by severity name; "" = the first tier (every overdue order)
  std::size_t limit = 100;
  AckFilter acknowledged = AckFilter::kInclude;
  std::optional<OrderCursor> after;
  // Response budget: the page stops early (with a cursor) once its ids exceed this many bytes.
  std::size_t max_id_bytes = std::size_t{1} << 20;
};

struct OverduePage {
  std::string error;        // non-empty: refused (unknown status or severity); nothing else is set
  std::int64_t now_ms = 0;  // the wall clock when the answer was taken
  std::int64_t watermark_ms = 0;  // as of which ages and deadlines are judged (judge_at())
  std::vector<std::string> dimension_labels;
  std::vector<OrderView> orders;    // oldest first
  std::optional<OrderCursor> next;  // set when more orders follow
  std::uint64_t total = 0;          // all orders matching the filters, not just this page
  // Acknowledged orders the status and severity filters select (listed or not, per
  // OverdueQuery::acknowledged); set when acknowledged ones are excluded or only they listed.
  std::uint64_t acknowledged = 0;
};

// What the overdue orders of a status have in common: the most frequent values of one
// dimension among them (first tier), most frequent first; and how over-represented each is:
// in_flight[i] is how many of the status's orders (overdue or not) carry values[i], so
// values[i].second / overdue is its share among the overdue against in_flight[i] / in_flight
// among all in flight ("eu-west: 80 % of overdue, 20 % of in flight").
struct DimensionTop {
  std::string label;
  std::vector<std::pair<std::string, std::int64_t>> values;
  std::vector<std::int64_t> in_flight;  // aligned with values
  std::int64_t overdue = 0;             // the status's overdue orders (first tier): the shares'
  std::int64_t all_in_flight = 0;       // denominators, as StatusSummary's counts
};

struct StatusSummary {
  std::string name;
  bool terminal = false;
  std::int64_t in_flight = 0;
  // (severity, count) per tier, acknowledged orders not counted (as order_overdue).
  std::vector<std::pair<std::string, std::int64_t>> overdue;
  // (severity, count) per tier: acknowledged orders past it (order_overdue_acknowledged).
  std::vector<std::pair<std::string, std::int64_t>> acknowledged;
  std::optional<std::int64_t> oldest_entered_ms;
  std::vector<DimensionTop> top_overdue;  // per dimension, unacknowledged; empty when none
};

// What recovered: one order that was overdue (past at least its first tier as of W) when it
// left its status -- moved on, finished, or forgotten by an operator (not when evicted).
enum class RecoveredOutcome : std::uint8_t { kMoved, kFinished, kForgotten };
inline constexpr std::string_view kRecoveredOutcomeNames[] = {"moved", "finished", "forgotten"};

struct RecoveredOrder {
  std::string id;             // at most event.max_id_bytes bytes (see id_truncated)
  bool id_truncated = false;  // a longer id (from a snapshot under a larger limit) was cut
  std::string status;         // the status it was overdue in
  std::string severity;       // the highest tier it reached there
  int tiers_crossed = 0;
  std::int64_t entered_ms = 0;  // event time it entered `status`
  // W at leave - (entered + first threshold): how long it was judged overdue.
  std::int64_t overdue_ms = 0;
  // When it left: the next event's time (moved, finished), the wall clock of the forget.
  std::int64_t left_ms = 0;
  std::int64_t watermark_ms = 0;  // W when it left
  RecoveredOutcome outcome = RecoveredOutcome::kMoved;
  std::string to;             // the status it moved to or finished in; "" when forgotten
  bool acknowledged = false;  // an acknowledgement of this stay was held (expired or not)
  bool redriven = false;      // a redrive of this stay was requested
};

struct RecoveredList {
  std::string error;  // non-empty: refused (unknown status); nothing else is set
  std::int64_t now_ms = 0;
  std::vector<RecoveredOrder> orders;  // newest first
  std::uint64_t held = 0;              // entries in the ring (all statuses)
  std::uint64_t recorded = 0;          // recorded since start (older ones dropped)
  std::size_t capacity = 0;            // the ring's bound (kRecoveredEntries)
};

// One status's counts for the trend (TrendRing): orders in it, and those past its first tier
// that no operator acknowledged (what order_overdue and the alerts count).
struct StatusCounts {
  std::int64_t in_flight = 0;
  std::int64_t overdue = 0;
};

struct MilestoneSummary {
  std::string name;
  bool promise = false;
  std::string calendar;
  std::int64_t in_progress = 0, paused = 0, without_deadline = 0;
  std::vector<std::pair<std::string, std::int64_t>> overdue;  // (severity, count) per tier
  // (severity, count) per tier: acknowledged clocks past it (not in `overdue`).
  std::vector<std::pair<std::string, std::int64_t>> acknowledged;
};

struct TrackerSummary {
  std::int64_t now_ms = 0;        // the wall clock when the answer was taken
  std::int64_t watermark_ms = 0;  // as of which ages and deadlines are judged (judge_at())
  std::uint64_t tracked = 0;
  std::vector<std::string> dimension_labels;
  std::vector<StatusSummary> statuses;       // config order
  std::vector<MilestoneSummary> milestones;  // config order
};

}  // namespace orderwatch::tracking
