// The metric contract: every series /metrics exposes, described once (name, type, HELP text,
// labels), plus the recorded quantiles and the histogram bucket bounds derived from a Config.
//
// The collectors (metrics/) build their families from these descriptors; the rules, their
// promtool tests, the runbooks and the dashboard (rules/, grafana/) take the names from them.
// tests/metrics/contract_test.cpp holds the exposition to them, tests/sla/
// metric_contract_test.cpp the README's "Metric contract" table.
// Why names and bounds live here: docs/design.md, "The metric contract and the renderers".
// Constants and pure functions of the Config; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

enum class MetricType { kCounter, kGauge, kHistogram };

// "counter", "gauge", "histogram": the TYPE line of the exposition and the README's column.
constexpr std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return {};
}

// Order metrics are named "<metric_prefix>_<name>"; self-metrics carry their whole name.
enum class MetricScope { kOrder, kSelf };

// Label names of the contract, as the collectors write them. The renderers' PromQL text
// (by-clauses, legends, matchers) spells the same names inline.
namespace label {
inline constexpr std::string_view kStatus = "status";
inline constexpr std::string_view kSeverity = "severity";
inline constexpr std::string_view kFrom = "from";
inline constexpr std::string_view kTo = "to";
inline constexpr std::string_view kOutcome = "outcome";
inline constexpr std::string_view kResult = "result";
inline constexpr std::string_view kReason = "reason";
inline constexpr std::string_view kVersion = "version";
inline constexpr std::string_view kAction = "action";
inline constexpr std::string_view kCause = "cause";
inline constexpr std::string_view kCalendar = "calendar";
inline constexpr std::string_view kMilestone = "milestone";
}  // namespace label

// One metric family of /metrics.
struct MetricSpec {
  std::string_view name;  // kOrder: the part after "<metric_prefix>_"; kSelf: the whole name
  MetricType type = MetricType::kGauge;
  std::string_view help;  // the "# HELP" text, byte for byte
  // The fixed labels in exposition order (unused slots empty).
  std::array<std::string_view, 2> labels{};
  bool dimensions = false;  // the configured dimension labels (event.dimensions) follow them
  MetricScope scope = MetricScope::kOrder;

  constexpr std::span<const std::string_view> fixed_labels() const {
    return {labels.data(), labels[0].empty() ? 0u : labels[1].empty() ? 1u : 2u};
  }
};

// The series of a histogram besides the family name.
enum class HistogramPart { kBucket, kCount, kSum };
inline constexpr std::array kHistogramParts = {HistogramPart::kBucket, HistogramPart::kCount,
                                               HistogramPart::kSum};

// The exposed name: metric_name(cfg, order::kOverdue) -> "order_overdue";
// metric_name(cfg, self::kTombstones) -> "orderwatch_tombstones".
std::string metric_name(const Config& config, const MetricSpec& metric);
// A histogram's series: metric_name(cfg, order::kTurnaroundSeconds, kBucket) ->
// "order_turnaround_seconds_bucket".
std::string metric_name(const Config& config, const MetricSpec& metric, HistogramPart part);

// The order metrics, under the configured metric_prefix.
namespace order {
inline constexpr MetricSpec kStatusDurationSeconds{
    .name = "status_duration_seconds",
    .type = MetricType::kHistogram,
    .help = "Time orders spent in a status, observed when they leave it.",
    .labels = {label::kStatus},
    .dimensions = true};
inline constexpr MetricSpec kInStatus{.name = "in_status",
                                      .type = MetricType::kGauge,
                                      .help = "Orders currently in the status.",
                                      .labels = {label::kStatus},
                                      .dimensions = true};
inline constexpr MetricSpec kOverdue{
    .name = "overdue",
    .type = MetricType::kGauge,
    .help = "Orders in the status now past the SLA tier (cumulative over tiers).",
    .labels = {label::kStatus, label::kSeverity},
    .dimensions = true};
inline constexpr MetricSpec kOverdueAcknowledged{
    .name = "overdue_acknowledged",
    .type = MetricType::kGauge,
    .help = "Orders past the SLA tier an operator acknowledged (not in overdue).",
    .labels = {label::kStatus, label::kSeverity},
    .dimensions = true};
// A gauge histogram (OpenMetrics "gaugehistogram") typed histogram: see docs/design.md.
inline constexpr MetricSpec kAgeSeconds{
    .name = "age_seconds",
    .type = MetricType::kHistogram,
    .help =
        "Current age (as of the watermark) of the orders in the status; a gauge "
        "histogram: buckets fall as orders leave, never use rate() on it.",
    .labels = {label::kStatus},
    .dimensions = true};
inline constexpr MetricSpec kStatusOldestEnteredTimestampSeconds{
    .name = "status_oldest_entered_timestamp_seconds",
    .type = MetricType::kGauge,
    .help = "Entry time of the oldest order in the status (absent when empty).",
    .labels = {label::kStatus}};
inline constexpr MetricSpec kSlaBreachesTotal{
    .name = "sla_breaches_total",
    .type = MetricType::kCounter,
    .help = "Stays that ran past an SLA tier, counted once per stay per tier.",
    .labels = {label::kStatus, label::kSeverity}};
// Every status with an SLA: stays that ended before their first tier's deadline. With the
// breaches of that tier, the "share within SLA" of a calendar or cut-off status.
inline constexpr MetricSpec kSlaMetTotal{
    .name = "sla_met_total",
    .type = MetricType::kCounter,
    .help = "Stays that ended before their first SLA tier's deadline.",
    .labels = {label::kStatus}};
// Calendar statuses only: the open (business) time a stay spent, its tiers' open times as
// bucket bounds; cut-off statuses: open time from entry to leaving.
inline constexpr MetricSpec kStatusOpenDurationSeconds{
    .name = "status_open_duration_seconds",
    .type = MetricType::kHistogram,
    .help =
        "Open time of the status's business calendar that orders spent in a calendar "
        "status, observed when they leave it.",
    .labels = {label::kStatus},
    .dimensions = true};
// Milestones (the milestones: section): promises that span statuses. Exposed only when the
// config has milestones.
inline constexpr MetricSpec kMilestoneInProgress{
    .name = "milestone_in_progress",
    .type = MetricType::kGauge,
    .help = "Orders whose milestone clock runs or is paused.",
    .labels = {label::kMilestone},
    .dimensions = true};
inline constexpr MetricSpec kMilestonePaused{
    .name = "milestone_paused",
    .type = MetricType::kGauge,
    .help = "Orders whose milestone clock is paused (in a pause status).",
    .labels = {label::kMilestone},
    .dimensions = true};
inline constexpr MetricSpec kMilestoneOverdue{
    .name = "milestone_overdue",
    .type = MetricType::kGauge,
    .help = "Orders in the milestone now past the tier (cumulative over tiers).",
    .labels = {label::kMilestone, label::kSeverity},
    .dimensions = true};
inline constexpr MetricSpec kMilestoneOverdueAcknowledged{
    .name = "milestone_overdue_acknowledged",
    .type = MetricType::kGauge,
    .help =
        "Orders past the milestone tier whose clock an operator acknowledged (not in "
        "milestone_overdue).",
    .labels = {label::kMilestone, label::kSeverity},
    .dimensions = true};
inline constexpr MetricSpec kMilestoneWithoutDeadline{
    .name = "milestone_without_deadline",
    .type = MetricType::kGauge,
    .help = "Orders in a deadline_field milestone whose events carried no deadline yet.",
    .labels = {label::kMilestone},
    .dimensions = true};
inline constexpr MetricSpec kMilestoneBreachesTotal{
    .name = "milestone_breaches_total",
    .type = MetricType::kCounter,
    .help = "Milestone clocks that ran past a tier, counted once per clock per tier.",
    .labels = {label::kMilestone, label::kSeverity}};
inline constexpr MetricSpec kMilestoneMetTotal{
    .name = "milestone_met_total",
    .type = MetricType::kCounter,
    .help = "Milestone clocks that stopped before their deadline.",
    .labels = {label::kMilestone}};
// Counted time (pauses excluded; open time with a calendar) from a milestone's start to its
// stop, observed when the clock stops. Buckets: milestone_duration_buckets().
inline constexpr MetricSpec kMilestoneDurationSeconds{
    .name = "milestone_duration_seconds",
    .type = MetricType::kHistogram,
    .help = "Counted time (pauses excluded) from a milestone's start to its stop.",
    .labels = {label::kMilestone},
    .dimensions = true};
inline constexpr MetricSpec kTransitionsTotal{.name = "transitions_total",
                                              .type = MetricType::kCounter,
                                              .help = "Status changes of tracked orders.",
                                              .labels = {label::kFrom, label::kTo}};
inline constexpr MetricSpec kTurnaroundSeconds{
    .name = "turnaround_seconds",
    .type = MetricType::kHistogram,
    .help = "Time from an order's first event to its terminal status.",
    .labels = {label::kOutcome}};
inline constexpr MetricSpec kEventsTotal{.name = "events_total",
                                         .type = MetricType::kCounter,
                                         .help = "Events handled, by result.",
                                         .labels = {label::kResult}};
inline constexpr MetricSpec kEventsRejectedTotal{.name = "events_rejected_total",
                                                 .type = MetricType::kCounter,
                                                 .help = "Events rejected, by reason.",
                                                 .labels = {label::kReason}};

// Every order metric, in exposition order.
inline constexpr std::array kAll = {kStatusDurationSeconds,
                                    kInStatus,
                                    kOverdue,
                                    kOverdueAcknowledged,
                                    kAgeSeconds,
                                    kStatusOldestEnteredTimestampSeconds,
                                    kSlaBreachesTotal,
                                    kSlaMetTotal,
                                    kStatusOpenDurationSeconds,
                                    kMilestoneInProgress,
                                    kMilestonePaused,
                                    kMilestoneOverdue,
                                    kMilestoneOverdueAcknowledged,
                                    kMilestoneWithoutDeadline,
                                    kMilestoneBreachesTotal,
                                    kMilestoneMetTotal,
                                    kMilestoneDurationSeconds,
                                    kTransitionsTotal,
                                    kTurnaroundSeconds,
                                    kEventsTotal,
                                    kEventsRejectedTotal};
}  // namespace order

// Self-metrics: the exporter's own health, under `orderwatch_` whatever the metric_prefix
// (one name per series however many services a Prometheus scrapes). A public API like the
// order metrics: alerts and dashboards refer to them.
namespace self {
constexpr MetricSpec gauge(std::string_view name, std::string_view help,
                           std::string_view label = {}) {
  return {.name = name,
          .type = MetricType::kGauge,
          .help = help,
          .labels = {label},
          .scope = MetricScope::kSelf};
}
constexpr MetricSpec counter(std::string_view name, std::string_view help,
                             std::string_view label = {}) {
  MetricSpec spec = gauge(name, help, label);
  spec.type = MetricType::kCounter;
  return spec;
}

// The tracking room's (metrics::OrderCollector).
inline constexpr MetricSpec kBuildInfo =
    gauge("orderwatch_build_info", "orderwatch build information.", label::kVersion);
inline constexpr MetricSpec kTrackedOrders =
    gauge("orderwatch_tracked_orders", "Orders currently tracked (in flight).");
inline constexpr MetricSpec kTombstones =
    gauge("orderwatch_tombstones", "Finished order ids remembered to ignore late events.");
inline constexpr MetricSpec kEvictionsTotal =
    counter("orderwatch_evictions_total", "Orders evicted after retention.max_age.");
// New orders and tombstones refused at retention.max_orders / retention.max_tombstones.
inline constexpr MetricSpec kOrdersRefusedTotal =
    counter("orderwatch_orders_refused_total",
            "New orders refused because retention.max_orders orders were in flight.");
inline constexpr MetricSpec kTombstonesRefusedTotal =
    counter("orderwatch_tombstones_refused_total",
            "Finished orders not remembered because retention.max_tombstones were held.");
inline constexpr MetricSpec kLastEventTimestampSeconds =
    gauge("orderwatch_last_event_timestamp_seconds",
          "Wall-clock time the last event was received (0 before the first).");
inline constexpr MetricSpec kConfigLastReloadSuccessful =
    gauge("orderwatch_config_last_reload_successful", "1 if the last config (re)load succeeded.");
inline constexpr MetricSpec kConfigLastReloadSuccessTimestampSeconds =
    gauge("orderwatch_config_last_reload_success_timestamp_seconds",
          "Time of the last successful config load.");
inline constexpr MetricSpec kSnapshotLastSuccessTimestampSeconds =
    gauge("orderwatch_snapshot_last_success_timestamp_seconds",
          "Time the last snapshot file was written (0 = none yet).");
inline constexpr MetricSpec kSnapshotDurationSeconds =
    gauge("orderwatch_snapshot_duration_seconds",
          "Time the last successful snapshot write took (encode, checksum, write, fsync, rename).");
inline constexpr MetricSpec kSnapshotBytes =
    gauge("orderwatch_snapshot_bytes", "Size of the last snapshot file written.");
inline constexpr MetricSpec kSnapshotFailuresTotal =
    counter("orderwatch_snapshot_failures_total", "Snapshot writes that failed.");
// The watermark W (overdue and breaches are judged as of W) and how far it trails the wall clock.
inline constexpr MetricSpec kWatermarkTimestampSeconds =
    gauge("orderwatch_watermark_timestamp_seconds",
          "The watermark W: overdue orders and breaches are judged as of this time (the "
          "oldest event time of about the last second's arrivals, the wall clock once no "
          "event arrived for event.idle_timeout; 0 = no position yet).");
inline constexpr MetricSpec kWatermarkLagSeconds =
    gauge("orderwatch_watermark_lag_seconds",
          "How far the watermark trails the wall clock (never negative).");

// Business calendars (calendars:): whether each is open now, by the wall clock.
inline constexpr MetricSpec kCalendarOpen =
    gauge("orderwatch_calendar_open",
          "1 while the business calendar is open (its hours, not a holiday), by the wall clock.",
          label::kCalendar);

// The ingest room's (metrics::IngestCollector).
inline constexpr MetricSpec kNatsConnected =
    gauge("orderwatch_nats_connected", "1 when connected to NATS.");
inline constexpr MetricSpec kNatsReconnectsTotal =
    counter("orderwatch_nats_reconnects_total", "Reconnections to NATS.");
// Connection attempts that failed, by cause: auth, tls, refused, timeout, other.
inline constexpr MetricSpec kNatsConnectFailuresTotal =
    counter("orderwatch_nats_connect_failures_total",
            "Attempts to connect to NATS that failed, by cause (auth, tls, refused, timeout, "
            "other); serve retries forever with backoff.",
            label::kReason);
inline constexpr MetricSpec kNatsSlowConsumerTotal =
    counter("orderwatch_nats_slow_consumer_total",
            "Times the NATS client reported this subscriber as a slow consumer.");
inline constexpr MetricSpec kNatsDroppedMessagesTotal =
    counter("orderwatch_nats_dropped_messages_total",
            "Messages the NATS client dropped because the pending buffer was full.");
// Ingest gaps (ingest::GapLog): core NATS only; JetStream keeps what was sent meanwhile.
inline constexpr MetricSpec kIngestGapsTotal =
    counter("orderwatch_ingest_gaps_total",
            "Times core-NATS ingest may have lost events: a disconnect from the server, or "
            "messages dropped as a slow consumer (one per episode); always 0 with JetStream.",
            label::kCause);
inline constexpr MetricSpec kIngestLastGapStartTimestampSeconds =
    gauge("orderwatch_ingest_last_gap_start_timestamp_seconds",
          "Wall-clock time the last ingest gap began (0 = none since start).");
inline constexpr MetricSpec kIngestLastGapEndTimestampSeconds =
    gauge("orderwatch_ingest_last_gap_end_timestamp_seconds",
          "Wall-clock time the last ingest gap ended (0 = none, or still open).");
// Rejected messages republished on event.dead_letter_subject, and publishes that failed.
inline constexpr MetricSpec kDeadLetteredTotal =
    counter("orderwatch_dead_lettered_total",
            "Rejected messages republished unchanged on event.dead_letter_subject.");
inline constexpr MetricSpec kDeadLetterFailuresTotal =
    counter("orderwatch_dead_letter_failures_total",
            "Rejected messages that could not be published on event.dead_letter_subject.");
// Exposed only when nats.jetstream is configured.
inline constexpr MetricSpec kJetstreamConsumerPendingMessages =
    gauge("orderwatch_jetstream_consumer_pending_messages",
          "Stream messages the durable consumer has not delivered yet (lag), polled each second.");
inline constexpr MetricSpec kJetstreamAckPendingMessages =
    gauge("orderwatch_jetstream_ack_pending_messages",
          "Messages delivered to the exporter and not yet acknowledged, polled each second.");
inline constexpr MetricSpec kJetstreamRedeliveredTotal =
    counter("orderwatch_jetstream_redelivered_total",
            "Messages received again (NumDelivered > 1); applying them again changes nothing.");
inline constexpr MetricSpec kJetstreamTerminatedTotal =
    counter("orderwatch_jetstream_terminated_total",
            "Poison messages (rejected by the decoder) terminated so they are never redelivered.");
inline constexpr MetricSpec kJetstreamNackedTotal =
    counter("orderwatch_jetstream_nacked_total",
            "Rejects a reload or a clock fix could cure (unknown_status, future_time, too_large), "
            "NAKed for a later redelivery.");
inline constexpr MetricSpec kJetstreamReplayedMessagesTotal =
    counter("orderwatch_jetstream_replayed_messages_total",
            "Messages re-read from the stream on start, after the sequence the state covers.");
inline constexpr MetricSpec kJetstreamLostMessagesTotal =
    counter("orderwatch_jetstream_lost_messages_total",
            "Stream sequences a resume needed that the stream no longer held (events lost).");
inline constexpr MetricSpec kJetstreamConsumerBound =
    gauge("orderwatch_jetstream_consumer_bound",
          "1 when the durable consumer is bound and the start-up re-read is done.");
inline constexpr MetricSpec kJetstreamStreamMissing =
    gauge("orderwatch_jetstream_stream_missing",
          "1 while the configured JetStream stream does not exist on the server (nothing is "
          "consumed until it does).");

// Exposed only with --web.enable-actions (metrics::ActionsCollector).
inline constexpr MetricSpec kActionsTotal =
    counter("orderwatch_actions_total",
            "Operator actions taken on orders (batch: one per order acted on).", label::kAction);

// Every self-metric, in exposition order.
inline constexpr std::array kAll = {kBuildInfo,
                                    kTrackedOrders,
                                    kTombstones,
                                    kEvictionsTotal,
                                    kOrdersRefusedTotal,
                                    kTombstonesRefusedTotal,
                                    kLastEventTimestampSeconds,
                                    kConfigLastReloadSuccessful,
                                    kConfigLastReloadSuccessTimestampSeconds,
                                    kSnapshotLastSuccessTimestampSeconds,
                                    kSnapshotDurationSeconds,
                                    kSnapshotBytes,
                                    kSnapshotFailuresTotal,
                                    kWatermarkTimestampSeconds,
                                    kWatermarkLagSeconds,
                                    kCalendarOpen,
                                    kNatsConnected,
                                    kNatsReconnectsTotal,
                                    kNatsConnectFailuresTotal,
                                    kNatsSlowConsumerTotal,
                                    kNatsDroppedMessagesTotal,
                                    kIngestGapsTotal,
                                    kIngestLastGapStartTimestampSeconds,
                                    kIngestLastGapEndTimestampSeconds,
                                    kDeadLetteredTotal,
                                    kDeadLetterFailuresTotal,
                                    kJetstreamConsumerPendingMessages,
                                    kJetstreamAckPendingMessages,
                                    kJetstreamRedeliveredTotal,
                                    kJetstreamTerminatedTotal,
                                    kJetstreamNackedTotal,
                                    kJetstreamReplayedMessagesTotal,
                                    kJetstreamLostMessagesTotal,
                                    kJetstreamConsumerBound,
                                    kJetstreamStreamMissing,
                                    kActionsTotal};
}  // namespace self

// The time-in-status quantiles the rules record and the dashboard draws, in that order:
// name as in the record name (job_status:..:p95_rate5m), value as written in PromQL.
struct Quantile {
  std::string_view name;
  std::string_view value;
};
inline constexpr std::array kQuantiles = {Quantile{"p50", "0.5"}, Quantile{"p95", "0.95"},
                                          Quantile{"p99", "0.99"}};

// Sorted, de-duplicated bounds of <prefix>_status_duration_seconds (and of
// <prefix>_age_seconds): a fixed ladder from 1s to 7d and every tier threshold of every
// status (the +Inf bucket is implied, not listed).
std::vector<Duration> status_duration_buckets(const Config& config);

// Bounds of <prefix>_milestone_duration_seconds: the ladder and every positive tier `after` of
// every sla milestone (a deadline_field milestone's offsets are not durations).
std::vector<Duration> milestone_duration_buckets(const Config& config);

// Bounds of <prefix>_turnaround_seconds: the ladder and turnaround.sla when enabled.
std::vector<Duration> turnaround_buckets(const Config& config);

// Exact shortest decimal seconds of a millisecond duration, the text of an `le` label and
// of thresholds in PromQL: 900000ms -> "900", 500ms -> "0.5", 1250ms -> "1.25". No floating
// point is involved, so the text never carries binary rounding noise.
std::string seconds_text(Duration d);

}  // namespace orderwatch::sla
