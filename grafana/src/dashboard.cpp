// The overview dashboard: its rows of panels (in flight, on-call console, time in status,
// flow and turnaround, exporter health), whose queries use the metric contract
// (sla/metrics.h) and the rules' records, laid out by panels.h. Called by cli's `generate`.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "panels.h"

namespace orderwatch::grafana {

namespace {

using detail::calendar_state_panel;
using detail::DashboardBuilder;
using detail::datasource_ref;
using detail::kTierColors;
using detail::milestone_panel_id;
using detail::milestone_row;
using detail::Query;
using detail::stat_thresholds;
using detail::threshold_lines;
using nlohmann::json;
using sla::HistogramPart::kBucket;
namespace order = sla::order;
namespace self = sla::self;

// "p50 / p95 / p99"
std::string quantile_names(std::string_view separator) {
  std::string text;
  for (const auto& quantile : sla::kQuantiles) {
    if (!text.empty()) text += separator;
    text += quantile.name;
  }
  return text;
}

// What the panel queries are built from: the config, its job matcher and the status filter.
struct Series {
  const sla::Config& config;
  std::string job;            // job="<alerting.job>"
  std::string status_filter;  // job="...",status=~"$status"

  explicit Series(const sla::Config& c)
      : config(c), job(rules::job_matcher(c)), status_filter(job + ",status=~\"$status\"") {}

  // name{job="..."}: a recorded series of this job.
  std::string of_job(std::string_view name) const { return std::string(name) + "{" + job + "}"; }
  // The metric (a histogram's part) of this job, or of this job and the selected statuses.
  std::string of_job(const sla::MetricSpec& m) const { return of_job(sla::metric_name(config, m)); }
  std::string of_job(const sla::MetricSpec& m, sla::HistogramPart part) const {
    return of_job(sla::metric_name(config, m, part));
  }
  std::string of_statuses(const sla::MetricSpec& m) const {
    return sla::metric_name(config, m) + "{" + status_filter + "}";
  }
  std::string of_statuses(const sla::MetricSpec& m, sla::HistogramPart part) const {
    return sla::metric_name(config, m, part) + "{" + status_filter + "}";
  }
};

std::string rate(const std::string& series) { return "rate(" + series + "[$__rate_interval])"; }

void in_flight_row(DashboardBuilder& b, const Series& s) {
  const auto dims = rules::dimension_labels(s.config);
  b.row("Orders in flight");
  b.panel(
      "timeseries", "Orders in each status",
      "Orders currently in each status (dimensions and partitions summed, replicas counted "
      "once).",
      {{rules::across_replicas({"status"}, s.of_statuses(order::kInStatus), dims), "{{status}}"}},
      "short");
  b.panel("timeseries", "Overdue orders by status and tier",
          "Orders now past each SLA tier. Cumulative: an order past a later tier also counts in "
          "the earlier ones.",
          {{rules::across_replicas({"status", "severity"}, s.of_statuses(order::kOverdue), dims),
            "{{status}} {{severity}}"}},
          "short");
  b.panel("timeseries", "Oldest order age by status",
          "How long the oldest order in each status has been there. Empty statuses show no line.",
          {{"time() - min by (status) (" +
                s.of_statuses(order::kStatusOldestEnteredTimestampSeconds) + ")",
            "{{status}}"}},
          "s");
  auto& panel = b.panel(
      "timeseries", "Share of stays within SLA",
      "Of the orders that left each status in the last 5m, the share that "
      "left within the status's SLA.",
      {{rules::status_within_sla_record(s.config) + "{" + s.status_filter + "}", "{{status}}"}},
      "percentunit");
  panel["fieldConfig"]["defaults"]["min"] = 0;
  panel["fieldConfig"]["defaults"]["max"] = 1;
}

// An open-time status (calendar + sla): the quantiles of the open time its stays spent, against
// its tiers (open times, bucket bounds of order_status_open_duration_seconds).
void open_time_panel(DashboardBuilder& b, const Series& s, const sla::Status& status) {
  const std::string bucket =
      sla::metric_name(s.config, order::kStatusOpenDurationSeconds, kBucket) + "{" + s.job +
      ",status=" + rules::promql_string(status.name) + "}";
  std::vector<Query> queries;
  for (const auto& quantile : sla::kQuantiles) {
    queries.push_back(
        {"histogram_quantile(" + std::string(quantile.value) + ", " +
             rules::across_replicas({"le"}, rate(bucket), rules::dimension_labels(s.config)) + ")",
         std::string(quantile.name)});
  }
  std::string description = "Open time of calendar " + status.calendar + " that orders spent in " +
                            status.name + " before leaving it. Lines mark the SLA tiers:";
  std::vector<std::pair<double, std::string>> lines;
  for (std::size_t i = 0; i < status.tiers.size(); ++i) {
    description +=
        " " + status.tiers[i].severity + " " + sla::human_duration(status.tiers[i].after);
    lines.emplace_back(sla::seconds(status.tiers[i].after),
                       kTierColors[std::min<std::size_t>(i, 4)]);
  }
  auto& panel = b.panel("timeseries",
                        "Open time in " + status.name + " (SLA " +
                            sla::human_duration(status.tiers.front().after) + ", calendar " +
                            status.calendar + ")",
                        description + ".", queries, "s");
  threshold_lines(panel, lines);
}

void time_in_status_panel(DashboardBuilder& b, const Series& s, const sla::Status& status) {
  std::vector<Query> queries;
  for (const auto& quantile : sla::kQuantiles) {
    queries.push_back({rules::status_quantile_record(s.config, quantile.name) + "{" + s.job +
                           ",status=" + rules::promql_string(status.name) + "}",
                       std::string(quantile.name)});
  }
  std::string title = "Time in " + status.name;
  std::string description = "Time orders spent in " + status.name + " before leaving it.";
  if (!status.calendar.empty() && !status.cutoff && !status.tiers.empty()) {
    open_time_panel(b, s, status);
    return;
  }
  if (!status.calendar.empty()) {
    // Its deadlines count open time of the calendar (or a due time): no wall-clock line states
    // them; the share within SLA panel (met / breached) does.
    b.panel("timeseries", title + " (wall clock; calendar " + status.calendar + ")",
            description + " Its SLA counts the open time of calendar " + status.calendar +
                " (or a due time), so no wall-clock line marks it: see the share of stays "
                "within SLA.",
            queries, "s");
    return;
  }
  if (!status.tiers.empty()) {
    title += " (SLA " + sla::human_duration(status.tiers.front().after) + ")";
    description += " Lines mark the SLA tiers:";
    for (const auto& tier : status.tiers)
      description += " " + tier.severity + " " + sla::human_duration(tier.after);
    description += ".";
  }
  auto& panel = b.panel("timeseries", title, description, queries, "s");
  std::vector<std::pair<double, std::string>> lines;
  for (std::size_t i = 0; i < status.tiers.size(); ++i)
    lines.emplace_back(sla::seconds(status.tiers[i].after),
                       kTierColors[std::min<std::size_t>(i, 4)]);
  if (!lines.empty()) threshold_lines(panel, lines);
}

void time_in_status_row(DashboardBuilder& b, const Series& s) {
  b.row("Time in status (" + quantile_names(" / ") + " against the SLA tiers)");
  std::vector<std::string> shown;  // calendars whose state panel is drawn
  for (const auto& status : s.config.statuses) {
    if (status.terminal) continue;
    time_in_status_panel(b, s, status);
    // Next to the first of its statuses: whether the calendar is open now.
    const auto* cal = s.config.find_calendar(status.calendar);
    if (cal && std::find(shown.begin(), shown.end(), cal->name) == shown.end()) {
      calendar_state_panel(b, s.config, *cal);
      shown.push_back(cal->name);
    }
  }
}

void turnaround_panels(DashboardBuilder& b, const Series& s) {
  const auto& t = s.config.turnaround;
  std::vector<Query> queries;
  for (const auto& quantile : sla::kQuantiles) {
    queries.push_back(
        {"histogram_quantile(" + std::string(quantile.value) + ", " +
             rules::across_replicas({"le"}, rate(s.of_job(order::kTurnaroundSeconds, kBucket)),
                                    {"outcome"}) +
             ")",
         std::string(quantile.name)});
  }
  auto& quantiles =
      b.panel("timeseries", "Turnaround (SLA " + sla::human_duration(t.sla) + ")",
              "First event to a terminal status. The line is the turnaround SLA.", queries, "s");
  threshold_lines(quantiles, {{sla::seconds(t.sla), "red"}});

  const std::string budget = rules::error_budget_text(t.objective);
  auto& share = b.panel(
      "timeseries",
      "Turnaround within SLA (objective " + rules::shortest_double(t.objective) + "%)",
      "Share of orders finishing within " + sla::human_duration(t.sla) +
          " over the last 5m; the line is the objective.",
      {{s.of_job(rules::turnaround_within_sla_record(s.config)), "within SLA"}}, "percentunit");
  threshold_lines(share, {{1.0 - std::stod(budget), "red"}});

  std::vector<Query> burn;
  for (const auto& w : rules::burn_windows(s.config)) {
    burn.push_back(
        {s.of_job(rules::turnaround_error_ratio_record(s.config, w.long_window)) + " / " + budget,
         sla::format_duration(w.long_window)});
  }
  b.panel("timeseries", "Turnaround error budget burn rate",
          "How fast the " + sla::human_duration(t.window) +
              " error budget burns (1 = exactly on budget). Pages at 14.4x over 1h for a 30d "
              "window, scaled to the configured window.",
          burn, "short");
}

void exporter_health_row(DashboardBuilder& b, const Series& s) {
  b.row("Exporter health");
  b.panel("timeseries", "Events per second by result",
          "Applied, duplicate, stale, rejected (replicas counted once).",
          {{rules::across_replicas({"result"}, rate(s.of_job(order::kEventsTotal))), "{{result}}"}},
          "ops");
  b.panel("timeseries", "Rejected events by reason",
          "Events orderwatch could not use; the exporter log has rate-limited examples.",
          {{rules::across_replicas({"reason"}, rate(s.of_job(order::kEventsRejectedTotal))),
            "{{reason}}"}},
          "ops");
  stat_thresholds(
      b.panel("stat", "Exporter targets up", "Scraped orderwatch instances that are up.",
              {{"sum(" + s.of_job(rules::kUpMetric) + ")", "up"}}, "short", 6),
      "red", 1, "green");
  stat_thresholds(
      b.panel("stat", "NATS connected", "1 when every orderwatch instance is connected to NATS.",
              {{"min(" + s.of_job(self::kNatsConnected) + ")", "connected"}}, "short", 6),
      "red", 1, "green");
  stat_thresholds(
      b.panel("stat", "Time since last event",
              "Wall clock time since the last order event arrived.",
              {{"time() - max(" + s.of_job(self::kLastEventTimestampSeconds) + ")", "since last"}},
              "s", 6),
      "green", sla::seconds(s.config.alerting.no_events_for), "red");
  b.panel("stat", "Tracked orders", "Orders orderwatch holds in memory (replicas counted once).",
          {{rules::across_replicas({}, s.of_job(self::kTrackedOrders)), "orders"}}, "short", 6);
  auto& lag = b.panel(
      "timeseries", "Watermark lag by instance",
      "How far each instance's watermark (the time up to which it has applied the order "
      "stream; overdue is judged as of it) trails the wall clock. The line is the " +
          rules::alert_names(s.config).exporter_behind + " threshold.",
      {{"max by (instance) (" + s.of_job(self::kWatermarkLagSeconds) + ")", "{{instance}}"}}, "s");
  threshold_lines(lag, {{sla::seconds(s.config.alerting.behind.threshold), "red"}});
  b.panel("timeseries", "NATS trouble",
          "Reconnects, slow-consumer events and messages dropped by the client.",
          {{"sum(" + rate(s.of_job(self::kNatsReconnectsTotal)) + ")", "reconnects"},
           {"sum(" + rate(s.of_job(self::kNatsSlowConsumerTotal)) + ")", "slow consumer"},
           {"sum(" + rate(s.of_job(self::kNatsDroppedMessagesTotal)) + ")", "dropped"}},
          "ops");
  b.panel("timeseries", "Evictions and config reloads",
          "Orders evicted past retention.max_age, and whether the last config reload worked.",
          {{rules::across_replicas({}, rate(s.of_job(self::kEvictionsTotal))), "evictions/s"},
           {"min(" + s.of_job(self::kConfigLastReloadSuccessful) + ")", "last reload ok"}},
          "short");
  // Last in the row, so no other panel is renumbered.
  stat_thresholds(
      b.panel("stat", "Blind instances",
              "Instances that are scraped but consume no order events (not connected, stream "
              "missing or consumer not bound): their counts stand still. " +
                  rules::alert_names(s.config).exporter_blind +
                  " pages when no replica of a partition consumes.",
              {{"count(" + rules::blind_instances(s.config) + ") or on () vector(0)", "blind"}},
              "short", 6),
      "green", 1, "red");
}

// What on-call did and what sits in each status now: acknowledged orders, actions, and the
// current ages (order_age_seconds, a gauge histogram: read as is, never rate()d).
void console_row(DashboardBuilder& b, const Series& s) {
  const auto dims = rules::dimension_labels(s.config);
  b.row("On-call console and current ages");
  b.panel("timeseries", "Acknowledged overdue orders by status and tier",
          "Orders past a tier whose stay an operator acknowledged: they are not in the overdue "
          "counts nor in the alerts until they move or the acknowledgement expires.",
          {{rules::across_replicas({"status", "severity"},
                                   s.of_statuses(order::kOverdueAcknowledged), dims),
            "{{status}} {{severity}}"}},
          "short");
  // orderwatch_actions_total exists only with --web.enable-actions: 0 rather than no data.
  b.panel("timeseries", "Operator actions",
          "Acknowledge, forget and redrive actions per second (a batch counts each order); 0 when "
          "none were taken or the exporters run without --web.enable-actions.",
          {{"sum by (action) (" + rate(s.of_job(self::kActionsTotal)) + ") or on () vector(0)",
            "{{action}}"}},
          "ops");
  std::vector<Query> ages;
  for (const char* q : {"0.5", "0.99"}) {
    ages.push_back({"histogram_quantile(" + std::string(q) + ", " +
                        rules::across_replicas({"status", "le"},
                                               s.of_statuses(order::kAgeSeconds, kBucket), dims) +
                        ")",
                    std::string(q == std::string("0.5") ? "p50" : "p99") + " {{status}}"});
  }
  b.panel("timeseries", "Current age of the orders in each status (p50 / p99)",
          "Percentiles of how long the orders sitting in each status right now have been there.",
          ages, "s");
  // Summed over the selected statuses; each status's replicas counted once (max apart by
  // status, then the sum).
  auto by_status = dims;
  by_status.insert(by_status.begin(), "status");
  b.panel("heatmap", "Current ages (all statuses selected)",
          "How many orders sit in the selected statuses, by how long they have been there; the "
          "bucket bounds include every SLA tier.",
          {{rules::across_replicas({"le"}, s.of_statuses(order::kAgeSeconds, kBucket), by_status),
            "{{le}}"}},
          "s");
}

json panels(const Series& s) {
  DashboardBuilder b;
  in_flight_row(b, s);
  console_row(b, s);
  time_in_status_row(b, s);
  b.row("Flow and turnaround");
  b.panel("timeseries", "Transitions per second", "Status changes, by from and to status.",
          {{rules::across_replicas({"from", "to"},
                                   rate(sla::metric_name(s.config, order::kTransitionsTotal) + "{" +
                                        s.job + ",from=~\"$status\"}")),
            "{{from}} → {{to}}"}},
          "ops");
  if (s.config.turnaround.enabled) turnaround_panels(b, s);
  // Milestone panels take ids of their own (milestone_panel_id), so adding a milestone renumbers
  // no other panel, nor the exporter health row below.
  const int next = b.set_next_id(0);
  std::vector<std::string> shown;  // calendars whose state panel is drawn
  for (const auto& status : s.config.statuses) {
    if (!status.terminal && !status.calendar.empty()) shown.push_back(status.calendar);
  }
  for (std::size_t i = 0; i < s.config.milestones.size(); ++i) {
    const auto& milestone = s.config.milestones[i];
    // A calendar no status counts in: its state next to its first milestone.
    const bool calendar = !milestone.calendar.empty() &&
                          std::find(shown.begin(), shown.end(), milestone.calendar) == shown.end();
    if (calendar) shown.push_back(milestone.calendar);
    b.set_next_id(milestone_panel_id(i));
    milestone_row(b, s.config, milestone, calendar);
  }
  b.set_next_id(next);
  exporter_health_row(b, s);
  return b.panels();
}

json template_variables(const Series& s) {
  const std::string statuses = "label_values(" + s.of_job(order::kInStatus) + ", status)";
  json status_variable = {
      {"name", "status"},
      {"label", "Status"},
      {"type", "query"},
      {"datasource", datasource_ref()},
      {"query", {{"query", statuses}, {"refId", "StandardVariableQuery"}}},
      {"includeAll", true},
      {"allValue", ".*"},
      {"multi", true},
      {"current", {{"selected", true}, {"text", {"All"}}, {"value", {"$__all"}}}},
      {"refresh", 2},
      {"sort", 1},
      {"hide", 0},
      {"regex", ""},
  };
  json datasource_variable = {
      {"name", "datasource"},
      {"label", "Data source"},
      {"type", "datasource"},
      {"query", "prometheus"},
      {"current", {{"selected", false}, {"text", kDatasourceName}, {"value", kDatasourceUid}}},
      {"refresh", 1},
      {"hide", 0},
      {"regex", ""},
  };
  return {datasource_variable, status_variable};
}

}  // namespace

std::string dashboard_uid(const sla::Config& config) {
  const std::string uid = "orderwatch-" + config.service;
  constexpr std::size_t kMaxUid = 40;  // Grafana's limit
  if (uid.size() <= kMaxUid) return uid;
  return uid.substr(0, kMaxUid - 9) + "-" + rules::short_hash(config.service);
}

std::string dashboard_file_name(const sla::Config& config) {
  return config.service + "-overview.json";
}

void render_dashboard(const sla::Config& config, std::ostream& out) {
  const Series series(config);
  json dashboard = {
      {"uid", dashboard_uid(config)},
      {"title", "orderwatch: " + config.service},
      {"description", "Orders of " + config.service +
                          " by status against their SLAs. Generated by orderwatch generate; "
                          "edit the SLA file, not this dashboard."},
      {"tags", {"orderwatch", config.service}},
      {"schemaVersion", 39},
      {"version", 1},
      {"editable", false},
      {"graphTooltip", 1},
      {"refresh", "1m"},
      {"time", {{"from", "now-6h"}, {"to", "now"}}},
      {"timepicker", json::object()},
      {"timezone", ""},
      {"links", json::array()},
      {"annotations", {{"list", json::array()}}},
      {"templating", {{"list", template_variables(series)}}},
      {"panels", panels(series)},
  };
  out << dashboard.dump(2) << "\n";
}

}  // namespace orderwatch::grafana
