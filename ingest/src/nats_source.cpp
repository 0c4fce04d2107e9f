#include "orderwatch/ingest/nats_source.h"

#include <nats/nats.h>

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "orderwatch/ingest/connection.h"

namespace orderwatch::ingest {

NatsSource::NatsSource(tracking::TrackerService& service, std::string url)
    : service_(service), pipeline_(service) {
  // Connection settings are taken once: a reload does not reconnect (documented).
  const auto config = service.config();
  const auto& n = config->nats;
  url_ = url.empty() ? n.url : std::move(url);
  NatsOptionsPtr opts = make_nats_options(n, url_);
  natsOptions_SetName(opts.get(), ("orderwatch " + config->service).c_str());
  natsOptions_SetReconnectWait(opts.get(), 1000);
  natsOptions_SetReconnectJitter(opts.get(), 500, 2000);
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
    stats_.nats_connected = true;
    log::info("nats", "connected to " + redact_url(url_));
  } else if (s == NATS_NOT_YET_CONNECTED) {
    log::warn("nats", "cannot reach " + redact_url(url_) + " yet; retrying in the background");
  } else {
    check_nats(s, "nats connect " + redact_url(url_));
  }
  const auto config = service_.config();
  const auto& n = config->nats;
  if (n.jetstream) {
    jetstream_ = std::make_unique<JetStreamConsumer>(pipeline_, stats_, *n.jetstream, n.subject);
    jetstream_->start(conn_);
    log::info("nats", "JetStream mode: stream " + n.jetstream->stream + ", durable consumer " +
                          n.jetstream->durable + ", subject " + n.subject);
    return;
  }
  std::lock_guard lock(sub_mu_);
  if (n.queue_group.empty()) {
    check_nats(natsConnection_SubscribeSync(&sub_, conn_, n.subject.c_str()),
               "nats subscribe " + n.subject);
  } else {
    check_nats(
        natsConnection_QueueSubscribeSync(&sub_, conn_, n.subject.c_str(), n.queue_group.c_str()),
        "nats queue subscribe " + n.subject);
  }
  const int limit = static_cast<int>(n.pending_messages_limit);
  check_nats(natsSubscription_SetPendingLimits(sub_, limit, -1), "nats pending limits");
  core_thread_ = std::thread([this, sub = sub_] { consume_core(sub); });
  log::info("nats", "subscribed to " + n.subject +
                        (n.queue_group.empty() ? "" : " (queue group " + n.queue_group + ")"));
}

void NatsSource::stop() {
  if (jetstream_) jetstream_->stop();
  stop_core_thread();
  std::lock_guard lock(sub_mu_);  // a scrape may be in poll_stats
  if (sub_ != nullptr) {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
    sub_ = nullptr;
  }
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
// batch, not one hand-over per message) and hands each batch to the pipeline. When a batch
// came up short the queue is empty: a short nap lets the next batch gather instead of a
// wake-up per message (at most kIdleNapUs of added latency).
void NatsSource::consume_core(natsSubscription* sub) {
  constexpr std::size_t kBatch = 256;
  constexpr int kWaitMs = 100;  // how often an idle thread looks at core_stop_
  std::vector<natsMsg*> msgs;
  std::vector<IngestMessage> batch;
  msgs.reserve(kBatch);
  batch.reserve(kBatch);
  while (!core_stop_.load(std::memory_order_relaxed)) {
    natsMsg* msg = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&msg, sub, kWaitMs);
    if (s == NATS_TIMEOUT) continue;
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
    } catch (...) {
      // Allocation failure only (a new decoder): the batch is lost, the thread goes on.
    }
    const bool short_batch = msgs.size() < kBatch;
    for (natsMsg* m : msgs) natsMsg_Destroy(m);
    msgs.clear();
    if (short_batch && !more) std::this_thread::sleep_for(std::chrono::microseconds(kIdleNapUs));
  }
}

void NatsSource::on_connected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = true;
  log::info("nats", "connected to " + redact_url(source->url_));
}

void NatsSource::on_disconnected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  if (source->stats_.nats_connected.exchange(false)) {
    log::warn("nats", "disconnected from " + redact_url(source->url_) + "; reconnecting");
  }
}

void NatsSource::on_reconnected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = true;
  ++source->stats_.nats_reconnects;
  log::info("nats", "reconnected to " + redact_url(source->url_));
}

void NatsSource::on_closed(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = false;
  std::lock_guard lock(source->closed_mu_);
  source->closed_ = true;
  source->closed_cv_.notify_all();  // under the lock: the destructor cannot run ahead of us
}

void NatsSource::on_error(natsConnection*, natsSubscription*, natsStatus status, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  if (status == NATS_SLOW_CONSUMER) {
    ++source->stats_.nats_slow_consumer;
    source->slow_log_.warn(source->service_.now_ms(), "nats",
                           "slow consumer: the pending buffer is full and messages are dropped");
  } else {
    log::warn("nats", std::string("async error: ") + natsStatus_GetText(status));
  }
}

}  // namespace orderwatch::ingest
