// promtool unit tests for the rules of render_rules. Every alert gets input series that make
// it fire at an evaluation time computed here, an identical check one interval earlier that
// expects silence, and the exact labels and annotations; recording rules get exact values.
// Input rates are chosen as binary fractions (e.g. 0.25/s) so expected values are exact.
#include <algorithm>
#include <cmath>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "test_file.h"

namespace orderwatch::rules {

namespace {

using detail::Alert;
using detail::ExpectedAlert;
using detail::Labels;
using detail::minutes_text;
using detail::selector;
using detail::TestGroup;

constexpr std::int64_t kMinuteMs = 60'000;
const char* const kInstances[] = {"orderwatch-a:9464", "orderwatch-b:9464"};

// Minutes from the moment a condition becomes true to the first evaluation (1m interval)
// at which an alert with this `for` fires.
std::int64_t minutes_until_firing(sla::Duration for_duration) {
  return (for_duration.count() + kMinuteMs - 1) / kMinuteMs;
}

// Replaces {{ $labels.name }} (any spacing) with the label's value and the given
// {{ $value ... }} expression with value_text; this is all the generated templates and the
// documented runbook_url placeholders use.
std::string expand(std::string text, const Labels& labels, const std::string& value_template = "",
                   const std::string& value_text = "") {
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
    std::string replacement;
    bool known = false;
    if (inner.starts_with("$labels.")) {
      const auto name = inner.substr(8);
      for (const auto& [label, value] : labels) {
        if (label == name) replacement = value;
      }
      known = true;  // a missing label expands to "" in Prometheus too
    }
    if (!known) {
      at = end + 2;
      continue;
    }
    text.replace(at, end + 2 - at, replacement);
    at += replacement.size();
  }
  return text;
}

// Fills a TestFile group by group: series first, then the checks at given minutes.
class TestWriter {
 public:
  explicit TestWriter(const sla::Config& config) : config_(config) {}

  void begin_group(const std::string& comment) { groups_.push_back({comment, {}, {}, {}}); }

  // labels: the series' labels besides the name and job, in output order.
  void series(std::string_view metric, const Labels& labels, const std::string& values) {
    groups_.back().input_series.push_back({selector(metric, config_, labels), values});
  }

  void expect_silent(const std::string& alertname, std::int64_t minute) {
    groups_.back().alert_tests.push_back({minute, alertname, {}});
  }

  void expect_firing(const std::string& alertname, std::int64_t minute,
                     const std::vector<ExpectedAlert>& alerts) {
    groups_.back().alert_tests.push_back({minute, alertname, alerts});
  }

  void expect_value(const std::string& expr, std::int64_t minute, const std::string& labels,
                    double value) {
    groups_.back().expr_tests.push_back({expr, minute, labels, value});
  }

  // Labels a series carries for every configured dimension ("test" values), so tests use
  // series shaped like the exporter's.
  Labels dimension_labels() const {
    Labels labels;
    for (const auto& dim : config_.event.dimensions) labels.emplace_back(dim.label, "test");
    return labels;
  }

  std::vector<TestGroup> take_groups() { return std::move(groups_); }

 private:
  const sla::Config& config_;
  std::vector<TestGroup> groups_;
};

Labels with(Labels labels, const Labels& more) {
  labels.insert(labels.end(), more.begin(), more.end());
  return labels;
}

// Prometheus's histogram_quantile (promql/quantile.go, bucketQuantile) for ascending
// (upper bound, cumulative rate) buckets ending with +Inf, in the same floating-point
// operation order so the expected value is bit-identical.
double bucket_quantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  const double rank = q * buckets.back().second;
  std::size_t b = 0;
  while (b + 1 < buckets.size() && buckets[b].second < rank) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].first;
  double start = 0;
  double count = buckets[b].second;
  double rank_in_bucket = rank;
  if (b > 0) {
    start = buckets[b - 1].first;
    count -= buckets[b - 1].second;
    rank_in_bucket -= buckets[b - 1].second;
  }
  return start + (buckets[b].first - start) * (rank_in_bucket / count);
}

void status_recording_tests(const sla::Config& config, TestWriter& w) {
  const std::string metric = sla::metric(config, "status_duration_seconds");
  const auto bounds = sla::status_duration_buckets(config);
  for (const auto& status : config.statuses) {
    if (status.tiers.empty()) continue;
    const sla::Duration sla_bound = status.tiers.front().after;
    const auto at = std::find(bounds.begin(), bounds.end(), sla_bound);
    // Per instance each minute: 22.5 stays end within the SLA, 7.5 in the next bucket up.
    // Summed over two instances over 5m: 0.75/s within, 1/s in total.
    std::vector<std::pair<double, double>> buckets;  // summed rates, for the expected values
    w.begin_group(status.name + ": time-in-status quantiles and share within SLA (" +
                  sla::human_duration(sla_bound) + ")");
    for (const char* instance : kInstances) {
      Labels labels = with({{"instance", instance}, {"status", status.name}}, w.dimension_labels());
      if (at != bounds.begin())
        w.series(metric + "_bucket", with(labels, {{"le", sla::seconds_text(*(at - 1))}}),
                 "0+0x10");
      w.series(metric + "_bucket", with(labels, {{"le", sla::seconds_text(sla_bound)}}),
               "0+22.5x10");
      if (at + 1 != bounds.end())
        w.series(metric + "_bucket", with(labels, {{"le", sla::seconds_text(*(at + 1))}}),
                 "0+30x10");
      w.series(metric + "_bucket", with(labels, {{"le", "+Inf"}}), "0+30x10");
      w.series(metric + "_count", labels, "0+30x10");
    }
    if (at != bounds.begin()) buckets.emplace_back(sla::seconds(*(at - 1)), 0.0);
    buckets.emplace_back(sla::seconds(sla_bound), 0.75);
    if (at + 1 != bounds.end()) buckets.emplace_back(sla::seconds(*(at + 1)), 1.0);
    buckets.emplace_back(INFINITY, 1.0);

    const Labels status_label{{"status", status.name}};
    const std::string of_status = "{status=" + promql_string(status.name) + "}";
    for (const auto& quantile : sla::kQuantiles) {
      const std::string record = status_quantile_record(config, quantile.name);
      w.expect_value(record + of_status, 10, selector(record, config, status_label),
                     bucket_quantile(std::stod(std::string(quantile.value)), buckets));
    }
    const std::string record = status_within_sla_record(config);
    w.expect_value(record + of_status, 10, selector(record, config, status_label), 0.75);
  }
}

void turnaround_recording_tests(const sla::Config& config, TestWriter& w) {
  if (!config.turnaround.enabled) return;
  const std::string metric = sla::metric(config, "turnaround_seconds");
  std::string outcome = "Done";
  for (const auto& status : config.statuses) {
    if (status.terminal) {
      outcome = status.name;
      break;
    }
  }
  w.begin_group("turnaround: share within " + sla::human_duration(config.turnaround.sla) +
                " and the SLO error ratio");
  for (const char* instance : kInstances) {
    const Labels labels{{"instance", instance}, {"outcome", outcome}};
    w.series(metric + "_bucket", with(labels, {{"le", sla::seconds_text(config.turnaround.sla)}}),
             "0+22.5x10");
    w.series(metric + "_bucket", with(labels, {{"le", "+Inf"}}), "0+30x10");
    w.series(metric + "_count", labels, "0+30x10");
  }
  const std::string within = turnaround_within_sla_record(config);
  w.expect_value(within, 10, selector(within, config, {}), 0.75);
  const std::string error_ratio = turnaround_error_ratio_record(config, std::chrono::minutes(5));
  w.expect_value(error_ratio, 10, selector(error_ratio, config, {}), 0.25);
}

void overdue_alert_test(const sla::Config& config, const Alert& alert, TestWriter& w) {
  const auto min_overdue = static_cast<std::int64_t>(config.alerting.min_overdue);
  const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
  const std::int64_t last = fires_at + 2;
  // The exporter vanishes after `last` (its series go stale, as when a scrape fails): the
  // alert keeps firing for keep_firing_for, so exporter-down can inhibit it before it resolves.
  const std::int64_t gone = last + 1;
  const std::int64_t keep_minutes = minutes_until_firing(alert.keep_firing_for);
  w.begin_group(alert.status + ", " + alert.tier->severity + " tier (" +
                sla::human_duration(alert.tier->after) + "): " + std::to_string(min_overdue) +
                " overdue from 5m, fires at " + minutes_text(fires_at) + "; series stale at " +
                minutes_text(gone) + ", resolves at " + minutes_text(gone + keep_minutes));
  // Two exporter instances: one steady at min_overdue - 1, one adding an order at 5m, so the
  // alert also proves it sums across instances and dimensions.
  const std::string metric = sla::metric(config, "overdue");
  const Labels series_labels{{"status", alert.status}, {"severity", alert.tier->severity}};
  w.series(metric, with(with({{"instance", kInstances[0]}}, series_labels), w.dimension_labels()),
           std::to_string(min_overdue - 1) + "x" + std::to_string(last) + " stale");
  w.series(metric, with(with({{"instance", kInstances[1]}}, series_labels), w.dimension_labels()),
           "0x4 1x" + std::to_string(last - 5) + " stale");
  w.expect_silent(alert.name, fires_at - 1);
  Labels annotations;
  for (const auto& [name, value] : alert.annotations) {
    if (name == "description") {
      annotations.emplace_back(name,
                               (min_overdue == 1 ? std::string("1 order has")
                                                 : std::to_string(min_overdue) + " orders have") +
                                   " been in " + alert.status + " for more than " +
                                   sla::human_duration(alert.tier->after) + ".");
    } else {
      annotations.emplace_back(name, expand(value, series_labels));
    }
  }
  w.expect_firing(alert.name, fires_at, {{alert.labels, annotations}});
  if (keep_minutes > 0)
    w.expect_firing(alert.name, gone + keep_minutes - 1, {{alert.labels, annotations}});
  w.expect_silent(alert.name, gone + keep_minutes);
}

ExpectedAlert expected(const Alert& alert, const Labels& expr_labels,
                       const std::string& value_template = "", const std::string& value_text = "") {
  ExpectedAlert e;
  e.labels = with(expr_labels, alert.labels);
  for (const auto& [name, value] : alert.annotations)
    e.annotations.emplace_back(name, expand(value, expr_labels, value_template, value_text));
  return e;
}

const Alert* find(const std::vector<Alert>& alerts, const std::string& name,
                  const std::string& severity = "") {
  for (const auto& alert : alerts) {
    if (alert.name != name) continue;
    if (severity.empty()) return &alert;
    for (const auto& [label, value] : alert.labels) {
      if (label == "severity" && value == severity) return &alert;
    }
  }
  return nullptr;
}

void burn_alert_test(const sla::Config& config, const std::vector<Alert>& alerts, TestWriter& w) {
  if (!config.turnaround.enabled) return;
  const AlertNames names = alert_names(config);
  const std::string metric = sla::metric(config, "turnaround_seconds");
  w.begin_group(
      "turnaround burn rate: every order finishes in time until 1m, then half of them are "
      "late; both page and ticket fire at 2m");
  const Labels labels{{"instance", kInstances[0]}, {"outcome", "Test"}};
  w.series(metric + "_bucket", with(labels, {{"le", sla::seconds_text(config.turnaround.sla)}}),
           "0 100x10");
  w.series(metric + "_count", labels, "0+100x10");
  w.expect_silent(names.turnaround_burn, 1);
  const Labels job{{"job", config.alerting.job}};
  std::vector<ExpectedAlert> firing;
  for (const char* severity : {kSeverityPage, kSeverityTicket}) {
    firing.push_back(expected(*find(alerts, names.turnaround_burn, severity), job,
                              "{{ $value | humanizePercentage }}", "50%"));
  }
  w.expect_firing(names.turnaround_burn, 2, firing);
}

void meta_alert_tests(const sla::Config& config, const std::vector<Alert>& alerts, TestWriter& w) {
  const AlertNames names = alert_names(config);
  const Labels instance{{"instance", kInstances[0]}};
  const Labels job_instance{{"instance", kInstances[0]}, {"job", config.alerting.job}};

  {
    const Alert& alert = *find(alerts, names.exporter_down);
    const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
    w.begin_group("exporter down from 5m, fires at " + minutes_text(fires_at));
    w.series("up", instance, "1x4 0x" + std::to_string(fires_at - 3));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, job_instance)});
  }
  {
    const Alert& alert = *find(alerts, names.exporter_absent);
    const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
    w.begin_group("exporter target gone (stale) at 5m, fires at " + minutes_text(fires_at));
    w.series("up", instance, "1x4 stale");
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {{"job", config.alerting.job}})});
  }
  {
    const Alert& alert = *find(alerts, names.no_events);
    // Events until 9m (the gauge holds the wall clock of the last one, 540s), then none.
    const std::int64_t quiet_ms = config.alerting.no_events_for.count();
    const std::int64_t fires_at = (9 * kMinuteMs + quiet_ms) / kMinuteMs + 1;
    w.begin_group("last event at 9m, quiet for " +
                  sla::human_duration(config.alerting.no_events_for) + ": fires at " +
                  minutes_text(fires_at));
    w.series(std::string(sla::self::kLastEventTimestampSeconds), instance,
             "0+60x9 540x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {})});
  }
  {
    const Alert& alert = *find(alerts, names.events_rejected);
    const std::int64_t fires_at = 11 + minutes_until_firing(alert.for_duration);
    w.begin_group("50 of 1000 events rejected as malformed by 11m, fires at " +
                  minutes_text(fires_at));
    const std::string samples = std::to_string(fires_at + 2);
    w.series(sla::metric(config, "events_total"), with(instance, {{"result", "applied"}}),
             "0+100x" + samples);
    w.series(sla::metric(config, "events_rejected_total"),
             with(instance, {{"reason", "malformed"}}),
             "0x10 50+50x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {{"reason", "malformed"}})});
  }
  {
    const Alert& alert = *find(alerts, names.nats_disconnected);
    const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
    w.begin_group("NATS disconnected from 5m, fires at " + minutes_text(fires_at));
    w.series(std::string(sla::self::kNatsConnected), instance,
             "1x4 0x" + std::to_string(fires_at - 3));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, job_instance)});
  }
}

}  // namespace

void render_rule_tests(const sla::Config& config, std::ostream& out) {
  const auto alerts = detail::alerts(config);
  TestWriter writer(config);
  status_recording_tests(config, writer);
  turnaround_recording_tests(config, writer);
  for (const auto& alert : alerts) {
    if (alert.group == detail::Group::kOverdue) overdue_alert_test(config, alert, writer);
  }
  burn_alert_test(config, alerts, writer);
  meta_alert_tests(config, alerts, writer);
  detail::emit_test_file(
      {rule_tests_file_name(config), rules_file_name(config), writer.take_groups()}, out);
}

}  // namespace orderwatch::rules
