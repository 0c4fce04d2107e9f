// promtool unit tests for the rules of render_rules. Every alert gets input series that make
// it fire at an evaluation time computed here, an identical check one interval earlier that
// expects silence, and the exact labels and annotations; recording rules get exact values.
// Input rates are chosen as binary fractions (e.g. 0.25/s) so expected values are exact.
#include <algorithm>
#include <array>
#include <cmath>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "test_file.h"
#include "test_writer.h"

namespace orderwatch::rules {

namespace detail {

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

// Recording-rule input per target each minute: `within` stays end within the SLA, `total`
// in all. Partitions 0 and 1 see 22.5 of 30 within (their sum over 5m: 0.75/s within, 1/s in
// total); replica 0b, which restarted, has seen only 15, all within. The records must take
// the max over replicas: summing them would give 60/75 = 0.8 within, and so shift every
// quantile.
const std::array<RecordingInput, 3> kRecordingInputs = {{{&kReplica0a, "0+22.5x10", "0+30x10"},
                                                         {&kReplica0b, "0+15x10", "0+15x10"},
                                                         {&kReplica1a, "0+22.5x10", "0+30x10"}}};

std::vector<std::pair<double, double>> histogram_inputs(TestWriter& w,
                                                        const sla::MetricSpec& metric,
                                                        const Labels& subject,
                                                        const std::vector<sla::Duration>& bounds,
                                                        sla::Duration pivot) {
  const std::string bucket = sla::metric_name(w.config(), metric, sla::HistogramPart::kBucket);
  const std::string count = sla::metric_name(w.config(), metric, sla::HistogramPart::kCount);
  const auto at = std::find(bounds.begin(), bounds.end(), pivot);
  for (const auto& input : kRecordingInputs) {
    Labels labels = with(with(input.target->labels(), subject), w.dimension_labels());
    if (at != bounds.begin())
      w.series(bucket, with(labels, {{"le", sla::seconds_text(*(at - 1))}}), "0+0x10");
    w.series(bucket, with(labels, {{"le", sla::seconds_text(pivot)}}), input.within);
    if (at + 1 != bounds.end())
      w.series(bucket, with(labels, {{"le", sla::seconds_text(*(at + 1))}}), input.total);
    w.series(bucket, with(labels, {{"le", "+Inf"}}), input.total);
    w.series(count, labels, input.total);
  }
  std::vector<std::pair<double, double>> buckets;  // summed rates, for the expected values
  if (at != bounds.begin()) buckets.emplace_back(sla::seconds(*(at - 1)), 0.0);
  buckets.emplace_back(sla::seconds(pivot), 0.75);
  if (at + 1 != bounds.end()) buckets.emplace_back(sla::seconds(*(at + 1)), 1.0);
  buckets.emplace_back(INFINITY, 1.0);
  return buckets;
}

}  // namespace detail

namespace {

using namespace detail;  // the model and the test writer
using sla::HistogramPart::kBucket;
using sla::HistogramPart::kCount;

// The share within SLA of a calendar or cut-off status, from the met and first-tier breach
// counters: partitions 0 and 1 see 22.5 stays a minute meet the deadline and 7.5 breach it
// (0.75 met), replica 0b (restarted) 15 met and none breached. Summing the replicas would give
// 60 / 75 = 0.8.
void calendar_within_sla_test(const sla::Config& config, const sla::Status& status, TestWriter& w) {
  const std::string met = sla::metric_name(config, sla::order::kSlaMetTotal);
  const std::string breaches = sla::metric_name(config, sla::order::kSlaBreachesTotal);
  w.begin_group(status.name + " (calendar " + status.calendar +
                "): share within SLA from the met and breach counters, replicas counted once");
  for (const auto& input : kRecordingInputs) {
    const Labels labels = with(input.target->labels(), {{"status", status.name}});
    const bool restarted = input.target == &kReplica0b;
    w.series(met, labels, input.within);
    w.series(breaches, with(labels, {{"severity", status.tiers.front().severity}}),
             restarted ? "0x10" : "0+7.5x10");
  }
  const std::string record = status_within_sla_record(config);
  const Labels status_label{{"status", status.name}};
  w.expect_value(record + "{status=" + promql_string(status.name) + "}", 10,
                 selector(record, config, status_label), 0.75);
}

// The bound the quantile test puts its inputs around: the SLA (a bucket bound) of a wall-clock
// status; for a calendar status (whose deadline is no wall-clock bound) its open-time SLA when
// that is a bound, else 1h (between the ladder's 30m and 2h the expected values are exact),
// else the first bound above 0.
sla::Duration quantile_pivot(const sla::Status& status, const std::vector<sla::Duration>& bounds) {
  const sla::Duration sla_bound = status.tiers.front().after;
  if (status.calendar.empty()) return sla_bound;
  const auto is_bound = [&](sla::Duration d) {
    return d.count() > 0 && std::find(bounds.begin(), bounds.end(), d) != bounds.end();
  };
  if (is_bound(sla_bound)) return sla_bound;
  if (is_bound(std::chrono::hours(1))) return std::chrono::hours(1);
  return *std::find_if(bounds.begin(), bounds.end(), [](sla::Duration d) { return d.count() > 0; });
}

void status_recording_tests(const sla::Config& config, TestWriter& w) {
  const auto bounds = sla::status_duration_buckets(config);
  for (const auto& status : config.statuses) {
    if (status.tiers.empty()) continue;
    const bool calendar = !status.calendar.empty();
    if (calendar) calendar_within_sla_test(config, status, w);
    const sla::Duration sla_bound = quantile_pivot(status, bounds);
    w.begin_group(status.name + ": time-in-status quantiles" +
                  (calendar ? std::string()
                            : " and share within SLA (" + sla::human_duration(sla_bound) + ")") +
                  ", replicas counted once");
    const auto buckets = histogram_inputs(w, sla::order::kStatusDurationSeconds,
                                          {{"status", status.name}}, bounds, sla_bound);

    const Labels status_label{{"status", status.name}};
    const std::string of_status = "{status=" + promql_string(status.name) + "}";
    for (const auto& quantile : sla::kQuantiles) {
      const std::string record = status_quantile_record(config, quantile.name);
      w.expect_value(record + of_status, 10, selector(record, config, status_label),
                     bucket_quantile(std::stod(std::string(quantile.value)), buckets));
    }
    if (calendar) continue;  // its share within SLA is not the bucket ratio
    const std::string record = status_within_sla_record(config);
    w.expect_value(record + of_status, 10, selector(record, config, status_label), 0.75);
  }
}

void turnaround_recording_tests(const sla::Config& config, TestWriter& w) {
  if (!config.turnaround.enabled) return;
  const std::string bucket = sla::metric_name(config, sla::order::kTurnaroundSeconds, kBucket);
  const std::string count = sla::metric_name(config, sla::order::kTurnaroundSeconds, kCount);
  std::string outcome = "Done";
  for (const auto& status : config.statuses) {
    if (status.terminal) {
      outcome = status.name;
      break;
    }
  }
  w.begin_group("turnaround: share within " + sla::human_duration(config.turnaround.sla) +
                " and the SLO error ratio, replicas counted once");
  for (const auto& input : kRecordingInputs) {
    const Labels labels = with(input.target->labels(), {{"outcome", outcome}});
    w.series(bucket, with(labels, {{"le", sla::seconds_text(config.turnaround.sla)}}),
             input.within);
    w.series(bucket, with(labels, {{"le", "+Inf"}}), input.total);
    w.series(count, labels, input.total);
  }
  const std::string within = turnaround_within_sla_record(config);
  w.expect_value(within, 10, selector(within, config, {}), 0.75);
  const std::string error_ratio = turnaround_error_ratio_record(config, std::chrono::minutes(5));
  w.expect_value(error_ratio, 10, selector(error_ratio, config, {}), 0.25);
}

std::string orders_have(std::int64_t n) {
  return n == 1 ? std::string("1 order has") : std::to_string(n) + " orders have";
}

// What an overdue alert (of a status or a milestone) watches and says, for its tests.
struct Watched {
  std::string metric;    // the cumulative gauge
  Labels series_labels;  // {status|milestone, severity}
  std::string subject;   // "Placed", "milestone shipped_in_24h"
  std::string tier;      // "2h", "past their due time (...)", "deadline", "6h before the deadline"

  explicit Watched(const sla::Config& config, const Alert& alert) {
    const bool milestone = alert.group == Group::kMilestone;
    metric =
        sla::metric_name(config, milestone ? sla::order::kMilestoneOverdue : sla::order::kOverdue);
    series_labels = {
        {milestone ? "milestone" : "status", milestone ? alert.milestone : alert.status},
        {"severity", alert.tier->severity}};
    subject = milestone ? "milestone " + alert.milestone : alert.status;
    const sla::Duration after = alert.tier->after;
    const bool calendar =
        std::any_of(alert.labels.begin(), alert.labels.end(),
                    [](const auto& label) { return label.first == sla::label::kCalendar; });
    if (milestone && after.count() < 0) {
      tier = sla::human_duration(-after) + " before the deadline";
    } else if (milestone && after.count() == 0) {  // a deadline_field milestone's deadline
      tier = "the deadline";
    } else {
      tier = calendar && !milestone ? alert.phrase : sla::human_duration(after);
    }
  }
};

// The description an overdue alert shows with n orders.
std::string description(const Alert& alert, std::int64_t n) {
  if (alert.group == Group::kMilestone)
    return milestone_description(
        n == 1 ? std::string("1 order is") : std::to_string(n) + " orders are", alert);
  return orders_have(n) + " been in " + alert.status + " " + alert.phrase + ".";
}

// Replicas 0a and 0b both see an order from 5m, partition 1 holds min_overdue - 1 all along:
// the alert fires at exactly min_overdue (the description shows the value: summing the
// replicas would say one more). Replica 0a then dies; past keep_firing_for the alert still
// fires on 0b's count. Finally every series goes stale, as when the exporters are gone.
void overdue_alert_test(const sla::Config& config, const Alert& alert, TestWriter& w) {
  const auto min_overdue = static_cast<std::int64_t>(config.alerting.min_overdue);
  const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
  const std::int64_t keep_minutes = minutes_until_firing(alert.keep_firing_for);
  const std::int64_t replica_dies = fires_at + 1;
  const std::int64_t still_firing = replica_dies + keep_minutes + 1;
  const std::int64_t last = still_firing + 1;
  const std::int64_t gone = last + 1;
  const Watched watched(config, alert);
  w.begin_group(watched.subject + ", " + alert.tier->severity + " tier (" + watched.tier +
                "): " + std::to_string(min_overdue) + " overdue from 5m, fires at " +
                minutes_text(fires_at) + "; replica 0a gone at " + minutes_text(replica_dies) +
                ", still firing at " + minutes_text(still_firing) + "; all stale at " +
                minutes_text(gone) + ", resolves at " + minutes_text(gone + keep_minutes));
  const std::string& metric = watched.metric;
  const Labels& series_labels = watched.series_labels;
  const Labels dims = w.dimension_labels();
  w.series(metric, with(with(kReplica0a.labels(), series_labels), dims),
           "0x4 1x" + std::to_string(replica_dies - 6) + " stale");
  w.series(metric, with(with(kReplica0b.labels(), series_labels), dims),
           "0x4 1x" + std::to_string(last - 5) + " stale");
  w.series(metric, with(with(kReplica1a.labels(), series_labels), dims),
           std::to_string(min_overdue - 1) + "x" + std::to_string(last) + " stale");
  w.expect_silent(alert.name, fires_at - 1);
  Labels annotations;
  for (const auto& [name, value] : alert.annotations) {
    annotations.emplace_back(name, name == "description" ? description(alert, min_overdue)
                                                         : expand(value, series_labels));
  }
  w.expect_firing(alert.name, fires_at, {{alert.labels, annotations}});
  w.expect_firing(alert.name, still_firing, {{alert.labels, annotations}});
  if (keep_minutes > 0)
    w.expect_firing(alert.name, gone + keep_minutes - 1, {{alert.labels, annotations}});
  w.expect_silent(alert.name, gone + keep_minutes);
}

// The value an overdue alert reports: replicas once, partitions and dimension values summed.
// With m = min_overdue, replicas 0a and 0b hold m each, partition 1 holds m in one dimension
// value and m in another: the description says 3m (2m without dimensions). Summing replicas
// would say 4m, a max over partitions or over dimension values 2m.
void overdue_sum_test(const sla::Config& config, const Alert& alert, TestWriter& w) {
  const auto m = static_cast<std::int64_t>(config.alerting.min_overdue);
  const bool dims = !config.event.dimensions.empty();
  const std::int64_t fires_at = minutes_until_firing(alert.for_duration);
  const Watched watched(config, alert);
  w.begin_group(watched.subject + ", " + alert.tier->severity +
                " tier: replicas counted once, partitions and dimension values summed");
  const std::string& metric = watched.metric;
  const Labels& series_labels = watched.series_labels;
  const std::string value = std::to_string(m) + "x" + std::to_string(fires_at + 1);
  for (const Target* target : {&kReplica0a, &kReplica0b, &kReplica1a})
    w.series(metric, with(with(target->labels(), series_labels), w.dimension_labels()), value);
  if (dims)
    w.series(metric, with(with(kReplica1a.labels(), series_labels), w.dimension_labels("other")),
             value);
  Labels annotations;
  for (const auto& [name, text] : alert.annotations) {
    annotations.emplace_back(name, name == "description" ? description(alert, (dims ? 3 : 2) * m)
                                                         : expand(text, series_labels));
  }
  w.expect_firing(alert.name, fires_at, {{alert.labels, annotations}});
}

void burn_alert_test(const sla::Config& config, const std::vector<Alert>& alerts, TestWriter& w) {
  if (!config.turnaround.enabled) return;
  const AlertNames names = alert_names(config);
  const std::string bucket = sla::metric_name(config, sla::order::kTurnaroundSeconds, kBucket);
  const std::string count = sla::metric_name(config, sla::order::kTurnaroundSeconds, kCount);
  w.begin_group(
      "turnaround burn rate: every order finishes in time until 1m, then half of them are "
      "late; both page and ticket fire at 2m");
  const Labels labels = with(kPlainA.labels(), {{"outcome", "Test"}});
  w.series(bucket, with(labels, {{"le", sla::seconds_text(config.turnaround.sla)}}), "0 100x10");
  w.series(count, labels, "0+100x10");
  w.expect_silent(names.turnaround_burn, 1);
  const Labels job{{"job", config.alerting.job}};
  std::vector<ExpectedAlert> firing;
  for (const char* severity : {kSeverityPage, kSeverityTicket}) {
    firing.push_back(expected(*find(alerts, names.turnaround_burn, severity), job,
                              "{{ $value | humanizePercentage }}", "50%"));
  }
  w.expect_firing(names.turnaround_burn, 2, firing);
}

}  // namespace

void render_rule_tests(const sla::Config& config, std::ostream& out) {
  const auto alerts = detail::alerts(config);
  TestWriter writer(config);
  status_recording_tests(config, writer);
  turnaround_recording_tests(config, writer);
  detail::milestone_recording_tests(config, writer);
  // The first alert of each kind also shows the sum over partitions and dimension values.
  for (const auto kind : {detail::Group::kOverdue, detail::Group::kMilestone}) {
    bool first = true;
    for (const auto& alert : alerts) {
      if (alert.group != kind) continue;
      overdue_alert_test(config, alert, writer);
      if (first) overdue_sum_test(config, alert, writer);
      first = false;
    }
  }
  burn_alert_test(config, alerts, writer);
  detail::meta_alert_tests(alerts, writer);
  detail::emit_test_file(
      {rule_tests_file_name(config), rules_file_name(config), writer.take_groups()}, out);
}

}  // namespace orderwatch::rules
