#include "orderwatch/exporter/nats_source.h"

#include <nats/nats.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace orderwatch::exporter {

namespace {

void check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) {
    throw std::runtime_error(what + ": " + natsStatus_GetText(s) + " (" +
                             nats_GetLastError(nullptr) + ")");
  }
}

std::string read_secret(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// URLs may carry credentials (nats://user:pass@host); never log those.
std::string redact(const std::string& url) {
  std::string out;
  std::stringstream in(url);
  std::string one;
  while (std::getline(in, one, ',')) {
    const auto at = one.find('@');
    const auto scheme = one.find("://");
    if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
      one = one.substr(0, scheme + 3) + "***@" + one.substr(at + 1);
    }
    out += (out.empty() ? "" : ",") + one;
  }
  return out;
}

}  // namespace

NatsSource::NatsSource(TrackerService& service, std::string url) : service_(service) {
  // Connection settings are taken once: a reload does not reconnect (documented).
  const auto config = service.config();
  const auto& n = config->nats;
  url_ = url.empty() ? n.url : std::move(url);
  check(natsOptions_Create(&opts_), "nats options");
  check(natsOptions_SetServers(opts_, nullptr, 0), "nats servers");
  check(natsOptions_SetURL(opts_, url_.c_str()), "nats url " + redact(url_));
  natsOptions_SetName(opts_, ("orderwatch " + config->service).c_str());
  natsOptions_SetMaxReconnect(opts_, -1);  // forever
  natsOptions_SetReconnectWait(opts_, 1000);
  natsOptions_SetReconnectJitter(opts_, 500, 2000);
  natsOptions_SetTimeout(opts_, 2000);
  check(natsOptions_SetRetryOnFailedConnect(opts_, true, &NatsSource::on_connected, this),
        "nats retry");
  natsOptions_SetDisconnectedCB(opts_, &NatsSource::on_disconnected, this);
  natsOptions_SetReconnectedCB(opts_, &NatsSource::on_reconnected, this);
  natsOptions_SetClosedCB(opts_, &NatsSource::on_closed, this);
  natsOptions_SetErrorHandler(opts_, &NatsSource::on_error, this);
  if (!n.user.empty()) {
    const std::string password =
        n.password_file.empty() ? "" : read_secret(n.password_file, "nats password");
    check(natsOptions_SetUserInfo(opts_, n.user.c_str(), password.c_str()), "nats user");
  }
  if (!n.token_file.empty()) {
    check(natsOptions_SetToken(opts_, read_secret(n.token_file, "nats token").c_str()),
          "nats token");
  }
  if (!n.credentials_file.empty()) {
    check(natsOptions_SetUserCredentialsFromFiles(opts_, n.credentials_file.c_str(), nullptr),
          "nats credentials " + n.credentials_file);
  }
  if (!n.tls_ca_file.empty() || !n.tls_cert_file.empty()) {
    check(natsOptions_SetSecure(opts_, true), "nats tls");
    if (!n.tls_ca_file.empty()) {
      check(natsOptions_LoadCATrustedCertificates(opts_, n.tls_ca_file.c_str()),
            "nats tls ca " + n.tls_ca_file);
    }
    if (!n.tls_cert_file.empty()) {
      check(
          natsOptions_LoadCertificatesChain(opts_, n.tls_cert_file.c_str(), n.tls_key_file.c_str()),
          "nats tls cert " + n.tls_cert_file);
    }
  }
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
    service_.stats().nats_connected = true;
    log::info("nats", "connected to " + redact(url_));
  } else if (s == NATS_NOT_YET_CONNECTED) {
    log::warn("nats", "cannot reach " + redact(url_) + " yet; retrying in the background");
  } else {
    check(s, "nats connect " + redact(url_));
  }
  const auto config = service_.config();
  const auto& n = config->nats;
  if (n.jetstream) {
    jetstream_ = std::make_unique<JetStreamConsumer>(*this, service_, *n.jetstream, n.subject);
    jetstream_->start(conn_);
    log::info("nats", "JetStream mode: stream " + n.jetstream->stream + ", durable consumer " +
                          n.jetstream->durable + ", subject " + n.subject);
    return;
  }
  std::lock_guard lock(sub_mu_);
  if (n.queue_group.empty()) {
    check(natsConnection_Subscribe(&sub_, conn_, n.subject.c_str(), &NatsSource::on_message, this),
          "nats subscribe " + n.subject);
  } else {
    check(natsConnection_QueueSubscribe(&sub_, conn_, n.subject.c_str(), n.queue_group.c_str(),
                                        &NatsSource::on_message, this),
          "nats queue subscribe " + n.subject);
  }
  const int limit = static_cast<int>(n.pending_messages_limit);
  check(natsSubscription_SetPendingLimits(sub_, limit, -1), "nats pending limits");
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

void NatsSource::poll_stats() {
  std::lock_guard lock(sub_mu_);
  if (sub_ == nullptr) return;
  int64_t dropped = 0;
  if (natsSubscription_GetDropped(sub_, &dropped) == NATS_OK && dropped >= 0) {
    service_.stats().nats_dropped = static_cast<std::uint64_t>(dropped);
  }
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

bool NatsSource::handle_payload(std::string_view payload, std::optional<std::uint64_t> stream_seq) {
  const std::int64_t now = service_.now_ms();  // one clock read per event
  std::optional<RejectReason> reason;
  {
    std::lock_guard lock(decode_mu_);
    // Decode with the current config; if a reload lands between decode and apply, the
    // event's status index may mean another status (or none) now: decode it again.
    const std::uint64_t seq = stream_seq.value_or(0);
    for (;;) {
      if (decoder_ == nullptr || decoder_generation_ != service_.config_generation()) {
        const ConfigView view = service_.config_view();
        decoder_ = std::make_unique<EventDecoder>(*view.config);
        decoder_generation_ = view.generation;
      }
      Event event;
      reason = decoder_->decode(payload, now, event);
      if (!reason) {
        if (service_.apply(event, now, seq, decoder_generation_)) return true;
        continue;
      }
      if (service_.reject(*reason, now, seq, decoder_generation_)) break;
    }
  }
  std::string sample(payload.substr(0, 200));
  for (char& c : sample) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  bad_input_log_.warn(now, "decode",
                      "rejected event (" + std::string(to_string(*reason)) + "): " + sample);
  return false;
}

void NatsSource::on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* self) {
  try {
    auto* source = static_cast<NatsSource*>(self);
    source->handle_payload(std::string_view(natsMsg_GetData(msg),
                                            static_cast<std::size_t>(natsMsg_GetDataLength(msg))));
  } catch (...) {
    // Nothing may cross the C callback; the event is lost only on allocation failure.
  }
  natsMsg_Destroy(msg);
}

void NatsSource::on_connected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->service_.stats().nats_connected = true;
  log::info("nats", "connected to " + redact(source->url_));
}

void NatsSource::on_disconnected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  if (source->service_.stats().nats_connected.exchange(false)) {
    log::warn("nats", "disconnected from " + redact(source->url_) + "; reconnecting");
  }
}

void NatsSource::on_reconnected(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->service_.stats().nats_connected = true;
  ++source->service_.stats().nats_reconnects;
  log::info("nats", "reconnected to " + redact(source->url_));
}

void NatsSource::on_closed(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->service_.stats().nats_connected = false;
  std::lock_guard lock(source->closed_mu_);
  source->closed_ = true;
  source->closed_cv_.notify_all();  // under the lock: the destructor cannot run ahead of us
}

void NatsSource::on_error(natsConnection*, natsSubscription*, natsStatus status, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  if (status == NATS_SLOW_CONSUMER) {
    ++source->service_.stats().nats_slow_consumer;
    source->slow_log_.warn(source->service_.now_ms(), "nats",
                           "slow consumer: the pending buffer is full and messages are dropped");
  } else {
    log::warn("nats", std::string("async error: ") + natsStatus_GetText(status));
  }
}

}  // namespace orderwatch::exporter
