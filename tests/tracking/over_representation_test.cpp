// The summary's over-representation: for each dimension value among a status's overdue
// orders, its count among them and among all the status's orders in flight (the shares'
// numerators), exact against a brute-force count over the orders.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/tracker.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  idle_timeout: 1ms  # W follows the wall clock as soon as no event arrives (Watermark)
  dimensions: [{field: region, max_values: 10}, {field: channel, max_values: 10}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations: [{after: 120s, severity: page}]
  - {name: Delivered, terminal: true}
)";

Event event(std::string_view id, std::uint8_t status, std::int64_t t, std::string_view region,
            std::string_view channel = "web") {
  Event e;
  e.id = id;
  e.status = status;
  e.time_ms = t;
  e.dims[0] = region;
  e.has_dim[0] = true;
  e.dims[1] = channel;
  e.has_dim[1] = true;
  return e;
}

// Over-representation: for each value among the overdue, its count among them and among all
// in flight, against a count over every order.
TEST(OverRepresentation, ExactAgainstABruteForceCount) {
  const auto config = sla::load_string(kConfig);
  OrderTracker tracker(config);
  std::mt19937 rng(7);
  const char* regions[] = {"eu-west", "us-east", "ap-south"};
  const char* channels[] = {"web", "app"};
  struct Order {
    std::int64_t entered;
    std::string region, channel;
  };
  std::vector<Order> orders;
  for (int i = 0; i < 60; ++i) {
    // Skewed: eu-west mostly old, the others mostly young.
    const std::string region = regions[rng() % 3];
    const std::string channel = channels[rng() % 2];
    const std::int64_t age = (region == "eu-west" ? 40 + rng() % 100 : rng() % 80) * kS;
    orders.push_back({T0 - age, region, channel});
    ASSERT_EQ(tracker.apply(event("o" + std::to_string(i), 1, T0 - age, region, channel), T0 - 1),
              ApplyResult::kApplied);
  }
  tracker.tick(T0);  // a millisecond after the last arrival: idle (idle_timeout 1ms), W = T0
  const auto sum = tracker.summary(10);
  const auto& a = sum.statuses[1];
  std::int64_t overdue = 0;
  std::map<std::string, std::int64_t> od_region, if_region, od_channel, if_channel;
  for (const auto& o : orders) {
    const bool late = T0 - o.entered >= 60 * kS;
    overdue += late;
    od_region[o.region] += late;
    od_channel[o.channel] += late;
    ++if_region[o.region];
    ++if_channel[o.channel];
  }
  ASSERT_GT(overdue, 0);
  EXPECT_EQ(a.in_flight, 60);
  ASSERT_EQ(a.top_overdue.size(), 2u);
  for (const auto& [d, od, inf] :
       {std::tuple{0, &od_region, &if_region}, std::tuple{1, &od_channel, &if_channel}}) {
    const DimensionTop& top = a.top_overdue[static_cast<std::size_t>(d)];
    EXPECT_EQ(top.overdue, overdue);
    EXPECT_EQ(top.all_in_flight, 60);
    ASSERT_EQ(top.in_flight.size(), top.values.size());
    std::size_t nonzero = 0;
    for (const auto& [v, n] : *od) nonzero += n > 0;
    EXPECT_EQ(top.values.size(), nonzero);
    for (std::size_t i = 0; i < top.values.size(); ++i) {
      const auto& [value, count] = top.values[i];
      EXPECT_EQ(count, od->at(value)) << value;
      EXPECT_EQ(top.in_flight[i], inf->at(value)) << value;
    }
  }
  // The skew shows: eu-west's share among the overdue is above its share in flight.
  const DimensionTop& region = a.top_overdue[0];
  EXPECT_EQ(region.values[0].first, "eu-west");
  EXPECT_GT(region.values[0].second * region.all_in_flight, region.in_flight[0] * region.overdue);
}

TEST(OverRepresentation, ASmallCaseByHand) {
  const auto config = sla::load_string(kConfig);
  OrderTracker tracker(config);
  // 5 Authorized orders: eu-west 4 (3 overdue), us-east 1 (1 overdue) -> overdue 4.
  // Placed has an eu-west order too, which must not count for Authorized.
  tracker.apply(event("a", 1, T0 - 100 * kS, "eu-west"), T0 - 1);
  tracker.apply(event("b", 1, T0 - 90 * kS, "eu-west"), T0 - 1);
  tracker.apply(event("c", 1, T0 - 61 * kS, "eu-west"), T0 - 1);
  tracker.apply(event("d", 1, T0 - 1 * kS, "eu-west"), T0 - 1);
  tracker.apply(event("e", 1, T0 - 300 * kS, "us-east", "app"), T0 - 1);
  tracker.apply(event("p", 0, T0 - 1 * kS, "eu-west"), T0 - 1);
  tracker.tick(T0);  // a millisecond after the last arrival: idle (idle_timeout 1ms), W = T0
  const auto a = tracker.summary().statuses[1];
  ASSERT_EQ(a.top_overdue.size(), 2u);
  const DimensionTop& region = a.top_overdue[0];
  EXPECT_EQ(region.values,
            (std::vector<std::pair<std::string, std::int64_t>>{{"eu-west", 3}, {"us-east", 1}}));
  EXPECT_EQ(region.in_flight, (std::vector<std::int64_t>{4, 1}));
  EXPECT_EQ(region.overdue, 4);
  EXPECT_EQ(region.all_in_flight, 5);
  const DimensionTop& channel = a.top_overdue[1];
  EXPECT_EQ(channel.values,
            (std::vector<std::pair<std::string, std::int64_t>>{{"web", 3}, {"app", 1}}));
  EXPECT_EQ(channel.in_flight, (std::vector<std::int64_t>{4, 1}));
}

}  // namespace
}  // namespace orderwatch::tracking

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
