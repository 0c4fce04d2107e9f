// JetStreamConsumer: the consumer thread (bind, pull, re-bind) and its pull loop: two pull
// requests in flight, messages applied through the pipeline in batches of what has arrived and
// handed to the ack policy once applied. Created and stopped by NatsSource in JetStream mode.
#include "jetstream_consumer.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>

#include "orderwatch/ingest/jetstream.h"

namespace orderwatch::ingest {

using namespace detail;

JetStreamConsumer::JetStreamConsumer(IngestPipeline& pipeline, JetStreamStats& stats,
                                     DeadLetterStats& dead_letter_stats,
                                     sla::JetStreamConfig config, std::string subject)
    : ctx_(pipeline, stats, dead_letter_stats, std::move(config), std::move(subject)) {}

JetStreamConsumer::~JetStreamConsumer() { stop(); }

void JetStreamConsumer::start(natsConnection* conn) {
  ctx_.conn = conn;
  thread_ = std::thread([this] { run(); });
}

void JetStreamConsumer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    ctx_.stop = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool JetStreamConsumer::pause(int ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return ctx_.stopping(); });
  return !ctx_.stopping();
}

void JetStreamConsumer::run() {
  while (!ctx_.stopping()) {
    if (natsConnection_Status(ctx_.conn) != NATS_CONN_STATUS_CONNECTED) {
      pause(100);
      continue;
    }
    Binding binding;
    if (binder_.bind(binding)) {
      acks_ = make_ack_policy(binding.ack_all, binding.next_consumer_seq, ctx_, held_);
      consume();
    }
    unbind();
    // A re-bind after lost deliveries is at once (a short breath in case applying failed).
    if (!ctx_.stopping()) pause(resync_ ? 100 : kRetryMs);
    resync_ = false;
  }
  ctx_.spent.destroy();
  held_.clear();  // acknowledged: a restart re-reads them
  binder_.close();
}

void JetStreamConsumer::consume() {
  const std::int64_t batch = std::clamp<std::int64_t>(ctx_.config.max_ack_pending, 1, kMaxBatch);
  const std::string next_subject =
      "$JS.API.CONSUMER.MSG.NEXT." + ctx_.config.stream + "." + ctx_.config.durable;
  // The server ends a request after `expires` with a 408 status message; we wait a little
  // longer so a lost request (e.g. across a reconnect) is simply re-issued.
  const std::string request = "{\"batch\":" + std::to_string(batch) +
                              ",\"expires\":" + std::to_string(kFetchWaitMs * 1'000'000LL) + "}";
  // Two requests are kept in flight, so the server delivers the next batch while we apply this
  // one (it never delivers more than max_ack_pending unacknowledged messages).
  std::int64_t outstanding = 0;
  binder_.poll_info();
  while (!ctx_.stopping() && !resync_) {
    if (pending_.empty()) {  // between batches
      // The durable or its stream deleted under us: re-bind (it states a missing stream).
      if (ctx_.pipeline.now_ms() - binder_.last_poll_ms() >= kInfoPollMs && !binder_.poll_info()) {
        break;
      }
      held_.retry_due();
    }
    if (outstanding <= batch) {
      request_more(next_subject, request, batch, outstanding);
      continue;
    }
    natsMsg* msg = nullptr;
    // Messages already here are applied together once none more is queued (or a batch is full).
    const natsStatus s = natsSubscription_NextMsg(&msg, binder_.inbox_subscription(),
                                                  pending_.empty() ? kFetchWaitMs + 200 : 0);
    if (s == NATS_TIMEOUT && !pending_.empty()) {
      queue_ran_dry(outstanding);
      continue;
    }
    if (s != NATS_OK) {
      outstanding = 0;  // nothing for longer than a request lives (or trouble): ask again
      continue;
    }
    const char* status = nullptr;
    if (is_control_message(msg) && natsMsgHeader_Get(msg, "Status", &status) == NATS_OK &&
        status != nullptr) {
      if (!on_status(msg, outstanding)) return;  // the consumer may be gone: bind() finds out
      continue;
    }
    if (outstanding > 0) --outstanding;
    if (ctx_.stopping()) {
      const char* reply = natsMsg_GetReply(msg);
      if (reply != nullptr) natsConnection_PublishString(ctx_.conn, reply, "-NAK");
      natsMsg_Destroy(msg);
    } else {
      pending_.push_back(msg);
      if (pending_.size() >= kApplyBatch) handle_pending();
    }
  }
  handle_pending();
  ctx_.spent.destroy();
  if (ctx_.stopping()) nak_unapplied();
}

void JetStreamConsumer::request_more(const std::string& next_subject, const std::string& request,
                                     std::int64_t batch, std::int64_t& outstanding) {
  if (natsConnection_Status(ctx_.conn) != NATS_CONN_STATUS_CONNECTED) {
    handle_pending();
    ctx_.pipeline.set_behind(true);  // the stream keeps what we cannot see meanwhile
    pause(100);                      // the client reconnects and re-subscribes the inbox
    outstanding = 0;                 // requests of the old connection are gone
    return;
  }
  if (natsConnection_PublishRequestString(ctx_.conn, next_subject.c_str(), binder_.inbox().c_str(),
                                          request.c_str()) != NATS_OK) {
    handle_pending();
    pause(200);
    return;
  }
  outstanding += batch;
}

// The queue ran dry: when more is on its way, a short nap lets the next batch gather instead of
// a wake-up per message (the server delivers slower than we apply).
void JetStreamConsumer::queue_ran_dry(std::int64_t outstanding) {
  const bool short_batch = pending_.size() < kApplyBatch;
  handle_pending();
  if (short_batch) ctx_.spent.destroy();  // nothing is held while the stream is quiet
  if (short_batch && outstanding > 0 && !resync_) idle_nap();
}

// A pull status from the server (100 heartbeat, 404/408 nothing or expired, 409 consumer gone
// or limits). Takes `msg`. False when the consumer must re-bind.
bool JetStreamConsumer::on_status(natsMsg* msg, std::int64_t& outstanding) {
  const char* status = nullptr;
  natsMsgHeader_Get(msg, "Status", &status);
  const std::string code(status);
  const char* left = nullptr;
  const bool counted =
      natsMsgHeader_Get(msg, "Nats-Pending-Messages", &left) == NATS_OK && left != nullptr;
  const std::int64_t unserved = counted ? std::strtoll(left, nullptr, 10) : 0;
  natsMsg_Destroy(msg);
  handle_pending();                // in stream order, before what the status says
  if (code == "100") return true;  // heartbeat
  // A request ended with `unserved` messages not delivered (unknown: assume all ended).
  outstanding = counted ? std::max<std::int64_t>(0, outstanding - unserved) : 0;
  if (code != "404" && code != "408") {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream", "pull request ended with " + code);
    return code != "409";
  }
  ctx_.pipeline.set_behind(false);  // nothing more to deliver: caught up
  // Export the lag of a finished catch-up now, not up to a poll later.
  if (ctx_.stats.jetstream_pending.load() != 0 &&
      ctx_.pipeline.now_ms() - binder_.last_poll_ms() >= 100) {
    binder_.poll_info();
  }
  return true;
}

// Stopping: what has arrived and is not applied is redelivered at once to the next run.
void JetStreamConsumer::nak_unapplied() {
  natsSubscription* sub = binder_.inbox_subscription();
  for (natsMsg* msg = nullptr; natsSubscription_NextMsg(&msg, sub, 0) == NATS_OK; msg = nullptr) {
    const char* reply = natsMsg_GetReply(msg);
    if (reply != nullptr && !is_control_message(msg)) {
      natsConnection_PublishString(ctx_.conn, reply, "-NAK");
    }
    natsMsg_Destroy(msg);
  }
}

// The messages received so far, decoded and applied as one batch (one lock acquisition), then
// handed to the ack policy: acknowledged only after the whole batch is applied.
void JetStreamConsumer::handle_pending() {
  if (pending_.empty()) return;
  batch_.clear();
  meta_.clear();
  std::size_t kept = 0;
  const std::optional<std::uint64_t> oldest_held = held_.oldest();
  for (natsMsg* msg : pending_) {
    const char* reply = natsMsg_GetReply(msg);
    Delivery d;
    std::uint64_t left = 0;
    if (reply == nullptr || !parse_ack_subject(reply, d.seq, d.consumer_seq, d.deliveries, left)) {
      natsMsg_Destroy(msg);  // not a stream message
      continue;
    }
    if (d.deliveries > 1) ++ctx_.stats.jetstream_redelivered;
    // Never more than the ack floor (nor a held reject's predecessor): a late delivery
    // acknowledged after a snapshot is still re-read on the next start.
    batch_.push_back({std::string_view(natsMsg_GetData(msg),
                                       static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                      resume_point(d.seq, ctx_.ack_floor, oldest_held), left > 0});
    meta_.push_back(d);
    pending_[kept++] = msg;
  }
  pending_.resize(kept);
  bool applied = true;
  try {
    ctx_.pipeline.handle_batch(batch_);
  } catch (...) {
    applied = false;  // transient (allocation): try again later
  }
  const PulledBatch pulled{pending_, meta_, batch_};
  if (!(applied ? acks_->applied(pulled) : acks_->failed(pulled))) resync_ = true;
  pending_.clear();
}

bool JetStreamConsumer::is_control_message(natsMsg* msg) const {
  // Pull statuses come from the server on our inbox, without a reply and without a body. A
  // stream message always has a $JS.ACK reply and keeps its own subject: a producer's
  // "Status: 409" header is data.
  const char* reply = natsMsg_GetReply(msg);
  const char* subject = natsMsg_GetSubject(msg);
  return (reply == nullptr || *reply == '\0') && subject != nullptr && binder_.inbox() == subject &&
         natsMsg_GetDataLength(msg) == 0;
}

void JetStreamConsumer::unbind() {
  ctx_.stats.jetstream_bound = false;
  ctx_.pipeline.set_behind(true);  // unbound, the stream may be filling up where we cannot see it
  binder_.unbind();
}

}  // namespace orderwatch::ingest
