// MilestoneBook (milestones.h): the clocks of every order's milestones -- start, pause, resume,
// stop, a promise's deadline moving -- their index by key, the tick that counts the tiers W
// crossed, the drill-down view and the snapshot form of a clock. Called by OrderTracker::Impl
// (tracker_impl.h, tracker_tick.cpp, tracker_query.cpp, snapshot.cpp, snapshot_load.cpp).
#include "milestones.h"

#include <algorithm>

namespace orderwatch::tracking {

namespace {

std::vector<MilestoneSpec::Role> roles_of(const sla::Config& config, const sla::Milestone& ms) {
  // Inside: after the first `from` status and before the first `until` one after it, in
  // workflow order (a status past `until` is not inside, though the clock never stopped there).
  std::vector<MilestoneSpec::Role> role;
  std::size_t first_from = config.statuses.size();
  for (auto s : ms.from) first_from = std::min<std::size_t>(first_from, s);
  std::size_t first_until = config.statuses.size();
  for (std::size_t s = first_from; s < config.statuses.size(); ++s) {
    if (ms.role(s) == sla::MilestoneRole::kUntil) {
      first_until = s;
      break;
    }
  }
  for (std::size_t s = 0; s < config.statuses.size(); ++s) {
    auto r = static_cast<MilestoneSpec::Role>(ms.role(s));
    if (r == MilestoneSpec::kNone && s > first_from && s < first_until) r = MilestoneSpec::kInside;
    role.push_back(r);
  }
  return role;
}

}  // namespace

std::vector<MilestoneSpec> milestone_specs(const sla::Config& config) {
  std::vector<MilestoneSpec> out;
  for (const auto& ms : config.milestones) {
    MilestoneSpec spec;
    spec.role = roles_of(config, ms);
    spec.promise = ms.has_deadline_field();
    for (const auto& tier : ms.tiers) spec.offset_ms.push_back(tier.after.count());
    spec.met_tier = spec.promise ? ms.tiers.size() - 1 : 0;
    for (const auto& cal : config.calendars) {
      if (!ms.calendar.empty() && cal.name == ms.calendar) spec.calendar = cal.calendar;
    }
    out.push_back(std::move(spec));
  }
  return out;
}

MilestoneBook::MilestoneBook(std::vector<MilestoneSpec> specs,
                             std::vector<std::int64_t> duration_bounds_ms, ComboOf combo_of)
    : specs_(std::move(specs)),
      bounds_ms_(std::move(duration_bounds_ms)),
      combo_of_(std::move(combo_of)),
      books_(specs_.size()),
      in_progress_(specs_.size()),
      paused_(specs_.size()),
      without_(specs_.size()),
      overdue_(specs_.size()),
      breaches_(specs_.size()),
      met_(specs_.size(), 0),
      duration_count_(specs_.size()),
      duration_sum_(specs_.size()) {
  const std::size_t statuses = specs_.empty() ? 0 : specs_[0].role.size();
  moves_clock_.assign(statuses + 1, std::vector<bool>(statuses, false));
  for (std::size_t from = 0; from <= statuses; ++from) {
    for (std::size_t to = 0; to < statuses; ++to) {
      for (const auto& spec : specs_) {
        const auto r = spec.role[to];
        moves_clock_[from][to] = moves_clock_[from][to] || r == MilestoneSpec::kFrom ||
                                 r == MilestoneSpec::kUntil || r == MilestoneSpec::kPause ||
                                 (from == 0 && r == MilestoneSpec::kInside) ||
                                 (from > 0 && spec.role[from - 1] == MilestoneSpec::kPause);
      }
    }
  }
  for (std::size_t m = 0; m < specs_.size(); ++m) {
    const std::size_t n = specs_.size();
    auto relocated = [this, m, n](std::uint32_t idx, MilestoneIndex::ChunkId c) {
      clocks_[idx * n + m].chunk = c;
    };
    books_[m].running = MilestoneIndex(relocated);
    books_[m].paused = MilestoneIndex(relocated);
    books_[m].cutoff.assign(specs_[m].offset_ms.size(), kNoCutoff);
    breaches_[m].assign(specs_[m].offset_ms.size(), 0);
  }
}

void MilestoneBook::fit(std::uint32_t idx) {
  const std::size_t need = at_slot(idx, 0) + specs_.size();
  if (need <= clocks_.size()) return;
  // To the need only: the vectors' capacity grows geometrically, and the part not resized into
  // is never touched, so it costs address space, not memory.
  clocks_.resize(need);
}

std::int64_t MilestoneBook::axis(std::size_t m, std::int64_t t) const {
  const auto& cal = specs_[m].calendar;
  if (!cal || t == kNoCutoff) return t;
  if (origin_ == kNoCutoff) origin_ = t;
  return t >= origin_ ? cal->open_ms_between(origin_, t) : -cal->open_ms_between(t, origin_);
}

bool MilestoneBook::key_of(std::uint32_t idx, std::size_t m, std::int64_t* key) const {
  const std::size_t i = at_slot(idx, m);
  const Clock& c = clocks_[i];
  if (c.chunk == MilestoneIndex::kNoChunk) return false;
  const bool paused = state_of(clocks_[i].mark) == State::kPaused && !specs_[m].promise;
  return (paused ? books_[m].paused : books_[m].running).key_in_chunk(c.chunk, idx, key);
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

void MilestoneBook::count_overdue(std::size_t m, std::uint16_t combo, std::size_t tiers,
                                  std::int64_t d) {
  const std::size_t t = specs_[m].offset_ms.size();
  for (std::size_t k = 0; k < tiers; ++k) add(overdue_[m], combo * t + k, d);
}

void MilestoneBook::breach_through(std::size_t m, std::size_t slot, std::size_t tiers) {
  const std::size_t was = breached_of(clocks_[slot].mark);
  if (tiers <= was) return;
  for (std::size_t k = was; k < tiers; ++k) ++breaches_[m][k];
  clocks_[slot].mark = static_cast<std::uint8_t>((clocks_[slot].mark & (3u | kLate)) |
                                                 (std::min(tiers, kMaxBreached) << 2));
}

void MilestoneBook::insert_running(const ClockOwner& o, std::size_t m, std::int64_t key) {
  clocks_[at_slot(o.idx, m)].chunk = books_[m].running.insert(IndexEntry{key, o.idx, o.combo});
  // Already past a tier as of W (a backdated start or a promise moved earlier): late until the
  // arriving events confirm it (at the next tick when they are at W); counted now only by a
  // book nobody confirms (confirm_late never called).
  const std::size_t past = past_running(m, key);
  if (past == 0) return;
  if (confirming_) {
    hold_late(m, o.idx, key);
    return;
  }
  count_overdue(m, o.combo, past, +1);
  breach_through(m, at_slot(o.idx, m), past);
}

// Out of its index (running, or paused for a paused sla clock), its overdue counts undone; the
// key it had in *key. False: it was in none (a promise without a deadline).
bool MilestoneBook::take(const ClockOwner& o, std::size_t m, std::int64_t* key) {
  const std::size_t i = at_slot(o.idx, m);
  Clock& c = clocks_[i];
  if (c.chunk == MilestoneIndex::kNoChunk) return false;
  const bool paused = state_of(clocks_[i].mark) == State::kPaused && !specs_[m].promise;
  MilestoneIndex& index = paused ? books_[m].paused : books_[m].running;
  if (!index.take_from_chunk(c.chunk, o.idx, key)) return false;
  if (!late_of(c.mark)) {  // a late clock was never counted
    count_overdue(m, o.combo, paused ? past_paused(m, c.aux) : past_running(m, *key), -1);
  }
  c.mark = static_cast<std::uint8_t>(c.mark & ~kLate);
  c.chunk = MilestoneIndex::kNoChunk;
  return true;
}

void MilestoneBook::observe(std::size_t m, std::uint16_t combo, std::int64_t counted) {
  const std::size_t buckets = bounds_ms_.size() + 1;
  const auto b = static_cast<std::size_t>(
      std::lower_bound(bounds_ms_.begin(), bounds_ms_.end(), counted) - bounds_ms_.begin());
  add(duration_count_[m], combo * buckets + b, 1);
  add(duration_sum_[m], combo, counted);
}

std::vector<std::uint64_t> MilestoneBook::duration_buckets(std::size_t m,
                                                           std::uint16_t combo) const {
  const std::size_t buckets = bounds_ms_.size() + 1;
  std::vector<std::uint64_t> out(buckets, 0);
  for (std::size_t b = 0; b < buckets; ++b) {
    out[b] = static_cast<std::uint64_t>(at(duration_count_[m], combo * buckets + b));
  }
  return out;
}

}  // namespace orderwatch::tracking

namespace orderwatch::tracking {

ClockView MilestoneBook::view(const ClockOwner& o, std::size_t m) const {
  ClockView v;
  const std::size_t i = at_slot(o.idx, m);
  if (i >= clocks_.size()) return v;
  const Clock& c = clocks_[i];
  const MilestoneSpec& spec = specs_[m];
  v.state = state_of(clocks_[i].mark);
  v.breached = breached_of(clocks_[i].mark);
  if (v.state == State::kNotStarted) return v;
  if (v.state == State::kDone) {
    v.counted_ms = c.aux;
    return v;
  }
  const std::int64_t w = books_[m].cutoff.empty() || books_[m].cutoff[0] == kNoCutoff
                             ? kNoCutoff
                             : books_[m].cutoff[0] + spec.offset_ms[0];  // axis(W)
  std::int64_t key = 0;
  const bool keyed = key_of(o.idx, m, &key);
  const bool paused = v.state == State::kPaused && !spec.promise;
  v.started_ms = paused ? key : started(o, c);
  if (spec.promise) {
    v.tiers_past = keyed && !late_of(c.mark) ? past_running(m, key) : 0;
    v.deadline_ms = keyed ? key : 0;
    v.counted_ms = w == kNoCutoff ? 0 : std::max<std::int64_t>(w - v.started_ms, 0);
    return v;
  }
  const std::int64_t at_start = axis(m, v.started_ms);
  if (paused) {
    v.tiers_past = past_paused(m, c.aux);
    v.counted_ms = c.aux;
    v.paused_ms = w == kNoCutoff ? 0 : std::max<std::int64_t>(w - at_start - c.aux, 0);
    return v;
  }
  v.tiers_past = keyed && !late_of(c.mark) ? past_running(m, key) : 0;
  v.paused_ms = keyed ? key - at_start : 0;
  v.counted_ms = w == kNoCutoff ? 0 : std::max<std::int64_t>(w - key, 0);
  v.deadline_ms = spec.calendar
                      ? spec.calendar->add_open(v.started_ms, v.paused_ms + spec.offset_ms[0])
                      : key + spec.offset_ms[0];
  return v;
}

SavedClock MilestoneBook::saved(const ClockOwner& o, std::size_t m) const {
  SavedClock s;
  const std::size_t i = at_slot(o.idx, m);
  if (i >= clocks_.size()) return s;
  const Clock& c = clocks_[i];
  s.state = state_of(clocks_[i].mark);
  s.breached = static_cast<std::uint8_t>(breached_of(clocks_[i].mark));
  if (s.state == State::kNotStarted) {
    const auto early = early_deadline_.find(static_cast<std::uint64_t>(o.idx) << 8 | m);
    s.has_value = early != early_deadline_.end();
    if (s.has_value) s.value = early->second;
    return s;
  }
  if (s.state == State::kDone) return s;
  std::int64_t key = 0;
  const bool keyed = key_of(o.idx, m, &key);
  if (specs_[m].promise) {
    s.started_ms = started(o, c);
    s.value = key;
    s.has_value = keyed;
  } else if (s.state == State::kPaused) {
    s.started_ms = key;
    s.value = c.aux;
    s.has_value = true;
  } else {
    s.started_ms = started(o, c);
    s.value = key - axis(m, s.started_ms);
    s.has_value = true;
  }
  return s;
}

void MilestoneBook::restore(const ClockOwner& o, std::size_t m, const SavedClock& saved) {
  if (saved.state == State::kNotStarted) {
    if (saved.has_value) early_deadline_[static_cast<std::uint64_t>(o.idx) << 8 | m] = saved.value;
    return;
  }
  fit(o.idx);
  const std::size_t i = at_slot(o.idx, m);
  const std::size_t tiers =
      std::min({std::size_t{saved.breached}, specs_[m].offset_ms.size(), kMaxBreached});
  Clock& c = clocks_[i];
  c = Clock{MilestoneIndex::kNoChunk, clamp32(saved.started_ms - o.first_seen_ms),
            static_cast<std::uint8_t>(static_cast<unsigned>(saved.state) | (tiers << 2))};
  if (saved.state == State::kDone) return;
  add(in_progress_[m], o.combo, +1);
  if (saved.state == State::kPaused) add(paused_[m], o.combo, +1);
  if (specs_[m].promise) {
    if (saved.has_value) {
      insert_running(o, m, saved.value);
    } else {
      add(without_[m], o.combo, +1);
    }
  } else if (saved.state == State::kPaused) {
    c.aux = clamp32(saved.value);
    const std::size_t past = past_paused(m, c.aux);
    breach_through(m, i, past);
    c.chunk = books_[m].paused.insert(IndexEntry{saved.started_ms, o.idx, o.combo});
    count_overdue(m, o.combo, past, +1);
  } else {
    insert_running(o, m, axis(m, saved.started_ms) + saved.value);
  }
}

void MilestoneBook::carry_counters_from(const MilestoneBook& previous,
                                        const std::vector<int>& map) {
  for (std::size_t m = 0; m < specs_.size() && m < map.size(); ++m) {
    if (map[m] < 0) continue;
    const auto p = static_cast<std::size_t>(map[m]);
    for (std::size_t k = 0; k < breaches_[m].size() && k < previous.breaches_[p].size(); ++k) {
      breaches_[m][k] += previous.breaches_[p][k];
    }
    met_[m] += previous.met_[p];
  }
}

std::int64_t MilestoneBook::overdue_total(std::size_t m, std::size_t k) const {
  const std::size_t tiers = specs_[m].offset_ms.size();
  std::int64_t n = 0;
  for (std::size_t j = k; j < overdue_[m].size(); j += tiers) n += overdue_[m][j];
  return n;
}

std::size_t MilestoneBook::memory_bytes() const {
  std::size_t bytes = clocks_.capacity() * sizeof(Clock);
  for (const auto& b : books_) {
    bytes += b.running.memory_bytes() + b.paused.memory_bytes() +
             (b.late.capacity() + b.parked.capacity()) * sizeof(LateClock);
  }
  return bytes;
}

}  // namespace orderwatch::tracking
