// The shared names of names.h: alert and recording rule names, file names, the job matcher
// and the replica-aware sum. Called by the rules, Alertmanager and Grafana renderers.
#include "orderwatch/rules/names.h"

#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::rules {

std::vector<std::string> AlertNames::silenced_when_exporter_down(const sla::Config& config) const {
  std::vector<std::string> names{overdue};
  if (!config.milestones.empty()) names.push_back(milestone_overdue);
  for (const auto* name : {&turnaround_burn, &no_events, &events_rejected, &nats_disconnected,
                           &ingest_gap, &exporter_behind})
    names.push_back(*name);
  return names;
}

std::vector<std::string> AlertNames::silenced_when_exporter_blind(const sla::Config& config) const {
  std::vector<std::string> names = silenced_when_exporter_down(config);
  std::erase(names, nats_disconnected);
  return names;
}

AlertNames alert_names(const sla::Config& config) {
  const std::string service = camel_case(config.service);
  AlertNames names;
  names.overdue = service + "OrdersOverdue";
  names.milestone_overdue = service + "MilestoneOverdue";
  names.turnaround_burn = service + "TurnaroundErrorBudgetBurn";
  names.exporter_down = service + "ExporterDown";
  names.replica_down = service + "ExporterReplicaDown";
  names.exporter_absent = service + "ExporterAbsent";
  names.replicas_unlabelled = service + "ExporterReplicasUnlabelled";
  names.no_events = service + "NoOrderEvents";
  names.events_rejected = service + "OrderEventsRejected";
  names.nats_disconnected = service + "NatsDisconnected";
  names.exporter_blind = service + "ExporterBlind";
  names.ingest_gap = service + "IngestGap";
  names.exporter_behind = service + "ExporterBehind";
  return names;
}

std::string job_matcher(const sla::Config& config) {
  return "job=" + promql_string(config.alerting.job);
}

std::string across_replicas(const std::vector<std::string>& by, const std::string& series,
                            const std::vector<std::string>& apart) {
  std::string outer;
  std::string inner = kPartitionLabel;
  for (const auto& label : by) {
    outer += (outer.empty() ? "" : ", ") + label;
    inner += ", " + label;
  }
  for (const auto& label : apart) inner += ", " + label;
  return "sum" + (outer.empty() ? std::string(" ") : " by (" + outer + ") ") + "(max by (" + inner +
         ") (" + series + "))";
}

std::vector<std::string> dimension_labels(const sla::Config& config) {
  std::vector<std::string> labels;
  for (const auto& dim : config.event.dimensions) labels.push_back(dim.label);
  return labels;
}

std::string status_quantile_record(const sla::Config& config, std::string_view quantile) {
  return "job_status:" + sla::metric_name(config, sla::order::kStatusDurationSeconds) + ":" +
         std::string(quantile) + "_rate5m";
}

std::string status_within_sla_record(const sla::Config& config) {
  return "job_status:" + sla::metric_name(config, sla::order::kStatusDurationSeconds) +
         ":within_sla_ratio_rate5m";
}

std::string milestone_quantile_record(const sla::Config& config, std::string_view quantile) {
  return "job_milestone:" + sla::metric_name(config, sla::order::kMilestoneDurationSeconds) + ":" +
         std::string(quantile) + "_rate5m";
}

std::string milestone_met_ratio_record(const sla::Config& config) {
  std::string met = sla::metric_name(config, sla::order::kMilestoneMetTotal);
  met.resize(met.size() - std::string_view("_total").size());  // a rate's name drops _total
  return "job_milestone:" + met + ":ratio_rate5m";
}

const sla::Tier& milestone_deadline_tier(const sla::Milestone& milestone) {
  return milestone.has_deadline_field() ? milestone.tiers.back() : milestone.tiers.front();
}

std::string turnaround_within_sla_record(const sla::Config& config) {
  return "job:" + sla::metric_name(config, sla::order::kTurnaroundSeconds) +
         ":within_sla_ratio_rate5m";
}

std::string turnaround_error_ratio_record(const sla::Config& config, sla::Duration window) {
  return "job:" + sla::metric_name(config, sla::order::kTurnaroundSeconds) +
         ":slo_error_ratio_rate" + sla::format_duration(window);
}

std::string rules_file_name(const sla::Config& config) { return config.service + "-rules.yml"; }

std::string rule_tests_file_name(const sla::Config& config) {
  return config.service + "-rules.test.yml";
}

std::string tier_team(const sla::Config& config, const sla::Tier& tier) {
  return tier.team.empty() ? config.alerting.default_team : tier.team;
}

}  // namespace orderwatch::rules
