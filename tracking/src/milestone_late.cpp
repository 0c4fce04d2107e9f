// MilestoneBook's late clocks (milestones.h, confirm_late): clocks that started, resumed or got
// their deadline already past a tier as of W while the arriving events trailed W, held until
// those events confirm them. Called by insert_running (a clock entering its index) and by the
// tracker's tick (tracker_tick.cpp) with Watermark::horizon.
#include <algorithm>

#include "milestones.h"

namespace orderwatch::tracking {

namespace {

bool later(const auto& a, const auto& b) { return a.due > b.due; }

}  // namespace

// Clock slot `idx`/m entered its index with `key`, past a tier as of W: its first tier waits
// for the arriving events (judged at the next tick: this very arrival may hold them back).
void MilestoneBook::hold_late(std::size_t m, std::uint32_t idx, std::int64_t key) {
  const std::size_t i = at_slot(idx, m);
  clocks_[i].mark = static_cast<std::uint8_t>(clocks_[i].mark | kLate);
  Book& b = books_[m];
  b.late.push_back(LateClock{key + specs_[m].offset_ms[0], key, idx, 0});
  std::push_heap(b.late.begin(), b.late.end(), later<LateClock, LateClock>);
}

// Still the late clock the wait was made for: running (a promise: paused too), late, same key.
bool MilestoneBook::still_late(std::size_t m, const LateClock& e) const {
  const std::size_t i = at_slot(e.idx, m);
  if (i >= clocks_.size() || !late_of(clocks_[i].mark)) return false;
  const State s = state_of(clocks_[i].mark);
  if (s != State::kRunning && !(s == State::kPaused && specs_[m].promise)) return false;
  std::int64_t key = 0;
  return key_of(e.idx, m, &key) && key == e.key;
}

// The arriving events caught up with W: each parked clock counts as any other from now on.
void MilestoneBook::settle_parked(std::size_t m) {
  std::vector<LateClock> parked;
  parked.swap(books_[m].parked);
  for (const LateClock& e : parked) {
    if (!still_late(m, e)) continue;
    const std::size_t i = at_slot(e.idx, m);
    clocks_[i].mark = static_cast<std::uint8_t>(clocks_[i].mark & ~kLate);
    const std::size_t past = past_running(m, e.key);
    count_overdue(m, combo_of_(e.idx), past, +1);
    breach_through(m, i, past);
  }
}

void MilestoneBook::confirm_late(std::int64_t horizon) {
  horizon_ = horizon;
  confirming_ = true;
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    Book& b = books_[m];
    if (b.late.empty() && b.parked.empty()) continue;
    const auto& off = specs_[m].offset_ms;
    const std::int64_t h = specs_[m].promise ? horizon : axis(m, horizon);
    while (!b.late.empty() && b.late.front().due <= h) {
      std::pop_heap(b.late.begin(), b.late.end(), later<LateClock, LateClock>);
      LateClock e = b.late.back();
      b.late.pop_back();
      if (!still_late(m, e)) continue;
      breach_through(m, at_slot(e.idx, m), std::size_t{e.tier} + 1u);  // it ran past tier
      const std::size_t next = std::size_t{e.tier} + 1u;
      if (next < off.size() && b.cutoff[next] != kNoCutoff && e.key <= b.cutoff[next]) {
        e.tier = static_cast<std::uint8_t>(next);
        e.due = e.key + off[next];
        b.late.push_back(e);
        std::push_heap(b.late.begin(), b.late.end(), later<LateClock, LateClock>);
      } else {
        b.parked.push_back(e);
      }
    }
    if (caught_up()) settle_parked(m);
    // Waits of clocks that moved on pile up while behind for long: drop them now and then.
    if (b.late.size() + b.parked.size() > 2 * (b.running.size() + 512)) {
      std::erase_if(b.late, [&](const LateClock& e) { return !still_late(m, e); });
      std::make_heap(b.late.begin(), b.late.end(), later<LateClock, LateClock>);
      std::erase_if(b.parked, [&](const LateClock& e) { return !still_late(m, e); });
    }
  }
}

std::size_t MilestoneBook::late_clocks() const {
  std::size_t n = 0;
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    for (const auto* list : {&books_[m].late, &books_[m].parked}) {
      for (const LateClock& e : *list) n += still_late(m, e) ? 1 : 0;
    }
  }
  return n;
}

}  // namespace orderwatch::tracking
