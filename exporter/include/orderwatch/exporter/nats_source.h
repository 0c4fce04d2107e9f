// NatsSource: feeds the TrackerService from NATS. Connects with retries in the background
// (the exporter starts and serves /metrics while NATS is down), reconnects forever with
// jittered backoff, and keeps SelfStats (connected, reconnects, slow consumer, dropped
// messages) current. Core mode (no nats.jetstream): a plain or queue subscription; each
// message is decoded on the client's delivery thread. JetStream mode: a JetStreamConsumer
// (jetstream.h) on its own thread uses this connection and this decode path. Either way each
// event is applied under the service lock; nothing throws across the C callbacks. The decoder
// follows config reloads: it is rebuilt when the service's config generation changes, and an
// event decoded with a config that was replaced before it could be applied is decoded again.
// Construction, start(), stop_consuming(), stop() and destruction are not thread-safe;
// callbacks are.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "orderwatch/exporter/decoder.h"
#include "orderwatch/exporter/jetstream.h"
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

  // Starts connecting and subscribes (or starts the JetStream consumer); returns at once even
  // when the server is unreachable.
  void start();
  // Stops consuming before shutdown; after it returns no more events are applied. Core mode:
  // drains the subscription (messages already received are still applied) for at most
  // `timeout`; false when the drain did not complete in time. JetStream: fetched, unapplied
  // messages are NAKed (redelivered to the next run).
  bool stop_consuming(std::chrono::milliseconds timeout);
  // Releases the subscription (idempotent); stays connected until destruction.
  void stop();
  // Copies the client's dropped-message count into SelfStats (called before each scrape).
  void poll_stats();
  const std::string& url() const { return url_; }

  // Handles one payload as if it arrived from NATS (used by the callbacks and by tests).
  // stream_seq: JetStream only, the resume point recorded with the event's effects (see
  // jetstream.h). Returns false when the payload was rejected (counted by reason; poison in
  // JetStream).
  bool handle_payload(std::string_view payload,
                      std::optional<std::uint64_t> stream_seq = std::nullopt);

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
  std::mutex sub_mu_;  // guards sub_ between stop() and poll_stats() (scrape threads)
  natsSubscription* sub_ = nullptr;
  std::unique_ptr<JetStreamConsumer> jetstream_;
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
