#include <algorithm>
#include <optional>
#include <string>

#include "dead_letter.h"
#include "jetstream_util.h"
#include "orderwatch/ingest/jetstream.h"

// Binding to the durable consumer: read the stream, check (or update, or create) the durable,
// plan and run the start-up re-read, subscribe the inbox that pulled messages land on.
namespace orderwatch::ingest {

using namespace detail;

bool JetStreamConsumer::bind() {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!read_stream(first, last)) return false;
  std::optional<std::uint64_t> delivered;
  if (!check_durable(delivered)) return false;
  const ResumePlan plan = plan_and_report(first, last, delivered);
  if (!delivered && !create_durable(plan)) return false;
  if (plan.replay_from != 0 && !replay(plan)) return false;
  if (!subscribe_inbox()) return false;
  stats_.jetstream_bound = true;
  log::info("jetstream", "consuming stream " + config_.stream + ", consumer " + config_.durable +
                             ": " + std::to_string(stats_.jetstream_pending.load()) +
                             " pending, state covers stream sequence " +
                             std::to_string(service_.stream_seq()));
  return true;
}

bool JetStreamConsumer::read_stream(std::uint64_t& first, std::uint64_t& last) {
  const char* stream = config_.stream.c_str();
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
  first = si->State.FirstSeq;
  last = si->State.LastSeq;
  const jsRetentionPolicy retention = si->Config->Retention;
  jsStreamInfo_Destroy(si);
  if (retention != js_LimitsPolicy) {
    log::error("jetstream",
               "stream " + config_.stream +
                   " does not use limits retention: acknowledged messages are deleted, so a "
                   "crash loses what was acknowledged after the last snapshot (see README)");
  }

  return true;
}

// An existing durable must be a pull consumer with explicit acks on nats.subject; its
// ack_wait/max_deliver/max_ack_pending follow the config. `delivered` stays unset when the
// durable does not exist yet.
bool JetStreamConsumer::check_durable(std::optional<std::uint64_t>& delivered) {
  const char* stream = config_.stream.c_str();
  const char* durable = config_.durable.c_str();
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* ci = nullptr;
  const natsStatus s = js_GetConsumerInfo(&ci, js_, stream, durable, nullptr, &err);
  if (s == NATS_OK) {
    const jsConsumerConfig& cc = *ci->Config;
    std::string problem;
    const std::string filter = cc.FilterSubject == nullptr ? "" : cc.FilterSubject;
    if (cc.DeliverSubject != nullptr && *cc.DeliverSubject != '\0') {
      problem = "is a push consumer; orderwatch needs a pull consumer";
    } else if (cc.AckPolicy != js_AckExplicit && cc.AckPolicy != js_AckAll) {
      problem = "acknowledges neither each message (explicit) nor all up to one (all)";
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
    ack_all_ = cc.AckPolicy == js_AckAll;
    next_consumer_seq_ = ci->Delivered.Consumer + 1;
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

  return true;
}

ResumePlan JetStreamConsumer::plan_and_report(std::uint64_t first, std::uint64_t last,
                                              std::optional<std::uint64_t> delivered) {
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
  return plan;
}

bool JetStreamConsumer::create_durable(const ResumePlan& plan) {
  const char* stream = config_.stream.c_str();
  const char* durable = config_.durable.c_str();
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* ci = nullptr;
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  const std::string description = "orderwatch " + service_.config()->service;
  cc.Durable = durable;
  cc.Description = description.c_str();
  // AckAll: one acknowledgement per batch instead of one per message (the server's cost of an
  // ack is about that of a delivery); see jetstream.h for what it means for rejects.
  cc.AckPolicy = js_AckAll;
  cc.AckWait = to_ns(config_.ack_wait);
  cc.MaxDeliver = config_.max_deliver;
  cc.MaxAckPending = config_.max_ack_pending;
  cc.FilterSubject = subject_.c_str();
  cc.DeliverPolicy = plan.durable_start == 0 ? js_DeliverAll : js_DeliverByStartSequence;
  cc.OptStartSeq = plan.durable_start;
  const natsStatus s = js_AddConsumer(&ci, js_, stream, &cc, nullptr, &err);
  if (s != NATS_OK) {
    error_log_.warn(service_.now_ms(), "jetstream",
                    "cannot create consumer " + config_.durable + " on stream " + config_.stream +
                        ": " + status_text(s, err));
    return false;
  }
  ack_floor_ = ci->AckFloor.Stream;
  ack_all_ = true;
  next_consumer_seq_ = ci->Delivered.Consumer + 1;
  stats_.jetstream_pending = ci->NumPending;
  jsConsumerInfo_Destroy(ci);
  log::info("jetstream",
            "created durable consumer " + config_.durable + " on stream " + config_.stream +
                " (filter " + subject_ + ", from " +
                (plan.durable_start == 0 ? std::string("the start of the stream")
                                         : "sequence " + std::to_string(plan.durable_start)) +
                ")");
  return true;
}

bool JetStreamConsumer::subscribe_inbox() {
  // Pull by hand: a plain subscription on our own inbox and CONSUMER.MSG.NEXT requests.
  // libnats 3.4's natsSubscription_Fetch overruns its message array when the connection is
  // re-established during a fetch (heap corruption seen under ASan in the server-restart test).
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return false;
  inbox_ = inbox;
  natsInbox_Destroy(inbox);
  const natsStatus s = natsConnection_SubscribeSync(&sub_, conn_, inbox_.c_str());
  if (s != NATS_OK) {
    sub_ = nullptr;
    error_log_.warn(service_.now_ms(), "jetstream",
                    "cannot subscribe for consumer " + config_.durable + ": " +
                        status_text(s, static_cast<jsErrCode>(0)));
    return false;
  }
  natsSubscription_SetPendingLimits(sub_, -1, -1);
  return true;
}

// After a quiet wait on the re-read: true when the ordered consumer has nothing left (the
// rest of the range was deleted or filtered out).
bool JetStreamConsumer::replay_drained(natsSubscription* sub) {
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* ci = nullptr;
  const natsStatus is = natsSubscription_GetConsumerInfo(&ci, sub, nullptr, &err);
  if (is != NATS_OK) {
    error_log_.warn(service_.now_ms(), "jetstream",
                    "re-reading: cannot tell whether the stream has more: " + status_text(is, err));
    return false;
  }
  const bool drained = ci->NumPending == 0 && ci->NumAckPending == 0;
  jsConsumerInfo_Destroy(ci);
  return drained;
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
      done = replay_drained(sub);  // nothing came: done if nothing is left
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
    if (held_.contains(seq)) {
      natsMsg_Destroy(msg);  // a curable reject held already (a re-bind): retried from there
    } else {
      std::optional<events::RejectReason> reason;
      try {
        // In stream order: this sequence and everything before it is in the state now, but for
        // curable rejects held (resume_seq).
        reason = pipeline_.process(
            std::string_view(natsMsg_GetData(msg),
                             static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
            held_.empty() ? seq : std::min(seq, held_.begin()->first - 1), /*behind=*/true);
      } catch (...) {
        // Allocation failure only; the durable consumer will not deliver this one again, so
        // stop and re-read from the recorded sequence on the next attempt.
        natsMsg_Destroy(msg);
        break;
      }
      // An AckAll durable acknowledged it with its batch: only this re-read can retry it.
      if (ack_all_ && reason && curable(*reason)) {
        hold(msg, seq, 1);
      } else {
        natsMsg_Destroy(msg);
      }
    }
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

}  // namespace orderwatch::ingest
