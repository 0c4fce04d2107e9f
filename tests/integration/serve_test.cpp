// orderwatch serve against a real nats-server: events with past timestamps cross their tiers
// once the producer goes quiet (event.idle_timeout), /metrics is scraped over HTTP and compared
// value by value; then nats-server is
// killed and restarted on the same port and the exporter must reconnect and count again.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>

#include "harness.h"
#include "nats_publisher.h"

namespace orderwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 2}]
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations:
      - {after: 2h, severity: page, team: payments}
      - {after: 6h, severity: critical}
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
turnaround: {sla: 72h, objective: 99}
)";

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    const std::string config = dir_.write("sla.yaml", kConfig);
    exporter_.emplace(config, nats_->url(), dir_.path() + "/orderwatch.log");
    ASSERT_TRUE(exporter_->wait_ready(seconds(10))) << exporter_->log();
  }

  std::map<std::string, double> scrape() { return exporter_->scrape(); }
  std::map<std::string, double> scrape_when(const std::string& series, double value) {
    return exporter_->scrape_when(series, value, seconds(15));
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::optional<ExporterProcess> exporter_;
};

TEST_F(ServeTest, MetricsFollowEventsAndSurviveANatsRestart) {
  const auto before = scrape();
  // Every status and tier is there with 0 before any event.
  EXPECT_EQ(before.at(R"(order_in_status{status="Shipped",region="unknown"})"), 0);
  EXPECT_EQ(before.at(R"(order_overdue{status="Authorized",severity="critical",region="unknown"})"),
            0);
  EXPECT_EQ(before.at(R"(order_sla_breaches_total{status="Placed",severity="warning"})"), 0);
  EXPECT_EQ(before.at("orderwatch_nats_connected"), 1);

  const std::int64_t now = unix_now_ms();
  const std::int64_t min = 60'000;
  {
    NatsPublisher pub(nats_->url());
    pub.event("o1", "Placed", now - 30 * min, "eu");       // past the 10m SLA
    pub.event("o2", "Authorized", now - 180 * min, "us");  // past 1h and 2h, not 6h
    pub.event("o3", "Placed", now - 20'000, "eu");
    pub.event("o3", "Authorized", now - 10'000, "eu");   // 10s stay in Placed
    pub.event("o4", "Placed", now - 120 * min, "ap");    // third region: "other"
    pub.event("o4", "Delivered", now - 60 * min, "ap");  // 1h stay, 1h turnaround
    pub.event("o1", "Placed", now - 30 * min, "eu");     // duplicate
    pub.event("o2", "Placed", now - 240 * min, "us");    // stale: older than its entry
    pub.send("this is not json");
    pub.send(R"({"orderId":"x","status":"Lost","timestamp":1})");
    pub.send(R"({"status":"Placed","timestamp":1})");
    pub.flush();
  }
  scrape_when(R"(order_events_total{result="rejected"})", 3);
  // o1 and o2 arrived long past their tiers: an old timestamp alone is neither overdue nor a
  // breach (their next events could be right behind). The producer then goes quiet: after
  // event.idle_timeout (1s) W follows the wall clock, and both are overdue and count a breach.
  auto m = scrape_when(R"(order_sla_breaches_total{status="Authorized",severity="page"})", 1);
  EXPECT_EQ(m[R"(order_events_total{result="applied"})"], 6);
  EXPECT_EQ(m[R"(order_events_total{result="duplicate"})"], 1);
  EXPECT_EQ(m[R"(order_events_total{result="stale"})"], 1);
  EXPECT_EQ(m[R"(order_events_rejected_total{reason="malformed"})"], 1);
  EXPECT_EQ(m[R"(order_events_rejected_total{reason="unknown_status"})"], 1);
  EXPECT_EQ(m[R"(order_events_rejected_total{reason="missing_field"})"], 1);

  EXPECT_EQ(m[R"(order_in_status{status="Placed",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_in_status{status="Authorized",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_in_status{status="Authorized",region="us"})"], 1);
  EXPECT_EQ(m[R"(order_in_status{status="Placed",region="other"})"], 0);
  EXPECT_EQ(m[R"(order_overdue{status="Placed",severity="warning",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="us"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="page",region="us"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="critical",region="us"})"], 0);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="eu"})"], 0);
  EXPECT_EQ(m[R"(order_sla_breaches_total{status="Placed",severity="warning"})"], 2);
  EXPECT_EQ(m[R"(order_sla_breaches_total{status="Authorized",severity="page"})"], 1);
  EXPECT_EQ(m[R"(order_sla_breaches_total{status="Authorized",severity="critical"})"], 0);
  EXPECT_EQ(m[R"(order_transitions_total{from="Placed",to="Authorized"})"], 1);
  EXPECT_EQ(m[R"(order_transitions_total{from="Placed",to="Delivered"})"], 1);

  EXPECT_EQ(m[R"(order_status_duration_seconds_count{status="Placed",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_status_duration_seconds_sum{status="Placed",region="eu"})"], 10);
  EXPECT_EQ(m[R"(order_status_duration_seconds_bucket{status="Placed",region="eu",le="5"})"], 0);
  EXPECT_EQ(m[R"(order_status_duration_seconds_bucket{status="Placed",region="eu",le="15"})"], 1);
  EXPECT_EQ(m[R"(order_status_duration_seconds_bucket{status="Placed",region="other",le="1800"})"],
            0);
  EXPECT_EQ(m[R"(order_status_duration_seconds_bucket{status="Placed",region="other",le="3600"})"],
            1);
  EXPECT_EQ(m[R"(order_turnaround_seconds_count{outcome="Delivered"})"], 1);
  EXPECT_EQ(m[R"(order_turnaround_seconds_sum{outcome="Delivered"})"], 3600);
  EXPECT_EQ(m[R"(order_status_oldest_entered_timestamp_seconds{status="Authorized"})"],
            static_cast<double>(now - 180 * min) / 1000.0);
  EXPECT_EQ(m.count(R"(order_status_oldest_entered_timestamp_seconds{status="Shipped"})"), 0u);
  EXPECT_EQ(m["orderwatch_tracked_orders"], 3);
  EXPECT_EQ(m["orderwatch_tombstones"], 1);
  EXPECT_GT(m["orderwatch_last_event_timestamp_seconds"], static_cast<double>(now) / 1000.0 - 60);

  // The broker dies: the exporter stays up, reports it, and is not ready.
  nats_->kill_hard();
  scrape_when("orderwatch_nats_connected", 0);
  EXPECT_EQ(http_get(exporter_->port(), "/readyz").status, 503);
  EXPECT_EQ(http_get(exporter_->port(), "/healthz").status, 200);

  // It comes back on the same port: reconnect, ready again, events counted again.
  nats_->start();
  scrape_when("orderwatch_nats_connected", 1);
  EXPECT_GE(scrape()["orderwatch_nats_reconnects_total"], 1);
  EXPECT_EQ(http_get(exporter_->port(), "/readyz").status, 200);
  {
    NatsPublisher pub(nats_->url());
    pub.event("o5", "Placed", unix_now_ms() - 1000, "eu");
    pub.flush();
  }
  m = scrape_when(R"(order_events_total{result="applied"})", 7);
  EXPECT_EQ(m[R"(order_in_status{status="Placed",region="eu"})"], 2);

  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

// The exposition passes promtool's linter, with dimensions and every family populated.
TEST_F(ServeTest, MetricsPassPromtoolCheckMetrics) {
  {
    NatsPublisher pub(nats_->url());
    const std::int64_t now = unix_now_ms();
    pub.event("a", "Placed", now - 3'600'000, "eu");
    pub.event("a", "Authorized", now - 1'800'000, "eu");
    pub.event("a", "Delivered", now - 60'000, "eu");
    pub.event("b", "Shipped", now - 1000, "us");
    pub.send("{}");
    pub.flush();
  }
  scrape_when(R"(order_events_total{result="applied"})", 4);
  const auto r = http_get(exporter_->port(), "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string input = dir_.write("metrics.txt", r.body);
  Process promtool({promtool_bin(), "check", "metrics"}, dir_.path() + "/promtool.log", input);
  EXPECT_EQ(promtool.wait(std::chrono::seconds(30)), 0) << promtool.log();
  EXPECT_EQ(promtool.log(), "") << "promtool lint findings";
}

TEST_F(ServeTest, UnknownPathsAre404) {
  EXPECT_EQ(http_get(exporter_->port(), "/nope").status, 404);
  EXPECT_EQ(http_get(exporter_->port(), "/healthz").body, "ok\n");
}

}  // namespace
}  // namespace orderwatch::testing
