// Operator actions in the tracker: an acknowledgement moves one stay from the overdue counts
// to the acknowledged ones until the order moves or the expiry, and survives a snapshot; a
// forget drops the order as a terminal status would, without observing anything.
#include <gtest/gtest.h>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/snapshot.h"
#include "orderwatch/tracking/tracker.h"
#include "test_events.h"

namespace orderwatch::tracking {
namespace {

constexpr std::int64_t kS = 1000;
constexpr std::int64_t T0 = 1'700'000'000'000;

const std::string kConfig = R"(
service: shop
nats: {subject: orders.>}
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Delivered, terminal: true}
)";

using test::event;

struct Counts {
  std::vector<std::int64_t> overdue, acked;
  std::int64_t in_status = 0;
};

Counts counts(const OrderTracker& t, std::uint8_t status) {
  TrackerSnapshot snap;
  t.snapshot(snap);
  for (const auto& v : snap.series) {
    if (v.status == status) return Counts{v.overdue, v.acknowledged, v.in_status};
  }
  return {};
}

class ActionsTest : public ::testing::Test {
 protected:
  ActionsTest() : cfg_(sla::load_string(kConfig)), t_(cfg_) {
    t_.apply(event("a", 1, T0), T0);
    t_.apply(event("b", 1, T0), T0);
    t_.apply(event("c", 1, T0 + 100 * kS), T0);
    t_.tick(T0 + 130 * kS);  // a, b past both tiers; c not overdue
  }
  Acknowledgement ack(std::int64_t until) { return {"alice", "db fixed by hand", T0, until}; }
  sla::Config cfg_;
  OrderTracker t_;
};

TEST_F(ActionsTest, AcknowledgedStayLeavesOverdueUntilItMoves) {
  EXPECT_EQ(counts(t_, 1).overdue, (std::vector<std::int64_t>{2, 2}));
  EXPECT_EQ(counts(t_, 1).acked, (std::vector<std::int64_t>{0, 0}));
  auto v = t_.acknowledge("a", ack(T0 + 3600 * kS));
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->ack);
  EXPECT_EQ(v->ack->actor, "alice");
  EXPECT_EQ(counts(t_, 1).overdue, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(counts(t_, 1).acked, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(counts(t_, 1).in_status, 3);
  EXPECT_FALSE(t_.acknowledge("nope", ack(T0 + 3600 * kS)));
  // The next status change ends the acknowledgement: back in Placed it would be its own stay.
  t_.apply(event("a", 0, T0 + 131 * kS), T0 + 131 * kS);
  t_.tick(T0 + 200 * kS);
  EXPECT_EQ(counts(t_, 1).acked, (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(counts(t_, 0).acked, (std::vector<std::int64_t>{0}));
  EXPECT_EQ(counts(t_, 0).overdue, (std::vector<std::int64_t>{1}));
  EXPECT_EQ(t_.acknowledgements(), 0u);
}

TEST_F(ActionsTest, AcknowledgementExpires) {
  t_.acknowledge("b", ack(T0 + 200 * kS));
  t_.tick(T0 + 199 * kS);
  EXPECT_EQ(counts(t_, 1).acked, (std::vector<std::int64_t>{1, 1}));
  t_.tick(T0 + 200 * kS);
  EXPECT_EQ(counts(t_, 1).acked, (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(counts(t_, 1).overdue, (std::vector<std::int64_t>{3, 2}));  // c is 100s old now
}

TEST_F(ActionsTest, AcknowledgementsSurviveASnapshot) {
  t_.acknowledge("a", ack(T0 + 3600 * kS));
  std::string image;
  t_.save_state(image, 0, T0 + 130 * kS);
  seal_snapshot(image);
  OrderTracker loaded(cfg_);
  loaded.load_state(image, "t");
  loaded.tick(T0 + 131 * kS);
  EXPECT_EQ(counts(loaded, 1).acked, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(counts(loaded, 1).overdue, (std::vector<std::int64_t>{1, 1}));
  ASSERT_TRUE(loaded.find("a")->ack);
  EXPECT_EQ(loaded.find("a")->ack->reason, "db fixed by hand");
}

TEST_F(ActionsTest, ForgetDropsTheOrderAndTombstonesIt) {
  TrackerSnapshot before;
  t_.snapshot(before);
  auto v = t_.forget("a", T0 + 130 * kS);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->status_name, "Authorized");
  EXPECT_FALSE(t_.find("a"));
  EXPECT_EQ(counts(t_, 1).in_status, 2);
  EXPECT_EQ(counts(t_, 1).overdue, (std::vector<std::int64_t>{1, 1}));
  TrackerSnapshot after;
  t_.snapshot(after);
  EXPECT_EQ(after.turnaround[2].count, before.turnaround[2].count);  // nothing observed
  EXPECT_EQ(after.series[1].duration.count, before.series[1].duration.count);
  // A late event for it does not bring it back.
  EXPECT_EQ(t_.apply(event("a", 1, T0 + 131 * kS), T0 + 131 * kS), ApplyResult::kDuplicate);
  EXPECT_FALSE(t_.find("a"));
  EXPECT_FALSE(t_.forget("a", T0 + 132 * kS));
}

}  // namespace
}  // namespace orderwatch::tracking
