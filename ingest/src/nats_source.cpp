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
      retired_(std::make_unique<detail::RetiredSubscriptions>()) {
  // Connection settings are taken once: a reload does not reconnect (documented).
  const auto config = service.config();
  const auto& n = config->nats;
  url_ = url.empty() ? n.url : std::move(url);
  nats_ = n;
  core_ = !n.jetstream;
  NatsOptionsPtr opts = make_nats_options(n, url_);
  tls_ = !n.tls_ca_file.empty() || !n.tls_cert_file.empty() ||
         url_.find("tls://") != std::string::npos;
  natsOptions_SetName(opts.get(), ("orderwatch " + config->service).c_str());
  // The delay handler runs on the client's reconnect thread after each pass over the server
  // list: it logs why the attempts failed and returns the jittered wait.
  check_nats(natsOptions_SetCustomReconnectDelay(opts.get(), &NatsSource::on_reconnect_delay, this),
             "nats reconnect delay");
  check_nats(natsOptions_SetRetryOnFailedConnect(opts.get(), true, &NatsSource::on_connected, this),
             "nats retry");
  natsOptions_SetDisconnectedCB(opts.get(), &NatsSource::on_disconnected, this);
  natsOptions_SetReconnectedCB(opts.get(), &NatsSource::on_reconnected, this);
  natsOptions_SetClosedCB(opts.get(), &NatsSource::on_closed, this);
  natsOptions_SetErrorHandler(opts.get(), &NatsSource::on_error, this);
  opts_ = opts.release();
}

NatsSource::~NatsSource() {
  stop();
  closing_ = true;
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    std::unique_lock lock(closed_mu_);
    closed_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return closed_; });
    lock.unlock();
    natsConnection_Destroy(conn_);
  }
  if (opts_ != nullptr) natsOptions_Destroy(opts_);
}

void NatsSource::start() {
  const natsStatus s = natsConnection_Connect(&conn_, opts_);
  if (s == NATS_OK) {
    log::info("nats", "connected to " + note_server(conn_));
  } else if (s == NATS_NOT_YET_CONNECTED) {
    // The client does not tell why the first pass failed; the reconnect thread logs the
    // reason of the next ones (on_reconnect_delay, on_closed).
    log::warn("nats", "cannot reach " + redact_url(url_) + " yet; retrying in the background");
  } else {
    // The client gave up at once, as it does (some of the time before its retry logic starts)
    // for TLS and authorization errors: as in on_closed, serve on without NATS.
    log::error("nats", "the NATS client gave up on " + redact_url(url_) + ": " +
                           explain_connect_failure(last_nats_error(s)) +
                           "; fix it and restart orderwatch");
    conn_ = nullptr;
    return;
  }
  const auto config = service_.config();
  const auto& n = config->nats;
  if (n.jetstream) {
    jetstream_ =
        std::make_unique<JetStreamConsumer>(pipeline_, stats_, stats_, *n.jetstream, n.subject);
    if (s == NATS_OK) stats_.nats_connected = true;  // ready once bound (/readyz)
    jetstream_->start(conn_);
    log::info("nats", "JetStream mode: stream " + n.jetstream->stream + ", durable consumer " +
                          n.jetstream->durable + ", subject " + n.subject);
    return;
  }
  // No queue groups: the loader refuses them (instances would each see part of an order's
  // events); scale-out is by subject partition.
  std::lock_guard lock(sub_mu_);
  natsStatus ss = natsConnection_SubscribeSync(&sub_, conn_, n.subject.c_str());
  // Both bounds: a million messages of 64 KiB each would otherwise be 64 GB of buffer.
  const int limit = static_cast<int>(n.pending_messages_limit);
  const int bytes = static_cast<int>(n.pending_bytes_limit);
  if (ss == NATS_OK) ss = natsSubscription_SetPendingLimits(sub_, limit, bytes);
  if (ss != NATS_OK && natsConnection_IsClosed(conn_)) {
    // The client gave up meanwhile (a TLS or authorization error; on_closed says which).
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
    sub_ = nullptr;
    return;
  }
  check_nats(ss, "nats subscribe " + n.subject);
  core_thread_ = std::thread([this, sub = sub_] { consume_core(sub); });
  // One round trip, so the server holds the interest before /readyz says ready: a producer
  // that waits for ready loses nothing (core NATS drops what has no subscriber yet).
  if (s == NATS_OK && natsConnection_FlushTimeout(conn_, 5000) != NATS_OK) {
    log::warn("nats", "the server did not confirm the subscription within 5 s");
  }
  if (s == NATS_OK) stats_.nats_connected = true;
  log::info("nats", "subscribed to " + n.subject);
}

void NatsSource::stop() {
  if (jetstream_) jetstream_->stop();
  stop_core_thread();
  natsSubscription* sub = nullptr;
  {
    std::lock_guard lock(sub_mu_);  // a scrape may be in poll_stats
    std::swap(sub, sub_);
  }
  retired_->retire(conn_, sub);  // not freed under the read loop (subscriptions.h)
}

const IngestStats& NatsSource::stats() {
  std::lock_guard lock(sub_mu_);
  int64_t dropped = 0;
  if (sub_ != nullptr && natsSubscription_GetDropped(sub_, &dropped) == NATS_OK && dropped >= 0) {
    stats_.nats_dropped = static_cast<std::uint64_t>(dropped);
  }
  return stats_;
}

bool NatsSource::stop_consuming(std::chrono::milliseconds timeout) {
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
  if (natsConnection_Status(conn_) != NATS_CONN_STATUS_CONNECTED ||
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
void NatsSource::consume_core(natsSubscription* sub) {
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
        if (!batch[i].accepted) dead_letters_->publish(conn_, msgs[i], batch[i].reason);
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

void NatsSource::on_connected(natsConnection* conn, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = true;
  source->connect_failures_.connected();
  log::info("nats", "connected to " + source->note_server(conn));
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

void NatsSource::on_reconnected(natsConnection* conn, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  // The gap closes before the gauge rises: a scrape that sees the connection back sees
  // the gap's end too.
  source->stats_.gaps.end(GapCause::kDisconnect, source->service_.now_ms());
  ++source->stats_.nats_reconnects;
  source->stats_.nats_connected = true;
  source->connect_failures_.connected();
  log::info("nats", "reconnected to " + source->note_server(conn));
}

// On the client's reconnect thread, once per pass over the server list: the thread's last
// error is why the pass's last attempt failed. Returns the wait before the next pass, with
// jitter (as natsOptions_SetReconnectJitter would: 1s + up to 0.5s, or 2s with TLS).
int64_t NatsSource::on_reconnect_delay(natsConnection*, int, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  try {
    // The reconnect thread's last error: a text for TLS and protocol failures; none when no
    // TCP connection could be made, then a TCP probe, made only when a line is due, says why.
    const char* text = nats_GetLastError(nullptr);
    const std::string reason =
        text != nullptr && *text != '\0' ? strip_location(text) : "no server could be reached";
    const bool probe = text == nullptr || *text == '\0';
    const std::string urls = source->url_;
    source->connect_failures_.failed(source->service_.now_ms(), urls, reason, [&] {
      if (!probe) return std::string();
      std::string tcp = probe_tcp(urls);
      return tcp.empty() ? std::string("every server accepts TCP connections now") : tcp;
    });
  } catch (...) {
    // Nothing may cross the C callback; only the log line is lost.
  }
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t jitter = source->tls_ ? 2000 : 500;
  return 1000 + static_cast<int64_t>(rng() % static_cast<std::uint32_t>(jitter));
}

void NatsSource::on_closed(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = false;
  std::optional<std::pair<sla::NatsConfig, std::string>> gave_up;
  if (!source->closing_) gave_up.emplace(source->nats_, source->url_);
  {
    std::lock_guard lock(source->closed_mu_);
    source->closed_ = true;
    source->closed_cv_.notify_all();  // under the lock: the destructor cannot run ahead of us
  }
  // `source` may be gone from here on. The client gave up by itself, which it does after an
  // authorization error (retrying the same credentials cannot help) and then only says "No
  // server available": one more attempt of our own tells why.
  if (!gave_up) return;
  try {
    const std::string why = diagnose_connect(gave_up->first, gave_up->second);
    const std::string servers = redact_url(gave_up->second);
    log::error("nats", why.empty()
                           ? "the NATS client gave up on " + servers +
                                 ", though a new attempt now succeeds; restart orderwatch"
                           : "the NATS client gave up on " + servers + ": " +
                                 explain_connect_failure(why) + "; fix it and restart orderwatch");
  } catch (...) {
    // Nothing may cross the C callback.
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
