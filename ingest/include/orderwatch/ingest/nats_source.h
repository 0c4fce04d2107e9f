// NatsSource: the NATS connection and the core subscription, feeding an IngestPipeline.
// Ownership: owns the connection, the pipeline, the IngestStats scrapes read (each component
// writes its own part), the core consumer thread and, in JetStream mode, the JetStreamConsumer
// (docs/design.md, "ingest: from NATS to the pipeline"). Connects in the background (start()
// returns at once), reconnects forever. Threading: construction, start(), stop_consuming(),
// stop() and destruction from one thread; stats() from any (scrapes); the client's callbacks
// never throw. Cost: core mode, one pipeline call per batch of up to 256 queued messages.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "orderwatch/ingest/connection.h"
#include "orderwatch/ingest/pipeline.h"
#include "orderwatch/ingest/stats.h"
#include "orderwatch/log/log.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::ingest {

class JetStreamConsumer;  // ingest/src/jetstream_consumer.h
namespace detail {
class DeadLetterPublisher;   // ingest/src/dead_letter.h
class RetiredSubscriptions;  // ingest/src/subscriptions.h
}  // namespace detail

class NatsSource {
 public:
  // `url` overrides config.nats.url when not empty. Throws std::runtime_error on invalid
  // options (unreadable secret files, bad TLS files).
  NatsSource(tracking::TrackerService& service, std::string url);
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
  // The ingest self-metrics, with the client's dropped-message count read now (scrape threads).
  const IngestStats& stats();
  const std::string& url() const { return url_; }
  IngestPipeline& pipeline() { return pipeline_; }

 private:
  void consume_core(natsSubscription* sub);
  void end_slow_consumer_gap();
  void stop_core_thread();
  static void on_connected(natsConnection*, void* self);
  static void on_disconnected(natsConnection*, void* self);
  static void on_reconnected(natsConnection*, void* self);
  static int64_t on_reconnect_delay(natsConnection*, int attempts, void* self);
  static void on_closed(natsConnection*, void* self);
  static void on_error(natsConnection*, natsSubscription*, natsStatus status, void* self);

  tracking::TrackerService& service_;
  IngestPipeline pipeline_;
  IngestStats stats_;
  std::unique_ptr<detail::DeadLetterPublisher> dead_letters_;  // core mode's rejects
  std::string url_;
  natsOptions* opts_ = nullptr;
  natsConnection* conn_ = nullptr;
  std::mutex sub_mu_;  // guards sub_ between stop() and stats() (scrape threads)
  natsSubscription* sub_ = nullptr;
  // The core subscription once stopped; destroyed after the connection closed at the latest.
  std::unique_ptr<detail::RetiredSubscriptions> retired_;
  std::unique_ptr<JetStreamConsumer> jetstream_;
  // Core mode: the thread that drains the (synchronous) subscription in batches.
  std::thread core_thread_;
  std::atomic<bool> core_stop_{false};
  // The client calls back from its own threads until the closed callback: the destructor
  // waits for it so no callback can outlive this object.
  std::mutex closed_mu_;
  std::condition_variable closed_cv_;
  bool closed_ = false;
  log::RateLimited slow_log_{10'000};
  // Connection failure reasons (reconnect thread) and the server actually connected to: noted
  // and described for the log by note_server (connection callbacks), read on a disconnect.
  std::string note_server(natsConnection* conn);
  std::mutex server_mu_;
  std::string server_;
  ConnectFailureLog connect_failures_{30'000};
  sla::NatsConfig nats_;  // the settings connected with (a reload does not reconnect)
  bool tls_ = false;
  bool core_ = true;  // core NATS (no nats.jetstream): disconnects and drops are gaps
  std::atomic<bool> closing_{false};  // set by the destructor: a close we asked for
};

}  // namespace orderwatch::ingest
