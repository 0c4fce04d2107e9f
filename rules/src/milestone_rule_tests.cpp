// promtool tests of the milestones' recording rules (render_rule_tests, rule_tests.cpp, calls
// them): the share met from the met and deadline-tier breach counters, and the counted-time
// quantiles, each with replicas counted once. The milestone alerts are tested with the status
// alerts (rule_tests.cpp), from the same rules model.
#include <algorithm>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "test_writer.h"

namespace orderwatch::rules::detail {

namespace {

// Partitions 0 and 1 see 22.5 clocks a minute meet the milestone and 7.5 miss it (0.75 met),
// replica 0b (restarted) 15 met and none missed; every other tier breaches 30 a minute (an
// "at risk" warning is no miss), so a ratio over the wrong tier or summed replicas differs.
void met_ratio_test(const sla::Config& config, const sla::Milestone& milestone, TestWriter& w) {
  const std::string met = sla::metric_name(config, sla::order::kMilestoneMetTotal);
  const std::string breaches = sla::metric_name(config, sla::order::kMilestoneBreachesTotal);
  const std::string& deadline = milestone_deadline_tier(milestone).severity;
  w.begin_group("milestone " + milestone.name + ": share met from the met and " + deadline +
                "-tier breach counters, replicas counted once");
  for (const auto& input : kRecordingInputs) {
    const Labels labels = with(input.target->labels(), {{"milestone", milestone.name}});
    const bool restarted = input.target == &kReplica0b;
    w.series(met, labels, input.within);
    for (const auto& tier : milestone.tiers) {
      const bool missed = tier.severity == deadline;
      w.series(breaches, with(labels, {{"severity", tier.severity}}),
               !missed     ? "0+30x10"
               : restarted ? "0x10"
                           : "0+7.5x10");
    }
  }
  const std::string record = milestone_met_ratio_record(config);
  const Labels milestone_label{{"milestone", milestone.name}};
  w.expect_value(record + "{milestone=" + promql_string(milestone.name) + "}", 10,
                 selector(record, config, milestone_label), 0.75);
}

// The bound the quantile inputs sit on: an sla milestone's SLA (a bucket bound); for a
// deadline_field milestone (whose offsets are no durations) 1h, else the first bound above 0.
sla::Duration quantile_pivot(const sla::Milestone& milestone,
                             const std::vector<sla::Duration>& bounds) {
  if (!milestone.has_deadline_field()) return milestone.tiers.front().after;
  if (std::find(bounds.begin(), bounds.end(), std::chrono::hours(1)) != bounds.end())
    return std::chrono::hours(1);
  return *std::find_if(bounds.begin(), bounds.end(), [](sla::Duration d) { return d.count() > 0; });
}

void quantile_test(const sla::Config& config, const sla::Milestone& milestone,
                   const std::vector<sla::Duration>& bounds, TestWriter& w) {
  const sla::Duration pivot = quantile_pivot(milestone, bounds);
  w.begin_group("milestone " + milestone.name + ": counted-time quantiles around " +
                sla::human_duration(pivot) + ", replicas counted once");
  const Labels milestone_label{{"milestone", milestone.name}};
  const auto buckets =
      histogram_inputs(w, sla::order::kMilestoneDurationSeconds, milestone_label, bounds, pivot);
  for (const auto& quantile : sla::kQuantiles) {
    const std::string record = milestone_quantile_record(config, quantile.name);
    w.expect_value(record + "{milestone=" + promql_string(milestone.name) + "}", 10,
                   selector(record, config, milestone_label),
                   bucket_quantile(std::stod(std::string(quantile.value)), buckets));
  }
}

}  // namespace

void milestone_recording_tests(const sla::Config& config, TestWriter& w) {
  const auto bounds = sla::milestone_duration_buckets(config);
  for (const auto& milestone : config.milestones) {
    met_ratio_test(config, milestone, w);
    quantile_test(config, milestone, bounds, w);
  }
}

}  // namespace orderwatch::rules::detail
