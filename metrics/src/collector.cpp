#include "orderwatch/metrics/collector.h"

#include <prometheus/text_serializer.h>

#include <limits>
#include <sstream>

#include "family.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::metrics {

OrderCollector::OrderCollector(tracking::TrackerService& service, std::string version)
    : service_(service), version_(std::move(version)) {}

namespace {

using tracking::TrackerSnapshot;

// Per series (status x dimension values): time in status, in flight, overdue per tier.
void add_series_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                         const TrackerSnapshot& snap) {
  const auto& statuses = cfg.statuses;
  auto series_labels = [&](const tracking::SeriesValues& v) {
    std::vector<ClientMetric::Label> labels{{"status", statuses[v.status].name}};
    for (std::size_t i = 0; i < cfg.event.dimensions.size(); ++i) {
      labels.push_back({cfg.event.dimensions[i].label, snap.combos[v.combo][i]});
    }
    return labels;
  };

  auto duration =
      family(sla::metric(cfg, "status_duration_seconds"),
             "Time orders spent in a status, observed when they leave it.", MetricType::Histogram);
  auto in_status =
      family(sla::metric(cfg, "in_status"), "Orders currently in the status.", MetricType::Gauge);
  auto overdue = family(sla::metric(cfg, "overdue"),
                        "Orders in the status now past the SLA tier (cumulative over tiers).",
                        MetricType::Gauge);
  auto acknowledged = family(sla::metric(cfg, "overdue_acknowledged"),
                             "Orders past the SLA tier an operator acknowledged (not in overdue).",
                             MetricType::Gauge);
  // A gauge histogram (OpenMetrics "gaugehistogram"): the text format 0.0.4 has no such type,
  // so it is typed histogram, which is what histogram_quantile() reads. Its buckets go down
  // as orders leave: query it as is, never with rate().
  auto age = family(sla::metric(cfg, "age_seconds"),
                    "Current age (as of the watermark) of the orders in the status; a gauge "
                    "histogram: buckets fall as orders leave, never use rate() on it.",
                    MetricType::Histogram);
  for (const auto& v : snap.series) {
    auto labels = series_labels(v);
    add_histogram(duration, labels, snap.duration_bounds_seconds, v.duration);
    add_histogram(age, labels, snap.duration_bounds_seconds, v.age);
    add(in_status, labels, d(v.in_status));
    const auto& tiers = statuses[v.status].tiers;
    for (std::size_t k = 0; k < tiers.size(); ++k) {
      auto with_severity = labels;
      with_severity.insert(with_severity.begin() + 1, {"severity", tiers[k].severity});
      add(acknowledged, with_severity, d(k < v.acknowledged.size() ? v.acknowledged[k] : 0));
      add(overdue, std::move(with_severity), d(v.overdue[k]));
    }
  }

  out.push_back(std::move(duration));
  out.push_back(std::move(in_status));
  out.push_back(std::move(overdue));
  out.push_back(std::move(acknowledged));
  out.push_back(std::move(age));
}

// Per status: oldest entry, breaches per tier, transitions; per terminal status: turnaround.
void add_status_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                         const TrackerSnapshot& snap) {
  const auto& statuses = cfg.statuses;
  auto oldest = family(sla::metric(cfg, "status_oldest_entered_timestamp_seconds"),
                       "Entry time of the oldest order in the status (absent when empty).",
                       MetricType::Gauge);
  auto breaches = family(sla::metric(cfg, "sla_breaches_total"),
                         "Stays that ran past an SLA tier, counted once per stay per tier.",
                         MetricType::Counter);
  auto transitions = family(sla::metric(cfg, "transitions_total"),
                            "Status changes of tracked orders.", MetricType::Counter);
  auto turnaround =
      family(sla::metric(cfg, "turnaround_seconds"),
             "Time from an order's first event to its terminal status.", MetricType::Histogram);
  for (std::size_t s = 0; s < statuses.size(); ++s) {
    const auto& st = statuses[s];
    if (snap.oldest_entered_ms[s]) {
      add(oldest, {{"status", st.name}}, static_cast<double>(*snap.oldest_entered_ms[s]) / 1000.0);
    }
    for (std::size_t k = 0; k < st.tiers.size(); ++k) {
      add(breaches, {{"status", st.name}, {"severity", st.tiers[k].severity}},
          d(snap.breaches[s][k]));
    }
    if (st.terminal) {
      add_histogram(turnaround, {{"outcome", st.name}}, snap.turnaround_bounds_seconds,
                    snap.turnaround[s]);
      continue;
    }
    for (std::size_t to = 0; to < statuses.size(); ++to) {
      if (to == s) continue;
      add(transitions, {{"from", st.name}, {"to", statuses[to].name}},
          d(snap.transitions[s * statuses.size() + to]));
    }
  }

  for (auto* f : {&oldest, &breaches, &transitions, &turnaround}) out.push_back(std::move(*f));
}

void add_event_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                        const TrackerSnapshot& snap) {
  auto events =
      family(sla::metric(cfg, "events_total"), "Events handled, by result.", MetricType::Counter);
  for (std::size_t r = 0; r < static_cast<std::size_t>(tracking::ApplyResult::kCount); ++r) {
    add(events, {{"result", std::string(tracking::kApplyResultNames[r])}}, d(snap.events[r]));
  }
  auto rejected = family(sla::metric(cfg, "events_rejected_total"), "Events rejected, by reason.",
                         MetricType::Counter);
  for (std::size_t r = 0; r < static_cast<std::size_t>(events::RejectReason::kCount); ++r) {
    add(rejected, {{"reason", std::string(events::kRejectReasonNames[r])}}, d(snap.rejected[r]));
  }

  out.push_back(std::move(events));
  out.push_back(std::move(rejected));
}

// The tracking room's self-metrics: orders and tombstones held, snapshots, reloads.
void add_self_families(std::vector<MetricFamily>& out, const TrackerSnapshot& snap,
                       const tracking::ServiceStats& st, const std::string& version) {
  auto gauge = [&](std::string_view name, const char* help, double value) {
    add_single(out, name, help, MetricType::Gauge, value);
  };
  auto counter = [&](std::string_view name, const char* help, double value) {
    add_single(out, name, help, MetricType::Counter, value);
  };
  {
    auto f = family(std::string(sla::self::kBuildInfo), "orderwatch build information.",
                    MetricType::Gauge);
    add(f, {{"version", version}}, 1);
    out.push_back(std::move(f));
  }
  gauge(sla::self::kTrackedOrders, "Orders currently tracked (in flight).", d(snap.tracked));
  gauge(sla::self::kTombstones, "Finished order ids remembered to ignore late events.",
        d(snap.tombstones));
  counter(sla::self::kEvictionsTotal, "Orders evicted after retention.max_age.", d(snap.evictions));
  counter(sla::self::kOrdersRefusedTotal,
          "New orders refused because retention.max_orders orders were in flight.",
          d(snap.orders_refused));
  counter(sla::self::kTombstonesRefusedTotal,
          "Finished orders not remembered because retention.max_tombstones were held.",
          d(snap.tombstones_refused));
  gauge(sla::self::kLastEventTimestampSeconds,
        "Wall-clock time the last event was received (0 before the first).",
        static_cast<double>(snap.last_event_ms) / 1000.0);
  gauge(sla::self::kConfigLastReloadSuccessful, "1 if the last config (re)load succeeded.",
        st.config_reload_ok ? 1 : 0);
  gauge(sla::self::kConfigLastReloadSuccessTimestampSeconds,
        "Time of the last successful config load.",
        static_cast<double>(st.config_reload_success_ms.load()) / 1000.0);
  gauge(sla::self::kSnapshotLastSuccessTimestampSeconds,
        "Time the last snapshot file was written (0 = none yet).",
        static_cast<double>(st.snapshot_success_ms.load()) / 1000.0);
  gauge(sla::self::kSnapshotDurationSeconds,
        "Time the last successful snapshot write took (encode, checksum, write, fsync, rename).",
        static_cast<double>(st.snapshot_duration_us.load()) / 1e6);
  gauge(sla::self::kSnapshotBytes, "Size of the last snapshot file written.",
        d(st.snapshot_bytes.load()));
  counter(sla::self::kSnapshotFailuresTotal, "Snapshot writes that failed.",
          d(st.snapshot_failures.load()));
  gauge(sla::self::kWatermarkTimestampSeconds,
        "The watermark W: overdue orders and breaches are judged as of this time (the wall "
        "clock when caught up, the newest event time applied while catching up; 0 = no "
        "position yet).",
        static_cast<double>(snap.watermark_ms) / 1000.0);
  gauge(sla::self::kWatermarkLagSeconds,
        "How far the watermark trails the wall clock (never negative).",
        static_cast<double>(snap.watermark_lag_ms) / 1000.0);
}

}  // namespace

std::vector<MetricFamily> OrderCollector::Collect() const {
  TrackerSnapshot snap;
  // The config the counts were taken under (a reload may swap it at any time).
  const std::shared_ptr<const sla::Config> config = service_.snapshot(snap);
  std::vector<MetricFamily> out;
  out.reserve(24);
  add_series_families(out, *config, snap);
  add_status_families(out, *config, snap);
  add_event_families(out, *config, snap);
  add_self_families(out, snap, service_.stats(), version_);
  return out;
}

IngestCollector::IngestCollector(ingest::NatsSource& source, bool jetstream)
    : source_(source), jetstream_(jetstream) {}

std::vector<MetricFamily> IngestCollector::Collect() const {
  const ingest::IngestStats& st = source_.stats();
  std::vector<MetricFamily> out;
  out.reserve(16);
  auto gauge = [&](std::string_view name, const char* help, double value) {
    add_single(out, name, help, MetricType::Gauge, value);
  };
  auto counter = [&](std::string_view name, const char* help, double value) {
    add_single(out, name, help, MetricType::Counter, value);
  };
  gauge(sla::self::kNatsConnected, "1 when connected to NATS.", st.nats_connected ? 1 : 0);
  counter(sla::self::kNatsReconnectsTotal, "Reconnections to NATS.", d(st.nats_reconnects.load()));
  counter(sla::self::kNatsSlowConsumerTotal,
          "Times the NATS client reported this subscriber as a slow consumer.",
          d(st.nats_slow_consumer.load()));
  counter(sla::self::kNatsDroppedMessagesTotal,
          "Messages the NATS client dropped because the pending buffer was full.",
          d(st.nats_dropped.load()));
  counter(sla::self::kDeadLetteredTotal,
          "Rejected messages republished unchanged on event.dead_letter_subject.",
          d(st.dead_lettered.load()));
  counter(sla::self::kDeadLetterFailuresTotal,
          "Rejected messages that could not be published on event.dead_letter_subject.",
          d(st.dead_letter_failures.load()));
  if (jetstream_) {
    gauge(sla::self::kJetstreamConsumerPendingMessages,
          "Stream messages the durable consumer has not delivered yet (lag), polled each second.",
          d(st.jetstream_pending.load()));
    gauge(sla::self::kJetstreamAckPendingMessages,
          "Messages delivered to the exporter and not yet acknowledged, polled each second.",
          d(st.jetstream_ack_pending.load()));
    counter(sla::self::kJetstreamRedeliveredTotal,
            "Messages received again (NumDelivered > 1); applying them again changes nothing.",
            d(st.jetstream_redelivered.load()));
    counter(sla::self::kJetstreamTerminatedTotal,
            "Poison messages (rejected by the decoder) terminated so they are never redelivered.",
            d(st.jetstream_terminated.load()));
    counter(sla::self::kJetstreamNackedTotal,
            "Rejects a reload or a clock fix could cure (unknown_status, future_time, too_large), "
            "NAKed for a later redelivery.",
            d(st.jetstream_nacked.load()));
    counter(sla::self::kJetstreamReplayedMessagesTotal,
            "Messages re-read from the stream on start, after the sequence the state covers.",
            d(st.jetstream_replayed.load()));
    counter(sla::self::kJetstreamLostMessagesTotal,
            "Stream sequences a resume needed that the stream no longer held (events lost).",
            d(st.jetstream_lost.load()));
    gauge(sla::self::kJetstreamConsumerBound,
          "1 when the durable consumer is bound and the start-up re-read is done.",
          st.jetstream_bound ? 1 : 0);
  }
  return out;
}

std::string render_text(const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<MetricFamily> families;
  for (const auto* c : collectables) {
    auto more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return render_text(families);
}

std::string render_text(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace orderwatch::metrics
