// Unit tests of the prometheus-operator objects and the runbooks: byte stability, the
// PrometheusRule's groups against the rules file, the AlertmanagerConfig's secret references,
// and what the runbooks link to, narrow to and escape.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/runbooks.h"
#include "orderwatch/sla/loader.h"
#include "test_support.h"

namespace orderwatch::testing {
namespace {

std::string render(void (*renderer)(const sla::Config&, std::ostream&), const sla::Config& config) {
  std::ostringstream out;
  renderer(config, out);
  return out.str();
}

TEST(Stability, OperatorObjectsAndRunbooksAreByteStable) {
  namespace k8s = rules::kubernetes;
  using InNamespace = void (*)(const sla::Config&, const std::string&, std::ostream&);
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    const auto copy =
        sla::load_string(read_text(example_path(name)), "elsewhere/" + name + ".yaml");
    for (InNamespace renderer :
         {&k8s::render_prometheus_rule, &k8s::render_pod_monitor, &k8s::render_serve_workload,
          &alertmanager::render_alertmanager_config_object,
          &grafana::render_dashboard_config_map}) {
      std::ostringstream a, b;
      renderer(config, "ns", a);
      renderer(copy, "ns", b);
      EXPECT_FALSE(a.str().empty());
      EXPECT_EQ(a.str(), b.str()) << name;
    }
    for (const auto& alert : rules::runbook_alerts(config)) {
      std::ostringstream a, b;
      rules::render_runbook_markdown(config, alert, a);
      rules::render_runbook_markdown(copy, alert, b);
      EXPECT_EQ(a.str(), b.str()) << alert;
    }
  }
}

// ---- the operator format ------------------------------------------------------------------------

TEST(Operator, PrometheusRuleHoldsTheRulesFileGroupsWithTheNamespaceLabel) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    std::ostringstream object;
    rules::kubernetes::render_prometheus_rule(config, "team-x", object);
    YAML::Node groups = YAML::Load(object.str())["spec"]["groups"];
    int alerts = 0;
    for (auto group : groups) {
      for (auto rule : group["rules"]) {
        if (!rule["alert"]) continue;
        EXPECT_EQ(rule["labels"]["namespace"].as<std::string>(), "team-x");
        rule["labels"].remove("namespace");
        ++alerts;
      }
    }
    EXPECT_GE(alerts, 10) << name;
    const YAML::Node file = YAML::Load(render(rules::render_rules, config))["groups"];
    EXPECT_EQ(YAML::Dump(groups), YAML::Dump(file)) << name;
  }
}

TEST(Operator, AlertmanagerConfigReferencesEverySecretFileAndNoSecret) {
  const auto config = sla::load_file(example_path("sla").string());
  std::ostringstream object;
  alertmanager::render_alertmanager_config_object(config, "monitoring", object);
  const YAML::Node doc = YAML::Load(object.str());
  std::set<std::string> keys;
  for (const auto& receiver : doc["spec"]["receivers"]) {
    for (const auto& kv : receiver) {
      if (!kv.second.IsSequence()) continue;
      for (const auto& settings : kv.second) {
        for (const auto& field : settings) {
          if (!field.second.IsMap()) continue;
          EXPECT_EQ(field.second["name"].as<std::string>(), "orderwatch-checkout-receivers");
          keys.insert(field.second["key"].as<std::string>());
        }
      }
    }
  }
  EXPECT_EQ(keys, (std::set<std::string>{"opsgenie-payments", "pd-logistics", "pd-payments",
                                         "slack-checkout-url", "slack-payments-url"}));
  EXPECT_NE(object.str().find("--from-file=pd-payments=examples/secrets/pd-payments"),
            std::string::npos);
  EXPECT_EQ(
      doc["spec"]["inhibitRules"].size(),
      YAML::Load(render(alertmanager::render_alertmanager_config, config))["inhibit_rules"].size());
}

// ---- runbooks ---------------------------------------------------------------------------------

// The CRD has no time zone for time intervals: a calendar in UTC gets its intervals and the
// routes naming them (as alertmanager.yml), one in another zone none, and the header says so.
TEST(Operator, AlertmanagerConfigRoutesOnlyUtcCalendarsByTheirHours) {
  const auto config = sla::load_file(
      (source_dir() / "tests" / "schema" / "fixtures" / "calendar-utc.yaml").string());
  std::ostringstream text;
  alertmanager::render_alertmanager_config_object(config, "ns", text);
  const YAML::Node spec = YAML::Load(text.str())["spec"];
  const YAML::Node intervals = spec["muteTimeIntervals"];
  ASSERT_EQ(intervals.size(), 2u);  // desk-open, desk-holidays; oncall pages when closed
  EXPECT_EQ(intervals[0]["name"].as<std::string>(), "desk-open");
  const YAML::Node open = intervals[0]["timeIntervals"];
  EXPECT_EQ(open[0]["weekdays"][0].as<std::string>(), "monday:thursday");
  EXPECT_EQ(open[0]["times"][1]["startTime"].as<std::string>(), "13:00");
  EXPECT_EQ(open[1]["times"][0]["endTime"].as<std::string>(), "24:00");
  EXPECT_FALSE(open[0]["location"]);
  const YAML::Node holidays = intervals[1]["timeIntervals"];
  EXPECT_EQ(holidays[0]["daysOfMonth"][0]["start"].as<int>(), 24);
  EXPECT_EQ(holidays[0]["daysOfMonth"][0]["end"].as<int>(), 25);
  EXPECT_EQ(holidays[0]["months"][0].as<std::string>(), "12");
  EXPECT_EQ(holidays[2]["years"][0].as<std::string>(), "2027");
  const YAML::Node desk = spec["route"]["routes"][0];
  EXPECT_EQ(desk["matchers"][0]["name"].as<std::string>(), "calendar");
  EXPECT_EQ(desk["matchers"][0]["value"].as<std::string>(), "desk");
  for (const YAML::Node& node : {desk, desk["routes"][0]}) {
    EXPECT_EQ(node["activeTimeIntervals"][0].as<std::string>(), "desk-open");
    EXPECT_EQ(node["muteTimeIntervals"][0].as<std::string>(), "desk-holidays");
  }
  EXPECT_EQ(text.str().find("notify at any hour"), std::string::npos);

  const auto berlin = sla::load_file(example_path("calendar").string());
  std::ostringstream crd;
  alertmanager::render_alertmanager_config_object(berlin, "ns", crd);
  EXPECT_FALSE(YAML::Load(crd.str())["spec"]["muteTimeIntervals"]);
  EXPECT_EQ(crd.str().find("name: calendar"), std::string::npos);  // no calendar route
  EXPECT_NE(crd.str().find("# Calendar office (Europe/Berlin): its alerts notify at any hour here"),
            std::string::npos)
      << crd.str();
}

TEST(Runbooks, EveryAlertLinksToTheExportersRunbookWhenNoneIsConfigured) {
  auto config = sla::load_file(example_path("sla").string());
  config.alerting.runbook_url.clear();
  config.alerting.exporter_url = "http://ow.example:9464/";
  const YAML::Node doc = YAML::Load(render(rules::render_rules, config));
  int alerts = 0;
  for (const auto& group : doc["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (!rule["alert"]) continue;
      ++alerts;
      const std::string name = rule["alert"].as<std::string>();
      const std::string url = rule["annotations"]["runbook_url"].as<std::string>();
      ASSERT_TRUE(url.starts_with("http://ow.example:9464/runbooks/" + name)) << url;
      const std::string query = url.substr(url.find(name) + name.size());
      std::string status, severity;
      if (rule["labels"]["status"]) {
        status = rule["labels"]["status"].as<std::string>();
        severity = rule["labels"]["severity"].as<std::string>();
        EXPECT_EQ(query, "?status=" + status + "&severity=" + severity);
      }
      const auto page = rules::render_runbook_html(config, name, status, severity);
      ASSERT_TRUE(page.has_value()) << url;
      if (!status.empty()) {
        EXPECT_NE(page->find(status + ", " + severity + " tier"), std::string::npos) << *page;
      }
    }
  }
  // 7 status tiers, 4 milestone tiers, 2 burn rates, 12 on the exporter (core NATS: one
  // ExporterBlind rule, not_connected; ExporterBehind's backlog, no_position and not_connected)
  EXPECT_EQ(alerts, 25);
  config.alerting.exporter_url.clear();
  EXPECT_EQ(render(rules::render_rules, config).find("runbook_url"), std::string::npos);
}

TEST(Runbooks, PagesNarrowToOneStatusAndTierAndRefuseWhatTheRulesLack) {
  const auto config = sla::load_file(example_path("sla").string());
  const auto names = rules::alert_names(config);
  const auto page = rules::render_runbook_html(config, names.overdue, "Authorized", "page");
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("Authorized, page tier"), std::string::npos);
  EXPECT_EQ(page->find("Authorized, warning tier"), std::string::npos);
  EXPECT_EQ(page->find("Placed, warning tier"), std::string::npos);
  EXPECT_NE(page->find("href=\"/?status=Authorized&amp;severity=page\""), std::string::npos);
  const auto all = rules::render_runbook_html(config, names.overdue);
  ASSERT_TRUE(all);
  EXPECT_NE(all->find("Shipped, page tier"), std::string::npos);
  EXPECT_FALSE(rules::render_runbook_html(config, names.overdue, "Delivered"));
  EXPECT_FALSE(rules::render_runbook_html(config, names.overdue, "Placed", "page"));
  EXPECT_FALSE(rules::render_runbook_html(config, "NoSuchAlert"));
  EXPECT_TRUE(rules::render_runbook_html(config, names.exporter_behind));
  EXPECT_TRUE(rules::render_runbook_html(config, names.exporter_blind));
  EXPECT_EQ(rules::runbook_alerts(config).size(), 13u);  // with the milestones' and blind alerts
  std::ostringstream index;
  rules::render_runbook_index_markdown(config, index);
  for (const auto& alert : rules::runbook_alerts(config))
    EXPECT_NE(index.str().find("(" + alert + ".md)"), std::string::npos) << alert;
}

TEST(Runbooks, TextFromTheSlaFileIsEscaped) {
  auto config = sla::load_file(example_path("sla").string());
  config.statuses[0].tiers[0].team = "<script>alert('x')</script> & *bold* [x](y)";
  config.alerting.dashboard_url = "http://g.example/d?a=\"><b>";
  const auto names = rules::alert_names(config);
  const auto html = *rules::render_runbook_html(config, names.overdue, "Placed");
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; *bold*"),
            std::string::npos);
  EXPECT_EQ(html.find("\"><b>"), std::string::npos);
  std::ostringstream md;
  rules::render_runbook_markdown(config, names.overdue, md);
  EXPECT_NE(md.str().find("\\<script\\>alert('x')\\</script\\> \\& \\*bold\\* \\[x\\](y)"),
            std::string::npos)
      << md.str();
  EXPECT_NE(md.str().find("(<http://g.example/d?a=\"%3E%3Cb%3E&var-status=Placed>)"),
            std::string::npos)
      << md.str();
}

}  // namespace
}  // namespace orderwatch::testing
