// OrderTracker::load_state: a snapshot image into a new tracker, statuses and dimensions
// matched by name under the current config (format in snapshot.h). Any damage or
// inconsistency throws SnapshotError through Reader::fail and leaves the caller's state alone
// (load_state runs on a tracker built aside).
#include <limits>
#include <stdexcept>

#include "orderwatch/events/time.h"
#include "orderwatch/tracking/snapshot.h"
#include "snapshot_codec.h"
#include "tracker_impl.h"
#include "trend.h"

namespace orderwatch::tracking {

namespace {

using snapshot_codec::Reader;
using Impl = OrderTracker::Impl;

// a - b and a + b, refusing a file whose values would overflow (only a crafted one can).
std::int64_t minus(std::int64_t a, std::int64_t b, const Reader& r) {
  std::int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) r.fail("time out of range");
  return out;
}
std::int64_t plus(std::int64_t a, std::int64_t b, const Reader& r) {
  std::int64_t out;
  if (__builtin_add_overflow(a, b, &out)) r.fail("time out of range");
  return out;
}

// Dimensions, matched by the event field they read.
struct OldDimension {
  int target = -1;
  std::vector<std::string_view> values;  // [0] unknown, [1] other, then as interned
};

// Statuses, matched by name; tiers by severity (to tell which crossings are new).
struct OldStatus {
  int target = -1;
  bool keep_orders = false;
  std::vector<std::int64_t> old_cutoff;  // [new tier]: the crossing point the writer had reached
  std::vector<int> old_tier;             // [new tier]: the writer's tier of that severity, or -1
};

// One load, section by section, in file order.
class StateLoader {
 public:
  StateLoader(Impl& state, Reader& reader, RestoreReport& report, std::uint32_t format_version,
              TrendRing* trend_ring)
      : m(state), r(reader), rep(report), version(format_version), trend(trend_ring) {}

  void run() {
    rep.writer = std::string(r.string("writer"));
    rep.meta.written_ms = r.svarint("written time");
    rep.meta.stream_seq = r.varint("stream sequence");
    watermark = r.svarint("watermark");  // version 1: the last tick's wall clock, the same role
    last_event_ms = r.svarint("last event time");
    newest_event_ms = version >= 2 ? r.svarint("newest event time") : watermark;
    orders = r.count("order count", 4);  // an order takes >= 4 bytes
    tombstones = r.count("tombstone count", 10);
    // Version 4 on: the id hash key its tombstones were hashed with; adopted (the tracker is
    // new), so they still match. Older versions hashed without a key: their tombstones are
    // dropped (they live minutes; counted in tombstones_dropped).
    if (version >= 4) {
      m.hash_key.k0 = r.fixed64("hash key");
      m.hash_key.k1 = r.fixed64("hash key");
    }
    read_dimensions();
    read_combos();
    read_statuses();
    added_milestones.assign(m.cfg.milestones.size(), true);
    if (version >= 5) read_milestones();
    restore_cutoffs();
    read_orders();
    // The clocks were restored with no position: W counts what they are past (the tiers the
    // writer had counted stay counted once).
    if (watermark != kNever) m.milestones.move_to(watermark);
    release_unreferenced_combos();
    read_tombstones();
    if (version >= 3) load_acks(m, r);
    if (version >= 6) {
      load_milestone_acks(m, r);
      load_recovered(m, r);
      if (trend != nullptr) {
        trend->load(r);
      } else {
        TrendRing::skip(r);
      }
    }
    if (!r.done()) r.fail(std::to_string(r.remaining()) + " unexpected bytes after the acks");
    m.counts.last_event_ms = last_event_ms;
    rep.meta.orders = orders - rep.orders_dropped;
    rep.meta.tombstones = tombstones - rep.tombstones_dropped;
  }

 private:
  void read_dimensions() {
    const std::uint64_t ndims = r.count("dimension count", 3);
    if (ndims > kMaxDimensions)
      r.fail("more than " + std::to_string(kMaxDimensions) + " dimensions");
    old_dims.resize(ndims);
    std::vector<bool> claimed(m.labels.dimensions(), false);
    for (auto& d : old_dims) {
      const std::string_view field = r.string("dimension field");
      r.string("dimension label");
      const std::uint64_t nvalues = r.count("dimension value count", 1);
      d.values = {"unknown", "other"};
      d.values.reserve(nvalues + 2);
      for (std::uint64_t v = 0; v < nvalues; ++v) d.values.push_back(r.string("dimension value"));
      d.target = dimension_by_field(m.cfg, field);
      if (d.target >= 0 && !claimed[d.target]) {
        claimed[d.target] = true;
      } else {
        d.target = -1;
        ++rep.dimensions_dropped;
      }
    }
  }

  // Combos: re-interned value by value, so caps and value ids follow the current config. A
  // label set no order of the file carries is released once the orders are read
  // (release_unreferenced_combos): the snapshot does not bring it (or its values) back.
  void read_combos() {
    ncombos = r.count("combo count", std::max<std::uint64_t>(old_dims.size(), 1));
    combo_map.resize(ncombos);
    for (auto& mapped : combo_map) {
      ComboKey key{};
      for (const auto& d : old_dims) {
        const std::uint64_t v = r.varint("combo value");
        if (v >= d.values.size())
          r.fail("combo names dimension value " + std::to_string(v) + " of " +
                 std::to_string(d.values.size()));
        if (d.target >= 0) key[d.target] = m.labels.intern_value(d.target, d.values[v]);
      }
      mapped = m.combo_for(key);
    }
  }

  void release_unreferenced_combos() {
    bool released = false;
    // Combo 0 stays: every status is exported with 0 through it.
    for (std::size_t c = 1; c < m.labels.size(); ++c) {
      if (m.by_series.orders_in_combo(c) != 0 || !m.labels.live(c)) continue;
      m.labels.release(static_cast<std::uint16_t>(c));
      m.by_series.clear_combo(c);
      released = true;
    }
    if (released) m.labels.release_unused_values();
  }

  void read_statuses() {
    const std::uint64_t nstatuses = r.count("status count", 3);
    if (nstatuses > 255) r.fail("more than 255 statuses");
    old_statuses.resize(nstatuses);
    for (auto& os : old_statuses) {
      const std::string_view status_name = r.string("status name");
      const bool was_terminal = r.varint("terminal flag") != 0;
      const std::uint64_t ntiers = r.count("tier count", 2);
      std::vector<std::pair<std::string_view, std::int64_t>> tiers(ntiers);
      for (auto& [severity, threshold] : tiers) {
        severity = r.string("tier severity");
        threshold = r.svarint("tier threshold");
      }
      os.target = m.cfg.status_index(status_name);
      if (os.target < 0 || (m.terminal[os.target] && !was_terminal)) {
        if (!rep.dropped_statuses.empty()) rep.dropped_statuses += ",";
        rep.dropped_statuses += status_name;
      }
      if (os.target < 0) continue;
      os.keep_orders = !m.terminal[os.target];
      const auto& st = m.cfg.statuses[os.target];
      os.old_cutoff.assign(st.tiers.size(), kNever);
      os.old_tier.assign(st.tiers.size(), -1);
      for (std::size_t k = 0; k < st.tiers.size(); ++k) {
        for (std::size_t j = 0; j < tiers.size(); ++j) {
          if (tiers[j].first != st.tiers[k].severity) continue;
          os.old_tier[k] = static_cast<int>(j);
          // The writer's deadlines, inverted at its W: what it had counted as crossed.
          if (watermark != kNever && !m.deadlines[os.target].writer_cutoff(
                                         watermark, k, tiers[j].second, &os.old_cutoff[k])) {
            r.fail("time out of range");
          }
        }
      }
    }
  }

  // The writer's milestones, matched by name and kind (sla or deadline_field).
  void read_milestones() {
    const std::uint64_t n = r.count("milestone count", 2);
    old_milestones.assign(n, -1);
    for (auto& target : old_milestones) {
      const std::string_view name = r.string("milestone name");
      const bool promise = r.varint("milestone kind") != 0;
      for (std::size_t k = 0; k < m.cfg.milestones.size(); ++k) {
        const auto& ms = m.cfg.milestones[k];
        if (ms.name == name && ms.has_deadline_field() == promise) target = static_cast<int>(k);
      }
      if (target >= 0) added_milestones[static_cast<std::size_t>(target)] = false;
    }
  }

  // An order's clocks (version 5 on), restored into record idx once it is in the table.
  void read_clocks(std::int64_t first_seen) {
    clocks.clear();
    for (std::size_t k = 0; k < old_milestones.size(); ++k) {
      const std::uint64_t head = r.varint("milestone clock");
      SavedClock c;
      c.state = static_cast<ClockState>(head & 3u);
      c.has_value = (head & 4u) != 0;
      if ((head >> 3) > 63) r.fail("milestone clock out of range");
      c.breached = static_cast<std::uint8_t>(head >> 3);
      if (c.state == ClockState::kRunning || c.state == ClockState::kPaused) {
        const std::int64_t since = r.svarint("milestone start");
        if (since < 0 || since > 0xFFFFFFFFLL) r.fail("milestone start out of range");
        c.started_ms = plus(first_seen, since, r);
      }
      if (c.has_value) {
        c.value = r.svarint("milestone value");
        if (c.value < -events::kMaxEventTimeMs || c.value > events::kMaxEventTimeMs)
          r.fail("milestone value out of range");
      }
      if (old_milestones[k] >= 0)
        clocks.emplace_back(static_cast<std::size_t>(old_milestones[k]), c);
    }
  }

  // The deadline position: where the writer's W left every tier, under the current
  // thresholds. The next tick() counts what crossed since.
  void restore_cutoffs() {
    m.watermark.restore(watermark, newest_event_ms, last_event_ms);
    m.by_series.age().set_position(watermark);
    for (std::size_t s = 0; s < m.deadlines.statuses(); ++s) {
      if (!m.deadlines[s].set_position(watermark)) r.fail("time out of range");
    }
  }

  void read_orders() {
    m.table.reserve(orders);
    std::uint64_t read_orders = 0;
    for (const auto& os : old_statuses) {
      const std::uint64_t count = r.count("orders in status", 4);
      read_orders += count;
      const auto s = static_cast<std::uint8_t>(os.target);
      std::int64_t entered = 0;
      for (std::uint64_t i = 0; i < count; ++i) {
        if (i == 0) {
          entered = r.svarint("entry time");
        } else {
          const std::uint64_t delta = r.varint("entry time delta");
          if (delta >
              static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() - entered))
            r.fail("entry time out of range");
          entered += static_cast<std::int64_t>(delta);
        }
        const std::int64_t stay = r.svarint("time since first seen");
        const std::uint64_t combo = r.varint("combo");
        if (combo >= ncombos)
          r.fail("order names combo " + std::to_string(combo) + " of " + std::to_string(ncombos));
        const std::uint64_t breached = version >= 2 ? r.varint("tiers breached") : 0;
        const std::string_view id = r.string("order id");
        if (id.empty()) r.fail("empty order id");
        if (version >= 5) read_clocks(minus(entered, stay, r));
        if (!os.keep_orders) {
          ++rep.orders_dropped;
          continue;
        }
        insert_order(id, s, entered, stay, combo_map[combo], os, breached);
      }
    }
    if (read_orders != orders)
      r.fail("order count " + std::to_string(orders) + " but " + std::to_string(read_orders) +
             " orders");
  }

  void insert_order(std::string_view id, std::uint8_t s, std::int64_t entered, std::int64_t stay,
                    std::uint16_t combo, const OldStatus& os, std::uint64_t old_breached) {
    const std::uint64_t h = hash_order_id(m.hash_key, id);
    if (m.table.find(id, h) != OrderTable::kNotFound)
      r.fail("order id \"" + std::string(id) + "\" appears twice");
    const std::uint32_t idx = m.table.insert(id, h);
    OrderRecord& rec = m.table.at(idx);
    rec.status = s;
    rec.entered_ms = entered;
    rec.first_seen_ms = minus(entered, stay, r);
    // Event times come from the decoder, which only accepts [1970, 9999]: anything else is
    // damage (and would overflow the stay arithmetic later).
    if (entered < 0 || entered > events::kMaxEventTimeMs || rec.first_seen_ms < 0 ||
        rec.first_seen_ms > entered) {
      r.fail("order \"" + std::string(id) + "\" has times out of range");
    }
    rec.combo = combo;
    rec.chunk = m.index[s].insert(IndexEntry{entered, idx, combo});
    for (const auto& [k, clock] : clocks) m.milestones.restore(Impl::owner(idx, rec), k, clock);
    for (std::size_t k = 0; k < added_milestones.size(); ++k) {
      if (added_milestones[k]) m.milestones.adopt(Impl::owner(idx, rec), k, s, entered);
    }
    const std::size_t ser = m.series_of(rec);
    m.by_series.enter(ser, entered);
    // As Impl::enter, except for breaches: a tier the writer had counted stays counted, one
    // the current thresholds put the order past for the first time counts now, and one it was
    // past without a count yet (a late stay) keeps waiting for confirmation, not overdue.
    const StatusDeadlines& d = m.deadlines[s];
    bool waiting = false;
    std::size_t breached = 0;
    for (std::size_t k = 0; k < d.tiers(); ++k) {
      const bool past = d.past(entered, k);
      const bool counted =
          version >= 2
              ? os.old_tier[k] >= 0 && static_cast<std::uint64_t>(os.old_tier[k]) < old_breached
              : entered <= os.old_cutoff[k];
      if (counted) {
        breached = k + 1;
      } else if (past && entered > os.old_cutoff[k]) {
        m.by_status.breach(s, k);
        breached = k + 1;
      } else if (past) {
        waiting = true;
      }
    }
    // A gap (only when an edited file reorders severities) is closed upwards: a breach may go
    // uncounted, none is counted twice.
    rec.breached = static_cast<std::uint8_t>(breached) & 0x7F;
    const std::size_t past = d.tiers_past(entered);
    rec.late = waiting && breached < past;
    if (rec.late) {
      m.late.add(LateEntries::Entry{d.deadline(entered, breached), entered, idx, s,
                                    static_cast<std::uint8_t>(breached)});
    }
    for (std::size_t k = 0; k < m.tiers_past(rec); ++k) m.by_series.add_overdue(ser, k, +1);
  }

  void read_tombstones() {
    if (r.count("tombstone count", 10) != tombstones) r.fail("tombstone count mismatch");
    std::int64_t expiry = 0;
    for (std::uint64_t i = 0; i < tombstones; ++i) {
      const std::uint64_t hash = r.fixed64("tombstone");
      const std::uint64_t status = r.varint("tombstone status");
      if (status >= old_statuses.size())
        r.fail("tombstone names status " + std::to_string(status) + " of " +
               std::to_string(old_statuses.size()));
      expiry = plus(expiry, r.svarint("tombstone expiry"), r);
      const int target = old_statuses[status].target;
      if (target < 0 || version < 4) {
        ++rep.tombstones_dropped;
        continue;
      }
      // The wall clock's half of its expiry: the ttl after the snapshot was written.
      m.tombstones.add(hash, static_cast<std::uint8_t>(target), expiry,
                       rep.meta.written_ms + m.cfg.retention.tombstone_ttl.count());
    }
    if (version < 3 && !r.done())
      r.fail(std::to_string(r.remaining()) + " unexpected bytes after the tombstones");
  }

  Impl& m;
  Reader& r;
  RestoreReport& rep;
  const std::uint32_t version;
  TrendRing* trend;  // the service's, or null: its section is skipped
  std::int64_t watermark = 0;
  std::int64_t newest_event_ms = 0;
  std::int64_t last_event_ms = 0;  // wall clock
  std::uint64_t orders = 0;
  std::uint64_t tombstones = 0;
  std::uint64_t ncombos = 0;
  std::vector<OldDimension> old_dims;
  std::vector<std::uint16_t> combo_map;  // file combo -> tracker combo
  std::vector<OldStatus> old_statuses;
  std::vector<int> old_milestones;     // [writer's] -> ours, or -1
  std::vector<bool> added_milestones;  // [ours]: the writer had none of that name and kind
  std::vector<std::pair<std::size_t, SavedClock>> clocks;  // the order being read
};

}  // namespace

RestoreReport OrderTracker::load_state(std::string_view image, const std::string& name,
                                       TrendRing* trend) {
  Impl& m = *impl_;
  if (m.table.size() != 0 || m.tombstones.size() != 0) {
    throw std::logic_error("OrderTracker::load_state needs a new tracker");
  }
  std::uint32_t version = 0;
  Reader r(open_snapshot(image, name, &version), name);
  RestoreReport rep;
  rep.meta.bytes = image.size();
  StateLoader(m, r, rep, version, trend).run();
  return rep;
}

}  // namespace orderwatch::tracking
