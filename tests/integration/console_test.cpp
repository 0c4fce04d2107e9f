// The on-call console's actions against a real nats-server and `orderwatch serve` behind
// bcrypt basic auth: acknowledge, forget and redrive one order and a filtered batch (dry run
// first) with exact counts before and after, the redrive request received on a real
// subscription, the audit list and orderwatch_actions_total, refusals (no auth, no flag,
// cross-site requests, a form without its token), acknowledgements across a restart, and what
// recovered after overdue orders move on.
#include <crypt.h>
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"
#include "nats_publisher.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr std::int64_t kMin = 60'000;

const char* kConfig = R"(service: console
nats: {url: "nats://127.0.0.1:1", subject: "orders.status.>"}
event: {idle_timeout: 1s}
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations: [{after: 2h, severity: page, team: payments}]
  - {name: Delivered, terminal: true}
milestones:
  - {name: paid_in_90m, from: [Authorized], until: [Delivered], sla: 90m}
actions: {redrive_subject: "orders.redrive.{status}.{id}"}
)";

const std::string kWarn = "{status=\"Authorized\",severity=\"warning\"}";
const std::string kPage = "{status=\"Authorized\",severity=\"page\"}";
const std::string kClock = "{milestone=\"paid_in_90m\",severity=\"warning\"}";

std::string bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
  return hash ? hash : "";
}

struct Answer {
  int status = 0;
  std::string body;
  json j;
};

class Console : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    web_ = dir_.write("web.yml", "basic_auth_users:\n  alice: " + bcrypt("pw") + "\n");
    config_ = dir_.write("sla.yaml", kConfig);
  }

  void start(std::vector<std::string> extra, bool auth = true) {
    if (auth) {
      extra.insert(extra.end(), {"--web.config.file", web_});
      auth_ = "-u alice:pw ";
    }
    exporter_.reset();
    exporter_.emplace(config_, nats_->url(),
                      dir_.path() + "/orderwatch-" + std::to_string(++starts_) + ".log", extra);
    ASSERT_TRUE(exporter_->wait_for_port(seconds(10))) << exporter_->log();
    ASSERT_TRUE(wait_until([&] { return call("GET", "/readyz").status == 200; }, seconds(10)))
        << exporter_->log();
  }

  // curl with the test user; `headers`: extra -H arguments, already quoted.
  Answer call(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& headers = "-H 'Content-Type: application/json'") {
    const std::string out = dir_.path() + "/body";
    std::remove(out.c_str());
    std::string cmd = std::string(CURL_BIN) + " -sS --max-time 10 -o " + shell_quote(out) +
                      " -w '%{http_code}' " + auth_ + "-X " + method + " " + headers + " ";
    if (!body.empty()) cmd += "--data-binary " + shell_quote(body) + " ";
    cmd += shell_quote("http://127.0.0.1:" + std::to_string(exporter_->port()) + path);
    const auto r = run(cmd);
    Answer a;
    a.status = std::atoi(r.output.substr(r.output.size() >= 3 ? r.output.size() - 3 : 0).c_str());
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    a.body = s.str();
    a.j = json::parse(a.body, nullptr, false);
    return a;
  }

  std::map<std::string, double> metrics() { return parse_metrics(call("GET", "/metrics").body); }

  // Waits until `series` reads `value`; returns the scrape.
  std::map<std::string, double> metrics_when(const std::string& series, double value) {
    std::map<std::string, double> m;
    EXPECT_TRUE(wait_until(
        [&] {
          m = metrics();
          return m.contains(series) && m[series] == value;
        },
        seconds(15)))
        << series << " never " << value << "\n"
        << exporter_->log();
    return m;
  }

  void seed() {
    NatsPublisher pub(nats_->url());
    const std::int64_t now = unix_now_ms();
    for (const char* id : {"a", "b", "c"}) pub.event(id, "Authorized", now - 180 * kMin);
    pub.event("d", "Placed", now - kMin);
    pub.flush();
    metrics_when("order_overdue" + kPage, 3);
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::optional<ExporterProcess> exporter_;
  std::string web_, config_, auth_;
  int starts_ = 0;
};

TEST_F(Console, EachActionOverHttpWithExactCounts) {
  start({"--web.enable-actions"});
  seed();
  // A real subscriber where the order service would listen for redrive requests.
  natsConnection* conn = nullptr;
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, nats_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_SubscribeSync(&sub, conn, "orders.redrive.>"), NATS_OK);
  ASSERT_EQ(natsConnection_Flush(conn), NATS_OK);

  auto m = metrics();
  EXPECT_EQ(m["order_overdue" + kWarn], 3);
  EXPECT_EQ(m["order_overdue_acknowledged" + kWarn], 0);
  EXPECT_EQ(m["orderwatch_actions_total{action=\"acknowledge\"}"], 0);

  auto ack = call("POST", "/api/v1/orders/a/acknowledge", R"({"reason":"db fixed","for":"4h"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(ack.j["actor"], "alice");
  m = metrics();
  EXPECT_EQ(m["order_overdue" + kWarn], 2);
  EXPECT_EQ(m["order_overdue" + kPage], 2);
  EXPECT_EQ(m["order_overdue_acknowledged" + kWarn], 1);
  EXPECT_EQ(m["order_overdue_acknowledged" + kPage], 1);
  EXPECT_EQ(m["order_in_status{status=\"Authorized\"}"], 3);  // still tracked
  EXPECT_EQ(m["orderwatch_actions_total{action=\"acknowledge\"}"], 1);
  EXPECT_EQ(call("GET", "/api/v1/orders/a").j["acknowledged"]["by"], "alice");

  auto forget = call("POST", "/api/v1/orders/b/forget", R"({"reason":"refunded by hand"})");
  ASSERT_EQ(forget.status, 200) << forget.body;
  m = metrics();
  EXPECT_EQ(m["order_in_status{status=\"Authorized\"}"], 2);
  EXPECT_EQ(m["order_overdue" + kWarn], 1);
  EXPECT_EQ(m["orderwatch_actions_total{action=\"forget\"}"], 1);
  EXPECT_EQ(call("GET", "/api/v1/orders/b").status, 404);

  auto redrive = call("POST", "/api/v1/orders/c/redrive", R"({"reason":"retry payment"})");
  ASSERT_EQ(redrive.status, 202) << redrive.body;
  natsMsg* msg = nullptr;
  ASSERT_EQ(natsSubscription_NextMsg(&msg, sub, 5000), NATS_OK);
  EXPECT_STREQ(natsMsg_GetSubject(msg), "orders.redrive.Authorized.c");
  const json got = json::parse(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
  EXPECT_EQ(got["id"], "c");
  EXPECT_EQ(got["status"], "Authorized");
  EXPECT_EQ(got["actor"], "alice");
  EXPECT_EQ(got["reason"], "retry payment");
  EXPECT_TRUE(got.contains("entered"));
  natsMsg_Destroy(msg);
  m = metrics();
  EXPECT_EQ(m["order_overdue" + kWarn], 1);  // redrive changes nothing here
  EXPECT_EQ(m["orderwatch_actions_total{action=\"redrive\"}"], 1);

  auto unknown = call("POST", "/api/v1/orders/zz/acknowledge", R"({"reason":"x","for":"1h"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("another instance may hold it"), std::string::npos) << unknown.body;
  EXPECT_EQ(call("POST", "/api/v1/orders/c/acknowledge", R"({"reason":"x"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/orders/c/acknowledge", R"({"for":"1h"})").status, 400);

  // The batch: a dry run counts and touches nothing, then the same filter acts.
  auto dry = call("POST", "/api/v1/overdue/forget?status=Authorized&severity=page&dry_run=true",
                  R"({"reason":"dependency outage"})");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.j["matched"], 2);  // a (acknowledged) and c
  EXPECT_EQ(dry.j["would_act"], 2);
  EXPECT_EQ(metrics()["order_in_status{status=\"Authorized\"}"], 2);
  auto batch = call("POST", "/api/v1/overdue/forget?status=Authorized&severity=page&limit=1",
                    R"({"reason":"dependency outage"})");
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(batch.j["acted"], 1);  // the cap of this request
  m = metrics();
  EXPECT_EQ(m["order_in_status{status=\"Authorized\"}"], 1);
  EXPECT_EQ(m["orderwatch_actions_total{action=\"forget\"}"], 2);

  auto audit = call("GET", "/api/v1/actions");
  ASSERT_EQ(audit.status, 200);
  ASSERT_EQ(audit.j["actions"].size(), 5u) << audit.body;
  EXPECT_EQ(audit.j["actions"][0]["orders"], 1);
  EXPECT_EQ(audit.j["actions"][1]["dry_run"], true);
  EXPECT_EQ(audit.j["actions"][4]["action"], "acknowledge");
  EXPECT_NE(exporter_->log().find("level=info component=action"), std::string::npos);

  natsSubscription_Destroy(sub);
  natsConnection_Destroy(conn);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(Console, CrossSiteRequestsAreRefused) {
  start({"--web.enable-actions"});
  seed();
  const std::string body = R"({"reason":"x","for":"1h"})";
  for (const std::string headers :
       {"-H 'Content-Type: text/plain'",
        "-H 'Content-Type: application/json' -H 'Sec-Fetch-Site: cross-site'",
        "-H 'Content-Type: application/json' -H 'Origin: http://evil.example'"}) {
    auto r = call("POST", "/api/v1/orders/a/acknowledge", body, headers);
    EXPECT_EQ(r.status, 403) << headers << ": " << r.body;
  }
  // The page's form without the token it embeds, or with another user's.
  const std::string form = "-H 'Content-Type: application/x-www-form-urlencoded'";
  EXPECT_EQ(call("POST", "/api/v1/orders/a/acknowledge", "reason=x&for=1h", form).status, 403);
  EXPECT_EQ(call("POST", "/api/v1/orders/a/acknowledge", "reason=x&for=1h&token=00", form).status,
            403);
  EXPECT_EQ(metrics()["order_overdue_acknowledged" + kWarn], 0);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(Console, ThePageFormsActWithTheirToken) {
  start({"--web.enable-actions"});
  seed();
  const Answer page = call("GET", "/?status=Authorized", "", "");
  ASSERT_EQ(page.status, 200);
  const std::string needle = "name=\"token\" value=\"";
  const auto at = page.body.find(needle);
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string token = page.body.substr(at + needle.size(), 64);
  EXPECT_NE(page.body.find("action=\"/api/v1/orders/a/acknowledge\""), std::string::npos);
  EXPECT_NE(page.body.find("action=\"/api/v1/overdue/forget?status=Authorized&amp;dry_run=true\""),
            std::string::npos);
  const std::string port = std::to_string(exporter_->port());
  const std::string form = "-H 'Content-Type: application/x-www-form-urlencoded' -H " +
                           shell_quote("Origin: http://127.0.0.1:" + port) +
                           " -H 'Sec-Fetch-Site: same-origin'";
  auto r =
      call("POST", "/api/v1/orders/a/acknowledge", "reason=on+call&for=1h&token=" + token, form);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(metrics()["order_overdue_acknowledged" + kWarn], 1);
  EXPECT_NE(call("GET", "/?status=Authorized", "", "").body.find("acknowledged by alice: on call"),
            std::string::npos);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

// "2023-11-14T22:13:20.000Z", as the API writes times.
std::string rfc3339_ms(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

// What recovered: orders overdue past both tiers move on, finish and are forgotten; each is
// listed with the tier it reached, how long it was overdue, where it went and the action
// before it. The acknowledged one is counted apart from the overdue ones meanwhile.
TEST_F(Console, RecoveredListsWhatWasOverdueAndMovedOn) {
  start({"--web.enable-actions"});
  const std::int64_t entered = unix_now_ms() - 180 * kMin;
  {
    NatsPublisher pub(nats_->url());
    for (const char* id : {"a", "b", "c"}) pub.event(id, "Authorized", entered);
    pub.event("d", "Placed", unix_now_ms() - kMin);
    pub.flush();
  }
  metrics_when("order_overdue" + kPage, 3);
  EXPECT_EQ(call("GET", "/api/v1/recovered").j["recovered"], json::array());
  ASSERT_EQ(call("POST", "/api/v1/orders/a/acknowledge", R"({"reason":"db","for":"4h"})").status,
            200);
  ASSERT_EQ(call("POST", "/api/v1/orders/c/redrive", R"({"reason":"retry"})").status, 202);
  // The summary and the listing count the acknowledged order apart, as order_overdue does.
  auto m = metrics();
  const json sum = call("GET", "/api/v1/summary").j;
  EXPECT_EQ(sum["statuses"][1]["overdue"][0]["count"], m["order_overdue" + kWarn]);
  EXPECT_EQ(sum["statuses"][1]["overdue"][0]["count"], 2);
  EXPECT_EQ(sum["statuses"][1]["acknowledged"][0]["count"], 1);
  const json listing = call("GET", "/api/v1/overdue?status=Authorized").j;
  EXPECT_EQ(listing["total"], 2);
  EXPECT_EQ(listing["acknowledged"], 1);

  const std::int64_t moved = unix_now_ms();
  {
    NatsPublisher pub(nats_->url());
    pub.event("a", "Delivered", moved);
    pub.event("c", "Placed", moved + 1);
    pub.event("d", "Authorized", moved + 2);  // never overdue: no recovery
    pub.flush();
  }
  json r;
  ASSERT_TRUE(wait_until(
      [&] {
        r = call("GET", "/api/v1/recovered").j;
        return r["held"] == 2 && metrics()["order_in_status{status=\"Authorized\"}"] == 2;
      },
      seconds(15)))
      << r.dump();
  const std::int64_t forgot_after = unix_now_ms();
  ASSERT_EQ(call("POST", "/api/v1/orders/b/forget", R"({"reason":"refunded"})").status, 200);
  const std::int64_t forgot_before = unix_now_ms();
  r = call("GET", "/api/v1/recovered").j;
  ASSERT_EQ(r["recovered"].size(), 3u) << r.dump();
  EXPECT_EQ(r["kept"], 1000);
  EXPECT_EQ(r["held"], 3);
  EXPECT_EQ(r["recorded"], 3);
  struct Want {
    const char* id;
    const char* outcome;
    json to;
    bool acknowledged, redriven;
  };
  const Want want[] = {{"b", "forgotten", nullptr, false, false},
                       {"c", "moved", "Placed", false, true},
                       {"a", "finished", "Delivered", true, false}};
  for (std::size_t i = 0; i < 3; ++i) {
    const json& e = r["recovered"][i];
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(e["id"], want[i].id);
    EXPECT_EQ(e["status"], "Authorized");
    EXPECT_EQ(e["severity"], "page");
    EXPECT_EQ(e["tiers_crossed"], 2);
    EXPECT_EQ(e["entered"], rfc3339_ms(entered));
    EXPECT_EQ(e["outcome"], want[i].outcome);
    EXPECT_EQ(e["to"], want[i].to);
    EXPECT_EQ(e["acknowledged"], want[i].acknowledged);
    EXPECT_EQ(e["redriven"], want[i].redriven);
    // W at leave - (entered + 1h): two hours and the seconds the test took so far.
    const double overdue = e["overdue_seconds"];
    EXPECT_GE(overdue, 7200.0 - 2.0);
    EXPECT_LE(overdue, 7200.0 + 60.0);
  }
  EXPECT_EQ(r["recovered"][1]["left"], rfc3339_ms(moved + 1));
  EXPECT_EQ(r["recovered"][2]["left"], rfc3339_ms(moved));
  const std::string forgot = r["recovered"][0]["left"];
  EXPECT_GE(forgot, rfc3339_ms(forgot_after - 1000));
  EXPECT_LE(forgot, rfc3339_ms(forgot_before + 1000));

  const json one = call("GET", "/api/v1/recovered?status=Authorized&limit=1").j;
  ASSERT_EQ(one["recovered"].size(), 1u);
  EXPECT_EQ(one["recovered"][0]["id"], "b");
  EXPECT_EQ(call("GET", "/api/v1/recovered?status=Placed").j["recovered"], json::array());
  for (const char* bad : {"?status=Nope", "?x=1", "?limit=0", "?status=", "?limit=1&limit=2"}) {
    EXPECT_EQ(call("GET", std::string("/api/v1/recovered") + bad).status, 400) << bad;
  }

  const std::string page = call("GET", "/", "", "").body;
  const auto at = page.find("<h2 id=\"recovered\">Recovered</h2>");
  ASSERT_NE(at, std::string::npos) << page;
  const std::string section = page.substr(at);
  EXPECT_LT(section.find("<td class=\"id\">b</td>"), section.find("<td class=\"id\">c</td>"));
  EXPECT_LT(section.find("<td class=\"id\">c</td>"), section.find("<td class=\"id\">a</td>"));
  EXPECT_NE(section.find("<td>acknowledged</td>"), std::string::npos);
  EXPECT_NE(section.find("<td>redriven</td>"), std::string::npos);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(Console, HeadlessChromiumShowsTheButtonsAndTheCharts) {
  start({"--web.enable-actions"});
  seed();
  const std::string url =
      "http://alice:pw@127.0.0.1:" + std::to_string(exporter_->port()) + "/?status=Authorized";
  const std::string chromium = std::string(CHROMIUM_BIN) +
                               " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
                               "--no-first-run --hide-scrollbars --user-data-dir=" +
                               shell_quote(dir_.path() + "/chromium-profile");
  const auto dom = run("timeout 60 " + chromium + " --dump-dom " + shell_quote(url));
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  std::size_t buttons = 0;
  for (auto at = dom.output.find("<button"); at != std::string::npos;
       at = dom.output.find("<button", at + 1))
    ++buttons;
  EXPECT_EQ(buttons, 3u * 3u + 6u) << dom.output;  // 3 per order, 6 for the batch
  // The charts, as the browser parsed them: Authorized's trend (in flight and overdue, at least
  // the sample the page's own tick took) and its ages, the three orders 3h old in the (2h, 6h]
  // bucket, past both tiers (1h warning and 2h page, both marked).
  auto count = [&](const std::string& what) {
    std::size_t n = 0;
    for (auto at = dom.output.find(what); at != std::string::npos;
         at = dom.output.find(what, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("<svg "), 2u) << dom.output;
  EXPECT_EQ(count("class=\"chart trend\""), 1u) << dom.output;
  EXPECT_EQ(count("class=\"chart ages\""), 1u) << dom.output;
  EXPECT_GE(count("data-line=\"in flight\""), 1u) << dom.output;
  EXPECT_GE(count("data-line=\"overdue (unacknowledged)\""), 1u) << dom.output;
  EXPECT_EQ(count("data-le=\"21600000\" data-count=\"3\""), 1u) << dom.output;
  EXPECT_EQ(count("<line class=\"tier\""), 2u) << dom.output;
  EXPECT_NE(dom.output.find("data-severity=\"page\" data-after=\"7200000\""), std::string::npos);
  const std::string png = dir_.path() + "/page.png";
  const auto shot =
      run("cd " + shell_quote(dir_.path()) + " && timeout 60 " + chromium +
          " --window-size=1400,1000 --screenshot=" + shell_quote(png) + " " + shell_quote(url));
  EXPECT_EQ(shot.exit_code, 0) << shot.output;
  if (const char* keep = std::getenv("ORDERWATCH_KEEP_SCREENSHOT")) {
    run("cp " + shell_quote(png) + " " + shell_quote(keep));
  }
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(Console, RefusedWithoutAuthAndOffWithoutTheFlag) {
  {
    ExporterProcess no_auth(config_, nats_->url(), dir_.path() + "/noauth.log",
                            {"--web.enable-actions"});
    EXPECT_EQ(no_auth.process().wait(seconds(10)), 2);
    EXPECT_NE(no_auth.log().find("--web.enable-actions needs basic auth"), std::string::npos)
        << no_auth.log();
  }
  start({});
  seed();
  auto r = call("POST", "/api/v1/orders/a/acknowledge", R"({"reason":"x","for":"1h"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("--web.enable-actions"), std::string::npos) << r.body;
  EXPECT_EQ(call("POST", "/api/v1/overdue/forget?status=Authorized", R"({"reason":"x"})").status,
            403);
  EXPECT_EQ(call("GET", "/api/v1/orders/a").status, 200);  // the read-only API stays
  EXPECT_EQ(metrics()["order_overdue" + kWarn], 3);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(Console, AcknowledgementsSurviveARestart) {
  const std::string snap = dir_.path() + "/state.snap";
  start({"--web.enable-actions", "--snapshot.file", snap});
  seed();
  ASSERT_EQ(call("POST", "/api/v1/orders/a/acknowledge", R"({"reason":"db","for":"4h"})").status,
            200);
  metrics_when("order_overdue_acknowledged" + kWarn, 1);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
  start({"--web.enable-actions", "--snapshot.file", snap});
  auto m = metrics_when("order_overdue_acknowledged" + kWarn, 1);
  EXPECT_EQ(m["order_overdue" + kWarn], 2);
  EXPECT_EQ(call("GET", "/api/v1/orders/a").j["acknowledged"]["reason"], "db");
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

// Acknowledging milestone clocks (one order with ?milestone=, then the milestone's list as a
// batch) moves them from order_milestone_overdue to order_milestone_overdue_acknowledged and
// leaves the orders' stays alerting; a restart keeps them.
TEST_F(Console, MilestoneClocksAreAcknowledgedApartFromStaysAndSurviveARestart) {
  const std::string snap = dir_.path() + "/state.snap";
  start({"--web.enable-actions", "--snapshot.file", snap});
  seed();
  metrics_when("order_milestone_overdue" + kClock, 3);
  const Answer one = call("POST", "/api/v1/orders/a/acknowledge?milestone=paid_in_90m",
                          R"({"reason":"carrier","for":"4h"})");
  ASSERT_EQ(one.status, 200) << one.body;
  auto m = metrics_when("order_milestone_overdue_acknowledged" + kClock, 1);
  EXPECT_EQ(m["order_milestone_overdue" + kClock], 2);
  EXPECT_EQ(m["order_overdue" + kPage], 3);  // the stays still alert
  EXPECT_EQ(m["order_overdue_acknowledged" + kPage], 0);
  const Answer batch = call("POST", "/api/v1/overdue/acknowledge?milestone=paid_in_90m",
                            R"({"reason":"carrier","for":"4h"})");
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(batch.j["acted"], 3) << batch.body;
  m = metrics_when("order_milestone_overdue_acknowledged" + kClock, 3);
  EXPECT_EQ(m["order_milestone_overdue" + kClock], 0);
  EXPECT_EQ(call("GET", "/api/v1/overdue?milestone=paid_in_90m").j["acknowledged"], 3);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
  start({"--web.enable-actions", "--snapshot.file", snap});
  m = metrics_when("order_milestone_overdue_acknowledged" + kClock, 3);
  EXPECT_EQ(m["order_milestone_overdue" + kClock], 0);
  EXPECT_EQ(call("GET", "/api/v1/orders/a").j["milestones"][0]["acknowledged"]["reason"],
            "carrier");
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

}  // namespace
}  // namespace orderwatch::testing
