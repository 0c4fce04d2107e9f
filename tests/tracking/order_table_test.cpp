#include "order_table.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace orderwatch::tracking {
namespace {

const HashKey kKey{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

TEST(OrderTable, InsertFindEraseAgainstUnorderedMap) {
  std::mt19937_64 rng(3);
  OrderTable table;
  std::unordered_map<std::string, std::uint32_t> ref;
  for (int step = 0; step < 300000; ++step) {
    std::string id = "ord-" + std::to_string(rng() % 20000);
    if (rng() % 10 == 0) id += std::string(30, 'L');  // long ids go to the side store
    const auto h = hash_order_id(kKey, id);
    const auto found = table.find(id, h);
    auto it = ref.find(id);
    ASSERT_EQ(found == OrderTable::kNotFound, it == ref.end()) << id;
    if (it == ref.end()) {
      const auto idx = table.insert(id, h);
      table.at(idx).status = 1;
      ref.emplace(id, idx);
      ASSERT_EQ(table.id(idx), id);
    } else {
      ASSERT_EQ(found, it->second);
      if (rng() % 2) {
        table.erase(found, h);
        ref.erase(it);
      }
    }
  }
  EXPECT_EQ(table.size(), ref.size());
  for (const auto& [id, idx] : ref) EXPECT_EQ(table.find(id, hash_order_id(kKey, id)), idx);
}

TEST(OrderTable, EmptyAndBoundaryLengthIds) {
  OrderTable table;
  const std::string inline_max(OrderRecord::kInlineCapacity, 'a');
  const std::string first_long(OrderRecord::kInlineCapacity + 1, 'a');
  auto a = table.insert(inline_max, hash_order_id(kKey, inline_max));
  auto b = table.insert(first_long, hash_order_id(kKey, first_long));
  EXPECT_EQ(table.id(a), inline_max);
  EXPECT_EQ(table.id(b), first_long);
  EXPECT_EQ(table.find(first_long, hash_order_id(kKey, first_long)), b);
  table.erase(a, hash_order_id(kKey, inline_max));
  EXPECT_EQ(table.find(inline_max, hash_order_id(kKey, inline_max)), OrderTable::kNotFound);
  EXPECT_EQ(table.find(first_long, hash_order_id(kKey, first_long)), b);
}

}  // namespace
}  // namespace orderwatch::tracking
