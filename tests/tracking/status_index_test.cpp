#include "status_index.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <unordered_map>

namespace orderwatch::tracking {
namespace {

std::vector<IndexEntry> all(const StatusIndex& index) {
  std::vector<IndexEntry> out;
  index.for_each_from_oldest([&](const IndexEntry& e) {
    out.push_back(e);
    return true;
  });
  return out;
}

TEST(StatusIndex, AppendsInOrderAndReportsTheOldest) {
  StatusIndex index;
  for (std::uint32_t i = 0; i < 1000; ++i) index.insert({static_cast<std::int64_t>(i) * 10, i});
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_EQ(index.oldest().t, 0);
  index.erase({0, 0});
  EXPECT_EQ(index.oldest().t, 10);
}

TEST(StatusIndex, ForEachInVisitsExactlyTheHalfOpenRange) {
  StatusIndex index;
  for (std::uint32_t i = 0; i < 500; ++i) index.insert({static_cast<std::int64_t>(i % 50), i});
  std::size_t n = 0;
  index.for_each_in(9, 19, [&](const IndexEntry& e) {
    EXPECT_GT(e.t, 9);
    EXPECT_LE(e.t, 19);
    ++n;
  });
  EXPECT_EQ(n, 100u);  // times 10..19, ten entries each
  EXPECT_EQ(index.count_at_or_before(9), 100u);
  EXPECT_EQ(index.count_at_or_before(-1), 0u);
  EXPECT_EQ(index.count_at_or_before(1000), 500u);
}

// Random inserts (out of order, many equal times) and erases against std::set.
TEST(StatusIndex, MatchesAnOrderedSetUnderRandomChurn) {
  std::mt19937_64 rng(7);
  StatusIndex index;
  std::set<IndexEntry> ref;
  std::vector<IndexEntry> live;
  std::uint32_t next_idx = 0;
  for (int step = 0; step < 200000; ++step) {
    const bool add = live.empty() || rng() % 100 < 55;
    if (add) {
      IndexEntry e{static_cast<std::int64_t>(step / 4 + static_cast<int>(rng() % 300)), next_idx++};
      index.insert(e);
      ref.insert(e);
      live.push_back(e);
    } else {
      // Mostly the oldest (FIFO-like), sometimes anywhere.
      std::size_t pos = rng() % 4 == 0 ? rng() % live.size() : 0;
      if (pos == 0)
        pos = static_cast<std::size_t>(
            std::distance(live.begin(), std::find(live.begin(), live.end(), *ref.begin())));
      IndexEntry e = live[pos];
      live[pos] = live.back();
      live.pop_back();
      index.erase(e);
      ref.erase(e);
    }
    if (step % 5000 == 0) {
      ASSERT_EQ(index.size(), ref.size());
      auto got = all(index);
      ASSERT_TRUE(std::equal(got.begin(), got.end(), ref.begin(), ref.end())) << step;
    }
  }
  EXPECT_LT(index.memory_bytes(), 16 * sizeof(IndexEntry) * (ref.size() + 1000));
}

// The chunk each entry is in, as insert() returned it and the relocation callback updated it
// through splits and merges, is always exact: erase() with it never has to search.
TEST(StatusIndex, ReportsEveryEntrysChunkThroughSplitsAndMerges) {
  std::mt19937_64 rng(13);
  std::unordered_map<std::uint32_t, StatusIndex::ChunkId> chunk_of;
  std::size_t relocations = 0;
  StatusIndex index([&](std::uint32_t idx, StatusIndex::ChunkId c) {
    chunk_of[idx] = c;
    ++relocations;
  });
  std::set<IndexEntry> ref;
  std::vector<IndexEntry> live;
  std::uint32_t next_idx = 0;
  for (int step = 0; step < 100000; ++step) {
    if (live.empty() || rng() % 100 < 52) {
      // Out of order: inserts land inside full chunks and split them.
      IndexEntry e{static_cast<std::int64_t>(rng() % 50000), next_idx++};
      chunk_of[e.idx] = index.insert(e);
      ref.insert(e);
      live.push_back(e);
    } else {
      // Scattered erases thin chunks out until they merge.
      const std::size_t pos = rng() % live.size();
      const IndexEntry e = live[pos];
      live[pos] = live.back();
      live.pop_back();
      ASSERT_TRUE(index.chunk_holds(chunk_of.at(e.idx), e)) << "step " << step;
      index.erase(e, chunk_of.at(e.idx));
      chunk_of.erase(e.idx);
      ref.erase(e);
    }
  }
  for (const IndexEntry& e : live) ASSERT_TRUE(index.chunk_holds(chunk_of.at(e.idx), e));
  const auto got = all(index);
  EXPECT_TRUE(std::equal(got.begin(), got.end(), ref.begin(), ref.end()));
  EXPECT_GT(relocations, 1000u);  // splits and merges did happen
}

TEST(StatusIndex, WalkAfterStartsStrictlyAfterAnyKey) {
  std::mt19937_64 rng(11);
  StatusIndex index;
  std::set<IndexEntry> ref;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    // Few distinct times and shuffled slots: many ties, out-of-order inserts, split chunks.
    IndexEntry e{static_cast<std::int64_t>(rng() % 300),
                 static_cast<std::uint32_t>(rng() % 100000)};
    if (ref.insert(e).second) index.insert(e);
  }
  auto walk = [](StatusIndex::Walker w, std::size_t max) {
    std::vector<IndexEntry> out;
    for (; !w.done() && out.size() < max; w.next()) out.push_back(w.entry());
    return out;
  };
  EXPECT_EQ(walk(index.walk(), 100000).size(), ref.size());
  for (int probe = 0; probe < 2000; ++probe) {
    // Present keys, absent keys, and keys before/after everything.
    IndexEntry key{static_cast<std::int64_t>(rng() % 320) - 10,
                   static_cast<std::uint32_t>(rng() % 100000)};
    if (probe % 3 == 0) {
      auto it = ref.begin();
      std::advance(it, static_cast<long>(rng() % ref.size()));
      key = *it;
    }
    auto got = walk(index.walk_after(key), 70);  // crosses chunk boundaries
    std::vector<IndexEntry> want;
    for (auto it = ref.upper_bound(key); it != ref.end() && want.size() < 70; ++it)
      want.push_back(*it);
    ASSERT_EQ(got, want) << key.t << "," << key.idx;
  }
  StatusIndex empty;
  EXPECT_TRUE(empty.walk_after({5, 5}).done());
  EXPECT_TRUE(empty.walk().done());
}

}  // namespace
}  // namespace orderwatch::tracking
