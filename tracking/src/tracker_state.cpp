// OrderTracker persistence: the state <-> snapshot image (format in snapshot.h), and the
// counter hand-over of a live reload. Kept apart from tracker.cpp so the event path is not
// touched by it.
#include <stdexcept>

#include "orderwatch/events/time.h"
#include "orderwatch/tracking/snapshot.h"
#include "snapshot_codec.h"
#include "tracker_impl.h"

#ifndef ORDERWATCH_VERSION
#define ORDERWATCH_VERSION "unknown"
#endif

namespace orderwatch::tracking {

namespace {

using snapshot_codec::Reader;
using snapshot_codec::Writer;

// Index of the configured dimension reading `field`, or -1.
int dimension_by_field(const sla::Config& cfg, std::string_view field) {
  for (std::size_t j = 0; j < cfg.event.dimensions.size() && j < kMaxDimensions; ++j) {
    if (cfg.event.dimensions[j].field == field) return static_cast<int>(j);
  }
  return -1;
}

// Index of the tier of `status` with this severity, or -1.
int tier_by_severity(const sla::Status& status, std::string_view severity) {
  for (std::size_t k = 0; k < status.tiers.size(); ++k) {
    if (status.tiers[k].severity == severity) return static_cast<int>(k);
  }
  return -1;
}

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

}  // namespace

void OrderTracker::save_state(std::string& image, std::uint64_t stream_seq,
                              std::int64_t written_ms) const {
  const Impl& m = *impl_;
  begin_snapshot(image);
  std::uint64_t tombstones = 0;
  m.tombstones.for_each([&](std::uint64_t, std::uint8_t, std::int64_t) { ++tombstones; });

  Writer w(image);
  // Roughly what an order costs, so the buffer grows at most a few times.
  w.reserve(m.table.size() * 24 + tombstones * 12 + 4096);
  w.string("orderwatch " ORDERWATCH_VERSION);
  w.svarint(written_ms);
  w.varint(stream_seq);
  w.svarint(m.last_tick);
  w.svarint(m.last_event_ms);
  w.varint(m.table.size());
  w.varint(tombstones);

  w.varint(m.ndims);
  for (std::size_t i = 0; i < m.ndims; ++i) {
    w.string(m.cfg.event.dimensions[i].field);
    w.string(m.cfg.event.dimensions[i].label);
    const auto& names = m.dims[i].names;
    w.varint(names.size() - 2);  // "unknown" and "other" are implied
    for (std::size_t v = 2; v < names.size(); ++v) w.string(names[v]);
  }
  w.varint(m.combos.size());
  for (const auto& key : m.combos) {
    for (std::size_t i = 0; i < m.ndims; ++i) w.varint(key[i]);
  }
  w.varint(m.n);
  for (std::size_t s = 0; s < m.n; ++s) {
    const auto& st = m.cfg.statuses[s];
    w.string(st.name);
    w.varint(st.terminal ? 1 : 0);
    w.varint(st.tiers.size());
    for (std::size_t k = 0; k < st.tiers.size(); ++k) {
      w.string(st.tiers[k].severity);
      w.svarint(m.threshold_ms[s][k]);
    }
  }

  // Orders, per status in entry-time order (so entry times delta-encode into a byte or two).
  // The index yields record numbers in time order; the records themselves are scattered over
  // the table, so each is prefetched kAhead entries before it is written.
  constexpr std::size_t kAhead = 16;
  for (std::size_t s = 0; s < m.n; ++s) {
    const StatusIndex& index = m.index[s];
    w.varint(index.size());
    IndexEntry ring[kAhead];
    std::size_t seen = 0;
    std::int64_t prev = 0;
    bool first = true;
    auto emit = [&](const IndexEntry& e) {
      const OrderRecord& r = m.table.at(e.idx);
      if (first) {
        w.svarint(e.t);
        first = false;
      } else {
        w.varint(static_cast<std::uint64_t>(e.t - prev));
      }
      prev = e.t;
      w.svarint(e.t - r.first_seen_ms);
      w.varint(r.combo);
      w.string(m.table.id(e.idx));
    };
    index.for_each_from_oldest([&](const IndexEntry& e) {
      __builtin_prefetch(&m.table.at(e.idx));
      if (seen >= kAhead) emit(ring[seen % kAhead]);
      ring[seen % kAhead] = e;
      ++seen;
      return true;
    });
    for (std::size_t k = seen > kAhead ? seen - kAhead : 0; k < seen; ++k) emit(ring[k % kAhead]);
  }

  w.varint(tombstones);
  std::int64_t prev_expiry = 0;
  m.tombstones.for_each([&](std::uint64_t hash, std::uint8_t status, std::int64_t expires) {
    w.fixed64(hash);
    w.varint(status);
    w.svarint(expires - prev_expiry);
    prev_expiry = expires;
  });
}

RestoreReport OrderTracker::load_state(std::string_view image, const std::string& name) {
  Impl& m = *impl_;
  if (m.table.size() != 0 || m.tombstones.size() != 0) {
    throw std::logic_error("OrderTracker::load_state needs a new tracker");
  }
  Reader r(open_snapshot(image, name), name);
  RestoreReport rep;
  rep.meta.bytes = image.size();
  rep.writer = std::string(r.string("writer"));
  rep.meta.written_ms = r.svarint("written time");
  rep.meta.stream_seq = r.varint("stream sequence");
  const std::int64_t last_tick = r.svarint("last tick");
  const std::int64_t last_event_ms = r.svarint("last event time");
  const std::uint64_t orders = r.count("order count", 4);  // an order takes >= 4 bytes
  const std::uint64_t tombstones = r.count("tombstone count", 10);

  // Dimensions, matched by the event field they read.
  struct OldDimension {
    int target = -1;
    std::vector<std::string_view> values;  // [0] unknown, [1] other, then as interned
  };
  const std::uint64_t ndims = r.count("dimension count", 3);
  if (ndims > kMaxDimensions) r.fail("more than " + std::to_string(kMaxDimensions) + " dimensions");
  std::vector<OldDimension> old_dims(ndims);
  std::vector<bool> claimed(m.ndims, false);
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
  // Combos: re-interned value by value, so caps and value ids follow the current config.
  const std::uint64_t ncombos = r.count("combo count", std::max<std::uint64_t>(ndims, 1));
  std::vector<std::uint16_t> combo_map(ncombos);
  for (auto& mapped : combo_map) {
    ComboKey key{};
    for (const auto& d : old_dims) {
      const std::uint64_t v = r.varint("combo value");
      if (v >= d.values.size())
        r.fail("combo names dimension value " + std::to_string(v) + " of " +
               std::to_string(d.values.size()));
      if (d.target >= 0) key[d.target] = m.dims[d.target].intern(d.values[v]);
    }
    mapped = m.combo_for(key);
  }

  // Statuses, matched by name; tiers by severity (to tell which crossings are new).
  struct OldStatus {
    int target = -1;
    bool keep_orders = false;
    std::vector<std::int64_t> old_cutoff;  // [new tier]: the crossing point the writer had reached
  };
  const std::uint64_t nstatuses = r.count("status count", 3);
  if (nstatuses > 255) r.fail("more than 255 statuses");
  std::vector<OldStatus> old_statuses(nstatuses);
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
    for (std::size_t k = 0; k < st.tiers.size(); ++k) {
      for (const auto& [severity, threshold] : tiers) {
        if (severity == st.tiers[k].severity && last_tick != kNever) {
          os.old_cutoff[k] = minus(last_tick, threshold, r);
        }
      }
    }
  }

  // The deadline position: where the writer's last tick left every tier, under the current
  // thresholds. The next tick() counts what crossed since.
  m.last_tick = last_tick;
  if (last_tick != kNever) {
    for (std::size_t s = 0; s < m.n; ++s) {
      for (std::size_t k = 0; k < m.cutoff[s].size(); ++k)
        m.cutoff[s][k] = minus(last_tick, m.threshold_ms[s][k], r);
    }
  }

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
        if (delta > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max() - entered))
          r.fail("entry time out of range");
        entered += static_cast<std::int64_t>(delta);
      }
      const std::int64_t stay = r.svarint("time since first seen");
      const std::uint64_t combo = r.varint("combo");
      if (combo >= ncombos)
        r.fail("order names combo " + std::to_string(combo) + " of " + std::to_string(ncombos));
      const std::string_view id = r.string("order id");
      if (id.empty()) r.fail("empty order id");
      if (!os.keep_orders) {
        ++rep.orders_dropped;
        continue;
      }
      const std::uint64_t h = hash_order_id(id);
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
      rec.combo = combo_map[combo];
      // As Impl::enter, except that a tier the writer had already seen crossed is not a new
      // breach (its stay was counted before the snapshot).
      m.index[s].insert(IndexEntry{entered, idx});
      const std::size_t ser = m.series(rec.combo, s);
      ++m.in_status[ser];
      const auto& cut = m.cutoff[s];
      for (std::size_t k = 0; k < cut.size(); ++k) {
        if (entered > cut[k]) break;
        ++m.overdue[ser * m.max_tiers + k];
        if (entered > os.old_cutoff[k]) ++m.breaches[s * m.max_tiers + k];
      }
    }
  }
  if (read_orders != orders)
    r.fail("order count " + std::to_string(orders) + " but " + std::to_string(read_orders) +
           " orders");

  if (r.count("tombstone count", 10) != tombstones) r.fail("tombstone count mismatch");
  std::int64_t expiry = 0;
  for (std::uint64_t i = 0; i < tombstones; ++i) {
    const std::uint64_t hash = r.fixed64("tombstone");
    const std::uint64_t status = r.varint("tombstone status");
    if (status >= nstatuses)
      r.fail("tombstone names status " + std::to_string(status) + " of " +
             std::to_string(nstatuses));
    expiry = plus(expiry, r.svarint("tombstone expiry"), r);
    const int target = old_statuses[status].target;
    if (target < 0) {
      ++rep.tombstones_dropped;
      continue;
    }
    m.tombstones.add(hash, static_cast<std::uint8_t>(target), expiry);
  }
  if (!r.done()) r.fail(std::to_string(r.remaining()) + " unexpected bytes after the tombstones");

  m.last_event_ms = last_event_ms;
  rep.meta.orders = orders - rep.orders_dropped;
  rep.meta.tombstones = tombstones - rep.tombstones_dropped;
  return rep;
}

void OrderTracker::carry_counters_from(const OrderTracker& previous) {
  const Impl& o = *previous.impl_;
  Impl& m = *impl_;
  std::copy(std::begin(o.events), std::end(o.events), std::begin(m.events));
  std::copy(std::begin(o.rejected), std::end(o.rejected), std::begin(m.rejected));
  m.evictions = o.evictions;

  std::vector<int> status_map(o.n);
  for (std::size_t s = 0; s < o.n; ++s) status_map[s] = m.cfg.status_index(o.cfg.statuses[s].name);
  for (std::size_t from = 0; from < o.n; ++from) {
    for (std::size_t to = 0; to < o.n; ++to) {
      if (status_map[from] < 0 || status_map[to] < 0) continue;
      m.transitions[status_map[from] * m.n + status_map[to]] += o.transitions[from * o.n + to];
    }
  }
  for (std::size_t s = 0; s < o.n; ++s) {
    if (status_map[s] < 0) continue;
    const auto& old_tiers = o.cfg.statuses[s].tiers;
    for (std::size_t k = 0; k < old_tiers.size(); ++k) {
      const int nk = tier_by_severity(m.cfg.statuses[status_map[s]], old_tiers[k].severity);
      if (nk >= 0) m.breaches[status_map[s] * m.max_tiers + nk] += o.breaches[s * o.max_tiers + k];
    }
  }

  // Histograms keep their meaning only with the same buckets; otherwise they restart (a
  // counter reset Prometheus handles) rather than mixing bucket layouts.
  if (o.duration_bounds == m.duration_bounds) {
    std::vector<int> dim_map(o.ndims);
    for (std::size_t i = 0; i < o.ndims; ++i)
      dim_map[i] = dimension_by_field(m.cfg, o.cfg.event.dimensions[i].field);
    for (std::size_t c = 0; c < o.combos.size(); ++c) {
      ComboKey key{};
      for (std::size_t i = 0; i < o.ndims; ++i) {
        if (dim_map[i] >= 0)
          key[dim_map[i]] = m.dims[dim_map[i]].intern(o.dims[i].names[o.combos[c][i]]);
      }
      const std::uint16_t nc = m.combo_for(key);
      for (std::size_t s = 0; s < o.n; ++s) {
        if (status_map[s] < 0) continue;
        const std::size_t from =
            o.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s));
        const std::size_t to = m.series(nc, static_cast<std::uint8_t>(status_map[s]));
        for (std::size_t b = 0; b < m.nb; ++b) m.hist[to * m.nb + b] += o.hist[from * o.nb + b];
        m.hist_sum_ms[to] += o.hist_sum_ms[from];
      }
    }
  }
  if (o.turnaround_bounds == m.turnaround_bounds) {
    for (std::size_t s = 0; s < o.n; ++s) {
      if (status_map[s] < 0) continue;
      const auto to = static_cast<std::size_t>(status_map[s]);
      for (std::size_t b = 0; b < m.ntb; ++b)
        m.turn_hist[to * m.ntb + b] += o.turn_hist[s * o.ntb + b];
      m.turn_sum_ms[to] += o.turn_sum_ms[s];
    }
  }
}

}  // namespace orderwatch::tracking
