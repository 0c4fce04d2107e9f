// The blindness alerts of the rules file: <Service>ExporterBlind (an instance is scraped but
// consumes no order events, nor does any replica of its partition) and <Service>ExporterBehind
// (its watermark trails the wall clock), one rule per cause so each description names it.
// Called by add_meta_alerts (meta_alerts.cpp); the causes also by the promtool tests.
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"

namespace orderwatch::rules::detail {

namespace {

// A JetStream re-read on start applies events before the consumer counts as bound: an
// instance re-reading within this window is consuming, however long the backlog.
constexpr const char* kReplayWindow = "5m";

std::string self(const sla::Config& config, const sla::MetricSpec& metric) {
  return selector(metric, config, {});
}

std::string not_connected(const sla::Config& config) {
  return self(config, sla::self::kNatsConnected) + " == 0";
}

std::string stream_missing(const sla::Config& config) {
  return self(config, sla::self::kJetstreamStreamMissing) + " == 1";
}

std::string replaying(const sla::Config& config) {
  return "rate(" + self(config, sla::self::kJetstreamReplayedMessagesTotal) + "[" + kReplayWindow +
         "]) > 0";
}

std::string unbound(const sla::Config& config) {
  return self(config, sla::self::kJetstreamConsumerBound) + " == 0";
}

Alert blind_rule(const sla::Config& config, const BlindCause& cause) {
  const std::string& service = config.service;
  Alert alert;
  alert.name = alert_names(config).exporter_blind;
  alert.expr = {"(" + cause.instances + ")", "unless on (" + std::string(kPartitionLabel) + ")",
                "  (" + consuming_instances(config) + ")"};
  alert.for_duration = config.alerting.blind_for;
  alert.labels = base_labels(config, kSeverityPage);
  alert.labels.emplace_back(sla::label::kCause, cause.cause);
  alert.annotations = meta_annotations(
      config, alert.name, "", service + ": orderwatch is up but blind (" + cause.cause + ")",
      "{{ $labels.instance }} (job " + config.alerting.job +
          ") is scraped but consumes no order events: it " + cause.phrase +
          ". No replica of its partition consumes either, so its overdue counts stand still and "
          "look healthy: order SLAs of " +
          service +
          " are not being watched, and its order alerts are silenced. /readyz says "
          "why; it retries by itself.");
  return alert;
}

Alert behind_rule(const sla::Config& config, const std::string& cause,
                  std::vector<std::string> expr, std::string description) {
  const auto& behind = config.alerting.behind;
  Alert alert;
  alert.name = alert_names(config).exporter_behind;
  alert.expr = std::move(expr);
  alert.for_duration = behind.for_duration;
  alert.labels = base_labels(config, behind.severity);
  alert.labels.emplace_back(sla::label::kCause, cause);
  alert.annotations =
      meta_annotations(config, alert.name, "",
                       config.service + ": orderwatch is behind the order stream (" + cause + ")",
                       std::move(description));
  return alert;
}

}  // namespace

std::vector<BlindCause> blind_causes(const sla::Config& config) {
  std::vector<BlindCause> causes{{kCauseNotConnected, not_connected(config),
                                  "is not connected to NATS (" + config.nats.url + ")"}};
  if (const auto& js = config.nats.jetstream) {
    causes.push_back({"stream_missing", stream_missing(config) + " unless " + not_connected(config),
                      "finds no JetStream stream " + js->stream + " on the server"});
    causes.push_back({"consumer_not_bound",
                      unbound(config) + " unless (" + not_connected(config) + " or " +
                          stream_missing(config) + " or " + replaying(config) + ")",
                      "has not bound its durable consumer " + js->durable + " on stream " +
                          js->stream + " (nor is it re-reading the stream)"});
  }
  return causes;
}

std::string consuming_instances(const sla::Config& config) {
  const std::string connected = self(config, sla::self::kNatsConnected) + " == 1";
  if (!config.nats.jetstream) return connected;
  return connected + " unless (" + stream_missing(config) + " or (" + unbound(config) + " unless " +
         replaying(config) + "))";
}

void add_blind_alerts(const sla::Config& config, std::vector<Alert>& list) {
  for (const auto& cause : blind_causes(config)) list.push_back(blind_rule(config, cause));
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+ with a short literal): a false
// positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
void add_behind_alerts(const sla::Config& config, std::vector<Alert>& list) {
  const auto& behind = config.alerting.behind;
  const AlertNames names = alert_names(config);
  const std::string lag =
      self(config, sla::self::kWatermarkLagSeconds) + " > " + sla::seconds_text(behind.threshold);
  const std::string no_position = self(config, sla::self::kWatermarkTimestampSeconds) + " == 0";
  const std::string consuming = "(" + consuming_instances(config) + ")";
  list.push_back(behind_rule(
      config, "backlog", {lag, "and " + consuming, "unless " + no_position},
      "{{ $labels.instance }} has applied the order events only up to {{ $value | "
      "humanizeDuration }} ago (more than " +
          sla::human_duration(behind.threshold) +
          "): it judges overdue as of that time, so its overdue counts and pages are that late."
          " A backlog after a restart or an outage, a slow consumer, or producers whose events "
          "arrive late."));
  list.push_back(behind_rule(
      config, "no_position", {lag, "and " + consuming, "and " + no_position},
      "{{ $labels.instance }} has applied no order event since it started: it has no position "
      "in the stream yet (its watermark is 0), so it judges no order overdue." +
          std::string(config.nats.jetstream ? " A start-up re-read that has not reached its "
                                              "first event, or a consumer that receives nothing."
                                            : "")));
  for (const auto& cause : blind_causes(config)) {
    list.push_back(behind_rule(
        config, cause.cause, {lag, "and (" + cause.instances + ")"},
        "{{ $labels.instance }} consumes no order events: it " + cause.phrase +
            ". Its watermark stands still, so its overdue counts and "
            "pages are frozen (" +
            names.exporter_blind + " pages when no replica of its partition consumes)."));
  }
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

}  // namespace orderwatch::rules::detail

namespace orderwatch::rules {

std::string blind_instances(const sla::Config& config) {
  return detail::selector(sla::self::kNatsConnected, config, {}) + " unless (" +
         detail::consuming_instances(config) + ")";
}

}  // namespace orderwatch::rules
