// GapLog's counting (no server: the times are given; tests/integration/gap_test.cpp stops a
// real nats-server under a running exporter): one gap per interval with a cause active,
// however many reports arrive, counted by the cause that opened it.
#include "orderwatch/ingest/gaps.h"

#include <gtest/gtest.h>

namespace orderwatch::ingest {
namespace {

constexpr auto kDisconnect = GapCause::kDisconnect;
constexpr auto kSlow = GapCause::kSlowConsumer;
constexpr std::size_t kD = static_cast<std::size_t>(kDisconnect);
constexpr std::size_t kS = static_cast<std::size_t>(kSlow);

TEST(GapLog, NothingBeforeTheFirstGap) {
  const GapLog log;
  const GapView v = log.view();
  EXPECT_EQ(v.total(), 0u);
  EXPECT_EQ(v.last_start_ms, 0);
  EXPECT_EQ(v.last_end_ms, 0);
  EXPECT_FALSE(v.open());
}

TEST(GapLog, ADisconnectWhileDisconnectedIsOneGap) {
  GapLog log;
  log.begin(kDisconnect, 1'000);
  log.begin(kDisconnect, 2'000);  // reported again: the same gap, its start unchanged
  GapView v = log.view();
  EXPECT_EQ(v.gaps[kD], 1u);
  EXPECT_EQ(v.last_start_ms, 1'000);
  EXPECT_EQ(v.last_end_ms, 0);  // still disconnected
  EXPECT_TRUE(v.open());
  EXPECT_TRUE(log.active(kDisconnect));
  log.end(kDisconnect, 5'000);
  log.end(kDisconnect, 6'000);  // a second reconnect report changes nothing
  v = log.view();
  EXPECT_EQ(v.total(), 1u);
  EXPECT_EQ(v.last_start_ms, 1'000);
  EXPECT_EQ(v.last_end_ms, 5'000);
  EXPECT_FALSE(v.open());
  EXPECT_FALSE(log.active(kDisconnect));
  // The next disconnect is a new gap, and the last gap is that one (open again).
  log.begin(kDisconnect, 9'000);
  v = log.view();
  EXPECT_EQ(v.gaps[kD], 2u);
  EXPECT_EQ(v.last_start_ms, 9'000);
  EXPECT_EQ(v.last_end_ms, 0);
}

TEST(GapLog, ADropBurstIsOneGapUntilTheQueueIsEmpty) {
  GapLog log;
  for (std::int64_t t = 100; t < 200; t += 10) log.begin(kSlow, t);  // the client reports again
  GapView v = log.view();
  EXPECT_EQ(v.gaps[kS], 1u);
  EXPECT_EQ(v.gaps[kD], 0u);
  EXPECT_EQ(v.last_start_ms, 100);
  EXPECT_TRUE(v.open());
  log.end(kSlow, 250);  // the consumer emptied the queue
  v = log.view();
  EXPECT_EQ(v.last_end_ms, 250);
  log.begin(kSlow, 400);  // a drop after that is the next episode
  EXPECT_EQ(log.view().gaps[kS], 2u);
}

TEST(GapLog, OverlappingCausesAreOneGapClosedByTheLastToEnd) {
  GapLog log;
  log.begin(kSlow, 100);
  log.begin(kDisconnect, 150);  // while the drop gap is open: extends it, not counted
  log.end(kSlow, 200);
  GapView v = log.view();
  EXPECT_EQ(v.gaps[kS], 1u);
  EXPECT_EQ(v.gaps[kD], 0u);
  EXPECT_EQ(v.last_start_ms, 100);
  EXPECT_TRUE(v.open());  // still disconnected
  log.end(kDisconnect, 300);
  v = log.view();
  EXPECT_EQ(v.total(), 1u);
  EXPECT_EQ(v.last_end_ms, 300);
}

TEST(GapLog, AnEndWithoutABeginIsIgnored) {
  GapLog log;
  log.end(kDisconnect, 100);  // a first connection after a failed start is no gap
  EXPECT_EQ(log.view().total(), 0u);
  EXPECT_EQ(log.view().last_end_ms, 0);
}

TEST(GapLog, StartAndEndNeverReadAsNone) {
  GapLog log;
  log.begin(kDisconnect, 0);  // a clock at the epoch (tests): start still reads as a gap
  log.end(kDisconnect, 0);
  const GapView v = log.view();
  EXPECT_GT(v.last_start_ms, 0);
  EXPECT_GE(v.last_end_ms, v.last_start_ms);
}

}  // namespace
}  // namespace orderwatch::ingest
