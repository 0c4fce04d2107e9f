// The rules of milestones (promises that span statuses, sla::Milestone): one overdue alert per
// milestone and tier, the share met per milestone and the duration quantiles. Called by the
// rules model (alerts.cpp, rules.cpp); the tests of them are milestone_rule_tests.cpp's.
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/runbooks.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"

namespace orderwatch::rules::detail {

namespace {

// "Shipped", "Shipped or Delivered", "Shipped, Delivered or Cancelled".
std::string status_list(const sla::Config& config, const std::vector<std::uint8_t>& indices) {
  std::string text;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (i > 0) text += i + 1 == indices.size() ? " or " : ", ";
    text += config.statuses[indices[i]].name;
  }
  return text;
}

// "over 24h of counted time", "over 4h of open time (calendar office)", "past the promised
// deadline", "at risk: within 6h of the promised deadline": the summary's words for a tier.
std::string short_phrase(const sla::Milestone& milestone, const sla::Tier& tier) {
  if (milestone.has_deadline_field()) {
    if (tier.after.count() >= 0) return "past the promised deadline";
    return "at risk: within " + sla::human_duration(-tier.after) + " of the promised deadline";
  }
  if (milestone.calendar.empty())
    return "over " + sla::human_duration(tier.after) + " of counted time";
  return "over " + sla::human_duration(tier.after) + " of open time (calendar " +
         milestone.calendar + ")";
}

std::string drilldown_link(const sla::Config& config, const std::string& milestone,
                           const std::string& severity) {
  const std::string base = exporter_base(config);
  if (base.empty()) return {};
  return base + "/?milestone=" + milestone + "&severity=" + severity;
}

std::string runbook_url(const sla::Config& config, const std::string& alert,
                        const std::string& milestone, const std::string& severity) {
  if (!config.alerting.runbook_url.empty()) return config.alerting.runbook_url;
  const std::string base = exporter_base(config);
  if (base.empty()) return {};
  return base + milestone_runbook_path(alert, milestone, severity);
}

// The gauge is cumulative over tiers, as order_overdue is: each tier alerts on its own series
// and the inhibition rules keep only the highest tier of a milestone notifying.
Alert milestone_alert(const sla::Config& config, const sla::Milestone& milestone,
                      const sla::Tier& tier) {
  Alert alert;
  alert.group = Group::kMilestone;
  alert.name = alert_names(config).milestone_overdue;
  alert.expr = {
      across_replicas({"milestone", "severity"},
                      selector(sla::order::kMilestoneOverdue, config,
                               {{"milestone", milestone.name}, {"severity", tier.severity}}),
                      dimension_labels(config)) +
      " >= " + std::to_string(config.alerting.min_overdue)};
  alert.for_duration = config.alerting.for_duration;
  alert.keep_firing_for = config.alerting.effective_keep_firing_for();
  alert.labels = {
      {"service", config.service}, {"milestone", milestone.name}, {"severity", tier.severity}};
  if (auto owner = tier_team(config, tier); !owner.empty())
    alert.labels.emplace_back("team", owner);
  // Alertmanager routes these by the calendar's open hours and holidays, as status alerts.
  if (!milestone.calendar.empty())
    alert.labels.emplace_back(sla::label::kCalendar, milestone.calendar);
  alert.milestone = milestone.name;
  alert.tier = tier;
  alert.phrase = milestone_phrase(config, milestone, tier);
  alert.annotations = {
      {"summary", config.service + ": milestone " + milestone.name + " " +
                      short_phrase(milestone, tier) + " (" + tier.severity + " tier)"},
      {"description", milestone_description("{{ if eq $value 1.0 }}1 order is{{ else }}"
                                            "{{ $value }} orders are{{ end }}",
                                            alert)}};
  if (auto link = runbook_url(config, alert.name, milestone.name, tier.severity); !link.empty())
    alert.annotations.emplace_back("runbook_url", link);
  if (auto link = dashboard_link(config, ""); !link.empty())
    alert.annotations.emplace_back("dashboard_url", link);
  if (auto link = drilldown_link(config, milestone.name, tier.severity); !link.empty())
    alert.annotations.emplace_back("drilldown_url", link);
  return alert;
}

}  // namespace

std::string milestone_phrase(const sla::Config& config, const sla::Milestone& milestone,
                             const sla::Tier& tier) {
  const std::string in = "in milestone " + milestone.name;
  const std::string until = ", not yet in " + status_list(config, milestone.until);
  if (milestone.has_deadline_field()) {
    const std::string deadline = "their promised deadline (" + milestone.deadline_field + ")";
    if (tier.after.count() >= 0) return "past " + deadline + " " + in + until;
    return "at risk " + in + ": within " + sla::human_duration(-tier.after) + " of " + deadline +
           until;
  }
  std::string clock = "clock from " + status_list(config, milestone.from);
  if (!milestone.pause.empty())
    clock += "; time in " + status_list(config, milestone.pause) + " not counted";
  return "past " + sla::human_duration(tier.after) + " of " +
         (milestone.calendar.empty() ? "counted time"
                                     : "open time (calendar " + milestone.calendar + ")") +
         " " + in + " (" + clock + ")" + until;
}

std::string milestone_description(const std::string& orders, const Alert& alert) {
  return orders + " " + alert.phrase + ".";
}

void add_milestone_alerts(const sla::Config& config, std::vector<Alert>& list) {
  for (const auto& milestone : config.milestones) {
    for (const auto& tier : milestone.tiers)
      list.push_back(milestone_alert(config, milestone, tier));
  }
}

void add_milestone_records(const sla::Config& config, std::vector<Record>& records) {
  if (config.milestones.empty()) return;
  const std::string bucket =
      sla::metric_name(config, sla::order::kMilestoneDurationSeconds, sla::HistogramPart::kBucket);
  for (const auto& quantile : sla::kQuantiles) {
    records.push_back({milestone_quantile_record(config, quantile.name),
                       "histogram_quantile(" + std::string(quantile.value) + ", " +
                           rate_sum({"job", "milestone", "le"}, selector(bucket, config, {}), "5m",
                                    dimension_labels(config)) +
                           ")",
                       {}});
  }
  // A clock met its milestone when it stopped before the deadline tier; breaches of that tier
  // are the misses. The milestone label tells the per-milestone rules apart (promtool's lint).
  const std::vector<std::string> by{"job", "milestone"};
  for (const auto& milestone : config.milestones) {
    const std::string met = rate_sum(
        by, selector(sla::order::kMilestoneMetTotal, config, {{"milestone", milestone.name}}), "5m",
        {});
    const std::string missed =
        rate_sum(by,
                 selector(sla::order::kMilestoneBreachesTotal, config,
                          {{"milestone", milestone.name},
                           {"severity", milestone_deadline_tier(milestone).severity}}),
                 "5m", {});
    records.push_back({milestone_met_ratio_record(config),
                       met + " / (" + met + " + " + missed + ")",
                       {{"milestone", milestone.name}}});
  }
}

}  // namespace orderwatch::rules::detail
