// MilestoneBook (milestones.h): the clocks of every order's milestones -- start, pause, resume,
// stop, a promise's deadline moving -- their index by key, and the tick that counts the tiers
// W crossed. Not wired into OrderTracker yet (issue 25 in progress); tests/tracking drives it
// against a brute-force reference.
#include "milestones.h"

#include <algorithm>

namespace orderwatch::tracking {

std::vector<MilestoneSpec> milestone_specs(const sla::Config& config) {
  std::vector<MilestoneSpec> out;
  for (const auto& ms : config.milestones) {
    MilestoneSpec spec;
    for (std::size_t s = 0; s < config.statuses.size(); ++s) {
      spec.role.push_back(static_cast<MilestoneSpec::Role>(ms.role(s)));
    }
    spec.promise = ms.has_deadline_field();
    for (const auto& tier : ms.tiers) spec.offset_ms.push_back(tier.after.count());
    spec.met_tier = spec.promise ? ms.tiers.size() - 1 : 0;
    out.push_back(std::move(spec));
  }
  return out;
}

MilestoneBook::MilestoneBook(std::vector<MilestoneSpec> specs)
    : specs_(std::move(specs)),
      books_(specs_.size()),
      in_progress_(specs_.size()),
      paused_(specs_.size()),
      without_(specs_.size()),
      overdue_(specs_.size()),
      breaches_(specs_.size()),
      met_(specs_.size(), 0) {
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const std::size_t n = specs_.size();
    auto relocated = [this, m, n](std::uint32_t idx, StatusIndex::ChunkId c) {
      slots_[idx * n + m].chunk = c;
    };
    books_[m].running = StatusIndex(relocated);
    books_[m].paused = StatusIndex(relocated);
    books_[m].cutoff.assign(specs_[m].offset_ms.size(), kNoCutoff);
    breaches_[m].assign(specs_[m].offset_ms.size(), 0);
  }
}

MilestoneBook::Slot& MilestoneBook::slot(std::uint32_t idx, std::size_t m) {
  const std::size_t i = static_cast<std::size_t>(idx) * specs_.size() + m;
  if (i >= slots_.size()) slots_.resize(std::max(i + 1, slots_.size() * 2));
  return slots_[i];
}

bool MilestoneBook::key_of(const Slot& s, std::size_t m, std::int64_t* key) const {
  if (s.chunk == StatusIndex::kNoChunk) return false;
  const std::uint32_t idx = static_cast<std::uint32_t>((&s - slots_.data()) / specs_.size());
  const bool paused = s.state == State::kPaused && !specs_[m].promise;
  return (paused ? books_[m].paused : books_[m].running).key_in_chunk(s.chunk, idx, key);
}

std::size_t MilestoneBook::past_running(std::size_t m, std::int64_t key) const {
  const auto& cut = books_[m].cutoff;
  std::size_t k = 0;
  while (k < cut.size() && cut[k] != kNoCutoff && key <= cut[k]) ++k;
  return k;
}

std::size_t MilestoneBook::past_paused(std::size_t m, std::uint32_t counted) const {
  const auto& off = specs_[m].offset_ms;
  std::size_t k = 0;
  while (k < off.size() && static_cast<std::int64_t>(counted) >= off[k]) ++k;
  return k;
}

void MilestoneBook::count_overdue(std::size_t m, const Slot& s, std::size_t tiers, std::int64_t d) {
  const std::size_t t = specs_[m].offset_ms.size();
  for (std::size_t k = 0; k < tiers; ++k) add(overdue_[m], s.combo * t + k, d);
}

void MilestoneBook::breach_through(std::size_t m, Slot& s, std::size_t tiers) {
  for (std::size_t k = s.breached; k < tiers; ++k) ++breaches_[m][k];
  s.breached = static_cast<std::uint8_t>(std::max<std::size_t>(s.breached, tiers));
}

void MilestoneBook::insert_running(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t key) {
  s.chunk = books_[m].running.insert(IndexEntry{key, idx, s.combo});
  // Already past a tier as of W (a backdated start or a promise moved earlier): counted now.
  const std::size_t past = past_running(m, key);
  count_overdue(m, s, past, +1);
  breach_through(m, s, past);
}

// Out of its index, its overdue counts undone.
void MilestoneBook::remove(std::uint32_t idx, std::size_t m, Slot& s) {
  std::int64_t key = 0;
  if (key_of(s, m, &key)) remove_known(idx, m, s, key);
  s.chunk = StatusIndex::kNoChunk;
}

// remove() when the caller has read the key already (one chunk scan, not two).
void MilestoneBook::remove_known(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t key) {
  const bool paused = s.state == State::kPaused && !specs_[m].promise;
  StatusIndex& index = paused ? books_[m].paused : books_[m].running;
  count_overdue(m, s, paused ? past_paused(m, s.counted_ms) : past_running(m, key), -1);
  index.erase(IndexEntry{key, idx}, s.chunk);
  s.chunk = StatusIndex::kNoChunk;
}

void MilestoneBook::start(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t) {
  s.state = State::kRunning;
  s.breached = 0;
  add(in_progress_[m], s.combo, +1);
  if (!specs_[m].promise) {
    insert_running(idx, m, s, t);
    return;
  }
  const auto early = early_deadline_.find(static_cast<std::uint64_t>(idx) << 8 | m);
  if (early == early_deadline_.end()) {
    add(without_[m], s.combo, +1);
    return;
  }
  insert_running(idx, m, s, early->second);
  early_deadline_.erase(early);
}

// The clock stops at t: every tier it reached by then is a breach (once), else it met the
// milestone.
void MilestoneBook::stop(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t) {
  const MilestoneSpec& spec = specs_[m];
  std::size_t reached = 0;
  std::int64_t key = 0;
  const bool keyed = key_of(s, m, &key);
  bool judged = true;  // a promise without a deadline is neither met nor breached
  if (s.state == State::kPaused && !spec.promise) {
    reached = past_paused(m, s.counted_ms);
  } else if (keyed) {
    while (reached < spec.offset_ms.size() && key <= t - spec.offset_ms[reached]) ++reached;
  } else {
    judged = false;
    add(without_[m], s.combo, -1);
  }
  if (keyed) remove_known(idx, m, s, key);
  breach_through(m, s, reached);
  if (judged && s.breached <= spec.met_tier) ++met_[m];
  if (s.state == State::kPaused) add(paused_[m], s.combo, -1);
  add(in_progress_[m], s.combo, -1);
  s.state = State::kDone;
}

void MilestoneBook::pause(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t) {
  add(paused_[m], s.combo, +1);
  if (specs_[m].promise) {
    s.state = State::kPaused;  // the deadline does not move: it stays where it is
    return;
  }
  std::int64_t key = 0;
  if (key_of(s, m, &key)) remove_known(idx, m, s, key);
  const std::int64_t counted = std::clamp<std::int64_t>(t - key, 0, 0xFFFFFFFFLL);
  s.counted_ms = static_cast<std::uint32_t>(counted);
  s.state = State::kPaused;
  const std::size_t past = past_paused(m, s.counted_ms);
  breach_through(m, s, past);  // it ran past them before the pause
  s.chunk = books_[m].paused.insert(IndexEntry{key, idx, s.combo});
  count_overdue(m, s, past, +1);
}

void MilestoneBook::resume(std::uint32_t idx, std::size_t m, Slot& s, std::int64_t t) {
  add(paused_[m], s.combo, -1);
  if (specs_[m].promise) {
    s.state = State::kRunning;
    return;
  }
  remove(idx, m, s);
  s.state = State::kRunning;
  insert_running(idx, m, s, t - static_cast<std::int64_t>(s.counted_ms));
  s.counted_ms = 0;
}

void MilestoneBook::status_changed(std::uint32_t idx, std::uint16_t combo, int to, std::int64_t t) {
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const auto& role = specs_[m].role;
    const auto now = role[static_cast<std::size_t>(to)];
    Slot& s = slot(idx, m);
    switch (s.state) {
      case State::kNotStarted:
        if (now == MilestoneSpec::kFrom) {
          s.combo = combo;
          start(idx, m, s, t);
        }
        break;
      case State::kRunning:
        if (now == MilestoneSpec::kUntil) {
          stop(idx, m, s, t);
        } else if (now == MilestoneSpec::kPause) {
          pause(idx, m, s, t);
        }
        break;
      case State::kPaused:
        if (now == MilestoneSpec::kUntil) {
          stop(idx, m, s, t);
        } else if (now != MilestoneSpec::kPause) {
          resume(idx, m, s, t);
        }
        break;
      case State::kDone:
        break;
    }
  }
}

void MilestoneBook::deadline_seen(std::uint32_t idx, std::size_t m, std::int64_t deadline) {
  if (!specs_[m].promise) return;
  Slot& s = slot(idx, m);
  if (s.state == State::kNotStarted) {
    early_deadline_[static_cast<std::uint64_t>(idx) << 8 | m] = deadline;
    return;
  }
  if (s.state == State::kDone) return;
  if (s.chunk == StatusIndex::kNoChunk) {
    add(without_[m], s.combo, -1);
  } else {
    remove(idx, m, s);
  }
  insert_running(idx, m, s, deadline);
}

void MilestoneBook::release(std::uint32_t idx) {
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    early_deadline_.erase(static_cast<std::uint64_t>(idx) << 8 | m);
    const std::size_t i = static_cast<std::size_t>(idx) * specs_.size() + m;
    if (i >= slots_.size()) continue;
    Slot& s = slots_[i];
    if (s.state == State::kRunning || s.state == State::kPaused) {
      if (s.chunk == StatusIndex::kNoChunk && specs_[m].promise) add(without_[m], s.combo, -1);
      remove(idx, m, s);
      if (s.state == State::kPaused) add(paused_[m], s.combo, -1);
      add(in_progress_[m], s.combo, -1);
    }
    s = Slot{};
  }
}

void MilestoneBook::move_to(std::int64_t w) {
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    Book& b = books_[m];
    const auto& off = specs_[m].offset_ms;
    const std::size_t tiers = off.size();
    for (std::size_t k = 0; k < tiers; ++k) {
      const std::int64_t next = w == kNoCutoff ? kNoCutoff : w - off[k];
      const std::int64_t prev = b.cutoff[k];
      if (next > prev) {
        b.running.for_each_in(prev, next, [&](const IndexEntry& e) {
          add(overdue_[m], e.combo * tiers + k, +1);
          Slot& s = slots_[static_cast<std::size_t>(e.idx) * specs_.size() + m];
          if (s.breached <= k) breach_through(m, s, k + 1);
        });
      } else if (next < prev) {
        b.running.for_each_in(
            next, prev, [&](const IndexEntry& e) { add(overdue_[m], e.combo * tiers + k, -1); });
      }
      b.cutoff[k] = next;
    }
  }
}

}  // namespace orderwatch::tracking
