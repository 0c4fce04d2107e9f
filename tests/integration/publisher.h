// Publishes hand-written order events to a real nats-server (core NATS), for the integration
// tests that need exact events rather than the simulated shop of `orderwatch publish`.
#pragma once

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <cstdint>
#include <string>

namespace orderwatch::testing {

class Publisher {
 public:
  explicit Publisher(const std::string& url) {
    EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK);
  }
  ~Publisher() { natsConnection_Destroy(conn_); }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void send(const std::string& payload, const std::string& subject = "orders.status.x") {
    ASSERT_EQ(natsConnection_PublishString(conn_, subject.c_str(), payload.c_str()), NATS_OK);
  }
  void event(const std::string& id, const std::string& status, std::int64_t t_ms,
             const std::string& region) {
    send(R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
         std::to_string(t_ms) + R"(,"region":")" + region + R"("})");
  }
  void flush() { ASSERT_EQ(natsConnection_FlushTimeout(conn_, 5000), NATS_OK); }

 private:
  natsConnection* conn_ = nullptr;
};

}  // namespace orderwatch::testing
