// DurableBinder: binding the JetStream consumer to its durable. Reads the stream, checks (or
// updates, or creates) the durable, plans and runs the start-up re-read (plan_resume), and
// subscribes the inbox pulled messages land on; reads the consumer's info (ack floor, lag) for
// the pull loop. States a missing stream (JetStreamStats::jetstream_stream_missing). Owns the
// JetStream context and the inbox subscription. Consumer thread only; the re-read applies through
// the pipeline as batches of one (it runs once per bind).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <optional>
#include <string>

#include "held_rejects.h"
#include "jetstream_util.h"
#include "orderwatch/ingest/jetstream.h"
#include "subscriptions.h"

namespace orderwatch::ingest::detail {

// What a bind found out about the durable.
struct Binding {
  bool ack_all = false;                 // AckAll (created by orderwatch) or explicit acks (older)
  std::uint64_t next_consumer_seq = 0;  // the durable's last delivered consumer sequence + 1
};

class DurableBinder {
 public:
  DurableBinder(ConsumerContext& ctx, HeldRejects& held) : ctx_(ctx), held_(held) {}
  ~DurableBinder();
  DurableBinder(const DurableBinder&) = delete;
  DurableBinder& operator=(const DurableBinder&) = delete;

  // Stream + durable + re-read + inbox subscription; false: not bound (retry later).
  bool bind(Binding& out);
  // Drops the inbox subscription (the durable itself is never deleted): unsubscribed, one round
  // trip (acks and NAKs sent before it go out), destroyed (subscriptions.h: why not at once).
  void unbind();
  // unbind() and the JetStream context released (the consumer thread ends). A subscription
  // retired while disconnected is destroyed with this object, after the connection closed.
  void close();
  // Reads the consumer's ack floor (into the context) and lag (into the stats). False when the
  // durable or its stream is gone (deleted under us): re-bind.
  bool poll_info();
  std::int64_t last_poll_ms() const { return last_poll_ms_; }
  natsSubscription* inbox_subscription() const { return sub_; }
  const std::string& inbox() const { return inbox_; }

 private:
  bool read_stream(std::uint64_t& first, std::uint64_t& last);
  bool check_durable(std::optional<std::uint64_t>& delivered, Binding& out);
  void update_durable(const jsConsumerConfig& cc);
  ResumePlan plan_and_report(std::uint64_t first, std::uint64_t last,
                             std::optional<std::uint64_t> delivered);
  bool create_durable(const ResumePlan& plan, Binding& out);
  bool subscribe_inbox();
  // The start-up re-read (jetstream_replay.cpp).
  bool replay(const ResumePlan& plan, bool hold_rejects);
  natsSubscription* open_replay(const ResumePlan& plan);
  bool replay_drained(natsSubscription* sub);
  // Applies (or holds) one re-read message and takes it; false when applying failed.
  bool replay_one(natsMsg* msg, std::uint64_t seq, bool hold_rejects);

  ConsumerContext& ctx_;
  HeldRejects& held_;
  jsCtx* js_ = nullptr;
  natsSubscription* sub_ = nullptr;  // core subscription on inbox_, where pulled messages land
  RetiredSubscriptions retired_;     // the inbox and re-read subscriptions, once done
  std::string inbox_;
  std::int64_t last_poll_ms_ = 0;
  std::uint64_t lost_reported_for_ = UINT64_MAX;  // a retried bind must not count a gap twice
  std::int64_t missing_logged_ms_ = 0;  // "stream does not exist" last logged (0: not missing)
};

}  // namespace orderwatch::ingest::detail
