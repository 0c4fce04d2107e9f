// StatusIndex (status_index.h): the chunked sorted array of one status's orders by entry time --
// insert, erase, chunk split/merge with relocation callbacks, walks. Called by the tracker's
// event path (enter/leave), the tick (deadline and age walks), queries and persistence.
#include "status_index.h"

#include <optional>

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstring>

namespace orderwatch::tracking {

namespace {

inline bool less(std::int64_t t, std::uint32_t idx, const IndexEntry& e) {
  return t < e.t || (t == e.t && idx < e.idx);
}

}  // namespace

template <bool kCombo>
std::uint32_t OrderedIndex<kCombo>::Chunk::lower_bound(const IndexEntry& e) const {
  // Branchless binary search: the comparisons become conditional moves, so a random key
  // costs cache misses but no branch mispredictions.
  std::uint32_t base = 0;
  std::uint32_t n = size;
  while (n > 1) {
    const std::uint32_t half = n / 2;
    base = less(t[base + half - 1], idx[base + half - 1], e) ? base + half : base;
    n -= half;
  }
  return (n == 1 && less(t[base], idx[base], e)) ? base + 1 : base;
}

template <bool kCombo>
std::uint32_t OrderedIndex<kCombo>::Chunk::upper_bound(const IndexEntry& e) const {
  std::uint32_t base = 0;
  std::uint32_t n = size;
  while (n > 1) {
    const std::uint32_t half = n / 2;
    base = !less(e.t, e.idx, at(base + half - 1)) ? base + half : base;
    n -= half;
  }
  return (n == 1 && !less(e.t, e.idx, at(base))) ? base + 1 : base;
}

template <bool kCombo>
void OrderedIndex<kCombo>::Chunk::insert_at(std::uint32_t pos, const IndexEntry& e) {
  std::memmove(t + pos + 1, t + pos, (size - pos) * sizeof(std::int64_t));
  std::memmove(idx + pos + 1, idx + pos, (size - pos) * sizeof(std::uint32_t));
  t[pos] = e.t;
  idx[pos] = e.idx;
  if constexpr (kCombo) {
    std::memmove(combo + pos + 1, combo + pos, (size - pos) * sizeof(std::uint16_t));
    combo[pos] = e.combo;
  }
  ++size;
}

template <bool kCombo>
void OrderedIndex<kCombo>::Chunk::erase_at(std::uint32_t pos) {
  std::memmove(t + pos, t + pos + 1, (size - pos - 1) * sizeof(std::int64_t));
  std::memmove(idx + pos, idx + pos + 1, (size - pos - 1) * sizeof(std::uint32_t));
  if constexpr (kCombo) {
    std::memmove(combo + pos, combo + pos + 1, (size - pos - 1) * sizeof(std::uint16_t));
  }
  --size;
}

template <bool kCombo>
OrderedIndex<kCombo>::OrderedIndex() = default;
template <bool kCombo>
OrderedIndex<kCombo>::OrderedIndex(Relocate relocate) : relocate_(std::move(relocate)) {}
template <bool kCombo>
OrderedIndex<kCombo>::~OrderedIndex() {
  for (Chunk* c : chunks_) delete c;
}
template <bool kCombo>
OrderedIndex<kCombo>::OrderedIndex(OrderedIndex&& other) noexcept
    : chunks_(std::move(other.chunks_)),
      firsts_(std::move(other.firsts_)),
      by_id_(std::move(other.by_id_)),
      free_ids_(std::move(other.free_ids_)),
      size_(other.size_),
      relocate_(std::move(other.relocate_)) {
  other.chunks_.clear();
  other.firsts_.clear();
  other.by_id_.clear();
  other.free_ids_.clear();
  other.size_ = 0;
}
template <bool kCombo>
OrderedIndex<kCombo>& OrderedIndex<kCombo>::operator=(OrderedIndex&& other) noexcept {
  if (this == &other) return *this;
  for (Chunk* c : chunks_) delete c;
  chunks_ = std::move(other.chunks_);
  firsts_ = std::move(other.firsts_);
  by_id_ = std::move(other.by_id_);
  free_ids_ = std::move(other.free_ids_);
  size_ = other.size_;
  relocate_ = std::move(other.relocate_);
  other.chunks_.clear();
  other.firsts_.clear();
  other.by_id_.clear();
  other.free_ids_.clear();
  other.size_ = 0;
  return *this;
}

template <bool kCombo>
const IndexEntry& OrderedIndex<kCombo>::oldest() const {
  return firsts_.front();
}

template <bool kCombo>
std::size_t OrderedIndex<kCombo>::chunk_for(const IndexEntry& e) const {
  // Last chunk whose first entry is <= e (chunk 0 when e precedes everything). Branchless:
  // out-of-order inserts and range queries search it with random keys.
  const IndexEntry* base = firsts_.data();
  std::size_t n = firsts_.size();
  while (n > 1) {
    const std::size_t half = n / 2;
    base = less(base[half].t, base[half].idx, e) || base[half] == e ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - firsts_.data());
}

template <bool kCombo>
void OrderedIndex<kCombo>::prefetch(ChunkId c) const {
  if (c >= by_id_.size() || by_id_[c] == nullptr) return;
  const char* p = reinterpret_cast<const char*>(by_id_[c]);
  // Every line erase() reads or moves: size, t[], idx[] and combo[].
  for (std::size_t off = 0; off < sizeof(Chunk); off += 64) __builtin_prefetch(p + off);
  __builtin_prefetch(p + sizeof(Chunk) - 1);  // chunks are not line-aligned
}

// Tells the owner where the entries from position from_pos of `to` now are.
template <bool kCombo>
void OrderedIndex<kCombo>::relocate(const Chunk& to, std::uint32_t from_pos) const {
  if (!relocate_) return;
  for (std::uint32_t i = from_pos; i < to.size; ++i) relocate_(to.idx[i], to.id);
}

template <bool kCombo>
typename OrderedIndex<kCombo>::Chunk* OrderedIndex<kCombo>::add_chunk(std::size_t c,
                                                                      IndexEntry first) {
  // Room first, so nothing below can throw with the chunk not yet owned.
  if (chunks_.size() == chunks_.capacity()) {
    chunks_.reserve(std::max<std::size_t>(16, 2 * chunks_.size()));
  }
  if (firsts_.size() == firsts_.capacity()) {
    firsts_.reserve(std::max<std::size_t>(16, 2 * firsts_.size()));
  }
  if (free_ids_.empty()) {
    // A new id: remove_chunk() must be able to free every id without allocating.
    const std::size_t ids = by_id_.size() + 1;
    if (by_id_.capacity() < ids) by_id_.reserve(std::max<std::size_t>(16, 2 * ids));
    if (free_ids_.capacity() < ids) free_ids_.reserve(std::max<std::size_t>(16, 2 * ids));
  }
  auto* ch = new Chunk();
  if (free_ids_.empty()) {
    ch->id = static_cast<ChunkId>(by_id_.size());
    by_id_.push_back(ch);
  } else {
    ch->id = free_ids_.back();
    free_ids_.pop_back();
    by_id_[ch->id] = ch;
  }
  ch->next = c < chunks_.size() ? chunks_[c] : nullptr;
  if (c > 0) chunks_[c - 1]->next = ch;
  chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c), ch);
  firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(c), first);
  return ch;
}

template <bool kCombo>
void OrderedIndex<kCombo>::remove_chunk(std::size_t c) {
  Chunk* ch = chunks_[c];
  if (c > 0) chunks_[c - 1]->next = ch->next;
  by_id_[ch->id] = nullptr;
  free_ids_.push_back(ch->id);  // cannot throw: reserved when the id was handed out
  delete ch;
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
  firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(c));
}

template <bool kCombo>
typename OrderedIndex<kCombo>::ChunkId OrderedIndex<kCombo>::insert(IndexEntry e) {
  if (chunks_.empty()) {
    Chunk* ch = add_chunk(0, e);
    ch->insert_at(0, e);
    ++size_;
    return ch->id;
  }
  // Fast path: newest so far, appended to the last chunk.
  std::size_t c = chunks_.size() - 1;
  Chunk* ch = chunks_[c];
  if (!(e < ch->at(ch->size - 1))) {
    if (ch->size == kChunkCapacity) ch = add_chunk(c + 1, e);
    ch->t[ch->size] = e.t;
    ch->idx[ch->size] = e.idx;
    if constexpr (kCombo) ch->combo[ch->size] = e.combo;
    ++ch->size;
    ++size_;
    return ch->id;
  }
  c = chunk_for(e);
  ch = chunks_[c];
  if (ch->size == kChunkCapacity) {
    // A neighbour with room takes one entry instead (B*-tree style): chunks fill to ~85 %
    // under out-of-order inserts, where splits alone leave them ~69 % full.
    if (const auto id = spill(c, e)) return *id;
    // Split in half; the new chunk takes the upper half (and tells the owner).
    constexpr std::uint32_t half = kChunkCapacity / 2;
    Chunk* upper = add_chunk(c + 1, ch->at(half));
    std::memcpy(upper->t, ch->t + half, (kChunkCapacity - half) * sizeof(std::int64_t));
    std::memcpy(upper->idx, ch->idx + half, (kChunkCapacity - half) * sizeof(std::uint32_t));
    if constexpr (kCombo) {
      std::memcpy(upper->combo, ch->combo + half, (kChunkCapacity - half) * sizeof(std::uint16_t));
    }
    upper->size = kChunkCapacity - half;
    ch->size = half;
    relocate(*upper, 0);
    if (!(e < upper->at(0))) {
      ++c;
      ch = upper;
    }
  }
  ch->insert_at(ch->upper_bound(e), e);
  firsts_[c] = ch->at(0);
  ++size_;
  return ch->id;
}

// Full chunk c makes room for e by handing its first entry to the previous chunk, or its last
// (or e itself) to the next one, when that chunk has room; nullopt when neither has.
template <bool kCombo>
std::optional<typename OrderedIndex<kCombo>::ChunkId> OrderedIndex<kCombo>::spill(
    std::size_t c, const IndexEntry& e) {
  Chunk* ch = chunks_[c];
  const std::uint32_t pos = ch->upper_bound(e);
  if (c > 0 && pos > 0 && chunks_[c - 1]->size < kChunkCapacity) {
    Chunk* prev = chunks_[c - 1];
    const IndexEntry first = ch->at(0);
    prev->insert_at(prev->size, first);
    ch->erase_at(0);
    if (relocate_) relocate_(first.idx, prev->id);
    ch->insert_at(pos - 1, e);
    firsts_[c] = ch->at(0);
    ++size_;
    return ch->id;
  }
  if (c + 1 < chunks_.size() && chunks_[c + 1]->size < kChunkCapacity) {
    Chunk* next = chunks_[c + 1];
    ++size_;
    if (pos == kChunkCapacity) {  // e sorts after all of ch: it opens the next chunk
      next->insert_at(0, e);
      firsts_[c + 1] = e;
      return next->id;
    }
    const IndexEntry last = ch->at(kChunkCapacity - 1);
    next->insert_at(0, last);
    firsts_[c + 1] = last;
    --ch->size;
    if (relocate_) relocate_(last.idx, next->id);
    ch->insert_at(pos, e);
    firsts_[c] = ch->at(0);
    return ch->id;
  }
  return std::nullopt;
}

template <bool kCombo>
bool OrderedIndex<kCombo>::chunk_holds(ChunkId c, const IndexEntry& e) const {
  if (c >= by_id_.size() || by_id_[c] == nullptr) return false;
  const Chunk& ch = *by_id_[c];
  const std::uint32_t pos = ch.lower_bound(e);
  return pos < ch.size && ch.at(pos) == e;
}

template <bool kCombo>
bool OrderedIndex<kCombo>::key_in_chunk(ChunkId c, std::uint32_t idx, std::int64_t* t) const {
  const Chunk* ch = c < by_id_.size() ? by_id_[c] : nullptr;
  if (ch == nullptr) return false;
  for (std::uint32_t i = 0; i < ch->size; ++i) {
    if (ch->idx[i] == idx) {
      *t = ch->t[i];
      return true;
    }
  }
  return false;
}

template <bool kCombo>
void OrderedIndex<kCombo>::erase(IndexEntry e, ChunkId chunk) {
  Chunk* ch = chunk < by_id_.size() ? by_id_[chunk] : nullptr;
  if (ch == nullptr || !ch->holds(e)) {
    if (chunks_.empty()) return;
    ch = chunks_[chunk_for(e)];
  }
  const std::uint32_t pos = ch->lower_bound(e);
  assert(pos < ch->size && ch->at(pos) == e);
  if (pos >= ch->size || !(ch->at(pos) == e)) return;  // not present: leave the index untouched
  erase_found(ch, pos);
}

template <bool kCombo>
bool OrderedIndex<kCombo>::take_from_chunk(ChunkId c, std::uint32_t idx, std::int64_t* t) {
  Chunk* ch = c < by_id_.size() ? by_id_[c] : nullptr;
  if (ch == nullptr) return false;
  std::uint32_t pos = ch->size;
  for (std::uint32_t i = 0; i < ch->size; ++i) pos = ch->idx[i] == idx ? i : pos;
  if (pos == ch->size) return false;
  *t = ch->t[pos];
  erase_found(ch, pos);
  return true;
}

template <bool kCombo>
void OrderedIndex<kCombo>::erase_found(Chunk* ch, std::uint32_t pos) {
  const IndexEntry e = ch->at(pos);
  const std::uint32_t after = ch->size - 1;
  // Keep chunks reasonably full when removals are scattered: a quarter-full chunk takes in its
  // right neighbour when both fit in half a chunk.
  Chunk* next = ch->next;
  const bool merge = after > 0 && after < kChunkCapacity / 4 && next != nullptr &&
                     after + next->size <= kChunkCapacity / 2;
  // The directory position is needed only when the chunk's first entry changes, it goes away
  // or it merges; e still lies in its range, so the directory search finds it.
  const std::size_t c = (pos == 0 || after == 0 || merge) ? chunk_for(e) : 0;
  assert(!(pos == 0 || after == 0 || merge) || chunks_[c] == ch);
  ch->erase_at(pos);
  --size_;
  if (after == 0) {
    remove_chunk(c);
    return;
  }
  if (pos == 0) firsts_[c] = ch->at(0);
  if (merge) {
    const std::uint32_t from = ch->size;
    std::memcpy(ch->t + ch->size, next->t, next->size * sizeof(std::int64_t));
    std::memcpy(ch->idx + ch->size, next->idx, next->size * sizeof(std::uint32_t));
    if constexpr (kCombo) {
      std::memcpy(ch->combo + ch->size, next->combo, next->size * sizeof(std::uint16_t));
    }
    ch->size += next->size;
    relocate(*ch, from);
    remove_chunk(c + 1);
  }
}

template <bool kCombo>
std::pair<std::size_t, std::uint32_t> OrderedIndex<kCombo>::upper_bound_time(
    std::int64_t time) const {
  // Entries with t == time sort by idx; the largest possible key with this time bounds them.
  const IndexEntry probe{time, 0xFFFFFFFFu};
  std::size_t c = chunk_for(probe);
  const Chunk& ch = *chunks_[c];
  const std::uint32_t off = ch.upper_bound(probe);
  if (off == ch.size) return {c + 1, 0};
  return {c, off};
}

template <bool kCombo>
typename OrderedIndex<kCombo>::Walker OrderedIndex<kCombo>::walk_after(IndexEntry e) const {
  if (chunks_.empty()) return Walker(this, 0, 0);
  const std::size_t c = chunk_for(e);
  const std::uint32_t off = chunks_[c]->upper_bound(e);
  if (off == chunks_[c]->size) return Walker(this, c + 1, 0);
  return Walker(this, c, off);
}

template <bool kCombo>
std::size_t OrderedIndex<kCombo>::count_at_or_before(std::int64_t cutoff) const {
  if (size_ == 0) return 0;
  auto [c, i] = upper_bound_time(cutoff);
  std::size_t n = i;
  for (std::size_t k = 0; k < c; ++k) n += chunks_[k]->size;
  return n;
}

template <bool kCombo>
std::size_t OrderedIndex<kCombo>::memory_bytes() const {
  return chunks_.size() * sizeof(Chunk) + chunks_.capacity() * sizeof(void*) +
         firsts_.capacity() * sizeof(IndexEntry) + by_id_.capacity() * sizeof(void*) +
         free_ids_.capacity() * sizeof(ChunkId);
}

template class OrderedIndex<true>;
template class OrderedIndex<false>;

}  // namespace orderwatch::tracking
