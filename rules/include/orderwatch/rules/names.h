// The names the generated Prometheus artefacts share: alert names, recording rule names,
// file names, severities of the alerts orderwatch adds on top of the SLA tiers, and the
// `job` selector every expression carries. The rules renderer defines these; the
// Alertmanager and Grafana renderers refer to them. Metric names are sla/metrics.h's.
// Why alert names are stable: docs/design.md, "The metric contract and the renderers". Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::rules {

// Severities of alerts that do not come from an SLA tier.
inline constexpr const char* kSeverityPage = "page";      // wake someone up
inline constexpr const char* kSeverityTicket = "ticket";  // slow burn, next working day
inline constexpr const char* kSeverityWarning = "warning";

// Target labels (set in the scrape config or by the generated PodMonitor, never by the
// exporter) that tell instances apart: instances with the same `partition` see the same
// orders and are replicas, told apart by `replica`; different partitions own disjoint
// orders. A target without them is partition "" (a single instance, as before).
inline constexpr const char* kPartitionLabel = "partition";
inline constexpr const char* kReplicaLabel = "replica";

// The `cause` of an exporter_blind alert whose instance is not connected to NATS (the other
// causes: stream_missing, consumer_not_bound); NatsDisconnected inhibits it.
inline constexpr const char* kCauseNotConnected = "not_connected";

// The series Prometheus writes for every scrape target (1 = scraped), not one of ours.
inline constexpr const char* kUpMetric = "up";

struct AlertNames {
  std::string overdue;              // one per status and tier (labels status, severity)
  std::string milestone_overdue;    // one per milestone and tier (labels milestone, severity)
  std::string turnaround_burn;      // multi-window multi-burn-rate, severity page or ticket
  std::string exporter_down;        // no replica of a partition is up (per down instance)
  std::string replica_down;         // an instance is down while a replica of it is up
  std::string exporter_absent;      // no `up` series for the job, or none of a partition
  std::string replicas_unlabelled;  // two targets with the same partition and replica labels
  std::string no_events;            // nothing received for alerting.no_events_for
  std::string events_rejected;      // rejected share rising, by reason
  std::string nats_disconnected;    // no replica of a partition connected to NATS
  std::string exporter_blind;       // no replica of a partition consumes (label cause)
  std::string ingest_gap;           // an instance may have lost events lately (core NATS)
  std::string exporter_behind;      // the watermark trails the wall clock (label cause)

  // Every alert that an unreachable exporter makes meaningless (inhibited by exporter_down /
  // exporter_absent): all the order and exporter-state alerts (the milestone alerts when the
  // config has milestones). Not replica_down nor replicas_unlabelled, which are about other
  // targets than the one that is down.
  std::vector<std::string> silenced_when_exporter_down(const sla::Config& config) const;
  // Every alert that a blind exporter makes meaningless (inhibited by exporter_blind): the
  // same, but nats_disconnected, which inhibits exporter_blind's not_connected cause instead
  // (one page for one disconnect).
  std::vector<std::string> silenced_when_exporter_blind(const sla::Config& config) const;
};

AlertNames alert_names(const sla::Config& config);

// `job="orderwatch"`: part of every selector so two services sharing a prefix never mix.
std::string job_matcher(const sla::Config& config);

// Counts over instances without double counting replicas:
//   sum by (<by>) (max by (partition, <by>, <apart>) (<series>))
// Replicas of a partition see the same orders, so the max takes one of them (the one that
// has seen most: a replica that just restarted or lags reports less); partitions own
// disjoint orders and are summed. `apart`: the other labels the series carry that must not
// be merged inside the max (dimensions, le, result, ...). `by` empty: sum (max by (...) (...)).
std::string across_replicas(const std::vector<std::string>& by, const std::string& series,
                            const std::vector<std::string>& apart = {});

// PromQL: a series per instance that is scraped but consumes no order events, for any cause of
// exporter_blind and whatever its replicas do (the dashboard's exporter health).
std::string blind_instances(const sla::Config& config);

// The config's dimension labels, in file order.
std::vector<std::string> dimension_labels(const sla::Config& config);

// Recording rules, level:metric:operation.
// job_status:<P>_status_duration_seconds:p95_rate5m (quantile "p50", "p95", "p99")
std::string status_quantile_record(const sla::Config& config, std::string_view quantile);
// job_status:<P>_status_duration_seconds:within_sla_ratio_rate5m
std::string status_within_sla_record(const sla::Config& config);
// job_milestone:<P>_milestone_duration_seconds:p95_rate5m (quantile "p50", "p95", "p99")
std::string milestone_quantile_record(const sla::Config& config, std::string_view quantile);
// job_milestone:<P>_milestone_met:ratio_rate5m: met / (met + breaches of the deadline tier)
std::string milestone_met_ratio_record(const sla::Config& config);
// The tier whose breach is a missed milestone: tiers[0] of an sla milestone (its SLA), the
// last tier of a deadline_field one (the deadline itself; tiers[0] may be "at risk").
const sla::Tier& milestone_deadline_tier(const sla::Milestone& milestone);
// job:<P>_turnaround_seconds:within_sla_ratio_rate5m
std::string turnaround_within_sla_record(const sla::Config& config);
// job:<P>_turnaround_seconds:slo_error_ratio_rate<window>, e.g. ..._rate1h
std::string turnaround_error_ratio_record(const sla::Config& config, sla::Duration window);

// File names under DIR/rules/.
std::string rules_file_name(const sla::Config& config);       // <service>-rules.yml
std::string rule_tests_file_name(const sla::Config& config);  // <service>-rules.test.yml

// Team label of a tier: the tier's team, else alerting.default_team (may be empty).
std::string tier_team(const sla::Config& config, const sla::Tier& tier);

}  // namespace orderwatch::rules
