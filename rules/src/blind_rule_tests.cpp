// promtool tests of blindness: ExporterBlind fires for each cause alone (the precedence of
// causes), at its exact minute and not one earlier, only when no replica of the partition
// consumes, and never for a start-up re-read; ExporterBehind names its cause. Called by
// meta_alert_tests (meta_rule_tests.cpp).
#include <stdexcept>

#include "orderwatch/rules/names.h"
#include "orderwatch/sla/metrics.h"
#include "test_writer.h"

namespace orderwatch::rules::detail {

namespace {

Labels job_and(const sla::Config& config, const Target& target) {
  return with(target.labels(), {{"job", config.alerting.job}});
}

// The rule of alert `name` with this `cause` label.
const Alert& rule(const std::vector<Alert>& alerts, const std::string& name,
                  const std::string& cause) {
  for (const auto& alert : alerts) {
    if (alert.name != name) continue;
    for (const auto& [label, value] : alert.labels) {
      if (label == sla::label::kCause && value == cause) return alert;
    }
  }
  throw std::logic_error("no " + name + " rule with cause " + cause);
}

// One instance's connection self-metrics up to minute `last`: consuming until 4m, then from
// 5m blind for `cause` ("": consuming throughout). With JetStream a blind instance's consumer
// is unbound too, so each test shows that only the first cause fires; `replaying`: unbound
// from 5m while the start-up re-read applies the stream.
void instance(TestWriter& w, const Target& target, const std::string& cause, std::int64_t last,
              bool replaying = false) {
  const auto from_5m = [&](const char* before, const char* after) {
    return std::string(before) + "x4 " + after + "x" + std::to_string(last - 5);
  };
  const auto flat = [&](const char* value) {
    return std::string(value) + "x" + std::to_string(last);
  };
  const Labels labels = target.labels();
  w.series(sla::self::kNatsConnected.name, labels,
           cause == kCauseNotConnected ? from_5m("1", "0") : flat("1"));
  if (!w.config().nats.jetstream) return;
  w.series(sla::self::kJetstreamStreamMissing.name, labels,
           cause == "stream_missing" ? from_5m("0", "1") : flat("0"));
  w.series(sla::self::kJetstreamConsumerBound.name, labels,
           !cause.empty() || replaying ? from_5m("1", "0") : flat("1"));
  w.series(sla::self::kJetstreamReplayedMessagesTotal.name, labels,
           replaying ? from_5m("0", "100+100") : flat("0"));
}

void blind_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const std::string name = alert_names(config).exporter_blind;
  const std::int64_t fires_at = 5 + minutes_until_firing(config.alerting.blind_for);
  const std::int64_t last = fires_at + 2;
  const auto causes = blind_causes(config);
  for (const auto& cause : causes) {  // an instance alone
    const Alert& alert = rule(alerts, name, cause.cause);
    w.begin_group("blind from 5m (" + cause.cause + "): " + name + " at " + minutes_text(fires_at) +
                  ", for that cause alone");
    instance(w, kPlainA, cause.cause, last);
    w.expect_silent(name, fires_at - 1);
    w.expect_firing(name, fires_at, {expected(alert, job_and(config, kPlainA))});
  }
  for (const auto& cause : causes) {
    w.begin_group("replicas 0a and 1a blind from 5m (" + cause.cause +
                  "), 0b consuming: partition 1 alone fires at " + minutes_text(fires_at));
    instance(w, kReplica0a, cause.cause, last);
    instance(w, kReplica0b, "", last);
    instance(w, kReplica1a, cause.cause, last);
    w.expect_silent(name, fires_at - 1);
    w.expect_firing(name, fires_at,
                    {expected(rule(alerts, name, cause.cause), job_and(config, kReplica1a))});
  }
  if (config.nats.jetstream) {
    w.begin_group("consumer unbound from 5m while the start-up re-read runs: not blind");
    instance(w, kPlainA, "", last, /*replaying=*/true);
    w.expect_silent(name, fires_at);
    w.expect_silent(name, last);
  }
}

void behind_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const auto& behind = config.alerting.behind;
  const std::string name = alert_names(config).exporter_behind;
  const std::string lag(sla::self::kWatermarkLagSeconds.name);
  const std::string watermark(sla::self::kWatermarkTimestampSeconds.name);
  const std::string threshold = sla::seconds_text(behind.threshold);
  const std::int64_t wait = minutes_until_firing(behind.for_duration);
  const std::int64_t fires_at = 5 + wait;
  const std::int64_t last = fires_at + 2;
  // The lag holds the threshold until 4m (not above it), then a minute more from 5m.
  const std::int64_t seconds = behind.threshold.count() / 1000 + 60;
  const std::string lag_values =
      threshold + "x4 " + std::to_string(seconds) + "x" + std::to_string(last - 5);
  w.begin_group("watermark " + std::to_string(seconds) + "s behind from 5m (threshold " +
                sla::human_duration(behind.threshold) + "), consuming: backlog at " +
                minutes_text(fires_at));
  instance(w, kPlainA, "", last);
  w.series(lag, kPlainA.labels(), lag_values);
  w.series(watermark, kPlainA.labels(), "1000+60x" + std::to_string(last));
  if (fires_at > 5) w.expect_silent(name, fires_at - 1);
  w.expect_silent(name, 4);
  w.expect_firing(name, fires_at,
                  {expected(rule(alerts, name, "backlog"), job_and(config, kPlainA),
                            "{{ $value | humanizeDuration }}", humanize_duration(seconds))});

  const BlindCause cause = blind_causes(config).back();
  w.begin_group("the same lag, blind from 5m (" + cause.cause + "): the cause, not the lag, at " +
                minutes_text(fires_at));
  instance(w, kPlainA, cause.cause, last);
  w.series(lag, kPlainA.labels(), lag_values);
  w.series(watermark, kPlainA.labels(), "1000+60x4 1240x" + std::to_string(last - 5));
  if (fires_at > 5) w.expect_silent(name, fires_at - 1);
  w.expect_firing(name, fires_at,
                  {expected(rule(alerts, name, cause.cause), job_and(config, kPlainA))});

  if (config.nats.jetstream) {
    w.begin_group("the same lag while the start-up re-read runs (consumer unbound): backlog at " +
                  minutes_text(fires_at));
    instance(w, kPlainA, "", last, /*replaying=*/true);
    w.series(lag, kPlainA.labels(), lag_values);
    w.series(watermark, kPlainA.labels(), "1000+60x" + std::to_string(last));
    w.expect_firing(name, fires_at,
                    {expected(rule(alerts, name, "backlog"), job_and(config, kPlainA),
                              "{{ $value | humanizeDuration }}", humanize_duration(seconds))});
  }

  w.begin_group(
      "no position yet (watermark 0, a lag as old as the epoch), consuming: "
      "no_position at " +
      minutes_text(wait));
  instance(w, kPlainA, "", wait + 2);
  w.series(lag, kPlainA.labels(), "1765432100+60x" + std::to_string(wait + 2));
  w.series(watermark, kPlainA.labels(), "0x" + std::to_string(wait + 2));
  if (wait > 0) w.expect_silent(name, wait - 1);
  w.expect_firing(name, wait,
                  {expected(rule(alerts, name, "no_position"), job_and(config, kPlainA))});
}

}  // namespace

void blind_alert_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  blind_tests(alerts, w);
  behind_tests(alerts, w);
}

}  // namespace orderwatch::rules::detail
