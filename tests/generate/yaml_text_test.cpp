// Unit tests: whatever text the SLA file holds comes out of every YAML renderer as valid YAML
// that reads back as the very same string (quotes, colons, #, line breaks, control
// characters, unicode, YAML indicators, Go templates), and never as a number, boolean or null.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"
#include "orderwatch/sla/loader.h"
#include "test_support.h"

namespace orderwatch::testing {
namespace {

using rules::yaml::Block;
using rules::yaml::Text;

const std::vector<std::string>& hostile() {
  static const std::vector<std::string> strings = {
      "it's \"quoted\" \\ back",
      "key: value # not a comment",
      "#starts like a comment",
      "*alias",
      "&anchor",
      "!tag",
      "%directive",
      "@at `tick",
      "- looks like an item",
      "? looks like a key",
      "| block",
      "> folded",
      "[flow, seq]",
      "{flow: map}",
      "{{ $labels.status }} and {{",
      "line one\nline two",
      "trailing line break\n",
      "ünïcødé ✓ 订单 🚀",
      "true",
      "no",
      "123",
      "0x1F",
      "1e3",
      "null",
      "~",
      "",
      " padded ",
      "tab\there",
      "carriage\rreturn",
      "bell\x07 delete\x7f",
      "nel\u0085 line separator\u2028 paragraph separator\u2029 bom\ufeff",
      "--- document",
      "... end",
  };
  return strings;
}

// What the Go YAML parsers of Prometheus and Alertmanager refuse or read as a line break:
// raw control characters (a line break only where YAML structure puts one), NEL, LS, PS.
bool printable_yaml(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return false;
    if (text.compare(i, 2, "\u0085") == 0 || text.compare(i, 3, "\u2028") == 0 ||
        text.compare(i, 3, "\u2029") == 0)
      return false;
  }
  return true;
}

void collect_scalars(const YAML::Node& node, std::multiset<std::string>& out) {
  if (node.IsScalar()) out.insert(node.Scalar());
  if (node.IsSequence()) {
    for (const auto& item : node) collect_scalars(item, out);
  }
  if (node.IsMap()) {
    for (const auto& entry : node) collect_scalars(entry.second, out);
  }
}

// As a renderer writes it: with the final line break.
std::string document(const YAML::Emitter& out) {
  std::ostringstream text;
  rules::yaml::write(out, text);
  return text.str();
}

TEST(YamlText, EveryStringReadsBackAsWrittenAndQuoted) {
  for (const auto& text : hostile()) {
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "value" << YAML::Value << Text{text};
    out << YAML::Key << "list" << YAML::Value << YAML::BeginSeq << Text{text} << YAML::EndSeq;
    out << YAML::EndMap;
    const std::string doc = document(out);
    EXPECT_TRUE(printable_yaml(doc)) << doc;
    const YAML::Node node = YAML::Load(doc);
    EXPECT_EQ(node["value"].as<std::string>(), text) << doc;
    EXPECT_EQ(node["list"][0].as<std::string>(), text) << doc;
    // "!" is the tag of a quoted scalar: never resolved to a boolean, number or null.
    EXPECT_EQ(node["value"].Tag(), "!") << doc;
  }
}

TEST(YamlText, BlocksKeepTheirLinesOrFallBackToQuotedText) {
  const std::vector<std::string> expr = {"(", "  a > 1", "  and", "  b", ")"};
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "expr" << YAML::Value << Block{expr} << YAML::EndMap;
  const std::string doc = document(out);
  EXPECT_EQ(doc, "expr: |\n  (\n    a > 1\n    and\n    b\n  )\n");
  EXPECT_EQ(YAML::Load(doc)["expr"].as<std::string>(), "(\n  a > 1\n  and\n  b\n)\n");
  EXPECT_EQ(rules::yaml::block_value(expr), "(\n  a > 1\n  and\n  b\n)\n");

  for (const std::vector<std::string>& lines : std::vector<std::vector<std::string>>{
           {"  leading blank", "x"}, {"a", "carriage\rreturn"}, {"a", ""}, {"one line"}}) {
    YAML::Emitter fallback;
    fallback << YAML::BeginMap << YAML::Key << "expr" << YAML::Value << Block{lines}
             << YAML::EndMap;
    const std::string text = document(fallback);
    EXPECT_TRUE(printable_yaml(text)) << text;
    EXPECT_EQ(YAML::Load(text)["expr"].as<std::string>(), rules::yaml::block_value(lines));
  }
}

TEST(YamlText, CommentsStayComments) {
  YAML::Emitter out;
  rules::yaml::comment(out, "first\nsecond\rstill second \u2028 #3");
  out << YAML::BeginMap << YAML::Key << "items" << YAML::Value << YAML::BeginSeq;
  rules::yaml::comment_before_item(out, "item one: 'x'", true);
  out << "a";
  rules::yaml::comment_before_item(out, "item two\nwith: break", false);
  out << "b" << YAML::EndSeq << YAML::EndMap;
  const std::string doc = document(out);
  EXPECT_TRUE(printable_yaml(doc)) << doc;
  const YAML::Node node = YAML::Load(doc);
  ASSERT_EQ(node.size(), 1u) << doc;
  EXPECT_EQ(node["items"].as<std::vector<std::string>>(), (std::vector<std::string>{"a", "b"}))
      << doc;
}

// The loan example with a different hostile string in every free-text field of the SLA file.
sla::Config hostile_config() {
  auto config = sla::load_file(example_path("loan").string());
  std::size_t next = 0;
  auto take = [&] { return hostile()[next++ % hostile().size()]; };
  config.source_path = "dir/evil\nname #1.yaml";
  config.alerting.default_team = take();
  config.alerting.runbook_url = take();
  config.alerting.dashboard_url = take();
  config.alerting.exporter_url = take();
  config.alerting.job = take();
  config.nats.subject = take();
  config.nats.url = take();
  for (auto& status : config.statuses) {
    for (auto& tier : status.tiers) tier.team = take();
  }
  for (auto& receiver : config.alerting.receivers) {
    const std::string old_name = receiver.name;
    receiver.name = take();
    for (auto& route : config.alerting.routes) {
      if (route.receiver == old_name) route.receiver = receiver.name;
    }
    if (config.alerting.default_receiver == old_name)
      config.alerting.default_receiver = receiver.name;
    for (auto& [key, value] : receiver.settings) {
      if (key != "send_resolved" && key != "require_tls" && key != "max_alerts") value = take();
    }
  }
  for (auto& route : config.alerting.routes) {
    if (!route.team.empty()) route.team = take();
  }
  return config;
}

std::string render(void (*renderer)(const sla::Config&, std::ostream&), const sla::Config& config) {
  std::ostringstream out;
  renderer(config, out);
  return out.str();
}

YAML::Node load_printable(const std::string& doc) {
  EXPECT_TRUE(printable_yaml(doc));
  EXPECT_TRUE(doc.starts_with("# Generated by `orderwatch generate`")) << doc.substr(0, 200);
  return YAML::Load(doc);
}

TEST(YamlText, RulesFileReadsBackTheSlaFileText) {
  const auto config = hostile_config();
  const YAML::Node doc = load_printable(render(rules::render_rules, config));
  const auto names = rules::alert_names(config);
  std::vector<const sla::Tier*> tiers;
  for (const auto& status : config.statuses) {
    for (const auto& tier : status.tiers) tiers.push_back(&tier);
  }
  std::size_t overdue = 0;
  std::size_t meta = 0;
  for (const auto& group : doc["groups"]) {
    for (const auto& rule : group["rules"]) {
      EXPECT_NE(rule["expr"].as<std::string>().find(rules::job_matcher(config)), std::string::npos);
      if (!rule["alert"]) continue;
      const auto labels = rule["labels"];
      const auto annotations = rule["annotations"];
      EXPECT_EQ(labels["service"].as<std::string>(), config.service);
      if (rule["alert"].as<std::string>() == names.overdue) {
        ASSERT_LT(overdue, tiers.size());
        EXPECT_EQ(labels["team"].as<std::string>(), rules::tier_team(config, *tiers[overdue++]));
        EXPECT_EQ(annotations["runbook_url"].as<std::string>(), config.alerting.runbook_url);
        EXPECT_TRUE(annotations["drilldown_url"].as<std::string>().starts_with(
            config.alerting.exporter_url));
      } else {
        ++meta;
        EXPECT_EQ(labels["team"].as<std::string>(), config.alerting.default_team);
        EXPECT_EQ(annotations["runbook_url"].as<std::string>(), config.alerting.runbook_url);
        EXPECT_EQ(annotations["dashboard_url"].as<std::string>(), config.alerting.dashboard_url);
      }
    }
  }
  EXPECT_EQ(overdue, tiers.size());
  // Two burn-rate alerts and 16 rules about the exporter (JetStream: ExporterBlind's three
  // causes, ExporterBehind's backlog, no_position and those three).
  EXPECT_EQ(meta, 18u);
  std::multiset<std::string> scalars;
  collect_scalars(doc, scalars);
  for (const auto& text :
       {config.alerting.default_team, config.alerting.runbook_url, config.alerting.dashboard_url})
    EXPECT_TRUE(scalars.count(text)) << text;
}

TEST(YamlText, RuleTestsReadBackTheSlaFileText) {
  const auto config = hostile_config();
  const YAML::Node doc = load_printable(render(rules::render_rule_tests, config));
  EXPECT_EQ(doc["rule_files"][0].as<std::string>(), rules::rules_file_name(config));
  std::set<std::string> teams;
  std::set<std::string> jobs;
  for (const auto& group : doc["tests"]) {
    for (const auto& series : group["input_series"])
      EXPECT_NE(series["series"].as<std::string>().find(rules::job_matcher(config)),
                std::string::npos);
    for (const auto& test : group["alert_rule_test"]) {
      for (const auto& alert : test["exp_alerts"]) {
        const auto labels = alert["exp_labels"];
        if (labels["team"]) teams.insert(labels["team"].as<std::string>());
        if (labels["job"]) jobs.insert(labels["job"].as<std::string>());
      }
    }
  }
  std::set<std::string> expected_teams = {config.alerting.default_team};
  for (const auto& status : config.statuses) {
    for (const auto& tier : status.tiers) expected_teams.insert(rules::tier_team(config, tier));
  }
  EXPECT_EQ(teams, expected_teams);
  EXPECT_EQ(jobs, std::set<std::string>{config.alerting.job});
}

TEST(YamlText, AlertmanagerConfigReadsBackTheSlaFileText) {
  const auto config = hostile_config();
  const YAML::Node doc = load_printable(render(alertmanager::render_alertmanager_config, config));
  const auto& alerting = config.alerting;
  EXPECT_EQ(doc["route"]["receiver"].as<std::string>(), alerting.default_receiver);
  const auto children = doc["route"]["routes"][0]["routes"];
  ASSERT_EQ(children.size(), alerting.routes.size());
  for (std::size_t i = 0; i < alerting.routes.size(); ++i) {
    EXPECT_EQ(children[i]["receiver"].as<std::string>(), alerting.routes[i].receiver);
    if (!alerting.routes[i].team.empty()) {
      EXPECT_EQ(children[i]["matchers"][0].as<std::string>(),
                "team=" + rules::promql_string(alerting.routes[i].team));
    }
  }
  const auto receivers = doc["receivers"];
  ASSERT_EQ(receivers.size(), alerting.receivers.size());
  for (std::size_t i = 0; i < alerting.receivers.size(); ++i) {
    const auto& receiver = alerting.receivers[i];
    EXPECT_EQ(receivers[i]["name"].as<std::string>(), receiver.name);
    const auto settings = receivers[i][receiver.type + "_configs"][0];
    for (const auto& [key, value] : receiver.settings)
      EXPECT_EQ(settings[key].as<std::string>(), value) << key;
  }
}

TEST(YamlText, AlertmanagerWithoutReceiversDropsAlertsInAValidFile) {
  auto config = hostile_config();
  config.alerting.receivers.clear();
  config.alerting.routes.clear();
  config.alerting.default_receiver.clear();
  const YAML::Node doc = load_printable(render(alertmanager::render_alertmanager_config, config));
  EXPECT_EQ(doc["route"]["receiver"].as<std::string>(), alertmanager::kBlackholeReceiver);
  ASSERT_EQ(doc["receivers"].size(), 1u);
  EXPECT_EQ(doc["receivers"][0]["name"].as<std::string>(), alertmanager::kBlackholeReceiver);
}

TEST(YamlText, GrafanaProvisioningIsValidYaml) {
  const auto config = hostile_config();
  for (auto renderer :
       {&grafana::render_datasource_provisioning, &grafana::render_dashboard_provisioning}) {
    const YAML::Node doc = load_printable(render(renderer, config));
    EXPECT_EQ(doc["apiVersion"].as<int>(), 1);
  }
}

}  // namespace
}  // namespace orderwatch::testing
