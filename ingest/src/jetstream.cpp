#include "orderwatch/ingest/jetstream.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <span>
#include <string_view>

namespace orderwatch::ingest {

namespace {

constexpr int kFetchWaitMs = 500;  // a stop is noticed within this
constexpr int kMaxBatch = 1024;    // messages per fetch, also bounded by max_ack_pending
constexpr int kInfoPollMs = 1000;  // lag and ack floor refresh
constexpr int kRetryMs = 2000;     // between attempts to bind while the stream is missing
constexpr std::int64_t kNakDelayMs = 1000;

std::int64_t to_ns(sla::Duration d) { return static_cast<std::int64_t>(d.count()) * 1'000'000; }

std::string status_text(natsStatus s, jsErrCode err) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') text += std::string(" (") + last + ")";
  if (err != 0) text += " [JetStream error " + std::to_string(static_cast<int>(err)) + "]";
  return text;
}

}  // namespace

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
    if (!stopping()) pause(kRetryMs);
  }
  if (js_ != nullptr) {
    jsCtx_Destroy(js_);
    js_ = nullptr;
  }
}

bool JetStreamConsumer::bind() {
  const char* stream = config_.stream.c_str();
  const char* durable = config_.durable.c_str();
  const std::string where = "stream " + config_.stream + ", consumer " + config_.durable;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = NATS_OK;
  if (js_ == nullptr && (s = natsConnection_JetStream(&js_, conn_, nullptr)) != NATS_OK) {
    error_log_.warn(service_.now_ms(), "jetstream", "cannot use JetStream: " + status_text(s, err));
    return false;
  }

  jsStreamInfo* si = nullptr;
  s = js_GetStreamInfo(&si, js_, stream, nullptr, &err);
  if (s != NATS_OK) {
    error_log_.warn(service_.now_ms(), "jetstream",
                    err == JSStreamNotFoundErr
                        ? "stream " + config_.stream +
                              " does not exist; create it (orderwatch never creates streams), "
                              "retrying"
                        : "cannot read stream " + config_.stream + ": " + status_text(s, err));
    return false;
  }
  const std::uint64_t first = si->State.FirstSeq;
  const std::uint64_t last = si->State.LastSeq;
  const jsRetentionPolicy retention = si->Config->Retention;
  jsStreamInfo_Destroy(si);
  if (retention != js_LimitsPolicy) {
    log::error("jetstream",
               "stream " + config_.stream +
                   " does not use limits retention: acknowledged messages are deleted, so a "
                   "crash loses what was acknowledged after the last snapshot (see README)");
  }

  jsConsumerInfo* ci = nullptr;
  std::optional<std::uint64_t> delivered;
  err = static_cast<jsErrCode>(0);
  s = js_GetConsumerInfo(&ci, js_, stream, durable, nullptr, &err);
  if (s == NATS_OK) {
    const jsConsumerConfig& cc = *ci->Config;
    std::string problem;
    const std::string filter = cc.FilterSubject == nullptr ? "" : cc.FilterSubject;
    if (cc.DeliverSubject != nullptr && *cc.DeliverSubject != '\0') {
      problem = "is a push consumer; orderwatch needs a pull consumer";
    } else if (cc.AckPolicy != js_AckExplicit) {
      problem = "does not use explicit acknowledgements";
    } else if (filter != subject_) {
      problem = "filters \"" + filter + "\" but nats.subject is \"" + subject_ + "\"";
    }
    if (!problem.empty()) {
      jsConsumerInfo_Destroy(ci);
      error_log_.warn(service_.now_ms(), "jetstream",
                      "consumer " + config_.durable + " on stream " + config_.stream + " " +
                          problem + ": delete it or set another nats.jetstream.durable");
      return false;
    }
    delivered = ci->Delivered.Stream;
    ack_floor_ = ci->AckFloor.Stream;
    stats_.jetstream_pending = ci->NumPending;
    stats_.jetstream_ack_pending = static_cast<std::uint64_t>(ci->NumAckPending);
    if (cc.AckWait != to_ns(config_.ack_wait) || cc.MaxDeliver != config_.max_deliver ||
        cc.MaxAckPending != config_.max_ack_pending) {
      jsConsumerConfig update = cc;
      update.AckWait = to_ns(config_.ack_wait);
      update.MaxDeliver = config_.max_deliver;
      update.MaxAckPending = config_.max_ack_pending;
      jsConsumerInfo* updated = nullptr;
      const natsStatus us = js_UpdateConsumer(&updated, js_, stream, &update, nullptr, &err);
      if (us == NATS_OK) {
        log::info("jetstream", "updated consumer " + config_.durable +
                                   " to ack_wait/max_deliver/max_ack_pending from the config");
        jsConsumerInfo_Destroy(updated);
      } else {
        log::warn("jetstream", "cannot update consumer " + config_.durable +
                                   " settings, keeping the server's: " + status_text(us, err));
      }
    }
    jsConsumerInfo_Destroy(ci);
  } else if (err != JSConsumerNotFoundErr) {
    error_log_.warn(service_.now_ms(), "jetstream",
                    "cannot read consumer " + config_.durable + ": " + status_text(s, err));
    return false;
  }

  const std::uint64_t covered = service_.stream_seq();
  const ResumePlan plan = plan_resume(covered, first, last, delivered);
  if (covered > last) {
    log::error("jetstream", "the state covers stream sequence " + std::to_string(covered) +
                                " but " + config_.stream + " ends at " + std::to_string(last) +
                                ": the stream was recreated; rebuilding from what it holds");
  }
  if (plan.lost > 0 && lost_reported_for_ != covered) {
    lost_reported_for_ = covered;
    stats_.jetstream_lost += plan.lost;
    log::error("jetstream", "LOST EVENTS: the state covers stream sequence " +
                                std::to_string(covered) + " but " + config_.stream +
                                " now starts at " + std::to_string(first) + "; up to " +
                                std::to_string(plan.lost) +
                                " messages are gone (raise the stream's max_age or snapshot "
                                "more often)");
  }
  if (!delivered) {
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    const std::string description = "orderwatch " + service_.config()->service;
    cc.Durable = durable;
    cc.Description = description.c_str();
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = to_ns(config_.ack_wait);
    cc.MaxDeliver = config_.max_deliver;
    cc.MaxAckPending = config_.max_ack_pending;
    cc.FilterSubject = subject_.c_str();
    cc.DeliverPolicy = plan.durable_start == 0 ? js_DeliverAll : js_DeliverByStartSequence;
    cc.OptStartSeq = plan.durable_start;
    err = static_cast<jsErrCode>(0);
    s = js_AddConsumer(&ci, js_, stream, &cc, nullptr, &err);
    if (s != NATS_OK) {
      error_log_.warn(service_.now_ms(), "jetstream",
                      "cannot create consumer " + config_.durable + " on stream " + config_.stream +
                          ": " + status_text(s, err));
      return false;
    }
    ack_floor_ = ci->AckFloor.Stream;
    stats_.jetstream_pending = ci->NumPending;
    jsConsumerInfo_Destroy(ci);
    log::info("jetstream",
              "created durable consumer " + config_.durable + " on stream " + config_.stream +
                  " (filter " + subject_ + ", from " +
                  (plan.durable_start == 0 ? std::string("the start of the stream")
                                           : "sequence " + std::to_string(plan.durable_start)) +
                  ")");
  }
  if (plan.replay_from != 0 && !replay(plan)) return false;

  // Pull by hand: a plain subscription on our own inbox and CONSUMER.MSG.NEXT requests.
  // libnats 3.4's natsSubscription_Fetch overruns its message array when the connection is
  // re-established during a fetch (heap corruption seen under ASan in the server-restart test).
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return false;
  inbox_ = inbox;
  natsInbox_Destroy(inbox);
  s = natsConnection_SubscribeSync(&sub_, conn_, inbox_.c_str());
  if (s != NATS_OK) {
    sub_ = nullptr;
    error_log_.warn(service_.now_ms(), "jetstream",
                    "cannot subscribe for consumer " + config_.durable + ": " +
                        status_text(s, static_cast<jsErrCode>(0)));
    return false;
  }
  natsSubscription_SetPendingLimits(sub_, -1, -1);
  stats_.jetstream_bound = true;
  log::info("jetstream",
            "consuming " + where + ": " + std::to_string(stats_.jetstream_pending.load()) +
                " pending, state covers stream sequence " + std::to_string(service_.stream_seq()));
  return true;
}

bool JetStreamConsumer::replay(const ResumePlan& plan) {
  log::info("jetstream", "re-reading stream " + config_.stream + " sequences " +
                             std::to_string(plan.replay_from) + ".." +
                             std::to_string(plan.replay_to) +
                             " (delivered to the consumer, possibly not in the loaded state)");
  const auto t0 = std::chrono::steady_clock::now();
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = config_.stream.c_str();
  so.Ordered = true;  // ephemeral, in stream order, no acks: reading leaves no trace
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = plan.replay_from;
  natsSubscription* sub = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub, js_, subject_.c_str(), nullptr, &so, &err);
  if (s != NATS_OK) {
    error_log_.warn(service_.now_ms(), "jetstream",
                    "cannot re-read stream " + config_.stream + ": " + status_text(s, err));
    return false;
  }
  natsSubscription_SetPendingLimits(sub, -1, -1);  // the consumer's flow control bounds it
  std::uint64_t count = 0;
  bool done = false;
  while (!done && !stopping()) {
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, kFetchWaitMs);
    if (s == NATS_TIMEOUT) {
      // Nothing came: done if nothing is left (the rest was deleted or filtered out).
      jsConsumerInfo* ci = nullptr;
      const natsStatus is = natsSubscription_GetConsumerInfo(&ci, sub, nullptr, &err);
      if (is == NATS_OK) {
        done = ci->NumPending == 0 && ci->NumAckPending == 0;
        jsConsumerInfo_Destroy(ci);
      } else {
        error_log_.warn(
            service_.now_ms(), "jetstream",
            "re-reading: cannot tell whether the stream has more: " + status_text(is, err));
      }
      continue;
    }
    if (s != NATS_OK) break;
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {
      natsMsg_Destroy(msg);
      continue;
    }
    const std::uint64_t seq = meta->Sequence.Stream;
    const std::uint64_t pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
    if (seq > plan.replay_to) {
      natsMsg_Destroy(msg);  // the durable consumer delivers it
      done = true;
      break;
    }
    try {
      // In stream order: this sequence and everything before it is in the state now.
      pipeline_.handle(std::string_view(natsMsg_GetData(msg),
                                        static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                       seq);
    } catch (...) {
      // Allocation failure only; the durable consumer will not deliver this one again, so
      // stop and re-read from the recorded sequence on the next attempt.
      natsMsg_Destroy(msg);
      break;
    }
    natsMsg_Destroy(msg);
    ++count;
    ++stats_.jetstream_replayed;
    done = seq >= plan.replay_to || pending == 0;
  }
  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!done) {
    if (!stopping()) {
      log::warn("jetstream", "re-reading stopped after " + std::to_string(count) + " messages (" +
                                 status_text(s, err) + "); retrying");
    }
    return false;
  }
  log::info("jetstream",
            "re-read " + std::to_string(count) + " messages in " + std::to_string(secs) + "s");
  return true;
}

void JetStreamConsumer::consume() {
  const int batch =
      static_cast<int>(std::clamp<std::int64_t>(config_.max_ack_pending, 1, kMaxBatch));
  const std::string next_subject =
      "$JS.API.CONSUMER.MSG.NEXT." + config_.stream + "." + config_.durable;
  // The server ends a request after `expires` with a 408 status message; we wait a little
  // longer so a lost request (e.g. across a reconnect) is simply re-issued.
  const std::string request = "{\"batch\":" + std::to_string(batch) +
                              ",\"expires\":" + std::to_string(kFetchWaitMs * 1'000'000LL) + "}";
  poll_consumer_info();
  while (!stopping()) {
    if (service_.now_ms() - last_poll_ms_ >= kInfoPollMs) poll_consumer_info();
    if (natsConnection_Status(conn_) != NATS_CONN_STATUS_CONNECTED) {
      pause(100);  // the client reconnects and re-subscribes the inbox
      continue;
    }
    if (natsConnection_PublishRequestString(conn_, next_subject.c_str(), inbox_.c_str(),
                                            request.c_str()) != NATS_OK) {
      pause(200);
      continue;
    }
    for (int received = 0; received < batch;) {
      natsMsg* msg = nullptr;
      const natsStatus s = natsSubscription_NextMsg(&msg, sub_, kFetchWaitMs + 200);
      if (s != NATS_OK) break;  // timeout or connection trouble: issue a new request
      const char* status = nullptr;
      if (natsMsgHeader_Get(msg, "Status", &status) == NATS_OK && status != nullptr &&
          natsMsg_GetDataLength(msg) == 0) {
        const std::string code(status);
        natsMsg_Destroy(msg);
        if (code == "100") continue;  // heartbeat
        if (code != "404" && code != "408") {
          error_log_.warn(service_.now_ms(), "jetstream", "pull request ended with " + code);
          // The consumer may have been deleted: let bind() find out and recreate it.
          if (code == "409") return;
        }
        break;  // 404 no messages / 408 expired: ask again
      }
      ++received;
      if (stopping()) {
        const char* reply = natsMsg_GetReply(msg);
        if (reply != nullptr) natsConnection_PublishString(conn_, reply, "-NAK");
        natsMsg_Destroy(msg);
      } else {
        handle(msg);
      }
    }
  }
}

bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& delivered) {
  // No allocation: this runs for every message.
  std::array<std::string_view, 16> token;
  std::size_t count = 0;
  for (std::size_t start = 0;;) {
    if (count == token.size()) return false;
    const auto dot = reply.find('.', start);
    token[count++] = reply.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::span<const std::string_view> tokens(token.data(), count);
  if (tokens.size() < 9 || tokens[0] != "$JS" || tokens[1] != "ACK") return false;
  const std::size_t at = tokens.size() == 9 ? 4 : 6;  // index of <delivered>
  if (tokens.size() != 9 && tokens.size() < 11) return false;
  auto number = [](std::string_view t, std::uint64_t& out) {
    if (t.empty()) return false;
    out = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  return number(tokens[at], delivered) && number(tokens[at + 1], seq);
}

void JetStreamConsumer::handle(natsMsg* msg) {
  const char* reply = natsMsg_GetReply(msg);
  std::uint64_t seq = 0;
  std::uint64_t deliveries = 0;
  if (reply == nullptr || !parse_ack_subject(reply, seq, deliveries)) {
    natsMsg_Destroy(msg);  // not a stream message
    return;
  }
  if (deliveries > 1) ++stats_.jetstream_redelivered;
  bool accepted = false;
  try {
    // See the header: never record more than the ack floor, so a late delivery acknowledged
    // after a snapshot is still re-read on the next start.
    accepted =
        pipeline_.handle(std::string_view(natsMsg_GetData(msg),
                                          static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
                         std::min(seq, ack_floor_));
  } catch (...) {
    // Transient (allocation): try again later.
    const std::string nak = "-NAK {\"delay\":" + std::to_string(kNakDelayMs * 1'000'000LL) + "}";
    natsConnection_PublishString(conn_, reply, nak.c_str());
    natsMsg_Destroy(msg);
    return;
  }
  if (accepted) {
    // Not a synchronous ack: a lost ack means a harmless redelivery.
    natsConnection_PublishString(conn_, reply, "+ACK");
  } else {
    natsConnection_PublishString(conn_, reply, "+TERM");  // poison: never again
    ++stats_.jetstream_terminated;
  }
  natsMsg_Destroy(msg);
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
  if (sub_ == nullptr) return;
  // Destroy only: the consumer is not the library's (bound, not created by the subscribe),
  // and it must outlive us either way.
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
}

}  // namespace orderwatch::ingest
