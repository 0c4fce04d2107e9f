// DurableBinder's start-up re-read: what the durable delivered after the state's stream
// position, read again in stream order from an ephemeral ordered consumer and applied through
// the pipeline as batches of one. Called by DurableBinder::bind before the pull loop starts.
#include <chrono>
#include <string>
#include <string_view>

#include "jetstream_bind.h"

namespace orderwatch::ingest::detail {

// After a quiet wait on the re-read: true when the ordered consumer has nothing left (the
// rest of the range was deleted or filtered out).
bool DurableBinder::replay_drained(natsSubscription* sub) {
  jsErrCode err = static_cast<jsErrCode>(0);
  jsConsumerInfo* ci = nullptr;
  const natsStatus is = natsSubscription_GetConsumerInfo(&ci, sub, nullptr, &err);
  if (is != NATS_OK) {
    ctx_.error_log.warn(
        ctx_.pipeline.now_ms(), "jetstream",
        "re-reading: cannot tell whether the stream has more: " + status_text(is, err));
    return false;
  }
  const bool drained = ci->NumPending == 0 && ci->NumAckPending == 0;
  jsConsumerInfo_Destroy(ci);
  return drained;
}

natsSubscription* DurableBinder::open_replay(const ResumePlan& plan) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = ctx_.config.stream.c_str();
  so.Ordered = true;  // ephemeral, in stream order, no acks: reading leaves no trace
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = plan.replay_from;
  natsSubscription* sub = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&sub, js_, ctx_.subject.c_str(), nullptr, &so, &err);
  if (s != NATS_OK) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "cannot re-read stream " + ctx_.config.stream + ": " + status_text(s, err));
    return nullptr;
  }
  natsSubscription_SetPendingLimits(sub, -1, -1);  // the consumer's flow control bounds it
  return sub;
}

bool DurableBinder::replay_one(natsMsg* msg, std::uint64_t seq, bool hold_rejects) {
  if (held_.contains(seq)) {
    natsMsg_Destroy(msg);  // a curable reject held already (a re-bind): retried from there
    return true;
  }
  // In stream order: the state covers this sequence once applied (resume_point).
  IngestMessage one{
      std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))),
      resume_point(seq, ctx_.ack_floor, held_.oldest()), /*behind=*/true};
  try {
    ctx_.pipeline.handle_batch({&one, 1});
  } catch (...) {
    // Allocation failure only; the durable consumer will not deliver this one again, so
    // stop and re-read from the recorded sequence on the next attempt.
    natsMsg_Destroy(msg);
    return false;
  }
  if (hold_rejects && !one.accepted && curable(one.reason)) {
    held_.hold(msg, seq, 1);
  } else {
    natsMsg_Destroy(msg);
  }
  return true;
}

bool DurableBinder::replay(const ResumePlan& plan, bool hold_rejects) {
  log::info("jetstream", "re-reading stream " + ctx_.config.stream + " sequences " +
                             std::to_string(plan.replay_from) + ".." +
                             std::to_string(plan.replay_to) +
                             " (delivered to the consumer, possibly not in the loaded state)");
  const auto t0 = std::chrono::steady_clock::now();
  natsSubscription* sub = open_replay(plan);
  if (sub == nullptr) return false;
  std::uint64_t count = 0;
  bool done = false;
  natsStatus s = NATS_OK;
  while (!done && !ctx_.stopping()) {
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
    if (!replay_one(msg, seq, hold_rejects)) break;
    ++count;
    ++ctx_.stats.jetstream_replayed;
    done = seq >= plan.replay_to || pending == 0;
  }
  retired_.retire(ctx_.conn, sub);  // unsubscribed (the ephemeral consumer goes), then destroyed
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!done) {
    if (!ctx_.stopping()) {
      log::warn("jetstream", "re-reading stopped after " + std::to_string(count) + " messages (" +
                                 status_text(s, static_cast<jsErrCode>(0)) + "); retrying");
    }
    return false;
  }
  log::info("jetstream",
            "re-read " + std::to_string(count) + " messages in " + std::to_string(secs) + "s");
  return true;
}

}  // namespace orderwatch::ingest::detail
