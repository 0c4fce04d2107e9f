// Milestones (issue 25) against a real nats-server and `orderwatch serve`, on the issue's
// timeline: an order placed at 10:00 with `promisedBy` 18:00 and on hold 11:00-15:00 is "at
// risk" from 12:00 (warn_before 6h) and overdue at 18:00; a later event moving the promise to
// 20:00 clears it; its shipped_in_24h clock, never shipped, is overdue at 14:00 the next day
// (24h + the 4h hold) and not an instant before; an order shipped at 05:00 next day counts
// met. The clocks survive a restart through the snapshot (still overdue, paused time kept).
// W is driven by event times as in calendar_test.cpp (clock events in a status without SLA).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const char* kConfig = R"(service: mstest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event: {max_lateness: 0s, idle_timeout: 10m}
statuses:
  - {name: Clock}
  - {name: Placed}
  - {name: OnHold}
  - {name: Packing}
  - {name: Shipped}
  - {name: Delivered, terminal: true}
milestones:
  - name: shipped_in_24h
    from: [Placed]
    until: [Shipped, Delivered]
    pause: [OnHold]
    sla: 24h
    team: logistics
  - name: delivery_promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    warn_before: 6h
    severity: page
    team: logistics
alerting: {behind: {threshold: 15m}}
retention: {max_age: 3650d}
)";

constexpr std::int64_t kH = 3'600'000;
constexpr std::int64_t kDay0 = 1'796'515'200'000;  // 2026-12-06 00:00 UTC

double at(const std::map<std::string, double>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? -1 : it->second;
}
std::string overdue(const std::string& milestone, const std::string& severity) {
  return "order_milestone_overdue{milestone=\"" + milestone + "\",severity=\"" + severity + "\"}";
}

class MilestoneServe : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    config_ = dir_.write("sla.yaml", kConfig);
    start("run1.log");
  }
  void start(const std::string& log) {
    exporter_.emplace(config_, nats_->url(), dir_.path() + "/" + log,
                      std::vector<std::string>{"--snapshot.file", dir_.path() + "/state.snap"});
    ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
    pub_.emplace(nats_->url());
  }

  void event(const std::string& id, const std::string& status, std::int64_t t,
             std::int64_t promise = 0) {
    json e = {{"orderId", id}, {"status", status}, {"timestamp", t}};
    if (promise != 0) e["promisedBy"] = promise;
    pub_->send(e.dump());
  }

  // Clock events at t for 1.5 s, then waits until the exporter's W is t exactly.
  void advance_to(std::int64_t t) {
    const auto until = std::chrono::steady_clock::now() + milliseconds(1500);
    while (std::chrono::steady_clock::now() < until) {
      event("clock-" + std::to_string(t), "Clock", t);
      pub_->flush();
      std::this_thread::sleep_for(milliseconds(20));
    }
    std::int64_t w = 0;
    const bool ok = wait_until(
        [&] {
          w = std::llround(at(exporter_->scrape(), "orderwatch_watermark_timestamp_seconds") *
                           1000);
          return w == t;
        },
        seconds(10));
    ASSERT_TRUE(ok) << "W at " << w << ", wanted " << t << "\n" << exporter_->log();
  }

  TempDir dir_;
  std::string config_;
  std::optional<NatsServer> nats_;
  std::optional<ExporterProcess> exporter_;
  std::optional<NatsPublisher> pub_;
};

TEST_F(MilestoneServe, TheIssuesTimelineHoldsAndSurvivesARestart) {
  event("o1", "Placed", kDay0 + 10 * kH, kDay0 + 18 * kH);
  event("o2", "Placed", kDay0 + 10 * kH);
  event("o2", "OnHold", kDay0 + 11 * kH);
  event("o2", "Packing", kDay0 + 15 * kH);  // on hold 11:00-15:00
  event("o3", "Placed", kDay0 + 10 * kH);
  event("o3", "OnHold", kDay0 + 11 * kH);
  event("o3", "Packing", kDay0 + 15 * kH);
  advance_to(kDay0 + 12 * kH - 1);
  auto m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("delivery_promise", "warning")), 0);
  EXPECT_EQ(at(m, "order_milestone_without_deadline{milestone=\"delivery_promise\"}"), 2);
  advance_to(kDay0 + 12 * kH);
  EXPECT_EQ(at(exporter_->scrape(), overdue("delivery_promise", "warning")), 1);  // at risk
  advance_to(kDay0 + 18 * kH);
  EXPECT_EQ(at(exporter_->scrape(), overdue("delivery_promise", "page")), 1);
  event("o1", "Packing", kDay0 + 18 * kH, kDay0 + 20 * kH);  // the promise moves to 20:00
  advance_to(kDay0 + 18 * kH + 1);
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("delivery_promise", "page")), 0);
  EXPECT_EQ(
      at(m, "order_milestone_breaches_total{milestone=\"delivery_promise\",severity=\"page\"}"), 1);
  event("o3", "Shipped", kDay0 + 29 * kH);  // 05:00 next day: 15h counted, met
  advance_to(kDay0 + 29 * kH);
  m = exporter_->scrape();
  EXPECT_EQ(at(m, "order_milestone_met_total{milestone=\"shipped_in_24h\"}"), 1);
  EXPECT_EQ(at(m, "order_milestone_duration_seconds_sum{milestone=\"shipped_in_24h\"}"), 15 * 3600);

  // A restart between the two: the snapshot keeps every clock.
  ASSERT_EQ(exporter_->process().stop(SIGTERM, seconds(15)), 0) << exporter_->log();
  start("run2.log");
  advance_to(kDay0 + 38 * kH - 1);  // 13:59:59.999 the next day
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("shipped_in_24h", "warning")), 1) << "o1 (24h, no hold) only";
  EXPECT_EQ(at(m, "order_milestone_in_progress{milestone=\"shipped_in_24h\"}"), 2);
  advance_to(kDay0 + 38 * kH);  // 14:00: o2's 24h + its 4h hold
  EXPECT_EQ(at(exporter_->scrape(), overdue("shipped_in_24h", "warning")), 2);
}

}  // namespace
}  // namespace orderwatch::testing
