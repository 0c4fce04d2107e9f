// orderwatch serve against a real nats-server: events with past timestamps cross tiers at
// once, /metrics is scraped over HTTP and compared value by value; then nats-server is
// killed and restarted on the same port and the exporter must reconnect and count again.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>

#include "harness.h"
#include "publisher.h"

namespace orderwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 2}]
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

std::int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    const std::string config = dir_.write("sla.yaml", kConfig);
    exporter_.emplace(
        std::vector<std::string>{orderwatch_bin(), "serve", "--config", config, "--nats-url",
                                 nats_->url(), "--listen", "127.0.0.1:0"},
        dir_.path() + "/orderwatch.log");
    ASSERT_TRUE(wait_until([&] { return parse_port(); }, seconds(10))) << exporter_->log();
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, seconds(10)))
        << exporter_->log();
  }

  bool parse_port() {
    const std::string log = exporter_->log();
    const std::string marker = "listening on http://127.0.0.1:";
    const auto pos = log.find(marker);
    if (pos == std::string::npos) return false;
    port_ = std::atoi(log.c_str() + pos + marker.size());
    return port_ > 0;
  }

  std::map<std::string, double> scrape() {
    auto r = http_get(port_, "/metrics");
    EXPECT_EQ(r.status, 200);
    return parse_metrics(r.body);
  }

  // Waits until `series` has `value` (bounded), then returns the whole scrape.
  std::map<std::string, double> scrape_when(const std::string& series, double value) {
    std::map<std::string, double> m;
    const bool ok = wait_until(
        [&] {
          m = scrape();
          return m.count(series) && m[series] == value;
        },
        seconds(15));
    EXPECT_TRUE(ok) << series << " never reached " << value << "; log:\n" << exporter_->log();
    return m;
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::optional<Process> exporter_;
  int port_ = 0;
};

TEST_F(ServeTest, MetricsFollowEventsAndSurviveANatsRestart) {
  const auto before = scrape();
  // Every status and tier is there with 0 before any event.
  EXPECT_EQ(before.at(R"(order_in_status{status="Shipped",region="unknown"})"), 0);
  EXPECT_EQ(before.at(R"(order_overdue{status="Authorized",severity="critical",region="unknown"})"),
            0);
  EXPECT_EQ(before.at(R"(order_sla_breaches_total{status="Placed",severity="warning"})"), 0);
  EXPECT_EQ(before.at("orderwatch_nats_connected"), 1);

  const std::int64_t now = now_ms();
  const std::int64_t min = 60'000;
  {
    Publisher pub(nats_->url());
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
  auto m = scrape_when(R"(order_events_total{result="rejected"})", 3);
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
  EXPECT_EQ(http_get(port_, "/readyz").status, 503);
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);

  // It comes back on the same port: reconnect, ready again, events counted again.
  nats_->start();
  scrape_when("orderwatch_nats_connected", 1);
  EXPECT_GE(scrape()["orderwatch_nats_reconnects_total"], 1);
  EXPECT_EQ(http_get(port_, "/readyz").status, 200);
  {
    Publisher pub(nats_->url());
    pub.event("o5", "Placed", now_ms() - 1000, "eu");
    pub.flush();
  }
  m = scrape_when(R"(order_events_total{result="applied"})", 7);
  EXPECT_EQ(m[R"(order_in_status{status="Placed",region="eu"})"], 2);

  EXPECT_EQ(exporter_->stop(), 0) << exporter_->log();
}

// The exposition passes promtool's linter, with dimensions and every family populated.
TEST_F(ServeTest, MetricsPassPromtoolCheckMetrics) {
  {
    Publisher pub(nats_->url());
    const std::int64_t now = now_ms();
    pub.event("a", "Placed", now - 3'600'000, "eu");
    pub.event("a", "Authorized", now - 1'800'000, "eu");
    pub.event("a", "Delivered", now - 60'000, "eu");
    pub.event("b", "Shipped", now - 1000, "us");
    pub.send("{}");
    pub.flush();
  }
  scrape_when(R"(order_events_total{result="applied"})", 4);
  const auto r = http_get(port_, "/metrics");
  ASSERT_EQ(r.status, 200);
  const std::string input = dir_.write("metrics.txt", r.body);
  Process promtool({promtool_bin(), "check", "metrics"}, dir_.path() + "/promtool.log", input);
  EXPECT_EQ(promtool.wait(std::chrono::seconds(30)), 0) << promtool.log();
  EXPECT_EQ(promtool.log(), "") << "promtool lint findings";
}

TEST_F(ServeTest, UnknownPathsAre404) {
  EXPECT_EQ(http_get(port_, "/nope").status, 404);
  EXPECT_EQ(http_get(port_, "/healthz").body, "ok\n");
}

}  // namespace
}  // namespace orderwatch::testing
