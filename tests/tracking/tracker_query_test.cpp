// Drill-down queries (OrderTracker::overdue/find/summary) with an injected clock: exact pages,
// the k-way merge across statuses, severity filters, the cursor under concurrent change, and
// the summary's counts and common dimension values.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

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
    escalations:
      - {after: 120s, severity: page}
      - {after: 300s, severity: critical}
  - name: Shipped
    sla: 1h
    escalations: [{after: 2h, severity: page}]
  - {name: Held}
  - {name: Delivered, terminal: true}
)";

enum S : std::uint8_t { Placed, Authorized, Shipped, Held, Delivered };

class QueryTest : public ::testing::Test {
 protected:
  QueryTest() : config_(sla::load_string(kConfig)), tracker_(config_) {}

  void apply(const std::string& id, S status, std::int64_t t, std::string_view region = "eu",
             std::string_view channel = "web") {
    Event e;
    e.id = id;
    e.status = status;
    e.time_ms = t;
    e.dims[0] = region;
    e.has_dim[0] = true;
    e.dims[1] = channel;
    e.has_dim[1] = true;
    // Arrived just before the query's tick: the source is idle by then (idle_timeout 1ms).
    ASSERT_EQ(tracker_.apply(e, now_ - 1), ApplyResult::kApplied) << id;
  }

  OverduePage query(std::string_view status = "", std::string_view severity = "",
                    std::size_t limit = 100, std::optional<OrderCursor> after = std::nullopt) {
    tracker_.tick(now_);
    OverdueQuery q;
    q.status = status;
    q.severity = severity;
    q.limit = limit;
    q.after = after;
    return tracker_.overdue(q);
  }

  static std::vector<std::string> ids(const OverduePage& p) {
    std::vector<std::string> out;
    for (const auto& v : p.orders) out.push_back(v.id);
    return out;
  }

  // Every page, following next, concatenated.
  std::vector<std::string> all_pages(std::string_view status, std::string_view severity,
                                     std::size_t limit) {
    std::vector<std::string> out;
    std::optional<OrderCursor> after;
    for (int guard = 0; guard < 10000; ++guard) {
      auto page = query(status, severity, limit, after);
      EXPECT_EQ(page.error, "");
      EXPECT_LE(page.orders.size(), limit);
      for (auto& id : ids(page)) out.push_back(id);
      if (!page.next) return out;
      EXPECT_EQ(page.orders.size(), limit);  // only a full page has a next one
      after = page.next;
    }
    ADD_FAILURE() << "pagination did not end";
    return out;
  }

  std::int64_t now_ = T0 + 1000 * kS;
  sla::Config config_;
  OrderTracker tracker_;
};

TEST_F(QueryTest, OldestFirstMergedAcrossStatuses) {
  apply("p-new", Placed, now_ - 5 * kS);      // not overdue (10s)
  apply("p-old", Placed, now_ - 500 * kS);    // overdue
  apply("a-61", Authorized, now_ - 61 * kS);  // warning only
  apply("a-400", Authorized, now_ - 400 * kS);
  apply("s-2h", Shipped, now_ - 7200 * kS);   // page
  apply("s-30m", Shipped, now_ - 1800 * kS);  // not overdue (1h)
  apply("h-old", Held, now_ - 900 * kS);      // Held has no SLA: never overdue

  auto page = query();
  EXPECT_EQ(page.error, "");
  EXPECT_EQ(ids(page), (std::vector<std::string>{"s-2h", "p-old", "a-400", "a-61"}));
  EXPECT_EQ(page.total, 4u);
  EXPECT_FALSE(page.next.has_value());
  EXPECT_EQ(page.dimension_labels, (std::vector<std::string>{"region", "channel"}));

  const OrderView& a400 = page.orders[2];
  EXPECT_EQ(a400.status_name, "Authorized");
  EXPECT_EQ(a400.entered_ms, now_ - 400 * kS);
  EXPECT_EQ(a400.tiers_crossed, 3);
  EXPECT_EQ(a400.severity, "critical");
  EXPECT_EQ(a400.dims, (std::vector<std::string>{"eu", "web"}));
  EXPECT_EQ(page.orders[3].severity, "warning");
  EXPECT_EQ(page.orders[0].severity, "page");
}

TEST_F(QueryTest, SeverityFiltersToOrdersPastThatTier) {
  apply("a-61", Authorized, now_ - 61 * kS);
  apply("a-130", Authorized, now_ - 130 * kS);
  apply("a-400", Authorized, now_ - 400 * kS);
  apply("s-3h", Shipped, now_ - 3 * 3600 * kS);
  apply("p-old", Placed, now_ - 500 * kS);

  EXPECT_EQ(ids(query("Authorized", "page")), (std::vector<std::string>{"a-400", "a-130"}));
  EXPECT_EQ(query("Authorized", "page").total, 2u);
  EXPECT_EQ(ids(query("Authorized", "critical")), (std::vector<std::string>{"a-400"}));
  EXPECT_EQ(ids(query("Authorized", "warning")),
            (std::vector<std::string>{"a-400", "a-130", "a-61"}));
  EXPECT_EQ(ids(query("Authorized")), (std::vector<std::string>{"a-400", "a-130", "a-61"}));
  // Without a status: every status that has the tier, merged.
  EXPECT_EQ(ids(query("", "page")), (std::vector<std::string>{"s-3h", "a-400", "a-130"}));
  EXPECT_EQ(query("", "page").total, 3u);
}

TEST_F(QueryTest, RefusesUnknownNamesAndAnswersEmptyForStatusesWithoutTiers) {
  apply("p-old", Placed, now_ - 500 * kS);
  EXPECT_EQ(query("Nope").error, "unknown status \"Nope\"");
  EXPECT_EQ(query("placed").error, "unknown status \"placed\"");  // names are case-sensitive
  EXPECT_EQ(query("", "sev9").error, "unknown severity \"sev9\"");
  EXPECT_EQ(query("Placed", "page").error, "status \"Placed\" has no tier with severity \"page\"");
  EXPECT_EQ(query(std::string(500, 'x')).error,
            "unknown status \"" + std::string(64, 'x') + "...\"");
  for (auto status : {"Held", "Delivered"}) {
    auto p = query(status);
    EXPECT_EQ(p.error, "") << status;
    EXPECT_TRUE(p.orders.empty()) << status;
    EXPECT_EQ(p.total, 0u);
  }
}

TEST_F(QueryTest, PagesCoverEveryOrderOnceIncludingTies) {
  // 250 overdue orders, many sharing a millisecond (ties are ordered by slot).
  std::vector<std::pair<std::int64_t, std::string>> expected;
  for (int i = 0; i < 250; ++i) {
    const std::string id = "o" + std::to_string(i);
    const std::int64_t t = now_ - (100 + (i * 7) % 40) * kS;
    apply(id, i % 2 ? Authorized : Placed, t);
    expected.emplace_back(t, id);
  }
  const auto everything = ids(query("", "", 1000));
  ASSERT_EQ(everything.size(), 250u);
  for (std::size_t limit : {1u, 7u, 100u, 250u, 1000u}) {
    EXPECT_EQ(all_pages("", "", limit), everything) << "limit " << limit;
  }
  // Oldest first: times never decrease along the answer.
  std::map<std::string, std::int64_t> time_of;
  for (auto& [t, id] : expected) time_of[id] = t;
  for (std::size_t i = 1; i < everything.size(); ++i) {
    EXPECT_LE(time_of[everything[i - 1]], time_of[everything[i]]);
  }
  EXPECT_EQ(all_pages("Authorized", "", 9).size(), 125u);
}

TEST_F(QueryTest, CursorSurvivesInsertsRemovalsAndSlotReuse) {
  for (int i = 0; i < 10; ++i) apply("o" + std::to_string(i), Authorized, now_ - (200 - i) * kS);
  auto p1 = query("Authorized", "", 4);
  ASSERT_EQ(ids(p1), (std::vector<std::string>{"o0", "o1", "o2", "o3"}));
  ASSERT_TRUE(p1.next);

  // Between pages: an already returned order leaves (its slot is freed) and a new order takes
  // the slot with the cursor's very entry time; an unreturned order leaves; one order older
  // than the cursor and one newer arrive.
  apply("o3", Delivered, now_ - 10 * kS);       // finished: its record slot is recycled
  apply("reuse", Authorized, now_ - 197 * kS);  // == o3's entry time, likely o3's slot
  apply("o6", Shipped, now_ - 10 * kS);
  apply("older", Authorized, now_ - 300 * kS);
  apply("newer", Authorized, now_ - 150 * kS);

  std::vector<std::string> rest;
  for (auto after = p1.next; after;) {
    auto p = query("Authorized", "", 4, after);
    for (auto& id : ids(p)) rest.push_back(id);
    after = p.next;
  }
  // Every order present throughout comes exactly once; "older" sorts before the cursor
  // (arrived behind the reader); "reuse" ties with the cursor's millisecond and is returned
  // only if its slot sorts after the cursor's -- either way, nothing repeats.
  std::multiset<std::string> seen(rest.begin(), rest.end());
  for (auto& id : ids(p1)) seen.insert(id);
  for (const char* id : {"o0", "o1", "o2", "o3", "o4", "o5", "o7", "o8", "o9", "newer"}) {
    EXPECT_EQ(seen.count(id), 1u) << id;
  }
  EXPECT_EQ(seen.count("o6"), 0u);
  EXPECT_EQ(seen.count("older"), 0u);
  EXPECT_LE(seen.count("reuse"), 1u);
  EXPECT_EQ(std::vector<std::string>(rest.end() - 1, rest.end()),
            std::vector<std::string>{"newer"});
}

TEST_F(QueryTest, RandomChurnBetweenPagesNeverRepeatsOrSkipsAStayingOrder) {
  std::mt19937_64 rng(7);
  std::vector<std::string> live;  // in Authorized
  int next_id = 0;
  auto add = [&] {
    const std::string id = "r" + std::to_string(next_id++);
    // Few distinct milliseconds: many ties, so slot order matters.
    apply(id, Authorized, now_ - (100 + static_cast<std::int64_t>(rng() % 20)) * kS);
    live.push_back(id);
  };
  for (int i = 0; i < 300; ++i) add();
  for (int round = 0; round < 20; ++round) {
    const std::set<std::string> at_start(live.begin(), live.end());
    std::set<std::string> removed;
    std::multiset<std::string> seen;
    std::optional<OrderCursor> after;
    do {
      auto p = query("Authorized", "", 1 + rng() % 17, after);
      for (auto& id : ids(p)) seen.insert(id);
      after = p.next;
      // Churn: remove some (half finish, freeing slots the adds then reuse), add as many.
      for (int k = 0; k < 3; ++k) {
        const std::size_t pos = rng() % live.size();
        apply(live[pos], k % 2 ? Delivered : Shipped, now_ - kS);
        removed.insert(live[pos]);
        live[pos] = live.back();
        live.pop_back();
        add();
      }
    } while (after);
    for (const auto& id : at_start) {
      if (!removed.count(id)) {
        EXPECT_EQ(seen.count(id), 1u) << "round " << round << " " << id;
      }
    }
    for (const auto& id : seen) EXPECT_EQ(seen.count(id), 1u) << id;
  }
}

TEST_F(QueryTest, CursorFromAnotherTrackerResumesAtItsMillisecond) {
  for (int i = 0; i < 6; ++i) apply("o" + std::to_string(i), Authorized, now_ - (200 - i / 2) * kS);
  auto p1 = query("Authorized", "", 3);
  ASSERT_EQ(ids(p1), (std::vector<std::string>{"o0", "o1", "o2"}));
  OrderCursor foreign = *p1.next;
  foreign.epoch ^= 1;  // as if the exporter restarted
  // o2 and o3 share o2's millisecond: the foreign cursor repeats o2 rather than risk a skip.
  EXPECT_EQ(ids(query("Authorized", "", 10, foreign)),
            (std::vector<std::string>{"o2", "o3", "o4", "o5"}));
  EXPECT_EQ(ids(query("Authorized", "", 10, p1.next)),
            (std::vector<std::string>{"o3", "o4", "o5"}));
}

TEST_F(QueryTest, IdBudgetEndsAPageEarlyWithACursor) {
  for (int i = 0; i < 5; ++i)
    apply(std::string(100, static_cast<char>('a' + i)), Placed, now_ - (50 - i) * kS);
  tracker_.tick(now_);
  OverdueQuery q;
  q.max_id_bytes = 250;
  auto p = tracker_.overdue(q);
  EXPECT_EQ(p.orders.size(), 3u);  // stops once past the budget
  ASSERT_TRUE(p.next);
  q.after = p.next;
  EXPECT_EQ(tracker_.overdue(q).orders.size(), 2u);
}

TEST_F(QueryTest, FindGivesTheOrdersStateWithNames) {
  apply("a1", Authorized, now_ - 130 * kS, "us", "app");
  tracker_.tick(now_);
  auto v = tracker_.find("a1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->id, "a1");
  EXPECT_EQ(v->status_name, "Authorized");
  EXPECT_EQ(v->tiers_crossed, 2);
  EXPECT_EQ(v->severity, "page");
  EXPECT_EQ(v->dims, (std::vector<std::string>{"us", "app"}));
  EXPECT_FALSE(tracker_.find("a2"));
  apply("p1", Placed, now_ - 1 * kS);
  EXPECT_EQ(tracker_.find("p1")->severity, "");
  EXPECT_EQ(tracker_.find("p1")->tiers_crossed, 0);
}

TEST_F(QueryTest, SummaryCountsAndWhatTheOverdueHaveInCommon) {
  apply("a1", Authorized, now_ - 400 * kS, "eu", "web");
  apply("a2", Authorized, now_ - 130 * kS, "us", "web");
  apply("a3", Authorized, now_ - 70 * kS, "eu", "app");
  apply("a4", Authorized, now_ - 10 * kS, "ap", "app");  // not overdue: not in the top values
  apply("a5", Authorized, now_ - 65 * kS, "us", "pos");
  apply("p1", Placed, now_ - 2 * kS);
  tracker_.tick(now_);
  const auto sum = tracker_.summary(2);
  EXPECT_EQ(sum.tracked, 6u);
  ASSERT_EQ(sum.statuses.size(), 5u);
  const auto& a = sum.statuses[Authorized];
  EXPECT_EQ(a.name, "Authorized");
  EXPECT_EQ(a.in_flight, 5);
  EXPECT_EQ(a.overdue, (std::vector<std::pair<std::string, std::int64_t>>{
                           {"warning", 4}, {"page", 2}, {"critical", 1}}));
  EXPECT_EQ(a.oldest_entered_ms, now_ - 400 * kS);
  ASSERT_EQ(a.top_overdue.size(), 2u);
  EXPECT_EQ(a.top_overdue[0].label, "region");
  // eu 2, us 2 (tie: by value), ap not overdue.
  EXPECT_EQ(a.top_overdue[0].values,
            (std::vector<std::pair<std::string, std::int64_t>>{{"eu", 2}, {"us", 2}}));
  EXPECT_EQ(a.top_overdue[1].label, "channel");
  // web 2 first; app 1 and pos 1 tie, cut to 2 values: app.
  EXPECT_EQ(a.top_overdue[1].values,
            (std::vector<std::pair<std::string, std::int64_t>>{{"web", 2}, {"app", 1}}));
  const auto& p = sum.statuses[Placed];
  EXPECT_EQ(p.in_flight, 1);
  EXPECT_EQ(p.overdue, (std::vector<std::pair<std::string, std::int64_t>>{{"warning", 0}}));
  EXPECT_TRUE(p.top_overdue.empty());
  EXPECT_TRUE(sum.statuses[Delivered].terminal);
  EXPECT_TRUE(sum.statuses[Held].overdue.empty());
  EXPECT_FALSE(sum.statuses[Shipped].oldest_entered_ms);
}

TEST_F(QueryTest, PageTotalsAgreeWithTheExportedCounters) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    apply("x" + std::to_string(i), static_cast<S>(rng() % 4),
          now_ - static_cast<std::int64_t>(rng() % 8000) * kS, i % 3 ? "eu" : "us");
  }
  tracker_.tick(now_);
  TrackerSnapshot snap;
  tracker_.snapshot(snap);
  for (std::uint8_t s = 0; s < 3; ++s) {
    for (std::size_t k = 0; k < config_.statuses[s].tiers.size(); ++k) {
      std::int64_t exported = 0;
      for (const auto& v : snap.series)
        if (v.status == s) exported += v.overdue[k];
      const auto& name = config_.statuses[s].name;
      const auto& sev = config_.statuses[s].tiers[k].severity;
      EXPECT_EQ(query(name, sev).total, static_cast<std::uint64_t>(exported));
      EXPECT_EQ(all_pages(name, sev, 333).size(), static_cast<std::size_t>(exported));
    }
  }
}

}  // namespace
}  // namespace orderwatch::tracking

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
