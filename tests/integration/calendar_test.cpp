// Business calendars and cut-offs (issue 24) against a real nats-server and `orderwatch serve`:
// an order entering a 4-business-hour status (Mon-Fri 09:00-18:00 Europe/Berlin) on Friday
// 2026-12-04 17:30 is not overdue while W is at Monday 12:29:59.999 and is overdue, in /metrics
// and the drill-down (deadline 2026-12-07T12:30:00+01:00, calendar office), once W reaches
// 12:30; a same-day cut-off (14:00, due 18:00) either side of 14:00 on that Friday; a stay that
// left within its business hours counts in order_sla_met_total though it sat 64 wall-clock hours;
// a cut-off across the spring DST change (the deadline's offset moves to +02:00).
// W is driven by event times: "clock" orders in a status without SLA are published with the
// wanted event time for 1.5 s (W is the oldest event time of about the last second's arrivals,
// max_lateness 0s; idle_timeout 10m keeps it off the wall clock), then W is read from /metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// retention.max_age: the events are of December 2026; older than max_age before the wall clock
// they would be rejected (bad_time), so the test keeps working for years.
const char* kConfig = R"(service: caltest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event: {max_lateness: 0s, idle_timeout: 10m}
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-18:00"}
    holidays: [2026-12-24, 2026-12-25]
  warehouse:
    timezone: Europe/Berlin
    hours: {mon-fri: "07:00-19:00"}
statuses:
  - {name: Clock}
  - name: Review
    calendar: office
    sla: 4h
    escalations: [{after: 8h, severity: page}]
  - name: Packed
    calendar: warehouse
    cutoff: "14:00"
    due: "18:00"
    escalations: [{late_by: 2h, severity: page}]
  - {name: Cancelled, terminal: true}
alerting: {behind: {threshold: 15m}}
retention: {max_age: 3650d}
)";

// Epoch ms of a UTC wall time in 2026, written independently of the exporter's time-zone code.
std::int64_t utc(unsigned month, unsigned day, int h, int mi, int s = 0, int ms = 0) {
  namespace c = std::chrono;
  const c::sys_days date{c::year{2026} / c::month{month} / c::day{day}};
  const auto t = date + c::hours{h} + c::minutes{mi} + c::seconds{s} + c::milliseconds{ms};
  return c::duration_cast<c::milliseconds>(t.time_since_epoch()).count();
}
// A Berlin wall time in December 2026 (CET, UTC+1).
std::int64_t berlin_dec(unsigned day, int h, int mi, int s = 0, int ms = 0) {
  return utc(12, day, h - 1, mi, s, ms);
}

double at(const std::map<std::string, double>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? -1 : it->second;
}

std::string overdue(const std::string& status, const std::string& severity) {
  return "order_overdue{status=\"" + status + "\",severity=\"" + severity + "\"}";
}
std::string breaches(const std::string& status, const std::string& severity) {
  return "order_sla_breaches_total{status=\"" + status + "\",severity=\"" + severity + "\"}";
}

class CalendarServe : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    exporter_.emplace(dir_.write("sla.yaml", kConfig), nats_->url(), dir_.path() + "/serve.log");
    ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
    pub_.emplace(nats_->url());
  }

  // Publishes `entries` (id, status) at event time t, then clock events at t for 1.5 s, and
  // waits until the exporter's W is t exactly.
  void advance_to(std::int64_t t, const std::vector<std::pair<std::string, std::string>>& entries) {
    for (const auto& [id, status] : entries) pub_->event(id, status, t);
    const auto until = std::chrono::steady_clock::now() + milliseconds(1500);
    while (std::chrono::steady_clock::now() < until) {
      pub_->event("clock-" + std::to_string(t), "Clock", t);
      pub_->flush();
      std::this_thread::sleep_for(milliseconds(20));
    }
    std::int64_t w = 0;
    const bool ok = wait_until(
        [&] {
          const auto m = exporter_->scrape();
          w = std::llround(at(m, "orderwatch_watermark_timestamp_seconds") * 1000);
          return w == t;
        },
        seconds(10));
    ASSERT_TRUE(ok) << "W at " << w << ", wanted " << t << "\n" << exporter_->log();
  }

  // A cut-off across the spring DST change: packed Friday 2026-03-27 14:30 CET (13:30Z), after
  // the cut-off: due Monday 30th 18:00 CEST (16:00Z), shown with the new offset.
  void spring_dst_cutoff() {
    advance_to(utc(3, 27, 13, 30), {{"p1", "Packed"}});
    EXPECT_EQ(get_json("/api/v1/orders/p1")["deadline"], json("2026-03-30T18:00:00+02:00"));
    advance_to(utc(3, 30, 15, 59, 59, 999), {});
    EXPECT_EQ(at(exporter_->scrape(), overdue("Packed", "warning")), 0);
    advance_to(utc(3, 30, 16, 0), {});
    EXPECT_EQ(at(exporter_->scrape(), overdue("Packed", "warning")), 1);
    advance_to(utc(3, 30, 16, 30), {{"p1", "Cancelled"}});  // shipped late: one breach, not met
    const auto m = exporter_->scrape();
    EXPECT_EQ(at(m, overdue("Packed", "warning")), 0);
    EXPECT_EQ(at(m, breaches("Packed", "warning")), 1);
    EXPECT_EQ(at(m, "order_sla_met_total{status=\"Packed\"}"), 0);
  }

  json get_json(const std::string& path) {
    const auto r = http_get(exporter_->port(), path);
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ": " << r.body;
    std::printf("GET %s -> %s\n", path.c_str(), r.body.c_str());
    return j;
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::optional<ExporterProcess> exporter_;
  std::optional<NatsPublisher> pub_;
};

TEST_F(CalendarServe, FourBusinessHoursFromFriday1730AreOverdueMonday1230AndNotAnInstantBefore) {
  spring_dst_cutoff();
  std::map<std::string, double> m;

  // Friday 2026-12-04. Packed c1 before the cut-off, c2 at it; r2 and r1 enter Review.
  advance_to(berlin_dec(4, 13, 59), {{"c1", "Packed"}});
  advance_to(berlin_dec(4, 14, 0), {{"c2", "Packed"}});
  advance_to(berlin_dec(4, 17, 0), {{"r2", "Review"}});
  advance_to(berlin_dec(4, 17, 30), {{"r1", "Review"}});

  // The cut-off either side of 14:00: c1 due Friday 18:00, c2 Monday 18:00.
  EXPECT_EQ(get_json("/api/v1/orders/c1")["deadline"], json("2026-12-04T18:00:00+01:00"));
  EXPECT_EQ(get_json("/api/v1/orders/c2")["deadline"], json("2026-12-07T18:00:00+01:00"));
  EXPECT_EQ(get_json("/api/v1/orders/c2")["calendar"], json("warehouse"));
  // Open time from W (Friday 17:30) to the deadline: c1 30 min; c2 Friday 17:30-19:00 and
  // Monday 07:00-18:00 (12.5h); r1 30 min on Friday and 3.5h on Monday.
  EXPECT_EQ(get_json("/api/v1/orders/c1")["open_seconds_to_deadline"], 1800);
  EXPECT_EQ(get_json("/api/v1/orders/c2")["open_seconds_to_deadline"], 45000);
  EXPECT_EQ(get_json("/api/v1/orders/r1")["open_seconds_to_deadline"], 14400);
  advance_to(berlin_dec(4, 17, 59, 59, 999), {});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("Packed", "warning")), 0);
  advance_to(berlin_dec(4, 18, 0), {});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("Packed", "warning")), 1);
  EXPECT_EQ(at(m, breaches("Packed", "warning")), 2);  // p1 in March, c1
  EXPECT_EQ(at(m, overdue("Review", "warning")), 0);   // the office closed at 18:00 after 30 min
  json list = get_json("/api/v1/overdue?status=Packed");
  ASSERT_EQ(list["total"], 1);
  EXPECT_EQ(list["orders"][0]["id"], json("c1"));
  EXPECT_EQ(list["orders"][0]["deadline"], json("2026-12-04T18:00:00+01:00"));
  EXPECT_EQ(list["orders"][0]["calendar"], json("warehouse"));

  // Monday 2026-12-07 09:00: r2 leaves after 1h of office time (64 wall-clock hours): met.
  // c1's page tier (2h of warehouse time past Friday 18:00) passed at Monday 08:00.
  advance_to(berlin_dec(7, 9, 0), {{"r2", "Cancelled"}});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, "order_sla_met_total{status=\"Review\"}"), 1);
  EXPECT_EQ(at(m, breaches("Review", "warning")), 0);
  EXPECT_EQ(at(m, overdue("Packed", "page")), 1);
  EXPECT_EQ(at(m, overdue("Packed", "warning")), 1);  // c2 not before 18:00

  // r1: 30 min on Friday, the weekend closed, 3h30 from Monday 09:00.
  advance_to(berlin_dec(7, 12, 29, 59, 999), {});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("Review", "warning")), 0) << "overdue before Monday 12:30";
  EXPECT_EQ(at(m, breaches("Review", "warning")), 0);
  EXPECT_EQ(get_json("/api/v1/overdue?status=Review")["total"], 0);
  advance_to(berlin_dec(7, 12, 30), {});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("Review", "warning")), 1);
  EXPECT_EQ(at(m, overdue("Review", "page")), 0);  // 8h: Monday 16:30
  EXPECT_EQ(at(m, breaches("Review", "warning")), 1);
  list = get_json("/api/v1/overdue?status=Review&severity=warning");
  ASSERT_EQ(list["total"], 1);
  EXPECT_EQ(list["orders"][0]["id"], json("r1"));
  EXPECT_EQ(list["orders"][0]["deadline"], json("2026-12-07T12:30:00+01:00"));
  EXPECT_EQ(list["orders"][0]["calendar"], json("office"));
  const json r1 = get_json("/api/v1/orders/r1");
  EXPECT_EQ(r1["deadline"], json("2026-12-07T12:30:00+01:00"));
  EXPECT_EQ(r1["calendar"], json("office"));

  // c2, packed at 14:00 on Friday: due Monday 18:00, not an instant before.
  advance_to(berlin_dec(7, 17, 59, 59, 999), {});
  EXPECT_EQ(at(exporter_->scrape(), overdue("Packed", "warning")), 1);
  advance_to(berlin_dec(7, 18, 0), {});
  m = exporter_->scrape();
  EXPECT_EQ(at(m, overdue("Packed", "warning")), 2);
  EXPECT_EQ(at(m, breaches("Packed", "warning")), 3);
  EXPECT_EQ(at(m, overdue("Review", "page")), 1);  // r1 past 8h at 16:30
  // Overdue by the office's open time since 12:30 (the office closed at 18:00): 5.5h.
  EXPECT_EQ(get_json("/api/v1/orders/r1")["open_seconds_to_deadline"], -19800);
}

// orderwatch_calendar_open follows the wall clock: compared with the calendars' own answer just
// before and after the scrape (skipped at an opening or closing instant in between).
TEST_F(CalendarServe, CalendarOpenFollowsTheWallClock) {
  const sla::Config cfg = sla::load_string(kConfig);
  for (const auto& c : cfg.calendars) {
    const std::string key = "orderwatch_calendar_open{calendar=\"" + c.name + "\"}";
    const std::int64_t before = unix_now_ms();
    const double seen = at(exporter_->scrape(), key);
    const std::int64_t after = unix_now_ms();
    const bool open_before = c.calendar->open_ms_between(before, before + 1) == 1;
    const bool open_after = c.calendar->open_ms_between(after, after + 1) == 1;
    if (open_before != open_after) continue;
    EXPECT_EQ(seen, open_before ? 1 : 0) << key;
  }
}

}  // namespace
}  // namespace orderwatch::testing
