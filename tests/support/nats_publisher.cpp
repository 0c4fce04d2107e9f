#include "nats_publisher.h"

#include <gtest/gtest.h>

#include <chrono>

namespace orderwatch::testing {

NatsPublisher::NatsPublisher(const std::string& url) {
  EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK) << "connect " << url;
}

NatsPublisher::~NatsPublisher() { natsConnection_Destroy(conn_); }

void NatsPublisher::send(const std::string& payload, const std::string& subject) {
  ASSERT_EQ(natsConnection_PublishString(conn_, subject.c_str(), payload.c_str()), NATS_OK);
}

void NatsPublisher::event(const std::string& id, const std::string& status, std::int64_t t_ms,
                          const std::string& region) {
  std::string json = R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
                     std::to_string(t_ms);
  if (!region.empty()) json += R"(,"region":")" + region + R"(")";
  send(json + "}");
}

void NatsPublisher::flush() { ASSERT_EQ(natsConnection_FlushTimeout(conn_, 5000), NATS_OK); }

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace orderwatch::testing
