// What recovered: the orders that left their status while overdue (as of W), with the tier they
// reached, how long they were overdue, where they went and which action preceded it; a bounded
// ring. And acknowledged orders counted apart from the overdue ones by the drill-down queries,
// as order_overdue does.
#include <gtest/gtest.h>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/tracker.h"
#include "recovered.h"
#include "test_events.h"

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

const std::string kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1ms}  # W follows the wall clock as soon as no event arrives (Watermark)
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 60s
    escalations:
      - {after: 120s, severity: page}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
)";

using test::event;

class RecoveredTest : public ::testing::Test {
 protected:
  RecoveredTest() : cfg_(sla::load_string(kConfig)), t_(cfg_) {
    t_.apply(event("a", 1, T0), T0);
    t_.apply(event("b", 1, T0), T0);
    t_.apply(event("c", 1, T0 + 100 * kS), T0);
    t_.apply(event("d", 1, T0 + 50 * kS), T0);
    t_.tick(T0 + 130 * kS);  // W: a, b past both tiers; d past warning; c not overdue
  }
  Acknowledgement ack() { return {"alice", "db", T0 + 130 * kS, T0 + 3600 * kS}; }
  sla::Config cfg_;
  OrderTracker t_;
};

TEST_F(RecoveredTest, OrdersThatWereOverdueAndLeftAreListedNewestFirst) {
  EXPECT_TRUE(t_.recovered("", 100).orders.empty());
  t_.apply(event("a", 2, T0 + 131 * kS), T0 + 131 * kS);  // moved on, past page
  t_.apply(event("d", 3, T0 + 132 * kS), T0 + 132 * kS);  // finished, past warning only
  t_.apply(event("c", 2, T0 + 133 * kS), T0 + 133 * kS);  // never overdue: not listed
  ASSERT_TRUE(t_.forget("b", T0 + 134 * kS));             // forgotten, past page
  const RecoveredList list = t_.recovered("", 100);
  ASSERT_TRUE(list.error.empty());
  ASSERT_EQ(list.orders.size(), 3u);
  EXPECT_EQ(list.held, 3u);
  EXPECT_EQ(list.recorded, 3u);
  EXPECT_EQ(list.capacity, kRecoveredEntries);

  const RecoveredOrder& b = list.orders[0];
  EXPECT_EQ(b.id, "b");
  EXPECT_EQ(b.status, "Authorized");
  EXPECT_EQ(b.severity, "page");
  EXPECT_EQ(b.tiers_crossed, 2);
  EXPECT_EQ(b.entered_ms, T0);
  EXPECT_EQ(b.overdue_ms, 70 * kS);  // W (130 s) - (entered + 60 s)
  EXPECT_EQ(b.left_ms, T0 + 134 * kS);
  EXPECT_EQ(b.watermark_ms, T0 + 130 * kS);
  EXPECT_EQ(b.outcome, RecoveredOutcome::kForgotten);
  EXPECT_EQ(b.to, "");
  EXPECT_FALSE(b.acknowledged);
  EXPECT_FALSE(b.redriven);

  const RecoveredOrder& d = list.orders[1];
  EXPECT_EQ(d.id, "d");
  EXPECT_EQ(d.severity, "warning");
  EXPECT_EQ(d.tiers_crossed, 1);
  EXPECT_EQ(d.overdue_ms, 20 * kS);
  EXPECT_EQ(d.outcome, RecoveredOutcome::kFinished);
  EXPECT_EQ(d.to, "Delivered");
  EXPECT_EQ(d.left_ms, T0 + 132 * kS);

  const RecoveredOrder& a = list.orders[2];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.outcome, RecoveredOutcome::kMoved);
  EXPECT_EQ(a.to, "Shipped");
  EXPECT_EQ(a.overdue_ms, 70 * kS);

  EXPECT_EQ(t_.recovered("", 1).orders.size(), 1u);
  EXPECT_EQ(t_.recovered("Placed", 100).orders.size(), 0u);
  EXPECT_EQ(t_.recovered("Authorized", 100).orders.size(), 3u);
  EXPECT_EQ(t_.recovered("Nope", 100).error, "unknown status \"Nope\"");
}

TEST_F(RecoveredTest, SaysWhichActionPrecededIt) {
  ASSERT_TRUE(t_.acknowledge("a", ack()));
  ASSERT_TRUE(t_.note_redrive("b"));
  ASSERT_TRUE(t_.note_redrive("d"));
  ASSERT_TRUE(t_.acknowledge("d", ack()));
  EXPECT_FALSE(t_.note_redrive("nope"));
  t_.apply(event("a", 2, T0 + 131 * kS), T0 + 131 * kS);
  t_.apply(event("b", 2, T0 + 131 * kS), T0 + 131 * kS);
  t_.apply(event("d", 2, T0 + 131 * kS), T0 + 131 * kS);
  const auto list = t_.recovered("", 100);
  ASSERT_EQ(list.orders.size(), 3u);
  EXPECT_EQ(list.orders[0].id, "d");
  EXPECT_TRUE(list.orders[0].acknowledged);
  EXPECT_TRUE(list.orders[0].redriven);
  EXPECT_EQ(list.orders[1].id, "b");
  EXPECT_FALSE(list.orders[1].acknowledged);
  EXPECT_TRUE(list.orders[1].redriven);
  EXPECT_EQ(list.orders[2].id, "a");
  EXPECT_TRUE(list.orders[2].acknowledged);
  EXPECT_FALSE(list.orders[2].redriven);
  // A redrive belongs to one stay: back in Authorized, b's next recovery has none.
  t_.apply(event("b", 1, T0 + 132 * kS), T0 + 132 * kS);
  t_.tick(T0 + 300 * kS);
  t_.apply(event("b", 2, T0 + 301 * kS), T0 + 301 * kS);
  const auto again = t_.recovered("", 1);
  ASSERT_EQ(again.orders.size(), 1u);
  EXPECT_EQ(again.orders[0].id, "b");
  EXPECT_FALSE(again.orders[0].redriven);
}

TEST_F(RecoveredTest, ARedriveThatWasNotPublishedIsNotClaimed) {
  ASSERT_TRUE(t_.note_redrive("b"));
  t_.drop_redrive_mark("b");  // the publish failed (502)
  t_.drop_redrive_mark("nope");
  t_.apply(event("b", 2, T0 + 131 * kS), T0 + 131 * kS);
  const auto list = t_.recovered("", 1);
  ASSERT_EQ(list.orders.size(), 1u);
  EXPECT_EQ(list.orders[0].id, "b");
  EXPECT_FALSE(list.orders[0].redriven);
}

TEST_F(RecoveredTest, EvictionAndOrdersThatWereNotOverdueAreNotRecoveries) {
  t_.apply(event("c", 2, T0 + 131 * kS), T0 + 131 * kS);  // c: 31 s in Authorized
  t_.apply(event("c", 0, T0 + 132 * kS), T0 + 132 * kS);  // Shipped has no SLA
  t_.tick(T0 + 40LL * 86400 * kS);                        // past retention: all evicted
  EXPECT_EQ(t_.tracked(), 0u);
  EXPECT_TRUE(t_.recovered("", 100).orders.empty());
}

TEST_F(RecoveredTest, TheRingKeepsTheLatestEntriesOnly) {
  // Entered before W passed their deadline (one that arrives past it is a late stay, not
  // overdue until confirmed), overdue by the tick, then they leave.
  for (std::size_t i = 0; i < kRecoveredEntries + 5; ++i) {
    t_.apply(event("r" + std::to_string(i), 1, T0 + 130 * kS), T0 + 130 * kS);
  }
  t_.tick(T0 + 200 * kS);
  for (std::size_t i = 0; i < kRecoveredEntries + 5; ++i) {
    t_.apply(event("r" + std::to_string(i), 2, T0 + 201 * kS), T0 + 201 * kS);
  }
  const auto list = t_.recovered("", 1000);
  EXPECT_EQ(list.held, kRecoveredEntries);
  EXPECT_EQ(list.recorded, kRecoveredEntries + 5);
  ASSERT_EQ(list.orders.size(), 1000u);
  EXPECT_EQ(list.orders.front().id, "r" + std::to_string(kRecoveredEntries + 4));
  EXPECT_EQ(list.orders.back().id, "r" + std::to_string(kRecoveredEntries + 4 - 999));
}

TEST_F(RecoveredTest, LongIdsAreCutAtTheConfiguredBound) {
  const std::string long_id(cfg_.event.max_id_bytes + 10, 'x');
  t_.apply(event(long_id, 1, T0 + 130 * kS), T0 + 130 * kS);
  t_.tick(T0 + 200 * kS);
  t_.apply(event(long_id, 2, T0 + 201 * kS), T0 + 201 * kS);
  const auto list = t_.recovered("", 1);
  ASSERT_EQ(list.orders.size(), 1u);
  EXPECT_EQ(list.orders[0].id.size(), cfg_.event.max_id_bytes);
  EXPECT_TRUE(list.orders[0].id_truncated);
}

TEST(RecoveredService, AReloadKeepsTheRingAndTheRedriveMarks) {
  const sla::Config cfg = sla::load_string(kConfig);
  std::int64_t now = T0;
  TrackerService service(cfg, [&] { return now; });
  service.apply(event("a", 1, T0), now);
  service.apply(event("b", 1, T0), now);
  now = T0 + 130 * kS;
  ASSERT_EQ(service.act(OrderAction::kRedrive, "b", {}).orders.size(), 1u);
  service.apply(event("a", 2, T0 + 131 * kS), now);
  service.reload(cfg);
  service.apply(event("b", 2, T0 + 132 * kS), now);
  const auto list = service.recovered("", 10);
  ASSERT_EQ(list.orders.size(), 2u);
  EXPECT_EQ(list.now_ms, now);
  EXPECT_EQ(list.orders[0].id, "b");
  EXPECT_TRUE(list.orders[0].redriven);
  EXPECT_EQ(list.orders[1].id, "a");
}

// The drill-down listing and summary count acknowledged orders apart (as order_overdue).
TEST_F(RecoveredTest, AcknowledgedOrdersAreListedAndCountedApart) {
  ASSERT_TRUE(t_.acknowledge("a", ack()));
  OverdueQuery q;
  q.acknowledged = AckFilter::kExclude;
  OverduePage page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 2u);  // b and d, oldest first
  EXPECT_EQ(page.orders[0].id, "b");
  EXPECT_EQ(page.orders[1].id, "d");
  EXPECT_EQ(page.total, 2u);
  EXPECT_EQ(page.acknowledged, 1u);
  q.severity = "page";
  page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].id, "b");
  EXPECT_EQ(page.total, 1u);
  EXPECT_EQ(page.acknowledged, 1u);
  // Paging over an acknowledged order skips it.
  q.severity = "";
  q.limit = 1;
  page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].id, "b");
  ASSERT_TRUE(page.next);
  q.after = page.next;
  page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].id, "d");
  EXPECT_FALSE(page.next);
  // Only the acknowledged ones.
  q = OverdueQuery{};
  q.acknowledged = AckFilter::kOnly;
  page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 1u);
  EXPECT_EQ(page.orders[0].id, "a");
  ASSERT_TRUE(page.orders[0].ack);
  EXPECT_EQ(page.total, 1u);
  // The batch actions' selection still has them.
  q.acknowledged = AckFilter::kInclude;
  EXPECT_EQ(t_.overdue(q).total, 3u);

  const TrackerSummary sum = t_.summary();
  const StatusSummary& auth = sum.statuses[1];
  using Counts = std::vector<std::pair<std::string, std::int64_t>>;
  EXPECT_EQ(auth.overdue, (Counts{{"warning", 2}, {"page", 1}}));
  EXPECT_EQ(auth.acknowledged, (Counts{{"warning", 1}, {"page", 1}}));
  EXPECT_EQ(sum.statuses[0].acknowledged, (Counts{{"warning", 0}}));
}

TEST_F(RecoveredTest, AcknowledgedOnlyPagesWithACursor) {
  ASSERT_TRUE(t_.acknowledge("a", ack()));
  ASSERT_TRUE(t_.acknowledge("b", ack()));
  ASSERT_TRUE(t_.acknowledge("d", ack()));
  OverdueQuery q;
  q.acknowledged = AckFilter::kOnly;
  q.limit = 2;
  OverduePage page = t_.overdue(q);
  ASSERT_EQ(page.orders.size(), 2u);
  EXPECT_EQ(page.total, 3u);
  ASSERT_TRUE(page.next);
  q.after = page.next;
  OverduePage rest = t_.overdue(q);
  ASSERT_EQ(rest.orders.size(), 1u);
  EXPECT_EQ(rest.orders[0].id, "d");
  EXPECT_FALSE(rest.next);
  std::vector<std::string> first{page.orders[0].id, page.orders[1].id};
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<std::string>{"a", "b"}));
  // Excluded, nothing is left; the summary agrees with the metric.
  q = OverdueQuery{};
  q.acknowledged = AckFilter::kExclude;
  EXPECT_TRUE(t_.overdue(q).orders.empty());
  EXPECT_EQ(t_.overdue(q).total, 0u);
  TrackerSnapshot snap;
  t_.snapshot(snap);
  const auto sum = t_.summary();
  for (const auto& v : snap.series) {
    if (v.status != 1) continue;
    EXPECT_EQ(v.overdue, (std::vector<std::int64_t>{0, 0}));
    EXPECT_EQ(sum.statuses[1].overdue[0].second, v.overdue[0]);
    EXPECT_EQ(sum.statuses[1].acknowledged[0].second, v.acknowledged[0]);
  }
}

}  // namespace
}  // namespace orderwatch::tracking

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
