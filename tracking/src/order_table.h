// OrderTable: the in-flight orders. Dense, compact per-order records addressed by a 32-bit
// index, plus an open-addressing (linear probing, backward-shift deletion) hash index from
// order id to record. Ids up to 23 bytes live inline in the record; longer ids are kept in a
// side store. Freed records are recycled, so steady-state churn allocates nothing.
//
// Memory at N orders: 48 B record + 8 B / load-factor hash slot (~11-16 B) per order.
// Not thread-safe: owned by OrderTracker, which is used under one lock.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "huge_page_allocator.h"
#include "id_hash.h"

namespace orderwatch::tracking {

struct OrderRecord {
  static constexpr std::uint8_t kInlineCapacity = 23;
  static constexpr std::uint8_t kLongId = 0xFF;
  static constexpr std::uint8_t kFree = 0xFF;

  char id_bytes[kInlineCapacity];  // inline id, or (len == kLongId) a uint32 long-id slot
  std::uint8_t id_len = 0;
  std::int64_t entered_ms = 0;     // event time the order entered its current status
  std::int64_t first_seen_ms = 0;  // event time of the first event seen (turnaround start)
  // The StatusIndex chunk holding this order's entry (StatusIndex::ChunkId), kept current by
  // the index, so a move goes straight to it.
  std::uint32_t chunk = 0xFFFFFFFFu;
  std::uint16_t combo = 0;      // interned dimension-value combination
  std::uint8_t status = kFree;  // index into Config::statuses; kFree when unused
  // Tiers 0..breached-1 of the current stay have had their breach counted (once per stay per
  // tier; tiers are crossed in order, so a count is enough).
  std::uint8_t breached : 7 = 0;
  // The stay arrived already past a tier as of W (a backfill behind W, a straggler): not
  // overdue until settled; its breaches are confirmed one by one meanwhile (LateEntries).
  std::uint8_t late : 1 = 0;
};
static_assert(sizeof(OrderRecord) == 48, "keep the per-order record compact");

class OrderTable {
 public:
  static constexpr std::uint32_t kNotFound = 0xFFFFFFFFu;

  OrderTable();

  // Record index of `id`, or kNotFound. `hash` must be hash_order_id(key, id) for the
  // tracker's key.
  std::uint32_t find(std::string_view id, std::uint64_t hash) const;
  // Slots find() visits for `hash` before it stops (tests: probe lengths, not time).
  std::size_t probe_length(std::string_view id, std::uint64_t hash) const;
  // Inserts a new id (caller checked it is absent) and returns its record, status kFree
  // replaced by the caller.
  std::uint32_t insert(std::string_view id, std::uint64_t hash);
  // Removes the record from the index and recycles it. `hash`: as for find().
  void erase(std::uint32_t idx, std::uint64_t hash);

  // Prefetch hints for a batch of lookups (OrderTracker::apply_batch): first the id's home
  // slot; once that is in cache, the record of the first slot along the probe whose tag
  // matches (kNotFound: no slot matches, the id is absent). Hints only: the table may change
  // between a hint and the lookup it prepares.
  void prefetch_slot(std::uint64_t hash) const { __builtin_prefetch(&slots_[home(tag_of(hash))]); }
  // The record requested is returned (its index), so its neighbours can be requested too.
  std::uint32_t prefetch_record_index(std::uint64_t hash) const {
    const OrderRecord* r = probe_hint(hash);
    if (r == nullptr) return kNotFound;
    __builtin_prefetch(r);
    return static_cast<std::uint32_t>(r - records_.data());
  }
  // Whether record idx (from an earlier find) still holds `id`: a found index checked again
  // in O(1) after other events changed the table.
  bool holds(std::uint32_t idx, std::string_view id) const {
    return idx < records_.size() && records_[idx].status != OrderRecord::kFree &&
           key_equals(records_[idx], id);
  }

  void prefetch_at(std::uint32_t idx) const { __builtin_prefetch(&records_[idx]); }
  OrderRecord& at(std::uint32_t idx) { return records_[idx]; }
  const OrderRecord& at(std::uint32_t idx) const { return records_[idx]; }
  std::string_view id(std::uint32_t idx) const;
  std::size_t size() const { return size_; }
  void reserve(std::size_t orders);

  // Approximate heap bytes held (records + slots + long ids), for self-metrics and benches.
  std::size_t memory_bytes() const;

 private:
  static std::uint32_t tag_of(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }
  std::size_t home(std::uint32_t tag) const { return tag >> (32 - bits_); }
  bool key_equals(const OrderRecord& r, std::string_view id) const;
  // The record of the first slot along the probe of `hash` whose tag matches, or nullptr.
  const OrderRecord* probe_hint(std::uint64_t hash) const;
  void grow();
  void place(std::uint64_t slot_value);

  std::vector<OrderRecord, HugePageAllocator<OrderRecord>> records_;
  std::vector<std::uint32_t> free_records_;
  // Slot: (tag << 32) | (record index + 1); 0 = empty.
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> slots_;
  unsigned bits_ = 0;
  std::size_t size_ = 0;
  std::vector<std::string> long_ids_;
  std::vector<std::uint32_t> free_long_ids_;
};

}  // namespace orderwatch::tracking
