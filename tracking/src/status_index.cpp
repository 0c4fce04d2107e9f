#include "status_index.h"

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

std::uint32_t StatusIndex::Chunk::lower_bound(const IndexEntry& e) const {
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

std::uint32_t StatusIndex::Chunk::upper_bound(const IndexEntry& e) const {
  std::uint32_t base = 0;
  std::uint32_t n = size;
  while (n > 1) {
    const std::uint32_t half = n / 2;
    base = !less(e.t, e.idx, at(base + half - 1)) ? base + half : base;
    n -= half;
  }
  return (n == 1 && !less(e.t, e.idx, at(base))) ? base + 1 : base;
}

void StatusIndex::Chunk::insert_at(std::uint32_t pos, const IndexEntry& e) {
  std::memmove(t + pos + 1, t + pos, (size - pos) * sizeof(std::int64_t));
  std::memmove(idx + pos + 1, idx + pos, (size - pos) * sizeof(std::uint32_t));
  t[pos] = e.t;
  idx[pos] = e.idx;
  ++size;
}

void StatusIndex::Chunk::erase_at(std::uint32_t pos) {
  std::memmove(t + pos, t + pos + 1, (size - pos - 1) * sizeof(std::int64_t));
  std::memmove(idx + pos, idx + pos + 1, (size - pos - 1) * sizeof(std::uint32_t));
  --size;
}

StatusIndex::StatusIndex() = default;
StatusIndex::~StatusIndex() {
  for (Chunk* c : chunks_) delete c;
}
StatusIndex::StatusIndex(StatusIndex&& other) noexcept
    : chunks_(std::move(other.chunks_)), firsts_(std::move(other.firsts_)), size_(other.size_) {
  other.chunks_.clear();
  other.firsts_.clear();
  other.size_ = 0;
}
StatusIndex& StatusIndex::operator=(StatusIndex&& other) noexcept {
  if (this == &other) return *this;
  for (Chunk* c : chunks_) delete c;
  chunks_ = std::move(other.chunks_);
  firsts_ = std::move(other.firsts_);
  size_ = other.size_;
  other.chunks_.clear();
  other.firsts_.clear();
  other.size_ = 0;
  return *this;
}

const IndexEntry& StatusIndex::oldest() const { return firsts_.front(); }

std::size_t StatusIndex::chunk_for(const IndexEntry& e) const {
  // Last chunk whose first entry is <= e (chunk 0 when e precedes everything). Branchless:
  // the directory is searched for every event that moves an order, with random keys.
  const IndexEntry* base = firsts_.data();
  std::size_t n = firsts_.size();
  while (n > 1) {
    const std::size_t half = n / 2;
    base = less(base[half].t, base[half].idx, e) || base[half] == e ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - firsts_.data());
}

std::size_t StatusIndex::prefetch(IndexEntry e) const {
  if (chunks_.empty()) return kNoHint;
  const std::size_t c = chunk_for(e);
  const char* p = reinterpret_cast<const char*>(chunks_[c]);
  // Every line erase() reads or moves: size, t[] and idx[].
  for (std::size_t off = 0; off < sizeof(Chunk); off += 64) __builtin_prefetch(p + off);
  __builtin_prefetch(p + sizeof(Chunk) - 1);  // chunks are not line-aligned
  return c;
}

// Grows the directory ahead of adding a chunk, so the insertion itself cannot throw (and leak
// the chunk).
void StatusIndex::room_for_one_more() {
  if (chunks_.size() == chunks_.capacity()) chunks_.reserve(std::max<std::size_t>(16, 2 * chunks_.size()));
  if (firsts_.size() == firsts_.capacity()) firsts_.reserve(std::max<std::size_t>(16, 2 * firsts_.size()));
}

void StatusIndex::insert(IndexEntry e) {
  ++size_;
  if (chunks_.empty()) {
    room_for_one_more();
    chunks_.push_back(new Chunk());
    chunks_[0]->insert_at(0, e);
    firsts_.push_back(e);
    return;
  }
  // Fast path: newest so far, appended to the last chunk.
  std::size_t c = chunks_.size() - 1;
  Chunk* ch = chunks_[c];
  if (!(e < ch->at(ch->size - 1))) {
    if (ch->size < kChunkCapacity) {
      ch->t[ch->size] = e.t;
      ch->idx[ch->size] = e.idx;
      ++ch->size;
      return;
    }
    room_for_one_more();
    auto* fresh = new Chunk();
    fresh->insert_at(0, e);
    chunks_.push_back(fresh);
    firsts_.push_back(e);
    return;
  }
  c = chunk_for(e);
  ch = chunks_[c];
  if (ch->size == kChunkCapacity) {
    // Split in half; the new chunk takes the upper half.
    room_for_one_more();
    auto* upper = new Chunk();
    constexpr std::uint32_t half = kChunkCapacity / 2;
    std::memcpy(upper->t, ch->t + half, (kChunkCapacity - half) * sizeof(std::int64_t));
    std::memcpy(upper->idx, ch->idx + half, (kChunkCapacity - half) * sizeof(std::uint32_t));
    upper->size = kChunkCapacity - half;
    ch->size = half;
    const IndexEntry upper_first = upper->at(0);
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c + 1), upper);
    firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(c + 1), upper_first);
    if (!(e < upper_first)) {
      ++c;
      ch = chunks_[c];
    }
  }
  ch->insert_at(ch->upper_bound(e), e);
  firsts_[c] = ch->at(0);
}

void StatusIndex::remove_chunk(std::size_t c) {
  delete chunks_[c];
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
  firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(c));
}

void StatusIndex::erase(IndexEntry e, std::size_t hint) {
  const std::size_t c = chunk_holds(hint, e) ? hint : chunk_for(e);
  Chunk* ch = chunks_[c];
  const std::uint32_t pos = ch->lower_bound(e);
  assert(pos < ch->size && ch->at(pos) == e);
  if (pos >= ch->size || !(ch->at(pos) == e)) return;  // not present: leave the index untouched
  ch->erase_at(pos);
  --size_;
  if (ch->size == 0) {
    remove_chunk(c);
    return;
  }
  firsts_[c] = ch->at(0);
  // Keep chunks reasonably full when removals are scattered: merge a quarter-full chunk into
  // its right neighbour when both fit in half a chunk.
  if (ch->size < kChunkCapacity / 4 && c + 1 < chunks_.size()) {
    Chunk* next = chunks_[c + 1];
    if (ch->size + next->size <= kChunkCapacity / 2) {
      std::memcpy(ch->t + ch->size, next->t, next->size * sizeof(std::int64_t));
      std::memcpy(ch->idx + ch->size, next->idx, next->size * sizeof(std::uint32_t));
      ch->size += next->size;
      remove_chunk(c + 1);
    }
  }
}

std::pair<std::size_t, std::uint32_t> StatusIndex::upper_bound_time(std::int64_t time) const {
  // Entries with t == time sort by idx; the largest possible key with this time bounds them.
  const IndexEntry probe{time, 0xFFFFFFFFu};
  std::size_t c = chunk_for(probe);
  const Chunk& ch = *chunks_[c];
  const std::uint32_t off = ch.upper_bound(probe);
  if (off == ch.size) return {c + 1, 0};
  return {c, off};
}

StatusIndex::Walker StatusIndex::walk_after(IndexEntry e) const {
  if (chunks_.empty()) return Walker(this, 0, 0);
  const std::size_t c = chunk_for(e);
  const std::uint32_t off = chunks_[c]->upper_bound(e);
  if (off == chunks_[c]->size) return Walker(this, c + 1, 0);
  return Walker(this, c, off);
}

std::size_t StatusIndex::count_at_or_before(std::int64_t cutoff) const {
  if (size_ == 0) return 0;
  auto [c, i] = upper_bound_time(cutoff);
  std::size_t n = i;
  for (std::size_t k = 0; k < c; ++k) n += chunks_[k]->size;
  return n;
}

std::size_t StatusIndex::memory_bytes() const {
  return chunks_.size() * sizeof(Chunk) + chunks_.capacity() * sizeof(void*) +
         firsts_.capacity() * sizeof(IndexEntry);
}

}  // namespace orderwatch::tracking
