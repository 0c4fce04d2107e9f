// TestWriter and the scrape targets of test_writer.h: the input series and expected alerts
// the promtool test generators (rule_tests.cpp, meta_rule_tests.cpp) add group by group.
#include "test_writer.h"

#include <cstdio>

namespace orderwatch::rules::detail {

const Target kPlainA{"orderwatch-a:9464", "", ""};
const Target kPlainB{"orderwatch-b:9464", "", ""};
const Target kReplica0a{"orderwatch-0a:9464", "0", "a"};
const Target kReplica0b{"orderwatch-0b:9464", "0", "b"};
const Target kReplica1a{"orderwatch-1a:9464", "1", "a"};

std::int64_t minutes_until_firing(sla::Duration for_duration) {
  return (for_duration.count() + kMinuteMs - 1) / kMinuteMs;
}

Labels Target::labels() const {
  Labels labels{{"instance", instance}};
  if (!partition.empty()) labels.emplace_back("partition", partition);
  if (!replica.empty()) labels.emplace_back("replica", replica);
  return labels;
}

Labels with(Labels labels, const Labels& more) {
  labels.insert(labels.end(), more.begin(), more.end());
  return labels;
}

std::string expand(std::string text, const Labels& labels, const std::string& value_template,
                   const std::string& value_text) {
  if (!value_template.empty()) {
    for (auto at = text.find(value_template); at != std::string::npos;
         at = text.find(value_template, at + value_text.size())) {
      text.replace(at, value_template.size(), value_text);
    }
  }
  std::size_t at = 0;
  while ((at = text.find("{{", at)) != std::string::npos) {
    const auto end = text.find("}}", at);
    if (end == std::string::npos) break;
    std::string inner = text.substr(at + 2, end - at - 2);
    inner.erase(0, inner.find_first_not_of(' '));
    inner.erase(inner.find_last_not_of(' ') + 1);
    if (!inner.starts_with("$labels.")) {
      at = end + 2;
      continue;
    }
    const auto name = inner.substr(8);
    std::string replacement;  // a missing label expands to "" in Prometheus too
    for (const auto& [label, value] : labels) {
      if (label == name) replacement = value;
    }
    text.replace(at, end + 2 - at, replacement);
    at += replacement.size();
  }
  return text;
}

std::string humanize_duration(std::int64_t v) {
  // prometheus/template/template.go, humanizeDuration, for whole non-negative seconds.
  const std::int64_t seconds = v % 60, minutes = v / 60 % 60, hours = v / 3600 % 24,
                     days = v / 86400;
  char text[96];
  if (days != 0) {
    std::snprintf(text, sizeof text, "%lldd %lldh %lldm %llds", static_cast<long long>(days),
                  static_cast<long long>(hours), static_cast<long long>(minutes),
                  static_cast<long long>(seconds));
  } else if (hours != 0) {
    std::snprintf(text, sizeof text, "%lldh %lldm %llds", static_cast<long long>(hours),
                  static_cast<long long>(minutes), static_cast<long long>(seconds));
  } else if (minutes != 0) {
    std::snprintf(text, sizeof text, "%lldm %llds", static_cast<long long>(minutes),
                  static_cast<long long>(seconds));
  } else {
    std::snprintf(text, sizeof text, "%llds", static_cast<long long>(seconds));
  }
  return text;
}

ExpectedAlert expected(const Alert& alert, const Labels& expr_labels,
                       const std::string& value_template, const std::string& value_text) {
  ExpectedAlert e;
  e.labels = with(expr_labels, alert.labels);
  for (const auto& [name, value] : alert.annotations)
    e.annotations.emplace_back(name, expand(value, expr_labels, value_template, value_text));
  return e;
}

const Alert* find(const std::vector<Alert>& alerts, const std::string& name,
                  const std::string& severity) {
  for (const auto& alert : alerts) {
    if (alert.name != name) continue;
    if (severity.empty()) return &alert;
    for (const auto& [label, value] : alert.labels) {
      if (label == "severity" && value == severity) return &alert;
    }
  }
  return nullptr;
}

}  // namespace orderwatch::rules::detail
