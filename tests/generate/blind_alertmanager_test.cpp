// Integration test: the real Alertmanager (Debian's) with the alertmanager.yml `orderwatch
// generate` writes. A blind exporter silences the order alerts of its service, as an exporter
// that is down does; a NATS disconnect pages once, as NatsDisconnected, silencing the blind
// alert of the same instance whose cause is not_connected and no other.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kSla = R"(service: blind_am
nats: {subject: a, jetstream: {stream: S, durable: d}}
statuses:
  - {name: Placed, sla: 1h}
  - {name: Done, terminal: true}
alerting:
  default_receiver: hook
  receivers:
    - {name: hook, type: webhook, url: "http://127.0.0.1:1/hook"}
)";

json alert(const std::string& name, const std::string& instance, const std::string& cause) {
  json labels = {{"alertname", name}, {"service", "blind_am"}, {"severity", "page"}};
  if (!instance.empty()) labels["instance"] = instance;
  if (!cause.empty()) labels["cause"] = cause;
  if (name == "BlindAmOrdersOverdue") labels["status"] = "Placed";
  return {{"labels", labels}};
}

// The state ("active", "suppressed") of each alert, keyed "alertname/instance/cause".
std::map<std::string, std::string> states(int port) {
  std::map<std::string, std::string> seen;
  const auto alerts = json::parse(http_get(port, "/api/v2/alerts").body, nullptr, false);
  if (!alerts.is_array()) return seen;
  for (const auto& a : alerts) {
    const auto& labels = a["labels"];
    seen[labels.value("alertname", "") + "/" + labels.value("instance", "") + "/" +
         labels.value("cause", "")] = a["status"].value("state", "");
  }
  return seen;
}

TEST(BlindInhibition, BlindSilencesTheOrderAlertsAndADisconnectPagesOnceInAlertmanager) {
  TempDir dir;
  const std::string sla = dir.write("sla.yaml", kSla);
  const auto generated = run(shell_quote(ORDERWATCH_BIN) + " generate --config " +
                             shell_quote(sla) + " --out " + shell_quote(dir.path() + "/out"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  const int port = free_port();
  Process am(
      {alertmanager_bin(), "--config.file=" + dir.path() + "/out/alertmanager/alertmanager.yml",
       "--storage.path=" + dir.path() + "/am",
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
      dir.path() + "/alertmanager.log");
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/-/ready").status == 200; }, seconds(30)))
      << am.log();

  auto posted = http_request(
      port, "POST", "/api/v2/alerts",
      json::array({alert("BlindAmOrdersOverdue", "", ""), alert("BlindAmNoOrderEvents", "", ""),
                   alert("BlindAmExporterBehind", "a", "stream_missing")})
          .dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::map<std::string, std::string> seeing = {
      {"BlindAmOrdersOverdue//", "active"},
      {"BlindAmNoOrderEvents//", "active"},
      {"BlindAmExporterBehind/a/stream_missing", "active"}};
  EXPECT_TRUE(wait_until([&] { return states(port) == seeing; }, seconds(30)))
      << json(states(port)).dump() << "\n"
      << am.log();

  posted = http_request(port, "POST", "/api/v2/alerts",
                        json::array({alert("BlindAmExporterBlind", "a", "stream_missing"),
                                     alert("BlindAmNatsDisconnected", "b", ""),
                                     alert("BlindAmExporterBlind", "b", "not_connected"),
                                     alert("BlindAmExporterBlind", "c", "not_connected")})
                            .dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::map<std::string, std::string> blind = {
      {"BlindAmOrdersOverdue//", "suppressed"},
      {"BlindAmNoOrderEvents//", "suppressed"},
      {"BlindAmExporterBehind/a/stream_missing", "suppressed"},
      {"BlindAmExporterBlind/a/stream_missing", "active"},
      {"BlindAmNatsDisconnected/b/", "active"},
      {"BlindAmExporterBlind/b/not_connected", "suppressed"},
      {"BlindAmExporterBlind/c/not_connected", "active"}};
  EXPECT_TRUE(wait_until([&] { return states(port) == blind; }, seconds(30)))
      << json(states(port)).dump() << "\n"
      << am.log();
}

}  // namespace
}  // namespace orderwatch::testing
