// OrderTracker::apply_batch: the batched event path, a software pipeline that overlaps the cache
// misses of different events; results are exactly those of apply() on each event in order.
// Called by TrackerService's Batch (ingest hands over up to 256 events at a time).
#include <algorithm>
#include <array>

#include "tracker_impl.h"

namespace orderwatch::tracking {

namespace {

constexpr std::size_t kSlotAhead = 12;
constexpr std::size_t kRecordAhead = 6;
constexpr std::size_t kChunkAhead = 2;
constexpr std::size_t kClockChunkAhead = 4;  // milestones: their clocks came with the record
constexpr std::size_t kRing = 16;            // > kSlotAhead, a power of two

}  // namespace

// An event's apply is dominated by cache misses (its hash slot, its record, the index chunk of
// its current stay, in tables far larger than the cache); applied one by one they are paid in
// series. Here a software pipeline overlaps the misses of different events: while event i is
// applied,
//   event i + kSlotAhead    has its id hashed and its home slot requested,
//   event i + kRecordAhead  has its probe read (slot in cache) and its record requested (and,
//                           absent or finishing, its tombstone slot),
//   event i + kChunkAhead   is looked up (record in cache) and the index chunk holding its
//                           current stay requested.
// What a stage found is a hint, checked again in O(1) when the event is applied (the events
// between may have moved the same order, or split the chunk), so results are exactly those of
// apply() on each event in order.
void OrderTracker::apply_batch(std::span<const Event> events, std::int64_t now_ms,
                               std::span<ApplyResult> out) {
  Impl& m = *impl_;
  const std::size_t count = std::min(events.size(), out.size());
  std::array<std::uint64_t, kRing> hash{};
  std::array<Lookahead, kRing> ahead{};
  std::array<std::uint32_t, kRing> hint{};  // the record the hash slot pointed to
  auto request_slot = [&](std::size_t j) {
    hash[j % kRing] = hash_order_id(m.hash_key, events[j].id);
    m.table.prefetch_slot(hash[j % kRing]);
  };
  auto request_record = [&](std::size_t j) {
    const std::uint32_t h = hint[j % kRing] = m.table.prefetch_record_index(hash[j % kRing]);
    const bool present = h != OrderTable::kNotFound;
    if (present && m.has_milestones) m.milestones.prefetch_clocks(h);
    // Absent (a tombstone may say it finished), or finishing now (its tombstone is added).
    if (!present || m.terminal[events[j].status]) m.tombstones.prefetch(hash[j % kRing]);
  };
  auto request_chunk = [&](std::size_t j) {
    Lookahead& a = ahead[j % kRing];
    a = {};
    a.idx = m.table.find(events[j].id, hash[j % kRing]);
    if (a.idx == OrderTable::kNotFound) return;
    const OrderRecord& r = m.table.at(a.idx);
    if (r.status == events[j].status) return;  // a duplicate: nothing to move
    m.index[r.status].prefetch(r.chunk);
  };
  // Milestones: the clocks requested with the record are in cache by now; the index chunks the
  // change will take them out of are requested (on the slot's hint: a wrong one costs a
  // wasted prefetch, nothing else).
  auto request_clock_chunks = [&](std::size_t j) {
    const std::uint32_t h = hint[j % kRing];
    if (h == OrderTable::kNotFound) return;
    const OrderRecord& r = m.table.at(h);
    if (r.status == OrderRecord::kFree || r.status == events[j].status) return;
    m.milestones.prefetch_chunks(h, r.status, events[j].status);
  };
  // Fill the pipeline: the first events go through the stages they would have been in.
  for (std::size_t j = 0; j < std::min(count, kSlotAhead); ++j) request_slot(j);
  for (std::size_t j = 0; j < std::min(count, kRecordAhead); ++j) request_record(j);
  for (std::size_t j = 0; j < std::min(count, kChunkAhead); ++j) request_chunk(j);
  if (m.has_milestones) {
    for (std::size_t j = 0; j < std::min(count, kClockChunkAhead); ++j) request_clock_chunks(j);
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kSlotAhead < count) request_slot(i + kSlotAhead);
    if (i + kRecordAhead < count) request_record(i + kRecordAhead);
    if (m.has_milestones && i + kClockChunkAhead < count)
      request_clock_chunks(i + kClockChunkAhead);
    if (i + kChunkAhead < count) request_chunk(i + kChunkAhead);
    out[i] = m.apply(events[i], now_ms, hash[i % kRing], ahead[i % kRing]);
  }
}

}  // namespace orderwatch::tracking
