// Every validation rule of the SLA config, with the location it is reported at.
#include "orderwatch/sla/loader.h"
#include "problems.h"

#include <gtest/gtest.h>

#include <fstream>

namespace orderwatch::sla {
namespace {

using test::expect_one;
using test::problems_of;
using test::replace;

// A valid config; tests replace one line (by its marker) to break one rule.
const std::string kBase = R"(version: 1
service: checkout
nats:
  subject: orders.status.>
event:
  dimensions:
    - {field: region, max_values: 20}
statuses:
  - {name: Placed, sla: 15m}
  - name: Authorized
    sla: 1h
    escalations:
      - {after: 2h, severity: page, team: payments}
  - {name: Delivered, terminal: true}
turnaround: {sla: 72h, objective: 99.5, window: 28d}
)";

TEST(Loader, ValidConfigLoadsWithDefaults) {
  Config c = load_string(kBase);
  EXPECT_EQ(c.service, "checkout");
  EXPECT_EQ(c.metric_prefix, "order");
  ASSERT_EQ(c.statuses.size(), 3u);
  ASSERT_EQ(c.statuses[1].tiers.size(), 2u);
  EXPECT_EQ(c.statuses[1].tiers[0].severity, "warning");
  EXPECT_EQ(c.statuses[1].tiers[0].after, std::chrono::hours(1));
  EXPECT_EQ(c.statuses[1].tiers[1].severity, "page");
  EXPECT_EQ(c.statuses[1].tiers[1].team, "payments");
  EXPECT_TRUE(c.statuses[2].terminal);
  EXPECT_EQ(c.event.id_field, "orderId");
  EXPECT_EQ(c.event.time_field, "timestamp");
  EXPECT_EQ(c.event.dimensions[0].label, "region");
  EXPECT_EQ(c.event.max_future_skew, std::chrono::minutes(5));
  EXPECT_EQ(c.event.max_lateness, std::chrono::milliseconds(0));
  EXPECT_TRUE(c.turnaround.enabled);
  EXPECT_DOUBLE_EQ(c.turnaround.objective, 99.5);
  EXPECT_EQ(c.status_index("Authorized"), 1);
  EXPECT_EQ(c.status_index("Nope"), -1);
}

TEST(Loader, KeepFiringForDefaultsToForPlusAMinute) {
  EXPECT_EQ(load_string(kBase).alerting.effective_keep_firing_for(), std::chrono::minutes(3));
  Config c = load_string(kBase + "alerting: {for: 10s, keep_firing_for: 45s}\n");
  EXPECT_EQ(c.alerting.effective_keep_firing_for(), std::chrono::seconds(45));
  c = load_string(kBase + "alerting: {for: 10s}\n");
  EXPECT_EQ(c.alerting.effective_keep_firing_for(), std::chrono::seconds(70));
  expect_one(kBase + "alerting: {keep_firing_for: soon}\n", 16, 29, "alerting.keep_firing_for",
             "is not a duration");
}

TEST(Loader, ExporterBehindAlertHasDefaultsAndIsValidated) {
  Config c = load_string(kBase);
  EXPECT_EQ(c.alerting.behind.threshold, std::chrono::minutes(5));
  EXPECT_EQ(c.alerting.behind.for_duration, std::chrono::minutes(10));
  EXPECT_EQ(c.alerting.behind.severity, "warning");
  c = load_string(kBase + "alerting:\n  behind: {threshold: 90s, for: 0s, severity: page}\n");
  EXPECT_EQ(c.alerting.behind.threshold, std::chrono::seconds(90));
  EXPECT_EQ(c.alerting.behind.for_duration, std::chrono::seconds(0));
  EXPECT_EQ(c.alerting.behind.severity, "page");
  expect_one(kBase + "alerting:\n  behind: {threshold: 0s}\n", 17, 23, "alerting.behind.threshold",
             "");
  expect_one(kBase + "alerting:\n  behind: {for: later}\n", 17, 17, "alerting.behind.for",
             "is not a duration");
  expect_one(kBase + "alerting:\n  behind: {threshold: 5m, lag: 1m}\n", 17, 27,
             "alerting.behind.lag", "unknown key");
  expect_one(kBase + "alerting:\n  behind: {severity: Page}\n", 17, 22, "alerting.behind.severity",
             "must match");
  expect_one(kBase + "alerting:\n  behind: 5m\n", 17, 11, "alerting.behind", "expected a mapping");
}

TEST(Loader, ExporterBlindForHasADefaultAndIsValidated) {
  EXPECT_EQ(load_string(kBase).alerting.blind_for, std::chrono::minutes(5));
  EXPECT_EQ(load_string(kBase + "alerting: {blind_for: 90s}\n").alerting.blind_for,
            std::chrono::seconds(90));
  EXPECT_EQ(load_string(kBase + "alerting: {blind_for: 0s}\n").alerting.blind_for,
            std::chrono::seconds(0));
  expect_one(kBase + "alerting:\n  blind_for: soon\n", 17, 14, "alerting.blind_for",
             "is not a duration");
  expect_one(kBase + "alerting:\n  blind: 5m\n", 17, 3, "alerting.blind", "unknown key");
}

TEST(Loader, DimensionsCannotTakeTheReplicaLabels) {
  for (const char* label : {"partition", "replica"}) {
    const auto problems =
        problems_of(replace(kBase, "{field: region, max_values: 20}",
                            std::string("{field: region, label: ") + label + ", max_values: 20}"));
    ASSERT_EQ(problems.size(), 1u) << label;
    EXPECT_EQ(problems[0].line, 7) << problems[0].to_string();
  }
}

TEST(Loader, CloudEventsDefaultsPointIntoData) {
  Config c = load_string(replace(kBase, "event:\n", "event:\n  format: cloudevents\n"));
  EXPECT_EQ(c.event.format, EventFormat::kCloudEvents);
  EXPECT_EQ(c.event.id_field, "data.orderId");
  EXPECT_EQ(c.event.status_field, "data.status");
  EXPECT_EQ(c.event.time_field, "time");
}

TEST(Loader, ExampleFilesAreValid) {
  for (const char* path :
       {ORDERWATCH_SOURCE_DIR "/examples/sla.yaml", ORDERWATCH_SOURCE_DIR "/examples/loan.yaml"}) {
    EXPECT_NO_THROW(load_file(path)) << path;
  }
}

TEST(Loader, BadDuration) {
  expect_one(replace(kBase, "sla: 15m}", "sla: 15mins}"), 9, 25, "statuses[0].sla",
             "\"15mins\" is not a duration");
}

TEST(Loader, MaxLatenessIsADurationOfAtMostADay) {
  const std::string with = replace(kBase, "event:\n", "event:\n  max_lateness: 30s\n");
  EXPECT_EQ(load_string(with).event.max_lateness, std::chrono::seconds(30));
  EXPECT_EQ(
      load_string(replace(kBase, "event:\n", "event:\n  max_lateness: 0s\n")).event.max_lateness,
      std::chrono::milliseconds(0));
  expect_one(replace(kBase, "event:\n", "event:\n  max_lateness: 2d\n"), 6, 17,
             "event.max_lateness", "more than 1d");
  expect_one(replace(kBase, "event:\n", "event:\n  max_lateness: soon\n"), 6, 17,
             "event.max_lateness", "is not a duration");
  EXPECT_EQ(load_string(kBase).event.idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(load_string(replace(kBase, "event:\n", "event:\n  idle_timeout: 1500ms\n"))
                .event.idle_timeout,
            std::chrono::milliseconds(1500));
  expect_one(replace(kBase, "event:\n", "event:\n  idle_timeout: 0s\n"), 6, 17,
             "event.idle_timeout", "greater than 0");
  expect_one(replace(kBase, "event:\n", "event:\n  idle_timeout: 2d\n"), 6, 17,
             "event.idle_timeout", "more than 1d");
  expect_one(replace(kBase, "event:\n", "event:\n  idle_timeout: 5m\n"), 6, 17,
             "event.idle_timeout", "not below alerting.behind.threshold (5m)");
}

TEST(Loader, UnknownKey) {
  expect_one(replace(kBase, "sla: 15m}", "sla: 15m, colour: red}"), 9, 30, "statuses[0].colour",
             "unknown key");
  expect_one(replace(kBase, "version: 1\n", "version: 1\nfoo: bar\n"), 2, 1, "foo", "unknown key");
}

TEST(Loader, DuplicateStatus) {
  expect_one(replace(kBase, "name: Delivered", "name: Placed"), 14, 12, "statuses[2].name",
             "duplicate status \"Placed\"");
}

TEST(Loader, TierNotAfterTheOneBefore) {
  expect_one(replace(kBase, "after: 2h", "after: 30m"), 13, 17, "statuses[1].escalations[0].after",
             "must be after the tier before it (1h)");
}

TEST(Loader, SeverityUsedTwiceInOneStatus) {
  expect_one(replace(kBase, "severity: page", "severity: warning"), 13, 31,
             "statuses[1].escalations[0].severity", "already used");
}

TEST(Loader, TerminalStatusWithAnSla) {
  expect_one(replace(kBase, "terminal: true}", "terminal: true, sla: 1h}"), 14, 44,
             "statuses[2].sla", "terminal status cannot have an SLA");
}

TEST(Loader, EscalationsWithoutAnSla) {
  expect_one(replace(kBase, "    sla: 1h\n", ""), 12, 7, "statuses[1].escalations",
             "needs an \"sla\"");
}

TEST(Loader, DimensionCapOfZero) {
  expect_one(replace(kBase, "max_values: 20", "max_values: 0"), 7, 35,
             "event.dimensions[0].max_values", "between 1 and 1000");
}

TEST(Loader, InputBoundsHaveDefaultsAndRanges) {
  Config c = load_string(kBase);
  EXPECT_EQ(c.event.max_id_bytes, 1024u);
  EXPECT_EQ(c.event.max_dimension_value_bytes, 128u);
  c = load_string(
      replace(kBase, "event:\n", "event:\n  max_id_bytes: 64\n  max_dimension_value_bytes: 32\n"));
  EXPECT_EQ(c.event.max_id_bytes, 64u);
  EXPECT_EQ(c.event.max_dimension_value_bytes, 32u);
  expect_one(replace(kBase, "event:\n", "event:\n  max_id_bytes: 4097\n"), 6, 17,
             "event.max_id_bytes", "must be between 1 and 4096");
  expect_one(replace(kBase, "event:\n", "event:\n  max_dimension_value_bytes: 0\n"), 6, 30,
             "event.max_dimension_value_bytes", "must be between 1 and 1024");
}

TEST(Loader, DimensionWithoutCap) {
  expect_one(replace(kBase, "{field: region, max_values: 20}", "{field: region}"), 7, 7,
             "event.dimensions[0]", "max_values");
}

TEST(Loader, DimensionTakingAReservedLabel) {
  expect_one(replace(kBase, "field: region", "field: data.status"), 7, 15,
             "event.dimensions[0].label", "orderwatch sets itself");
}

TEST(Loader, MissingService) {
  expect_one(replace(kBase, "service: checkout\n", ""), 1, 1, "", "\"service\"");
}

TEST(Loader, BadServiceName) {
  expect_one(replace(kBase, "service: checkout", "service: Check Out"), 2, 10, "service",
             "must match");
}

TEST(Loader, BadSubject) {
  expect_one(replace(kBase, "orders.status.>", "orders.>.status"), 4, 12, "nats.subject",
             "not a valid NATS subject");
}

TEST(Loader, JetStreamSettings) {
  Config c = load_string(replace(
      kBase, "  subject: orders.status.>\n",
      "  subject: orders.status.>\n  jetstream: {stream: ORDERS, durable: ow, ack_wait: 10s}\n"));
  ASSERT_TRUE(c.nats.jetstream);
  EXPECT_EQ(c.nats.jetstream->stream, "ORDERS");
  EXPECT_EQ(c.nats.jetstream->durable, "ow");
  EXPECT_EQ(c.nats.jetstream->ack_wait, std::chrono::seconds(10));
  EXPECT_EQ(c.nats.jetstream->max_deliver, 5);
}

// A queue group gives each instance part of an order's events: refused in either mode, with
// the way to scale out that keeps an order on one instance.
TEST(Loader, QueueGroupIsRefusedWithThePartitioningAdvice) {
  const std::string core = replace(kBase, "  subject: orders.status.>\n",
                                   "  subject: orders.status.>\n  queue_group: q\n");
  expect_one(core, 5, 16, "nats.queue_group", "split an order's events between instances");
  expect_one(core, 5, 16, "nats.queue_group", "partition()");
  expect_one(replace(kBase, "  subject: orders.status.>\n",
                     "  subject: orders.status.>\n  queue_group: q\n"
                     "  jetstream: {stream: ORDERS, durable: ow}\n"),
             5, 16, "nats.queue_group", "partition the subject");
  // Empty means none, as before.
  EXPECT_NO_THROW(load_string(replace(kBase, "  subject: orders.status.>\n",
                                      "  subject: orders.status.>\n  queue_group: \"\"\n")));
}

TEST(Loader, HostileProducerLimits) {
  Config d = load_string(kBase);
  EXPECT_EQ(d.retention.max_orders, 50'000'000u);
  EXPECT_EQ(d.retention.max_tombstones, 50'000'000u);
  EXPECT_EQ(d.nats.pending_bytes_limit, 256u << 20);
  EXPECT_EQ(d.event.dead_letter_subject, "");
  Config c = load_string(replace(kBase, "  subject: orders.status.>\n",
                                 "  subject: orders.status.>\n  pending_bytes_limit: 1048576\n"
                                 "  jetstream: {stream: ORDERS, durable: ow, nak_delay: 2s}\n") +
                         "retention: {max_orders: 10, max_tombstones: 20}\n");
  EXPECT_EQ(c.nats.pending_bytes_limit, 1u << 20);
  EXPECT_EQ(c.nats.jetstream->nak_delay, std::chrono::seconds(2));
  EXPECT_EQ(c.retention.max_orders, 10u);
  EXPECT_EQ(c.retention.max_tombstones, 20u);
  expect_one(kBase + "retention: {max_orders: 0}\n", 16, 25, "retention.max_orders",
             "between 1 and");
  expect_one(replace(kBase, "  subject: orders.status.>\n",
                     "  subject: orders.status.>\n  pending_bytes_limit: 1000\n"),
             5, 24, "nats.pending_bytes_limit", "between 1048576");
}

TEST(Loader, DeadLetterSubject) {
  Config c = load_string(replace(kBase, "event:\n", "event:\n  dead_letter_subject: dlq.orders\n"));
  EXPECT_EQ(c.event.dead_letter_subject, "dlq.orders");
  // The order subscription would consume its own rejects again, forever.
  expect_one(replace(kBase, "event:\n", "event:\n  dead_letter_subject: orders.status.dlq\n"), 6,
             24, "event.dead_letter_subject", "is matched by nats.subject");
  expect_one(replace(kBase, "event:\n", "event:\n  dead_letter_subject: dlq.*\n"), 6, 24,
             "event.dead_letter_subject", "without wildcards");
}

TEST(Loader, InlineSecretsAreRefused) {
  expect_one(replace(kBase, "nats:\n", "nats:\n  token: s3cret\n"), 4, 10, "nats.token",
             "use token_file");
}

TEST(Loader, BadTimeFormatAndObjective) {
  expect_one(replace(kBase, "objective: 99.5", "objective: 100"), 15, 35, "turnaround.objective",
             "between 0 and 100");
  expect_one(replace(kBase, "event:\n", "event:\n  format: xml\n"), 6, 11, "event.format",
             "not a format");
}

TEST(Loader, ReceiversAndRoutes) {
  const std::string alerting = R"(alerting:
  default_receiver: slack
  routes:
    - {team: payments, receiver: pager}
  receivers:
    - {name: slack, type: slack, api_url_file: /s}
    - {name: pd, type: pagerduty, routing_key: abc}
)";
  auto problems = problems_of(kBase + alerting);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].path, "alerting.routes[0].receiver");
  EXPECT_NE(problems[0].message.find("\"pager\" is not defined"), std::string::npos);
  EXPECT_EQ(problems[1].path, "alerting.receivers[1]");
  EXPECT_NE(problems[1].message.find("needs routing_key_file"), std::string::npos);
  EXPECT_EQ(problems[2].path, "alerting.receivers[1].routing_key");
  EXPECT_NE(problems[2].message.find("use routing_key_file"), std::string::npos);
}

TEST(Loader, EveryProblemIsReportedAtOnceInFileOrder) {
  std::string yaml = replace(kBase, "sla: 15m}", "sla: nope}");
  yaml = replace(yaml, "name: Delivered", "name: Placed");
  yaml = replace(yaml, "max_values: 20", "max_values: 0");
  auto problems = problems_of(yaml);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].line, 7);
  EXPECT_EQ(problems[1].line, 9);
  EXPECT_EQ(problems[2].line, 14);
  EXPECT_EQ(problems[1].to_string(),
            "sla.yaml:9:25: statuses[0].sla: \"nope\" is not a duration (use e.g. 90s, 15m, 2h, "
            "7d, 1h30m)");
}

TEST(Loader, YamlSyntaxErrorHasALocation) {
  auto problems = problems_of("service: [unclosed\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_GT(problems[0].line, 0);
}

TEST(Loader, MissingFile) {
  try {
    load_file("/nonexistent/sla.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/sla.yaml: cannot read"), std::string::npos);
  }
}

}  // namespace
}  // namespace orderwatch::sla

namespace orderwatch::sla {
namespace {

TEST(Loader, RedriveSubjectIsATemplatedNatsSubject) {
  EXPECT_EQ(load_string(kBase).actions.redrive_subject, "");
  EXPECT_EQ(load_string(kBase + "actions: {redrive_subject: \"orders.redrive.{status}.{id}\"}\n")
                .actions.redrive_subject,
            "orders.redrive.{status}.{id}");
  for (const char* bad :
       {"orders.>", "\"orders.*.{id}\"", "\"orders..{id}\"", "\"orders. x\"", ".a"}) {
    const auto p = problems_of(kBase + "actions: {redrive_subject: " + bad + "}\n");
    ASSERT_EQ(p.size(), 1u) << bad;
    EXPECT_EQ(p[0].path, "actions.redrive_subject") << bad;
    EXPECT_NE(p[0].message.find("is not a NATS subject"), std::string::npos) << bad;
  }
  EXPECT_EQ(problems_of(kBase + "actions: {redrive: x}\n").size(), 1u);
}

}  // namespace
}  // namespace orderwatch::sla
