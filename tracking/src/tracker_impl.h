// Private: the state behind OrderTracker, shared by the translation units that implement it
// (apply/tick/snapshot in tracker.cpp; queries and persistence in their own files). Not part
// of the public API; not thread-safe (TrackerService holds the lock).
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <random>
#include <unordered_map>

#include "actions.h"
#include "age_histogram.h"
#include "order_table.h"
#include "orderwatch/log/log.h"
#include "orderwatch/sla/metrics.h"
#include "orderwatch/tracking/tracker.h"
#include "recovered.h"
#include "status_index.h"
#include "tombstones.h"

namespace orderwatch::tracking {

// Internal names, visible only to the files that include this private header.

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();
inline constexpr std::uint16_t kUnknownValue = 0;  // event lacks the dimension field
inline constexpr std::uint16_t kOtherValue = 1;    // value past the dimension's cap
inline constexpr std::size_t kMaxCombos = 4096;    // label-set budget across all dimensions
inline constexpr std::int64_t kLabelSetIdleMs = 10 * 60 * 1000;  // unused this long: released

using ComboKey = std::array<std::uint16_t, kMaxDimensions>;

struct ComboHash {
  std::size_t operator()(const ComboKey& k) const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (auto v : k) h = (h ^ v) * 0x100000001b3ULL;
    return static_cast<std::size_t>(h);
  }
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Distinct values of one dimension, capped: ids 0 = "unknown", 1 = "other", then real values.
// refs[v]: how many live label sets (combos) use value v; a value no label set uses is released
// by release_unused() (its id reused, its name cleared), so values a bad release of a producer
// sent do not hold the cap, nor the scrape, once no order carries them.
struct DimensionValues {
  std::uint32_t cap = 0;
  std::vector<std::string> names{"unknown", "other"};
  std::vector<std::uint32_t> refs{0, 0};
  std::vector<std::uint16_t> free_ids;
  std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>> ids{
      {"unknown", kUnknownValue}, {"other", kOtherValue}};

  std::uint16_t intern(std::string_view value) {
    if (auto it = ids.find(value); it != ids.end()) return it->second;
    if (names.size() - 2 - free_ids.size() >= cap) return kOtherValue;
    std::uint16_t id = 0;
    if (!free_ids.empty()) {
      id = free_ids.back();
      free_ids.pop_back();
      names[id] = std::string(value);
    } else {
      id = static_cast<std::uint16_t>(names.size());
      names.emplace_back(value);
      refs.push_back(0);
    }
    ids.emplace(names[id], id);
    return id;
  }
  // Releases every real value no label set uses.
  void release_unused() {
    for (std::size_t v = 2; v < names.size(); ++v) {
      if (refs[v] != 0) continue;
      auto it = ids.find(names[v]);
      if (it == ids.end() || it->second != v) continue;  // released already
      ids.erase(it);
      names[v].clear();
      free_ids.push_back(static_cast<std::uint16_t>(v));
    }
  }
};

inline std::vector<std::int64_t> to_ms(const std::vector<sla::Duration>& bounds) {
  std::vector<std::int64_t> out;
  for (auto d : bounds) out.push_back(d.count());
  return out;
}

// Index of the configured dimension reading `field`, or -1.
inline int dimension_by_field(const sla::Config& cfg, std::string_view field) {
  for (std::size_t j = 0; j < cfg.event.dimensions.size() && j < kMaxDimensions; ++j) {
    if (cfg.event.dimensions[j].field == field) return static_cast<int>(j);
  }
  return -1;
}

// What a batch found out about an event a few events ahead of applying it (apply_batch): its
// record, checked again in O(1) when the event is applied, as the events between may have
// changed the table.
struct Lookahead {
  std::uint32_t idx = OrderTable::kNotFound;
};

struct OrderTracker::Impl {
  explicit Impl(const sla::Config& c) : cfg(c), n(c.statuses.size()) {
    max_tiers = 1;
    for (const auto& st : cfg.statuses) {
      terminal.push_back(st.terminal);
      std::vector<std::int64_t> t;
      for (const auto& tier : st.tiers) {
        t.push_back(tier.after.count());
      }
      max_tiers = std::max(max_tiers, t.size());
      threshold_ms.push_back(std::move(t));
    }
    for (std::size_t s = 0; s < n; ++s) cutoff.emplace_back(threshold_ms[s].size(), kNever);
    // Each index keeps its orders' OrderRecord::chunk current when entries change chunks.
    index.reserve(n);
    for (std::size_t s = 0; s < n; ++s) {
      index.emplace_back(
          [this](std::uint32_t idx, StatusIndex::ChunkId chunk) { table.at(idx).chunk = chunk; });
    }
    // The same bounds the generated rules assume (sla/metrics.h): every threshold is a bound.
    duration_bounds = to_ms(sla::status_duration_buckets(cfg));
    turnaround_bounds = to_ms(sla::turnaround_buckets(cfg));
    nb = duration_bounds.size() + 1;
    ntb = turnaround_bounds.size() + 1;
    age = AgeHistogram(duration_bounds);
    breaches.assign(n * max_tiers, 0);
    transitions.assign(n * n, 0);
    turn_hist.assign(n * ntb, 0);
    turn_sum_ms.assign(n, 0);
    for (const auto& d : cfg.event.dimensions) {
      dims.emplace_back();
      dims.back().cap = d.max_values;
    }
    ndims = dims.size();
    // Combo 0 (every dimension "unknown", or no dimensions at all) exists from the start so
    // every status is exported with 0 before the first event.
    combo_for(ComboKey{});
  }

  std::size_t series(std::uint16_t combo, std::uint8_t s) const { return combo * n + s; }

  std::uint16_t combo_for(const ComboKey& key) {
    if (auto it = combo_ids.find(key); it != combo_ids.end()) return it->second;
    if (combos.size() - free_combos.size() >= kMaxCombos) {
      ComboKey other{};
      for (std::size_t i = 0; i < ndims; ++i) other[i] = kOtherValue;
      if (key != other) return combo_for(other);
      // The overflow combo itself is always admitted (once).
    }
    for (std::size_t i = 0; i < ndims; ++i) ++dims[i].refs[key[i]];
    if (!free_combos.empty()) {  // a released one: its counters were zeroed then
      const std::uint16_t id = free_combos.back();
      free_combos.pop_back();
      combos[id] = key;
      combo_live[id] = true;
      combo_idle_since[id] = 0;
      combo_ids.emplace(key, id);
      return id;
    }
    auto id = static_cast<std::uint16_t>(combos.size());
    combos.push_back(key);
    combo_live.push_back(true);
    combo_idle_since.push_back(0);
    combo_ids.emplace(key, id);
    in_status.resize(combos.size() * n, 0);
    overdue.resize(combos.size() * n * max_tiers, 0);
    hist.resize(combos.size() * n * nb, 0);
    hist_sum_ms.resize(combos.size() * n, 0);
    age.resize(combos.size() * n);
    return id;
  }
  // Label sets no order has carried for kLabelSetIdleMs are released (their series leave
  // /metrics; their histogram restarts from 0 if they come back: a counter reset), then the
  // dimension values no label set uses (tracker.cpp; at most once a minute, O(label sets)).
  void release_idle_label_sets(std::int64_t now);
  void release_combo(std::uint16_t c);

  std::uint16_t intern(const Event& e) {
    if (ndims == 0) return 0;
    ComboKey key{};
    for (std::size_t i = 0; i < ndims; ++i) {
      key[i] = e.has_dim[i] ? dims[i].intern(e.dims[i]) : kUnknownValue;
    }
    return combo_for(key);
  }

  // The order enters its (already set) status at r.entered_ms; `now` is the wall clock.
  void enter(std::uint32_t idx, OrderRecord& r, std::int64_t now) {
    const std::uint8_t s = r.status;
    r.chunk = index[s].insert(IndexEntry{r.entered_ms, idx, r.combo});
    const std::size_t ser = series(r.combo, s);
    ++in_status[ser];
    age.enter(ser, r.entered_ms);
    r.breached = 0;
    const auto& cut = cutoff[s];
    std::size_t k = 0;
    // Cutoffs fall as thresholds rise: once a tier is not crossed, later ones are not.
    for (; k < cut.size() && r.entered_ms <= cut[k]; ++k) ++overdue[ser * max_tiers + k];
    // Already past a tier as of W when it arrives (a late or backdated event): overdue, but an
    // old timestamp alone is no breach. Its next event may be right behind it in the same
    // backlog; confirm_late_entries() counts the breach if it is still here once caught up.
    if (k > 0) late.push_back(LateEntry{now, r.entered_ms, idx, s});
  }

  // The order leaves its status; `leave_ms` is the event time of the next status, or nullopt
  // for an eviction (the stay is unknown, so nothing is observed).
  void leave(std::uint32_t idx, const OrderRecord& r, std::optional<std::int64_t> leave_ms) {
    const std::uint8_t s = r.status;
    const std::size_t ser = series(r.combo, s);
    const auto& cut = cutoff[s];
    const auto& thr = threshold_ms[s];
    const std::int64_t stay = leave_ms ? *leave_ms - r.entered_ms : 0;
    for (std::size_t k = 0; k < cut.size(); ++k) {
      if (r.entered_ms <= cut[k]) --overdue[ser * max_tiers + k];
      // Not counted yet (W passed it between ticks, or never while it was here): the next
      // event shows whether the stay ran past the threshold.
      if (leave_ms && k >= r.breached && stay >= thr[k]) ++breaches[s * max_tiers + k];
    }
    if (leave_ms) {
      observe(&hist[ser * nb], duration_bounds, stay);
      hist_sum_ms[ser] += stay;
    }
    index[s].erase(IndexEntry{r.entered_ms, idx}, r.chunk);
    --in_status[ser];
    age.leave(ser, r.entered_ms);
  }

  static void observe(std::uint64_t* buckets, const std::vector<std::int64_t>& bounds,
                      std::int64_t value) {
    auto it = std::lower_bound(bounds.begin(), bounds.end(), value);
    ++buckets[it - bounds.begin()];
  }

  ApplyResult count(ApplyResult r) {
    ++events[static_cast<int>(r)];
    return r;
  }

  ApplyResult apply(const Event& e, std::int64_t now) {
    return apply(e, now, hash_order_id(hash_key, e.id));
  }
  // h: hash_order_id(hash_key, e.id), computed ahead by a batch (apply_batch).
  ApplyResult apply(const Event& e, std::int64_t now, std::uint64_t h, Lookahead ahead = {}) {
    last_event_ms = now;
    max_event_ms = std::max(max_event_ms, e.time_ms);
    std::uint32_t idx = ahead.idx != OrderTable::kNotFound && table.holds(ahead.idx, e.id)
                            ? ahead.idx
                            : table.find(e.id, h);
    if (idx == OrderTable::kNotFound) {
      if (auto finished = tombstones.find(h)) {
        return count(*finished == e.status ? ApplyResult::kDuplicate : ApplyResult::kStale);
      }
      if (terminal[e.status]) {
        // First sight of an order is its end: nothing to observe, but remember it finished.
        add_tombstone(h, e.status, now);
        return count(ApplyResult::kApplied);
      }
      if (!admit_order(now)) return count(ApplyResult::kRejected);
      idx = table.insert(e.id, h);
      OrderRecord& r = table.at(idx);
      r.status = e.status;
      r.entered_ms = e.time_ms;
      r.first_seen_ms = e.time_ms;
      r.combo = intern(e);
      enter(idx, r, now);
      return count(ApplyResult::kApplied);
    }
    OrderRecord& r = table.at(idx);
    if (r.status == e.status) return count(ApplyResult::kDuplicate);
    // Older than the current stay, or simultaneous but earlier in the workflow: out of order.
    if (e.time_ms < r.entered_ms || (e.time_ms == r.entered_ms && e.status < r.status)) {
      return count(ApplyResult::kStale);
    }
    note_leave(idx, r, e.status, e.time_ms);
    leave(idx, r, e.time_ms);
    ++transitions[r.status * n + e.status];
    if (terminal[e.status]) {
      const std::int64_t turnaround = e.time_ms - r.first_seen_ms;
      observe(&turn_hist[e.status * ntb], turnaround_bounds, turnaround);
      turn_sum_ms[e.status] += turnaround;
      add_tombstone(h, e.status, now);
      table.erase(idx, h);
    } else {
      r.status = e.status;
      r.entered_ms = e.time_ms;
      enter(idx, r, now);
    }
    return count(ApplyResult::kApplied);
  }

  // The caps of retention.max_orders / max_tombstones (tracker_limits.cpp): past them a new
  // order is refused (counted, logged rate-limited) and a tombstone is not kept.
  bool admit_order(std::int64_t now);
  void add_tombstone(std::uint64_t h, std::uint8_t status, std::int64_t now);
  // What recovered: the order in record idx leaves its status for `to` (-1: forgotten) at
  // at_ms; if it is overdue as of W, the ring records it (recovered.cpp). One branch for an
  // order that never was overdue.
  void note_leave(std::uint32_t idx, const OrderRecord& r, int to, std::int64_t at_ms) {
    const auto& cut = cutoff[r.status];
    if (!cut.empty() && r.entered_ms <= cut[0]) [[unlikely]]
      left_overdue(idx, r, to, at_ms);
  }
  void left_overdue(std::uint32_t idx, const OrderRecord& r, int to, std::int64_t at_ms);
  void purge_redrive_marks();

  // The deadline tick and the watermark (tracker.cpp).
  void tick(std::int64_t now, bool behind);
  void advance_cutoffs(std::int64_t w);
  void retreat_cutoffs(std::int64_t w);
  void confirm_late_entries(std::int64_t now);
  void evict(std::int64_t w);
  // How many tiers of its status the order is past as of the current cutoffs.
  std::size_t tiers_past(const OrderRecord& r) const {
    const auto& cut = cutoff[r.status];
    std::size_t k = 0;
    while (k < cut.size() && r.entered_ms <= cut[k]) ++k;
    return k;
  }

  static void fill(HistogramValues& out, const std::uint64_t* buckets, std::size_t nbuckets,
                   std::int64_t sum_ms) {
    out.cumulative.resize(nbuckets);
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < nbuckets; ++b) {
      running += buckets[b];
      out.cumulative[b] = running;
    }
    out.count = running;
    out.sum_seconds = static_cast<double>(sum_ms) / 1000.0;
  }

  // The drill-down view of the order in record `idx` (tracker_query.cpp).
  OrderView view(std::uint32_t idx) const;

  void snapshot(TrackerSnapshot& out) const;  // tracker.cpp

  const sla::Config cfg;
  const std::size_t n;
  std::size_t max_tiers = 1;
  std::vector<bool> terminal;
  std::vector<std::vector<std::int64_t>> threshold_ms;  // [status][tier]
  std::vector<std::vector<std::int64_t>> cutoff;  // [status][tier]: crossed iff entered <= cutoff
  std::vector<StatusIndex> index;                 // [status]
  // Keys the id hash of table and tombstones: random per process, or the one a loaded snapshot
  // was written with (its tombstones hold hashes under it).
  HashKey hash_key = random_hash_key();
  OrderTable table;
  TombstoneSet tombstones;

  std::size_t ndims = 0;
  std::vector<DimensionValues> dims;
  std::unordered_map<ComboKey, std::uint16_t, ComboHash> combo_ids;
  std::vector<ComboKey> combos;  // by combo id; a released one is all "unknown", not live
  std::vector<bool> combo_live;
  std::vector<std::int64_t> combo_idle_since;  // wall clock it was first seen unused; 0 = used
  std::vector<std::uint16_t> free_combos;
  std::int64_t next_label_sweep_ms = 0;

  std::vector<std::int64_t> duration_bounds, turnaround_bounds;
  std::size_t nb = 0, ntb = 0;
  std::vector<std::int64_t> in_status;     // [series]
  std::vector<std::int64_t> overdue;       // [series * max_tiers + tier]
  std::vector<std::uint64_t> hist;         // [series * nb + bucket], not cumulative
  std::vector<std::int64_t> hist_sum_ms;   // [series]
  std::vector<std::uint64_t> breaches;     // [status * max_tiers + tier]
  std::vector<std::uint64_t> transitions;  // [from * n + to]
  std::vector<std::uint64_t> turn_hist;    // [status * ntb + bucket]
  std::vector<std::int64_t> turn_sum_ms;   // [status]
  AgeHistogram age{{}};                    // current ages as of W, per series
  AckTable acks;                           // by order id (actions.cpp)
  RecoveredRing recovered;                 // what recovered (recovered.cpp)
  RedriveMarks redriven;                   // redrive requests, by order id (recovered.cpp)
  // The acknowledgement of the stay in record idx, if it still holds (actions.cpp).
  const AckEntry* ack_of(std::uint32_t idx) const;
  void purge_acks(std::int64_t now);
  void move_acknowledged(TrackerSnapshot& out) const;
  // Acknowledged orders past each tier, keyed series * max_tiers + tier: O(acks).
  std::unordered_map<std::size_t, std::int64_t> acknowledged_by_tier() const;
  std::uint64_t events[static_cast<int>(ApplyResult::kCount)] = {};
  std::uint64_t rejected[static_cast<int>(RejectReason::kCount)] = {};
  std::uint64_t evictions = 0;
  std::uint64_t orders_refused = 0;      // new orders past retention.max_orders
  std::uint64_t tombstones_refused = 0;  // tombstones past retention.max_tombstones
  log::RateLimited limit_log{10'000};
  std::int64_t last_event_ms = 0;

  // The watermark W: the time overdue and breaches are judged as of (cutoff = W - threshold).
  // kNever until the first tick that has a position (see tick()).
  std::int64_t watermark = kNever;
  std::int64_t max_event_ms = kNever;  // newest event time applied
  std::int64_t last_now = 0;           // wall clock of the last tick
  const std::int64_t lateness_ms = cfg.event.max_lateness.count();
  // Orders that entered already past a tier, waiting for their breach to be confirmed, in
  // arrival order (enter()).
  struct LateEntry {
    std::int64_t arrived_ms;  // wall clock
    std::int64_t entered_ms;
    std::uint32_t idx;
    std::uint8_t status;
  };
  std::deque<LateEntry> late;
  // Names this instance for drill-down cursors (OrderCursor::epoch): slots mean nothing to
  // another instance.
  const std::uint64_t epoch =
      (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
};

}  // namespace orderwatch::tracking
