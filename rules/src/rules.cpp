#include "orderwatch/rules/rules.h"

#include <algorithm>
#include <filesystem>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
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
    windows.push_back({w.severity, w.long_window, w.short_window, w.budget_percent,
                       decimal_text(thousandths, 3)});
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

std::string selector(std::string_view metric, const sla::Config& config,
                     const std::vector<std::pair<std::string, std::string>>& matchers) {
  std::string text = std::string(metric) + "{" + job_matcher(config);
  for (const auto& [label, value] : matchers) text += "," + label + "=" + promql_string(value);
  return text + "}";
}

std::string dashboard_link(const sla::Config& config, const std::string& status) {
  const auto& base = config.alerting.dashboard_url;
  if (base.empty()) return {};
  if (status.empty()) return base;
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "var-status=" + status;
}

std::string drilldown_link(const sla::Config& config, const std::string& status,
                           const std::string& severity) {
  std::string base = config.alerting.exporter_url;
  if (base.empty()) return {};
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/?status=" + status + "&severity=" + severity;
}

std::string overdue_description_template(const std::string& status, sla::Duration after) {
  return "{{ if eq $value 1.0 }}1 order has{{ else }}{{ $value }} orders have{{ end }} been in " +
         status + " for more than " + sla::human_duration(after) + ".";
}

std::string burn_description(const sla::Config& config, const std::string& severity) {
  const auto& t = config.turnaround;
  const bool fast = severity == kSeverityPage;
  return "{{ $value | humanizePercentage }} of recent " + config.service +
         " orders took longer than " + sla::human_duration(t.sla) +
         " from first event to a terminal status. At this " + (fast ? "fast" : "slow") +
         " burn the " + shortest_double(t.objective) + "% objective over " +
         sla::human_duration(t.window) + " is at risk.";
}

std::vector<Alert> alerts(const sla::Config& config) {
  const AlertNames names = alert_names(config);
  const std::string service = config.service;
  const std::string team = config.alerting.default_team;
  auto base_labels = [&](const std::string& severity) {
    Labels labels{{"service", service}, {"severity", severity}};
    if (!team.empty()) labels.emplace_back("team", team);
    return labels;
  };
  auto meta_annotations = [&](std::string summary, std::string description) {
    Labels annotations{{"summary", std::move(summary)}, {"description", std::move(description)}};
    if (auto link = dashboard_link(config, ""); !link.empty())
      annotations.emplace_back("dashboard_url", link);
    return annotations;
  };

  std::vector<Alert> list;
  // Overdue: one rule per status and tier; the gauge is cumulative, so each tier alerts on
  // its own series and the inhibition rules keep only the highest tier notifying.
  for (const auto& status : config.statuses) {
    for (const auto& tier : status.tiers) {
      Alert alert;
      alert.group = Group::kOverdue;
      alert.name = names.overdue;
      alert.expr = {"sum by (status, severity) (" +
                    selector(sla::metric(config, "overdue"), config,
                             {{"status", status.name}, {"severity", tier.severity}}) +
                    ") >= " + std::to_string(config.alerting.min_overdue)};
      alert.for_duration = config.alerting.for_duration;
      alert.keep_firing_for = config.alerting.effective_keep_firing_for();
      alert.labels = {{"service", service}, {"status", status.name}, {"severity", tier.severity}};
      if (auto owner = tier_team(config, tier); !owner.empty())
        alert.labels.emplace_back("team", owner);
      alert.annotations = {
          {"summary", service + ": orders stuck in " + status.name + " for more than " +
                          sla::human_duration(tier.after) + " (" + tier.severity + " tier)"},
          {"description", overdue_description_template(status.name, tier.after)}};
      if (!config.alerting.runbook_url.empty())
        alert.annotations.emplace_back("runbook_url", config.alerting.runbook_url);
      if (auto link = dashboard_link(config, status.name); !link.empty())
        alert.annotations.emplace_back("dashboard_url", link);
      if (auto link = drilldown_link(config, status.name, tier.severity); !link.empty())
        alert.annotations.emplace_back("drilldown_url", link);
      alert.status = status.name;
      alert.tier = tier;
      list.push_back(std::move(alert));
    }
  }

  if (config.turnaround.enabled) {
    const std::string budget = error_budget_text(config.turnaround.objective);
    const auto windows = burn_windows(config);
    for (const char* severity : {kSeverityPage, kSeverityTicket}) {
      Alert alert;
      alert.group = Group::kTurnaround;
      alert.name = names.turnaround_burn;
      bool first = true;
      for (const auto& w : windows) {
        if (w.severity != severity) continue;
        const std::string threshold = " > (" + w.factor + " * " + budget + ")";
        if (!first) alert.expr.push_back("or");
        alert.expr.push_back("(");
        alert.expr.push_back(
            "  " + selector(turnaround_error_ratio_record(config, w.long_window), config, {}) +
            threshold);
        alert.expr.push_back("  and");
        alert.expr.push_back(
            "  " + selector(turnaround_error_ratio_record(config, w.short_window), config, {}) +
            threshold);
        alert.expr.push_back(")");
        first = false;
      }
      alert.labels = base_labels(severity);
      alert.labels.emplace_back("slo", "turnaround");
      alert.annotations =
          meta_annotations(service + ": turnaround error budget burning " +
                               (std::string(severity) == kSeverityPage ? "fast" : "slowly"),
                           burn_description(config, severity));
      list.push_back(std::move(alert));
    }
  }

  const std::string up = selector("up", config, {});
  {
    Alert alert;
    alert.name = names.exporter_down;
    alert.expr = {up + " == 0"};
    alert.for_duration = config.alerting.for_duration;
    alert.labels = base_labels(kSeverityPage);
    alert.annotations = meta_annotations(service + ": orderwatch exporter down",
                                         "Prometheus cannot scrape {{ $labels.instance }} (job " +
                                             config.alerting.job + "): order SLAs of " + service +
                                             " are not being watched.");
    list.push_back(std::move(alert));
  }
  {
    Alert alert;
    alert.name = names.exporter_absent;
    alert.expr = {"absent(" + up + ")"};
    alert.for_duration = config.alerting.for_duration;
    alert.labels = base_labels(kSeverityPage);
    alert.annotations =
        meta_annotations(service + ": no orderwatch exporter is scraped",
                         "Prometheus has no target for job " + config.alerting.job +
                             ": order SLAs of " + service + " are not being watched.");
    list.push_back(std::move(alert));
  }
  {
    Alert alert;
    alert.name = names.no_events;
    // The window is in the expression itself, so no extra `for`: the alert fires the first
    // evaluation after no_events_for has passed without an event.
    alert.expr = {"time() - max(" + selector(sla::self::kLastEventTimestampSeconds, config, {}) +
                  ") > " + sla::seconds_text(config.alerting.no_events_for)};
    alert.labels = base_labels(kSeverityWarning);
    alert.annotations = meta_annotations(
        service + ": no order events received",
        "orderwatch has received no order event for more than " +
            sla::human_duration(config.alerting.no_events_for) + " (subject " +
            config.nats.subject + "): producers stopped, or the subscription is broken.");
    list.push_back(std::move(alert));
  }
  {
    Alert alert;
    alert.name = names.events_rejected;
    alert.expr = {
        "sum by (reason) (rate(" +
            selector(sla::metric(config, "events_rejected_total"), config, {}) + "[10m]))",
        "  / on () group_left ()",
        "sum(rate(" + selector(sla::metric(config, "events_total"), config, {}) + "[10m])) > 0.01"};
    alert.for_duration = config.alerting.for_duration;
    alert.labels = base_labels(kSeverityWarning);
    alert.annotations = meta_annotations(
        service + ": order events rejected",
        "More than 1% of " + service +
            " order events in the last 10m were rejected as {{ $labels.reason }}; the "
            "exporter log has examples (rate-limited).");
    list.push_back(std::move(alert));
  }
  {
    Alert alert;
    alert.name = names.nats_disconnected;
    alert.expr = {selector(sla::self::kNatsConnected, config, {}) + " == 0"};
    alert.for_duration = config.alerting.for_duration;
    alert.labels = base_labels(kSeverityPage);
    alert.annotations =
        meta_annotations(service + ": orderwatch lost its NATS connection",
                         "{{ $labels.instance }} is not connected to NATS (" + config.nats.url +
                             "): no order events arrive and overdue counts go stale.");
    list.push_back(std::move(alert));
  }
  return list;
}

}  // namespace detail

namespace {

using detail::Alert;
using detail::Group;
using detail::selector;

void emit_expr(std::ostream& out, const std::vector<std::string>& lines) {
  if (lines.size() == 1) {
    out << "        expr: " << yaml_quote(lines.front()) << "\n";
    return;
  }
  out << "        expr: |-\n";
  for (const auto& line : lines) out << "          " << line << "\n";
}

void emit_map(std::ostream& out, const char* key, const detail::Labels& entries) {
  if (entries.empty()) return;
  out << "        " << key << ":\n";
  for (const auto& [name, value] : entries)
    out << "          " << name << ": " << yaml_quote(value) << "\n";
}

void emit_alert(std::ostream& out, const Alert& alert) {
  out << "      - alert: " << alert.name << "\n";
  emit_expr(out, alert.expr);
  if (alert.for_duration.count() > 0)
    out << "        for: " << sla::format_duration(alert.for_duration) << "\n";
  if (alert.keep_firing_for.count() > 0)
    out << "        keep_firing_for: " << sla::format_duration(alert.keep_firing_for) << "\n";
  emit_map(out, "labels", alert.labels);
  emit_map(out, "annotations", alert.annotations);
}

void emit_record(std::ostream& out, const std::string& name, const std::string& expr,
                 const detail::Labels& labels = {}) {
  out << "      - record: " << name << "\n";
  emit_expr(out, {expr});
  emit_map(out, "labels", labels);
}

std::string rate_sum(const std::string& by, const std::string& series, const std::string& range) {
  return "sum by (" + by + ") (rate(" + series + "[" + range + "]))";
}

}  // namespace

void render_rules(const sla::Config& config, std::ostream& out) {
  const auto all_alerts = detail::alerts(config);
  const std::string duration = sla::metric(config, "status_duration_seconds");
  const std::string turnaround = sla::metric(config, "turnaround_seconds");

  out << "# Generated by `orderwatch generate` from "
      << std::filesystem::path(config.source_path).filename().string()
      << ". Do not edit: change the SLA file and regenerate.\n";
  out << "groups:\n";

  out << "  - name: " << config.service << ".recording\n";
  out << "    rules:\n";
  for (const auto& quantile : sla::kQuantiles) {
    emit_record(out, status_quantile_record(config, quantile.name),
                "histogram_quantile(" + std::string(quantile.value) + ", " +
                    rate_sum("job, status, le", selector(duration + "_bucket", config, {}), "5m") +
                    ")");
  }
  for (const auto& status : config.statuses) {
    if (status.tiers.empty()) continue;
    // The SLA is a bucket bound (metric contract), so this ratio is exact, not interpolated.
    const std::string le = sla::seconds_text(status.tiers.front().after);
    emit_record(
        out, status_within_sla_record(config),
        rate_sum("job, status",
                 selector(duration + "_bucket", config, {{"status", status.name}, {"le", le}}),
                 "5m") +
            " / " +
            rate_sum("job, status",
                     selector(duration + "_count", config, {{"status", status.name}}), "5m"),
        // Same value as the series' own label; it tells the per-status rules apart
        // for promtool's duplicate-rule lint.
        {{"status", status.name}});
  }
  if (config.turnaround.enabled) {
    const std::string le = sla::seconds_text(config.turnaround.sla);
    emit_record(out, turnaround_within_sla_record(config),
                rate_sum("job", selector(turnaround + "_bucket", config, {{"le", le}}), "5m") +
                    " / " + rate_sum("job", selector(turnaround + "_count", config, {}), "5m"));

    out << "  - name: " << config.service << ".turnaround-slo\n";
    out << "    rules:\n";
    for (const auto& window : detail::error_ratio_windows(config)) {
      const std::string range = sla::format_duration(window);
      emit_record(
          out, turnaround_error_ratio_record(config, window),
          "1 - (" + rate_sum("job", selector(turnaround + "_bucket", config, {{"le", le}}), range) +
              " / " + rate_sum("job", selector(turnaround + "_count", config, {}), range) + ")");
    }
    for (const auto& alert : all_alerts) {
      if (alert.group == Group::kTurnaround) emit_alert(out, alert);
    }
  }

  bool any_overdue = false;
  for (const auto& alert : all_alerts) {
    if (alert.group != Group::kOverdue) continue;
    if (!any_overdue) {
      out << "  - name: " << config.service << ".overdue\n";
      out << "    rules:\n";
      any_overdue = true;
    }
    emit_alert(out, alert);
  }

  out << "  - name: " << config.service << ".meta\n";
  out << "    rules:\n";
  for (const auto& alert : all_alerts) {
    if (alert.group == Group::kMeta) emit_alert(out, alert);
  }
}

}  // namespace orderwatch::rules
