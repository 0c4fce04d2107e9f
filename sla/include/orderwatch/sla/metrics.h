// The metric contract derived from a Config: metric names, the exporter's own self-metric
// names, the recorded quantiles and histogram bucket bounds.
//
// The exporter exposes these series and the rule/dashboard renderers query them, so both
// sides take names and bounds from here rather than spelling them twice. Every SLA tier
// threshold is a bucket bound, which makes "share of stays within SLA" an exact bucket
// ratio. Constants and pure functions of the Config; thread-safe.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

// Self-metrics: the exporter's own health, under `orderwatch_` whatever the metric_prefix
// (one name per series however many services a Prometheus scrapes). A public API like the
// order metrics: alerts and dashboards refer to them.
namespace self {
inline constexpr std::string_view kBuildInfo = "orderwatch_build_info";
inline constexpr std::string_view kNatsConnected = "orderwatch_nats_connected";
inline constexpr std::string_view kNatsReconnectsTotal = "orderwatch_nats_reconnects_total";
inline constexpr std::string_view kNatsSlowConsumerTotal = "orderwatch_nats_slow_consumer_total";
inline constexpr std::string_view kNatsDroppedMessagesTotal =
    "orderwatch_nats_dropped_messages_total";
inline constexpr std::string_view kTrackedOrders = "orderwatch_tracked_orders";
inline constexpr std::string_view kTombstones = "orderwatch_tombstones";
inline constexpr std::string_view kEvictionsTotal = "orderwatch_evictions_total";
// New orders and tombstones refused at retention.max_orders / retention.max_tombstones.
inline constexpr std::string_view kOrdersRefusedTotal = "orderwatch_orders_refused_total";
inline constexpr std::string_view kTombstonesRefusedTotal = "orderwatch_tombstones_refused_total";
inline constexpr std::string_view kLastEventTimestampSeconds =
    "orderwatch_last_event_timestamp_seconds";
inline constexpr std::string_view kConfigLastReloadSuccessful =
    "orderwatch_config_last_reload_successful";
inline constexpr std::string_view kConfigLastReloadSuccessTimestampSeconds =
    "orderwatch_config_last_reload_success_timestamp_seconds";
inline constexpr std::string_view kSnapshotLastSuccessTimestampSeconds =
    "orderwatch_snapshot_last_success_timestamp_seconds";
inline constexpr std::string_view kSnapshotDurationSeconds = "orderwatch_snapshot_duration_seconds";
inline constexpr std::string_view kSnapshotBytes = "orderwatch_snapshot_bytes";
inline constexpr std::string_view kSnapshotFailuresTotal = "orderwatch_snapshot_failures_total";
// The watermark W (overdue and breaches are judged as of W) and how far it trails the wall clock.
inline constexpr std::string_view kWatermarkTimestampSeconds =
    "orderwatch_watermark_timestamp_seconds";
inline constexpr std::string_view kWatermarkLagSeconds = "orderwatch_watermark_lag_seconds";
// Exposed only when nats.jetstream is configured.
inline constexpr std::string_view kJetstreamConsumerPendingMessages =
    "orderwatch_jetstream_consumer_pending_messages";
inline constexpr std::string_view kJetstreamAckPendingMessages =
    "orderwatch_jetstream_ack_pending_messages";
inline constexpr std::string_view kJetstreamRedeliveredTotal =
    "orderwatch_jetstream_redelivered_total";
inline constexpr std::string_view kJetstreamTerminatedTotal =
    "orderwatch_jetstream_terminated_total";
inline constexpr std::string_view kJetstreamNackedTotal = "orderwatch_jetstream_nacked_total";
inline constexpr std::string_view kJetstreamReplayedMessagesTotal =
    "orderwatch_jetstream_replayed_messages_total";
inline constexpr std::string_view kJetstreamLostMessagesTotal =
    "orderwatch_jetstream_lost_messages_total";
inline constexpr std::string_view kJetstreamConsumerBound = "orderwatch_jetstream_consumer_bound";
// Rejected messages republished on event.dead_letter_subject, and publishes that failed.
inline constexpr std::string_view kDeadLetteredTotal = "orderwatch_dead_lettered_total";
inline constexpr std::string_view kDeadLetterFailuresTotal =
    "orderwatch_dead_letter_failures_total";
// Exposed only with --web.enable-actions (metrics/actions_collector.h).
inline constexpr std::string_view kActionsTotal = "orderwatch_actions_total";

// Every self-metric above, in exposition order.
inline constexpr std::array kAll = {kBuildInfo,
                                    kNatsConnected,
                                    kNatsReconnectsTotal,
                                    kNatsSlowConsumerTotal,
                                    kNatsDroppedMessagesTotal,
                                    kDeadLetteredTotal,
                                    kDeadLetterFailuresTotal,
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
                                    kJetstreamConsumerPendingMessages,
                                    kJetstreamAckPendingMessages,
                                    kJetstreamRedeliveredTotal,
                                    kJetstreamTerminatedTotal,
                                    kJetstreamNackedTotal,
                                    kJetstreamReplayedMessagesTotal,
                                    kJetstreamLostMessagesTotal,
                                    kJetstreamConsumerBound};
}  // namespace self

// The time-in-status quantiles the rules record and the dashboard draws, in that order:
// name as in the record name (job_status:..:p95_rate5m), value as written in PromQL.
struct Quantile {
  std::string_view name;
  std::string_view value;
};
inline constexpr std::array kQuantiles = {Quantile{"p50", "0.5"}, Quantile{"p95", "0.95"},
                                          Quantile{"p99", "0.99"}};

// "<metric_prefix>_<suffix>", e.g. metric(cfg, "overdue") -> "order_overdue".
std::string metric(const Config& config, std::string_view suffix);

// Sorted, de-duplicated bounds of <prefix>_status_duration_seconds: a fixed ladder from 1s
// to 7d and every tier threshold of every status (the +Inf bucket is implied, not listed).
std::vector<Duration> status_duration_buckets(const Config& config);

// Bounds of <prefix>_turnaround_seconds: the ladder and turnaround.sla when enabled.
std::vector<Duration> turnaround_buckets(const Config& config);

// Exact shortest decimal seconds of a millisecond duration, the text of an `le` label and
// of thresholds in PromQL: 900000ms -> "900", 500ms -> "0.5", 1250ms -> "1.25". No floating
// point is involved, so the text never carries binary rounding noise.
std::string seconds_text(Duration d);

}  // namespace orderwatch::sla
