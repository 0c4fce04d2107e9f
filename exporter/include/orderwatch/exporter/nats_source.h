// NatsSource: feeds the TrackerService from a core NATS subscription. Connects with retries
// in the background (the exporter starts and serves /metrics while NATS is down), reconnects
// forever with jittered backoff, and keeps SelfStats (connected, reconnects, slow consumer,
// dropped messages) current. Each message is decoded on the client's delivery thread and
// applied under the service lock; nothing throws across the C callbacks. The decoder follows
// config reloads: it is rebuilt when the service's config generation changes, and an event
// decoded with a config that was replaced before it could be applied is decoded again.
// Construction and destruction are not thread-safe; callbacks are.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "orderwatch/exporter/decoder.h"
#include "orderwatch/exporter/log.h"
#include "orderwatch/exporter/service.h"

namespace orderwatch::exporter {

class NatsSource {
 public:
  // `url` overrides config.nats.url when not empty. Throws std::runtime_error on invalid
  // options (unreadable secret files, bad TLS files).
  NatsSource(TrackerService& service, std::string url);
  ~NatsSource();
  NatsSource(const NatsSource&) = delete;
  NatsSource& operator=(const NatsSource&) = delete;

  // Starts connecting and subscribes; returns at once even when the server is unreachable.
  void start();
  // Stops consuming before shutdown: drains the subscription (messages already received are
  // still applied) for at most `timeout`, so a final snapshot covers everything taken in.
  // Returns false when the drain did not complete in time.
  bool stop_consuming(std::chrono::milliseconds timeout);
  // Copies the client's dropped-message count into SelfStats (called before each scrape).
  void poll_stats();
  const std::string& url() const { return url_; }

  // Handles one payload as if it arrived from NATS (used by the callback and by tests).
  // `stream_seq`: its stream sequence (JetStream), recorded with its effects; 0 = none.
  void handle_payload(std::string_view payload, std::uint64_t stream_seq = 0);

 private:
  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* self);
  static void on_connected(natsConnection*, void* self);
  static void on_disconnected(natsConnection*, void* self);
  static void on_reconnected(natsConnection*, void* self);
  static void on_closed(natsConnection*, void* self);
  static void on_error(natsConnection*, natsSubscription*, natsStatus status, void* self);

  TrackerService& service_;
  std::string url_;
  natsOptions* opts_ = nullptr;
  natsConnection* conn_ = nullptr;
  natsSubscription* sub_ = nullptr;
  // The client calls back from its own threads until the closed callback: the destructor
  // waits for it so no callback can outlive this object.
  std::mutex closed_mu_;
  std::condition_variable closed_cv_;
  bool closed_ = false;
  std::mutex decode_mu_;
  std::unique_ptr<EventDecoder> decoder_;  // built from config generation decoder_generation_
  std::uint64_t decoder_generation_ = 0;
  log::RateLimited bad_input_log_{10'000};
  log::RateLimited slow_log_{10'000};
};

}  // namespace orderwatch::exporter
