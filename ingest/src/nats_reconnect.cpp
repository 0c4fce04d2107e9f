// NatsSource's connection thread: every connection of serve, from the first attempt to the
// last close. Connects (options and secret files read anew each time), attaches the consumer,
// waits for the loss, and retries forever with jittered exponential backoff, counting and
// logging why each attempt failed. Started by NatsSource::start(), ended by its destructor.
#include <nats/nats.h>

#include <chrono>
#include <random>
#include <string>

#include "jetstream_consumer.h"
#include "orderwatch/ingest/connection.h"
#include "orderwatch/ingest/nats_source.h"

namespace orderwatch::ingest {

namespace {
// A connection that lasted this long was a success: the backoff starts over.
constexpr std::chrono::seconds kHeldConnection{10};
}  // namespace

void NatsSource::run_connection() {
  std::minstd_rand rng{std::random_device{}()};
  Backoff backoff(std::min<std::chrono::milliseconds>(std::chrono::seconds(1), backoff_max_),
                  backoff_max_);
  bool lost_before = false;  // a connection was lost: the next success is a reconnect
  for (;;) {
    {
      std::lock_guard lock(life_mu_);
      if (!attach_allowed_) break;  // shutting down: no new connection
    }
    natsConnection* conn = connect_once();
    if (conn == nullptr) {
      if (!wait_quit(backoff.next(rng()))) return;
      continue;
    }
    const auto since = std::chrono::steady_clock::now();
    if (use_connection(conn, lost_before)) return;  // quitting
    lost_before = true;
    // After a connection that held, the next attempt is at once (another server of the list may
    // answer); one lost right away (a server that accepts and then drops us) waits the next
    // backoff, so a flapping server is not hammered.
    if (std::chrono::steady_clock::now() - since >= kHeldConnection) {
      backoff.reset();
    } else if (!wait_quit(backoff.next(rng()))) {
      return;
    }
  }
  wait_quit(std::chrono::hours(24 * 365));
}

// Connected: attach the consumer, wait for the loss (or the destructor), detach, close. True
// when quitting.
bool NatsSource::use_connection(natsConnection* conn, bool reconnect) {
  stats_.nats_connect_error.set("");
  connect_failures_.connected();
  if (reconnect) ++stats_.nats_reconnects;
  log::info("nats", (reconnect ? "reconnected to " : "connected to ") + note_server(conn));
  {
    std::lock_guard lock(life_mu_);
    conn_ = conn;
    if (attach_allowed_) attach(conn);
  }
  bool quitting = false;
  {
    std::unique_lock lock(wake_mu_);
    wake_cv_.wait(lock, [this] { return closed_ || quit_; });
    quitting = quit_;
  }
  {
    std::lock_guard lock(life_mu_);
    detach();
    conn_ = nullptr;
  }
  // Also when the connection was lost while attach() set it (a flush that failed).
  stats_.nats_connected = false;
  close_connection(conn);
  return quitting;
}

natsConnection* NatsSource::connect_once() {
  {
    std::lock_guard lock(wake_mu_);
    closed_ = false;
  }
  NatsOptionsPtr opts;
  try {
    opts = connection_options();
  } catch (const std::exception& e) {
    // A secret or certificate file unreadable now (being rotated?): retried like the rest.
    ++stats_.nats_connect_failures[static_cast<std::size_t>(ConnectFailure::kOther)];
    stats_.nats_connect_error.set(std::string("other: ") + e.what());
    connect_failures_.failed(service_.now_ms(), url_, e.what());
    return nullptr;
  }
  natsConnection* conn = nullptr;
  const natsStatus s = natsConnection_Connect(&conn, opts.get());
  if (s == NATS_OK) return conn;
  connect_failed(s);
  return nullptr;
}

// A failed pass over the server list, on the thread that made it (the client's last error is
// per thread): counted by cause, logged (rate-limited), and kept for /readyz.
void NatsSource::connect_failed(natsStatus status) {
  const std::string reason = last_nats_error(status);
  const ConnectFailure cause = classify_connect_failure(status, reason);
  ++stats_.nats_connect_failures[static_cast<std::size_t>(cause)];
  // No text but "No server available" when no TCP connection could be made: a TCP probe, made
  // only when a line is due, says why per server.
  const bool probe = status == NATS_NO_SERVER;
  const std::string urls = url_;
  std::string probed;
  connect_failures_.failed(service_.now_ms(), urls, reason, [&] {
    if (!probe) return std::string();
    probed = probe_tcp(urls);
    return probed.empty() ? std::string("every server accepts TCP connections now") : probed;
  });
  const std::string why = probed.empty() ? reason : reason + ": " + probed;
  stats_.nats_connect_error.set(std::string(kConnectFailureNames[static_cast<std::size_t>(cause)]) +
                                ": " + explain_connect_failure(why));
}

// The options of one attempt: the config's settings with the secret and TLS files read now.
// No reconnect by the client: a lost connection is closed and the connection thread makes a
// new one, with files read anew (the client would retry the old credentials forever).
NatsOptionsPtr NatsSource::connection_options() {
  NatsOptionsPtr opts = make_nats_options(nats_, url_);
  natsOptions_SetName(opts.get(), client_name_.c_str());
  natsOptions_SetAllowReconnect(opts.get(), false);
  natsOptions_SetDisconnectedCB(opts.get(), &NatsSource::on_disconnected, this);
  natsOptions_SetClosedCB(opts.get(), &NatsSource::on_closed, this);
  natsOptions_SetErrorHandler(opts.get(), &NatsSource::on_error, this);
  return opts;
}

// Closes `conn` unless the client already did, waits for its closed callback (after which the
// client calls nothing of ours) and destroys it.
void NatsSource::close_connection(natsConnection* conn) {
  if (!natsConnection_IsClosed(conn)) {
    closing_ = true;  // not a gap: we close it ourselves
    natsConnection_Close(conn);
  }
  {
    std::unique_lock lock(wake_mu_);
    wake_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return closed_; });
  }
  natsConnection_Destroy(conn);
  closing_ = false;
}

bool NatsSource::wait_quit(std::chrono::milliseconds ms) {
  std::unique_lock lock(wake_mu_);
  wake_cv_.wait_for(lock, ms, [this] { return quit_; });
  return !quit_;
}

void NatsSource::on_closed(natsConnection*, void* self) {
  auto* source = static_cast<NatsSource*>(self);
  source->stats_.nats_connected = false;
  std::lock_guard lock(source->wake_mu_);
  source->closed_ = true;
  // Under the lock: the connection thread cannot destroy the connection (nor the source go)
  // before this callback is done with them.
  source->wake_cv_.notify_all();
}

std::string NatsSource::not_ready_reason() {
  if (!stats_.nats_connected) {
    const std::string why = stats_.nats_connect_error.get();
    return why.empty()
               ? "not connected to NATS (connecting to " + redact_url(url_) + ")"
               : "not connected to NATS " + redact_url(url_) + "; the last attempt failed (" + why +
                     "); retrying with backoff (at most " + std::to_string(backoff_max_.count()) +
                     " ms apart)";
  }
  if (nats_.jetstream) {
    if (stats_.jetstream_stream_missing) {
      return "JetStream stream " + nats_.jetstream->stream +
             " does not exist (not created yet, or deleted); nothing is consumed until it is "
             "created; retrying";
    }
    if (!stats_.jetstream_bound) {
      return "JetStream consumer not bound yet (re-reading the stream or waiting)";
    }
  }
  return "";
}

}  // namespace orderwatch::ingest
