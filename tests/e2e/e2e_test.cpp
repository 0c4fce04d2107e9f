// The whole chain, end to end, with the real programs: order events on nats-server ->
// `orderwatch serve` -> Prometheus (scrape and rule evaluation every second, loaded with the
// rules `orderwatch generate` wrote) -> Alertmanager (the generated configuration) -> webhook
// receivers run by this test. SLAs are seconds long, so the story plays out in about a minute:
// stuck orders page the right team with the right labels, the next tier escalates and inhibits
// the lower one, moving the orders on resolves the alerts, the recording rules and every
// dashboard query return data, and stopping the exporter pages "exporter down" while the order
// alerts stay quiet (no false all-clear). Two exporter replicas (partition 0, replicas a and b)
// see the same orders: the counts are not doubled, the alerts link to the runbooks the exporter
// serves, killing one replica mid-alert keeps the alert firing with the same count (a warning
// about the replica, no page), and only losing both pages. A second story: an order
// acknowledged over the API (basic auth, --web.enable-actions) resolves its alert in
// Alertmanager. Everything listens on 127.0.0.1 free ports.
#include <crypt.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"
#include "nats_publisher.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::testing {
namespace {

using json = nlohmann::json;
using Labels = std::map<std::string, std::string>;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kWarningMs = 3'000;  // Authorized: warning tier
constexpr std::int64_t kPageMs = 10'000;    // Authorized: page tier
constexpr int kKeepFiringSeconds = 10;

// The SLA file under test; @NATS@, @EXPORTER@ and @SINK@ are replaced by the ports. The test
// publishes a few events and stops: idle_timeout 1s lets W follow the wall clock a second later,
// so the stuck orders go overdue on the seconds-long SLAs (the default, 30s, would outlast them).
const char* kSla = R"(version: 1
service: shop
nats:
  url: nats://127.0.0.1:@NATS@
  subject: orders.status.>
event:
  dimensions:
    - {field: region, max_values: 5}
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 10m, team: checkout}
  - name: Authorized
    sla: 3s
    team: payments
    escalations:
      - {after: 10s, severity: page, team: payments}
  - {name: Delivered, terminal: true}
turnaround: {sla: 20s, objective: 99, window: 1h}
alerting:
  for: 1s
  keep_firing_for: 10s
  min_overdue: 1
  exporter_url: "http://127.0.0.1:@EXPORTER@"
  job: orderwatch
  default_team: checkout
  no_events_for: 10m
  default_receiver: checkout-hook
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - {team: payments, severity: page, receiver: payments-pager}
    - {team: payments, receiver: payments-chat}
  receivers:
    - {name: checkout-hook, type: webhook, url: "http://127.0.0.1:@SINK@/checkout"}
    - {name: payments-chat, type: webhook, url: "http://127.0.0.1:@SINK@/payments-chat"}
    - {name: payments-pager, type: webhook, url: "http://127.0.0.1:@SINK@/payments-pager"}
)";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Alertmanager's webhook notifications, as received, in order.
class WebhookSink {
 public:
  struct Notification {
    std::string path;
    json body;
    std::int64_t received_ms = 0;
  };

  WebhookSink() {
    std::map<std::string, web::HttpHandler> routes;
    for (const char* path : {"/checkout", "/payments-chat", "/payments-pager"}) {
      routes[path] = [this](const web::HttpRequest& req) {
        auto body = json::parse(req.body, nullptr, false);
        std::lock_guard lock(mu_);
        received_.push_back({req.path, std::move(body), unix_now_ms()});
        return web::HttpResponse{200, "text/plain", "ok\n"};
      };
    }
    server_.emplace("127.0.0.1:0", std::move(routes));
  }

  int port() const { return server_->port(); }

  std::vector<Notification> at(const std::string& path, std::size_t from = 0) {
    std::lock_guard lock(mu_);
    std::vector<Notification> out;
    for (std::size_t i = from; i < received_.size(); ++i)
      if (received_[i].path == path) out.push_back(received_[i]);
    return out;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return received_.size();
  }
  std::string dump() {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& n : received_) out += n.path + " " + n.body.dump() + "\n";
    return out;
  }

  // The first notification at `path` (counting from index `from`) whose body has an alert with
  // these labels in this state ("firing" or "resolved").
  std::optional<Notification> wait_for(const std::string& path, const Labels& labels,
                                       const std::string& state, milliseconds timeout,
                                       std::size_t from = 0) {
    std::optional<Notification> found;
    wait_until(
        [&] {
          for (auto& n : at(path, from)) {
            if (find_alert(n.body, labels, state) != nullptr) {
              found = n;
              return true;
            }
          }
          return false;
        },
        timeout);
    return found;
  }

  static const json* find_alert(const json& body, const Labels& labels, const std::string& state) {
    if (!body.is_object() || !body.contains("alerts")) return nullptr;
    for (const auto& alert : body["alerts"]) {
      if (alert.value("status", "") != state) continue;
      bool all = true;
      for (const auto& [k, v] : labels) all = all && alert["labels"].value(k, "") == v;
      if (all) return &alert;
    }
    return nullptr;
  }

 private:
  std::mutex mu_;
  std::vector<Notification> received_;
  std::optional<web::HttpServer> server_;  // last: stops before the state it writes
};

// Prometheus instant query; the result vector, or null when the query failed.
json prom_query(int port, const std::string& expr) {
  auto r = http_get(port, "/api/v1/query?query=" + url_encode(expr));
  auto j = json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded() || j.value("status", "") != "success") return nullptr;
  return j["data"]["result"];
}

// Alertmanager's view of the alerts with these labels (active, suppressed or unprocessed).
json am_alerts(int port, const Labels& labels) {
  std::string path = "/api/v2/alerts?";
  for (const auto& [k, v] : labels) path += "filter=" + url_encode(k + "=\"" + v + "\"") + "&";
  auto r = http_get(port, path);
  auto j = json::parse(r.body, nullptr, false);
  return r.status == 200 && j.is_array() ? j : json::array();
}

// True when Alertmanager holds an alert with `target` labels that is suppressed by inhibition
// from an alert with `source` labels (matched by fingerprint).
bool inhibited_by(int am_port, const Labels& target, const Labels& source) {
  std::set<std::string> sources;
  for (const auto& a : am_alerts(am_port, source)) sources.insert(a.value("fingerprint", ""));
  for (const auto& a : am_alerts(am_port, target)) {
    if (a["status"]["state"] != "suppressed") continue;
    for (const auto& by : a["status"]["inhibitedBy"])
      if (sources.count(by.get<std::string>()) != 0) return true;
  }
  return false;
}

// Every `expr` of every panel (rows nest panels) of a Grafana dashboard.
void collect_exprs(const json& panels, std::vector<std::string>& out) {
  for (const auto& p : panels) {
    if (p.contains("panels")) collect_exprs(p["panels"], out);
    if (!p.contains("targets")) continue;
    for (const auto& t : p["targets"])
      if (t.contains("expr")) out.push_back(t["expr"].get<std::string>());
  }
}

// Metric names an expression reads (identifiers followed by a selector's '{').
std::set<std::string> metric_names(const std::string& expr) {
  static const std::regex name(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)\{)");
  std::set<std::string> out;
  for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    nats_->start();
    exporter_port_ = free_port();
    replica_b_port_ = free_port();
    prom_port_ = free_port();
    am_port_ = free_port();
    std::string sla = replace_all(kSla, "@NATS@", std::to_string(nats_->port()));
    sla = replace_all(sla, "@EXPORTER@", std::to_string(exporter_port_));
    sla = replace_all(sla, "@SINK@", std::to_string(sink_.port()));
    sla_path_ = dir_.write("shop.yaml", sla);
    out_ = dir_.path() + "/generated";
    auto gen = run(shell_quote(orderwatch_bin()) + " generate --config " + shell_quote(sla_path_) +
                   " --out " + shell_quote(out_));
    ASSERT_EQ(gen.exit_code, 0) << gen.output;

    const std::string prom_config = dir_.write(
        "prometheus.yml",
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "rule_files: ['" +
            out_ +
            "/rules/shop-rules.yml']\n"
            "alerting:\n  alertmanagers:\n    - static_configs:\n"
            "        - targets: ['127.0.0.1:" +
            std::to_string(am_port_) +
            "']\n"
            "scrape_configs:\n  - job_name: orderwatch\n    static_configs:\n"
            "      - targets: ['127.0.0.1:" +
            std::to_string(exporter_port_) +
            "']\n        labels: {partition: '0', replica: a}\n"
            "      - targets: ['127.0.0.1:" +
            std::to_string(replica_b_port_) + "']\n        labels: {partition: '0', replica: b}\n");
    exporter_ = start_exporter(exporter_port_, "exporter.log");
    replica_b_ = start_exporter(replica_b_port_, "exporter-b.log");
    am_.emplace(
        std::vector<std::string>{alertmanager_bin(),
                                 "--config.file=" + out_ + "/alertmanager/alertmanager.yml",
                                 "--storage.path=" + dir_.path() + "/am",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(am_port_),
                                 "--cluster.listen-address="},
        dir_.path() + "/alertmanager.log");
    prom_.emplace(
        std::vector<std::string>{prometheus_bin(), "--config.file=" + prom_config,
                                 "--storage.tsdb.path=" + dir_.path() + "/tsdb",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_)},
        dir_.path() + "/prometheus.log");
    for (int port : {exporter_port_, replica_b_port_}) {
      ASSERT_TRUE(wait_until([&] { return http_get(port, "/readyz").status == 200; }, seconds(30)))
          << logs();
    }
    ASSERT_TRUE(
        wait_until([&] { return http_get(am_port_, "/-/ready").status == 200; }, seconds(30)))
        << am_->log();
    ASSERT_TRUE(
        wait_until([&] { return http_get(prom_port_, "/-/ready").status == 200; }, seconds(30)))
        << prom_->log();
    // Prometheus scrapes the exporter and has loaded every generated rule group.
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = prom_query(prom_port_, "up{job=\"orderwatch\"} == 1");
          return r.is_array() && r.size() == 2;
        },
        seconds(30)))
        << prom_->log();
    auto rules = json::parse(http_get(prom_port_, "/api/v1/rules").body, nullptr, false);
    ASSERT_FALSE(rules.is_discarded());
    EXPECT_GE(rules["data"]["groups"].size(), 3u) << rules.dump();
  }

  std::unique_ptr<Process> start_exporter(int port, const std::string& log) {
    return std::make_unique<Process>(
        std::vector<std::string>{orderwatch_bin(), "serve", "--config", sla_path_, "--listen",
                                 "127.0.0.1:" + std::to_string(port)},
        dir_.path() + "/" + log);
  }

  std::string logs() {
    return "\n--- webhooks:\n" + sink_.dump() + "--- exporter a:\n" +
           (exporter_ ? tail(exporter_->log()) : "") + "--- exporter b:\n" +
           (replica_b_ ? tail(replica_b_->log()) : "") + "--- alertmanager (tail):\n" +
           (am_ ? tail(am_->log()) : "") + "--- prometheus (tail):\n" +
           (prom_ ? tail(prom_->log()) : "");
  }
  static std::string tail(const std::string& s) {
    return s.size() > 3000 ? s.substr(s.size() - 3000) : s;
  }

  TempDir dir_;
  WebhookSink sink_;
  std::optional<NatsServer> nats_;
  int exporter_port_ = 0, replica_b_port_ = 0, prom_port_ = 0, am_port_ = 0;
  std::string sla_path_, out_;
  std::unique_ptr<Process> exporter_, replica_b_;  // replicas a and b of partition 0
  std::optional<Process> am_, prom_;
};

TEST_F(EndToEnd, StuckOrdersPageTheRightPeopleAndOnlyThem) {
  NatsPublisher pub(nats_->url());
  const std::int64_t t0 = unix_now_ms();
  // Orders that flow through (turnaround and time-in-status data for the recording rules and
  // dashboards), one that took 60s end to end (burns turnaround error budget), one malformed.
  for (int i = 0; i < 10; ++i) {
    const std::string id = "ok-" + std::to_string(i);
    pub.event(id, "Placed", t0 - 2000, "eu");
    pub.event(id, "Authorized", t0 - 1000, "eu");
    pub.event(id, "Delivered", t0, "eu");
  }
  pub.event("late-1", "Placed", t0 - 60'000, "us");
  pub.event("late-1", "Authorized", t0 - 59'000, "us");
  pub.event("late-1", "Delivered", t0, "us");
  pub.send("this is not json");
  pub.event("waiting-1", "Placed", t0, "us");  // within its 10m SLA all along

  // Two orders get stuck in Authorized; a third passes through it in time.
  const std::int64_t stuck_at = unix_now_ms();
  pub.event("stuck-1", "Authorized", stuck_at, "eu");
  pub.event("stuck-2", "Authorized", stuck_at, "eu");
  pub.event("quick-1", "Authorized", stuck_at, "us");
  pub.event("quick-1", "Delivered", stuck_at + 500, "us");
  pub.flush();

  // 1. The warning tier reaches the payments chat, with the labels and annotations on-call
  //    reads, and not before the SLA ran out.
  const Labels warning{
      {"alertname", "ShopOrdersOverdue"}, {"status", "Authorized"}, {"severity", "warning"}};
  auto first = sink_.wait_for("/payments-chat", warning, "firing", seconds(40));
  ASSERT_TRUE(first) << "no warning notification for Authorized" << logs();
  EXPECT_GE(first->received_ms, stuck_at + kWarningMs);
  const json& alert = *WebhookSink::find_alert(first->body, warning, "firing");
  EXPECT_EQ(alert["labels"]["service"], "shop");
  EXPECT_EQ(alert["labels"]["team"], "payments");
  EXPECT_EQ(first->body["receiver"], "payments-chat");
  EXPECT_EQ(alert["annotations"]["description"],
            "2 orders have been in Authorized for more than 3s.");
  const std::string origin = "http://127.0.0.1:" + std::to_string(exporter_port_);
  EXPECT_EQ(alert["annotations"]["runbook_url"],
            origin + "/runbooks/ShopOrdersOverdue?status=Authorized&severity=warning");
  // On-call follows the runbook link: the exporter explains this very status and tier.
  {
    const std::string link = alert["annotations"]["runbook_url"];
    const auto runbook = http_get(exporter_port_, link.substr(origin.size()));
    EXPECT_EQ(runbook.status, 200) << runbook.body;
    for (const char* text : {"Authorized, warning tier: more than 3s in Authorized",
                             "team payments", "/?status=Authorized&amp;severity=warning"})
      EXPECT_NE(runbook.body.find(text), std::string::npos) << text << " not in\n" << runbook.body;
  }
  // Both replicas count the two stuck orders; the alert said 2, not 4.
  auto summed =
      prom_query(prom_port_, "sum(order_overdue{status=\"Authorized\",severity=\"warning\"})");
  ASSERT_TRUE(summed.is_array() && summed.size() == 1) << summed.dump();
  EXPECT_EQ(summed[0]["value"][1], "4");
  EXPECT_EQ(alert["annotations"]["drilldown_url"],
            "http://127.0.0.1:" + std::to_string(exporter_port_) +
                "/?status=Authorized&severity=warning");
  EXPECT_NE(alert["annotations"]["summary"].get<std::string>().find("Authorized"),
            std::string::npos);
  // On-call follows the alert's link: orderwatch's page lists exactly the stuck orders.
  {
    const std::string link = alert["annotations"]["drilldown_url"];
    ASSERT_EQ(link.rfind(origin, 0), 0u) << link;
    const auto page = http_get(exporter_port_, link.substr(origin.size()));
    EXPECT_EQ(page.status, 200) << page.body;
    for (const char* id : {"stuck-1", "stuck-2"})
      EXPECT_NE(page.body.find(id), std::string::npos) << id << " not on " << link;
    for (const char* id : {"quick-1", "waiting-1", "ok-0"})
      EXPECT_EQ(page.body.find(id), std::string::npos) << id << " wrongly on " << link;
    auto api = json::parse(
        http_get(exporter_port_, "/api/v1/overdue?status=Authorized&severity=warning").body,
        nullptr, false);
    ASSERT_FALSE(api.is_discarded());
    std::set<std::string> ids;
    for (const auto& o : api["orders"]) ids.insert(o["id"].get<std::string>());
    EXPECT_EQ(ids, (std::set<std::string>{"stuck-1", "stuck-2"})) << api.dump();
  }
  // The order inside its SLA never alerted; the page tier had not come yet.
  for (const auto& n : sink_.at("/payments-chat")) {
    EXPECT_EQ(WebhookSink::find_alert(n.body, {{"status", "Placed"}}, "firing"), nullptr);
  }
  if (unix_now_ms() < stuck_at + kPageMs) {
    EXPECT_TRUE(sink_.at("/payments-pager").empty());
  }

  // The malformed event raised the rejected-events meta alert to the default team.
  EXPECT_TRUE(sink_.wait_for("/checkout",
                             {{"alertname", "ShopOrderEventsRejected"}, {"reason", "malformed"}},
                             "firing", seconds(30)))
      << logs();

  // 2. Past the next tier, the pager gets the page-tier alert and inhibition silences the
  //    warning tier of the same status.
  const Labels page{
      {"alertname", "ShopOrdersOverdue"}, {"status", "Authorized"}, {"severity", "page"}};
  auto paged = sink_.wait_for("/payments-pager", page, "firing", seconds(40));
  ASSERT_TRUE(paged) << "no page-tier notification" << logs();
  EXPECT_GE(paged->received_ms, stuck_at + kPageMs);
  EXPECT_EQ(paged->body["receiver"], "payments-pager");
  EXPECT_EQ(WebhookSink::find_alert(paged->body, page, "firing")->at("labels").at("team"),
            "payments");
  EXPECT_TRUE(wait_until([&] { return inhibited_by(am_port_, warning, page); }, seconds(10)))
      << am_alerts(am_port_, warning).dump() << logs();

  // 3. The stuck orders move on: the alerts resolve, and the pager hears it.
  const std::size_t before_resolve = sink_.size();
  pub.event("stuck-1", "Delivered", unix_now_ms(), "eu");
  pub.event("stuck-2", "Delivered", unix_now_ms(), "eu");
  pub.flush();
  EXPECT_TRUE(sink_.wait_for("/payments-pager", page, "resolved", seconds(kKeepFiringSeconds + 30),
                             before_resolve))
      << "no resolved notification" << logs();

  // 4. Recording rules (time in status, share within SLA, turnaround burn rates) produce
  //    values, and every metric a rule reads is one the exporter really exposes.
  const std::string rules_text = read_file(out_ + "/rules/shop-rules.yml");
  const YAML::Node rules = YAML::Load(rules_text);
  std::set<std::string> records, read_names;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      const auto expr = rule["expr"].as<std::string>();
      for (const auto& name : metric_names(expr)) read_names.insert(name);
      if (rule["record"]) records.insert(rule["record"].as<std::string>());
    }
  }
  ASSERT_FALSE(records.empty());
  for (const auto& record : records) {
    json result;
    EXPECT_TRUE(wait_until(
        [&] {
          result = prom_query(prom_port_, record);
          return result.is_array() && !result.empty();
        },
        seconds(20)))
        << record << " has no value" << logs();
    if (result.is_array() && !result.empty() && record.find("turnaround") != std::string::npos) {
      const double v = std::stod(result[0]["value"][1].get<std::string>());
      EXPECT_TRUE(std::isfinite(v)) << record << " = " << v;
    }
  }
  // The late order burnt budget: of the 14 finished orders, late-1 took 60s (over the 20s
  // SLA); stuck-1 and stuck-2 may have too, depending on how fast the chain ran.
  auto burn = prom_query(prom_port_, "job:order_turnaround_seconds:slo_error_ratio_rate5m");
  ASSERT_TRUE(burn.is_array() && !burn.empty()) << logs();
  const double error_ratio = std::stod(burn[0]["value"][1].get<std::string>());
  EXPECT_GE(error_ratio, 1.0 / 14.0 - 1e-9) << burn.dump();
  EXPECT_LE(error_ratio, 3.0 / 14.0 + 1e-9) << burn.dump();
  const std::string scrape = http_get(exporter_port_, "/metrics").body;
  for (const auto& name : read_names) {
    if (records.count(name) != 0 || name == "up") continue;
    EXPECT_NE(scrape.find("\n" + name), std::string::npos)
        << "the rules read " << name << ", which /metrics does not expose";
  }

  // 5. Every query of every dashboard panel returns data (Grafana's $status = All, i.e. ".*").
  const auto dashboard =
      json::parse(read_file(out_ + "/grafana/dashboards/shop-overview.json"), nullptr, false);
  ASSERT_FALSE(dashboard.is_discarded());
  std::vector<std::string> exprs;
  collect_exprs(dashboard["panels"], exprs);
  ASSERT_GT(exprs.size(), 10u);
  for (const auto& raw : exprs) {
    const std::string expr =
        replace_all(replace_all(raw, "$status", ".*"), "$__rate_interval", "1m");
    json result;
    EXPECT_TRUE(wait_until(
        [&] {
          result = prom_query(prom_port_, expr);
          return result.is_array() && !result.empty();
        },
        seconds(10)))
        << "dashboard panel query returns nothing: " << expr;
  }
  for (const auto& var : dashboard["templating"]["list"]) {
    if (var.value("type", "") != "query") continue;
    const std::string q = var["query"]["query"];
    const std::string match = q.substr(q.find('(') + 1, q.rfind(',') - q.find('(') - 1);
    auto r = json::parse(http_get(prom_port_, "/api/v1/series?match[]=" + url_encode(match)).body,
                         nullptr, false);
    EXPECT_FALSE(r.is_discarded() || r["data"].empty()) << "variable " << var["name"] << ": " << q;
  }

  // 6. An order gets stuck again, up to the page tier. Replica a dies mid-alert (SIGKILL):
  //    the page keeps firing on replica b's count past keep_firing_for, uninhibited, the
  //    replica alert warns the default team, and nothing else pages. Then replica b stops
  //    too: exporter-down pages the default team, and the order alert is inhibited instead of
  //    announcing a false "resolved".
  const std::size_t before_restuck = sink_.size();
  pub.event("stuck-3", "Authorized", unix_now_ms(), "eu");
  pub.flush();
  ASSERT_TRUE(sink_.wait_for("/payments-pager", page, "firing", seconds(40), before_restuck))
      << logs();
  const std::size_t before_kill = sink_.size();
  const std::int64_t killed_at = unix_now_ms();
  exporter_->stop(SIGKILL);
  const Labels replica_down{{"alertname", "ShopExporterReplicaDown"},
                            {"replica", "a"},
                            {"severity", "warning"},
                            {"team", "checkout"}};
  EXPECT_TRUE(sink_.wait_for("/checkout", replica_down, "firing", seconds(30), before_kill))
      << logs();
  std::this_thread::sleep_for(
      milliseconds(killed_at + (kKeepFiringSeconds + 2) * 1000 - unix_now_ms()));
  auto count =
      prom_query(prom_port_,
                 "sum by (status, severity) (max by (partition, status, severity, region) "
                 "(order_overdue{job=\"orderwatch\",status=\"Authorized\",severity=\"page\"}))");
  ASSERT_TRUE(count.is_array() && count.size() == 1) << count.dump() << logs();
  EXPECT_EQ(count[0]["value"][1], "1") << "replica b's count, unchanged";
  auto firing = prom_query(prom_port_,
                           "ALERTS{alertname=\"ShopOrdersOverdue\",status=\"Authorized\","
                           "severity=\"page\",alertstate=\"firing\"}");
  EXPECT_TRUE(firing.is_array() && firing.size() == 1)
      << "the order alert stopped with one replica left: " << firing.dump();
  for (const auto& a : am_alerts(am_port_, page))
    EXPECT_EQ(a["status"]["state"], "active") << "one dead replica must not inhibit: " << a.dump();
  for (const char* path : {"/payments-pager", "/payments-chat"}) {
    for (const auto& n : sink_.at(path, before_kill))
      ADD_FAILURE() << "order receivers notified after one replica died: " << n.body.dump();
  }
  for (const auto& n : sink_.at("/checkout", before_kill))
    EXPECT_EQ(WebhookSink::find_alert(n.body, {{"alertname", "ShopExporterDown"}}, "firing"),
              nullptr)
        << "paged with a replica still up: " << n.body.dump();

  const std::size_t before_stop = sink_.size();
  const std::int64_t stopped_at = unix_now_ms();
  EXPECT_EQ(replica_b_->stop(), 0);
  const Labels down{{"alertname", "ShopExporterDown"},
                    {"service", "shop"},
                    {"severity", "page"},
                    {"team", "checkout"}};
  ASSERT_TRUE(sink_.wait_for("/checkout", down, "firing", seconds(40), before_stop)) << logs();
  EXPECT_TRUE(wait_until([&] { return inhibited_by(am_port_, page, down); }, seconds(5)))
      << am_alerts(am_port_, page).dump() << logs();
  // Past keep_firing_for the order alert resolves in Prometheus; its notification stays muted.
  std::this_thread::sleep_for(
      milliseconds(stopped_at + (kKeepFiringSeconds + 8) * 1000 - unix_now_ms()));
  for (const char* path : {"/payments-pager", "/payments-chat"}) {
    for (const auto& n : sink_.at(path, before_stop))
      ADD_FAILURE() << "order alert notified while the exporters were down: " << n.body.dump();
  }
}

// The on-call console closes the loop: one exporter behind basic auth with
// --web.enable-actions (Prometheus scrapes it with the credentials), an order gets stuck, its
// overdue alert fires in Alertmanager, on-call acknowledges the order over the API, and the
// alert resolves in Alertmanager -- the generated alert reads order_overdue, which leaves the
// acknowledged order out. keep_firing_for is 1s here, so the story takes a few seconds.
class AcknowledgedEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    nats_->start();
    exporter_port_ = free_port();
    prom_port_ = free_port();
    am_port_ = free_port();
    std::string sla = replace_all(kSla, "@NATS@", std::to_string(nats_->port()));
    sla = replace_all(sla, "@EXPORTER@", std::to_string(exporter_port_));
    sla = replace_all(sla, "@SINK@", std::to_string(sink_.port()));
    sla = replace_all(sla, "keep_firing_for: 10s", "keep_firing_for: 1s");
    const std::string sla_path = dir_.write("shop.yaml", sla);
    out_ = dir_.path() + "/generated";
    auto gen = run(shell_quote(orderwatch_bin()) + " generate --config " + shell_quote(sla_path) +
                   " --out " + shell_quote(out_));
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    const std::string web =
        dir_.write("web.yml", "basic_auth_users:\n  alice: " + bcrypt("pw") + "\n");
    const std::string prom_config = dir_.write(
        "prometheus.yml",
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n"
        "rule_files: ['" +
            out_ +
            "/rules/shop-rules.yml']\n"
            "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:" +
            std::to_string(am_port_) +
            "']\n"
            "scrape_configs:\n  - job_name: orderwatch\n"
            "    basic_auth: {username: alice, password: pw}\n"
            "    static_configs:\n      - targets: ['127.0.0.1:" +
            std::to_string(exporter_port_) + "']\n        labels: {partition: '0', replica: a}\n");
    exporter_.emplace(
        std::vector<std::string>{orderwatch_bin(), "serve", "--config", sla_path, "--listen",
                                 "127.0.0.1:" + std::to_string(exporter_port_), "--web.config.file",
                                 web, "--web.enable-actions"},
        dir_.path() + "/exporter.log");
    am_.emplace(
        std::vector<std::string>{alertmanager_bin(),
                                 "--config.file=" + out_ + "/alertmanager/alertmanager.yml",
                                 "--storage.path=" + dir_.path() + "/am",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(am_port_),
                                 "--cluster.listen-address="},
        dir_.path() + "/alertmanager.log");
    prom_.emplace(
        std::vector<std::string>{prometheus_bin(), "--config.file=" + prom_config,
                                 "--storage.tsdb.path=" + dir_.path() + "/tsdb",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_)},
        dir_.path() + "/prometheus.log");
    ASSERT_TRUE(wait_until([&] { return curl("GET", "/readyz").status == 200; }, seconds(30)))
        << logs();
    ASSERT_TRUE(
        wait_until([&] { return http_get(am_port_, "/-/ready").status == 200; }, seconds(30)))
        << logs();
    ASSERT_TRUE(wait_until(
        [&] {
          auto r = prom_query(prom_port_, "up{job=\"orderwatch\"} == 1");
          return r.is_array() && r.size() == 1;
        },
        seconds(30)))
        << logs();
  }

  static std::string bcrypt(const std::string& password) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    EXPECT_NE(crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt), nullptr);
    crypt_data data{};
    const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
    return hash ? hash : "";
  }

  // The exporter, as the authenticated on-call user.
  HttpResult curl(const std::string& method, const std::string& path,
                  const std::string& body = "") {
    const std::string out = dir_.path() + "/curl-body";
    std::remove(out.c_str());
    std::string cmd = std::string(CURL_BIN) + " -sS --max-time 10 -u alice:pw -o " +
                      shell_quote(out) + " -w '%{http_code}' -X " + method +
                      " -H 'Content-Type: application/json' ";
    if (!body.empty()) cmd += "--data-binary " + shell_quote(body) + " ";
    cmd += shell_quote("http://127.0.0.1:" + std::to_string(exporter_port_) + path);
    const auto r = run(cmd);
    HttpResult h;
    h.status = std::atoi(r.output.substr(r.output.size() >= 3 ? r.output.size() - 3 : 0).c_str());
    h.body = read_file(out);
    return h;
  }

  // Alerts Alertmanager still holds as active with these labels.
  std::size_t active(const Labels& labels) {
    std::size_t n = 0;
    for (const auto& a : am_alerts(am_port_, labels))
      if (a["status"]["state"] == "active") ++n;
    return n;
  }

  std::string logs() {
    auto tail = [](const std::string& s) {
      return s.size() > 3000 ? s.substr(s.size() - 3000) : s;
    };
    return "\n--- webhooks:\n" + sink_.dump() + "--- exporter:\n" +
           (exporter_ ? tail(exporter_->log()) : "") + "--- alertmanager (tail):\n" +
           (am_ ? tail(am_->log()) : "") + "--- prometheus (tail):\n" +
           (prom_ ? tail(prom_->log()) : "");
  }

  TempDir dir_;
  WebhookSink sink_;
  std::optional<NatsServer> nats_;
  int exporter_port_ = 0, prom_port_ = 0, am_port_ = 0;
  std::string out_;
  std::optional<Process> exporter_, am_, prom_;
};

TEST_F(AcknowledgedEndToEnd, AnAcknowledgedOrdersAlertResolvesInAlertmanager) {
  // The generated overdue alerts count what order_overdue counts: acknowledged orders are not
  // in it (they are in order_overdue_acknowledged, which no alert reads).
  const std::string rules_text = read_file(out_ + "/rules/shop-rules.yml");
  const YAML::Node rules = YAML::Load(rules_text);
  std::size_t overdue_alerts = 0;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (!rule["alert"] || rule["alert"].as<std::string>() != "ShopOrdersOverdue") continue;
      ++overdue_alerts;
      const auto names = metric_names(rule["expr"].as<std::string>());
      EXPECT_EQ(names.count("order_overdue"), 1u) << rule["expr"].as<std::string>();
      EXPECT_EQ(names.count("order_overdue_acknowledged"), 0u) << rule["expr"].as<std::string>();
    }
  }
  EXPECT_EQ(overdue_alerts, 3u);  // Placed warning, Authorized warning and page

  NatsPublisher pub(nats_->url());
  const std::int64_t stuck_at = unix_now_ms();
  pub.event("stuck-1", "Authorized", stuck_at, "eu");
  pub.event("quick-1", "Authorized", stuck_at, "us");
  pub.event("quick-1", "Delivered", stuck_at + 500, "us");
  pub.flush();

  const Labels warning{
      {"alertname", "ShopOrdersOverdue"}, {"status", "Authorized"}, {"severity", "warning"}};
  ASSERT_TRUE(wait_until([&] { return active(warning) == 1; }, seconds(40)))
      << "the overdue alert never fired in Alertmanager" << logs();
  ASSERT_TRUE(sink_.wait_for("/payments-chat", warning, "firing", seconds(20))) << logs();

  const std::size_t before_ack = sink_.size();
  const std::int64_t acked_at = unix_now_ms();
  const auto ack = curl("POST", "/api/v1/orders/stuck-1/acknowledge",
                        R"({"reason":"payment provider fixed it by hand","for":"1h"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  // Summed over the region label, whatever order the labels are printed in.
  auto sum = [](const std::map<std::string, double>& m, const std::string& name) {
    double total = 0;
    for (const auto& [series, v] : m) {
      if (series.rfind(name + "{", 0) == 0 &&
          series.find("status=\"Authorized\"") != std::string::npos &&
          series.find("severity=\"warning\"") != std::string::npos)
        total += v;
    }
    return total;
  };
  const auto m = parse_metrics(curl("GET", "/metrics").body);
  EXPECT_EQ(sum(m, "order_overdue"), 0);
  EXPECT_EQ(sum(m, "order_overdue_acknowledged"), 1);

  // The alert resolves: Alertmanager holds no active one, the chat hears "resolved".
  EXPECT_TRUE(wait_until([&] { return active(warning) == 0; }, seconds(30)))
      << am_alerts(am_port_, warning).dump() << logs();
  EXPECT_TRUE(sink_.wait_for("/payments-chat", warning, "resolved", seconds(30), before_ack))
      << "no resolved notification after the acknowledgement" << logs();
  auto acked = prom_query(prom_port_,
                          "sum(order_overdue_acknowledged{status=\"Authorized\","
                          "severity=\"warning\"})");
  ASSERT_TRUE(acked.is_array() && acked.size() == 1) << acked.dump();
  EXPECT_EQ(acked[0]["value"][1], "1");
  // Acknowledged before the page tier came: the pager never heard of it.
  if (acked_at < stuck_at + kPageMs) {
    for (const auto& n : sink_.at("/payments-pager"))
      ADD_FAILURE() << "an acknowledged order paged: " << n.body.dump();
  }
  // The order is still tracked, its acknowledgement shown.
  const auto order = json::parse(curl("GET", "/api/v1/orders/stuck-1").body, nullptr, false);
  ASSERT_FALSE(order.is_discarded());
  EXPECT_EQ(order["acknowledged"]["by"], "alice");
  EXPECT_EQ(exporter_->stop(), 0) << logs();
}

}  // namespace
}  // namespace orderwatch::testing
