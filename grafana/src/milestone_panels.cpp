// The overview dashboard's row per milestone (render_dashboard, dashboard.cpp, adds them after
// the flow row): orders in the milestone, overdue by tier, the share met and the counted time
// against the tiers, from the metric contract (sla/metrics.h) and the rules' records.
#include <algorithm>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "panels.h"

namespace orderwatch::grafana::detail {

namespace {

namespace order = sla::order;

constexpr int kFirstMilestoneId = 1000;
constexpr int kIdsPerMilestone = 10;

// "shipped_in_24h (SLA 1d, time in OnHold not counted)", "delivery_promise (deadline from
// promisedBy)".
std::string row_title(const sla::Config& config, const sla::Milestone& milestone) {
  std::string title = "Milestone " + milestone.name + " (";
  if (milestone.has_deadline_field())
    return title + "deadline from " + milestone.deadline_field + ")";
  title += "SLA " + sla::human_duration(milestone.tiers.front().after);
  if (!milestone.calendar.empty()) title += " of open time, calendar " + milestone.calendar;
  for (std::size_t i = 0; i < milestone.pause.size(); ++i)
    title += (i == 0 ? ", time in " : ", ") + config.statuses[milestone.pause[i]].name;
  return title + (milestone.pause.empty() ? ")" : " not counted)");
}

// "warning after 1d, page after 2d" or "warning 6h before the deadline, page at it".
std::string tier_text(const sla::Milestone& milestone) {
  std::string text;
  for (const auto& tier : milestone.tiers) {
    text += (text.empty() ? "" : ", ") + tier.severity + " ";
    if (!milestone.has_deadline_field())
      text += "after " + sla::human_duration(tier.after);
    else
      text += tier.after.count() < 0 ? sla::human_duration(-tier.after) + " before the deadline"
                                     : "at the deadline";
  }
  return text;
}

void duration_panel(DashboardBuilder& b, const sla::Config& config, const sla::Milestone& milestone,
                    const std::string& matchers) {
  std::vector<Query> queries;
  for (const auto& quantile : sla::kQuantiles)
    queries.push_back(
        {rules::milestone_quantile_record(config, quantile.name) + "{" + matchers + "}",
         std::string(quantile.name)});
  const bool sla_clock = !milestone.has_deadline_field();
  auto& panel = b.panel(
      "timeseries", "Counted time in " + milestone.name,
      "Time from the milestone's start to its stop, pauses excluded" +
          std::string(milestone.calendar.empty()
                          ? ""
                          : " (open time of calendar " + milestone.calendar + ")") +
          ", observed when the clock stops. " +
          (sla_clock ? "Lines mark the tiers: " + tier_text(milestone) + "."
                     : "Each order's deadline is its own, so no line marks it: see the share met."),
      queries, "s");
  if (!sla_clock) return;
  std::vector<std::pair<double, std::string>> lines;
  for (std::size_t i = 0; i < milestone.tiers.size(); ++i)
    lines.emplace_back(sla::seconds(milestone.tiers[i].after),
                       kTierColors[std::min<std::size_t>(i, 4)]);
  threshold_lines(panel, lines);
}

}  // namespace

int milestone_panel_id(std::size_t index) {
  return kFirstMilestoneId + kIdsPerMilestone * static_cast<int>(index);
}

void milestone_row(DashboardBuilder& b, const sla::Config& config, const sla::Milestone& milestone,
                   bool calendar_panel) {
  const auto dims = rules::dimension_labels(config);
  const std::string matchers =
      rules::job_matcher(config) + ",milestone=" + rules::promql_string(milestone.name);
  const auto of = [&](const sla::MetricSpec& metric) {
    return sla::metric_name(config, metric) + "{" + matchers + "}";
  };
  b.row(row_title(config, milestone));
  std::vector<Query> in_flight = {
      {rules::across_replicas({}, of(order::kMilestoneInProgress), dims), "in progress"},
      {rules::across_replicas({}, of(order::kMilestonePaused), dims), "paused"}};
  if (milestone.has_deadline_field())
    in_flight.push_back({rules::across_replicas({}, of(order::kMilestoneWithoutDeadline), dims),
                         "without deadline"});
  b.panel("timeseries", "Orders in " + milestone.name,
          "Orders whose clock runs or is paused (in progress counts both)" +
              std::string(milestone.has_deadline_field()
                              ? "; without deadline: no event carried " + milestone.deadline_field +
                                    " yet, never overdue."
                              : "."),
          in_flight, "short");
  b.panel(
      "timeseries", "Overdue in " + milestone.name + " by tier",
      "Orders now past each tier (" + tier_text(milestone) +
          "). Cumulative: an order past a later tier also counts in the earlier ones.",
      {{rules::across_replicas({"severity"}, of(order::kMilestoneOverdue), dims), "{{severity}}"}},
      "short");
  auto& share = b.panel(
      "timeseries", "Share met: " + milestone.name,
      "Of the clocks that stopped or missed the deadline in the last 5m, the share that stopped "
      "before it (met / (met + breaches of the " +
          rules::milestone_deadline_tier(milestone).severity + " tier)).",
      {{rules::milestone_met_ratio_record(config) + "{" + matchers + "}", "met"}}, "percentunit");
  share["fieldConfig"]["defaults"]["min"] = 0;
  share["fieldConfig"]["defaults"]["max"] = 1;
  duration_panel(b, config, milestone, matchers);
  if (const auto* cal = config.find_calendar(milestone.calendar); cal && calendar_panel)
    calendar_state_panel(b, config, *cal);
}

}  // namespace orderwatch::grafana::detail
