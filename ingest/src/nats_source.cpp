// NatsSource: the connection (options, callbacks, reconnect logging) and core mode's consumer
// thread, which hands the pipeline what the client has queued in batches. Created and driven
// by serve (serve/src/server.cpp); JetStream mode hands the connection to a JetStreamConsumer.
#include "orderwatch/ingest/nats_source.h"

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "batching.h"
#include "dead_letter.h"
#include "jetstream_consumer.h"
#include "orderwatch/ingest/connection.h"
#include "subscriptions.h"

namespace orderwatch::ingest {

NatsSource::NatsSource(tracking::TrackerService& service, std::string url)
    : service_(service),
      pipeline_(service),
      dead_letters_(std::make_unique<detail::DeadLetterPublisher>(pipeline_, stats_, "nats")),
      backoff_max_(reconnect_max_backoff()),
      retired_(std::make_unique<detail::RetiredSubscriptions>()) {
  // Connection settings are taken once: a reload does not change them (documented); the files
  // they name are read anew for every connection attempt (connection_options()).
  const auto config = service.config();
  url_ = url.empty() ? config->nats.url : std::move(url);
  nats_ = config->nats;
  core_ = !nats_.jetstream;
  client_name_ = "orderwatch " + config->service;
  make_nats_options(nats_, url_);  // throws now on unreadable secrets or bad TLS files
}

NatsSource::~NatsSource() {
  stop();
  {
    std::lock_guard lock(wake_mu_);
    quit_ = true;
  }
  wake_cv_.notify_all();  // a backoff wait ends at once
  if (connection_thread_.joinable()) connection_thread_.join();
}

void NatsSource::start() {
  if (connection_thread_.joinable()) return;
  connection_thread_ = std::thread([this] { run_connection(); });
}

// Connection thread, under life_mu_: core mode subscribes; JetStream mode starts a consumer of
// its own for this connection (it binds, re-reads what the state lacks, then pulls).
void NatsSource::attach(natsConnection* conn) {
  if (nats_.jetstream) {
    jetstream_ = std::make_unique<JetStreamConsumer>(pipeline_, stats_, stats_, *nats_.jetstream,
                                                     nats_.subject);
    stats_.nats_connected = true;  // ready once bound (/readyz)
    jetstream_->start(conn);
    log::info("nats", "JetStream mode: stream " + nats_.jetstream->stream + ", durable consumer " +
                          nats_.jetstream->durable + ", subject " + nats_.subject);
    return;
  }
  subscribe_core(conn);
}

void NatsSource::subscribe_core(natsConnection* conn) {
  // No queue groups: the loader refuses them (instances would each see part of an order's
  // events); scale-out is by subject partition.
  natsSubscription* sub = nullptr;
  natsStatus ss = natsConnection_SubscribeSync(&sub, conn, nats_.subject.c_str());
  // Both bounds: a million messages of 64 KiB each would otherwise be 64 GB of buffer.
  const int limit = static_cast<int>(nats_.pending_messages_limit);
  const int bytes = static_cast<int>(nats_.pending_bytes_limit);
  if (ss == NATS_OK) ss = natsSubscription_SetPendingLimits(sub, limit, bytes);
  if (ss != NATS_OK) {
    // The connection was lost meanwhile (the connection thread reconnects), or worse: logged.
    if (sub != nullptr) natsSubscription_Destroy(sub);
    log::warn("nats", "cannot subscribe to " + nats_.subject + ": " + last_nats_error(ss));
    return;
  }
  {
    std::lock_guard lock(sub_mu_);
    sub_ = sub;
  }
  core_stop_ = false;
  core_thread_ = std::thread([this, conn, sub] { consume_core(conn, sub); });
  // One round trip, so the server holds the interest before /readyz says ready: a producer
  // that waits for ready loses nothing (core NATS drops what has no subscriber yet).
  if (natsConnection_FlushTimeout(conn, 5000) != NATS_OK) {
    log::warn("nats", "the server did not confirm the subscription within 5 s");
  }
  // A disconnect gap ends once the interest is back; it closes before the gauge rises: a
  // scrape that sees the connection back sees the gap's end too.
  stats_.gaps.end(GapCause::kDisconnect, service_.now_ms());
  stats_.nats_connected = true;
  log::info("nats", "subscribed to " + nats_.subject);
}

// Under life_mu_: the consumer of the connection that ends (idempotent).
void NatsSource::detach() {
  if (jetstream_) {
    jetstream_->stop();
    jetstream_.reset();
  }
  stop_core_thread();
  natsSubscription* sub = nullptr;
  {
    std::lock_guard lock(sub_mu_);  // a scrape may be in stats()
    if (sub_ != nullptr) {
      int64_t dropped = 0;
      if (natsSubscription_GetDropped(sub_, &dropped) == NATS_OK && dropped > 0) {
        dropped_before_ += static_cast<std::uint64_t>(dropped);
      }
      stats_.nats_dropped = dropped_before_;
    }
    std::swap(sub, sub_);
  }
  if (sub != nullptr) retired_->retire(conn_, sub);  // not freed under the read loop
}

void NatsSource::stop() {
  std::lock_guard lock(life_mu_);
  attach_allowed_ = false;
  detach();
}

const IngestStats& NatsSource::stats() {
  std::lock_guard lock(sub_mu_);
  int64_t dropped = 0;
  if (sub_ != nullptr && natsSubscription_GetDropped(sub_, &dropped) == NATS_OK && dropped >= 0) {
    stats_.nats_dropped = dropped_before_ + static_cast<std::uint64_t>(dropped);
  }
  return stats_;
}

bool NatsSource::stop_consuming(std::chrono::milliseconds timeout) {
  std::lock_guard life(life_mu_);  // no consumer is being attached meanwhile, nor attached later
  attach_allowed_ = false;
  if (jetstream_) {
    jetstream_->stop();
    return true;
  }
  natsSubscription* sub = nullptr;
  {
    std::lock_guard lock(sub_mu_);
    sub = sub_;
  }
  if (sub == nullptr) return true;
  // A drain needs the server's acknowledgement: while disconnected it cannot complete, and
  // nothing more can arrive anyway.
  if (conn_ == nullptr || natsConnection_Status(conn_) != NATS_CONN_STATUS_CONNECTED ||
      natsSubscription_Drain(sub) != NATS_OK) {
    natsSubscription_Unsubscribe(sub);
    return true;
  }
  const bool drained = natsSubscription_WaitForDrainCompletion(sub, timeout.count()) == NATS_OK;
  stop_core_thread();
  return drained;
}

void NatsSource::stop_core_thread() {
  core_stop_ = true;
  if (core_thread_.joinable()) core_thread_.join();
}

// Core mode's consumer thread: takes what the client has queued in batches (one wait per
// batch, not one hand-over per message) and hands each batch to the pipeline (batching.h: the
// idle nap, the deferred destroy).
void NatsSource::consume_core(natsConnection* conn, natsSubscription* sub) {
  constexpr std::size_t kBatch = 256;
  constexpr int kWaitMs = 100;  // how often an idle thread looks at core_stop_
  std::vector<natsMsg*> msgs;
  detail::SpentMessages spent;
  std::vector<IngestMessage> batch;
  msgs.reserve(kBatch);
  batch.reserve(kBatch);
  while (!core_stop_.load(std::memory_order_relaxed)) {
    natsMsg* msg = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&msg, sub, kWaitMs);
    if (s == NATS_TIMEOUT) {
      // Nothing queued: a drop report that arrived after the queue was emptied ends here.
      end_slow_consumer_gap();
      continue;
    }
    if (s != NATS_OK) {
      if (s == NATS_INVALID_SUBSCRIPTION || s == NATS_CONNECTION_CLOSED) return;  // drained
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    msgs.push_back(msg);
    while (msgs.size() < kBatch && natsSubscription_NextMsg(&msg, sub, 0) == NATS_OK) {
      msgs.push_back(msg);
    }
    // Messages still queued behind the batch: a backlog (a burst, a producer flushing its
    // outbox) is judged by its event times until the queue is empty.
    int queued = 0;
    const bool more = natsSubscription_GetPending(sub, &queued, nullptr) == NATS_OK && queued > 0;
    batch.clear();
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      batch.push_back({std::string_view(natsMsg_GetData(msgs[i]),
                                        static_cast<std::size_t>(natsMsg_GetDataLength(msgs[i]))),
                       std::nullopt, more || i + 1 < msgs.size()});
    }
    try {
      pipeline_.handle_batch(batch);
      for (std::size_t i = 0; i < msgs.size(); ++i) {
        if (!batch[i].accepted) dead_letters_->publish(conn, msgs[i], batch[i].reason);
      }
    } catch (...) {
      // Allocation failure only (a new decoder): the batch is lost, the thread goes on.
    }
    if (!more) end_slow_consumer_gap();
    const bool idle = msgs.size() < kBatch && !more;
    spent.retire(msgs);
    msgs.clear();
    if (idle) {
      spent.destroy();  // nothing is held while idle
      detail::idle_nap();
    }
  }
}

// Core consumer thread, with the client's queue found empty: whatever it dropped, it drops no
// more, so an open slow-consumer gap ends (the next drop opens a new one). One relaxed load
// when there is none.
void NatsSource::end_slow_consumer_gap() {
  if (stats_.gaps.active(GapCause::kSlowConsumer)) {
    stats_.gaps.end(GapCause::kSlowConsumer, service_.now_ms());
  }
}

std::string NatsSource::note_server(natsConnection* conn) {
  char buf[512] = {0};
  if (conn == nullptr || natsConnection_GetConnectedUrl(conn, buf, sizeof buf) != NATS_OK ||
      buf[0] == '\0') {
    return redact_url(url_);
  }
  const std::string server = redact_url(buf);
  {
    std::lock_guard lock(server_mu_);
    server_ = server;
  }
  const std::size_t servers = split_urls(url_).size();
  return server +
         (servers > 1 ? " (one of " + std::to_string(servers) + " servers in nats.url)" : "");
}

void NatsSource::on_disconnected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  // The client's callbacks come one at a time, so load-then-store does not race itself.
  if (source->stats_.nats_connected.load()) {
    // Core NATS: what is published from now until the reconnect is lost for us. Not a gap
    // when we close the connection ourselves (shutdown). The gap opens before the gauge
    // drops: a scrape that sees orderwatch_nats_connected 0 also sees the gap.
    if (source->core_ && !source->closing_) {
      source->stats_.gaps.begin(GapCause::kDisconnect, source->service_.now_ms());
    }
    source->stats_.nats_connected = false;
    if (source->closing_) return;  // our own close (shutdown): nothing to report
    std::string server;
    {
      std::lock_guard lock(source->server_mu_);
      server = source->server_.empty() ? redact_url(source->url_) : source->server_;
    }
    const bool list = split_urls(source->url_).size() > 1;
    log::warn("nats", "disconnected from " + server + "; reconnecting" +
                          (list ? " to a server of " + redact_url(source->url_) : ""));
  }
}

void NatsSource::on_error(natsConnection* conn, natsSubscription*, natsStatus status, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  if (status == NATS_SLOW_CONSUMER) {
    ++source->stats_.nats_slow_consumer;
    // The client reports a drop once per burst (until a message fits again); a gap lasts until
    // the consumer thread has emptied the queue, so bursts meanwhile are the same gap. JetStream
    // redelivers what its subscription dropped: no gap there.
    if (source->core_)
      source->stats_.gaps.begin(GapCause::kSlowConsumer, source->service_.now_ms());
    source->slow_log_.warn(source->service_.now_ms(), "nats",
                           "slow consumer: the pending buffer is full and messages are dropped");
  } else {
    const char* text = nullptr;
    natsConnection_GetLastError(conn, &text);
    std::string line = std::string("async error: ") + natsStatus_GetText(status);
    if (text != nullptr && *text != '\0') line += ": " + explain_connect_failure(text);
    log::warn("nats", line);
  }
}

}  // namespace orderwatch::ingest
