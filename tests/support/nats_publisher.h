// A core-NATS publisher for integration tests that script their events: one connection,
// JSON order events in the shape the example configs decode. Failures are test failures.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>

namespace orderwatch::testing {

class NatsPublisher {
 public:
  explicit NatsPublisher(const std::string& url);
  ~NatsPublisher();
  NatsPublisher(const NatsPublisher&) = delete;
  NatsPublisher& operator=(const NatsPublisher&) = delete;

  void send(const std::string& payload, const std::string& subject = "orders.status.x");
  // {"orderId":id,"status":status,"timestamp":t_ms[,"region":region]}
  void event(const std::string& id, const std::string& status, std::int64_t t_ms,
             const std::string& region = "");
  void flush();

 private:
  natsConnection* conn_ = nullptr;
};

// Wall clock in Unix milliseconds.
std::int64_t unix_now_ms();

}  // namespace orderwatch::testing
