// Integration tests with the real promtool and amtool on every example's blindness and
// per-partition rules: ExporterBlind routes where ExporterDown does, and the generated promtool
// tests catch a blind alert that ignores replicas or fires late, and meta alerts that judge
// all partitions together again.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "orderwatch/rules/names.h"
#include "orderwatch/sla/loader.h"
#include "test_support.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::testing {
namespace {

// The labels of every rule of the rules file named `alert`.
std::vector<YAML::Node> rule_labels(const fs::path& rules_file, const std::string& alert) {
  std::vector<YAML::Node> found;
  for (const auto& group : YAML::LoadFile(rules_file.string())["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"] && rule["alert"].as<std::string>() == alert)
        found.push_back(rule["labels"]);
    }
  }
  return found;
}

// The receiver amtool routes these labels to (the last line of `config routes test`).
std::string routed_receiver(const fs::path& alertmanager_file, const std::string& alert,
                            const YAML::Node& labels) {
  std::string command = std::string(AMTOOL) + " config routes test --config.file=" +
                        shell_quote(alertmanager_file.string()) + " " +
                        shell_quote("alertname=" + alert);
  for (const auto& label : labels)
    command +=
        " " + shell_quote(label.first.as<std::string>() + "=" + label.second.as<std::string>());
  // amtool warns on stderr that --config.file overrides the URL: keep only its answer.
  std::string output = run("(" + command + " 2>/dev/null)").output;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output.substr(output.find_last_of('\n') + 1);
}

TEST(BlindRules, ExporterBlindRoutesWhereExporterDownDoes) {
  for (const auto& example : example_names()) {
    const auto config = sla::load_file(example_path(example).string());
    const auto names = rules::alert_names(config);
    const fs::path dir = generate_fresh(example, "blind-routes");
    const fs::path rules = dir / "rules" / rules::rules_file_name(config);
    const fs::path am = dir / "alertmanager" / "alertmanager.yml";
    const auto down = rule_labels(rules, names.exporter_down);
    ASSERT_EQ(down.size(), 1u) << example;
    const std::string receiver = routed_receiver(am, names.exporter_down, down.front());
    ASSERT_FALSE(receiver.empty() || receiver.find(' ') != std::string::npos)
        << example << ": " << receiver;
    const auto blind = rule_labels(rules, names.exporter_blind);
    EXPECT_EQ(blind.size(), config.nats.jetstream ? 3u : 1u) << example;
    for (const auto& labels : blind) {
      EXPECT_EQ(labels["severity"].as<std::string>(), down.front()["severity"].as<std::string>());
      EXPECT_EQ(routed_receiver(am, names.exporter_blind, labels), receiver)
          << example << " " << labels["cause"].as<std::string>();
    }
  }
}

// The rules file with `from` replaced by `to` (by regex, every match); fails when none matches.
std::string mutated(const std::string& text, const std::string& from, const std::string& to) {
  std::string out = std::regex_replace(text, std::regex(from), to);
  EXPECT_NE(out, text) << "no " << from;
  return out;
}

// One example on core NATS and one on JetStream (each promtool run takes seconds).
TEST(BlindRules, GeneratedTestsCatchBlindOrPartitionRulesThatAreWrong) {
  for (const std::string example : {"sla", "fulfilment"}) {
    const auto config = sla::load_file(example_path(example).string());
    const auto names = rules::alert_names(config);
    const fs::path dir = generate_fresh(example, "blind-mutants");
    const fs::path rules = dir / "rules" / rules::rules_file_name(config);
    const fs::path tests = dir / "rules" / rules::rule_tests_file_name(config);
    const std::string original = read_text(rules);
    const std::string blind_for = sla::format_duration(config.alerting.blind_for);
    const std::string later =
        sla::format_duration(config.alerting.blind_for + std::chrono::minutes(1));
    const std::vector<std::pair<std::string, std::string>> mutants = {
        // Every blind rule a minute late.
        {"(alert: " + names.exporter_blind + "\n(?:.*\n){1,4}?\\s+)for: " + blind_for,
         "$1for: " + later},
        // Blind alerts per instance, whatever a replica consumes.
        {R"(unless on \(partition\)(\n\s+\(orderwatch_nats_connected))",
         "unless on (partition, instance)$1"},
        // NoOrderEvents and OrderEventsRejected across all partitions again.
        {R"(max by \(partition\) \(orderwatch_last_event)", "max (orderwatch_last_event"},
        {R"(max by \(partition, reason\))", "max by (reason)"},
    };
    for (const auto& [from, to] : mutants) {
      write_text(rules, mutated(original, from, to));
      const auto result = run(std::string(PROMTOOL) + " test rules " + shell_quote(tests.string()));
      EXPECT_NE(result.exit_code, 0) << example << ": the tests missed " << from << " -> " << to;
    }
  }
}

}  // namespace
}  // namespace orderwatch::testing

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
