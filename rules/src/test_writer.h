// Private to the rules renderer: what the promtool test generators share (rule_tests.cpp for
// the recording, overdue and burn-rate rules, meta_rule_tests.cpp for the meta-alerts): a
// writer that fills the test-file model group by group, the scrape targets the input series
// come from, and the expansion of the alert templates into the values promtool expects.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "render.h"
#include "test_file.h"

namespace orderwatch::rules::detail {

inline constexpr std::int64_t kMinuteMs = 60'000;

// Minutes from the moment a condition becomes true to the first evaluation (1m interval)
// at which an alert with this `for` fires.
std::int64_t minutes_until_firing(sla::Duration for_duration);

// A scrape target as Prometheus labels it: instance, and the partition and replica target
// labels (empty: not set, as for a single instance).
struct Target {
  std::string instance;
  std::string partition;
  std::string replica;
  Labels labels() const;  // instance, partition, replica: those that are set
};
// The two targets the single-instance tests use (no partition or replica labels).
extern const Target kPlainA;
extern const Target kPlainB;
// Replicas a and b of partition 0, and the one replica of partition 1.
extern const Target kReplica0a;
extern const Target kReplica0b;
extern const Target kReplica1a;

Labels with(Labels labels, const Labels& more);

// Replaces {{ $labels.name }} (any spacing) with the label's value and the given
// {{ $value ... }} expression with value_text, and keeps the text of a
// {{ if $labels.name }}...{{ end }} only when the label is set; this is all the generated
// templates and the documented runbook_url placeholders use.
std::string expand(std::string text, const Labels& labels, const std::string& value_template = "",
                   const std::string& value_text = "");

// Prometheus's humanizeDuration of whole seconds: 660 -> "11m 0s", 45 -> "45s".
std::string humanize_duration(std::int64_t seconds);

// The alert as promtool must see it: labels of the expression result plus the rule's, and
// the annotations expanded with them.
ExpectedAlert expected(const Alert& alert, const Labels& expr_labels,
                       const std::string& value_template = "", const std::string& value_text = "");

// The alert rule with this name (and severity label, when given); nullptr when none.
const Alert* find(const std::vector<Alert>& alerts, const std::string& name,
                  const std::string& severity = "");

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

  // Labels a series carries for every configured dimension, all with `value`, so tests use
  // series shaped like the exporter's.
  Labels dimension_labels(const std::string& value = "test") const {
    Labels labels;
    for (const auto& dim : config_.event.dimensions) labels.emplace_back(dim.label, value);
    return labels;
  }

  const sla::Config& config() const { return config_; }
  std::vector<TestGroup> take_groups() { return std::move(groups_); }

 private:
  const sla::Config& config_;
  std::vector<TestGroup> groups_;
};

// The meta-alert tests (meta_rule_tests.cpp).
void meta_alert_tests(const std::vector<Alert>& alerts, TestWriter& w);
// The tests of ExporterBlind and ExporterBehind, each cause (blind_rule_tests.cpp).
void blind_alert_tests(const std::vector<Alert>& alerts, TestWriter& w);

// ---- recording-rule inputs (rule_tests.cpp) ---------------------------------------------------
// Recording-rule input per target each minute: `within` observations end within the pivot
// bound, `total` in all. Partitions 0 and 1 see 22.5 of 30 within (their sum over 5m: 0.75/s
// within, 1/s in total); replica 0b, which restarted, has seen only 15, all within. The records
// must take the max over replicas: summing them would give 60/75 = 0.8.
struct RecordingInput {
  const Target* target;
  const char* within;
  const char* total;
};
extern const std::array<RecordingInput, 3> kRecordingInputs;

// Prometheus's histogram_quantile for ascending (upper bound, cumulative rate) buckets ending
// with +Inf, bit-identical to promtool's result.
double bucket_quantile(double q, const std::vector<std::pair<double, double>>& buckets);

// Writes kRecordingInputs as the series of histogram `metric` (labels `subject` and the
// dimensions): nothing below the bound under `pivot`, `within` at `pivot`, `total` above and
// in _count. Returns the summed (bound, rate) buckets the records must see.
std::vector<std::pair<double, double>> histogram_inputs(TestWriter& w,
                                                        const sla::MetricSpec& metric,
                                                        const Labels& subject,
                                                        const std::vector<sla::Duration>& bounds,
                                                        sla::Duration pivot);

// The tests of the milestones' recording rules (milestone_rule_tests.cpp): share met and
// duration quantiles per milestone. Nothing without milestones.
void milestone_recording_tests(const sla::Config& config, TestWriter& w);

}  // namespace orderwatch::rules::detail
