// TombstoneSet: ids of orders that recently reached a terminal status, kept for a short time
// (retention.tombstone_ttl) so late or redelivered events for them do not re-create them.
// Stores only the 64-bit keyed id hash (id_hash.h; a false match needs a 64-bit collision
// among recent ids), the terminal status and the expiry, expired in FIFO order on tick:
// a 24 B slot at a load of at most 3/4 (32-48 B per entry) plus a 24 B queue element (the
// expiry on W and on the wall clock), about 58-72 B per tombstone.
// Not thread-safe: owned by OrderTracker.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace orderwatch::tracking {

class TombstoneSet {
 public:
  TombstoneSet();

  // Remembers `hash` as finished in `status` until both W passes expires_ms and the wall clock
  // passes wall_expires_ms (the tracker: W + tombstone_ttl and wall clock + tombstone_ttl). On
  // W alone a replay keeps an id's late events out for the ttl of stream time, as a live run
  // would; the wall clock too, because W jumps when an idle source lets it reach the wall clock
  // (a catch-up that ends, a redelivery after a restart): tombstones must outlive that.
  void add(std::uint64_t hash, std::uint8_t status, std::int64_t expires_ms,
           std::int64_t wall_expires_ms);
  // Terminal status of a remembered id, if any.
  std::optional<std::uint8_t> find(std::uint64_t hash) const;
  // Starts loading the home slot of `hash` (a hint for a find() soon after).
  void prefetch(std::uint64_t hash) const { __builtin_prefetch(&slots_[home(key(hash))]); }
  // Slots a lookup of `hash` visits (tests: probe lengths, not time).
  std::size_t probe_length(std::uint64_t hash) const;
  // Forgets entries whose expiry is <= now_ms (the tracker passes W) and whose wall expiry is
  // <= wall_ms. An entry expiring later than now_ms + ttl_ms (or wall_ms + ttl_ms) was written
  // by a clock that was ahead (a wall clock since corrected, or the wall clock used before W
  // had a position): it gets now_ms + ttl_ms (wall_ms + ttl_ms) instead, so no tombstone stays
  // stuck in the future.
  void expire(std::int64_t now_ms, std::int64_t wall_ms, std::int64_t ttl_ms);
  std::size_t size() const { return size_; }
  std::size_t memory_bytes() const;

  // Calls f(hash, status, expires_ms) for every live entry, in expiry order (snapshots).
  template <typename F>
  void for_each(F&& f) const {
    for (const Pending& p : fifo_) {
      const Slot& s = slots_[locate(p.hash)];
      // Only the queue element that set the live expiry names the entry (see expire()).
      if (s.hash == p.hash && s.expires_ms == p.expires_ms) f(s.hash, s.status, s.expires_ms);
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0 = empty (a real hash of 0 is stored as 1)
    std::int64_t expires_ms = 0;
    std::uint8_t status = 0;
  };
  struct Pending {
    std::uint64_t hash;
    std::int64_t expires_ms;
    std::int64_t wall_expires_ms;
  };
  static std::uint64_t key(std::uint64_t hash) { return hash == 0 ? 1 : hash; }
  std::size_t home(std::uint64_t k) const { return static_cast<std::size_t>(k >> (64 - bits_)); }
  std::size_t locate(std::uint64_t k) const;  // slot holding k, or the empty slot ending its probe
  void erase_at(std::size_t pos);
  void grow();

  std::vector<Slot> slots_;
  unsigned bits_;
  std::size_t size_ = 0;
  // Insertion order == expiry order while the clock moves forward; after it steps back,
  // expire() re-queues the entries whose expiry lies too far ahead.
  std::deque<Pending> fifo_;
};

}  // namespace orderwatch::tracking
