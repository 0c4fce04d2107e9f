// The keyed order-id hash against a hash flood: ids computed to collide under the old unkeyed
// hash (it was invertible) turn the order table and the tombstone set into one long probe
// sequence; under the keyed hash the same ids spread. Probe lengths are counted, not timed.
// And tombstones written under one process's key still match after a load by another.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "id_hash.h"
#include "order_table.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"
#include "tombstones.h"

namespace orderwatch::tracking {
namespace {

// The hash orderwatch used before (splitmix64 rounds over 8-byte words), for 8-byte ids.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}
constexpr std::uint64_t kOldInit8 = 0x9E3779B97F4A7C15ULL ^ (8 * 0xff51afd7ed558ccdULL);
std::uint64_t old_hash8(std::string_view id) {
  std::uint64_t m;
  std::memcpy(&m, id.data(), 8);
  return mix(mix(kOldInit8 ^ m));
}

std::uint64_t inverse(std::uint64_t a) {  // of an odd number, mod 2^64 (Newton)
  std::uint64_t x = a;
  for (int i = 0; i < 6; ++i) x *= 2 - a * x;
  return x;
}
std::uint64_t unxorshift(std::uint64_t x, int s) {
  std::uint64_t y = x;
  for (int k = s; k < 64; k += s) y = x ^ (y >> s);
  return y;
}
std::uint64_t unmix(std::uint64_t x) {
  x = unxorshift(x, 31);
  x *= inverse(0x94d049bb133111ebULL);
  x = unxorshift(x, 27);
  x *= inverse(0xbf58476d1ce4e5b9ULL);
  return unxorshift(x, 30);
}

// n 8-byte ids whose old hash has the same upper 32 bits: the same home slot in both tables,
// at every table size. What an attacker could compute offline.
std::vector<std::string> colliding_ids(int n) {
  std::vector<std::string> ids;
  for (int i = 1; i <= n; ++i) {
    const std::uint64_t target = (0xC0FFEE00ULL << 32) | static_cast<std::uint64_t>(i);
    const std::uint64_t m = unmix(unmix(target)) ^ kOldInit8;
    std::string id(8, '\0');
    std::memcpy(id.data(), &m, 8);
    EXPECT_EQ(old_hash8(id), target);
    ids.push_back(id);
  }
  return ids;
}

template <typename Hash>
std::size_t worst_table_probe(const std::vector<std::string>& ids, Hash hash) {
  OrderTable table;
  for (const auto& id : ids) table.at(table.insert(id, hash(id))).status = 0;
  std::size_t worst = 0;
  for (const auto& id : ids) worst = std::max(worst, table.probe_length(id, hash(id)));
  return worst;
}

template <typename Hash>
std::size_t worst_tombstone_probe(const std::vector<std::string>& ids, Hash hash) {
  TombstoneSet set;
  for (const auto& id : ids) set.add(hash(id), 1, 1000, 1000);
  std::size_t worst = 0;
  for (const auto& id : ids) worst = std::max(worst, set.probe_length(hash(id)));
  return worst;
}

TEST(IdHash, SipHashReferenceShape) {
  const HashKey a{1, 2};
  const HashKey b{1, 3};
  EXPECT_EQ(hash_order_id(a, "order-1"), hash_order_id(a, "order-1"));
  EXPECT_NE(hash_order_id(a, "order-1"), hash_order_id(b, "order-1"));
  EXPECT_NE(hash_order_id(a, "order-1"), hash_order_id(a, "order-2"));
  EXPECT_NE(hash_order_id(a, std::string_view("\0", 1)), hash_order_id(a, ""));
  const HashKey r1 = random_hash_key();
  const HashKey r2 = random_hash_key();
  EXPECT_FALSE(r1.k0 == r2.k0 && r1.k1 == r2.k1);
}

TEST(IdHash, PrecomputedCollisionsDegradeTheOldHashNotTheKeyedOne) {
  constexpr int kIds = 2000;
  const auto ids = colliding_ids(kIds);
  // Old: every id probes past all that came before it (quadratic under the tracker lock).
  EXPECT_GE(worst_table_probe(ids, old_hash8), static_cast<std::size_t>(kIds));
  EXPECT_GE(worst_tombstone_probe(ids, old_hash8), static_cast<std::size_t>(kIds));
  // Keyed: ordinary linear probing at a load under 3/4 (tens of slots at worst, not thousands).
  const HashKey key = random_hash_key();
  auto keyed = [&](std::string_view id) { return hash_order_id(key, id); };
  EXPECT_LT(worst_table_probe(ids, keyed), 64u);
  EXPECT_LT(worst_tombstone_probe(ids, keyed), 64u);
}

TEST(IdHash, TombstonesSurviveALoadByAnotherProcess) {
  const sla::Config config = sla::load_string(R"(
service: shop
nats: {subject: orders.>}
statuses:
  - {name: Placed, sla: 10s}
  - {name: Delivered, terminal: true}
retention: {tombstone_ttl: 60s}
)");
  constexpr std::int64_t t0 = 1'700'000'000'000;
  Event placed;
  placed.id = "done";
  placed.status = 0;
  placed.time_ms = t0;
  Event delivered = placed;
  delivered.status = 1;
  delivered.time_ms = t0 + 1000;
  OrderTracker writer(config);
  writer.apply(placed, t0);
  writer.apply(delivered, t0 + 1000);
  std::string image;
  writer.save_state(image, 0, t0 + 2000);
  seal_snapshot(image);
  // A new tracker draws its own key; the loaded tombstone must still match the id.
  OrderTracker reader(config);
  reader.load_state(image, "s.snap");
  EXPECT_EQ(reader.apply(placed, t0 + 3000), ApplyResult::kStale);
  EXPECT_EQ(reader.apply(delivered, t0 + 3000), ApplyResult::kDuplicate);
  EXPECT_EQ(reader.tracked(), 0u);
}

}  // namespace
}  // namespace orderwatch::tracking
