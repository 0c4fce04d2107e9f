// orderwatch serve with --snapshot.file against a real nats-server: the state survives a
// SIGTERM + restart (gauges equal, tombstones kept, true durations afterwards), a corrupt or
// unknown-version snapshot is refused (exit 1, clear message, file untouched), SIGTERM in the
// middle of a burst exits 0 with a loadable snapshot, and a reload (POST /-/reload, SIGHUP)
// applies a good SLA file at once and keeps the old config on a bad one.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kMin = 60'000;

const char* kConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 5}]
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations: [{after: 2h, severity: page}]
  - {name: Delivered, terminal: true}
retention: {tombstone_ttl: 1h}
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> with_snapshot(const std::string& snapshot,
                                       std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"--snapshot.file", snapshot});
  return extra;
}

// One `orderwatch serve` process with a snapshot file.
class Exporter : public ExporterProcess {
 public:
  Exporter(const TempDir& dir, const std::string& nats_url, const std::string& config,
           const std::string& snapshot, const std::string& log_name,
           std::vector<std::string> extra = {})
      : ExporterProcess(config, nats_url, dir.path() + "/" + log_name,
                        with_snapshot(snapshot, std::move(extra))) {}

  // Waits until HTTP is up and NATS connected.
  bool ready() { return wait_ready(); }
};

// The per-order gauges (in flight, overdue, oldest entry) of a scrape.
std::map<std::string, double> order_gauges(const std::map<std::string, double>& m) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : m) {
    if (k.rfind("order_in_status{", 0) == 0 || k.rfind("order_overdue{", 0) == 0 ||
        k.rfind("order_status_oldest_entered_timestamp_seconds{", 0) == 0 ||
        k == "orderwatch_tracked_orders" || k == "orderwatch_tombstones") {
      out[k] = v;
    }
  }
  return out;
}

// "<what>: wrote N orders" in the exporter's log (the last such line).
long logged_orders(const std::string& log, const std::string& what) {
  const std::string marker = what + ": wrote ";
  const auto pos = log.rfind(marker);
  if (pos == std::string::npos) return -1;
  return std::atol(log.c_str() + pos + marker.size());
}

class SnapshotServeTest : public ::testing::Test {
 protected:
  SnapshotServeTest() : nats_(dir_) {
    config_ = dir_.write("sla.yaml", kConfig);
    snapshot_ = dir_.path() + "/state.snap";
  }

  TempDir dir_;
  NatsServer nats_;
  std::string config_;
  std::string snapshot_;
};

TEST_F(SnapshotServeTest, StateSurvivesARestart) {
  const std::int64_t t0 = unix_now_ms();
  std::map<std::string, double> before;
  {
    Exporter ex(dir_, nats_.url(), config_, snapshot_, "run1.log");
    ASSERT_TRUE(ex.ready()) << ex.process().log();
    NatsPublisher pub(nats_.url());
    pub.event("p1", "Placed", t0 - 30 * kMin, "eu");  // past 10m
    pub.event("p2", "Placed", t0 - 1 * kMin, "us");
    pub.event("a1", "Authorized", t0 - 90 * kMin, "eu");   // past 1h
    pub.event("a2", "Authorized", t0 - 150 * kMin, "us");  // past 1h and 2h
    pub.event("an-order-id-well-over-twenty-three-bytes", "Authorized", t0 - 5 * kMin, "ap");
    pub.event("d1", "Placed", t0 - 20 * kMin, "eu");
    pub.event("d1", "Delivered", t0 - 10 * kMin, "eu");  // tombstoned
    pub.flush();
    ex.scrape_when(R"(order_events_total{result="applied"})", 7);
    // Past their tiers on arrival: overdue once W passes the deadlines, i.e. once the quiet
    // producer lets W follow the wall clock (event.idle_timeout: 1s).
    before = ex.scrape_when(R"(order_overdue{status="Authorized",severity="page",region="us"})", 1);
    EXPECT_EQ(before["orderwatch_tracked_orders"], 5);
    EXPECT_EQ(before[R"(order_overdue{status="Authorized",severity="page",region="us"})"], 1);
    // Without --web.enable-lifecycle the reload endpoint is closed.
    EXPECT_EQ(http_request(ex.port(), "POST", "/-/reload").status, 403);
    EXPECT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
    const std::string log = ex.process().log();
    EXPECT_EQ(logged_orders(log, "final snapshot"), 5) << log;
    EXPECT_NE(log.find("component=serve msg=\"stopped in "), std::string::npos) << log;
  }
  {
    Exporter ex(dir_, nats_.url(), config_, snapshot_, "run2.log");
    ASSERT_TRUE(ex.ready()) << ex.process().log();
    const std::string log = ex.process().log();
    EXPECT_NE(log.find("component=snapshot msg=\"loaded " + snapshot_ +
                       ": 5 orders, 1 tombstones, stream seq 0"),
              std::string::npos)
        << log;
    auto after = ex.scrape();
    EXPECT_EQ(order_gauges(after), order_gauges(before));
    EXPECT_EQ(after[R"(order_events_total{result="applied"})"], 0);  // counters restart

    NatsPublisher pub(nats_.url());
    pub.event("d1", "Delivered", t0 - 10 * kMin, "eu");  // late duplicate: still finished
    pub.event("p1", "Authorized", t0, "eu");             // the stay is from event times
    pub.flush();
    auto m = ex.scrape_when(R"(order_events_total{result="applied"})", 1);
    EXPECT_EQ(m[R"(order_events_total{result="duplicate"})"], 1);
    EXPECT_EQ(m[R"(order_status_duration_seconds_sum{status="Placed",region="eu"})"], 1800);
    EXPECT_EQ(m["orderwatch_tracked_orders"], 5);
    EXPECT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
  }
}

TEST_F(SnapshotServeTest, CorruptSnapshotIsRefusedAndLeftAlone) {
  {
    Exporter ex(dir_, nats_.url(), config_, snapshot_, "seed.log");
    ASSERT_TRUE(ex.ready()) << ex.process().log();
    NatsPublisher pub(nats_.url());
    for (int i = 0; i < 50; ++i) pub.event("o" + std::to_string(i), "Placed", unix_now_ms(), "eu");
    pub.flush();
    ex.scrape_when("orderwatch_tracked_orders", 50);
    ASSERT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
  }
  const std::string good = read_file(snapshot_);
  ASSERT_GT(good.size(), 50u * 4);

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x01;
  std::string version = good;
  version[8] = 9;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {flipped, "checksum mismatch"},
      {good.substr(0, good.size() - 7), "truncated snapshot"},
      {version, "unknown snapshot format version 9"},
      {"garbage, not a snapshot", "not an orderwatch snapshot (bad magic)"},
  };
  int n = 0;
  for (const auto& [bytes, message] : cases) {
    write_file(snapshot_, bytes);
    Exporter ex(dir_, nats_.url(), config_, snapshot_, "corrupt" + std::to_string(n++) + ".log");
    EXPECT_EQ(ex.process().wait(seconds(15)), 1) << ex.process().log();
    const std::string log = ex.process().log();
    EXPECT_NE(log.find("level=error component=snapshot msg=\"" + snapshot_ + ": "),
              std::string::npos)
        << log;
    EXPECT_NE(log.find(message), std::string::npos) << log;
    EXPECT_NE(log.find("refusing to start"), std::string::npos) << log;
    EXPECT_EQ(read_file(snapshot_), bytes) << message;  // never overwritten
  }
}

TEST_F(SnapshotServeTest, SigtermDuringABurstExitsCleanlyWithALoadableSnapshot) {
  Exporter ex(dir_, nats_.url(), config_, snapshot_, "burst.log", {"--snapshot.interval", "1s"});
  ASSERT_TRUE(ex.ready()) << ex.process().log();
  std::atomic<bool> stop{false};
  std::atomic<long> sent{0};
  std::thread publisher([&] {
    NatsPublisher pub(nats_.url());
    const std::int64_t t0 = unix_now_ms() - 60 * kMin;
    for (long i = 0; !stop && i < 2'000'000; ++i) {
      const std::string id = "b" + std::to_string(i / 2);
      pub.event(id, i % 2 == 0 ? "Placed" : "Authorized", t0 + i, i % 3 ? "eu" : "us");
      sent = i + 1;
    }
    pub.flush();
  });
  // Mid-burst: events are flowing in when the signal arrives.
  ASSERT_TRUE(
      wait_until([&] { return ex.scrape()[R"(order_events_total{result="applied"})"] >= 20'000; },
                 seconds(30)));
  const auto start = std::chrono::steady_clock::now();
  const int rc = ex.process().stop(SIGTERM, seconds(20));
  const auto took = std::chrono::steady_clock::now() - start;
  stop = true;
  publisher.join();
  const std::string log = ex.process().log();
  EXPECT_EQ(rc, 0) << log;
  // The bound: drain (5s at most) + the final snapshot; far below the 20s grace.
  EXPECT_LT(took, seconds(15)) << log;
  const long orders = logged_orders(log, "final snapshot");
  ASSERT_GT(orders, 0) << log;

  Exporter again(dir_, nats_.url(), config_, snapshot_, "burst2.log");
  ASSERT_TRUE(again.ready()) << again.process().log();
  EXPECT_EQ(again.scrape()["orderwatch_tracked_orders"], static_cast<double>(orders));
  EXPECT_EQ(again.process().stop(SIGTERM, seconds(15)), 0) << again.process().log();
}

const char* kEditedConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 5}]
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 3m}
  - name: Authorized
    sla: 20m
    escalations: [{after: 1h, severity: page}, {after: 140m, severity: critical}]
  - {name: Packed, sla: 1h}
  - {name: Delivered, terminal: true}
retention: {tombstone_ttl: 1h}
)";

// A bad file: two problems, each reported with file:line:column.
const char* kBadConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
statuses:
  - {name: Placed, sla: 3hr}
  - {name: Placed, terminal: true}
)";

TEST_F(SnapshotServeTest, ReloadAppliesAGoodFileAtOnceAndKeepsTheOldConfigOnABadOne) {
  Exporter ex(dir_, nats_.url(), config_, snapshot_, "reload.log", {"--web.enable-lifecycle"});
  ASSERT_TRUE(ex.ready()) << ex.process().log();
  const std::int64_t t0 = unix_now_ms();
  {
    NatsPublisher pub(nats_.url());
    pub.event("p1", "Placed", t0 - 30 * kMin, "eu");
    pub.event("p2", "Placed", t0 - 5 * kMin, "eu");
    pub.event("a1", "Authorized", t0 - 90 * kMin, "us");
    pub.event("a2", "Authorized", t0 - 150 * kMin, "us");
    pub.event("a3", "Authorized", t0 - 30 * kMin, "eu");
    pub.flush();
  }
  ex.scrape_when(R"(order_events_total{result="applied"})", 5);
  // Overdue once the quiet producer lets W follow the wall clock (event.idle_timeout: 1s).
  auto m = ex.scrape_when(R"(order_overdue{status="Authorized",severity="page",region="us"})", 1);
  EXPECT_EQ(m[R"(order_overdue{status="Placed",severity="warning",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="us"})"], 2);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="page",region="us"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="eu"})"], 0);
  EXPECT_EQ(m.count(R"(order_in_status{status="Packed",region="eu"})"), 0u);

  EXPECT_EQ(http_request(ex.port(), "GET", "/-/reload").status, 405);
  write_file(config_, kEditedConfig);
  auto r = http_request(ex.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 200) << r.body;
  // No waiting: the new thresholds apply to the tracked orders at once.
  m = ex.scrape();
  EXPECT_EQ(m["orderwatch_config_last_reload_successful"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Placed",severity="warning",region="eu"})"], 2);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="us"})"], 2);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="warning",region="eu"})"], 1);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="page",region="us"})"], 2);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="page",region="eu"})"], 0);
  EXPECT_EQ(m[R"(order_overdue{status="Authorized",severity="critical",region="us"})"], 1);
  EXPECT_EQ(m[R"(order_in_status{status="Packed",region="eu"})"], 0);
  EXPECT_EQ(m[R"(order_overdue{status="Packed",severity="warning",region="us"})"], 0);
  EXPECT_EQ(m[R"(order_events_total{result="applied"})"], 5);  // counters carried over
  EXPECT_EQ(m["orderwatch_tracked_orders"], 5);
  const auto good = order_gauges(m);
  const double reloaded_at = m["orderwatch_config_last_reload_success_timestamp_seconds"];

  // A bad file over HTTP: 400 with every problem located; the running config stays.
  write_file(config_, kBadConfig);
  r = http_request(ex.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 400);
  const std::regex located(
      std::regex_replace(config_, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
      R"(:4:\d+: statuses\[0\]\.sla: .*3hr)");
  EXPECT_TRUE(std::regex_search(r.body, located)) << r.body;
  EXPECT_NE(r.body.find("duplicate"), std::string::npos) << r.body;
  m = ex.scrape();
  EXPECT_EQ(m["orderwatch_config_last_reload_successful"], 0);
  EXPECT_EQ(m["orderwatch_config_last_reload_success_timestamp_seconds"], reloaded_at);
  EXPECT_EQ(order_gauges(m), good);

  // The same by SIGHUP: the problems go to the log.
  ::kill(ex.process().pid(), SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] {
        const std::string log = ex.process().log();
        return log.find("SIGHUP: " + config_ + " is invalid") != std::string::npos;
      },
      seconds(10)))
      << ex.process().log();
  EXPECT_TRUE(std::regex_search(ex.process().log(), located)) << ex.process().log();
  EXPECT_EQ(order_gauges(ex.scrape()), good);

  // Fixed again: SIGHUP reloads it and the flag recovers.
  write_file(config_, kEditedConfig);
  ::kill(ex.process().pid(), SIGHUP);
  ex.scrape_when("orderwatch_config_last_reload_successful", 1);
  EXPECT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
}

// A calendar's holidays_file is re-read at a reload and every tracked order re-judged: an order
// two hours into a 1h open-time SLA on an always-open UTC calendar is overdue; once today and
// yesterday (UTC) are holidays in the file, it has had no open time and is not (the breach
// already counted stays counted).
const char* kCalendarConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event: {idle_timeout: 1s}
calendars:
  always:
    timezone: UTC
    hours: {mon-sun: "00:00-24:00"}
    holidays_file: holidays.ics
statuses:
  - {name: Placed, sla: 3m}
  - {name: Review, calendar: always, sla: 1h}
  - {name: Delivered, terminal: true}
)";

std::string ics_of(const std::vector<std::int64_t>& days_ms) {
  std::string ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//orderwatch//test//EN\r\n";
  int uid = 0;
  for (const std::int64_t ms : days_ms) {
    const std::time_t t = ms / 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[16];
    std::strftime(date, sizeof date, "%Y%m%d", &tm);
    ics += "BEGIN:VEVENT\r\nUID:" + std::to_string(++uid) +
           "@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:" + date +
           "\r\nSUMMARY:closed\r\nEND:VEVENT\r\n";
  }
  return ics + "END:VCALENDAR\r\n";
}

TEST_F(SnapshotServeTest, AReloadRereadsTheHolidaysFileAndRejudgesTrackedOrders) {
  const std::int64_t t0 = unix_now_ms();
  constexpr std::int64_t kDay = 24 * 60 * kMin;
  dir_.write("holidays.ics", ics_of({t0 - 30 * kDay}));  // a month ago: nothing changes
  write_file(config_, kCalendarConfig);
  Exporter ex(dir_, nats_.url(), config_, snapshot_, "calendar.log", {"--web.enable-lifecycle"});
  ASSERT_TRUE(ex.ready()) << ex.process().log();
  {
    NatsPublisher pub(nats_.url());
    pub.event("r1", "Review", t0 - 120 * kMin);
    pub.flush();
  }
  const char* overdue = R"(order_overdue{status="Review",severity="warning"})";
  ex.scrape_when(overdue, 1);  // once the quiet producer lets W follow the wall clock

  dir_.write("holidays.ics", ics_of({t0 - kDay, t0}));
  const auto r = http_request(ex.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 200) << r.body;
  auto m = ex.scrape_when(overdue, 0);
  EXPECT_EQ(m.at(R"(order_sla_breaches_total{status="Review",severity="warning"})"), 1);
  EXPECT_EQ(m.at("orderwatch_config_last_reload_successful"), 1);
  EXPECT_EQ(m.at(R"(orderwatch_calendar_open{calendar="always"})"), 0) << "today is a holiday";
  const HttpResult order = http_get(ex.port(), "/api/v1/orders/r1");
  EXPECT_NE(order.body.find(R"("calendar":"always")"), std::string::npos) << order.body;
  EXPECT_NE(order.body.find(R"("open_seconds_to_deadline":3600.0)"), std::string::npos)
      << order.body;

  // An unreadable holidays file is a bad reload: the running calendars stay.
  dir_.write("holidays.ics", "not an iCalendar file");
  EXPECT_EQ(http_request(ex.port(), "POST", "/-/reload").status, 400);
  EXPECT_EQ(ex.scrape()["orderwatch_config_last_reload_successful"], 0);
  EXPECT_EQ(ex.scrape()[overdue], 0);
  EXPECT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
}

// A reload that adds a milestone: the orders already in flight get their clocks, from their
// first event when they are past its `from` status (a promise waits for the next event carrying
// it).
const char* kMilestoneConfig = R"(service: itest
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 5}]
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 10m}
  - {name: Authorized, sla: 1h}
  - {name: Delivered, terminal: true}
milestones:
  - {name: delivery_promise, from: [Placed], until: [Delivered], deadline_field: promisedBy}
)";

TEST_F(SnapshotServeTest, AReloadThatAddsAMilestoneStartsTheClocksOfTheOrdersInIt) {
  Exporter ex(dir_, nats_.url(), config_, snapshot_, "milestones.log", {"--web.enable-lifecycle"});
  ASSERT_TRUE(ex.ready()) << ex.process().log();
  NatsPublisher pub(nats_.url());
  const std::int64_t t0 = unix_now_ms();
  pub.event("p1", "Placed", t0 - 2 * kMin);
  pub.event("p2", "Placed", t0 - 1 * kMin);
  pub.event("a1", "Authorized", t0 - 1 * kMin);  // past `from`: its clock starts at first sight
  pub.flush();
  ex.scrape_when(R"(order_events_total{result="applied"})", 3);
  write_file(config_, kMilestoneConfig);
  const auto r = http_request(ex.port(), "POST", "/-/reload");
  EXPECT_EQ(r.status, 200) << r.body;
  const auto m = ex.scrape_when(
      R"(order_milestone_in_progress{milestone="delivery_promise",region="unknown"})", 3);
  EXPECT_EQ(
      m.at(R"(order_milestone_without_deadline{milestone="delivery_promise",region="unknown"})"),
      3);
  EXPECT_EQ(m.at("orderwatch_config_last_reload_successful"), 1);
  pub.send(R"({"orderId":"p1","status":"Authorized","timestamp":)" + std::to_string(t0) +
           R"(,"promisedBy":)" + std::to_string(t0 + 60 * kMin) + "}");
  pub.flush();
  ex.scrape_when(
      R"(order_milestone_without_deadline{milestone="delivery_promise",region="unknown"})", 2);
  EXPECT_EQ(ex.process().stop(SIGTERM, seconds(15)), 0) << ex.process().log();
}

}  // namespace
}  // namespace orderwatch::testing

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
