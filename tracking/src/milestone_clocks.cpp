// MilestoneBook's clock transitions (milestones.h): a status change starting, pausing,
// resuming or stopping each milestone's clock, a promise moving, a record freed, W moving.
// Called by OrderTracker::Impl's event path (tracker_impl.h) and its tick (tracker_tick.cpp).
#include <algorithm>

#include "milestones.h"

namespace orderwatch::tracking {

void MilestoneBook::start(const ClockOwner& o, std::size_t m, std::int64_t t, bool paused) {
  const std::size_t i = at_slot(o.idx, m);
  clocks_[i] = Clock{MilestoneIndex::kNoChunk, clamp32(t - o.first_seen_ms),
                     static_cast<std::uint8_t>(State::kRunning)};
  add(in_progress_[m], o.combo, +1);
  if (!specs_[m].promise) {
    insert_running(o, m, axis(m, t));
  } else if (auto early = early_deadline_.find(static_cast<std::uint64_t>(o.idx) << 8 | m);
             early != early_deadline_.end()) {
    insert_running(o, m, early->second);
    early_deadline_.erase(early);
  } else {
    add(without_[m], o.combo, +1);
  }
  if (paused) pause(o, m, t);
}

// The clock stops at t: every tier it reached by then is a breach (once), else it met the
// milestone; its counted time is observed.
void MilestoneBook::stop(const ClockOwner& o, std::size_t m, std::int64_t t) {
  const MilestoneSpec& spec = specs_[m];
  const std::size_t i = at_slot(o.idx, m);
  Clock& c = clocks_[i];
  const State was = state_of(clocks_[i].mark);
  std::size_t reached = 0;
  std::int64_t key = 0, counted = 0;
  const bool keyed = take(o, m, &key);
  bool judged = true;  // a promise without a deadline is neither met nor breached
  if (was == State::kPaused && !spec.promise) {
    reached = past_paused(m, c.aux);
    counted = c.aux;
  } else {
    counted = spec.promise ? t - started(o, c) : axis(m, t) - key;
    if (keyed) {
      const std::int64_t at_t = spec.promise ? t : axis(m, t);
      while (reached < spec.offset_ms.size() && key <= at_t - spec.offset_ms[reached]) ++reached;
    } else {
      judged = false;
      add(without_[m], o.combo, -1);
    }
  }
  breach_through(m, i, reached);
  if (judged && breached_of(clocks_[i].mark) <= spec.met_tier) ++met_[m];
  if (was == State::kPaused) add(paused_[m], o.combo, -1);
  add(in_progress_[m], o.combo, -1);
  observe(m, o.combo, std::max<std::int64_t>(counted, 0));
  c.aux = clamp32(counted);
  set_state(i, State::kDone);
}

void MilestoneBook::pause(const ClockOwner& o, std::size_t m, std::int64_t t) {
  const std::size_t i = at_slot(o.idx, m);
  add(paused_[m], o.combo, +1);
  if (specs_[m].promise) {  // the deadline does not move: it stays where it is
    set_state(i, State::kPaused);
    return;
  }
  Clock& c = clocks_[i];
  const std::int64_t start = started(o, c);
  std::int64_t key = 0;
  if (!take(o, m, &key)) key = axis(m, t);  // still running: from `running` (always there)
  set_state(i, State::kPaused);
  c.aux = clamp32(axis(m, t) - key);
  const std::size_t past = past_paused(m, c.aux);
  breach_through(m, i, past);  // it ran past them before the pause
  c.chunk = books_[m].paused.insert(IndexEntry{start, o.idx, o.combo});
  count_overdue(m, o.combo, past, +1);
}

void MilestoneBook::resume(const ClockOwner& o, std::size_t m, std::int64_t t) {
  const std::size_t i = at_slot(o.idx, m);
  add(paused_[m], o.combo, -1);
  if (specs_[m].promise) {
    set_state(i, State::kRunning);
    return;
  }
  Clock& c = clocks_[i];
  std::int64_t start = 0;
  const std::int64_t counted = c.aux;
  take(o, m, &start);
  set_state(i, State::kRunning);
  c.aux = clamp32(start - o.first_seen_ms);
  insert_running(o, m, axis(m, t) - counted);
}

void MilestoneBook::status_changed(const ClockOwner& o, int from, int to, std::int64_t t) {
  if (!moves_clock_[static_cast<std::size_t>(from + 1)][static_cast<std::size_t>(to)]) return;
  const bool first_sight = from < 0;
  fit(o.idx);
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const auto now = specs_[m].role[static_cast<std::size_t>(to)];
    switch (state_of(clocks_[at_slot(o.idx, m)].mark)) {
      case State::kNotStarted:
        if (now == MilestoneSpec::kFrom) {
          start(o, m, t, false);
        } else if (first_sight && (now == MilestoneSpec::kInside || now == MilestoneSpec::kPause)) {
          start(o, m, t, now == MilestoneSpec::kPause);  // entered a `from` status unseen
        }
        break;
      case State::kRunning:
        if (now == MilestoneSpec::kUntil) {
          stop(o, m, t);
        } else if (now == MilestoneSpec::kPause) {
          pause(o, m, t);
        }
        break;
      case State::kPaused:
        if (now == MilestoneSpec::kUntil) {
          stop(o, m, t);
        } else if (now != MilestoneSpec::kPause) {
          resume(o, m, t);
        }
        break;
      case State::kDone:
        break;
    }
  }
}

void MilestoneBook::adopt(const ClockOwner& o, std::size_t m, int status, std::int64_t entered) {
  fit(o.idx);
  if (state_of(clocks_[at_slot(o.idx, m)].mark) != State::kNotStarted) return;
  switch (specs_[m].role[static_cast<std::size_t>(status)]) {
    case MilestoneSpec::kFrom:
      start(o, m, entered, false);
      break;
    case MilestoneSpec::kInside:
      start(o, m, o.first_seen_ms, false);
      break;
    case MilestoneSpec::kPause:
      start(o, m, o.first_seen_ms, false);
      pause(o, m, std::max(entered, o.first_seen_ms));
      break;
    default:
      break;
  }
}

void MilestoneBook::deadline_seen(const ClockOwner& o, std::size_t m, std::int64_t deadline) {
  if (!specs_[m].promise) return;
  fit(o.idx);
  const std::size_t i = at_slot(o.idx, m);
  const State s = state_of(clocks_[i].mark);
  if (s == State::kNotStarted) {
    early_deadline_[static_cast<std::uint64_t>(o.idx) << 8 | m] = deadline;
    return;
  }
  if (s == State::kDone) return;
  std::int64_t key = 0;
  if (key_of(o.idx, m, &key) && key == deadline) return;  // the same promise again
  if (!take(o, m, &key)) {
    add(without_[m], o.combo, -1);
  }
  insert_running(o, m, deadline);
}

void MilestoneBook::release(const ClockOwner& o) {
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    if (!early_deadline_.empty()) early_deadline_.erase(static_cast<std::uint64_t>(o.idx) << 8 | m);
    const std::size_t i = at_slot(o.idx, m);
    if (i >= clocks_.size()) continue;
    const State s = state_of(clocks_[i].mark);
    if (s == State::kRunning || s == State::kPaused) {
      std::int64_t key = 0;
      if (!take(o, m, &key) && specs_[m].promise) {
        add(without_[m], o.combo, -1);
      }
      if (s == State::kPaused) add(paused_[m], o.combo, -1);
      add(in_progress_[m], o.combo, -1);
    }
    clocks_[i] = Clock{};
  }
}

void MilestoneBook::prefetch_chunks(std::uint32_t idx, int from, int to) const {
  if (!moves_clock_[static_cast<std::size_t>(from + 1)][static_cast<std::size_t>(to)]) return;
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const std::size_t i = at_slot(idx, m);
    if (i >= clocks_.size() || clocks_[i].chunk == MilestoneIndex::kNoChunk) continue;
    const bool paused = state_of(clocks_[i].mark) == State::kPaused && !specs_[m].promise;
    (paused ? books_[m].paused : books_[m].running).prefetch(clocks_[i].chunk);
  }
}

void MilestoneBook::move_to(std::int64_t w) {
  w_ = w;
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    Book& b = books_[m];
    const auto& off = specs_[m].offset_ms;
    const std::size_t tiers = off.size();
    const std::int64_t aw = specs_[m].promise ? w : axis(m, w);
    for (std::size_t k = 0; k < tiers; ++k) {
      const std::int64_t next = w == kNoCutoff ? kNoCutoff : aw - off[k];
      const std::int64_t prev = b.cutoff[k];
      if (next > prev) {
        b.running.for_each_in(prev, next, [&](const IndexEntry& e) {
          const std::size_t i = at_slot(e.idx, m);
          if (late_of(clocks_[i].mark)) return;  // its confirmation counts it
          add(overdue_[m], combo_of_(e.idx) * tiers + k, +1);
          if (breached_of(clocks_[i].mark) <= k) breach_through(m, i, k + 1);
        });
      } else if (next < prev) {
        b.running.for_each_in(next, prev, [&](const IndexEntry& e) {
          if (late_of(clocks_[at_slot(e.idx, m)].mark)) return;  // never counted
          add(overdue_[m], combo_of_(e.idx) * tiers + k, -1);
        });
      }
      b.cutoff[k] = next;
    }
  }
}

}  // namespace orderwatch::tracking
