// The two ack policies of the JetStream consumer (ack_policy.h): explicit, one verdict per
// message, and AckAll, one +ACK for the longest run of consecutive deliveries. Created by the
// consumer when it binds; called by its pull loop once per applied batch.
#include "ack_policy.h"

#include <string>

namespace orderwatch::ingest::detail {

namespace {

class ExplicitAcks final : public AckPolicy {
 public:
  explicit ExplicitAcks(ConsumerContext& ctx) : ctx_(ctx) {}

  // Not synchronous acks: a lost ack means a harmless redelivery.
  bool applied(const PulledBatch& batch) override {
    for (std::size_t i = 0; i < batch.msgs.size(); ++i) {
      natsMsg* msg = batch.msgs[i];
      const char* reply = natsMsg_GetReply(msg);
      const IngestMessage& r = batch.results[i];
      const std::uint64_t deliveries = batch.deliveries[i].deliveries;
      if (r.accepted) {
        natsConnection_Publish(ctx_.conn, reply, "+ACK", 4);
      } else if (curable(r.reason) &&
                 static_cast<std::int64_t>(deliveries) < ctx_.config.max_deliver) {
        // A reload (a new status, a larger limit) or a corrected clock may make it an event:
        // redeliver later; dead-lettered only on its last delivery.
        ctx_.nak(reply, nak_delay_ms(ctx_.config.nak_delay.count(), deliveries));
        ++ctx_.stats.jetstream_nacked;
      } else {
        ctx_.dead_letters.publish(ctx_.conn, msg, r.reason);
        natsConnection_Publish(ctx_.conn, reply, "+TERM", 5);  // never again
        ++ctx_.stats.jetstream_terminated;
      }
      ctx_.spent.retire(msg);
    }
    return true;
  }

  bool failed(const PulledBatch& batch) override {
    for (natsMsg* msg : batch.msgs) {
      ctx_.nak(natsMsg_GetReply(msg), kNakDelayMs);
      ctx_.spent.retire(msg);
    }
    return true;
  }

  bool holds_rejects() const override { return false; }

 private:
  ConsumerContext& ctx_;
};

// AckAll: the +ACK of a message acknowledges every message of the consumer up to its stream
// sequence, so it is sent for the last message of the longest run of consecutive deliveries
// (consumer sequences without a hole) that is handled: applied, terminated (dead-lettered) or
// held. A hole means deliveries were lost on the way (a reconnect): they are pending at the
// server and acknowledging past them would drop them, so nothing after the hole is
// acknowledged and the consumer re-binds, re-reading from the state's resume point.
class CumulativeAcks final : public AckPolicy {
 public:
  CumulativeAcks(std::uint64_t next_consumer_seq, ConsumerContext& ctx, HeldRejects& held)
      : next_consumer_seq_(next_consumer_seq), ctx_(ctx), held_(held) {}

  bool applied(const PulledBatch& batch) override {
    natsMsg* last = nullptr;  // the message whose +ACK covers the run
    std::size_t i = 0;
    for (; i < batch.msgs.size(); ++i) {
      natsMsg* msg = batch.msgs[i];
      const Delivery& d = batch.deliveries[i];
      if (next_consumer_seq_ != 0 && d.consumer_seq > next_consumer_seq_) {
        report_hole(d.consumer_seq);
        break;
      }
      // A smaller one: the server went back (a new consumer leader re-delivering what we saw).
      next_consumer_seq_ = d.consumer_seq + 1;
      if (last != nullptr) ctx_.spent.retire(last);
      last = msg;
      const IngestMessage& r = batch.results[i];
      if (r.accepted) continue;
      if (curable(r.reason) && static_cast<std::int64_t>(d.deliveries) < ctx_.config.max_deliver &&
          held_.has_room(d.seq)) {
        // The last of the batch: its +ACK covers the run (before hold(), which may free it).
        if (i + 1 == batch.msgs.size()) ack(msg);
        held_.hold(msg, d.seq, d.deliveries);
        last = nullptr;  // owned by the store now; a later +ACK covers it
      } else {
        ctx_.dead_letters.publish(ctx_.conn, msg, r.reason);  // acknowledged with the run
        ++ctx_.stats.jetstream_terminated;
      }
    }
    if (last != nullptr) {
      ack(last);
      ctx_.spent.retire(last);
    }
    const bool whole = i == batch.msgs.size();
    for (; i < batch.msgs.size(); ++i) ctx_.spent.retire(batch.msgs[i]);  // after a hole
    return whole;
  }

  // Acknowledging anything later would acknowledge these too: re-bind, which re-reads them.
  bool failed(const PulledBatch& batch) override {
    for (natsMsg* msg : batch.msgs) natsMsg_Destroy(msg);
    return false;
  }

  bool holds_rejects() const override { return true; }

 private:
  void ack(natsMsg* msg) { natsConnection_Publish(ctx_.conn, natsMsg_GetReply(msg), "+ACK", 4); }

  void report_hole(std::uint64_t consumer_seq) {
    ctx_.error_log.warn(ctx_.pipeline.now_ms(), "jetstream",
                        "deliveries " + std::to_string(next_consumer_seq_) + ".." +
                            std::to_string(consumer_seq - 1) + " of consumer " +
                            ctx_.config.durable +
                            " were lost on the way; re-binding (re-reads them)");
  }

  // The consumer sequence the next delivery must carry (deliveries arrive in order on one
  // connection); a larger one means deliveries were lost (a reconnect).
  std::uint64_t next_consumer_seq_;
  ConsumerContext& ctx_;
  HeldRejects& held_;
};

}  // namespace

std::unique_ptr<AckPolicy> make_ack_policy(bool ack_all, std::uint64_t next_consumer_seq,
                                           ConsumerContext& ctx, HeldRejects& held) {
  if (ack_all) return std::make_unique<CumulativeAcks>(next_consumer_seq, ctx, held);
  return std::make_unique<ExplicitAcks>(ctx);
}

}  // namespace orderwatch::ingest::detail
