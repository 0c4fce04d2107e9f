// OrderTable (order_table.h): the in-flight order records and their open-addressing id index --
// probing, backward-shift deletion, growth, long ids. Called by the tracker's event path, tick,
// queries and persistence, under the service's lock.
#include "order_table.h"

#include <cassert>

namespace orderwatch::tracking {

namespace {

constexpr unsigned kInitialBits = 10;
constexpr double kMaxLoad = 0.75;

}  // namespace

OrderTable::OrderTable() : slots_(std::size_t{1} << kInitialBits, 0), bits_(kInitialBits) {}

bool OrderTable::key_equals(const OrderRecord& r, std::string_view id) const {
  if (r.id_len != OrderRecord::kLongId) {
    return r.id_len == id.size() && std::memcmp(r.id_bytes, id.data(), id.size()) == 0;
  }
  std::uint32_t slot;
  std::memcpy(&slot, r.id_bytes, sizeof slot);
  return long_ids_[slot] == id;
}

std::string_view OrderTable::id(std::uint32_t idx) const {
  const OrderRecord& r = records_[idx];
  if (r.id_len != OrderRecord::kLongId) return {r.id_bytes, r.id_len};
  std::uint32_t slot;
  std::memcpy(&slot, r.id_bytes, sizeof slot);
  return long_ids_[slot];
}

std::uint32_t OrderTable::find(std::string_view id, std::uint64_t hash) const {
  const std::uint32_t tag = tag_of(hash);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t pos = home(tag);; pos = (pos + 1) & mask) {
    const std::uint64_t s = slots_[pos];
    if (s == 0) return kNotFound;
    if (static_cast<std::uint32_t>(s >> 32) == tag) {
      const auto idx = static_cast<std::uint32_t>(s) - 1;
      if (key_equals(records_[idx], id)) return idx;
    }
  }
}

const OrderRecord* OrderTable::probe_hint(std::uint64_t hash) const {
  const std::uint32_t tag = tag_of(hash);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t pos = home(tag);; pos = (pos + 1) & mask) {
    const std::uint64_t s = slots_[pos];
    if (s == 0) return nullptr;
    if (static_cast<std::uint32_t>(s >> 32) == tag)
      return &records_[static_cast<std::uint32_t>(s) - 1];
  }
}

std::size_t OrderTable::probe_length(std::string_view id, std::uint64_t hash) const {
  const std::uint32_t tag = tag_of(hash);
  const std::size_t mask = slots_.size() - 1;
  std::size_t visited = 1;
  for (std::size_t pos = home(tag);; pos = (pos + 1) & mask, ++visited) {
    const std::uint64_t s = slots_[pos];
    if (s == 0) return visited;
    if (static_cast<std::uint32_t>(s >> 32) == tag &&
        key_equals(records_[static_cast<std::uint32_t>(s) - 1], id))
      return visited;
  }
}

void OrderTable::place(std::uint64_t slot_value) {
  const std::size_t mask = slots_.size() - 1;
  std::size_t pos = home(static_cast<std::uint32_t>(slot_value >> 32));
  while (slots_[pos] != 0) pos = (pos + 1) & mask;
  slots_[pos] = slot_value;
}

void OrderTable::grow() {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> old;
  old.swap(slots_);
  ++bits_;
  slots_.assign(std::size_t{1} << bits_, 0);
  for (std::uint64_t s : old) {
    if (s != 0) place(s);
  }
}

void OrderTable::reserve(std::size_t orders) {
  while (static_cast<double>(orders) > kMaxLoad * static_cast<double>(slots_.size())) grow();
  records_.reserve(orders);
}

std::uint32_t OrderTable::insert(std::string_view id, std::uint64_t hash) {
  if (static_cast<double>(size_ + 1) > kMaxLoad * static_cast<double>(slots_.size())) grow();
  std::uint32_t idx;
  if (!free_records_.empty()) {
    idx = free_records_.back();
    free_records_.pop_back();
  } else {
    idx = static_cast<std::uint32_t>(records_.size());
    records_.emplace_back();
  }
  OrderRecord& r = records_[idx];
  r = OrderRecord{};
  if (id.size() <= OrderRecord::kInlineCapacity) {
    std::memcpy(r.id_bytes, id.data(), id.size());
    r.id_len = static_cast<std::uint8_t>(id.size());
  } else {
    std::uint32_t slot;
    if (!free_long_ids_.empty()) {
      slot = free_long_ids_.back();
      free_long_ids_.pop_back();
      long_ids_[slot].assign(id);
    } else {
      slot = static_cast<std::uint32_t>(long_ids_.size());
      long_ids_.emplace_back(id);
    }
    std::memcpy(r.id_bytes, &slot, sizeof slot);
    r.id_len = OrderRecord::kLongId;
  }
  place((static_cast<std::uint64_t>(tag_of(hash)) << 32) | (idx + 1));
  ++size_;
  return idx;
}

void OrderTable::erase(std::uint32_t idx, std::uint64_t hash) {
  OrderRecord& r = records_[idx];
  const std::uint32_t tag = tag_of(hash);
  const std::uint64_t target = (static_cast<std::uint64_t>(tag) << 32) | (idx + 1);
  const std::size_t mask = slots_.size() - 1;
  std::size_t pos = home(tag);
  while (slots_[pos] != target) {
    assert(slots_[pos] != 0);
    pos = (pos + 1) & mask;
  }
  // Backward-shift deletion: pull later members of the cluster into the hole when their
  // home position allows it, so lookups never need tombstone slots.
  std::size_t hole = pos;
  for (std::size_t next = (hole + 1) & mask;; next = (next + 1) & mask) {
    const std::uint64_t s = slots_[next];
    if (s == 0) break;
    const std::size_t h = home(static_cast<std::uint32_t>(s >> 32));
    // Move `next` into `hole` unless its home lies cyclically in (hole, next].
    const bool home_after_hole = ((next - h) & mask) < ((next - hole) & mask);
    if (!home_after_hole) {
      slots_[hole] = s;
      hole = next;
    }
  }
  slots_[hole] = 0;
  if (r.id_len == OrderRecord::kLongId) {
    std::uint32_t slot;
    std::memcpy(&slot, r.id_bytes, sizeof slot);
    long_ids_[slot].clear();
    long_ids_[slot].shrink_to_fit();
    free_long_ids_.push_back(slot);
  }
  r.status = OrderRecord::kFree;
  free_records_.push_back(idx);
  --size_;
}

std::size_t OrderTable::memory_bytes() const {
  std::size_t bytes = records_.capacity() * sizeof(OrderRecord) +
                      free_records_.capacity() * sizeof(std::uint32_t) +
                      slots_.capacity() * sizeof(std::uint64_t);
  for (const auto& s : long_ids_) bytes += sizeof(std::string) + s.capacity();
  return bytes;
}

}  // namespace orderwatch::tracking
