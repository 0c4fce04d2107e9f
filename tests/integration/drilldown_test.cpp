// The drill-down API, page and web config against a real nats-server and `orderwatch serve`:
// orders seeded with event times far in the past (so overdue is decided the moment they
// arrive) are checked exactly through HTTP, paged with the cursor while orders come and go,
// followed from a generated alert's drilldown_url, rendered by headless Chromium, and served
// behind TLS + bcrypt basic auth (curl with the test's own CA) or not at all (--web.disable-api).
#include <crypt.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

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

using nlohmann::json;
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
    escalations: [{after: 2h, severity: page, team: payments}]
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
)";

// An independent RFC 3339 rendering (strftime) to compare the exporter's against.
std::string rfc3339(std::int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct CurlResult {
  int status = 0;  // 0: no HTTP answer (connection or TLS failure)
  std::string body;
  std::string output;
};

// curl with bounded time; `args` already shell-quoted.
CurlResult curl(const TempDir& dir, const std::string& args) {
  const std::string body_path = dir.path() + "/curl-body";
  std::remove(body_path.c_str());
  auto r = run(std::string(CURL_BIN) + " -sS --max-time 10 -o " + shell_quote(body_path) +
               " -w '%{http_code}' " + args);
  CurlResult out;
  out.output = r.output;
  const auto digits = r.output.substr(r.output.size() >= 3 ? r.output.size() - 3 : 0);
  out.status = std::atoi(digits.c_str());
  out.body = read_file(body_path);
  return out;
}

class DrilldownServe : public ::testing::Test {
 protected:
  void SetUp() override { nats_.emplace(dir_); }

  // Starts the exporter; waits until it listens and is connected.
  void start(std::vector<std::string> extra = {}) {
    config_path_ = dir_.write("sla.yaml", kConfig);
    exporter_.emplace(config_path_, nats_->url(), dir_.path() + "/orderwatch.log", extra);
    ASSERT_TRUE(exporter_->wait_for_port(seconds(10))) << exporter_->log();
    port_ = exporter_->port();
    if (tls_ || auth_) return;  // those tests wait through curl
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/readyz").status == 200; }, seconds(10)))
        << exporter_->log();
  }

  json get_json(const std::string& path, int expect_status = 200) {
    auto r = http_get(port_, path);
    EXPECT_EQ(r.status, expect_status) << path << ": " << r.body;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ": " << r.body;
    return j;
  }

  // Waits until the exporter has handled `n` events (applied or otherwise).
  void wait_for_tracked(std::uint64_t n) {
    ASSERT_TRUE(wait_until(
        [&] {
          auto j = json::parse(http_get(port_, "/api/v1/summary").body, nullptr, false);
          return !j.is_discarded() && j["tracked"] == n;
        },
        seconds(15)))
        << exporter_->log();
  }

  // Waits until /api/v1/overdue?<query> counts `n` orders. Orders that arrive already past a
  // tier are overdue once the arriving events pass the deadline; here the producer goes quiet,
  // so once W follows the wall clock again (event.idle_timeout: 1s).
  void wait_for_overdue(const std::string& query, std::uint64_t n) {
    ASSERT_TRUE(wait_until(
        [&] {
          auto j = json::parse(http_get(port_, "/api/v1/overdue?" + query).body, nullptr, false);
          return !j.is_discarded() && j["total"] == n;
        },
        seconds(15)))
        << query << " never " << n << "\n"
        << exporter_->log();
  }

  static std::vector<std::string> ids(const json& page) {
    std::vector<std::string> out;
    for (const auto& o : page["orders"]) out.push_back(o["id"]);
    return out;
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::optional<ExporterProcess> exporter_;
  std::string config_path_;
  int port_ = 0;
  bool tls_ = false;
  bool auth_ = false;
};

TEST_F(DrilldownServe, OverdueAnswersExactlyAndPagesWhileOrdersComeAndGo) {
  start();
  const std::int64_t t0 = unix_now_ms();
  // a0..a9 in Authorized for 3h..2h51m (past the 2h page tier), oldest first by name.
  std::map<std::string, std::int64_t> entered;
  {
    NatsPublisher pub(nats_->url());
    for (int i = 0; i < 10; ++i) {
      const std::string id = "a" + std::to_string(i);
      entered[id] = t0 - (180 - i) * kMin - 123;
      pub.event(id, "Authorized", entered[id], i % 3 ? "eu" : "us");
    }
    entered["w1"] = t0 - 90 * kMin;  // warning only
    pub.event("w1", "Authorized", entered["w1"], "eu");
    entered["p1"] = t0 - 30 * kMin;  // Placed, overdue (10m)
    pub.event("p1", "Placed", entered["p1"], "us");
    pub.event("p2", "Placed", t0 - 1 * kMin, "us");  // not overdue
    entered["s1"] = t0 - 50 * 60 * kMin;             // Shipped, past 48h
    pub.event("s1", "Shipped", entered["s1"], "ap");
    pub.flush();
  }
  wait_for_tracked(14);
  wait_for_overdue("status=Authorized&severity=page", 10);

  const std::int64_t before = unix_now_ms();
  json p1 = get_json("/api/v1/overdue?status=Authorized&severity=page&limit=4");
  const std::int64_t after = unix_now_ms();
  // The watermark W the answer is judged as of: the producer is idle, so the wall clock of
  // the request (same-length RFC 3339 texts order as their times).
  const std::string w1 = p1["watermark"];
  EXPECT_GE(w1, rfc3339(before));
  EXPECT_LE(w1, rfc3339(after));
  EXPECT_EQ(p1["status"], "Authorized");
  EXPECT_EQ(p1["severity"], "page");
  EXPECT_EQ(p1["limit"], 4);
  EXPECT_EQ(p1["total"], 10);
  ASSERT_EQ(ids(p1), (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
  for (const auto& o : p1["orders"]) {
    const std::string id = o["id"];
    EXPECT_EQ(o["status"], "Authorized");
    EXPECT_EQ(o["entered"], rfc3339(entered[id])) << id;
    EXPECT_EQ(o["tiers_crossed"], 2);
    EXPECT_EQ(o["severity"], "page");
    EXPECT_EQ(o["dims"], json({{"region", id == "a0" || id == "a3" ? "us" : "eu"}}));
    // Age as of the answer's watermark W, exactly; W (the producer idle: the wall clock) is
    // the only value with a tolerance (the request's duration).
    const double age = o["age_seconds"];
    EXPECT_EQ(rfc3339(entered[id] + std::llround(age * 1000)), w1) << id;
  }
  ASSERT_TRUE(p1["next_cursor"].is_string());

  // Between pages: a returned order finishes (its slot is recycled), an unreturned one moves
  // on, a newer stuck order arrives (it is after the cursor: shown) and an older one (before
  // the cursor: not shown on the later pages).
  {
    NatsPublisher pub(nats_->url());
    pub.event("a1", "Delivered", t0 - 5 * kMin, "eu");
    pub.event("a6", "Shipped", t0 - 5 * kMin, "us");
    entered["late"] = t0 - 125 * kMin;
    pub.event("late", "Authorized", entered["late"], "eu");
    pub.event("early", "Authorized", t0 - 300 * kMin, "eu");
    pub.flush();
  }
  ASSERT_TRUE(wait_until([&] { return http_get(port_, "/api/v1/orders/early").status == 200; },
                         seconds(15)));
  ASSERT_TRUE(
      wait_until([&] { return http_get(port_, "/api/v1/orders/a1").status == 404; }, seconds(15)));
  // late and early arrived past their tiers: overdue once the producer is quiet again.
  wait_for_overdue("status=Authorized&severity=page", 10);
  std::vector<std::string> rest;
  std::string cursor = p1["next_cursor"];
  for (int pages = 0; pages < 10 && !cursor.empty(); ++pages) {
    json p = get_json("/api/v1/overdue?status=Authorized&severity=page&limit=4&cursor=" + cursor);
    EXPECT_EQ(p["total"], 10);  // 10 - a1 - a6 + late + early
    for (auto& id : ids(p)) rest.push_back(id);
    cursor = p["next_cursor"].is_null() ? "" : p["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(rest, (std::vector<std::string>{"a4", "a5", "a7", "a8", "a9", "late"}));

  // Without filters: every status, oldest first, each order's highest tier.
  json all = get_json("/api/v1/overdue");
  EXPECT_EQ(ids(all), (std::vector<std::string>{"s1", "early", "a0", "a2", "a3", "a4", "a5", "a7",
                                                "a8", "a9", "late", "w1", "p1"}));
  EXPECT_EQ(all["total"], 13);
  EXPECT_TRUE(all["next_cursor"].is_null());
  EXPECT_EQ(all["orders"][0]["status"], "Shipped");
  EXPECT_EQ(all["orders"][0]["severity"], "warning");
  EXPECT_EQ(all["orders"][11]["severity"], "warning");
  EXPECT_EQ(all["orders"][12]["status"], "Placed");

  json order = get_json("/api/v1/orders/a0");
  EXPECT_EQ(order["id"], "a0");
  EXPECT_EQ(order["entered"], rfc3339(entered["a0"]));
  EXPECT_EQ(order["first_seen"], rfc3339(entered["a0"]));
  EXPECT_EQ(order["severity"], "page");

  json sum = get_json("/api/v1/summary");
  EXPECT_EQ(sum["tracked"], 15);  // 14 - a1 (finished) + late + early
  const json& auth = sum["statuses"][1];
  EXPECT_EQ(auth["status"], "Authorized");
  EXPECT_EQ(auth["in_flight"], 11);
  EXPECT_EQ(auth["overdue"],
            json::parse(R"([{"severity":"warning","count":11},{"severity":"page","count":10}])"));
  EXPECT_EQ(auth["oldest_entered"], rfc3339(t0 - 300 * kMin));
  // Among the 11 overdue: us = a0, a3, a9; eu = the other 8.
  EXPECT_EQ(auth["top_overdue"],
            json::parse(R"({"region":[{"value":"eu","count":8},{"value":"us","count":3}]})"));
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(DrilldownServe, BadRequestsGet400AndNothingCrashesTheExporter) {
  start();
  {
    NatsPublisher pub(nats_->url());
    pub.event("eu/42 x?", "Placed", unix_now_ms() - 60 * kMin, "eu");
    pub.flush();
  }
  wait_for_tracked(1);
  for (const std::string q :
       {"status=Nope", "severity=urgent", "status=Placed&severity=page", "limit=0", "limit=-1",
        "limit=1001", "limit=abc", "cursor=bogus", "cursor=1_2_xyz", "colour=red", "status=%ZZ"}) {
    auto r = http_get(port_, "/api/v1/overdue?" + q);
    EXPECT_EQ(r.status, 400) << q;
    json j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(!j.is_discarded() && j["error"].is_string()) << q << ": " << r.body;
  }
  EXPECT_EQ(get_json("/api/v1/overdue?status=Nope", 400)["error"], "unknown status \"Nope\"");
  EXPECT_EQ(get_json("/api/v1/overdue?limit=1001", 400)["error"],
            "limit must be an integer from 1 to 1000");
  EXPECT_EQ(get_json("/api/v1/orders/" + std::string(1025, 'x'), 400)["error"],
            "order id longer than 1024 bytes");
  EXPECT_EQ(get_json("/api/v1/orders/nope", 404)["error"],
            "order not tracked (unknown, finished or evicted)");
  // Percent-encoded ids reach the lookup decoded, slashes included.
  EXPECT_EQ(get_json("/api/v1/orders/eu%2F42%20x%3F")["id"], "eu/42 x?");
  EXPECT_EQ(http_get(port_, "/api/v1/orders/").status, 404);
  // Hostile requests: a huge query, a huge path, raw bytes; the exporter keeps answering.
  EXPECT_EQ(http_get(port_, "/api/v1/overdue?" + std::string(6000, 'a')).status, 400);
  const int huge_path = http_get(port_, "/api/v1/orders/" + std::string(20000, 'y')).status;
  EXPECT_TRUE(huge_path == 400 || huge_path == 413 || huge_path == 414 || huge_path == 431 ||
              huge_path == 0)
      << huge_path;
  EXPECT_EQ(http_get(port_, "/api/v1/orders/%00%ff%fe").status, 400);  // NUL: never truncated
  EXPECT_EQ(http_get(port_, "/api/v1/orders/%ff%fe").status, 404);
  EXPECT_EQ(http_get(port_, "/?status=%3Cscript%3E").status, 400);
  EXPECT_EQ(http_get(port_, "/healthz").status, 200);
  EXPECT_TRUE(exporter_->process().running());
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(DrilldownServe, GeneratedAlertLinkOpensThePageWithTheStuckOrder) {
  start();
  {
    NatsPublisher pub(nats_->url());
    pub.event("stuck-7", "Authorized", unix_now_ms() - 150 * kMin, "eu");  // past page (2h)
    pub.event("slow-1", "Authorized", unix_now_ms() - 70 * kMin, "eu");    // warning only
    pub.flush();
  }
  wait_for_tracked(2);
  wait_for_overdue("status=Authorized&severity=page", 1);
  // Generate the rules for this very exporter and follow the page alert's link.
  const std::string config = dir_.write(
      "linked.yaml", std::string(kConfig) + "alerting: {exporter_url: \"http://127.0.0.1:" +
                         std::to_string(port_) + "/\"}\n");
  const auto gen = run(shell_quote(orderwatch_bin()) + " generate -c " + shell_quote(config) +
                       " -o " + shell_quote(dir_.path() + "/out"));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string rules = read_file(dir_.path() + "/out/rules/itest-rules.yml");
  const std::regex link("drilldown_url: 'http://127\\.0\\.0\\.1:" + std::to_string(port_) +
                        "(/\\?status=Authorized&severity=page)'");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rules, m, link)) << rules;
  auto page = http_get(port_, m[1]);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(">stuck-7</a>"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find(">slow-1</a>"), std::string::npos);  // not past the page tier
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(DrilldownServe, HeadlessChromiumRendersTheTable) {
  start();
  {
    NatsPublisher pub(nats_->url());
    for (int i = 0; i < 6; ++i) {
      pub.event("ord-" + std::to_string(1000 + i), "Authorized", unix_now_ms() - (200 - i) * kMin,
                i % 2 ? "eu-west" : "us-east");
    }
    pub.flush();
  }
  wait_for_tracked(6);
  wait_for_overdue("status=Authorized&severity=page", 6);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(port_) + "/?status=Authorized&severity=page";
  const std::string chromium = std::string(CHROMIUM_BIN) +
                               " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
                               "--no-first-run --hide-scrollbars --user-data-dir=" +
                               shell_quote(dir_.path() + "/chromium-profile");
  // The DOM as the browser built it: every seeded order in a table row.
  const auto dom = run("timeout 60 " + chromium + " --dump-dom " + shell_quote(url));
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  for (int i = 0; i < 6; ++i) {
    const std::string id = "ord-" + std::to_string(1000 + i);
    EXPECT_NE(dom.output.find("<td class=\"id\"><a href=\"/api/v1/orders/" + id + "\">" + id),
              std::string::npos)
        << id << "\n"
        << dom.output;
  }
  // A screenshot of the page and one of an empty page: the table's rendering is much richer.
  auto shot = [&](const std::string& target, const std::string& file) {
    const auto r = run("cd " + shell_quote(dir_.path()) + " && timeout 60 " + chromium +
                       " --window-size=1200,700 --screenshot=" + shell_quote(file) + " " +
                       shell_quote(target));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return read_file(file);
  };
  const std::string png = shot(url, dir_.path() + "/page.png");
  const std::string blank = shot("data:text/html,<title>x</title>", dir_.path() + "/blank.png");
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned char>(png[at]) << 24) |
           (static_cast<unsigned char>(png[at + 1]) << 16) |
           (static_cast<unsigned char>(png[at + 2]) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  EXPECT_EQ(be32(16), 1200);  // IHDR width
  EXPECT_EQ(be32(20), 700);   // IHDR height
  EXPECT_GT(png.size(), 8 * blank.size()) << "page " << png.size() << " B, blank " << blank.size();
  if (const char* keep = std::getenv("ORDERWATCH_KEEP_SCREENSHOT")) {
    std::ofstream(keep, std::ios::binary) << png;
  }
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

std::string bcrypt(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2y$", 5, nullptr, 0, salt, sizeof salt), nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
  EXPECT_NE(hash, nullptr);
  return hash ? hash : "";
}

// A self-signed certificate for 127.0.0.1 made with the openssl CLI.
void make_certificate(const TempDir& dir, const std::string& name) {
  const auto r = run(std::string(OPENSSL_BIN) +
                     " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                     " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                     shell_quote(dir.path() + "/" + name + ".key") + " -out " +
                     shell_quote(dir.path() + "/" + name + ".crt"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(DrilldownServe, TlsAndBasicAuthGuardEveryEndpoint) {
  make_certificate(dir_, "server");
  const std::string web =
      dir_.write("web.yml",
                 "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                 "basic_auth_users:\n  alice: " +
                     bcrypt("wonder land") + "\n");
  tls_ = auth_ = true;
  start({"--web.config.file", web});
  {
    NatsPublisher pub(nats_->url());
    pub.event("secret-1", "Placed", unix_now_ms() - 60 * kMin, "eu");
    pub.flush();
  }
  const std::string base = "https://127.0.0.1:" + std::to_string(port_);
  const std::string ca = "--cacert " + shell_quote(dir_.path() + "/server.crt") + " ";
  const std::string right = "-u " + shell_quote("alice:wonder land") + " ";
  for (const char* path :
       {"/metrics", "/api/v1/overdue", "/api/v1/orders/secret-1", "/", "/healthz", "/nope"}) {
    EXPECT_EQ(curl(dir_, ca + shell_quote(base + path)).status, 401) << path;
    EXPECT_EQ(curl(dir_, ca + "-u alice:wrong " + shell_quote(base + path)).status, 401) << path;
    EXPECT_EQ(curl(dir_, ca + "-u mallory:wonder " + shell_quote(base + path)).status, 401) << path;
  }
  auto unauthorized = curl(dir_, ca + "-i " + shell_quote(base + "/metrics"));
  EXPECT_NE(unauthorized.body.find("WWW-Authenticate: Basic realm=\"orderwatch\""),
            std::string::npos)
      << unauthorized.body;
  EXPECT_EQ(curl(dir_, ca + right + shell_quote(base + "/metrics")).status, 200);
  ASSERT_TRUE(wait_until(
      [&] {
        auto r = curl(dir_, ca + right + shell_quote(base + "/api/v1/orders/secret-1"));
        return r.status == 200 && r.body.find("\"secret-1\"") != std::string::npos;
      },
      seconds(15)));
  EXPECT_EQ(curl(dir_, ca + right + shell_quote(base + "/api/v1/overdue?limit=0")).status, 400);
  // Without TLS, or with a CA that did not sign the certificate: no answer.
  EXPECT_EQ(
      curl(dir_, right + shell_quote("http://127.0.0.1:" + std::to_string(port_) + "/metrics"))
          .status,
      0);
  make_certificate(dir_, "other");
  EXPECT_EQ(curl(dir_, "--cacert " + shell_quote(dir_.path() + "/other.crt") + " " + right +
                           shell_quote(base + "/metrics"))
                .status,
            0);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(DrilldownServe, DisabledApiServesNoOrders) {
  start({"--web.disable-api"});
  {
    NatsPublisher pub(nats_->url());
    pub.event("hidden-1", "Placed", unix_now_ms() - 60 * kMin, "eu");
    pub.flush();
  }
  for (const char* path : {"/api/v1/overdue", "/api/v1/orders/hidden-1", "/api/v1/summary"}) {
    EXPECT_EQ(http_get(port_, path).status, 404) << path;
  }
  auto index = http_get(port_, "/?status=Placed");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body.find("hidden-1"), std::string::npos);
  EXPECT_NE(index.body.find("disabled"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/metrics").status, 200);
  EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log();
}

TEST_F(DrilldownServe, BadWebConfigsAreRefusedAtStartWithAClearError) {
  const std::string config = dir_.write("sla.yaml", kConfig);
  auto serve = [&](const std::string& web) {
    return run(shell_quote(orderwatch_bin()) + " serve --config " + shell_quote(config) +
               " --nats-url " + shell_quote(nats_->url()) +
               " --listen 127.0.0.1:0 --web.config.file " + shell_quote(web));
  };
  auto r = serve(dir_.write("bad.yml", "basic_auth_users: {alice: hunter2}\n"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("basic_auth_users.alice: expected a bcrypt hash"), std::string::npos)
      << r.output;
  // A key that does not belong to the certificate: TLS cannot start.
  make_certificate(dir_, "a");
  make_certificate(dir_, "b");
  r = serve(dir_.write("mismatch.yml", "tls_server_config: {cert_file: a.crt, key_file: b.key}\n"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("does not match the certificate"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace orderwatch::testing

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
