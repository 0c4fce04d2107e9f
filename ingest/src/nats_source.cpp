#include "orderwatch/ingest/nats_source.h"

#include <nats/nats.h>

#include <chrono>
#include <stdexcept>

#include "dead_letter.h"
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
    check_nats(
        natsConnection_Subscribe(&sub_, conn_, n.subject.c_str(), &NatsSource::on_message, this),
        "nats subscribe " + n.subject);
  } else {
    check_nats(natsConnection_QueueSubscribe(&sub_, conn_, n.subject.c_str(), n.queue_group.c_str(),
                                             &NatsSource::on_message, this),
               "nats queue subscribe " + n.subject);
  }
  // Both bounds: a million messages of 64 KiB each would otherwise be 64 GB of buffer.
  const int limit = static_cast<int>(n.pending_messages_limit);
  const int bytes = static_cast<int>(n.pending_bytes_limit);
  check_nats(natsSubscription_SetPendingLimits(sub_, limit, bytes), "nats pending limits");
  log::info("nats", "subscribed to " + n.subject +
                        (n.queue_group.empty() ? "" : " (queue group " + n.queue_group + ")"));
}

void NatsSource::stop() {
  if (jetstream_) jetstream_->stop();
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
  return natsSubscription_WaitForDrainCompletion(sub, timeout.count()) == NATS_OK;
}

void NatsSource::on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* self) {
  try {
    auto* source = static_cast<NatsSource*>(self);
    // Messages already in the client's queue behind this one: a backlog (a burst, a producer
    // flushing its outbox) is judged by its event times until the queue is empty.
    int queued = 0;
    const bool behind = natsSubscription_GetPending(sub, &queued, nullptr) == NATS_OK && queued > 0;
    const auto reason = source->pipeline_.process(
        std::string_view(natsMsg_GetData(msg),
                         static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
        std::nullopt, behind);
    if (reason) source->dead_letter(msg, *reason);
  } catch (...) {
    // Nothing may cross the C callback; the event is lost only on allocation failure.
  }
  natsMsg_Destroy(msg);
}

void NatsSource::dead_letter(natsMsg* msg, events::RejectReason reason) {
  const auto config = service_.config();
  const std::string& subject = config->event.dead_letter_subject;
  if (subject.empty()) return;
  if (detail::publish_dead_letter(conn_, subject, msg, reason)) {
    ++stats_.dead_lettered;
  } else {
    ++stats_.dead_letter_failures;
    slow_log_.warn(service_.now_ms(), "nats", "cannot publish a reject on " + subject);
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
