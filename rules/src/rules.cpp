// The rules file: the burn-rate windows, the recording rules and the alert groups of
// render_rules() (orderwatch generate), emitted from the model of render.h.
#include "orderwatch/rules/rules.h"

#include <algorithm>
#include <filesystem>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"

namespace orderwatch::rules {

std::vector<BurnWindow> burn_windows(const sla::Config& config) {
  using std::chrono::hours;
  using std::chrono::minutes;
  struct Workbook {
    const char* severity;
    sla::Duration long_window;
    sla::Duration short_window;
    int budget_percent;
  };
  // SRE workbook, chapter 5 ("Alerting on SLOs"), table 5-8: 2% of a 30-day budget in 1h
  // gives burn rate 14.4; 5% in 6h gives 6; 10% in 1d gives 3; 10% in 3d gives 1.
  static const Workbook kWorkbook[] = {
      {kSeverityPage, hours(1), minutes(5), 2},
      {kSeverityPage, hours(6), minutes(30), 5},
      {kSeverityTicket, hours(24), hours(2), 10},
      {kSeverityTicket, hours(72), hours(6), 10},
  };
  std::vector<BurnWindow> windows;
  const std::int64_t window_ms = config.turnaround.window.count();
  for (const auto& w : kWorkbook) {
    // factor = budget_percent/100 * window / long_window, rounded half up to 3 decimals,
    // computed on integers so the text is exact ("13.44", not 13.440000000000001).
    const std::int64_t long_ms = w.long_window.count();
    const std::int64_t thousandths =
        (w.budget_percent * window_ms * 10 * 2 + long_ms) / (2 * long_ms);
    windows.push_back({w.severity, w.long_window, w.short_window, decimal_text(thousandths, 3)});
  }
  return windows;
}

namespace detail {

std::vector<sla::Duration> error_ratio_windows(const sla::Config& config) {
  std::vector<sla::Duration> windows;
  for (const auto& w : burn_windows(config)) {
    windows.push_back(w.short_window);
    windows.push_back(w.long_window);
  }
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  return windows;
}

std::string selector(std::string_view metric, const sla::Config& config, const Labels& matchers) {
  std::string text = std::string(metric) + "{" + job_matcher(config);
  for (const auto& [label, value] : matchers) text += "," + label + "=" + promql_string(value);
  return text + "}";
}

std::string selector(const sla::MetricSpec& metric, const sla::Config& config,
                     const Labels& matchers) {
  return selector(sla::metric_name(config, metric), config, matchers);
}

std::string rate_sum(const std::vector<std::string>& by, const std::string& series,
                     const std::string& range, const std::vector<std::string>& apart) {
  return across_replicas(by, "rate(" + series + "[" + range + "])", apart);
}

namespace {

using sla::HistogramPart::kBucket;
using sla::HistogramPart::kCount;

// The share of orders that reached a terminal status within turnaround.sla over `range`
// (an exact bucket ratio: the SLA is a bucket bound), replicas counted once.
std::string turnaround_ratio(const sla::Config& config, const std::string& range) {
  const sla::MetricSpec& turnaround = sla::order::kTurnaroundSeconds;
  const std::string le = sla::seconds_text(config.turnaround.sla);
  const std::vector<std::string> outcome{std::string(sla::label::kOutcome)};
  return rate_sum({"job"},
                  selector(sla::metric_name(config, turnaround, kBucket), config, {{"le", le}}),
                  range, outcome) +
         " / " +
         rate_sum({"job"}, selector(sla::metric_name(config, turnaround, kCount), config, {}),
                  range, outcome);
}

// The share within SLA of a calendar or cut-off status: its deadline is no wall-clock time, so
// no bucket of the duration histogram states it; the stays that met the first tier's deadline
// over those plus the stays that breached it (met / (met + breaches)), replicas counted once.
std::string calendar_within_sla(const sla::Config& config, const sla::Status& status) {
  const std::vector<std::string> by{"job", "status"};
  const std::string met =
      rate_sum(by, selector(sla::order::kSlaMetTotal, config, {{"status", status.name}}), "5m", {});
  const std::string breaches =
      rate_sum(by,
               selector(sla::order::kSlaBreachesTotal, config,
                        {{"status", status.name}, {"severity", status.tiers.front().severity}}),
               "5m", {});
  return met + " / (" + met + " + " + breaches + ")";
}

// Quantiles and the share within SLA per status, the turnaround share within its SLA.
RuleGroup recording_group(const sla::Config& config) {
  const std::string bucket = sla::metric_name(config, sla::order::kStatusDurationSeconds, kBucket);
  const std::string count = sla::metric_name(config, sla::order::kStatusDurationSeconds, kCount);
  const auto dims = dimension_labels(config);
  RuleGroup group{config.service + ".recording", {}, {}};
  for (const auto& quantile : sla::kQuantiles) {
    group.records.push_back(
        {status_quantile_record(config, quantile.name),
         "histogram_quantile(" + std::string(quantile.value) + ", " +
             rate_sum({"job", "status", "le"}, selector(bucket, config, {}), "5m", dims) + ")",
         {}});
  }
  for (const auto& status : config.statuses) {
    if (status.tiers.empty()) continue;
    // Same value as the series' own label; it tells the per-status rules apart for
    // promtool's duplicate-rule lint.
    if (!status.calendar.empty()) {
      group.records.push_back({status_within_sla_record(config),
                               calendar_within_sla(config, status),
                               {{"status", status.name}}});
      continue;
    }
    // The SLA is a bucket bound (metric contract), so this ratio is exact, not interpolated.
    const std::string le = sla::seconds_text(status.tiers.front().after);
    group.records.push_back(
        {status_within_sla_record(config),
         rate_sum({"job", "status"},
                  selector(bucket, config, {{"status", status.name}, {"le", le}}), "5m", dims) +
             " / " +
             rate_sum({"job", "status"}, selector(count, config, {{"status", status.name}}), "5m",
                      dims),
         {{"status", status.name}}});
  }
  add_milestone_records(config, group.records);
  if (config.turnaround.enabled)
    group.records.push_back(
        {turnaround_within_sla_record(config), turnaround_ratio(config, "5m"), {}});
  return group;
}

RuleGroup alert_group(std::string name, const std::vector<Alert>& all_alerts, Group kind) {
  RuleGroup group{std::move(name), {}, {}};
  for (const auto& alert : all_alerts) {
    if (alert.group == kind) group.alerts.push_back(alert);
  }
  return group;
}

// The turnaround error ratio over every burn window, and the burn-rate alerts on it.
RuleGroup turnaround_group(const sla::Config& config, const std::vector<Alert>& all_alerts) {
  RuleGroup group = alert_group(config.service + ".turnaround-slo", all_alerts, Group::kTurnaround);
  for (const auto& window : error_ratio_windows(config)) {
    const std::string range = sla::format_duration(window);
    group.records.push_back({turnaround_error_ratio_record(config, window),
                             "1 - (" + turnaround_ratio(config, range) + ")",
                             {}});
  }
  return group;
}

void emit_alert(YAML::Emitter& out, const Alert& alert) {
  out << YAML::BeginMap;
  out << YAML::Key << "alert" << YAML::Value << alert.name;
  out << YAML::Key << "expr" << YAML::Value << yaml::Block{alert.expr};
  if (alert.for_duration.count() > 0)
    out << YAML::Key << "for" << YAML::Value << sla::format_duration(alert.for_duration);
  if (alert.keep_firing_for.count() > 0)
    out << YAML::Key << "keep_firing_for" << YAML::Value
        << sla::format_duration(alert.keep_firing_for);
  if (!alert.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value;
    yaml::text_map(out, alert.labels);
  }
  if (!alert.annotations.empty()) {
    out << YAML::Key << "annotations" << YAML::Value;
    yaml::text_map(out, alert.annotations);
  }
  out << YAML::EndMap;
}

void emit_record(YAML::Emitter& out, const Record& record) {
  out << YAML::BeginMap;
  out << YAML::Key << "record" << YAML::Value << record.name;
  out << YAML::Key << "expr" << YAML::Value << yaml::Text{record.expr};
  if (!record.labels.empty()) {
    out << YAML::Key << "labels" << YAML::Value;
    yaml::text_map(out, record.labels);
  }
  out << YAML::EndMap;
}

}  // namespace

std::vector<RuleGroup> rule_groups(const sla::Config& config) {
  const auto all_alerts = alerts(config);
  std::vector<RuleGroup> groups;
  groups.push_back(recording_group(config));
  if (config.turnaround.enabled) groups.push_back(turnaround_group(config, all_alerts));
  auto overdue = alert_group(config.service + ".overdue", all_alerts, Group::kOverdue);
  if (!overdue.alerts.empty()) groups.push_back(std::move(overdue));
  auto milestones = alert_group(config.service + ".milestones", all_alerts, Group::kMilestone);
  if (!milestones.alerts.empty()) groups.push_back(std::move(milestones));
  groups.push_back(alert_group(config.service + ".meta", all_alerts, Group::kMeta));
  return groups;
}

void emit_groups(YAML::Emitter& out, const std::vector<RuleGroup>& groups) {
  out << YAML::BeginSeq;
  for (const auto& group : groups) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << group.name;
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const auto& record : group.records) emit_record(out, record);
    for (const auto& alert : group.alerts) emit_alert(out, alert);
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace detail

void render_rules(const sla::Config& config, std::ostream& out) {
  YAML::Emitter doc;
  yaml::comment(doc, "Generated by `orderwatch generate` from " +
                         std::filesystem::path(config.source_path).filename().string() +
                         ". Do not edit: change the SLA file and regenerate.");
  doc << YAML::BeginMap << YAML::Key << "groups" << YAML::Value;
  detail::emit_groups(doc, detail::rule_groups(config));
  doc << YAML::EndMap;
  yaml::write(doc, out);
}

}  // namespace orderwatch::rules
