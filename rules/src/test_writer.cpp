// TestWriter and the scrape targets of test_writer.h: the input series and expected alerts
// the promtool test generators (rule_tests.cpp, meta_rule_tests.cpp) add group by group.
#include "test_writer.h"

#include <cstdio>
#include <string_view>
#include <utility>

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

namespace {

std::string label_value(const Labels& labels, const std::string& name) {
  for (const auto& [label, value] : labels) {
    if (label == name) return value;
  }
  return {};  // a missing label expands to "" in Prometheus too
}

// {{ if $labels.name }}inner{{ end }} (not nested, no else): inner when the label is set.
std::string expand_ifs(std::string text, const Labels& labels) {
  constexpr std::string_view kIf = "{{ if $labels.";
  constexpr std::string_view kEnd = "{{ end }}";
  for (auto at = text.find(kIf); at != std::string::npos; at = text.find(kIf, at)) {
    const auto close = text.find(" }}", at);
    const auto end = text.find(kEnd, close);
    if (close == std::string::npos || end == std::string::npos) break;
    const std::string name = text.substr(at + kIf.size(), close - at - kIf.size());
    const std::string inner = text.substr(close + 3, end - close - 3);
    const std::string kept = label_value(labels, name).empty() ? "" : inner;
    text.replace(at, end + kEnd.size() - at, kept);
  }
  return text;
}

}  // namespace

std::string expand(std::string text, const Labels& labels, const std::string& value_template,
                   const std::string& value_text) {
  text = expand_ifs(std::move(text), labels);
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
    const std::string replacement = label_value(labels, inner.substr(8));
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
