// Private to the rules renderer: the model of the rules file (groups of recording and
// alerting rules) shared by render_rules and render_rule_tests, so a test is always
// generated from the very rule it checks. Built from the Config by pure functions; the
// YAML is written from this model in one place (rules.cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::rules::detail {

using Labels = std::vector<std::pair<std::string, std::string>>;  // in output order

enum class Group { kOverdue, kMilestone, kTurnaround, kMeta };

struct Alert {
  Group group = Group::kMeta;
  std::string name;
  std::vector<std::string> expr;  // lines; one line is written as a quoted scalar
  sla::Duration for_duration{0};
  sla::Duration keep_firing_for{0};
  Labels labels;
  Labels annotations;
  // Overdue alerts only: which status and tier the rule watches, and overdue_phrase() of it.
  // Milestone alerts: `milestone` instead of `status`, and milestone_phrase() of the tier.
  std::string status;
  std::string milestone;
  std::optional<sla::Tier> tier;
  std::string phrase;
};

struct Record {
  std::string name;
  std::string expr;
  Labels labels;
};

// One `groups:` entry; its recording rules come before its alerts.
struct RuleGroup {
  std::string name;
  std::vector<Record> records;
  std::vector<Alert> alerts;
};

// Every alert of the rules file, in file order within its group (alerts.cpp).
std::vector<Alert> alerts(const sla::Config& config);

// The meta-alerts about the exporter itself, appended in file order (meta_alerts.cpp).
void add_meta_alerts(const sla::Config& config, std::vector<Alert>& list);

// Why an instance that is scraped consumes no order events, in order of precedence: an
// instance has at most one (not_connected; with JetStream also stream_missing, then
// consumer_not_bound, which a start-up re-read does not count as).
struct BlindCause {
  std::string cause;      // the alerts' `cause` label
  std::string instances;  // PromQL: a series per instance with this cause (self-metric labels)
  std::string phrase;     // after "it": "is not connected to NATS (nats://...)"
};
std::vector<BlindCause> blind_causes(const sla::Config& config);
// PromQL: a series per instance that consumes (connected; with JetStream, its stream there and
// its consumer bound or re-reading). Replicas that see the same orders share a partition label.
std::string consuming_instances(const sla::Config& config);
// <Service>ExporterBlind, one rule per cause (blind_alerts.cpp).
void add_blind_alerts(const sla::Config& config, std::vector<Alert>& list);
// <Service>ExporterBehind, one rule per cause: backlog (the lag is real), no_position (nothing
// applied yet) and each blind cause; the description of each says why (blind_alerts.cpp).
void add_behind_alerts(const sla::Config& config, std::vector<Alert>& list);

// One overdue alert per milestone and tier, appended in file order (milestone_rules.cpp).
void add_milestone_alerts(const sla::Config& config, std::vector<Alert>& list);
// Per milestone its share met and, for all milestones, the duration quantiles
// (milestone_rules.cpp); appended to the recording group. Nothing without milestones.
void add_milestone_records(const sla::Config& config, std::vector<Record>& records);

// What a milestone's tier means, as its alert says it after "N orders are": "past 24h of
// counted time in milestone shipped_in_24h (time in OnHold not counted)", "past their promised
// deadline (promisedBy) in milestone delivery_promise", "at risk in milestone
// delivery_promise: within 6h of their promised deadline (promisedBy)".
std::string milestone_phrase(const sla::Config& config, const sla::Milestone& milestone,
                             const sla::Tier& tier);
// The description of a milestone alert for `orders` ("1 order is", "3 orders are").
std::string milestone_description(const std::string& orders, const Alert& alert);

// ---- shared by alerts.cpp and meta_alerts.cpp ------------------------------------------------
// alerting.exporter_url without trailing slashes ("" when unset).
std::string exporter_base(const sla::Config& config);
// alerting.runbook_url, else the exporter's /runbooks/<alert>[?status=&severity=], else "".
std::string runbook_link(const sla::Config& config, const std::string& alert,
                         const std::string& status, const std::string& severity);
// alerting.dashboard_url with var-status=<status> when status is set; "" when unset.
std::string dashboard_link(const sla::Config& config, const std::string& status);
// service, severity and (when set) team = alerting.default_team.
Labels base_labels(const sla::Config& config, const std::string& severity);
// summary, description, then runbook_url and dashboard_url when there are such links.
Labels meta_annotations(const sla::Config& config, const std::string& alert,
                        const std::string& severity, std::string summary, std::string description);

// How long an order of `status` has been there when it is past `tier`, as the overdue alerts
// say it: "for more than 2h" (wall clock), "for more than 4h of open time (calendar office)",
// "past their due time (18:00, calendar warehouse)", "for more than 2h of open time past their
// due time (18:00, calendar warehouse)" (cut-off).
std::string overdue_phrase(const sla::Status& status, const sla::Tier& tier);

// The whole rules file, in file order.
std::vector<RuleGroup> rule_groups(const sla::Config& config);

// The `groups:` sequence of a rules file (rules.cpp); the PrometheusRule's spec.groups too.
void emit_groups(YAML::Emitter& out, const std::vector<RuleGroup>& groups);

// sum by (<by>) of the per-second rate of `series` over `range`, replicas counted once.
std::string rate_sum(const std::vector<std::string>& by, const std::string& series,
                     const std::string& range, const std::vector<std::string>& apart);

// Windows the turnaround error ratio is recorded over: every long and short burn window.
std::vector<sla::Duration> error_ratio_windows(const sla::Config& config);

// metric{job="<job>",label="value",...}
std::string selector(std::string_view metric, const sla::Config& config, const Labels& matchers);
// The same for a metric of the contract (sla/metrics.h), by its exposed name.
std::string selector(const sla::MetricSpec& metric, const sla::Config& config,
                     const Labels& matchers);

}  // namespace orderwatch::rules::detail
