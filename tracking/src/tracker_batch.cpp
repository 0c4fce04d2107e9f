// OrderTracker::apply_batch: the batched event path. An event's apply is dominated by cache
// misses (its hash slot, then its record, in tables far larger than the cache); applied one
// by one they are paid in series. Here the slot of event i + kSlotAhead and the record of
// event i + kRecordAhead are prefetched while event i is applied, so the misses of different
// events overlap. Results are those of apply() on each event in order.
#include <algorithm>
#include <array>

#include "tracker_impl.h"

namespace orderwatch::tracking {

namespace {

constexpr std::size_t kSlotAhead = 8;    // hash computed and home slot requested
constexpr std::size_t kRecordAhead = 4;  // home slot read, its record requested
constexpr std::size_t kRing = 16;        // > kSlotAhead, a power of two

}  // namespace

void OrderTracker::apply_batch(std::span<const Event> events, std::int64_t now_ms,
                               std::span<ApplyResult> out) {
  Impl& m = *impl_;
  const std::size_t count = std::min(events.size(), out.size());
  std::array<std::uint64_t, kRing> hash{};
  auto request_slot = [&](std::size_t j) {
    hash[j % kRing] = hash_order_id(m.hash_key, events[j].id);
    m.table.prefetch_slot(hash[j % kRing]);
  };
  for (std::size_t j = 0; j < std::min(count, kSlotAhead); ++j) request_slot(j);
  for (std::size_t j = 0; j < std::min(count, kRecordAhead); ++j) {
    m.table.prefetch_record(hash[j % kRing]);
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kSlotAhead < count) request_slot(i + kSlotAhead);
    if (i + kRecordAhead < count) m.table.prefetch_record(hash[(i + kRecordAhead) % kRing]);
    out[i] = m.apply(events[i], now_ms, hash[i % kRing]);
  }
}

}  // namespace orderwatch::tracking
