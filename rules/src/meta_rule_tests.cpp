// promtool tests of the meta-alerts: each fires at its exact minute and is silent one
// interval earlier. A single unlabelled target behaves as before replicas existed; replicas
// of a partition page only when all of them are gone, and a single dead one warns; a silent
// partition is seen while another is busy. Blindness: blind_rule_tests.cpp.
#include "orderwatch/rules/names.h"
#include "orderwatch/sla/metrics.h"
#include "test_writer.h"

namespace orderwatch::rules::detail {

namespace {

Labels job_and(const sla::Config& config, const Target& target) {
  return with(target.labels(), {{"job", config.alerting.job}});
}

// Partition 0's replicas: 0a down from 5m (the replica alert, no page), 0b down too once that
// fired (the page, one alert per instance; the replica alert resolves at once).
void replica_down_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const AlertNames names = alert_names(config);
  const Alert& down = *find(alerts, names.exporter_down);
  const Alert& replica = *find(alerts, names.replica_down);
  const std::int64_t wait = minutes_until_firing(down.for_duration);
  const std::int64_t second = 5 + wait + 1;  // 0b goes down
  w.begin_group("replica 0a down from 5m: " + names.replica_down + " at " + minutes_text(5 + wait) +
                "; 0b down too from " + minutes_text(second) + ": " + names.exporter_down + " at " +
                minutes_text(second + wait));
  const std::int64_t last = second + wait + 1;
  w.series(kUpMetric, kReplica0a.labels(), "1x4 0x" + std::to_string(last - 5));
  w.series(kUpMetric, kReplica0b.labels(),
           "1x" + std::to_string(second - 1) + " 0x" + std::to_string(last - second));
  w.series(kUpMetric, kReplica1a.labels(), "1x" + std::to_string(last));
  w.expect_silent(replica.name, 5 + wait - 1);
  w.expect_firing(replica.name, 5 + wait, {expected(replica, job_and(config, kReplica0a))});
  w.expect_silent(replica.name, second);
  w.expect_silent(down.name, second + wait - 1);
  w.expect_firing(
      down.name, second + wait,
      {expected(down, job_and(config, kReplica0a)), expected(down, job_and(config, kReplica0b))});
}

void exporter_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const AlertNames names = alert_names(config);
  const Labels plain = kPlainA.labels();
  {
    const Alert& alert = *find(alerts, names.exporter_down);
    const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
    w.begin_group("exporter down from 5m, fires at " + minutes_text(fires_at));
    w.series(kUpMetric, plain, "1x4 0x" + std::to_string(fires_at - 3));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, job_and(config, kPlainA))});
    w.expect_silent(names.replica_down, fires_at);
  }
  replica_down_tests(alerts, w);
  const Alert& absent = *find(alerts, names.exporter_absent);
  const std::int64_t absent_at = 5 + minutes_until_firing(absent.for_duration);
  w.begin_group("exporter target gone (stale) at 5m, fires at " + minutes_text(absent_at));
  w.series(kUpMetric, plain, "1x4 stale");
  w.expect_silent(absent.name, absent_at - 1);
  w.expect_firing(absent.name, absent_at, {expected(absent, {{"job", config.alerting.job}})});
  w.begin_group("partition 1's only target gone at 5m, partition 0 still scraped: fires at " +
                minutes_text(absent_at));
  w.series(kUpMetric, kReplica0a.labels(), "1x" + std::to_string(absent_at + 1));
  w.series(kUpMetric, kReplica1a.labels(), "1x4 stale");
  w.expect_silent(absent.name, absent_at - 1);
  w.expect_firing(absent.name, absent_at, {expected(absent, {{"partition", "1"}})});

  const Alert& unlabelled = *find(alerts, names.replicas_unlabelled);
  const std::int64_t unlabelled_at = 5 + minutes_until_firing(unlabelled.for_duration);
  w.begin_group("a second target without partition or replica labels from 5m: fires at " +
                minutes_text(unlabelled_at) + "; replicas 0a and 0b are told apart");
  w.series(kUpMetric, plain, "1x" + std::to_string(unlabelled_at + 1));
  w.series(kUpMetric, kPlainB.labels(), "_x5 1x" + std::to_string(unlabelled_at - 4));
  w.series(kUpMetric, kReplica0a.labels(), "1x" + std::to_string(unlabelled_at + 1));
  w.series(kUpMetric, kReplica0b.labels(), "1x" + std::to_string(unlabelled_at + 1));
  w.expect_silent(unlabelled.name, unlabelled_at - 1);
  w.expect_firing(unlabelled.name, unlabelled_at, {expected(unlabelled, {}, "{{ $value }}", "2")});
}

// Replica 0a is cut off at 10m (one disconnect gap); 0b and slow_consumer stay at 0. The
// warning is 0a's alone, and it resolves once the increase has left the 1h window.
void ingest_gap_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const AlertNames names = alert_names(config);
  const Alert& alert = *find(alerts, names.ingest_gap);
  w.begin_group("replica 0a's ingest gap at 10m: " + names.ingest_gap + " at 10m for 0a only, " +
                "silent again at 71m");
  const std::string metric(sla::self::kIngestGapsTotal.name);
  w.series(metric, with(kReplica0a.labels(), {{"cause", "disconnect"}}), "0x9 1x62");
  w.series(metric, with(kReplica0a.labels(), {{"cause", "slow_consumer"}}), "0x72");
  w.series(metric, with(kReplica0b.labels(), {{"cause", "disconnect"}}), "0x72");
  const ExpectedAlert gap =
      expected(alert, with(job_and(config, kReplica0a), {{"cause", "disconnect"}}));
  w.expect_silent(alert.name, 9);
  w.expect_firing(alert.name, 10, {gap});
  w.expect_firing(alert.name, 68, {gap});  // [8m, 68m] still holds the 0 of 9m
  w.expect_silent(alert.name, 71);
}

void stream_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  const sla::Config& config = w.config();
  const AlertNames names = alert_names(config);
  const Labels plain = kPlainA.labels();
  {
    const Alert& alert = *find(alerts, names.no_events);
    // Events until 9m (the gauge holds the wall clock of the last one, 540s), then none.
    const std::int64_t quiet_ms = config.alerting.no_events_for.count();
    const std::int64_t fires_at = (9 * kMinuteMs + quiet_ms) / kMinuteMs + 1;
    w.begin_group("last event at 9m, quiet for " +
                  sla::human_duration(config.alerting.no_events_for) + ": fires at " +
                  minutes_text(fires_at));
    w.series(std::string(sla::self::kLastEventTimestampSeconds.name), plain,
             "0+60x9 540x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {})});
    w.begin_group("partition 1's last event at 9m, partition 0 busy (replica 0a; 0b quiet too): " +
                  names.no_events + " for partition 1 alone at " + minutes_text(fires_at));
    const std::string metric(sla::self::kLastEventTimestampSeconds.name);
    w.series(metric, kReplica0a.labels(), "0+60x" + std::to_string(fires_at + 1));
    w.series(metric, kReplica0b.labels(), "0+60x9 540x" + std::to_string(fires_at - 8));
    w.series(metric, kReplica1a.labels(), "0+60x9 540x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {{"partition", "1"}})});
  }
  {
    const Alert& alert = *find(alerts, names.events_rejected);
    const std::int64_t fires_at = 11 + minutes_until_firing(alert.for_duration);
    w.begin_group("50 of 1000 events rejected as malformed by 11m, fires at " +
                  minutes_text(fires_at));
    const std::string samples = std::to_string(fires_at + 2);
    w.series(sla::metric_name(config, sla::order::kEventsTotal),
             with(plain, {{"result", "applied"}}), "0+100x" + samples);
    w.series(sla::metric_name(config, sla::order::kEventsRejectedTotal),
             with(plain, {{"reason", "malformed"}}), "0x10 50+50x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, {{"reason", "malformed"}})});
    w.begin_group(
        "partition 1 rejects half its 10 events a minute from 11m, partition 0 takes "
        "1000 a minute (0.5% of all): fires for partition 1 at " +
        minutes_text(fires_at));
    const std::string events = sla::metric_name(config, sla::order::kEventsTotal);
    for (const Target* target : {&kReplica0a, &kReplica0b})
      w.series(events, with(target->labels(), {{"result", "applied"}}), "0+1000x" + samples);
    w.series(events, with(kReplica1a.labels(), {{"result", "applied"}}), "0+10x" + samples);
    w.series(sla::metric_name(config, sla::order::kEventsRejectedTotal),
             with(kReplica1a.labels(), {{"reason", "malformed"}}),
             "0x10 5+5x" + std::to_string(fires_at - 8));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at,
                    {expected(alert, {{"partition", "1"}, {"reason", "malformed"}})});
  }
  {
    const Alert& alert = *find(alerts, names.nats_disconnected);
    const std::int64_t fires_at = 5 + minutes_until_firing(alert.for_duration);
    w.begin_group("NATS disconnected from 5m, fires at " + minutes_text(fires_at) +
                  "; a replica disconnected alone does not page");
    w.series(std::string(sla::self::kNatsConnected.name), plain,
             "1x4 0x" + std::to_string(fires_at - 3));
    w.series(std::string(sla::self::kNatsConnected.name), kReplica0a.labels(),
             "1x4 0x" + std::to_string(fires_at - 3));
    w.series(std::string(sla::self::kNatsConnected.name), kReplica0b.labels(),
             "1x" + std::to_string(fires_at + 1));
    w.expect_silent(alert.name, fires_at - 1);
    w.expect_firing(alert.name, fires_at, {expected(alert, job_and(config, kPlainA))});
  }
}

}  // namespace

void meta_alert_tests(const std::vector<Alert>& alerts, TestWriter& w) {
  exporter_tests(alerts, w);
  stream_tests(alerts, w);
  blind_alert_tests(alerts, w);
  ingest_gap_tests(alerts, w);
}

}  // namespace orderwatch::rules::detail
