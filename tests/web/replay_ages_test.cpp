// The drill-down API and page during a replay (issue 26 item 6): W trails the wall clock by
// hours, and the ages, deadlines and oldest ages they show are judged as of W -- equal to
// what /metrics exports (the order_status_age histogram, the overdue gauges) -- while "now"
// stays the wall clock of the answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "orderwatch/events/time.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/metrics.h"
#include "orderwatch/web/drilldown.h"

namespace orderwatch::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kS = 1000;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t T0 = 1'700'000'000'000;  // 2023-11-14T22:13:20.000Z: replayed events
constexpr std::int64_t kWall = T0 + 5 * kHour;  // replayed five hours later

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event: {idle_timeout: 1m}
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations: [{after: 2h, severity: page}]
  - {name: Delivered, terminal: true}
)";

class ReplayAges : public ::testing::Test {
 protected:
  ReplayAges()
      : config_(sla::load_string(kConfig)),
        service_(config_, [this] { return wall_; }),
        api_(service_, "shop") {}

  // One replayed event in a batch of its own (a backlog waits: `behind`); W becomes t.
  void replay(const std::string& id, std::uint8_t status, std::int64_t t) {
    tracking::Event e;
    e.id = id;
    e.status = status;
    e.time_ms = t;
    wall_ += 2 * kS;
    ASSERT_EQ(service_.apply(e, wall_, std::nullopt, std::nullopt, true),
              tracking::ApplyResult::kApplied);
    service_.tick();
  }
  json get(const std::string& path, const std::string& query = "", const std::string& rest = "") {
    const HttpRequest req{"GET", path, query, rest, ""};
    if (path == "/api/v1/overdue") return json::parse(api_.overdue(req).body);
    if (path == "/api/v1/summary") return json::parse(api_.summary(req).body);
    return json::parse(api_.order(req).body);
  }
  // The series of `status` as /metrics exports it (no dimensions: one series per status).
  tracking::SeriesValues series(std::uint8_t status) {
    tracking::TrackerSnapshot snap;
    service_.snapshot(snap);
    for (const auto& v : snap.series)
      if (v.status == status) return v;
    return {};
  }

  std::int64_t wall_ = kWall;
  sla::Config config_;
  tracking::TrackerService service_;
  DrilldownApi api_;
};

TEST_F(ReplayAges, ApiAgesEqualTheGaugesAsOfW) {
  replay("a", 1, T0);
  replay("b", 0, T0 + 90 * kMin);  // W = T0 + 1h30m, the wall clock 5h later
  const std::int64_t w = T0 + 90 * kMin;

  const json page = get("/api/v1/overdue");
  EXPECT_EQ(page["now"], events::format_rfc3339_ms(wall_));
  EXPECT_EQ(page["watermark"], events::format_rfc3339_ms(w));
  ASSERT_EQ(page["orders"].size(), 1u);
  EXPECT_EQ(page["orders"][0]["id"], "a");
  EXPECT_EQ(page["orders"][0]["age_seconds"], 5400.0);  // W - entered, not 5 hours
  EXPECT_EQ(page["orders"][0]["tiers_crossed"], 1);     // past the SLA, not the page tier

  // The same age /metrics has: the age histogram's sum (one order), and its bucket; the same
  // overdue count.
  const tracking::SeriesValues authorized = series(1);
  EXPECT_EQ(authorized.age.count, 1u);
  EXPECT_DOUBLE_EQ(authorized.age.sum_seconds, page["orders"][0]["age_seconds"].get<double>());
  EXPECT_EQ(authorized.overdue, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(page["total"], authorized.overdue[0]);
  const auto bounds = sla::status_duration_buckets(config_);
  for (std::size_t b = 0; b < bounds.size(); ++b) {  // in the buckets at or above 1h30m only
    EXPECT_EQ(authorized.age.cumulative[b], bounds[b].count() >= 90 * kMin ? 1u : 0u)
        << bounds[b].count();
  }

  const json order = get("/api/v1/orders/", "", "b");
  EXPECT_EQ(order["age_seconds"], 0.0);  // entered at W
  EXPECT_EQ(order["watermark"], events::format_rfc3339_ms(w));
  EXPECT_EQ(order["now"], events::format_rfc3339_ms(wall_));
  EXPECT_DOUBLE_EQ(series(0).age.sum_seconds, 0.0);

  const json sum = get("/api/v1/summary");
  EXPECT_EQ(sum["watermark"], events::format_rfc3339_ms(w));
  EXPECT_EQ(sum["statuses"][1]["oldest_age_seconds"], 5400.0);

  // The page: the age and the deadline as of W, and it says W trails the wall clock.
  const std::string html = api_.page(HttpRequest{"GET", "/", "", "", ""}).body;
  EXPECT_NE(html.find("as of " + events::format_rfc3339_ms(w) + " (the watermark"),
            std::string::npos);
  EXPECT_NE(html.find(">1h 30m<"), std::string::npos) << html;              // a's age
  EXPECT_NE(html.find(", overdue by 30m 0s<"), std::string::npos) << html;  // SLA 1h
  EXPECT_EQ(html.find("5h "), std::string::npos) << html;  // no wall-clock age anywhere
}

TEST_F(ReplayAges, AnAcknowledgementForOneHourEndsAnHourOfWLater) {
  replay("a", 1, T0);
  replay("b", 0, T0 + 90 * kMin);
  // The actions API takes "for" and places it at W; the order view shows it as times of W.
  tracking::Acknowledgement ack{"alice", "on it", wall_, wall_ + kHour};
  ASSERT_EQ(service_.act(tracking::OrderAction::kAcknowledge, "a", ack).orders.size(), 1u);
  const json order = get("/api/v1/orders/", "", "a");
  EXPECT_EQ(order["acknowledged"]["at"], events::format_rfc3339_ms(T0 + 90 * kMin));
  EXPECT_EQ(order["acknowledged"]["until"], events::format_rfc3339_ms(T0 + 150 * kMin));
  EXPECT_EQ(get("/api/v1/overdue", "status=Authorized")["total"], 0);
  replay("c", 0, T0 + 150 * kMin);  // an hour of W later
  EXPECT_EQ(get("/api/v1/overdue", "status=Authorized")["total"], 1);
  EXPECT_EQ(series(1).overdue, (std::vector<std::int64_t>{1, 1}));
}

}  // namespace
}  // namespace orderwatch::web
