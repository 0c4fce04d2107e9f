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

// Index of the tier of `status` with this severity, or -1.
int tier_by_severity(const sla::Status& status, std::string_view severity) {
  for (std::size_t k = 0; k < status.tiers.size(); ++k) {
    if (status.tiers[k].severity == severity) return static_cast<int>(k);
  }
  return -1;
}

}  // namespace

namespace {

using Impl = OrderTracker::Impl;

// Writer, counts, dimensions (values by name), combos and statuses with their tiers.
void save_header(const Impl& m, Writer& w, std::uint64_t stream_seq, std::int64_t written_ms,
                 std::uint64_t tombstones) {
  w.string("orderwatch " ORDERWATCH_VERSION);
  w.svarint(written_ms);
  w.varint(stream_seq);
  // Never a watermark ahead of the clock that writes it (one that ran ahead and was corrected).
  w.svarint(m.watermark == kNever ? kNever : std::min(m.watermark, written_ms));
  w.svarint(m.last_event_ms);
  w.svarint(m.max_event_ms);
  w.varint(m.table.size());
  w.varint(tombstones);
  w.fixed64(m.hash_key.k0);
  w.fixed64(m.hash_key.k1);

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
}

// Orders, per status in entry-time order (so entry times delta-encode into a byte or two).
// The index yields record numbers in time order; the records themselves are scattered over
// the table, so each is prefetched kAhead entries before it is written.
void save_orders(const Impl& m, Writer& w) {
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
      w.varint(r.breached);
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
}

void save_tombstones(const Impl& m, Writer& w, std::uint64_t tombstones, std::int64_t written_ms) {
  w.varint(tombstones);
  std::int64_t prev_expiry = 0;
  const std::int64_t latest = written_ms + m.cfg.retention.tombstone_ttl.count();
  m.tombstones.for_each([&](std::uint64_t hash, std::uint8_t status, std::int64_t expires) {
    expires = std::min(expires, latest);  // as TombstoneSet::expire would cap it
    w.fixed64(hash);
    w.varint(status);
    w.svarint(expires - prev_expiry);
    prev_expiry = expires;
  });
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
  save_header(m, w, stream_seq, written_ms, tombstones);
  save_orders(m, w);
  save_tombstones(m, w, tombstones, written_ms);
  save_acks(m, w);
}

// Counters::counts: events, rejected, evictions, transitions, breaches, turnaround buckets,
// then the duration buckets (last: they grow with the combos); sums: turnaround sums, then
// the duration sums (last, likewise).
OrderTracker::Counters OrderTracker::counters() const {
  const Impl& m = *impl_;
  Counters c;
  c.counts.insert(c.counts.end(), std::begin(m.events), std::end(m.events));
  c.counts.insert(c.counts.end(), std::begin(m.rejected), std::end(m.rejected));
  c.counts.push_back(m.evictions);
  c.counts.insert(c.counts.end(), m.transitions.begin(), m.transitions.end());
  c.counts.insert(c.counts.end(), m.breaches.begin(), m.breaches.end());
  c.counts.insert(c.counts.end(), m.turn_hist.begin(), m.turn_hist.end());
  c.counts.insert(c.counts.end(), m.hist.begin(), m.hist.end());
  c.sums.insert(c.sums.end(), m.turn_sum_ms.begin(), m.turn_sum_ms.end());
  c.sums.insert(c.sums.end(), m.hist_sum_ms.begin(), m.hist_sum_ms.end());
  return c;
}

void OrderTracker::restore_counters(const Counters& saved) {
  Impl& m = *impl_;
  auto in = saved.counts.begin();
  const auto in_end = saved.counts.end();
  // Copies the next saved values over `out` (as many as were saved), zeroing the rest.
  auto take = [](auto& from, auto from_end, auto* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = from != from_end ? *from++ : 0;
  };
  take(in, in_end, m.events, std::size(m.events));
  take(in, in_end, m.rejected, std::size(m.rejected));
  take(in, in_end, &m.evictions, 1);
  take(in, in_end, m.transitions.data(), m.transitions.size());
  take(in, in_end, m.breaches.data(), m.breaches.size());
  take(in, in_end, m.turn_hist.data(), m.turn_hist.size());
  take(in, in_end, m.hist.data(), m.hist.size());
  auto sin = saved.sums.begin();
  take(sin, saved.sums.end(), m.turn_sum_ms.data(), m.turn_sum_ms.size());
  take(sin, saved.sums.end(), m.hist_sum_ms.data(), m.hist_sum_ms.size());
}

void OrderTracker::carry_counters_from(const OrderTracker& previous) {
  const Impl& o = *previous.impl_;
  Impl& m = *impl_;
  std::copy(std::begin(o.events), std::end(o.events), std::begin(m.events));
  std::copy(std::begin(o.rejected), std::end(o.rejected), std::begin(m.rejected));
  m.evictions = o.evictions;
  m.orders_refused = o.orders_refused;
  m.tombstones_refused = o.tombstones_refused;

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
      if (!o.combo_live[c]) continue;  // released: nothing to carry
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
