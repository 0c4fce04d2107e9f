// OrderTracker::save_state: the order state into a snapshot image (format in snapshot.h),
// section by section; loading is snapshot_load.cpp. Called by TrackerService under its lock,
// or in a forked child (service_snapshot.cpp, service_reload.cpp).
#include <stdexcept>

#include "orderwatch/events/time.h"
#include "orderwatch/tracking/snapshot.h"
#include "snapshot_codec.h"
#include "tracker_impl.h"
#include "trend.h"

#ifndef ORDERWATCH_VERSION
#define ORDERWATCH_VERSION "unknown"
#endif

namespace orderwatch::tracking {

namespace {

using snapshot_codec::Writer;
using Impl = OrderTracker::Impl;

// Writer, counts, dimensions (values by name), combos and statuses with their tiers.
void save_header(const Impl& m, Writer& w, std::uint64_t stream_seq, std::int64_t written_ms,
                 std::uint64_t tombstones) {
  w.string("orderwatch " ORDERWATCH_VERSION);
  w.svarint(written_ms);
  w.varint(stream_seq);
  // Never a watermark ahead of the clock that writes it (one that ran ahead and was corrected).
  w.svarint(m.watermark.known() ? std::min(m.watermark.ms(), written_ms) : kNever);
  w.svarint(m.counts.last_event_ms);
  w.svarint(m.watermark.newest_event_ms());
  w.varint(m.table.size());
  w.varint(tombstones);
  w.fixed64(m.hash_key.k0);
  w.fixed64(m.hash_key.k1);

  const std::size_t ndims = m.labels.dimensions();
  w.varint(ndims);
  for (std::size_t i = 0; i < ndims; ++i) {
    w.string(m.cfg.event.dimensions[i].field);
    w.string(m.cfg.event.dimensions[i].label);
    const auto& names = m.labels.value_names(i);
    w.varint(names.size() - 2);  // "unknown" and "other" are implied
    for (std::size_t v = 2; v < names.size(); ++v) w.string(names[v]);
  }
  w.varint(m.labels.size());
  for (std::size_t c = 0; c < m.labels.size(); ++c) {
    for (std::size_t i = 0; i < ndims; ++i) w.varint(m.labels.value(c, i));
  }
  w.varint(m.cfg.statuses.size());
  for (std::size_t s = 0; s < m.cfg.statuses.size(); ++s) {
    const auto& st = m.cfg.statuses[s];
    w.string(st.name);
    w.varint(st.terminal ? 1 : 0);
    w.varint(st.tiers.size());
    for (std::size_t k = 0; k < st.tiers.size(); ++k) {
      w.string(st.tiers[k].severity);
      w.svarint(m.deadlines[s].threshold_ms(k));
    }
  }
  w.varint(m.cfg.milestones.size());
  for (const auto& ms : m.cfg.milestones) {
    w.string(ms.name);
    w.varint(ms.has_deadline_field() ? 1 : 0);
  }
}

// The order's milestone clocks (SavedClock), in the config's milestone order.
void save_clocks(const Impl& m, Writer& w, std::uint32_t idx, const OrderRecord& r) {
  for (std::size_t k = 0; k < m.milestones.size(); ++k) {
    const SavedClock c = m.milestones.saved(Impl::owner(idx, r), k);
    w.varint(static_cast<std::uint64_t>(c.state) | (c.has_value ? 4u : 0u) |
             (static_cast<std::uint64_t>(c.breached) << 3));
    if (c.state == ClockState::kRunning || c.state == ClockState::kPaused) {
      w.svarint(c.started_ms - r.first_seen_ms);
    }
    if (c.has_value) w.svarint(c.value);
  }
}

// Orders, per status in entry-time order (so entry times delta-encode into a byte or two).
// The index yields record numbers in time order; the records themselves are scattered over
// the table, so each is prefetched kAhead entries before it is written.
void save_orders(const Impl& m, Writer& w) {
  constexpr std::size_t kAhead = 16;
  for (std::size_t s = 0; s < m.index.size(); ++s) {
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
      save_clocks(m, w, e.idx, r);
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

void OrderTracker::save_state(std::string& image, std::uint64_t stream_seq, std::int64_t written_ms,
                              const TrendRing* trend) const {
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
  save_milestone_acks(m, w);
  save_recovered(m, w);
  if (trend != nullptr) {
    trend->save(w);
  } else {
    w.varint(0);  // no statuses
    w.varint(0);  // no samples
  }
}

}  // namespace orderwatch::tracking
