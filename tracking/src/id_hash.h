// The order-id hash of the order table and the tombstone set: SipHash-1-3 under a per-process
// random key (getrandom), so ids that collide cannot be computed from outside and a flood of
// chosen ids cannot turn the tables into linear scans under the tracker lock. The key is kept
// in snapshots (tombstones store only the hash) and adopted by the tracker that loads one.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace orderwatch::tracking {

struct HashKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;
};

// 128 random bits from the kernel (getrandom; std::random_device if that fails).
HashKey random_hash_key();

// SipHash-1-3 of `id` under `key`.
std::uint64_t hash_order_id(const HashKey& key, std::string_view id);

}  // namespace orderwatch::tracking
