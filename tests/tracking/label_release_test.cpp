// Label sets (dimension value combinations) are released once no order has carried them for
// kLabelSetIdleMs, with the dimension values only they used: values a broken producer sent do
// not hold the cap or the scrape for ever, and a snapshot does not bring them back.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t T0 = 1'700'000'000'000;
constexpr std::int64_t kMinute = 60'000;

const sla::Config& config() {
  static const sla::Config c = sla::load_string(R"(
service: shop
nats: {subject: orders.>}
event:
  dimensions: [{field: region, max_values: 2}]
statuses:
  - {name: Placed, sla: 1h}
  - {name: Delivered, terminal: true}
)");
  return c;
}

using test::event;

// The region values of the series /metrics would export.
std::set<std::string> exported_regions(const OrderTracker& t) {
  TrackerSnapshot s;
  t.snapshot(s);
  std::set<std::string> out;
  for (const auto& v : s.series) out.insert(s.combos[v.combo][0]);
  return out;
}

TEST(LabelRelease, UnusedValuesLeaveAfterTheIdlePeriodAndFreeTheCap) {
  OrderTracker t(config());
  // A bad release sends two junk regions: the cap of 2 is full, "eu" becomes "other".
  t.apply(event("j1", 0, T0, "junk-1"), T0);
  t.apply(event("j2", 0, T0, "junk-2"), T0);
  t.apply(event("o1", 0, T0, "eu"), T0);
  EXPECT_EQ(exported_regions(t), (std::set<std::string>{"unknown", "junk-1", "junk-2", "other"}));
  // The junk orders finish; their label sets stay exported for the idle period...
  t.apply(event("j1", 1, T0 + 1, "junk-1"), T0 + 1);
  t.apply(event("j2", 1, T0 + 1, "junk-2"), T0 + 1);
  std::int64_t now = T0;
  for (; now <= T0 + 9 * kMinute; now += kMinute) t.tick(now);
  EXPECT_TRUE(exported_regions(t).contains("junk-1"));
  // ...and are released after it, with their values: the cap admits real values again.
  for (; now <= T0 + 12 * kMinute; now += kMinute) t.tick(now);
  EXPECT_EQ(exported_regions(t), (std::set<std::string>{"unknown", "other"}));
  t.apply(event("o2", 0, now, "eu"), now);
  t.apply(event("o3", 0, now, "us"), now);
  EXPECT_EQ(exported_regions(t), (std::set<std::string>{"unknown", "other", "eu", "us"}));
  TrackerSnapshot s;
  t.snapshot(s);
  EXPECT_EQ(s.tracked, 3u);  // o1 (other), o2, o3
}

TEST(LabelRelease, ALabelSetInUseIsNeverReleased) {
  OrderTracker t(config());
  t.apply(event("o1", 0, T0, "eu"), T0);
  for (std::int64_t now = T0; now <= T0 + 30 * kMinute; now += kMinute) t.tick(now);
  EXPECT_TRUE(exported_regions(t).contains("eu"));
}

TEST(LabelRelease, ASnapshotDoesNotBringBackLabelSetsNoOrderCarries) {
  OrderTracker t(config());
  t.apply(event("j1", 0, T0, "junk-1"), T0);
  t.apply(event("o1", 0, T0, "eu"), T0);
  t.apply(event("j1", 1, T0 + 1, "junk-1"), T0 + 1);  // junk-1's label set now unused
  t.tick(T0 + 2);
  std::string image;
  t.save_state(image, 0, T0 + 2);
  seal_snapshot(image);
  OrderTracker loaded(config());
  loaded.load_state(image, "test.snap");
  EXPECT_EQ(exported_regions(loaded), (std::set<std::string>{"unknown", "eu"}));
  // The freed value slot is usable at once.
  loaded.apply(event("o2", 0, T0 + 3, "us"), T0 + 3);
  EXPECT_TRUE(exported_regions(loaded).contains("us"));
}

}  // namespace
}  // namespace orderwatch::tracking
