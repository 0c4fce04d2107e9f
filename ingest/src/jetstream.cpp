#include "orderwatch/ingest/jetstream.h"

#include "dead_letter.h"
#include "jetstream_util.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <span>
#include <string_view>
#include <thread>

namespace orderwatch::ingest {

using namespace detail;

ResumePlan plan_resume(std::uint64_t covered, std::uint64_t stream_first, std::uint64_t stream_last,
                       std::optional<std::uint64_t> durable_delivered) {
  ResumePlan plan;
  // A state ahead of the stream comes from another incarnation of it (deleted and created
  // again): its sequence means nothing here, so rebuild from what the stream holds.
  if (covered > stream_last) covered = 0;
  const bool empty = stream_last == 0 || stream_first > stream_last;
  const std::uint64_t held_from =
      empty ? stream_last + 1 : std::max<std::uint64_t>(stream_first, 1);
  if (!durable_delivered) {
    plan.durable_start = covered == 0 ? 0 : covered + 1;
    if (covered > 0 && held_from > covered + 1) plan.lost = held_from - covered - 1;
    return plan;
  }
  const std::uint64_t delivered = *durable_delivered;
  // The consumer will deliver everything after `delivered` (and redeliver what it still owes
  // before it); only what it already delivered, and may have had acknowledged, must be re-read.
  if (delivered <= covered) return plan;
  if (covered > 0 && held_from > covered + 1) {
    plan.lost = std::min(held_from, delivered + 1) - covered - 1;
  }
  if (!empty) {
    const std::uint64_t from = std::max(covered + 1, held_from);
    const std::uint64_t to = std::min(delivered, stream_last);
    if (from <= to) {
      plan.replay_from = from;
      plan.replay_to = to;
    }
  }
  return plan;
}

JetStreamConsumer::JetStreamConsumer(IngestPipeline& pipeline, IngestStats& stats,
                                     sla::JetStreamConfig config, std::string subject)
    : pipeline_(pipeline),
      service_(pipeline.service()),
      stats_(stats),
      config_(std::move(config)),
      subject_(std::move(subject)) {}

JetStreamConsumer::~JetStreamConsumer() { stop(); }

void JetStreamConsumer::start(natsConnection* conn) {
  conn_ = conn;
  thread_ = std::thread([this] { run(); });
}

void JetStreamConsumer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool JetStreamConsumer::pause(int ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping(); });
  return !stopping();
}

void JetStreamConsumer::run() {
  while (!stopping()) {
    if (natsConnection_Status(conn_) != NATS_CONN_STATUS_CONNECTED) {
      pause(100);
      continue;
    }
    if (bind()) consume();
    unbind();
    // A re-bind after lost deliveries is at once (a short breath in case applying failed).
    if (!stopping()) pause(resync_ ? 100 : kRetryMs);
    resync_ = false;
  }
  destroy_spent();
  for (auto& [seq, h] : held_) natsMsg_Destroy(h.msg);  // acknowledged: a restart re-reads them
  held_.clear();
  if (js_ != nullptr) {
    jsCtx_Destroy(js_);
    js_ = nullptr;
  }
}

void JetStreamConsumer::consume() {
  const std::int64_t batch = std::clamp<std::int64_t>(config_.max_ack_pending, 1, kMaxBatch);
  const std::string next_subject =
      "$JS.API.CONSUMER.MSG.NEXT." + config_.stream + "." + config_.durable;
  // The server ends a request after `expires` with a 408 status message; we wait a little
  // longer so a lost request (e.g. across a reconnect) is simply re-issued.
  const std::string request = "{\"batch\":" + std::to_string(batch) +
                              ",\"expires\":" + std::to_string(kFetchWaitMs * 1'000'000LL) + "}";
  // Messages asked for and neither delivered nor given up by the server yet. Two requests are
  // kept in flight, so the server delivers the next batch while we apply this one (it never
  // delivers more than max_ack_pending unacknowledged messages, whatever we ask for).
  std::int64_t outstanding = 0;
  poll_consumer_info();
  while (!stopping() && !resync_) {
    if (pending_.empty()) {  // between batches
      if (service_.now_ms() - last_poll_ms_ >= kInfoPollMs) poll_consumer_info();
      retry_held();
    }
    if (outstanding <= batch) {
      if (natsConnection_Status(conn_) != NATS_CONN_STATUS_CONNECTED) {
        handle_pending();
        service_.set_behind(true);  // the stream keeps what we cannot see meanwhile
        pause(100);                 // the client reconnects and re-subscribes the inbox
        outstanding = 0;            // requests of the old connection are gone
        continue;
      }
      if (natsConnection_PublishRequestString(conn_, next_subject.c_str(), inbox_.c_str(),
                                              request.c_str()) != NATS_OK) {
        handle_pending();
        pause(200);
        continue;
      }
      outstanding += batch;
      continue;
    }
    natsMsg* msg = nullptr;
    // Messages already here are applied together once none more is queued (or a batch is full).
    const natsStatus s =
        natsSubscription_NextMsg(&msg, sub_, pending_.empty() ? kFetchWaitMs + 200 : 0);
    if (s == NATS_TIMEOUT && !pending_.empty()) {
      // The queue ran dry: when more is on its way, a short nap lets the next batch gather
      // instead of a wake-up per message (the server delivers slower than we apply).
      const bool short_batch = pending_.size() < kApplyBatch;
      handle_pending();
      if (short_batch) destroy_spent();  // nothing is held while the stream is quiet
      if (short_batch && outstanding > 0 && !resync_) {
        std::this_thread::sleep_for(std::chrono::microseconds(kIdleNapUs));
      }
      continue;
    }
    if (s != NATS_OK) {
      outstanding = 0;  // nothing for longer than a request lives (or trouble): ask again
      continue;
    }
    const char* status = nullptr;
    if (is_control_message(msg) && natsMsgHeader_Get(msg, "Status", &status) == NATS_OK &&
        status != nullptr) {
      const std::string code(status);
      const char* left = nullptr;
      const bool counted =
          natsMsgHeader_Get(msg, "Nats-Pending-Messages", &left) == NATS_OK && left != nullptr;
      const std::int64_t unserved = counted ? std::strtoll(left, nullptr, 10) : 0;
      natsMsg_Destroy(msg);
      handle_pending();             // in stream order, before what the status says
      if (code == "100") continue;  // heartbeat
      // A request ended with `unserved` messages not delivered (unknown: assume all ended).
      outstanding = counted ? std::max<std::int64_t>(0, outstanding - unserved) : 0;
      if (code != "404" && code != "408") {
        error_log_.warn(service_.now_ms(), "jetstream", "pull request ended with " + code);
        // The consumer may have been deleted: let bind() find out and recreate it.
        if (code == "409") return;
      } else {
        service_.set_behind(false);  // nothing more to deliver: caught up
        // Export the lag of a finished catch-up now, not up to a poll later.
        if (stats_.jetstream_pending.load() != 0 && service_.now_ms() - last_poll_ms_ >= 100) {
          poll_consumer_info();
        }
      }
      continue;
    }
    if (outstanding > 0) --outstanding;
    if (stopping()) {
      const char* reply = natsMsg_GetReply(msg);
      if (reply != nullptr) natsConnection_PublishString(conn_, reply, "-NAK");
      natsMsg_Destroy(msg);
    } else {
      pending_.push_back(msg);
      if (pending_.size() >= kApplyBatch) handle_pending();
    }
  }
  handle_pending();
  destroy_spent();
  if (!stopping()) return;
  // What has arrived and is not applied is redelivered at once to the next run.
  for (natsMsg* msg = nullptr; natsSubscription_NextMsg(&msg, sub_, 0) == NATS_OK; msg = nullptr) {
    const char* reply = natsMsg_GetReply(msg);
    if (reply != nullptr && !is_control_message(msg)) {
      natsConnection_PublishString(conn_, reply, "-NAK");
    }
    natsMsg_Destroy(msg);
  }
}

// The messages received so far, decoded and applied as one batch (one lock acquisition), then
// acknowledged only after the whole batch is applied: one by one (explicit acks), or with one
// +ACK on the batch's last message (AckAll).
void JetStreamConsumer::handle_pending() {
  if (pending_.empty()) return;
  batch_.clear();
  meta_.clear();
  std::size_t kept = 0;
  for (natsMsg* msg : pending_) {
    const char* reply = natsMsg_GetReply(msg);
    Delivery d;
    std::uint64_t left = 0;
    if (reply == nullptr || !parse_ack_subject(reply, d.seq, d.consumer_seq, d.deliveries, left)) {
      natsMsg_Destroy(msg);  // not a stream message
      continue;
    }
    if (d.deliveries > 1) ++stats_.jetstream_redelivered;
    // See the header: never record more than the ack floor (nor a held reject's predecessor),
    // so a late delivery acknowledged after a snapshot is still re-read on the next start.
    batch_.push_back({std::string_view(natsMsg_GetData(msg),
                                       static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                      resume_seq(d.seq), left > 0});
    meta_.push_back(d);
    pending_[kept++] = msg;
  }
  pending_.resize(kept);
  bool applied = true;
  try {
    pipeline_.handle_batch(batch_);
  } catch (...) {
    applied = false;  // transient (allocation): try again later
  }
  if (!ack_all_) {
    acknowledge_each(applied);
  } else if (!applied) {
    // Acknowledging anything later would acknowledge these too: re-bind, which re-reads them.
    for (natsMsg* msg : pending_) natsMsg_Destroy(msg);
    resync_ = true;
  } else {
    acknowledge_prefix();
  }
  pending_.clear();
}

void JetStreamConsumer::retire(natsMsg* msg) {
  spent_.push_back(msg);
  if (spent_.size() >= kSpent) destroy_spent();
}

void JetStreamConsumer::destroy_spent() {
  for (natsMsg* msg : spent_) natsMsg_Destroy(msg);
  spent_.clear();
}

void JetStreamConsumer::acknowledge_each(bool applied) {
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    natsMsg* msg = pending_[i];
    const char* reply = natsMsg_GetReply(msg);
    // Not synchronous acks: a lost ack means a harmless redelivery.
    if (!applied) {
      nak(reply, kNakDelayMs);
    } else if (batch_[i].accepted) {
      natsConnection_Publish(conn_, reply, "+ACK", 4);
    } else {
      const events::RejectReason reason = batch_[i].reason;
      const std::uint64_t deliveries = meta_[i].deliveries;
      if (curable(reason) && static_cast<std::int64_t>(deliveries) < config_.max_deliver) {
        // A reload (a new status, a larger limit) or a corrected clock may make it an event:
        // redeliver later; dead-lettered only on its last delivery.
        nak(reply, nak_delay_ms(config_.nak_delay.count(), deliveries));
        ++stats_.jetstream_nacked;
      } else {
        dead_letter(msg, reason);
        natsConnection_Publish(conn_, reply, "+TERM", 5);  // never again
        ++stats_.jetstream_terminated;
      }
    }
    retire(msg);
  }
}

// AckAll: the +ACK of a message acknowledges every message of the consumer up to its stream
// sequence, so it is sent for the last message of the longest run of consecutive deliveries
// (consumer sequences without a hole) that is handled: applied, terminated (dead-lettered) or
// held. A hole means deliveries were lost on the way (a reconnect): they are pending at the
// server and acknowledging past them would drop them, so nothing after the hole is
// acknowledged and the consumer re-binds, re-reading from the state's resume point.
void JetStreamConsumer::acknowledge_prefix() {
  natsMsg* last = nullptr;  // the message whose +ACK covers the run
  std::size_t i = 0;
  for (; i < pending_.size(); ++i) {
    natsMsg* msg = pending_[i];
    const Delivery& d = meta_[i];
    if (next_consumer_seq_ != 0 && d.consumer_seq > next_consumer_seq_) {
      error_log_.warn(service_.now_ms(), "jetstream",
                      "deliveries " + std::to_string(next_consumer_seq_) + ".." +
                          std::to_string(d.consumer_seq - 1) + " of consumer " + config_.durable +
                          " were lost on the way; re-binding (re-reads them)");
      resync_ = true;
      break;
    }
    // A smaller one: the server went back (a new consumer leader re-delivering what we saw).
    next_consumer_seq_ = d.consumer_seq + 1;
    if (last != nullptr) retire(last);
    last = msg;
    if (batch_[i].accepted) continue;
    const events::RejectReason reason = batch_[i].reason;
    if (curable(reason) && static_cast<std::int64_t>(d.deliveries) < config_.max_deliver &&
        (held_.size() <
             static_cast<std::size_t>(std::max<std::int64_t>(config_.max_ack_pending, 1)) ||
         held_.contains(d.seq))) {
      // The last of the batch: its +ACK covers the run (before hold(), which may free it).
      if (i + 1 == pending_.size()) natsConnection_Publish(conn_, natsMsg_GetReply(msg), "+ACK", 4);
      hold(msg, d.seq, d.deliveries);
      last = nullptr;  // owned by held_ now; a later +ACK covers it
    } else {
      dead_letter(msg, reason);  // acknowledged with the run: never again
      ++stats_.jetstream_terminated;
    }
  }
  if (last != nullptr) {
    natsConnection_Publish(conn_, natsMsg_GetReply(last), "+ACK", 4);
    retire(last);
  }
  for (; i < pending_.size(); ++i) retire(pending_[i]);  // after a hole: re-read
}

// A curable reject on an AckAll consumer: the server forgets it with its batch's +ACK, so it
// is kept here and retried on the NAK schedule (n x nak_delay after its n-th attempt) until its
// max_deliver-th attempt, when it is dead-lettered. While it is held the state's resume point
// stays below it (resume_seq), so a restart re-reads it from the stream and holds it again.
void JetStreamConsumer::hold(natsMsg* msg, std::uint64_t seq, std::uint64_t deliveries) {
  auto [it, added] = held_.try_emplace(seq);
  if (!added) {
    natsMsg_Destroy(msg);  // held already (a redelivery after a lost ack): keep the first
    return;
  }
  it->second.msg = msg;
  it->second.deliveries = deliveries;
  it->second.due_ms = service_.now_ms() + nak_delay_ms(config_.nak_delay.count(), deliveries);
  ++stats_.jetstream_nacked;
}

void JetStreamConsumer::retry_held() {
  const std::int64_t now = service_.now_ms();
  for (auto it = held_.begin(); it != held_.end();) {
    Held& h = it->second;
    if (h.due_ms > now) {
      ++it;
      continue;
    }
    ++h.deliveries;
    std::optional<events::RejectReason> reason;
    try {
      reason = pipeline_.process(
          std::string_view(natsMsg_GetData(h.msg),
                           static_cast<std::size_t>(natsMsg_GetDataLength(h.msg))),
          resume_seq(it->first), false);
    } catch (...) {
      h.due_ms = now + kNakDelayMs;  // transient: again later
      ++it;
      continue;
    }
    if (reason && curable(*reason) &&
        static_cast<std::int64_t>(h.deliveries) < config_.max_deliver) {
      h.due_ms = now + nak_delay_ms(config_.nak_delay.count(), h.deliveries);
      ++stats_.jetstream_nacked;
      ++it;
      continue;
    }
    if (reason) {
      dead_letter(h.msg, *reason);
      ++stats_.jetstream_terminated;
    }
    natsMsg_Destroy(h.msg);
    it = held_.erase(it);
  }
}

std::uint64_t JetStreamConsumer::resume_seq(std::uint64_t seq) const {
  std::uint64_t at = std::min(seq, ack_floor_);
  if (!held_.empty()) at = std::min(at, held_.begin()->first - 1);
  return at;
}

bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& delivered,
                       std::uint64_t& pending) {
  std::uint64_t consumer_seq = 0;
  return parse_ack_subject(reply, seq, consumer_seq, delivered, pending);
}

bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& consumer_seq,
                       std::uint64_t& delivered, std::uint64_t& pending) {
  // One pass over the bytes, no allocation (this runs for every message): where each token
  // starts, then the numbers of the tokens that matter.
  constexpr std::size_t kMaxTokens = 16;
  std::array<std::uint32_t, kMaxTokens + 1> start;  // start[t]: first byte of token t
  std::size_t count = 1;
  start[0] = 0;
  const char* p = reply.data();
  const std::size_t size = reply.size();
  for (std::size_t i = 0; i < size; ++i) {
    if (p[i] != '.') continue;
    if (count == kMaxTokens) return false;
    start[count++] = static_cast<std::uint32_t>(i + 1);
  }
  start[count] = static_cast<std::uint32_t>(size + 1);  // one past the last token's dot
  if (count < 9 || (count != 9 && count < 11)) return false;
  if (reply.substr(0, 8) != "$JS.ACK.") return false;
  const std::size_t at = count == 9 ? 4 : 6;  // index of <delivered>
  auto number = [&](std::size_t t, std::uint64_t& out) {
    const std::size_t from = start[t], to = start[t + 1] - 1;
    if (from == to) return false;
    out = 0;
    for (std::size_t i = from; i < to; ++i) {
      const char c = p[i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  return number(at, delivered) && number(at + 1, seq) && number(at + 2, consumer_seq) &&
         number(at + 4, pending);
}

bool JetStreamConsumer::is_control_message(natsMsg* msg) const {
  // Pull statuses (100 heartbeat, 404/408 nothing or expired, 409 consumer gone or limits) come
  // from the server on our inbox, without a reply and without a body. A stream message always
  // has a $JS.ACK reply and keeps its own subject: a producer's "Status: 409" header is data.
  const char* reply = natsMsg_GetReply(msg);
  const char* subject = natsMsg_GetSubject(msg);
  return (reply == nullptr || *reply == '\0') && subject != nullptr && inbox_ == subject &&
         natsMsg_GetDataLength(msg) == 0;
}

void JetStreamConsumer::nak(const char* reply, std::int64_t delay_ms) {
  const std::string nak = "-NAK {\"delay\":" + std::to_string(delay_ms * 1'000'000LL) + "}";
  natsConnection_PublishString(conn_, reply, nak.c_str());
}

void JetStreamConsumer::dead_letter(natsMsg* msg, events::RejectReason reason) {
  const auto config = service_.config();
  const std::string& subject = config->event.dead_letter_subject;
  if (subject.empty()) return;
  if (publish_dead_letter(conn_, subject, msg, reason)) {
    ++stats_.dead_lettered;
  } else {
    ++stats_.dead_letter_failures;
    error_log_.warn(service_.now_ms(), "jetstream", "cannot publish a reject on " + subject);
  }
}

void JetStreamConsumer::poll_consumer_info() {
  last_poll_ms_ = service_.now_ms();
  jsConsumerInfo* ci = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  // By name: the library's per-subscription info call rejects pull subscriptions.
  const natsStatus s =
      js_GetConsumerInfo(&ci, js_, config_.stream.c_str(), config_.durable.c_str(), nullptr, &err);
  if (s != NATS_OK) {
    error_log_.warn(last_poll_ms_, "jetstream",
                    "cannot read consumer info: " + status_text(s, err));
    return;
  }
  ack_floor_ = ci->AckFloor.Stream;
  stats_.jetstream_pending = ci->NumPending;
  stats_.jetstream_ack_pending = static_cast<std::uint64_t>(ci->NumAckPending);
  jsConsumerInfo_Destroy(ci);
}

void JetStreamConsumer::unbind() {
  stats_.jetstream_bound = false;
  service_.set_behind(true);  // unbound, the stream may be filling up where we cannot see it
  if (sub_ == nullptr) return;
  // Destroy only: the consumer is not the library's (bound, not created by the subscribe),
  // and it must outlive us either way.
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
}

}  // namespace orderwatch::ingest
