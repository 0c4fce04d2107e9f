// The alerting rules of the rules file: overdue alerts per status and tier, the turnaround
// burn-rate alerts and the meta-alerts about the exporter itself.
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/runbooks.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"

namespace orderwatch::rules::detail {

namespace {

std::string drilldown_link(const sla::Config& config, const std::string& status,
                           const std::string& severity) {
  const std::string base = exporter_base(config);
  if (base.empty()) return {};
  return base + "/?status=" + status + "&severity=" + severity;
}

std::string overdue_description_template(const std::string& status, const std::string& phrase) {
  return "{{ if eq $value 1.0 }}1 order has{{ else }}{{ $value }} orders have{{ end }} been in " +
         status + " " + phrase + ".";
}

// "18:00", "18:00 1 open day later", "18:00 3 open days later".
std::string due_text(const calendar::CutoffRule& rule) {
  std::string text = calendar::format_clock(rule.due);
  if (rule.due_days > 0)
    text += " " + std::to_string(rule.due_days) + " open day" + (rule.due_days == 1 ? "" : "s") +
            " later";
  return text;
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

}  // namespace

std::string dashboard_link(const sla::Config& config, const std::string& status) {
  const auto& base = config.alerting.dashboard_url;
  if (base.empty()) return {};
  if (status.empty()) return base;
  return base + (base.find('?') == std::string::npos ? "?" : "&") + "var-status=" + status;
}

std::string exporter_base(const sla::Config& config) {
  std::string base = config.alerting.exporter_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string runbook_link(const sla::Config& config, const std::string& alert,
                         const std::string& status, const std::string& severity) {
  if (!config.alerting.runbook_url.empty()) return config.alerting.runbook_url;
  const std::string base = exporter_base(config);
  if (base.empty()) return {};
  return base + runbook_path(alert, status, severity);
}

Labels base_labels(const sla::Config& config, const std::string& severity) {
  Labels labels{{"service", config.service}, {"severity", severity}};
  if (!config.alerting.default_team.empty())
    labels.emplace_back("team", config.alerting.default_team);
  return labels;
}

Labels meta_annotations(const sla::Config& config, const std::string& alert,
                        const std::string& severity, std::string summary, std::string description) {
  Labels annotations{{"summary", std::move(summary)}, {"description", std::move(description)}};
  if (auto link = runbook_link(config, alert, "", severity); !link.empty())
    annotations.emplace_back("runbook_url", link);
  if (auto link = dashboard_link(config, ""); !link.empty())
    annotations.emplace_back("dashboard_url", link);
  return annotations;
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string overdue_phrase(const sla::Status& status, const sla::Tier& tier) {
  if (status.cutoff) {
    const std::string due =
        "past their due time (" + due_text(*status.cutoff) + ", calendar " + status.calendar + ")";
    if (tier.late_by.count() == 0) return due;
    return "for more than " + sla::human_duration(tier.late_by) + " of open time " + due;
  }
  std::string phrase = "for more than " + sla::human_duration(tier.after);
  if (!status.calendar.empty()) phrase += " of open time (calendar " + status.calendar + ")";
  return phrase;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

namespace {

// One rule per status and tier; the gauge is cumulative, so each tier alerts on its own
// series and the inhibition rules keep only the highest tier notifying.
Alert overdue_alert(const sla::Config& config, const sla::Status& status, const sla::Tier& tier) {
  const std::string& service = config.service;
  Alert alert;
  alert.group = Group::kOverdue;
  alert.name = alert_names(config).overdue;
  alert.expr = {across_replicas({"status", "severity"},
                                selector(sla::order::kOverdue, config,
                                         {{"status", status.name}, {"severity", tier.severity}}),
                                dimension_labels(config)) +
                " >= " + std::to_string(config.alerting.min_overdue)};
  alert.for_duration = config.alerting.for_duration;
  alert.keep_firing_for = config.alerting.effective_keep_firing_for();
  alert.labels = {{"service", service}, {"status", status.name}, {"severity", tier.severity}};
  if (auto owner = tier_team(config, tier); !owner.empty())
    alert.labels.emplace_back("team", owner);
  // Alertmanager routes these by the calendar's open hours and holidays (alertmanager/).
  if (!status.calendar.empty()) alert.labels.emplace_back(sla::label::kCalendar, status.calendar);
  alert.phrase = overdue_phrase(status, tier);
  alert.annotations = {{"summary", service + ": orders stuck in " + status.name + " " +
                                       alert.phrase + " (" + tier.severity + " tier)"},
                       {"description", overdue_description_template(status.name, alert.phrase)}};
  if (auto link = runbook_link(config, alert.name, status.name, tier.severity); !link.empty())
    alert.annotations.emplace_back("runbook_url", link);
  if (auto link = dashboard_link(config, status.name); !link.empty())
    alert.annotations.emplace_back("dashboard_url", link);
  if (auto link = drilldown_link(config, status.name, tier.severity); !link.empty())
    alert.annotations.emplace_back("drilldown_url", link);
  alert.status = status.name;
  alert.tier = tier;
  return alert;
}

// The multi-window conditions of one severity, or-ed: each long window and its short one.
std::vector<std::string> burn_expr(const sla::Config& config, const std::string& severity) {
  const std::string budget = error_budget_text(config.turnaround.objective);
  std::vector<std::string> lines;
  for (const auto& w : burn_windows(config)) {
    if (w.severity != severity) continue;
    const std::string threshold = " > (" + w.factor + " * " + budget + ")";
    if (!lines.empty()) lines.push_back("or");
    lines.push_back("(");
    lines.push_back("  " +
                    selector(turnaround_error_ratio_record(config, w.long_window), config, {}) +
                    threshold);
    lines.push_back("  and");
    lines.push_back("  " +
                    selector(turnaround_error_ratio_record(config, w.short_window), config, {}) +
                    threshold);
    lines.push_back(")");
  }
  return lines;
}

Alert burn_alert(const sla::Config& config, const std::string& severity) {
  Alert alert;
  alert.group = Group::kTurnaround;
  alert.name = alert_names(config).turnaround_burn;
  alert.expr = burn_expr(config, severity);
  alert.labels = base_labels(config, severity);
  alert.labels.emplace_back("slo", "turnaround");
  alert.annotations = meta_annotations(config, alert.name, severity,
                                       config.service + ": turnaround error budget burning " +
                                           (severity == kSeverityPage ? "fast" : "slowly"),
                                       burn_description(config, severity));
  return alert;
}

}  // namespace

std::vector<Alert> alerts(const sla::Config& config) {
  std::vector<Alert> list;
  for (const auto& status : config.statuses) {
    for (const auto& tier : status.tiers) list.push_back(overdue_alert(config, status, tier));
  }
  if (config.turnaround.enabled) {
    for (const char* severity : {kSeverityPage, kSeverityTicket})
      list.push_back(burn_alert(config, severity));
  }
  add_milestone_alerts(config, list);
  add_meta_alerts(config, list);
  return list;
}

}  // namespace orderwatch::rules::detail
