// DurableBinder (jetstream_bind.h): reading the stream, checking, updating or creating the
// durable, planning the start-up re-read, subscribing the inbox, and the consumer info the
// pull loop polls. Called by JetStreamConsumer's thread on every (re-)bind.
#include "jetstream_bind.h"

#include <algorithm>
#include <optional>
#include <string>

namespace orderwatch::ingest::detail {

DurableBinder::~DurableBinder() { close(); }

void DurableBinder::close() {
  unbind();
  if (js_ != nullptr) jsCtx_Destroy(js_);
  js_ = nullptr;
}

bool DurableBinder::bind(Binding& out) {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!read_stream(first, last)) return false;
  std::optional<std::uint64_t> delivered;
  if (!check_durable(delivered, out)) return false;
  const ResumePlan plan = plan_and_report(first, last, delivered);
  if (!delivered && !create_durable(plan, out)) return false;
  // An AckAll durable acknowledged a curable reject with its batch: only the re-read retries it.
  if (plan.replay_from != 0 && !replay(plan, out.ack_all)) return false;
  if (!subscribe_inbox()) return false;
  ctx_.stats.jetstream_bound = true;
  log::info("jetstream", "consuming stream " + ctx_.config.stream + ", consumer " +
                             ctx_.config.durable + ": " +
                             std::to_string(ctx_.stats.jetstream_pending.load()) +
                             " pending, state covers stream sequence " +
                             std::to_string(ctx_.pipeline.stream_seq()));
  return true;
}

bool DurableBinder::read_stream(std::uint64_t& first, std::uint64_t& last) {
  const char* stream = ctx_.config.stream.c_str();
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = NATS_OK;
  if (js_ == nullptr && (s = natsConnection_JetStream(&js_, ctx_.conn, nullptr)) != NATS_OK) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot use JetStream: " + status_text(s, err));
    return false;
  }

  jsStreamInfo* si = nullptr;
  s = js_GetStreamInfo(&si, js_, stream, nullptr, &err);
  if (s != NATS_OK && err == JSStreamNotFoundErr) {
    // Stated, not only logged: the gauge and /readyz (the generated alert pages on the gauge).
    ctx_.stats.jetstream_stream_missing = true;
    // At once when it goes missing, then at most once a minute while it stays so.
    const std::int64_t now = ctx_.pipeline.now_ms();
    if (missing_logged_ms_ == 0 || now - missing_logged_ms_ >= 60'000) {
      missing_logged_ms_ = now;
      log::warn("jetstream", "stream " + ctx_.config.stream +
                                 " does not exist (not created yet, or deleted): nothing is "
                                 "consumed until it is created (orderwatch never creates "
                                 "streams); retrying every " +
                                 std::to_string(kRetryMs / 1000) + " s");
    }
    return false;
  }
  if (s != NATS_OK) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot read stream " + ctx_.config.stream + ": " + status_text(s, err));
    return false;
  }
  missing_logged_ms_ = 0;
  if (ctx_.stats.jetstream_stream_missing.exchange(false)) {
    log::info("jetstream", "stream " + ctx_.config.stream + " exists (again)");
  }
  first = si->State.FirstSeq;
  last = si->State.LastSeq;
  const jsRetentionPolicy retention = si->Config->Retention;
  jsStreamInfo_Destroy(si);
  if (retention != js_LimitsPolicy) {
    log::error("jetstream",
               "stream " + ctx_.config.stream +
                   " does not use limits retention: acknowledged messages are deleted, so a "
                   "crash loses what was acknowledged after the last snapshot (see README)");
  }

  return true;
}

// An existing durable must be a pull consumer with explicit acks on nats.subject; its
// ack_wait/max_deliver/max_ack_pending follow the config. `delivered` stays unset when the
// durable does not exist yet.
bool DurableBinder::check_durable(std::optional<std::uint64_t>& delivered, Binding& out) {
  const char* stream = ctx_.config.stream.c_str();
  const char* durable = ctx_.config.durable.c_str();
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
    } else if (filter != ctx_.subject) {
      problem = "filters \"" + filter + "\" but nats.subject is \"" + ctx_.subject + "\"";
    }
    if (!problem.empty()) {
      jsConsumerInfo_Destroy(ci);
      ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                          "consumer " + ctx_.config.durable + " on stream " + ctx_.config.stream +
                              " " + problem + ": delete it or set another nats.jetstream.durable");
      return false;
    }
    delivered = ci->Delivered.Stream;
    out.ack_all = cc.AckPolicy == js_AckAll;
    out.next_consumer_seq = ci->Delivered.Consumer + 1;
    ctx_.ack_floor = ci->AckFloor.Stream;
    ctx_.stats.jetstream_pending = ci->NumPending;
    ctx_.stats.jetstream_ack_pending = static_cast<std::uint64_t>(ci->NumAckPending);
    update_durable(cc);
    jsConsumerInfo_Destroy(ci);
  } else if (err != JSConsumerNotFoundErr) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot read consumer " + ctx_.config.durable + ": " + status_text(s, err));
    return false;
  }

  return true;
}

// ack_wait/max_deliver/max_ack_pending follow the config; when the server's differ, the
// durable is updated (a failure keeps the server's, logged).
void DurableBinder::update_durable(const jsConsumerConfig& cc) {
  if (cc.AckWait == to_ns(ctx_.config.ack_wait) && cc.MaxDeliver == ctx_.config.max_deliver &&
      cc.MaxAckPending == ctx_.config.max_ack_pending) {
    return;
  }
  jsConsumerConfig update = cc;
  update.AckWait = to_ns(ctx_.config.ack_wait);
  update.MaxDeliver = ctx_.config.max_deliver;
  update.MaxAckPending = ctx_.config.max_ack_pending;
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* updated = nullptr;
  const natsStatus us =
      js_UpdateConsumer(&updated, js_, ctx_.config.stream.c_str(), &update, nullptr, &err);
  if (us == NATS_OK) {
    log::info("jetstream", "updated consumer " + ctx_.config.durable +
                               " to ack_wait/max_deliver/max_ack_pending from the config");
    jsConsumerInfo_Destroy(updated);
  } else {
    log::warn("jetstream", "cannot update consumer " + ctx_.config.durable +
                               " settings, keeping the server's: " + status_text(us, err));
  }
}

ResumePlan DurableBinder::plan_and_report(std::uint64_t first, std::uint64_t last,
                                          std::optional<std::uint64_t> delivered) {
  const std::uint64_t covered = ctx_.pipeline.stream_seq();
  const ResumePlan plan = plan_resume(covered, first, last, delivered);
  if (covered > last) {
    log::error("jetstream", "the state covers stream sequence " + std::to_string(covered) +
                                " but " + ctx_.config.stream + " ends at " + std::to_string(last) +
                                ": the stream was recreated; rebuilding from what it holds");
  }
  if (plan.lost > 0 && lost_reported_for_ != covered) {
    lost_reported_for_ = covered;
    ctx_.stats.jetstream_lost += plan.lost;
    log::error("jetstream", "LOST EVENTS: the state covers stream sequence " +
                                std::to_string(covered) + " but " + ctx_.config.stream +
                                " now starts at " + std::to_string(first) + "; up to " +
                                std::to_string(plan.lost) +
                                " messages are gone (raise the stream's max_age or snapshot "
                                "more often)");
  }
  return plan;
}

bool DurableBinder::create_durable(const ResumePlan& plan, Binding& out) {
  const char* stream = ctx_.config.stream.c_str();
  const char* durable = ctx_.config.durable.c_str();
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* ci = nullptr;
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  const std::string description = "orderwatch " + ctx_.pipeline.config()->service;
  cc.Durable = durable;
  cc.Description = description.c_str();
  // AckAll: one acknowledgement per batch instead of one per message (the server's cost of an
  // ack is about that of a delivery); see jetstream.h for what it means for rejects.
  cc.AckPolicy = js_AckAll;
  cc.AckWait = to_ns(ctx_.config.ack_wait);
  cc.MaxDeliver = ctx_.config.max_deliver;
  cc.MaxAckPending = ctx_.config.max_ack_pending;
  cc.FilterSubject = ctx_.subject.c_str();
  cc.DeliverPolicy = plan.durable_start == 0 ? js_DeliverAll : js_DeliverByStartSequence;
  cc.OptStartSeq = plan.durable_start;
  const natsStatus s = js_AddConsumer(&ci, js_, stream, &cc, nullptr, &err);
  if (s != NATS_OK) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot create consumer " + ctx_.config.durable + " on stream " +
                            ctx_.config.stream + ": " + status_text(s, err));
    return false;
  }
  ctx_.ack_floor = ci->AckFloor.Stream;
  out.ack_all = true;
  out.next_consumer_seq = ci->Delivered.Consumer + 1;
  ctx_.stats.jetstream_pending = ci->NumPending;
  jsConsumerInfo_Destroy(ci);
  log::info("jetstream",
            "created durable consumer " + ctx_.config.durable + " on stream " + ctx_.config.stream +
                " (filter " + ctx_.subject + ", from " +
                (plan.durable_start == 0 ? std::string("the start of the stream")
                                         : "sequence " + std::to_string(plan.durable_start)) +
                ")");
  return true;
}

bool DurableBinder::subscribe_inbox() {
  // Pull by hand: a plain subscription on our own inbox and CONSUMER.MSG.NEXT requests.
  // libnats 3.4's natsSubscription_Fetch overruns its message array when the connection is
  // re-established during a fetch (heap corruption seen under ASan in the server-restart test).
  natsInbox* inbox = nullptr;
  if (natsInbox_Create(&inbox) != NATS_OK) return false;
  inbox_ = inbox;
  natsInbox_Destroy(inbox);
  const natsStatus s = natsConnection_SubscribeSync(&sub_, ctx_.conn, inbox_.c_str());
  if (s != NATS_OK) {
    sub_ = nullptr;
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot subscribe for consumer " + ctx_.config.durable + ": " +
                            status_text(s, static_cast<jsErrCode>(0)));
    return false;
  }
  natsSubscription_SetPendingLimits(sub_, -1, -1);
  return true;
}

bool DurableBinder::poll_info() {
  last_poll_ms_ = ctx_.pipeline.now_ms();
  jsConsumerInfo* ci = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  // By name: the library's per-subscription info call rejects pull subscriptions.
  const natsStatus s = js_GetConsumerInfo(&ci, js_, ctx_.config.stream.c_str(),
                                          ctx_.config.durable.c_str(), nullptr, &err);
  if (s != NATS_OK) {
    // The stream (and with it the durable) or the durable alone was deleted under us.
    if (err == JSStreamNotFoundErr || err == JSConsumerNotFoundErr) return false;
    ctx_.error_log.warn(last_poll_ms_, "jetstream",
                        "cannot read consumer info: " + status_text(s, err));
    return true;
  }
  ctx_.ack_floor = ci->AckFloor.Stream;
  ctx_.stats.jetstream_pending = ci->NumPending;
  ctx_.stats.jetstream_ack_pending = static_cast<std::uint64_t>(ci->NumAckPending);
  jsConsumerInfo_Destroy(ci);
  return true;
}

void DurableBinder::unbind() {
  if (sub_ == nullptr) return;
  // Unsubscribing a plain inbox subscription leaves the durable alone (it must outlive us).
  // Deliveries still on their way to the inbox are redelivered after ack_wait.
  retired_.retire(ctx_.conn, sub_);
  sub_ = nullptr;
}

}  // namespace orderwatch::ingest::detail
