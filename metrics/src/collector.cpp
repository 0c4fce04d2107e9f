// OrderCollector and IngestCollector: /metrics built at scrape time, each family from its
// descriptor in sla/metrics.h (name, help, type) and the values of one snapshot of the state.
// serve/ registers both on the exposer; render_text() also serves tests and the e2e golden.
#include "orderwatch/metrics/collector.h"

#include <prometheus/text_serializer.h>

#include <chrono>
#include <limits>
#include <sstream>

#include "family.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::metrics {

OrderCollector::OrderCollector(tracking::TrackerService& service, std::string version)
    : service_(service), version_(std::move(version)) {}

namespace {

using tracking::TrackerSnapshot;

namespace order = sla::order;
namespace self = sla::self;

double seconds_of_ms(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// Per series (status x dimension values): time in status, in flight, overdue per tier.
void add_series_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                         const TrackerSnapshot& snap) {
  const auto& statuses = cfg.statuses;
  // status, then the dimension labels: the order of order::kInStatus.labels and its dims.
  auto series_labels = [&](const tracking::SeriesValues& v) {
    std::vector<ClientMetric::Label> labels{label(sla::label::kStatus, statuses[v.status].name)};
    for (std::size_t i = 0; i < cfg.event.dimensions.size(); ++i) {
      labels.push_back({cfg.event.dimensions[i].label, snap.combos[v.combo][i]});
    }
    return labels;
  };

  auto duration = family(cfg, order::kStatusDurationSeconds);
  auto in_status = family(cfg, order::kInStatus);
  auto overdue = family(cfg, order::kOverdue);
  auto acknowledged = family(cfg, order::kOverdueAcknowledged);
  auto age = family(cfg, order::kAgeSeconds);  // a gauge histogram: never rate() it
  auto open_duration = family(cfg, order::kStatusOpenDurationSeconds);
  for (const auto& v : snap.series) {
    auto labels = series_labels(v);
    add_histogram(duration, labels, snap.duration_bounds_seconds, v.duration);
    if (!statuses[v.status].calendar.empty()) {
      add_histogram(open_duration, labels, snap.duration_bounds_seconds, v.open_duration);
    }
    add_histogram(age, labels, snap.duration_bounds_seconds, v.age);
    add(in_status, labels, d(v.in_status));
    const auto& tiers = statuses[v.status].tiers;
    for (std::size_t k = 0; k < tiers.size(); ++k) {
      auto with_severity = labels;  // status, severity, then the dimensions
      with_severity.insert(with_severity.begin() + 1,
                           label(sla::label::kSeverity, tiers[k].severity));
      add(acknowledged, with_severity, d(k < v.acknowledged.size() ? v.acknowledged[k] : 0));
      add(overdue, std::move(with_severity), d(v.overdue[k]));
    }
  }

  for (auto* f : {&duration, &in_status, &overdue, &acknowledged, &age})
    out.push_back(std::move(*f));
  // Only with calendar statuses: a wall-clock-only config exposes nothing new.
  if (!open_duration.metric.empty()) out.push_back(std::move(open_duration));
}

// Per status: oldest entry, breaches per tier, transitions; per terminal status: turnaround.
void add_status_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                         const TrackerSnapshot& snap) {
  using namespace sla::label;
  const auto& statuses = cfg.statuses;
  auto oldest = family(cfg, order::kStatusOldestEnteredTimestampSeconds);
  auto breaches = family(cfg, order::kSlaBreachesTotal);
  auto met = family(cfg, order::kSlaMetTotal);
  auto transitions = family(cfg, order::kTransitionsTotal);
  auto turnaround = family(cfg, order::kTurnaroundSeconds);
  for (std::size_t s = 0; s < statuses.size(); ++s) {
    const auto& st = statuses[s];
    if (snap.oldest_entered_ms[s]) {
      add(oldest, {label(kStatus, st.name)}, seconds_of_ms(*snap.oldest_entered_ms[s]));
    }
    for (std::size_t k = 0; k < st.tiers.size(); ++k) {
      add(breaches, {label(kStatus, st.name), label(kSeverity, st.tiers[k].severity)},
          d(snap.breaches[s][k]));
    }
    if (!st.tiers.empty()) add(met, {label(kStatus, st.name)}, d(snap.sla_met[s]));
    if (st.terminal) {
      add_histogram(turnaround, {label(kOutcome, st.name)}, snap.turnaround_bounds_seconds,
                    snap.turnaround[s]);
      continue;
    }
    for (std::size_t to = 0; to < statuses.size(); ++to) {
      if (to == s) continue;
      add(transitions, {label(kFrom, st.name), label(kTo, statuses[to].name)},
          d(snap.transitions[s * statuses.size() + to]));
    }
  }

  for (auto* f : {&oldest, &breaches, &met, &transitions, &turnaround})
    out.push_back(std::move(*f));
}

// Per milestone (and label set): in progress, paused, without a deadline, overdue per tier,
// counted durations; per milestone: breaches per tier, clocks met. Nothing without milestones.
void add_milestone_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                            const TrackerSnapshot& snap) {
  if (cfg.milestones.empty()) return;
  using namespace sla::label;
  auto in_progress = family(cfg, order::kMilestoneInProgress);
  auto paused = family(cfg, order::kMilestonePaused);
  auto overdue = family(cfg, order::kMilestoneOverdue);
  auto acknowledged = family(cfg, order::kMilestoneOverdueAcknowledged);
  auto without = family(cfg, order::kMilestoneWithoutDeadline);
  auto breaches = family(cfg, order::kMilestoneBreachesTotal);
  auto met = family(cfg, order::kMilestoneMetTotal);
  auto duration = family(cfg, order::kMilestoneDurationSeconds);
  for (const auto& v : snap.milestones) {
    const auto& ms = cfg.milestones[v.milestone];
    std::vector<ClientMetric::Label> dims;
    for (std::size_t i = 0; i < cfg.event.dimensions.size(); ++i) {
      dims.push_back({cfg.event.dimensions[i].label, snap.combos[v.combo][i]});
    }
    auto with = [&](std::vector<ClientMetric::Label> labels) {
      labels.insert(labels.end(), dims.begin(), dims.end());
      return labels;
    };
    add(in_progress, with({label(kMilestone, ms.name)}), d(v.in_progress));
    add(paused, with({label(kMilestone, ms.name)}), d(v.paused));
    add_histogram(duration, with({label(kMilestone, ms.name)}),
                  snap.milestone_duration_bounds_seconds, v.duration);
    if (ms.has_deadline_field()) {
      add(without, with({label(kMilestone, ms.name)}), d(v.without_deadline));
    }
    for (std::size_t k = 0; k < ms.tiers.size(); ++k) {
      const auto labels =
          with({label(kMilestone, ms.name), label(kSeverity, ms.tiers[k].severity)});
      add(overdue, labels, d(v.overdue[k]));
      add(acknowledged, labels, d(k < v.acknowledged.size() ? v.acknowledged[k] : 0));
    }
  }
  for (std::size_t m = 0; m < cfg.milestones.size(); ++m) {
    const auto& ms = cfg.milestones[m];
    for (std::size_t k = 0; k < ms.tiers.size(); ++k) {
      add(breaches, {label(kMilestone, ms.name), label(kSeverity, ms.tiers[k].severity)},
          d(snap.milestone_breaches[m][k]));
    }
    add(met, {label(kMilestone, ms.name)}, d(snap.milestone_met[m]));
  }
  for (auto* f :
       {&in_progress, &paused, &overdue, &acknowledged, &without, &breaches, &met, &duration}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
}

void add_event_families(std::vector<MetricFamily>& out, const sla::Config& cfg,
                        const TrackerSnapshot& snap) {
  auto events = family(cfg, order::kEventsTotal);
  for (std::size_t r = 0; r < static_cast<std::size_t>(tracking::ApplyResult::kCount); ++r) {
    add(events, {label(sla::label::kResult, std::string(tracking::kApplyResultNames[r]))},
        d(snap.events[r]));
  }
  auto rejected = family(cfg, order::kEventsRejectedTotal);
  for (std::size_t r = 0; r < static_cast<std::size_t>(events::RejectReason::kCount); ++r) {
    add(rejected, {label(sla::label::kReason, std::string(events::kRejectReasonNames[r]))},
        d(snap.rejected[r]));
  }

  out.push_back(std::move(events));
  out.push_back(std::move(rejected));
}

// The tracking room's self-metrics: orders and tombstones held, snapshots, reloads.
void add_self_families(std::vector<MetricFamily>& out, const TrackerSnapshot& snap,
                       const tracking::ServiceStats& st, const std::string& version) {
  auto build_info = family(self::kBuildInfo);
  add(build_info, {label(sla::label::kVersion, version)}, 1);
  out.push_back(std::move(build_info));
  add_single(out, self::kTrackedOrders, d(snap.tracked));
  add_single(out, self::kTombstones, d(snap.tombstones));
  add_single(out, self::kEvictionsTotal, d(snap.evictions));
  add_single(out, self::kOrdersRefusedTotal, d(snap.orders_refused));
  add_single(out, self::kTombstonesRefusedTotal, d(snap.tombstones_refused));
  add_single(out, self::kLastEventTimestampSeconds, seconds_of_ms(snap.last_event_ms));
  add_single(out, self::kConfigLastReloadSuccessful, st.config_reload_ok ? 1 : 0);
  add_single(out, self::kConfigLastReloadSuccessTimestampSeconds,
             seconds_of_ms(st.config_reload_success_ms.load()));
  add_single(out, self::kSnapshotLastSuccessTimestampSeconds,
             seconds_of_ms(st.snapshot_success_ms.load()));
  add_single(out, self::kSnapshotDurationSeconds,
             static_cast<double>(st.snapshot_duration_us.load()) / 1e6);
  add_single(out, self::kSnapshotBytes, d(st.snapshot_bytes.load()));
  add_single(out, self::kSnapshotFailuresTotal, d(st.snapshot_failures.load()));
  add_single(out, self::kWatermarkTimestampSeconds, seconds_of_ms(snap.watermark_ms));
  add_single(out, self::kWatermarkLagSeconds, seconds_of_ms(snap.watermark_lag_ms));
}

// Business calendars: open or closed now, by the wall clock (one series per calendar).
void add_calendar_families(std::vector<MetricFamily>& out, const sla::Config& cfg) {
  auto open = family(self::kCalendarOpen);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (const auto& c : cfg.calendars) {
    add(open, {label(sla::label::kCalendar, c.name)},
        c.calendar->open_ms_between(now, now + 1) > 0 ? 1 : 0);
  }
  if (!open.metric.empty()) out.push_back(std::move(open));  // only with calendars
}

// Ingest gaps: every cause exported from the start (0), the last gap's start and end.
void add_gap_families(std::vector<MetricFamily>& out, const ingest::GapView& gaps) {
  auto total = family(self::kIngestGapsTotal);
  for (std::size_t c = 0; c < ingest::kGapCauses; ++c) {
    add(total, {label(sla::label::kCause, std::string(ingest::kGapCauseNames[c]))},
        d(gaps.gaps[c]));
  }
  out.push_back(std::move(total));
  add_single(out, self::kIngestLastGapStartTimestampSeconds, seconds_of_ms(gaps.last_start_ms));
  add_single(out, self::kIngestLastGapEndTimestampSeconds, seconds_of_ms(gaps.last_end_ms));
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
  add_milestone_families(out, *config, snap);
  add_event_families(out, *config, snap);
  add_self_families(out, snap, service_.stats(), version_);
  add_calendar_families(out, *config);
  return out;
}

IngestCollector::IngestCollector(ingest::NatsSource& source, bool jetstream)
    : source_(source), jetstream_(jetstream) {}

std::vector<MetricFamily> IngestCollector::Collect() const {
  const ingest::IngestStats& st = source_.stats();
  std::vector<MetricFamily> out;
  out.reserve(20);
  add_single(out, self::kNatsConnected, st.nats_connected ? 1 : 0);
  add_single(out, self::kNatsReconnectsTotal, d(st.nats_reconnects.load()));
  auto failures = family(self::kNatsConnectFailuresTotal);  // every reason from the start (0)
  for (std::size_t r = 0; r < ingest::kConnectFailures; ++r) {
    add(failures, {label(sla::label::kReason, std::string(ingest::kConnectFailureNames[r]))},
        d(st.nats_connect_failures[r].load()));
  }
  out.push_back(std::move(failures));
  add_single(out, self::kNatsSlowConsumerTotal, d(st.nats_slow_consumer.load()));
  add_single(out, self::kNatsDroppedMessagesTotal, d(st.nats_dropped.load()));
  add_gap_families(out, st.gaps.view());
  add_single(out, self::kDeadLetteredTotal, d(st.dead_lettered.load()));
  add_single(out, self::kDeadLetterFailuresTotal, d(st.dead_letter_failures.load()));
  if (jetstream_) {
    add_single(out, self::kJetstreamConsumerPendingMessages, d(st.jetstream_pending.load()));
    add_single(out, self::kJetstreamAckPendingMessages, d(st.jetstream_ack_pending.load()));
    add_single(out, self::kJetstreamRedeliveredTotal, d(st.jetstream_redelivered.load()));
    add_single(out, self::kJetstreamTerminatedTotal, d(st.jetstream_terminated.load()));
    add_single(out, self::kJetstreamNackedTotal, d(st.jetstream_nacked.load()));
    add_single(out, self::kJetstreamReplayedMessagesTotal, d(st.jetstream_replayed.load()));
    add_single(out, self::kJetstreamLostMessagesTotal, d(st.jetstream_lost.load()));
    add_single(out, self::kJetstreamConsumerBound, st.jetstream_bound ? 1 : 0);
    add_single(out, self::kJetstreamStreamMissing, st.jetstream_stream_missing ? 1 : 0);
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
