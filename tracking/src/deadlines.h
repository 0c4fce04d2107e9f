// Private: the deadline model of the statuses -- when a stay is past each tier, judged as of
// the watermark W. Every piece of deadline logic lives here (thresholds, the inversion to
// cutoffs, "tiers past", moving the cutoffs with W, the breach judgement of a finished stay),
// so a new kind of deadline changes this file only.
//
// Contract: the deadline of tier k of a stay is a function of its entry time, non-decreasing
// in it, and non-decreasing in k. Two kinds today:
// - wall clock: deadline_k(entered) = entered + threshold_k;
// - a business calendar (a status with `calendar`: open time, or a cut-off plus `late_by`):
//   calendar::CalendarDeadline, whose inverse is exact to the millisecond.
// A stay is past tier k as of W iff deadline_k(entered) <= W, which by monotonicity is entered
// <= cutoff_k where cutoff_k is the latest entry time whose deadline is <= W (the inversion;
// W - threshold_k on the wall clock). Past tier k implies past every earlier tier. The status
// index ordered by entry time therefore serves every kind: a tick visits only the stays whose
// entry time lies between a tier's old and new cutoff.
// Cost: O(1) per tier on the wall clock; a calendar's deadline or inversion costs 12-36 ns
// (bench/calendar_bench), paid per tier per tick and per leaving stay; no allocation after
// construction. Not thread-safe: owned by OrderTracker::Impl under the service's lock (the
// calendars it shares are immutable and thread-safe). Design: docs/design.md, "tracking:
// order state, deadlines and the watermark".
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "orderwatch/calendar/deadline.h"
#include "orderwatch/sla/calendars.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::tracking {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();

// The deadlines of one status: its tiers (config order) and where W has put each tier's cutoff.
class StatusDeadlines {
 public:
  // A wall-clock status: tier k is due threshold_ms[k] after entry.
  explicit StatusDeadlines(std::vector<std::int64_t> thresholds_ms)
      : threshold_ms_(std::move(thresholds_ms)), cutoff_(threshold_ms_.size(), kNever) {}
  // A calendar status: tier k is due at calendar[k].deadline(entered); thresholds_ms[k] is its
  // configured open time (`after`, or a cut-off's `late_by`), what snapshots record.
  StatusDeadlines(std::vector<std::int64_t> thresholds_ms,
                  std::vector<calendar::CalendarDeadline> calendar)
      : threshold_ms_(std::move(thresholds_ms)),
        calendar_(std::move(calendar)),
        cutoff_(threshold_ms_.size(), kNever) {}

  std::size_t tiers() const { return threshold_ms_.size(); }
  // The configured "after" of tier k (what snapshots record for it).
  std::int64_t threshold_ms(std::size_t k) const { return threshold_ms_[k]; }
  // Whether the tiers count a business calendar's time (then calendar_tier(k) is defined).
  bool on_calendar() const { return !calendar_.empty(); }
  const calendar::CalendarDeadline& calendar_tier(std::size_t k) const { return calendar_[k]; }
  // Past tier k as of W iff entered <= cutoff(k); kNever before W has a position.
  std::int64_t cutoff(std::size_t k) const { return cutoff_[k]; }

  // The deadline of tier k for a stay that began at `entered` (calendar::kNoDeadline: none
  // within 366 days, which the config check refuses).
  std::int64_t deadline(std::int64_t entered, std::size_t k) const {
    if (on_calendar()) return calendar_[k].deadline(entered);
    return entered + threshold_ms_[k];
  }
  bool past(std::int64_t entered, std::size_t k) const { return entered <= cutoff_[k]; }
  // How many tiers a stay that began at `entered` is past as of W (cutoffs fall as tiers rise:
  // once one is not crossed, later ones are not).
  std::size_t tiers_past(std::int64_t entered) const {
    std::size_t k = 0;
    while (k < cutoff_.size() && entered <= cutoff_[k]) ++k;
    return k;
  }
  // The breach judgement of a finished stay: it ran past tier k's deadline before it left.
  bool ran_past(std::int64_t entered, std::int64_t left, std::size_t k) const {
    if (on_calendar()) return calendar_[k].ran_past(entered, left);
    return left - entered >= threshold_ms_[k];
  }

  // The wall clock's inversion: the latest entry time whose deadline `threshold_ms` after it
  // is <= w. False when it does not fit in 64 bits (only a crafted snapshot gets there).
  static bool invert(std::int64_t w, std::int64_t threshold_ms, std::int64_t* cutoff) {
    return !__builtin_sub_overflow(w, threshold_ms, cutoff);
  }
  // The inversion of tier k: the latest entry time whose deadline is <= w.
  std::int64_t cutoff_at(std::int64_t w, std::size_t k) const {
    if (on_calendar()) return calendar_[k].latest_entry_due_by(w);
    return w - threshold_ms_[k];
  }
  // Where a snapshot's writer, at W = w with tier k's threshold `writer_threshold_ms`, had put
  // that tier's cutoff (what it had counted as crossed). A calendar status is inverted with the
  // current calendar: snapshots do not record calendars (a changed one counts what it newly
  // puts past as a late stay, confirmed by the next tick). False on overflow.
  bool writer_cutoff(std::int64_t w, std::size_t k, std::int64_t writer_threshold_ms,
                     std::int64_t* cutoff) const {
    if (on_calendar()) {
      *cutoff = calendar_[k].latest_entry_due_by(w);
      return true;
    }
    return invert(w, writer_threshold_ms, cutoff);
  }

  // Moves every tier's cutoff to W = w. For each tier whose cutoff rises, crossed(k, lo, hi)
  // is called first: the stays with lo < entered <= hi became past tier k. For each one whose
  // cutoff falls (a wall clock that stepped back), uncrossed(k, lo, hi): those stopped being.
  template <typename Crossed, typename Uncrossed>
  void move_to(std::int64_t w, Crossed&& crossed, Uncrossed&& uncrossed) {
    for (std::size_t k = 0; k < cutoff_.size(); ++k) {
      const std::int64_t next = cutoff_at(w, k);
      if (next > cutoff_[k]) {
        crossed(k, cutoff_[k], next);
      } else if (next < cutoff_[k]) {
        uncrossed(k, next, cutoff_[k]);
      }
      cutoff_[k] = next;
    }
  }
  // Puts the cutoffs at W = w without visiting any stay (a loaded state, counted as of w);
  // w == kNever: no position. False on overflow (see invert()).
  bool set_position(std::int64_t w) {
    for (std::size_t k = 0; k < cutoff_.size(); ++k) {
      if (w == kNever) {
        cutoff_[k] = kNever;
      } else if (on_calendar()) {
        cutoff_[k] = calendar_[k].latest_entry_due_by(w);
      } else if (!invert(w, threshold_ms_[k], &cutoff_[k])) {
        return false;
      }
    }
    return true;
  }

 private:
  std::vector<std::int64_t> threshold_ms_;            // [tier]
  std::vector<calendar::CalendarDeadline> calendar_;  // [tier], or empty: the wall clock
  std::vector<std::int64_t> cutoff_;                  // [tier]
};

// The deadline model of every status of a config, indexed by status.
class DeadlineModel {
 public:
  explicit DeadlineModel(const sla::Config& cfg) {
    for (const auto& st : cfg.statuses) {
      std::vector<std::int64_t> t;
      for (const auto& tier : st.tiers) {
        t.push_back(st.cutoff ? tier.late_by.count() : tier.after.count());
      }
      max_tiers_ = std::max(max_tiers_, t.size());
      auto calendar = sla::tier_deadlines(cfg, st);
      if (calendar.empty()) {
        statuses_.emplace_back(std::move(t));
      } else {
        statuses_.emplace_back(std::move(t), std::move(calendar));
      }
    }
  }
  std::size_t statuses() const { return statuses_.size(); }
  // The most tiers of any status (>= 1): the stride of per-tier counters.
  std::size_t max_tiers() const { return max_tiers_; }
  StatusDeadlines& operator[](std::size_t s) { return statuses_[s]; }
  const StatusDeadlines& operator[](std::size_t s) const { return statuses_[s]; }

 private:
  std::vector<StatusDeadlines> statuses_;
  std::size_t max_tiers_ = 1;
};

}  // namespace orderwatch::tracking
