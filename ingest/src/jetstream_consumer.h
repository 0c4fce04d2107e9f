// JetStreamConsumer: JetStream mode's consumer thread and its pull loop (docs/design.md,
// "ingest: from NATS to the pipeline"). Its parts, one job each: DurableBinder (bind, the
// start-up re-read, consumer info), an AckPolicy (explicit or AckAll, chosen at each bind),
// HeldRejects (AckAll's curable rejects), all sharing one ConsumerContext. Talks to the service
// only through the IngestPipeline; writes only JetStreamStats and (dead letters) DeadLetterStats.
// Ownership: owned by NatsSource, which keeps the connection, pipeline and stats alive longer.
// Threading: start()/stop() from the owner's thread; everything else on the consumer thread.
// Cost: per batch of up to kApplyBatch messages, one pipeline call and one ack-policy call.
#pragma once

#include <nats/nats.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ack_policy.h"
#include "held_rejects.h"
#include "jetstream_bind.h"
#include "jetstream_util.h"

namespace orderwatch::ingest {

class JetStreamConsumer {
 public:
  // Feeds `pipeline`; `subject` becomes the durable consumer's filter subject.
  JetStreamConsumer(IngestPipeline& pipeline, JetStreamStats& stats,
                    DeadLetterStats& dead_letter_stats, sla::JetStreamConfig config,
                    std::string subject);
  ~JetStreamConsumer();
  JetStreamConsumer(const JetStreamConsumer&) = delete;
  JetStreamConsumer& operator=(const JetStreamConsumer&) = delete;

  void start(natsConnection* conn);
  // Stops fetching; messages fetched and not yet applied are NAKed (redelivered at once to the
  // next run). Returns when the thread has exited. Idempotent.
  void stop();

 private:
  void run();
  void consume();  // the pull loop, until stop, a re-bind or a fatal subscription error
  // The pull loop's steps; `outstanding`: messages asked for and not delivered or given up yet.
  void request_more(const std::string& next_subject, const std::string& request, std::int64_t batch,
                    std::int64_t& outstanding);
  void queue_ran_dry(std::int64_t outstanding);
  bool on_status(natsMsg* msg, std::int64_t& outstanding);  // false: re-bind
  void nak_unapplied();
  void handle_pending();                        // applies and acknowledges pending_ as one batch
  bool is_control_message(natsMsg* msg) const;  // a pull status from the server
  void unbind();
  // Sleeps up to `ms` or until stop(); false when stopping.
  bool pause(int ms);

  detail::ConsumerContext ctx_;
  detail::HeldRejects held_{ctx_};
  detail::DurableBinder binder_{ctx_, held_};
  std::unique_ptr<detail::AckPolicy> acks_;  // chosen by each bind
  bool resync_ = false;  // consume() returned to re-bind at once (a delivery was lost)
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  // Received and not yet applied (consume()); applied together, at most kApplyBatch at a time.
  static constexpr std::size_t kApplyBatch = 256;
  std::vector<natsMsg*> pending_;
  std::vector<detail::Delivery> meta_;  // parallel to pending_ once handle_pending parsed it
  std::vector<IngestMessage> batch_;
};

}  // namespace orderwatch::ingest
