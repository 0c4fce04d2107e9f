// The meta-alerts of the rules file: whether the exporter instances are scraped, labelled,
// connected, fed and keeping up. Instances are grouped by their `partition` target label:
// a partition pages only when none of its replicas works, and a single dead replica raises
// a warning instead, so one can die without stopping (or inhibiting) the order alerts.
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"

namespace orderwatch::rules::detail {

namespace {

// A partition that has a target of the job in this lookback but none now has lost every
// replica (a pod that is gone, not merely failing its scrapes, leaves no `up` series).
constexpr const char* kPartitionLookback = "1h";
// How long an ingest gap keeps its warning firing (the window of its increase()).
constexpr const char* kGapLookback = "1h";

Alert meta_alert(const sla::Config& config, std::string name, std::vector<std::string> expr,
                 sla::Duration for_duration, const std::string& severity, std::string summary,
                 std::string description) {
  Alert alert;
  alert.name = std::move(name);
  alert.expr = std::move(expr);
  alert.for_duration = for_duration;
  alert.labels = base_labels(config, severity);
  alert.annotations = meta_annotations(config, alert.name, "", config.service + ": " + summary,
                                       std::move(description));
  return alert;
}

// `series == 0` for every instance of a partition none of whose instances has series == 1
// (unless), or of one that has another (and). Keeps each instance's own labels.
std::vector<std::string> per_partition(const std::string& series, const char* op) {
  return {series + " == 0", std::string(op) + " on (" + kPartitionLabel + ")",
          "  max by (" + std::string(kPartitionLabel) + ") (" + series + ") == 1"};
}

void add_exporter_alerts(const sla::Config& config, std::vector<Alert>& list) {
  const AlertNames names = alert_names(config);
  const std::string& service = config.service;
  const std::string& job = config.alerting.job;
  const sla::Duration for_duration = config.alerting.for_duration;
  const std::string up = selector(kUpMetric, config, {});
  list.push_back(meta_alert(config, names.exporter_down, per_partition(up, "unless"), for_duration,
                            kSeverityPage, "orderwatch exporter down",
                            "Prometheus cannot scrape {{ $labels.instance }} (job " + job +
                                ") nor any replica of it: order SLAs of " + service +
                                " are not being watched."));
  list.push_back(meta_alert(
      config, names.replica_down, per_partition(up, "and"), for_duration, kSeverityWarning,
      "an orderwatch replica is down",
      "Prometheus cannot scrape {{ $labels.instance }} (job " + job +
          ", partition \"{{ $labels.partition }}\", replica \"{{ $labels.replica }}\"). Another "
          "replica of its partition is up, so order SLAs of " +
          service + " are still watched, without a spare."));
  const std::string labelled_up = "up{" + job_matcher(config) + "," + kPartitionLabel + "!=\"\"}";
  list.push_back(meta_alert(
      config, names.exporter_absent,
      {"absent(" + up + ")", "or", "(",
       "  group by (" + std::string(kPartitionLabel) + ") (max_over_time(" + labelled_up + "[" +
           kPartitionLookback + "]))",
       "  unless on (" + std::string(kPartitionLabel) + ")",
       "  group by (" + std::string(kPartitionLabel) + ") (" + up + ")", ")"},
      for_duration, kSeverityPage, "no orderwatch exporter is scraped",
      "Prometheus has no target for job " + job +
          "{{ if $labels.partition }} in partition \"{{ $labels.partition }}\" (it had one in the "
          "last " +
          kPartitionLookback + "){{ end }}: order SLAs of " + service + " are not being watched."));
  list.push_back(meta_alert(
      config, names.replicas_unlabelled,
      {"count by (" + std::string(kPartitionLabel) + ", " + kReplicaLabel + ") (" + up + ") > 1"},
      for_duration, kSeverityWarning, "orderwatch targets without distinct replica labels",
      "{{ $value }} targets of job " + job +
          " have the same partition \"{{ $labels.partition }}\" and replica \"{{ $labels.replica "
          "}}\" labels, so the rules count the orders of only one of them. Give instances that "
          "own different orders different partition labels, and replicas that see the same "
          "orders different replica labels."));
}

void add_stream_alerts(const sla::Config& config, std::vector<Alert>& list) {
  const AlertNames names = alert_names(config);
  const std::string& service = config.service;
  const sla::Duration for_duration = config.alerting.for_duration;
  // The window is in the expression itself, so no extra `for`: the alert fires the first
  // evaluation after no_events_for has passed without an event. Per partition: its replicas
  // see the same events, so it is silent when none of them received one, whatever the others.
  const std::string partition(kPartitionLabel);
  list.push_back(meta_alert(
      config, names.no_events,
      {"time() - max by (" + partition + ") (" +
       selector(sla::self::kLastEventTimestampSeconds, config, {}) + ") > " +
       sla::seconds_text(config.alerting.no_events_for)},
      sla::Duration(0), kSeverityWarning, "no order events received",
      "orderwatch{{ if $labels.partition }} (partition \"{{ $labels.partition }}\"){{ end }} has "
      "received no order event for more than " +
          sla::human_duration(config.alerting.no_events_for) + " (subject " + config.nats.subject +
          "): producers stopped, or the subscription is broken."));
  // Per partition and reason: the share of one partition's events, so a partition rejecting
  // everything is not diluted by the others (replicas counted once, by max).
  const std::string rejected =
      "rate(" + selector(sla::order::kEventsRejectedTotal, config, {}) + "[10m])";
  const std::string events = "rate(" + selector(sla::order::kEventsTotal, config, {}) + "[10m])";
  list.push_back(meta_alert(
      config, names.events_rejected,
      {"max by (" + partition + ", reason) (" + rejected + ")",
       "  / on (" + partition + ") group_left ()",
       "sum by (" + partition + ") (max by (" + partition + ", result) (" + events + ")) > 0.01"},
      for_duration, kSeverityWarning, "order events rejected",
      "More than 1% of " + service +
          " order events{{ if $labels.partition }} of partition \"{{ $labels.partition }}\"{{ "
          "end }} in the last 10m were rejected as {{ $labels.reason }}; the exporter log has "
          "examples (rate-limited)."));
  list.push_back(meta_alert(
      config, names.nats_disconnected,
      per_partition(selector(sla::self::kNatsConnected, config, {}), "unless"), for_duration,
      kSeverityPage, "orderwatch lost its NATS connection",
      "{{ $labels.instance }} is not connected to NATS (" + config.nats.url +
          "), nor is any replica of it: no order events arrive and overdue counts go stale."));
  add_blind_alerts(config, list);
  // Per instance and cause: each instance lost what was sent to it while it was cut off,
  // whatever its replicas saw. Never fires with JetStream (the counter stays 0).
  list.push_back(meta_alert(
      config, names.ingest_gap,
      {"increase(" + selector(sla::self::kIngestGapsTotal, config, {}) + "[" + kGapLookback +
       "]) > 0"},
      sla::Duration(0), kSeverityWarning, "orderwatch may have lost order events (ingest gap)",
      "{{ $labels.instance }} had an ingest gap ({{ $labels.cause }}) in the last " +
          std::string(kGapLookback) +
          ": on core NATS, events published meanwhile never reached it. Its counts may include "
          "orders whose next event was lost; they stay overdue until their next event, a forget, "
          "or eviction. JetStream closes such gaps."));
  add_behind_alerts(config, list);
}

}  // namespace

void add_meta_alerts(const sla::Config& config, std::vector<Alert>& list) {
  add_exporter_alerts(config, list);
  add_stream_alerts(config, list);
}

}  // namespace orderwatch::rules::detail
