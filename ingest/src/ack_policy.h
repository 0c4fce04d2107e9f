// AckPolicy: how the JetStream consumer acknowledges a batch once the pipeline has handled it,
// by the durable's ack policy: ExplicitAcks (one +ACK/-NAK/+TERM per message; durables of older
// orderwatch versions) or CumulativeAcks (AckAll: one +ACK per batch; the durables orderwatch
// creates). Called once per batch on the consumer thread (one virtual call per batch). Takes
// every message of the batch: retires it (ConsumerContext::spent) or holds it (HeldRejects).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <memory>
#include <span>

#include "held_rejects.h"
#include "jetstream_util.h"
#include "orderwatch/ingest/pipeline.h"

namespace orderwatch::ingest::detail {

// A batch of pulled messages and what the pipeline made of them (parallel spans).
struct PulledBatch {
  std::span<natsMsg* const> msgs;
  std::span<const Delivery> deliveries;
  std::span<const IngestMessage> results;
};

class AckPolicy {
 public:
  virtual ~AckPolicy() = default;
  // The batch was applied: acknowledge it. False: the consumer must re-bind at once (AckAll:
  // deliveries were lost on the way; acknowledging past them would drop them).
  virtual bool applied(const PulledBatch& batch) = 0;
  // Applying failed (allocation): nothing of it is in the state. False: re-bind (re-reads it).
  virtual bool failed(const PulledBatch& batch) = 0;
  // Whether the start-up re-read must hold curable rejects (AckAll: nothing else retries them).
  virtual bool holds_rejects() const = 0;
};

// ack_all: the durable's policy is AckAll; next_consumer_seq: the consumer sequence the next
// delivery must carry (the durable's last delivered + 1).
std::unique_ptr<AckPolicy> make_ack_policy(bool ack_all, std::uint64_t next_consumer_seq,
                                           ConsumerContext& ctx, HeldRejects& held);

}  // namespace orderwatch::ingest::detail
