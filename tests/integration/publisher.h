// A core-NATS publisher of order events for integration tests (gtest assertions on failure)
// and the wall clock the events are stamped with. Header-only; used by the serve tests.
#pragma once

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace orderwatch::testing {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Publisher {
 public:
  explicit Publisher(const std::string& url) {
    EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK);
  }
  ~Publisher() { natsConnection_Destroy(conn_); }
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
