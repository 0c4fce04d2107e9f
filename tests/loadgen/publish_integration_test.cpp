// Integration test of `orderwatch publish` against a real nats-server on a free loopback
// port: a subscriber in the test counts and decodes every message the publisher sends.
// Processes, ports and the server come from tests/support/harness.h.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "harness.h"
#include "orderwatch/events/decoder.h"
#include "orderwatch/sla/loader.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace {

using orderwatch::testing::free_port;
using orderwatch::testing::run;
using orderwatch::testing::wait_until;

struct Received {
  orderwatch::sla::Config config = orderwatch::sla::load_file(EXAMPLE_CONFIG);
  orderwatch::events::EventDecoder decoder{config};  // only used on the delivery thread
  std::mutex mu;
  std::uint64_t messages = 0, good = 0, rejected = 0, foreign_subject = 0;
};

void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* r = static_cast<Received*>(closure);
  orderwatch::events::Event ev;
  const std::string_view data(natsMsg_GetData(msg),
                              static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
  const std::string subject = natsMsg_GetSubject(msg);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto reason = r->decoder.decode(data, now, ev);
  {
    std::lock_guard lock(r->mu);
    ++r->messages;
    ++(reason ? r->rejected : r->good);
    const std::string prefix = "orders.status.";
    if (subject.rfind(prefix, 0) != 0 ||
        r->config.status_index(subject.substr(prefix.size())) < 0) {
      ++r->foreign_subject;
    }
    // A good event travels on its own status's subject.
    if (!reason && subject != prefix + r->config.statuses[ev.status].name) ++r->foreign_subject;
  }
  natsMsg_Destroy(msg);
}

class PublishIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_);
    url_ = nats_->url();
    ASSERT_EQ(natsConnection_ConnectTo(&conn_, url_.c_str()), NATS_OK) << url_;
  }

  void TearDown() override {
    if (sub_) natsSubscription_Destroy(sub_);
    if (conn_) natsConnection_Destroy(conn_);
  }

  orderwatch::testing::TempDir dir_;
  std::optional<orderwatch::testing::NatsServer> nats_;  // stopped (by pid) on destruction
  std::string url_;
  natsConnection* conn_ = nullptr;
  natsSubscription* sub_ = nullptr;
};

TEST_F(PublishIntegration, SubscriberReceivesEveryPublishedEvent) {
  Received received;
  ASSERT_EQ(natsConnection_Subscribe(&sub_, conn_, "orders.>", on_message, &received), NATS_OK);
  ASSERT_EQ(natsSubscription_SetPendingLimits(sub_, -1, -1), NATS_OK);
  ASSERT_EQ(natsConnection_Flush(conn_), NATS_OK);  // the subscription is live on the server

  constexpr int kEvents = 5000;
  const auto r = run(std::string(ORDERWATCH_BIN) + " publish --config " + EXAMPLE_CONFIG +
                     " --nats-url " + url_ + " --rate 0 --events " + std::to_string(kEvents) +
                     " --backfill 2h --bad-fraction 0.05 --seed 11");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("published 5000 events"), std::string::npos) << r.output;

  // The publisher flushed before exiting, so the server has routed everything; wait (bounded)
  // for our delivery thread to drain.
  ASSERT_EQ(natsConnection_Flush(conn_), NATS_OK);
  EXPECT_TRUE(wait_until(
      [&] {
        std::lock_guard lock(received.mu);
        return received.messages >= kEvents;
      },
      std::chrono::seconds(10)))
      << "not every published event was delivered within 10 s";
  std::lock_guard lock(received.mu);
  EXPECT_EQ(received.messages, static_cast<std::uint64_t>(kEvents));
  EXPECT_EQ(received.foreign_subject, 0u);
  // About 5% bad messages, every other one decodes.
  EXPECT_GT(received.rejected, kEvents * 0.02);
  EXPECT_LT(received.rejected, kEvents * 0.08);
  EXPECT_EQ(received.good + received.rejected, static_cast<std::uint64_t>(kEvents));
  EXPECT_NE(r.output.find("(" + std::to_string(received.rejected) + " bad)"), std::string::npos)
      << r.output;
}

TEST(PublishCli, UnreachableServerExitsTwo) {
  const int port = free_port();  // nothing listens there once released
  const auto r = run(std::string(ORDERWATCH_BIN) + " publish --config " + EXAMPLE_CONFIG +
                     " --nats-url nats://127.0.0.1:" + std::to_string(port) + " --events 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot connect to nats://127.0.0.1:"), std::string::npos) << r.output;
}

TEST(PublishCli, BadFlagsExitTwo) {
  const std::string base = std::string(ORDERWATCH_BIN) + " publish --config " + EXAMPLE_CONFIG;
  for (const char* flags : {" --rate -5", " --bad-fraction 2", " --duration 5x", " --backfill soon",
                            " --time-format iso", " --no-such-flag"}) {
    const auto r = run(base + flags);
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.output;
  }
  EXPECT_EQ(run(std::string(ORDERWATCH_BIN) + " publish --config /nonexistent.yaml").exit_code, 2);
}

}  // namespace

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
