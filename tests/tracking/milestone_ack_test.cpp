// Acknowledging milestone clocks (issue 25: "acknowledging a milestone's breach takes it out of
// order_milestone_overdue"): through the tracker service, as the actions API calls it. An
// acknowledgement of a clock holds while that clock runs or is paused, until its expiry; it
// moves the clock from the overdue counts to the acknowledged ones, filters the listings,
// survives a snapshot, and is independent of the order's stay acknowledgements.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kH = 3'600'000;
constexpr std::int64_t kDay0 = 1'796'515'200'000;  // 2026-12-06 00:00 UTC

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}
statuses:
  - {name: Placed, sla: 1h}
  - {name: OnHold}
  - {name: Packing}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - name: shipped_in_24h
    from: [Placed]
    until: [Shipped]
    pause: [OnHold]
    sla: 24h
    escalations: [{after: 48h, severity: page}]
  - name: delivery_promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    severity: page
)";

Acknowledgement ack_for(std::int64_t now, std::int64_t ms) {
  return Acknowledgement{"alice", "carrier strike", now, now + ms};
}

class MilestoneAck : public ::testing::Test {
 protected:
  MilestoneAck() : service_(sla::load_string(kConfig), [this] { return now_; }) {}

  void apply(TrackerService& s, const std::string& id, std::uint8_t status, std::int64_t t,
             std::int64_t promise = 0) {
    now_ = std::max(now_, t);
    ASSERT_TRUE(s.apply(test::promised(id, status, t, promise), now_ - 1).has_value());
  }
  void apply(const std::string& id, std::uint8_t status, std::int64_t t, std::int64_t promise = 0) {
    apply(service_, id, status, t, promise);
  }
  // Overdue and acknowledged clocks of milestone m past tier k, as the collector sees them.
  std::pair<std::int64_t, std::int64_t> counts(TrackerService& s, std::size_t m, std::size_t k) {
    s.tick();
    TrackerSnapshot snap;
    s.snapshot(snap);
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    for (const auto& v : snap.milestones) {
      if (v.milestone != m) continue;
      out.first += v.overdue[k];
      out.second += v.acknowledged[k];
    }
    return out;
  }
  std::pair<std::int64_t, std::int64_t> counts(std::size_t m, std::size_t k) {
    return counts(service_, m, k);
  }
  std::vector<std::string> listed(TrackerService& s, AckFilter filter, std::uint64_t* total,
                                  std::uint64_t* acknowledged = nullptr) {
    OverdueQuery q;
    q.milestone = "shipped_in_24h";
    q.acknowledged = filter;
    const OverduePage page = s.overdue(q);
    EXPECT_EQ(page.error, "");
    *total = page.total;
    if (acknowledged != nullptr) *acknowledged = page.acknowledged;
    std::vector<std::string> ids;
    for (const auto& v : page.orders) ids.push_back(v.id);
    return ids;
  }

  std::int64_t now_ = kDay0;
  TrackerService service_;
};

TEST_F(MilestoneAck, AnAcknowledgedClockLeavesTheOverdueCountsUntilItStops) {
  for (const char* id : {"a", "b", "c"}) apply(id, 0, kDay0 + 10 * kH);
  now_ = kDay0 + 35 * kH;  // 25h: all three past 24h
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{3, 0}));

  const ActionOutcome out =
      service_.act(OrderAction::kAcknowledge, "b", ack_for(now_, 4 * kH), "shipped_in_24h");
  ASSERT_EQ(out.error, "");
  ASSERT_EQ(out.orders.size(), 1u);
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{2, 1}));
  // The order's stay in Placed (past its 1h) is not acknowledged, nor its other milestone.
  const FoundOrder b = service_.find("b");
  ASSERT_TRUE(b.order.has_value());
  EXPECT_FALSE(b.order->ack.has_value());
  ASSERT_TRUE(b.order->milestones[0].ack.has_value());
  EXPECT_EQ(b.order->milestones[0].ack->actor, "alice");
  EXPECT_FALSE(b.order->milestones[1].ack.has_value());

  std::uint64_t total = 0, acked = 0;
  EXPECT_EQ(listed(service_, AckFilter::kExclude, &total, &acked),
            (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(total, 2u);
  EXPECT_EQ(acked, 1u);
  EXPECT_EQ(listed(service_, AckFilter::kOnly, &total), (std::vector<std::string>{"b"}));
  EXPECT_EQ(total, 1u);
  EXPECT_EQ(listed(service_, AckFilter::kInclude, &total).size(), 3u);
  const TrackerSummary sum = service_.summary();
  EXPECT_EQ(sum.milestones[0].overdue[0].second, 2);
  EXPECT_EQ(sum.milestones[0].acknowledged[0].second, 1);

  // A pause does not end it (the same clock); the stop does.
  apply("b", 1, kDay0 + 35 * kH + 1);
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{2, 1}));
  apply("b", 2, kDay0 + 35 * kH + 2);
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{2, 1}));
  apply("b", 3, kDay0 + 35 * kH + 3);  // shipped: the clock stopped (missed)
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{2, 0}));
  EXPECT_EQ(service_.find("b").order->milestones[0].state, "missed");
  EXPECT_FALSE(service_.find("b").order->milestones[0].ack.has_value());
}

TEST_F(MilestoneAck, ItExpiresAndRefusesAClockThatIsNotRunning) {
  apply("a", 2, kDay0);  // Packing first: the clock starts at this event
  apply("n", 3, kDay0);  // first seen Shipped: never started
  now_ = kDay0 + 25 * kH;
  EXPECT_TRUE(service_.act(OrderAction::kAcknowledge, "n", ack_for(now_, kH), "shipped_in_24h")
                  .orders.empty());
  EXPECT_TRUE(service_.act(OrderAction::kAcknowledge, "zz", ack_for(now_, kH), "shipped_in_24h")
                  .orders.empty());
  EXPECT_NE(service_.act(OrderAction::kAcknowledge, "a", ack_for(now_, kH), "nope").error, "");
  ASSERT_EQ(service_.act(OrderAction::kAcknowledge, "a", ack_for(now_, kH), "shipped_in_24h")
                .orders.size(),
            1u);
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{0, 1}));
  now_ += kH;  // expired
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{1, 0}));
}

TEST_F(MilestoneAck, ABatchOnAMilestoneListAcknowledgesItsClocksNotTheStays) {
  for (const char* id : {"a", "b"}) apply(id, 0, kDay0, kDay0 + 2 * kH);
  now_ = kDay0 + 25 * kH;
  OverdueQuery q;
  q.milestone = "delivery_promise";
  const ActionOutcome out =
      service_.act_on_overdue(OrderAction::kAcknowledge, q, ack_for(now_, kH), false);
  ASSERT_EQ(out.error, "");
  EXPECT_EQ(out.orders.size(), 2u);
  EXPECT_EQ(counts(1, 0), (std::pair<std::int64_t, std::int64_t>{0, 2}));
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{2, 0}));  // the other milestone
  EXPECT_FALSE(service_.find("a").order->ack.has_value());                 // nor the stay
  TrackerSnapshot snap;
  service_.snapshot(snap);
  std::int64_t stay_overdue = 0;
  for (const auto& s : snap.series) stay_overdue += s.overdue.empty() ? 0 : s.overdue[0];
  EXPECT_EQ(stay_overdue, 2);
}

TEST_F(MilestoneAck, ASnapshotKeepsThemAndAForgetDropsThem) {
  for (const char* id : {"a", "b"}) apply(id, 0, kDay0);
  now_ = kDay0 + 25 * kH;
  for (const char* id : {"a", "b"}) {
    ASSERT_EQ(service_.act(OrderAction::kAcknowledge, id, ack_for(now_, 4 * kH), "shipped_in_24h")
                  .orders.size(),
              1u);
  }
  service_.act(OrderAction::kForget, "b", ack_for(now_, 0));
  EXPECT_EQ(counts(0, 0), (std::pair<std::int64_t, std::int64_t>{0, 1}));
  const std::string path = ::testing::TempDir() + "/milestone_ack.snap";
  service_.save_snapshot(path);
  TrackerService restored(sla::load_string(kConfig), [this] { return now_; });
  restored.load_snapshot(path);
  std::filesystem::remove(path);
  EXPECT_EQ(counts(restored, 0, 0), (std::pair<std::int64_t, std::int64_t>{0, 1}));
  apply(restored, "c", 0, kDay0 + kH);  // another order's clock is not acknowledged
  now_ = kDay0 + 26 * kH;
  EXPECT_EQ(counts(restored, 0, 0), (std::pair<std::int64_t, std::int64_t>{1, 1}));
  ASSERT_TRUE(restored.find("a").order->milestones[0].ack.has_value());
  EXPECT_EQ(restored.find("a").order->milestones[0].ack->reason, "carrier strike");
}

}  // namespace
}  // namespace orderwatch::tracking
