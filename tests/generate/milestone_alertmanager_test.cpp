// Integration test: the real Alertmanager (Debian's) with the alertmanager.yml `orderwatch
// generate` writes for milestones. A page-tier milestone alert silences the warning tier of the
// same milestone and no other milestone's; an exporter-down alert silences every milestone
// alert, as it does the status alerts.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kSla = R"(service: promise_am
nats: {subject: a}
statuses:
  - {name: Placed, sla: 1h}
  - {name: Shipped, sla: 1d}
  - {name: Done, terminal: true}
milestones:
  - {name: shipped_in_24h, from: [Placed], until: [Shipped], sla: 24h,
     escalations: [{after: 48h, severity: page}]}
  - {name: delivery_promise, from: [Placed], until: [Done], deadline_field: promisedBy,
     warn_before: 6h, severity: page}
alerting:
  default_receiver: hook
  receivers:
    - {name: hook, type: webhook, url: "http://127.0.0.1:1/hook"}
)";

json alert(const std::string& name, const std::string& milestone, const std::string& severity) {
  json labels = {{"alertname", name}, {"service", "promise_am"}, {"severity", severity}};
  if (!milestone.empty()) labels["milestone"] = milestone;
  return {{"labels", labels}};
}

// The state ("active", "suppressed") of each alert, keyed "alertname/milestone/severity".
std::map<std::string, std::string> states(int port) {
  std::map<std::string, std::string> seen;
  const auto alerts = json::parse(http_get(port, "/api/v2/alerts").body, nullptr, false);
  if (!alerts.is_array()) return seen;
  for (const auto& a : alerts) {
    const auto& labels = a["labels"];
    seen[labels.value("alertname", "") + "/" + labels.value("milestone", "") + "/" +
         labels.value("severity", "")] = a["status"].value("state", "");
  }
  return seen;
}

TEST(MilestoneInhibition, HigherTiersAndExporterDownSilenceMilestoneAlertsInAlertmanager) {
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

  const std::string milestone = "PromiseAmMilestoneOverdue";
  auto posted = http_request(port, "POST", "/api/v2/alerts",
                             json::array({alert(milestone, "shipped_in_24h", "page"),
                                          alert(milestone, "shipped_in_24h", "warning"),
                                          alert(milestone, "delivery_promise", "warning")})
                                 .dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::map<std::string, std::string> tiers = {
      {milestone + "/shipped_in_24h/page", "active"},
      {milestone + "/shipped_in_24h/warning", "suppressed"},
      {milestone + "/delivery_promise/warning", "active"}};
  EXPECT_TRUE(wait_until([&] { return states(port) == tiers; }, seconds(30)))
      << json(states(port)).dump() << "\n"
      << am.log();

  posted = http_request(port, "POST", "/api/v2/alerts",
                        json::array({alert("PromiseAmExporterDown", "", "page")}).dump());
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::map<std::string, std::string> down = {
      {"PromiseAmExporterDown//page", "active"},
      {milestone + "/shipped_in_24h/page", "suppressed"},
      {milestone + "/shipped_in_24h/warning", "suppressed"},
      {milestone + "/delivery_promise/warning", "suppressed"}};
  EXPECT_TRUE(wait_until([&] { return states(port) == down; }, seconds(30)))
      << json(states(port)).dump() << "\n"
      << am.log();
}

}  // namespace
}  // namespace orderwatch::testing
