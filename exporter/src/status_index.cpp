#include "orderwatch/exporter/status_index.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace orderwatch::exporter {

StatusIndex::StatusIndex() = default;
StatusIndex::~StatusIndex() = default;
StatusIndex::StatusIndex(StatusIndex&&) noexcept = default;
StatusIndex& StatusIndex::operator=(StatusIndex&&) noexcept = default;

const IndexEntry& StatusIndex::oldest() const { return chunks_.front()->entries[0]; }

std::size_t StatusIndex::chunk_for(const IndexEntry& e) const {
  // Last chunk whose first entry is <= e (chunk 0 when e precedes everything).
  auto it = std::upper_bound(firsts_.begin(), firsts_.end(), e);
  return it == firsts_.begin() ? 0 : static_cast<std::size_t>(it - firsts_.begin() - 1);
}

void StatusIndex::insert(IndexEntry e) {
  ++size_;
  if (chunks_.empty()) {
    chunks_.push_back(std::make_unique<Chunk>());
    chunks_[0]->entries[0] = e;
    chunks_[0]->size = 1;
    firsts_.push_back(e);
    return;
  }
  // Fast path: newest so far, appended to the last chunk.
  std::size_t c = chunks_.size() - 1;
  Chunk* ch = chunks_[c].get();
  if (!(e < ch->entries[ch->size - 1])) {
    if (ch->size < kChunkCapacity) {
      ch->entries[ch->size++] = e;
      return;
    }
    auto fresh = std::make_unique<Chunk>();
    fresh->entries[0] = e;
    fresh->size = 1;
    chunks_.push_back(std::move(fresh));
    firsts_.push_back(e);
    return;
  }
  c = chunk_for(e);
  ch = chunks_[c].get();
  if (ch->size == kChunkCapacity) {
    // Split in half; the new chunk takes the upper half.
    auto upper = std::make_unique<Chunk>();
    constexpr std::uint32_t half = kChunkCapacity / 2;
    std::memcpy(upper->entries, ch->entries + half, (kChunkCapacity - half) * sizeof(IndexEntry));
    upper->size = kChunkCapacity - half;
    ch->size = half;
    const IndexEntry upper_first = upper->entries[0];
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(c + 1), std::move(upper));
    firsts_.insert(firsts_.begin() + static_cast<std::ptrdiff_t>(c + 1), upper_first);
    if (!(e < upper_first)) {
      ++c;
      ch = chunks_[c].get();
    }
  }
  IndexEntry* begin = ch->entries;
  IndexEntry* end = ch->entries + ch->size;
  IndexEntry* pos = std::upper_bound(begin, end, e);
  std::memmove(pos + 1, pos, static_cast<std::size_t>(end - pos) * sizeof(IndexEntry));
  *pos = e;
  ++ch->size;
  firsts_[c] = ch->entries[0];
}

void StatusIndex::remove_chunk(std::size_t c) {
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(c));
  firsts_.erase(firsts_.begin() + static_cast<std::ptrdiff_t>(c));
}

void StatusIndex::erase(IndexEntry e) {
  const std::size_t c = chunk_for(e);
  Chunk* ch = chunks_[c].get();
  IndexEntry* begin = ch->entries;
  IndexEntry* end = ch->entries + ch->size;
  IndexEntry* pos = std::lower_bound(begin, end, e);
  assert(pos != end && *pos == e);
  if (pos == end || !(*pos == e)) return;  // not present: leave the index untouched
  std::memmove(pos, pos + 1, static_cast<std::size_t>(end - pos - 1) * sizeof(IndexEntry));
  --ch->size;
  --size_;
  if (ch->size == 0) {
    remove_chunk(c);
    return;
  }
  firsts_[c] = ch->entries[0];
  // Keep chunks reasonably full when removals are scattered: merge a quarter-full chunk into
  // its right neighbour when both fit in half a chunk.
  if (ch->size < kChunkCapacity / 4 && c + 1 < chunks_.size()) {
    Chunk* next = chunks_[c + 1].get();
    if (ch->size + next->size <= kChunkCapacity / 2) {
      std::memcpy(ch->entries + ch->size, next->entries, next->size * sizeof(IndexEntry));
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
  auto pos = std::upper_bound(ch.entries, ch.entries + ch.size, probe);
  auto off = static_cast<std::uint32_t>(pos - ch.entries);
  if (off == ch.size) return {c + 1, 0};
  return {c, off};
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

}  // namespace orderwatch::exporter
