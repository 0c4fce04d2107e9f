// NatsPublisher: a connection of its own for the few messages the exporter publishes (redrive
// requests), kept apart from the subscription so a publish never waits behind deliveries. It
// connects on first use and again after a failure; each publish is flushed (at most 2 s) so a
// 202 means the server has the message. Thread-safe (one mutex; publishes are rare).
#pragma once

#include <mutex>
#include <string>

#include "orderwatch/sla/config.h"

struct __natsConnection;

namespace orderwatch::ingest {

class NatsPublisher {
 public:
  NatsPublisher(sla::NatsConfig nats, std::string url);
  ~NatsPublisher();
  NatsPublisher(const NatsPublisher&) = delete;
  NatsPublisher& operator=(const NatsPublisher&) = delete;

  // "" when published and flushed, else the error.
  std::string publish(const std::string& subject, const std::string& body);

 private:
  sla::NatsConfig nats_;
  std::string url_;
  std::mutex mu_;
  __natsConnection* conn_ = nullptr;
};

}  // namespace orderwatch::ingest
