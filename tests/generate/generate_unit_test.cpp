// Unit tests of `orderwatch generate`: goldens, byte stability, number formatting, the
// metric contract of the dashboard and rules, and the CLI's --check and error behaviour.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/metrics.h"
#include "test_support.h"

namespace orderwatch::testing {
namespace {

using Renderer = void (*)(const sla::Config&, std::ostream&);

std::string render(Renderer renderer, const sla::Config& config) {
  std::ostringstream out;
  renderer(config, out);
  return out.str();
}

std::string cli(const std::string& args) { return shell_quote(ORDERWATCH_BIN) + " " + args; }

// ---- goldens and stability ------------------------------------------------------------------

TEST(Goldens, EveryExampleHasGoldensThatMatchTheGenerator) {
  const auto names = example_names();
  ASSERT_GE(names.size(), 2u) << "examples/sla.yaml and examples/loan.yaml expected";
  for (const auto& name : names) {
    ASSERT_TRUE(fs::is_directory(golden_dir(name)))
        << "no goldens for " << name << "; run scripts/update-goldens";
    for (const char* format : {"", " --format prometheus-operator --runbooks"}) {
      const auto result =
          run(cli("generate --check --config " + shell_quote(example_path(name).string()) +
                  " --out " + shell_quote(golden_dir(name).string()) + format));
      EXPECT_EQ(result.exit_code, 0) << result.output << "\nrun scripts/update-goldens if intended";
    }
  }
}

TEST(Goldens, RendererOutputMatchesGoldenRulesByteForByte) {
  // Independent of the CLI: the library renderers against the committed files.
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    EXPECT_EQ(render(rules::render_rules, config),
              read_text(golden_dir(name) / "rules" / rules::rules_file_name(config)))
        << name;
    EXPECT_EQ(render(alertmanager::render_alertmanager_config, config),
              read_text(golden_dir(name) / "alertmanager" / "alertmanager.yml"))
        << name;
    EXPECT_EQ(render(grafana::render_dashboard, config),
              read_text(golden_dir(name) / "grafana" / "dashboards" /
                        grafana::dashboard_file_name(config)))
        << name;
  }
}

TEST(Stability, SameConfigSameBytesWhereverTheFileLives) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    // The same text loaded from another path and name must render identically.
    const auto copy =
        sla::load_string(read_text(example_path(name)), "elsewhere/" + name + ".yaml");
    for (Renderer renderer :
         {&rules::render_rules, &rules::render_rule_tests,
          &alertmanager::render_alertmanager_config, &grafana::render_dashboard,
          &grafana::render_datasource_provisioning, &grafana::render_dashboard_provisioning}) {
      const auto first = render(renderer, config);
      EXPECT_FALSE(first.empty());
      EXPECT_EQ(first, render(renderer, config));
      if (renderer == &rules::render_rules ||
          renderer == &alertmanager::render_alertmanager_config) {
        // These name the source file; only its base name, so the path may differ.
        auto renamed = render(renderer, copy);
        EXPECT_EQ(first.substr(first.find('\n')), renamed.substr(renamed.find('\n')));
      } else {
        EXPECT_EQ(first, render(renderer, copy));
      }
    }
  }
}

// ---- numbers ----------------------------------------------------------------------------------

TEST(Numbers, ExactDecimals) {
  using std::chrono::milliseconds;
  EXPECT_EQ(sla::seconds_text(milliseconds(900'000)), "900");
  EXPECT_EQ(sla::seconds_text(milliseconds(500)), "0.5");
  EXPECT_EQ(sla::seconds_text(milliseconds(1250)), "1.25");
  EXPECT_EQ(sla::seconds_text(milliseconds(1001)), "1.001");
  EXPECT_EQ(sla::seconds_text(milliseconds(604'800'000)), "604800");
  EXPECT_EQ(rules::decimal_text(1344, 2), "13.44");
  EXPECT_EQ(rules::decimal_text(5, 3), "0.005");
  EXPECT_EQ(rules::decimal_text(1000, 3), "1");
  EXPECT_EQ(rules::error_budget_text(99.5), "0.005");
  EXPECT_EQ(rules::error_budget_text(99.9), "0.001");
  EXPECT_EQ(rules::error_budget_text(99.95), "0.0005");
  EXPECT_EQ(rules::error_budget_text(99), "0.01");
  EXPECT_EQ(rules::error_budget_text(90), "0.1");
}

TEST(Numbers, BurnRateFactorsFollowTheWorkbookScaledToTheWindow) {
  auto config = sla::load_file(example_path("sla").string());
  config.turnaround.window = std::chrono::hours(24 * 30);
  std::vector<std::string> factors;
  for (const auto& w : rules::burn_windows(config)) factors.push_back(w.factor);
  EXPECT_EQ(factors, (std::vector<std::string>{"14.4", "6", "3", "1"}));
  config.turnaround.window = std::chrono::hours(24 * 28);
  factors.clear();
  for (const auto& w : rules::burn_windows(config)) factors.push_back(w.factor);
  EXPECT_EQ(factors, (std::vector<std::string>{"13.44", "5.6", "2.8", "0.933"}));
}

TEST(Numbers, BucketsAreTheLadderPlusEveryThreshold) {
  const auto config = sla::load_file(example_path("sla").string());
  std::vector<std::string> le;
  for (auto b : sla::status_duration_buckets(config)) le.push_back(sla::seconds_text(b));
  // Authorized's 6h and Shipped's 48h/72h are on the ladder already; nothing is duplicated;
  // OnHold's 8h is added.
  EXPECT_EQ(le, (std::vector<std::string>{"1", "5", "15", "30", "60", "300", "900", "1800", "3600",
                                          "7200", "21600", "28800", "43200", "86400", "172800",
                                          "259200", "604800"}));
  const auto loan = sla::load_file(example_path("loan").string());
  std::vector<std::string> loan_le;
  for (auto b : sla::status_duration_buckets(loan)) loan_le.push_back(sla::seconds_text(b));
  EXPECT_NE(std::find(loan_le.begin(), loan_le.end(), "5400"), loan_le.end());   // 90m tier
  EXPECT_NE(std::find(loan_le.begin(), loan_le.end(), "14400"), loan_le.end());  // 4h SLA
  EXPECT_TRUE(std::is_sorted(
      loan_le.begin(), loan_le.end(),
      [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); }));
  const auto turnaround = sla::turnaround_buckets(loan);
  EXPECT_NE(std::find(turnaround.begin(), turnaround.end(), std::chrono::hours(120)),
            turnaround.end());
}

TEST(Numbers, NoBinaryNoiseInAnyOutput) {
  for (const auto& name : example_names()) {
    for (const auto& entry : fs::recursive_directory_iterator(golden_dir(name))) {
      if (!entry.is_regular_file()) continue;
      const auto text = read_text(entry.path());
      EXPECT_EQ(text.find("00000000"), std::string::npos) << entry.path();
      EXPECT_EQ(text.find("99999999"), std::string::npos) << entry.path();
      EXPECT_EQ(text.find("e-0"), std::string::npos) << entry.path();
    }
  }
}

// ---- names and labels -------------------------------------------------------------------------

TEST(Names, AlertNamesAreCamelCaseFromTheService) {
  const auto loan = sla::load_file(example_path("loan").string());
  const auto names = rules::alert_names(loan);
  EXPECT_EQ(names.overdue, "LoanOriginationOrdersOverdue");
  EXPECT_EQ(names.exporter_down, "LoanOriginationExporterDown");
  EXPECT_EQ(rules::camel_case("b2b_orders"), "B2bOrders");
}

TEST(Rules, OverdueAlertsCarryTierLabelsAndHumanThresholds) {
  const auto config = sla::load_file(example_path("sla").string());
  const auto text = render(rules::render_rules, config);
  EXPECT_NE(text.find("sum by (status, severity) (max by (partition, status, severity, region, "
                      "channel) (order_overdue{job=\"orderwatch\",status=\"Authorized\","
                      "severity=\"page\"})) >= 1"),
            std::string::npos);
  EXPECT_NE(text.find("been in Authorized for more than 2h."), std::string::npos);
  EXPECT_NE(text.find("team: 'payments-leads'"), std::string::npos);
  EXPECT_NE(text.find("drilldown_url: 'http://127.0.0.1:9464/?status=Shipped&severity=page'"),
            std::string::npos);
  EXPECT_NE(
      text.find("dashboard_url: 'http://127.0.0.1:3000/d/orderwatch-checkout?var-status=Placed'"),
      std::string::npos);
  EXPECT_NE(text.find("le=\"900\""), std::string::npos);
}

TEST(Rules, NoDrilldownWithoutExporterUrl) {
  auto config = sla::load_file(example_path("sla").string());
  config.alerting.exporter_url.clear();
  EXPECT_EQ(render(rules::render_rules, config).find("drilldown_url"), std::string::npos);
}

TEST(Rules, EverySelectorIsKnownAndScopedToTheJob) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    const fs::path rules_file = golden_dir(name) / "rules" / rules::rules_file_name(config);
    auto known = contract_series(config);
    const auto recorded = recorded_series(rules_file);
    known.insert(recorded.begin(), recorded.end());
    const std::string job = rules::job_matcher(config);
    for (const auto& expr : rule_expressions(rules_file)) {
      const auto selectors = metric_selectors(expr);
      EXPECT_FALSE(selectors.empty()) << expr;
      for (const auto& s : selectors) {
        EXPECT_TRUE(known.count(s.metric)) << s.metric << " in " << expr;
        EXPECT_NE(s.matchers.find(job), std::string::npos) << s.metric << " in " << expr;
      }
    }
  }
}

// ---- grafana ----------------------------------------------------------------------------------

std::vector<std::string> panel_expressions(const nlohmann::json& dashboard) {
  std::vector<std::string> exprs;
  for (const auto& panel : dashboard["panels"]) {
    if (!panel.contains("targets")) continue;
    for (const auto& target : panel["targets"]) exprs.push_back(target["expr"]);
  }
  return exprs;
}

TEST(Grafana, DashboardShape) {
  const auto config = sla::load_file(example_path("sla").string());
  const auto dashboard = nlohmann::json::parse(render(grafana::render_dashboard, config));
  EXPECT_EQ(dashboard["uid"], "orderwatch-checkout");
  EXPECT_EQ(dashboard["schemaVersion"], 39);
  std::set<std::string> variables;
  for (const auto& v : dashboard["templating"]["list"]) variables.insert(v["name"]);
  EXPECT_EQ(variables, (std::set<std::string>{"datasource", "status"}));
  std::set<int> ids;
  bool sla_line = false;
  for (const auto& panel : dashboard["panels"]) {
    EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "duplicate panel id";
    if (panel["type"] == "row") continue;
    EXPECT_EQ(panel["datasource"]["uid"], "${datasource}") << panel["title"];
    if (panel["title"] == "Time in Authorized (SLA 1h)") {
      const auto& steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"];
      ASSERT_EQ(steps.size(), 4u);  // base + 1h, 2h, 6h
      EXPECT_EQ(steps[1]["value"], 3600);
      EXPECT_EQ(steps[3]["value"], 21600);
      EXPECT_EQ(panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"], "line");
      sla_line = true;
    }
  }
  EXPECT_TRUE(sla_line) << "no time-in-status panel with the SLA line for Authorized";
  bool lag_line = false;
  for (const auto& panel : dashboard["panels"]) {
    if (panel["title"] != "Watermark lag by instance") continue;
    EXPECT_EQ(panel["targets"][0]["expr"],
              "max by (instance) (orderwatch_watermark_lag_seconds{job=\"orderwatch\"})");
    EXPECT_EQ(panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"], 300);
    lag_line = true;
  }
  EXPECT_TRUE(lag_line) << "no watermark lag panel with the ExporterBehind threshold";
}

TEST(Grafana, UidStaysWithinGrafanasLimitAndStable) {
  auto config = sla::load_file(example_path("sla").string());
  config.service = std::string(60, 'a');
  const auto uid = grafana::dashboard_uid(config);
  EXPECT_LE(uid.size(), 40u);
  EXPECT_EQ(uid, grafana::dashboard_uid(config));
  config.service = std::string(59, 'a') + "b";
  EXPECT_NE(uid, grafana::dashboard_uid(config));
}

TEST(Grafana, EveryPanelQueryNamesOnlyExporterOrRuleSeries) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    const auto dashboard = nlohmann::json::parse(render(grafana::render_dashboard, config));
    auto known = contract_series(config);
    const auto recorded =
        recorded_series(golden_dir(name) / "rules" / rules::rules_file_name(config));
    known.insert(recorded.begin(), recorded.end());
    const std::string job = rules::job_matcher(config);
    const auto exprs = panel_expressions(dashboard);
    EXPECT_GE(exprs.size(), 15u);
    for (const auto& expr : exprs) {
      const auto selectors = metric_selectors(expr);
      EXPECT_FALSE(selectors.empty()) << expr;
      for (const auto& s : selectors) {
        EXPECT_TRUE(known.count(s.metric))
            << name << ": unknown series " << s.metric << " in " << expr;
        EXPECT_NE(s.matchers.find(job), std::string::npos)
            << name << ": no job matcher in " << expr;
      }
    }
  }
}

TEST(Grafana, SelectorExtractionSeesThroughPromQLSyntax) {
  // The checker above is only as good as this parser; it must find misspelled metrics.
  const auto found = metric_selectors(
      "sum by (status, le) (rate(order_typo_bucket{job=\"x\",le=\"+Inf\"}[$__rate_interval])) "
      "/ on () group_left () bar_total and time() - max(baz{a=\"{b}\"}) > 0.5");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].metric, "order_typo_bucket");
  EXPECT_EQ(found[0].matchers, "job=\"x\",le=\"+Inf\"");
  EXPECT_EQ(found[1].metric, "bar_total");
  EXPECT_EQ(found[1].matchers, "");
  EXPECT_EQ(found[2].metric, "baz");
}

// ---- alertmanager -----------------------------------------------------------------------------

TEST(Alertmanager, NoInlineSecretsAndFileReferencesKept) {
  for (const auto& name : example_names()) {
    const auto config = sla::load_file(example_path(name).string());
    const auto text = render(alertmanager::render_alertmanager_config, config);
    for (const char* inline_secret :
         {"routing_key:", "service_key:", "api_key:", "api_url:", "auth_password:"}) {
      // api_url (opsgenie's API endpoint) is not a secret; slack's webhook api_url is.
      if (std::string(inline_secret) == "api_url:" && name == "loan") continue;
      EXPECT_EQ(text.find(std::string(" ") + inline_secret), std::string::npos)
          << name << ": " << inline_secret;
    }
    EXPECT_NE(text.find(config.milestones.empty()
                            ? "group_by: [alertname, service, status]\n"
                            : "group_by: [alertname, service, status, milestone]\n"),
              std::string::npos);
  }
  const auto config = sla::load_file(example_path("sla").string());
  const auto text = render(alertmanager::render_alertmanager_config, config);
  EXPECT_NE(text.find("routing_key_file: 'examples/secrets/pd-payments'"), std::string::npos);
  EXPECT_NE(text.find("api_url_file: 'examples/secrets/slack-checkout-url'"), std::string::npos);
}

TEST(Alertmanager, HigherTiersInhibitLowerTiersOfTheSameStatusOnly) {
  const auto config = sla::load_file(example_path("sla").string());
  const auto text = render(alertmanager::render_alertmanager_config, config);
  // Placed has one tier: it must not appear in any tier inhibition.
  EXPECT_EQ(text.find("Placed"), std::string::npos);
  EXPECT_NE(text.find("'status=~\"Authorized|Shipped\"'"), std::string::npos);
  EXPECT_NE(text.find("equal: [service, status]"), std::string::npos);
}

TEST(Loader, RefusesKeysAlertmanager025CannotRender) {
  const std::string base =
      "version: 1\nservice: s\nnats: {subject: a.b}\nstatuses: [{name: A, sla: 1m}, {name: B, "
      "terminal: true}]\nalerting:\n  default_receiver: r\n  receivers:\n";
  EXPECT_THROW(sla::load_string(base + "    - {name: r, type: webhook, url_file: /x}\n"),
               sla::ConfigError);
  EXPECT_THROW(sla::load_string(base + "    - {name: r, type: email, to: a@b.c}\n"),
               sla::ConfigError);
  EXPECT_NO_THROW(sla::load_string(
      base + "    - {name: r, type: email, to: a@b.c, from: o@b.c, smarthost: 'h:25'}\n"));
}

// ---- CLI ----------------------------------------------------------------------------------------

TEST(Cli, CheckReportsDriftAndMissingFilesAndWritesNothing) {
  const fs::path dir = fresh_out_dir("check-mode");
  const std::string config = shell_quote(example_path("sla").string());
  const std::string out = shell_quote(dir.string());

  auto result = run(cli("generate --check --config " + config + " --out " + out));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("checkout-rules.yml: missing"), std::string::npos) << result.output;
  EXPECT_TRUE(fs::is_empty(dir)) << "--check must not write";

  result = run(cli("generate --config " + config + " --out " + out));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  result = run(cli("generate --check --config " + config + " --out " + out));
  EXPECT_EQ(result.exit_code, 0) << result.output;

  const fs::path alertmanager = dir / "alertmanager" / "alertmanager.yml";
  write_text(alertmanager, read_text(alertmanager) + "# hand edit\n");
  fs::remove(dir / "grafana" / "dashboards" / "checkout-overview.json");
  result = run(cli("generate --check --config " + config + " --out " + out));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("alertmanager.yml: differs"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("checkout-overview.json: missing"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("checkout-rules.yml"), std::string::npos)
      << "unchanged files must not be listed:\n"
      << result.output;
}

TEST(Cli, BadConfigFailsLikeCheck) {
  const fs::path dir = fresh_out_dir("bad-config");
  const fs::path config = dir / "bad.yaml";
  write_text(config,
             "version: 1\nservice: s\nnats: {subject: a}\nstatuses:\n  - {name: A, sla: 1hr}\n");
  const auto result = run(cli("generate --config " + shell_quote(config.string()) + " --out " +
                              shell_quote((dir / "out").string())));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("bad.yaml:5:"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("\"1hr\" is not a duration"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

// Calendar statuses: check accepts them and generate writes their artefacts.
TEST(Cli, CalendarStatusesAreGenerated) {
  const fs::path dir = fresh_out_dir("calendar");
  const fs::path config = dir / "calendar.yaml";
  write_text(config,
             "service: s\nnats: {subject: a}\n"
             "calendars:\n  office: {timezone: Europe/Berlin, hours: {mon-fri: \"09:00-18:00\"}}\n"
             "statuses:\n  - {name: Review, calendar: office, sla: 4h}\n");
  auto result = run(cli("check --config " + shell_quote(config.string())));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  result = run(cli("generate --config " + shell_quote(config.string()) + " --out " +
                   shell_quote((dir / "out").string())));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(read_text(dir / "out" / "alertmanager" / "alertmanager.yml").find("office-open"),
            std::string::npos);
}

// Milestones: check accepts them (and lists them), generate writes their alerts.
TEST(Cli, MilestonesPassCheckAndAreGenerated) {
  const fs::path dir = fresh_out_dir("milestones");
  const fs::path config = dir / "milestones.yaml";
  write_text(
      config,
      "service: s\nnats: {subject: a}\n"
      "statuses:\n  - {name: Placed, sla: 1h}\n  - {name: Shipped, sla: 1h}\n"
      "milestones:\n  - {name: shipped_in_24h, from: [Placed], until: [Shipped], sla: 24h}\n");
  auto result = run(cli("check --config " + shell_quote(config.string())));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("1 milestone (shipped_in_24h within 1d)"), std::string::npos)
      << result.output;
  result = run(cli("generate --config " + shell_quote(config.string()) + " --out " +
                   shell_quote((dir / "out").string())));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(read_text(dir / "out" / "rules" / "s-rules.yml").find("alert: SMilestoneOverdue"),
            std::string::npos);
}

// ---- calendars in alertmanager.yml -------------------------------------------------------------

constexpr const char* kCalendarSla = R"(service: desk
nats: {subject: a}
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-thu: ["08:00-12:00", "13:00-17:00"], fri: "09:00-18:00", sun: "00:00-24:00"}
    holidays: [2026-12-31, 2026-12-24, 2027-01-01, 2026-12-25, 2026-12-26]
  plain:
    timezone: Asia/Tokyo
    hours: {mon-sun: "09:00-18:00"}
  oncall:
    timezone: UTC
    hours: {mon-sun: "00:00-24:00"}
    holidays: [2026-12-25]
    page_when_closed: true
  unused:
    timezone: UTC
    hours: {mon-fri: "09:00-18:00"}
statuses:
  - {name: Placed, sla: 15m}
  - {name: Review, calendar: office, sla: 4h, escalations: [{after: 8h, severity: page}]}
  - {name: Check, calendar: plain, sla: 1h}
  - {name: Handover, calendar: oncall, cutoff: "12:00", due: "20:00"}
  - {name: Done, terminal: true}
alerting:
  default_receiver: chat
  routes:
    - {severity: page, receiver: pager}
    - {team: ops, receiver: ops}
  receivers:
    - {name: chat, type: webhook, url: "http://relay.internal/chat"}
    - {name: pager, type: webhook, url: "http://relay.internal/pager"}
    - {name: ops, type: webhook, url: "http://relay.internal/ops"}
)";

YAML::Node alertmanager_yaml(const std::string& sla_text) {
  return YAML::Load(
      render(alertmanager::render_alertmanager_config, sla::load_string(sla_text, "sla.yaml")));
}

std::vector<std::string> strings(const YAML::Node& node) {
  std::vector<std::string> list;
  for (const auto& item : node) list.push_back(item.as<std::string>());
  return list;
}

TEST(Calendars, IntervalsOfEachRoutedCalendarWithItsZone) {
  const YAML::Node doc = alertmanager_yaml(kCalendarSla);
  std::vector<std::string> names;
  for (const auto& interval : doc["time_intervals"])
    names.push_back(interval["name"].as<std::string>());
  // Not oncall (page_when_closed) nor unused (no status), plain has no holidays.
  EXPECT_EQ(names, (std::vector<std::string>{"office-open", "office-holidays", "plain-open"}));
  const YAML::Node open = doc["time_intervals"][0]["time_intervals"];
  ASSERT_EQ(open.size(), 3u);  // mon-thu (two ranges), fri, sun (all day)
  EXPECT_EQ(strings(open[0]["weekdays"]), (std::vector<std::string>{"monday:thursday"}));
  ASSERT_EQ(open[0]["times"].size(), 2u);
  EXPECT_EQ(open[0]["times"][1]["start_time"].as<std::string>(), "13:00");
  EXPECT_EQ(open[0]["times"][1]["end_time"].as<std::string>(), "17:00");
  EXPECT_EQ(strings(open[1]["weekdays"]), (std::vector<std::string>{"friday"}));
  EXPECT_EQ(strings(open[2]["weekdays"]), (std::vector<std::string>{"sunday"}));
  EXPECT_EQ(open[2]["times"][0]["end_time"].as<std::string>(), "24:00");
  for (const auto& entry : open) EXPECT_EQ(entry["location"].as<std::string>(), "Europe/Berlin");
  // Sorted; consecutive days of one month in one entry; a new month or year starts another.
  const YAML::Node holidays = doc["time_intervals"][1]["time_intervals"];
  ASSERT_EQ(holidays.size(), 3u);
  EXPECT_EQ(strings(holidays[0]["days_of_month"]), (std::vector<std::string>{"24:26"}));
  EXPECT_EQ(strings(holidays[1]["days_of_month"]), (std::vector<std::string>{"31"}));
  EXPECT_EQ(strings(holidays[1]["months"]), (std::vector<std::string>{"12"}));
  EXPECT_EQ(strings(holidays[2]["years"]), (std::vector<std::string>{"2027"}));
  EXPECT_EQ(holidays[2]["location"].as<std::string>(), "Europe/Berlin");
  const YAML::Node every_day = doc["time_intervals"][2]["time_intervals"];
  ASSERT_EQ(every_day.size(), 1u);
  EXPECT_EQ(every_day[0]["location"].as<std::string>(), "Asia/Tokyo");
  // Alertmanager counts the week from Sunday and refuses "monday:sunday".
  EXPECT_EQ(strings(every_day[0]["weekdays"]),
            (std::vector<std::string>{"monday:saturday", "sunday"}));
}

// The service route: a route per routed calendar first, with the intervals on every node
// (Alertmanager does not inherit them), then alerting.routes exactly as without calendars.
TEST(Calendars, CalendarRoutesComeFirstAndLeaveOtherAlertsAsTheyWere) {
  const YAML::Node service = alertmanager_yaml(kCalendarSla)["route"]["routes"][0];
  const YAML::Node children = service["routes"];
  ASSERT_EQ(children.size(), 4u);  // office, plain, then the two configured routes
  struct Expected {
    const char* matcher;
    std::vector<std::string> active;
    std::vector<std::string> mute;
  };
  const Expected calendars[] = {{"calendar=\"office\"", {"office-open"}, {"office-holidays"}},
                                {"calendar=\"plain\"", {"plain-open"}, {}}};
  std::string wall_clock_sla = kCalendarSla;
  const auto cut = wall_clock_sla.find("  - {name: Review");
  wall_clock_sla.replace(cut, wall_clock_sla.find("  - {name: Done") - cut, "");
  const YAML::Node without = alertmanager_yaml(wall_clock_sla)["route"]["routes"][0]["routes"];
  ASSERT_EQ(without.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const YAML::Node route = children[i];
    EXPECT_EQ(strings(route["matchers"]), (std::vector<std::string>{calendars[i].matcher}));
    EXPECT_EQ(route["receiver"].as<std::string>(), "chat");
    ASSERT_EQ(route["routes"].size(), 2u);
    for (const YAML::Node& node : {route, route["routes"][0], route["routes"][1]}) {
      EXPECT_EQ(strings(node["active_time_intervals"]), calendars[i].active);
      EXPECT_EQ(strings(node["mute_time_intervals"]), calendars[i].mute);
    }
    for (std::size_t j = 0; j < 2; ++j) {
      EXPECT_EQ(route["routes"][j]["receiver"].as<std::string>(),
                without[j]["receiver"].as<std::string>());
      EXPECT_EQ(strings(route["routes"][j]["matchers"]), strings(without[j]["matchers"]));
    }
  }
  for (std::size_t j = 0; j < 2; ++j)
    EXPECT_EQ(YAML::Dump(children[2 + j]), YAML::Dump(without[j]));
  EXPECT_FALSE(alertmanager_yaml(wall_clock_sla)["time_intervals"]);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run(cli("generate --config /nonexistent/sla.yaml --out /tmp/x")).exit_code, 2);
  EXPECT_EQ(run(cli("generate --config " + shell_quote(example_path("sla").string()))).exit_code,
            2);
  EXPECT_EQ(run(cli("generate --bogus")).exit_code, 2);
  const auto help = run(cli("generate --help"));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--check"), std::string::npos);
}

}  // namespace
}  // namespace orderwatch::testing
