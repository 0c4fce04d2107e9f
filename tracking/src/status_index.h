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
// ~15 B per entry at full chunks; a full chunk hands an entry to a neighbour with room before it
// splits, and chunks are merged when they run low, so memory follows the number of orders. Not
// thread-safe: owned by OrderTracker.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <type_traits>
#include <vector>

namespace orderwatch::tracking {

struct IndexEntry {
  std::int64_t t;     // entry time, Unix ms
  std::uint32_t idx;  // record index (tie-breaker: entries are unique)
  // The order's label set (OrderRecord::combo), carried along so walks that only need the
  // series (the age histogram's) do not read the record. Not part of the key.
  std::uint16_t combo = 0;
  friend bool operator<(const IndexEntry& a, const IndexEntry& b) {
    return a.t < b.t || (a.t == b.t && a.idx < b.idx);
  }
  friend bool operator==(const IndexEntry& a, const IndexEntry& b) {
    return a.t == b.t && a.idx == b.idx;
  }
};

// The default `touch` of OrderedIndex::for_each_in: nothing.
struct NoTouch {
  void operator()(std::uint32_t) const {}
};

// kCombo: entries carry their label set (IndexEntry::combo; the status indexes' walks read it).
// A milestone's index does without (its owner looks the label set up): 2 bytes less an entry,
// and IndexEntry::combo reads 0.
template <bool kCombo>
class OrderedIndex {
 public:
  static constexpr std::uint32_t kChunkCapacity = 64;
  // A chunk's stable name: where the entry of a record is, kept by the record itself (the
  // owner's OrderRecord::chunk), so erasing an order goes straight to its chunk instead of
  // searching the directory. Entries keep their chunk while the chunk shifts them around; only
  // a split or a merge moves entries to another chunk, and then the index reports each move
  // through the relocation callback.
  using ChunkId = std::uint32_t;
  static constexpr ChunkId kNoChunk = 0xFFFFFFFFu;
  // Called with (record index, new chunk) for every entry a split or merge moved.
  using Relocate = std::function<void(std::uint32_t, ChunkId)>;

  OrderedIndex();
  explicit OrderedIndex(Relocate relocate);
  ~OrderedIndex();
  OrderedIndex(OrderedIndex&&) noexcept;
  OrderedIndex& operator=(OrderedIndex&&) noexcept;
  OrderedIndex(const OrderedIndex&) = delete;
  OrderedIndex& operator=(const OrderedIndex&) = delete;

  // Inserts `e` and returns the chunk now holding it.
  ChunkId insert(IndexEntry e);
  // Starts loading chunk `c` (from insert() or a relocation) into cache; call early, erase()
  // later.
  void prefetch(ChunkId c) const;
  // Removes an entry that is present (asserted in debug builds). `chunk`: where insert() or a
  // relocation said it is; checked, and searched for when it does not hold e (kNoChunk).
  void erase(IndexEntry e, ChunkId chunk = kNoChunk);
  // The key of record idx's entry, which insert() or a relocation said is in chunk c: a scan
  // of that chunk (<= 64 entries). False when c does not hold it.
  bool key_in_chunk(ChunkId c, std::uint32_t idx, std::int64_t* t) const;
  // Removes record idx's entry from chunk c (where insert() or a relocation said it is), its
  // key read into *t on the way: one scan of the chunk's record numbers, no search by key.
  // False (nothing changed) when c does not hold it.
  bool take_from_chunk(ChunkId c, std::uint32_t idx, std::int64_t* t);
  // Whether chunk c holds e (tests: the chunks reported are exact).
  bool chunk_holds(ChunkId c, const IndexEntry& e) const;

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const IndexEntry& oldest() const;  // precondition: !empty()

  // Calls f(entry) for every entry with lo < t <= hi, oldest first. f must not modify the index.
  // touch(idx), if given, is called for a chunk's entries before f is called for them: f
  // typically reads each entry's record, a cache miss apiece, and a touch that prefetches the
  // record lets those misses overlap.
  template <typename F, typename Touch = NoTouch>
  void for_each_in(std::int64_t lo, std::int64_t hi, F&& f, Touch&& touch = {}) const {
    if (size_ == 0 || lo >= hi) return;
    auto [c, i] = upper_bound_time(lo);
    for (; c < chunks_.size(); ++c, i = 0) {
      const Chunk& ch = *chunks_[c];
      std::uint32_t end = i;
      while (end < ch.size && ch.t[end] <= hi) ++end;
      for (std::uint32_t k = i; k < end; ++k) touch(ch.idx[k]);
      for (std::uint32_t k = i; k < end; ++k) f(ch.at(k));
      if (end < ch.size) return;
    }
  }

  // Calls f(entry) from the oldest on while f returns true. f must not modify the index.
  template <typename F>
  void for_each_from_oldest(F&& f) const {
    for (const auto& ch : chunks_) {
      for (std::uint32_t i = 0; i < ch->size; ++i) {
        if (!f(ch->at(i))) return;
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
    friend class OrderedIndex;
    Walker(const OrderedIndex* index, std::size_t c, std::uint32_t i)
        : index_(index), c_(c), i_(i) {}
    const OrderedIndex* index_;
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
    ChunkId id = kNoChunk;
    Chunk* next = nullptr;  // the chunk after this one in the directory (merges look at it)
    std::int64_t t[kChunkCapacity];
    std::uint32_t idx[kChunkCapacity];
    struct NoCombo {};
    [[no_unique_address]] std::conditional_t<kCombo, std::uint16_t[kChunkCapacity], NoCombo> combo;
    IndexEntry at(std::uint32_t i) const {
      if constexpr (kCombo) {
        return {t[i], idx[i], combo[i]};
      } else {
        return {t[i], idx[i], 0};
      }
    }
    bool holds(const IndexEntry& e) const {
      return size > 0 && !(e < at(0)) && !(at(size - 1) < e);
    }
    // First position whose entry is not less than e (branchless).
    std::uint32_t lower_bound(const IndexEntry& e) const;
    std::uint32_t upper_bound(const IndexEntry& e) const;
    void insert_at(std::uint32_t pos, const IndexEntry& e);
    void erase_at(std::uint32_t pos);
  };
  // First position (chunk, offset) with t > time.
  std::pair<std::size_t, std::uint32_t> upper_bound_time(std::int64_t time) const;
  // Directory position of the last chunk whose first entry is <= e (0 when e precedes all).
  std::size_t chunk_for(const IndexEntry& e) const;
  // A new chunk at directory position c (the ones from c on move up).
  Chunk* add_chunk(std::size_t c, IndexEntry first);
  void remove_chunk(std::size_t c);
  std::optional<ChunkId> spill(std::size_t c, const IndexEntry& e);
  void erase_found(Chunk* ch, std::uint32_t pos);  // ch->at(pos) goes; merges as erase() does
  void relocate(const Chunk& to, std::uint32_t from_pos) const;

  // Owned (deleted by the destructor). Raw pointers, so adding or removing a chunk moves the
  // directory with one memmove: a chunk is removed about every 64 erases.
  std::vector<Chunk*> chunks_;
  std::vector<IndexEntry> firsts_;  // firsts_[c] == chunks_[c]->at(0)
  std::vector<Chunk*> by_id_;       // [ChunkId]: the same chunks, nullptr for a free id
  std::vector<ChunkId> free_ids_;
  std::size_t size_ = 0;
  Relocate relocate_;
};

using StatusIndex = OrderedIndex<true>;
using MilestoneIndex = OrderedIndex<false>;
extern template class OrderedIndex<true>;
extern template class OrderedIndex<false>;

}  // namespace orderwatch::tracking
