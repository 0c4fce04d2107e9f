// Private: milestones -- promises that span statuses (issue 25, in progress: this book is not
// wired into OrderTracker yet; serve refuses milestone configs). A milestone's clock starts when
// an order first enters one of its `from` statuses, stops when it first reaches an `until` (or
// terminal) status, and does not run while the order sits in a `pause` status. Two kinds:
// - sla: tier k is due when the counted time (pauses excluded) reaches after_k;
// - promise (deadline_field): tier k is due warn_before (or 0) before the order's own deadline,
//   which the newest event carrying it sets; pauses do not move it.
//
// Index: per milestone, one StatusIndex keyed by `key` -- the effective start (start plus the
// paused time) of an sla milestone, the deadline of a promise -- so tier k is past as of W iff
// key <= W - offset_k, and a tick visits only the entries between a tier's old and new cutoff,
// as the status index does. Paused sla clocks leave it for a second index (same key, frozen
// counted time in the slot), where nothing crosses. A promise without a deadline is in no
// index and counted apart.
// Memory: a 12-byte slot per record and milestone plus ~12 bytes of index entry while running.
// Not thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "orderwatch/sla/config.h"
#include "status_index.h"

namespace orderwatch::tracking {

// What the book needs of one configured milestone.
struct MilestoneSpec {
  enum Role : std::uint8_t { kNone, kFrom, kUntil, kPause };
  std::vector<Role> role;  // [status]; the caller maps terminal statuses to kUntil
  bool promise = false;    // deadline_field: each order's own deadline
  // [tier], non-increasing cutoffs: tier k is past as of W iff key <= W - offset_ms[k]. An sla
  // milestone: its tiers' `after` (increasing); a promise: -warn_before, then 0.
  std::vector<std::int64_t> offset_ms;
  std::size_t met_tier = 0;  // a stay met the milestone if it stopped before this tier was due
};

// The specs of a config's milestones (sla::Config::milestones, in order). A calendar milestone's
// tiers are judged on the wall clock so far: serve refuses milestones until that is done.
std::vector<MilestoneSpec> milestone_specs(const sla::Config& config);

class MilestoneBook {
 public:
  enum class State : std::uint8_t { kNotStarted, kRunning, kPaused, kDone };
  explicit MilestoneBook(std::vector<MilestoneSpec> specs);
  // Its indexes call back into it (relocations): it stays where it was made.
  MilestoneBook(const MilestoneBook&) = delete;
  MilestoneBook& operator=(const MilestoneBook&) = delete;

  // The order in record idx (label set combo) entered status `to` at event time t (applied
  // status changes only, so t never goes back for one order).
  void status_changed(std::uint32_t idx, std::uint16_t combo, int to, std::int64_t t);
  // An event of the order carried promise milestone m's deadline (after status_changed for
  // the same event).
  void deadline_seen(std::uint32_t idx, std::size_t m, std::int64_t deadline);
  // Record idx is freed (finished, evicted, forgotten): its clocks end without a judgement and
  // the slot is clean for the next order.
  void release(std::uint32_t idx);
  // W moves to w: crossings counted (overdue, breaches), a step back uncounted.
  void move_to(std::int64_t w);

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

 private:
  // 12 bytes per record and milestone; the key lives in the index entry.
  struct Slot {
    std::uint32_t chunk = StatusIndex::kNoChunk;  // in running_ (or paused_ when paused, sla)
    std::uint32_t counted_ms = 0;  // a paused sla clock's counted time (saturating, ~49 days)
    State state = State::kNotStarted;
    std::uint8_t breached = 0;  // tiers counted
    std::uint16_t combo = 0;
  };
  struct Book {
    StatusIndex running, paused;
    std::vector<std::int64_t> cutoff;  // [tier]
  };
  static constexpr std::int64_t kNoCutoff = std::numeric_limits<std::int64_t>::min();
  static std::int64_t at(const std::vector<std::int64_t>& v, std::size_t i) {
    return i < v.size() ? v[i] : 0;
  }
  static void add(std::vector<std::int64_t>& v, std::size_t i, std::int64_t d) {
    if (i >= v.size()) v.resize(i + 1, 0);
    v[i] += d;
  }

  Slot& slot(std::uint32_t idx, std::size_t m);
  bool key_of(const Slot& s, std::size_t m, std::int64_t* key) const;
  std::size_t past_running(std::size_t m, std::int64_t key) const;
  std::size_t past_paused(std::size_t m, std::uint32_t counted) const;
  void count_overdue(std::size_t m, const Slot& s, std::size_t tiers, std::int64_t d);
  void breach_through(std::size_t m, Slot& s, std::size_t tiers);
  void insert_running(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t key);
  void remove(std::uint32_t idx, std::size_t m, Slot& s);
  void remove_known(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t key);
  void start(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t);
  void stop(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t);
  void pause(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t);
  void resume(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t);

  std::vector<MilestoneSpec> specs_;
  std::vector<Book> books_;  // [milestone]
  std::vector<Slot> slots_;  // [idx * milestones + m]
  // Promise deadlines seen before the clock started (rare: an event before the `from` status).
  std::unordered_map<std::uint64_t, std::int64_t> early_deadline_;
  std::vector<std::vector<std::int64_t>> in_progress_, paused_, without_;  // [m][combo]
  std::vector<std::vector<std::int64_t>> overdue_;                         // [m][combo*T+k]
  std::vector<std::vector<std::uint64_t>> breaches_;                       // [m][tier]
  std::vector<std::uint64_t> met_;                                         // [m]
};

}  // namespace orderwatch::tracking
