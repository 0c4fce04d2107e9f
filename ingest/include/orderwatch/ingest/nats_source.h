// NatsSource: the NATS connection and the core subscription, feeding an IngestPipeline.
// Ownership: owns the connection, the pipeline, the IngestStats scrapes read (each component
// writes its own part), the connection thread, the core consumer thread and, in JetStream mode,
// the JetStreamConsumer (docs/design.md, "ingest: from NATS to the pipeline"). The connection
// thread owns every connection: it connects (start() returns at once), attaches the consumer,
// and after any failure or loss (auth, expired credentials, TLS, refused, timeout, closed)
// retries forever with jittered exponential backoff (1 s doubling to 5 min; reset by a
// connection that held 10 s, after which the first attempt is at once), building the
// options anew each time, so rotated secret and TLS files are read without a restart.
// Threading: construction, start(), stop_consuming(), stop() and destruction from one thread;
// stats() and not_ready_reason() from any (scrapes, /readyz); the client's callbacks never
// throw. Cost: core mode, one pipeline call per batch of up to 256 queued messages.
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
  // options (unreadable secret files, bad TLS files): checked once here; later attempts that
  // cannot read them count as failures (reason other) and are retried.
  NatsSource(tracking::TrackerService& service, std::string url);
  ~NatsSource();
  NatsSource(const NatsSource&) = delete;
  NatsSource& operator=(const NatsSource&) = delete;

  // Starts the connection thread, which connects and subscribes (or starts the JetStream
  // consumer); returns at once even when the server is unreachable.
  void start();
  // Stops consuming before shutdown; after it returns no more events are applied. Core mode:
  // drains the subscription (messages already received are still applied) for at most
  // `timeout`; false when the drain did not complete in time. JetStream: fetched, unapplied
  // messages are NAKed (redelivered to the next run).
  bool stop_consuming(std::chrono::milliseconds timeout);
  // Releases the subscription (idempotent) and attaches none again; stays connected until
  // destruction, which ends the connection thread (a backoff wait is cut short).
  void stop();
  // The ingest self-metrics, with the client's dropped-message count read now (scrape threads).
  const IngestStats& stats();
  // Why /readyz answers 503: not connected (and why the last attempt failed), the JetStream
  // stream missing, or the consumer not bound yet; empty when ready. Any thread.
  std::string not_ready_reason();
  const std::string& url() const { return url_; }
  IngestPipeline& pipeline() { return pipeline_; }

 private:
  // The connection thread (nats_reconnect.cpp): connect, attach, wait for the loss, detach,
  // back off; until destruction.
  void run_connection();
  natsConnection* connect_once();  // one pass over the server list; nullptr: failed (counted)
  bool use_connection(natsConnection* conn, bool reconnect);  // until lost; true: quitting
  void connect_failed(natsStatus status);
  void attach(natsConnection* conn);  // subscribes or starts the JetStream consumer
  void detach();                      // stops and releases what attach() made
  void close_connection(natsConnection* conn);
  bool wait_quit(std::chrono::milliseconds ms);  // false: quitting (the destructor)
  NatsOptionsPtr connection_options();           // read anew for every attempt

  void subscribe_core(natsConnection* conn);
  void consume_core(natsConnection* conn, natsSubscription* sub);
  void end_slow_consumer_gap();
  void stop_core_thread();
  static void on_disconnected(natsConnection*, void* self);
  static void on_closed(natsConnection*, void* self);
  static void on_error(natsConnection*, natsSubscription*, natsStatus status, void* self);

  tracking::TrackerService& service_;
  IngestPipeline pipeline_;
  IngestStats stats_;
  std::unique_ptr<detail::DeadLetterPublisher> dead_letters_;  // core mode's rejects
  std::string url_;
  // The connection thread and its state. life_mu_ guards conn_, jetstream_ and attach_allowed_;
  // attach() and detach() run under it, so stop_consuming() never meets a half-built consumer.
  // wake_mu_ guards the two events the thread waits for (tiny critical sections only: the
  // client's closed callback takes it).
  std::thread connection_thread_;
  std::mutex life_mu_;
  natsConnection* conn_ = nullptr;
  bool attach_allowed_ = true;  // false once stop_consuming() or stop() ran
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool closed_ = false;  // the client's closed callback ran for the current connection
  bool quit_ = false;    // the destructor: end the connection thread
  std::chrono::milliseconds backoff_max_;
  std::mutex sub_mu_;  // guards sub_ between stop() and stats() (scrape threads)
  natsSubscription* sub_ = nullptr;
  std::uint64_t dropped_before_ = 0;  // dropped by the subscriptions of earlier connections
  // The core subscriptions once stopped; destroyed after a round trip or a close (each
  // connection's are parked until a later one's round trip, or the destructor).
  std::unique_ptr<detail::RetiredSubscriptions> retired_;
  std::unique_ptr<JetStreamConsumer> jetstream_;
  // Core mode: the thread that drains the (synchronous) subscription in batches.
  std::thread core_thread_;
  std::atomic<bool> core_stop_{false};
  log::RateLimited slow_log_{10'000};
  // Connection failure reasons (reconnect thread) and the server actually connected to: noted
  // and described for the log by note_server (connection callbacks), read on a disconnect.
  std::string note_server(natsConnection* conn);
  std::mutex server_mu_;
  std::string server_;
  ConnectFailureLog connect_failures_{30'000};
  sla::NatsConfig nats_;  // the settings connected with (a reload does not change them)
  std::string client_name_;
  bool core_ = true;  // core NATS (no nats.jetstream): disconnects and drops are gaps
  std::atomic<bool> closing_{false};  // a close we asked for (shutdown): not a gap
};

}  // namespace orderwatch::ingest
