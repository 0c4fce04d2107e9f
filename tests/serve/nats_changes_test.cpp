// changed_nats: a reload that changes any field of the nats section is reported under its key,
// and nothing is reported when the sections are equal.
#include "nats_changes.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace orderwatch::serve {
namespace {

using sla::NatsConfig;

NatsConfig jetstream_config() {
  NatsConfig c;
  c.subject = "orders.>";
  c.jetstream = sla::JetStreamConfig{};
  c.jetstream->stream = "ORDERS";
  c.jetstream->durable = "orderwatch";
  return c;
}

struct Change {
  std::string key;
  std::function<void(NatsConfig&)> apply;
};

// One change per field of NatsConfig and JetStreamConfig, with the key that names it.
std::vector<Change> every_field() {
  using std::chrono::seconds;
  return {
      {"nats.url", [](NatsConfig& c) { c.url = "nats://10.0.0.1:4222"; }},
      {"nats.subject", [](NatsConfig& c) { c.subject = "shop.>"; }},
      {"nats.queue_group", [](NatsConfig& c) { c.queue_group = "workers"; }},
      {"nats.user", [](NatsConfig& c) { c.user = "alice"; }},
      {"nats.password_file", [](NatsConfig& c) { c.password_file = "/run/pw"; }},
      {"nats.token_file", [](NatsConfig& c) { c.token_file = "/run/token"; }},
      {"nats.credentials_file", [](NatsConfig& c) { c.credentials_file = "/run/x.creds"; }},
      {"nats.tls", [](NatsConfig& c) { c.tls_ca_file = "/ca.pem"; }},
      {"nats.tls", [](NatsConfig& c) { c.tls_cert_file = "/cert.pem"; }},
      {"nats.tls", [](NatsConfig& c) { c.tls_key_file = "/key.pem"; }},
      {"nats.pending_messages_limit", [](NatsConfig& c) { c.pending_messages_limit = 5; }},
      {"nats.pending_bytes_limit", [](NatsConfig& c) { c.pending_bytes_limit = 2u << 20; }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream.reset(); }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->stream = "OTHER"; }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->durable = "other"; }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->ack_wait = seconds(60); }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->max_ack_pending = 7; }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->max_deliver = 9; }},
      {"nats.jetstream", [](NatsConfig& c) { c.jetstream->nak_delay = seconds(3); }},
  };
}

TEST(ChangedNats, EqualSectionsReportNothing) {
  EXPECT_TRUE(changed_nats(jetstream_config(), jetstream_config()).empty());
  EXPECT_TRUE(changed_nats(NatsConfig{}, NatsConfig{}).empty());
}

TEST(ChangedNats, EveryFieldIsReportedUnderItsKey) {
  for (const Change& change : every_field()) {
    NatsConfig next = jetstream_config();
    change.apply(next);
    EXPECT_EQ(changed_nats(jetstream_config(), next), std::vector<std::string>{change.key})
        << change.key;
    EXPECT_EQ(changed_nats(next, jetstream_config()), std::vector<std::string>{change.key})
        << change.key << " (reversed)";
  }
}

TEST(ChangedNats, JetStreamTurnedOnIsReported) {
  EXPECT_EQ(changed_nats(NatsConfig{}, jetstream_config()),
            (std::vector<std::string>{"nats.subject", "nats.jetstream"}));
}

TEST(ChangedNats, SeveralKeysInFileOrder) {
  NatsConfig next = jetstream_config();
  next.jetstream->nak_delay = std::chrono::seconds(1);
  next.pending_bytes_limit = 4u << 20;
  next.tls_key_file = "/key.pem";
  next.url = "nats://other:4222";
  EXPECT_EQ(changed_nats(jetstream_config(), next),
            (std::vector<std::string>{"nats.url", "nats.tls", "nats.pending_bytes_limit",
                                      "nats.jetstream"}));
}

TEST(ChangedNats, NoteNamesTheKeysAndWhatStays) {
  NatsConfig running;
  running.subject = "orders.>";
  running.queue_group = "workers";
  EXPECT_EQ(nats_unchanged_note({"nats.subject", "nats.pending_bytes_limit"}, running),
            "changed nats settings (nats.subject, nats.pending_bytes_limit) apply at the next "
            "restart; until then the running ones stay in effect: subject orders.> (core NATS, "
            "queue group workers)");
  EXPECT_EQ(nats_unchanged_note({"nats.jetstream"}, jetstream_config()),
            "changed nats settings (nats.jetstream) apply at the next restart; until then the "
            "running ones stay in effect: subject orders.> (JetStream stream ORDERS, durable "
            "orderwatch)");
}

}  // namespace
}  // namespace orderwatch::serve
