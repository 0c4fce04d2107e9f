// Private: milestones -- promises that span statuses. A milestone's clock starts when an order
// first enters one of its `from` statuses (or, first seen past one, at its first event), stops
// when it first reaches an `until` (or terminal) status, and does not run while the order sits
// in a `pause` status. Two kinds:
// - sla: tier k is due when the counted time (pauses excluded; open time with a calendar)
//   reaches after_k;
// - promise (deadline_field): tier k is due warn_before (or 0) before the order's own deadline,
//   which the newest event carrying it sets; pauses do not move it.
//
// Index: per milestone, one StatusIndex of the running clocks keyed by `key` -- the effective
// start on the milestone's time axis (the wall clock, or the calendar's cumulative open time:
// axis(start) plus the paused time) of an sla milestone, the deadline of a promise -- so tier k
// is past as of W iff key <= axis(W) - offset_k, and a tick visits only the entries between a
// tier's old and new cutoff, as the status index does. Paused sla clocks leave it for a second
// index keyed by their start, where nothing crosses (their counted time is frozen in the
// clock). A promise without a deadline is in no index and counted apart.
// Memory: 9 bytes per record and milestone (a Clock and a mark) plus ~13 bytes of index entry
// while running (no label set in it: combo_of looks it up for the rare crossing). Not thread-safe:
// owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "orderwatch/calendar/calendar.h"
#include "orderwatch/sla/config.h"
#include "status_index.h"

namespace orderwatch::tracking {

// What the book needs of one configured milestone.
struct MilestoneSpec {
  // kInside: a status past a `from` one in workflow order, neither until nor pause: an order
  // first seen there had entered a `from` status unseen, so its clock starts at that event.
  enum Role : std::uint8_t { kNone, kFrom, kUntil, kPause, kInside };
  std::vector<Role> role;  // [status]; the caller maps terminal statuses to kUntil
  bool promise = false;    // deadline_field: each order's own deadline
  // [tier], non-increasing cutoffs: tier k is past as of W iff key <= axis(W) - offset_ms[k].
  // An sla milestone: its tiers' `after` (increasing); a promise: -warn_before, then 0.
  std::vector<std::int64_t> offset_ms;
  std::size_t met_tier = 0;  // a clock met the milestone if it stopped before this tier was due
  // An sla milestone counted in this calendar's open time; null: the wall clock.
  std::shared_ptr<const calendar::Calendar> calendar;
};

// The specs of a config's milestones (sla::Config::milestones, in order).
std::vector<MilestoneSpec> milestone_specs(const sla::Config& config);

// The order a clock belongs to: its record, label set and first event time (a clock's start is
// kept relative to it).
struct ClockOwner {
  std::uint32_t idx = 0;
  std::uint16_t combo = 0;
  std::int64_t first_seen_ms = 0;
};

enum class ClockState : std::uint8_t { kNotStarted, kRunning, kPaused, kDone };

// One clock as the drill-down shows it (MilestoneBook::view), as of W.
struct ClockView {
  ClockState state = ClockState::kNotStarted;
  std::size_t breached = 0;    // tiers whose breach was counted (a done clock: met iff <= met_tier)
  std::size_t tiers_past = 0;  // tiers it counts as overdue in now
  std::int64_t started_ms = 0;   // 0: unknown (a done clock)
  std::int64_t deadline_ms = 0;  // sla running: its first tier's; a promise's own; 0: none
  std::int64_t counted_ms = 0;  // sla: counted so far (open time with a calendar); promise: elapsed
  std::int64_t paused_ms = 0;   // sla: paused so far (on the milestone's axis)
};

// A clock as a snapshot keeps it: independent of the book's axis and record numbers.
struct SavedClock {
  ClockState state = ClockState::kNotStarted;
  std::uint8_t breached = 0;
  std::int64_t started_ms = 0;
  // sla running: the paused time on the axis; sla paused: the counted time; a promise: its
  // deadline (has_value false: none yet), also when seen before the clock started; done:
  // unused.
  std::int64_t value = 0;
  bool has_value = false;
};

class MilestoneBook {
 public:
  using State = ClockState;
  // duration_bounds_ms: the order_milestone_duration_seconds bucket bounds; combo_of: the label
  // set of the order in a record (the index entries do not carry it), read for each crossing.
  using ComboOf = std::function<std::uint16_t(std::uint32_t)>;
  MilestoneBook(
      std::vector<MilestoneSpec> specs, std::vector<std::int64_t> duration_bounds_ms,
      ComboOf combo_of = [](std::uint32_t) -> std::uint16_t { return 0; });
  // Its indexes call back into it (relocations): it stays where it was made.
  MilestoneBook(const MilestoneBook&) = delete;
  MilestoneBook& operator=(const MilestoneBook&) = delete;

  std::size_t size() const { return specs_.size(); }
  const MilestoneSpec& spec(std::size_t m) const { return specs_[m]; }

  // The order left status `from` (-1: its first event) for `to` at event time t (applied
  // status changes only, so t never goes back for one order). A change no milestone has a role
  // in (neither status is a from, until or pause one) does not touch the clocks.
  void status_changed(const ClockOwner& o, int from, int to, std::int64_t t);
  // An event of the order carried promise milestone m's deadline (after status_changed for
  // the same event).
  void deadline_seen(const ClockOwner& o, std::size_t m, std::int64_t deadline);
  // The order's record is freed (finished, evicted, forgotten): its clocks end without a
  // judgement and its slots are clean for the next order.
  void release(const ClockOwner& o);
  // W moves to w: crossings counted (overdue, breaches), a step back uncounted.
  void move_to(std::int64_t w);
  // Late clocks (milestone_late.cpp). A clock that starts, resumes or gets its deadline already
  // past a tier as of W while the arriving events trail W (a backfill behind a W the live
  // traffic or the idle rule moved on) is "late": an old time alone is neither overdue nor a
  // breach, since the order's next event may be right behind it in the same backfill (as
  // OrderTracker's late stays). Its tiers are confirmed as breaches once the arriving events
  // (`horizon`, Watermark::horizon, <= W) pass their deadlines while it still runs, and it
  // counts as overdue once they catch up with W (a straggler on a live stream: at the next
  // tick). Until confirm_late() is first called the book
  // counts past tiers on arrival at once. Cost: O(log n) per late clock and confirmed tier; nothing
  // otherwise.
  void confirm_late(std::int64_t horizon);
  std::size_t late_clocks() const;  // waiting for a confirmation (tests)
  // Hints for apply_batch's pipeline: start loading record idx's clocks; then, once they are
  // in cache, the index chunks a change from `from` to `to` will take them out of.
  void prefetch_clocks(std::uint32_t idx) const {
    const std::size_t i = at_slot(idx, 0);
    if (i < clocks_.size()) {
      // A record's clocks (9 bytes each, packed) may straddle two lines: load both.
      const char* first = reinterpret_cast<const char*>(&clocks_[i]);
      __builtin_prefetch(first);
      __builtin_prefetch(first + specs_.size() * sizeof(Clock) - 1);
    }
  }
  void prefetch_chunks(std::uint32_t idx, int from, int to) const;

  ClockView view(const ClockOwner& o, std::size_t m) const;
  SavedClock saved(const ClockOwner& o, std::size_t m) const;
  // A clock from a snapshot, into a clean slot (status_changed was not called for it). A
  // clock not started keeps a promise seen early.
  void restore(const ClockOwner& o, std::size_t m, const SavedClock& c);
  // A milestone the snapshot did not have (added by the config being loaded): the order sits in
  // `status` since `entered`, first seen at o.first_seen_ms; its clock starts as if the
  // order were first seen now (at the entry of a `from` status, else at its first event).
  void adopt(const ClockOwner& o, std::size_t m, int status, std::int64_t entered);
  // The counters (breaches, met) of `previous`'s milestone map[m] are added to milestone m's
  // (-1: none); tiers by position. At a reload. The duration histograms start afresh (their
  // label sets are numbered anew): a counter reset to Prometheus.
  void carry_counters_from(const MilestoneBook& previous, const std::vector<int>& map);

  // Calls f(record idx, position) for the clocks of milestone m past tier k as of W: running
  // ones by key (most overdue first), then paused ones by start; strictly after `after` when
  // given. f returns false to stop. Running: O(log n + visited); paused: a walk of them all.
  struct Position {
    std::uint8_t part = 0;  // 0 running, 1 paused
    std::int64_t key = 0;
    std::uint32_t idx = 0;
    auto operator<=>(const Position&) const = default;
  };
  template <typename F>
  void for_each_overdue(std::size_t m, std::size_t k, const Position* after, F&& f) const;
  // Where the clock of milestone m of record o.idx stands in that walk's order; nullopt when
  // it is in no index (not started, done, or a promise without a deadline).
  std::optional<Position> position(const ClockOwner& o, std::size_t m) const {
    std::int64_t key = 0;
    if (at_slot(o.idx, m) >= clocks_.size() || !key_of(o.idx, m, &key)) return std::nullopt;
    const bool paused = state_of(clocks_[at_slot(o.idx, m)].mark) == State::kPaused;
    return Position{static_cast<std::uint8_t>(paused && !specs_[m].promise ? 1 : 0), key, o.idx};
  }
  // Clocks of milestone m past tier k (acknowledged or not): O(combos).
  std::int64_t overdue_total(std::size_t m, std::size_t k) const;

  std::int64_t in_progress(std::size_t m, std::uint16_t combo) const {
    return at(in_progress_[m], combo);
  }
  std::int64_t paused(std::size_t m, std::uint16_t combo) const { return at(paused_[m], combo); }
  std::int64_t without_deadline(std::size_t m, std::uint16_t combo) const {
    return at(without_[m], combo);
  }
  std::int64_t overdue(std::size_t m, std::size_t k, std::uint16_t combo) const {
    return at(overdue_[m], combo * specs_[m].offset_ms.size() + k);
  }
  std::uint64_t breaches(std::size_t m, std::size_t k) const { return breaches_[m][k]; }
  std::uint64_t met(std::size_t m) const { return met_[m]; }
  const std::vector<std::int64_t>& duration_bounds_ms() const { return bounds_ms_; }
  // Per-bucket (non-cumulative, +Inf last) counts and the sum of milestone m's durations.
  std::vector<std::uint64_t> duration_buckets(std::size_t m, std::uint16_t combo) const;
  std::int64_t duration_sum_ms(std::size_t m, std::uint16_t combo) const {
    return at(duration_sum_[m], combo);
  }
  std::size_t memory_bytes() const;

 private:
  // 9 bytes per record and milestone, packed (a record's clocks are one cache miss, not two);
  // the key lives in the index entry.
  struct [[gnu::packed]] Clock {
    std::uint32_t chunk = MilestoneIndex::kNoChunk;  // in running (or paused: sla, paused)
    // Running or a promise: start - first_seen (saturating, ~49 days). Paused sla: the counted
    // time (saturating). Done: the counted time at the stop.
    std::uint32_t aux = 0;
    std::uint8_t mark = 0;  // state (2 bits), tiers breached (6 bits)
  };
  static_assert(sizeof(Clock) == 9);
  // mark: state (bits 0-1), tiers breached (bits 2-6, at most 31), late (bit 7).
  static constexpr std::uint8_t kLate = 0x80;
  static constexpr std::size_t kMaxBreached = 31;
  static State state_of(std::uint8_t mark) { return static_cast<State>(mark & 3u); }
  static std::size_t breached_of(std::uint8_t mark) { return (mark >> 2) & kMaxBreached; }
  static bool late_of(std::uint8_t mark) { return (mark & kLate) != 0; }
  // A late clock's wait: for the arriving events to pass the deadline of `tier` (`due`, on the
  // milestone's axis), or parked (every tier past as of W confirmed) until they catch up with W.
  struct LateClock {
    std::int64_t due = 0;
    std::int64_t key = 0;  // the index key it was late with (a moved clock is another wait)
    std::uint32_t idx = 0;
    std::uint8_t tier = 0;
  };
  struct Book {
    MilestoneIndex running, paused;
    std::vector<std::int64_t> cutoff;     // [tier], on the milestone's axis
    std::vector<LateClock> late, parked;  // late: a min-heap by due
  };
  static constexpr std::int64_t kNoCutoff = std::numeric_limits<std::int64_t>::min();
  static constexpr std::uint32_t kSaturated = 0xFFFFFFFFu;
  static std::int64_t at(const std::vector<std::int64_t>& v, std::size_t i) {
    return i < v.size() ? v[i] : 0;
  }
  static void add(std::vector<std::int64_t>& v, std::size_t i, std::int64_t d) {
    if (i >= v.size()) v.resize(i + 1, 0);
    v[i] += d;
  }
  static std::uint32_t clamp32(std::int64_t v) {
    return static_cast<std::uint32_t>(v < 0 ? 0 : v > kSaturated ? kSaturated : v);
  }

  std::size_t at_slot(std::uint32_t idx, std::size_t m) const {
    return static_cast<std::size_t>(idx) * specs_.size() + m;
  }
  void fit(std::uint32_t idx);
  // t on milestone m's axis: the wall clock, or the calendar's open time since origin_.
  std::int64_t axis(std::size_t m, std::int64_t t) const;
  std::int64_t started(const ClockOwner& o, const Clock& c) const {
    return o.first_seen_ms + static_cast<std::int64_t>(c.aux);
  }
  bool key_of(std::uint32_t idx, std::size_t m, std::int64_t* key) const;
  std::size_t past_running(std::size_t m, std::int64_t key) const;
  std::size_t past_paused(std::size_t m, std::uint32_t counted) const;
  void set_state(std::size_t i, State s) {
    clocks_[i].mark = static_cast<std::uint8_t>((clocks_[i].mark & ~3u) | static_cast<unsigned>(s));
  }
  void count_overdue(std::size_t m, std::uint16_t combo, std::size_t tiers, std::int64_t d);
  // Whether the arriving events are at W (no clock is late then).
  bool caught_up() const { return horizon_ >= w_; }
  void hold_late(std::size_t m, std::uint32_t idx, std::int64_t key);
  bool still_late(std::size_t m, const LateClock& e) const;
  void settle_parked(std::size_t m);
  void breach_through(std::size_t m, std::size_t slot, std::size_t tiers);
  void insert_running(const ClockOwner& o, std::size_t m, std::int64_t key);
  bool take(const ClockOwner& o, std::size_t m, std::int64_t* key);
  void observe(std::size_t m, std::uint16_t combo, std::int64_t counted);
  void start(const ClockOwner& o, std::size_t m, std::int64_t t, bool paused);
  void stop(const ClockOwner& o, std::size_t m, std::int64_t t);
  void pause(const ClockOwner& o, std::size_t m, std::int64_t t);
  void resume(const ClockOwner& o, std::size_t m, std::int64_t t);

  // [from + 1][to]: whether the change can move a clock of some milestone.
  std::vector<std::vector<bool>> moves_clock_;
  std::vector<MilestoneSpec> specs_;
  std::vector<std::int64_t> bounds_ms_;
  ComboOf combo_of_;
  std::vector<Book> books_;                  // [milestone]
  std::vector<Clock> clocks_;                // [idx * milestones + m]
  mutable std::int64_t origin_ = kNoCutoff;  // the calendar axes' zero, fixed at first use
  std::int64_t w_ = kNoCutoff;               // W as of the last move_to
  std::int64_t horizon_ = std::numeric_limits<std::int64_t>::max();  // of the last confirm_late
  bool confirming_ = false;  // confirm_late was called: clocks past a tier on arrival wait
  // Promise deadlines seen before the clock started (rare: an event before the `from` status).
  std::unordered_map<std::uint64_t, std::int64_t> early_deadline_;
  std::vector<std::vector<std::int64_t>> in_progress_, paused_, without_;  // [m][combo]
  std::vector<std::vector<std::int64_t>> overdue_;                         // [m][combo*T+k]
  std::vector<std::vector<std::uint64_t>> breaches_;                       // [m][tier]
  std::vector<std::uint64_t> met_;                                         // [m]
  std::vector<std::vector<std::int64_t>> duration_count_;                  // [m][combo*(B+1)+b]
  std::vector<std::vector<std::int64_t>> duration_sum_;                    // [m][combo]
};

template <typename F>
void MilestoneBook::for_each_overdue(std::size_t m, std::size_t k, const Position* after,
                                     F&& f) const {
  const Book& b = books_[m];
  if (after == nullptr || after->part == 0) {
    const std::int64_t cut = b.cutoff[k];
    if (cut != kNoCutoff) {
      auto w = after ? b.running.walk_after(IndexEntry{after->key, after->idx}) : b.running.walk();
      for (; !w.done(); w.next()) {
        const IndexEntry e = w.entry();
        if (e.t > cut) break;
        if (late_of(clocks_[at_slot(e.idx, m)].mark)) continue;  // not overdue yet
        if (!f(e.idx, Position{0, e.t, e.idx})) return;
      }
    }
  }
  if (specs_[m].promise) return;  // a paused promise stays in `running`
  auto w = after && after->part == 1 ? b.paused.walk_after(IndexEntry{after->key, after->idx})
                                     : b.paused.walk();
  for (; !w.done(); w.next()) {
    const IndexEntry e = w.entry();
    const Clock& c = clocks_[at_slot(e.idx, m)];
    if (static_cast<std::int64_t>(c.aux) < specs_[m].offset_ms[k]) continue;
    if (!f(e.idx, Position{1, e.t, e.idx})) return;
  }
}

}  // namespace orderwatch::tracking
