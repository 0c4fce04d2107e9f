// Threads sharing one Calendar: its day table is built lazily under a lock and read without
// one. Labelled concurrency, so scripts/test runs it under TSan too.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "orderwatch/calendar/calendar.h"
#include "test_util.h"

namespace orderwatch::calendar::test {
namespace {

// Threads racing over a fresh calendar's months agree with a calendar used by one thread.
TEST(Calendar, ThreadsShareTheLazilyBuiltTable) {
  const auto spec = weekdays("Europe/Berlin", {r("09:00-12:00"), r("13:00-18:00")});
  auto alone = make(spec);
  auto shared = make(spec);
  std::vector<std::int64_t> expected;
  for (std::int64_t t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 7 * kHour) {
    expected.push_back(alone->add_open(t, 4 * kHour));
  }
  std::vector<std::vector<std::int64_t>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      for (std::int64_t t = utc(2026, 1, 1); t < utc(2027, 1, 1); t += 7 * kHour) {
        got[i].push_back(shared->add_open(t, 4 * kHour));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace orderwatch::calendar::test
