// StatusIndex: the orders of one status ordered by entry time, as a two-level chunked sorted
// array (a flat B-tree: a vector of fixed-size sorted chunks plus a vector of each chunk's
// first key). It answers, in O(log n) + O(answer):
//   - the oldest entry (for order_status_oldest_entered_timestamp_seconds),
//   - the entries with entry time in (a, b] (tier crossings between two deadline ticks),
//   - the entries from the oldest on (retention eviction),
//   - the entries after a given key, oldest first (drill-down pages resume from a cursor).
// Insertion at the newest end (the common case on a live stream) is O(1); out-of-order
// insertion costs a binary search and a short memmove inside one chunk.
//
// ~12 B per entry at full chunks; chunks are merged when they run low, so memory follows
// the number of orders. Not thread-safe: owned by OrderTracker.
#pragma once

#include <cstdint>
#include <vector>

namespace orderwatch::tracking {

struct IndexEntry {
  std::int64_t t;     // entry time, Unix ms
  std::uint32_t idx;  // record index (tie-breaker: entries are unique)
  friend bool operator<(const IndexEntry& a, const IndexEntry& b) {
    return a.t < b.t || (a.t == b.t && a.idx < b.idx);
  }
  friend bool operator==(const IndexEntry& a, const IndexEntry& b) {
    return a.t == b.t && a.idx == b.idx;
  }
};

class StatusIndex {
 public:
  static constexpr std::uint32_t kChunkCapacity = 64;

  StatusIndex();
  ~StatusIndex();
  StatusIndex(StatusIndex&&) noexcept;
  StatusIndex& operator=(StatusIndex&&) noexcept;
  StatusIndex(const StatusIndex&) = delete;
  StatusIndex& operator=(const StatusIndex&) = delete;

  void insert(IndexEntry e);
  static constexpr std::size_t kNoHint = ~std::size_t{0};
  // Starts loading the chunk that holds `e` into cache; call early, erase() later. Returns a
  // hint for erase(): the chunk's position, checked there (two comparisons) and searched
  // again only when the index changed under it.
  std::size_t prefetch(IndexEntry e) const;
  // Removes an entry that is present (asserted in debug builds). `hint`: from prefetch().
  void erase(IndexEntry e, std::size_t hint = kNoHint);
  // Whether `e` would lie in chunk c (the last chunk whose first entry is <= e).
  bool chunk_holds(std::size_t c, const IndexEntry& e) const {
    return c < firsts_.size() && !(e < firsts_[c]) &&
           (c + 1 == firsts_.size() || e < firsts_[c + 1]);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const IndexEntry& oldest() const;  // precondition: !empty()

  // Calls f(entry) for every entry with lo < t <= hi, oldest first. f must not modify the index.
  // touch(idx), if given, is called for a chunk's entries before f is called for them: f
  // typically reads each entry's record, a cache miss apiece, and a touch that prefetches the
  // record lets those misses overlap.
  template <typename F, typename Touch = decltype([](std::uint32_t) {})>
  void for_each_in(std::int64_t lo, std::int64_t hi, F&& f, Touch&& touch = {}) const {
    if (size_ == 0 || lo >= hi) return;
    auto [c, i] = upper_bound_time(lo);
    for (; c < chunks_.size(); ++c, i = 0) {
      const Chunk& ch = *chunks_[c];
      std::uint32_t end = i;
      while (end < ch.size && ch.t[end] <= hi) ++end;
      for (std::uint32_t k = i; k < end; ++k) touch(ch.idx[k]);
      for (std::uint32_t k = i; k < end; ++k) f(IndexEntry{ch.t[k], ch.idx[k]});
      if (end < ch.size) return;
    }
  }

  // Calls f(entry) from the oldest on while f returns true. f must not modify the index.
  template <typename F>
  void for_each_from_oldest(F&& f) const {
    for (const auto& ch : chunks_) {
      for (std::uint32_t i = 0; i < ch->size; ++i) {
        if (!f(IndexEntry{ch->t[i], ch->idx[i]})) return;
      }
    }
  }

  // A forward walk over the entries in key order, from a position found in O(log n). Valid
  // only while the index is not modified (drill-down pages are read under the tracker lock).
  class Walker {
   public:
    bool done() const { return c_ >= index_->chunks_.size(); }
    IndexEntry entry() const { return index_->chunks_[c_]->at(i_); }  // precondition: !done()
    void next() {
      if (++i_ == index_->chunks_[c_]->size) {
        ++c_;
        i_ = 0;
      }
    }

   private:
    friend class StatusIndex;
    Walker(const StatusIndex* index, std::size_t c, std::uint32_t i)
        : index_(index), c_(c), i_(i) {}
    const StatusIndex* index_;
    std::size_t c_;
    std::uint32_t i_;
  };
  // From the oldest entry.
  Walker walk() const { return Walker(this, 0, 0); }
  // From the first entry strictly after `e` (which need not be present).
  Walker walk_after(IndexEntry e) const;

  // Number of entries with t <= cutoff (O(#chunks)); used when thresholds change (reload).
  std::size_t count_at_or_before(std::int64_t cutoff) const;

  std::size_t memory_bytes() const;

 private:
  // Struct of arrays: the time search touches only t[] (8 cache lines per chunk).
  struct Chunk {
    std::uint32_t size = 0;
    std::int64_t t[kChunkCapacity];
    std::uint32_t idx[kChunkCapacity];
    IndexEntry at(std::uint32_t i) const { return {t[i], idx[i]}; }
    // First position whose entry is not less than e (branchless).
    std::uint32_t lower_bound(const IndexEntry& e) const;
    std::uint32_t upper_bound(const IndexEntry& e) const;
    void insert_at(std::uint32_t pos, const IndexEntry& e);
    void erase_at(std::uint32_t pos);
  };
  // First position (chunk, offset) with t > time.
  std::pair<std::size_t, std::uint32_t> upper_bound_time(std::int64_t time) const;
  std::size_t chunk_for(const IndexEntry& e) const;
  void remove_chunk(std::size_t c);
  void room_for_one_more();

  // Owned (deleted by the destructor). Raw pointers, so adding or removing a chunk moves the
  // directory with one memmove: a chunk is removed about every 64 erases.
  std::vector<Chunk*> chunks_;
  std::vector<IndexEntry> firsts_;  // firsts_[c] == chunks_[c]->at(0)
  std::size_t size_ = 0;
};

}  // namespace orderwatch::tracking
