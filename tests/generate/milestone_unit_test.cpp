// Unit tests of what `orderwatch generate` renders for milestones (issue 25), from
// tests/generate/configs/milestones.yaml: the overdue alerts per milestone and tier, the share
// met over the deadline tier, the inhibitions and routing, the dashboard rows and their ids, and
// the runbook pages. A config without milestones renders as before (the goldens hold that).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
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

sla::Config milestones_config() { return sla::load_file(example_path("milestones").string()); }

// The milestone alert rules of the rules file, by "milestone/severity".
std::map<std::string, YAML::Node> milestone_alerts(const sla::Config& config) {
  std::map<std::string, YAML::Node> alerts;
  const YAML::Node doc = YAML::Load(render(rules::render_rules, config));
  for (const auto& group : doc["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (!rule["alert"] || rule["alert"].as<std::string>() != "ShopMilestoneOverdue") continue;
      EXPECT_EQ(group["name"].as<std::string>(), "shop.milestones");
      alerts[rule["labels"]["milestone"].as<std::string>() + "/" +
             rule["labels"]["severity"].as<std::string>()] = YAML::Node(rule);
    }
  }
  return alerts;
}

TEST(Milestones, OneOverdueAlertPerMilestoneAndTierWithItsLabelsAndLinks) {
  const auto config = milestones_config();
  EXPECT_EQ(rules::alert_names(config).milestone_overdue, "ShopMilestoneOverdue");
  const auto alerts = milestone_alerts(config);
  ASSERT_EQ(alerts.size(), 6u);
  const auto& warning = alerts.at("shipped_in_24h/warning");
  EXPECT_EQ(warning["expr"].as<std::string>(),
            "sum by (milestone, severity) (max by (partition, milestone, severity, region) "
            "(order_milestone_overdue{job=\"orderwatch-shop\",milestone=\"shipped_in_24h\","
            "severity=\"warning\"})) >= 1");
  EXPECT_EQ(warning["for"].as<std::string>(), "2m");
  EXPECT_EQ(warning["labels"]["team"].as<std::string>(), "logistics");
  EXPECT_EQ(alerts.at("shipped_in_24h/page")["labels"]["team"].as<std::string>(), "operations");
  EXPECT_FALSE(warning["labels"]["calendar"]);
  EXPECT_EQ(alerts.at("reviewed_in_4h/page")["labels"]["calendar"].as<std::string>(), "office");
  const auto description = [&](const std::string& key) {
    return alerts.at(key)["annotations"]["description"].as<std::string>();
  };
  EXPECT_NE(description("shipped_in_24h/warning")
                .find("past 1d of counted time in milestone shipped_in_24h (clock from Placed; "
                      "time in OnHold not counted)"),
            std::string::npos);
  EXPECT_NE(description("delivery_promise/page").find("past their promised deadline (promisedBy)"),
            std::string::npos);
  EXPECT_NE(
      description("delivery_promise/warning")
          .find("at risk in milestone delivery_promise: within 6h of their promised deadline"),
      std::string::npos);
  EXPECT_NE(description("reviewed_in_4h/warning").find("past 4h of open time (calendar office)"),
            std::string::npos);
  const auto& links = alerts.at("delivery_promise/warning")["annotations"];
  EXPECT_EQ(
      links["drilldown_url"].as<std::string>(),
      "http://orderwatch-shop.monitoring.svc:9464/?milestone=delivery_promise&severity=warning");
  EXPECT_EQ(links["runbook_url"].as<std::string>(),
            "http://orderwatch-shop.monitoring.svc:9464/runbooks/ShopMilestoneOverdue"
            "?milestone=delivery_promise&severity=warning");
  EXPECT_EQ(links["dashboard_url"].as<std::string>(), "http://grafana.example/d/orderwatch-shop");
}

// The share met counts misses of the deadline tier: an sla milestone's first tier, the
// deadline itself (the last tier) of a deadline_field one, never its "at risk" warning.
TEST(Milestones, ShareMetRecordsCountMissesOfTheDeadlineTierAndQuantilesOfCountedTime) {
  const auto config = milestones_config();
  const std::string record = rules::milestone_met_ratio_record(config);
  EXPECT_EQ(record, "job_milestone:order_milestone_met:ratio_rate5m");
  EXPECT_EQ(rules::milestone_quantile_record(config, "p95"),
            "job_milestone:order_milestone_duration_seconds:p95_rate5m");
  std::map<std::string, std::string> exprs;
  const YAML::Node doc = YAML::Load(render(rules::render_rules, config));
  for (const auto& rule : doc["groups"][0]["rules"]) {
    if (rule["record"].as<std::string>() == record)
      exprs[rule["labels"]["milestone"].as<std::string>()] = rule["expr"].as<std::string>();
  }
  ASSERT_EQ(exprs.size(), 3u);
  EXPECT_NE(exprs["delivery_promise"].find("milestone=\"delivery_promise\",severity=\"page\""),
            std::string::npos);
  EXPECT_NE(exprs["shipped_in_24h"].find("milestone=\"shipped_in_24h\",severity=\"warning\""),
            std::string::npos);
  EXPECT_EQ(exprs["shipped_in_24h"].find("severity=\"page\""), std::string::npos);
}

TEST(Milestones, HigherTiersInhibitLowerOnesOfTheSameMilestoneAndExporterDownSilencesThem) {
  const auto config = milestones_config();
  const YAML::Node doc = YAML::Load(render(alertmanager::render_alertmanager_config, config));
  bool tiers = false;
  bool exporter_down = false;
  for (const auto& rule : doc["inhibit_rules"]) {
    const std::string source = YAML::Dump(rule["source_matchers"]);
    const std::string target = YAML::Dump(rule["target_matchers"]);
    if (source.find("ShopMilestoneOverdue") != std::string::npos) {
      EXPECT_NE(source.find("severity=\"page\""), std::string::npos) << source;
      EXPECT_NE(target.find("severity=\"warning\""), std::string::npos) << target;
      EXPECT_EQ(YAML::Dump(rule["equal"]), "[service, milestone]");
      tiers = true;
    }
    if (source.find("ShopExporterDown") != std::string::npos)
      exporter_down = target.find("ShopMilestoneOverdue") != std::string::npos;
  }
  EXPECT_TRUE(tiers);
  EXPECT_TRUE(exporter_down);
  EXPECT_EQ(YAML::Dump(doc["route"]["group_by"]), "[alertname, service, status, milestone]");
  // The milestone counted in calendar office routes by its open hours, as calendar statuses do.
  EXPECT_EQ(doc["time_intervals"][0]["name"].as<std::string>(), "office-open");
  // Without milestones nothing of this appears.
  auto plain = config;
  plain.milestones.clear();
  const auto text = render(alertmanager::render_alertmanager_config, plain);
  EXPECT_EQ(text.find("milestone", text.find("route:")), std::string::npos) << text;
  EXPECT_EQ(text.find("office-open"), std::string::npos) << text;
}

TEST(Milestones, DashboardRowsTakeIdsOfTheirOwnAndLeaveEveryOtherPanelAsItWas) {
  const auto config = milestones_config();
  auto plain = config;
  plain.milestones.clear();
  const auto with = nlohmann::json::parse(render(grafana::render_dashboard, config));
  const auto without = nlohmann::json::parse(render(grafana::render_dashboard, plain));
  std::map<int, std::string> before;
  for (const auto& panel : without["panels"]) before[panel["id"].get<int>()] = panel["title"];
  std::map<std::string, nlohmann::json> milestone_panels;
  for (const auto& panel : with["panels"]) {
    const int id = panel["id"].get<int>();
    if (id >= 1000) {
      milestone_panels[panel["title"]] = panel;
      continue;
    }
    EXPECT_EQ(before.at(id), panel["title"]) << id;
    before.erase(id);
  }
  EXPECT_TRUE(before.empty());
  // A row and 4 panels per milestone, and calendar office's state (no status counts in it).
  ASSERT_EQ(milestone_panels.size(), 16u);
  EXPECT_EQ(milestone_panels.at("Calendar office")["id"], 1025);
  EXPECT_EQ(
      milestone_panels.at("Milestone shipped_in_24h (SLA 1d, time in OnHold not counted)")["id"],
      1000);
  const auto& counted = milestone_panels.at("Counted time in shipped_in_24h");
  const auto& steps = counted["fieldConfig"]["defaults"]["thresholds"]["steps"];
  ASSERT_EQ(steps.size(), 3u);  // base, 1d, 2d
  EXPECT_EQ(steps[1]["value"], 86400);
  EXPECT_EQ(steps[2]["value"], 172800);
  EXPECT_FALSE(
      milestone_panels.at("Counted time in delivery_promise")["fieldConfig"]["defaults"].contains(
          "thresholds"));
  EXPECT_EQ(milestone_panels.at("Orders in delivery_promise")["targets"].size(), 3u);
  EXPECT_EQ(milestone_panels.at("Orders in shipped_in_24h")["targets"].size(), 2u);
  EXPECT_EQ(milestone_panels.at("Share met: delivery_promise")["targets"][0]["expr"],
            "job_milestone:order_milestone_met:ratio_rate5m{job=\"orderwatch-shop\","
            "milestone=\"delivery_promise\"}");
}

TEST(Milestones, RunbookPagesNarrowToOneMilestoneAndTier) {
  const auto config = milestones_config();
  const std::string alert = rules::alert_names(config).milestone_overdue;
  const auto page = rules::render_runbook_html(config, alert, "", "page", "delivery_promise");
  ASSERT_TRUE(page);
  EXPECT_NE(page->find("delivery_promise, page tier: at the deadline"), std::string::npos) << *page;
  EXPECT_EQ(page->find("delivery_promise, warning tier"), std::string::npos);
  EXPECT_EQ(page->find("shipped_in_24h, page tier"), std::string::npos);
  EXPECT_NE(page->find("href=\"/?milestone=delivery_promise&amp;severity=page\""),
            std::string::npos);
  EXPECT_NE(page->find("read from the event field promisedBy"), std::string::npos);
  const auto all = rules::render_runbook_html(config, alert);
  ASSERT_TRUE(all);
  EXPECT_NE(all->find("reviewed_in_4h, page tier: after 8h of open time"), std::string::npos);
  EXPECT_NE(all->find("calendar office (Europe/Berlin"), std::string::npos);
  EXPECT_FALSE(rules::render_runbook_html(config, alert, "", "", "no_such_milestone"));
  EXPECT_FALSE(rules::render_runbook_html(config, alert, "Placed"));  // no status on these
  EXPECT_EQ(rules::milestone_runbook_path(alert, "shipped_in_24h", "page"),
            "/runbooks/ShopMilestoneOverdue?milestone=shipped_in_24h&severity=page");
}

}  // namespace
}  // namespace orderwatch::testing
