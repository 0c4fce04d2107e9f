// JetStream mode of the NATS source: consumes the user's stream through a durable pull
// consumer that outlives the process, so nothing published while the exporter is down or
// restarting is lost.
//
// Owns one consumer thread. The thread binds to the durable consumer (creating it with the
// management API when missing; it is never deleted), first re-reads from the stream what
// the loaded state may lack (see plan_resume), then pulls (two requests of up to kMaxBatch in
// flight, so the server delivers the next batch while we apply this one), decodes and applies
// the messages through the IngestPipeline in batches of what has arrived (one lock acquisition
// per batch) and acknowledges them only after their batch is applied. Poison (undecodable)
// messages are counted as rejected and terminated; rejects a reload or a clock fix could cure
// (dead_letter.h: curable) are retried with a growing delay until their last delivery; a
// terminated message (and a curable one on its last delivery) is republished on
// event.dead_letter_subject when set. Pull statuses are honoured only from the server
// (is_control_message). About once a second, and when a catch-up ends, it polls the consumer's
// info into IngestStats (lag, ack pending).
//
// Acknowledgements. A durable orderwatch creates uses AckAll: one +ACK per applied batch, on its
// last message, acknowledges every message up to that stream sequence (the server spends about
// as much on an explicit ack as on a delivery, so one ack per message halved the catch-up
// rate). That ack is sent only for a run of deliveries without a hole in their consumer
// sequences: deliveries arrive in order on one connection, so a hole means some were lost on the
// way (a reconnect); they are still pending at the server, acknowledging past them would drop
// them, so the consumer re-binds at once instead, which re-reads them from the stream. A batch
// that failed to apply (allocation) is not acknowledged and re-bound the same way. Poison is
// acknowledged with its batch (it is never delivered again, like +TERM). A curable reject cannot
// be NAKed alone (the next batch's ack would acknowledge it), so it is acknowledged with its
// batch and held here (at most max_ack_pending; beyond, dead-lettered): retried on the NAK
// schedule (n x nak_delay after its n-th attempt, counted as NAKs) until its max_deliver-th
// attempt, then dead-lettered. While one is held the resume point stays below it, so a restart
// re-reads it from the stream and holds it again. A durable with explicit acks (created by an
// older orderwatch; a consumer's ack policy cannot be changed in place) keeps working as before:
// each message +ACKed, curable rejects -NAKed with the delay, poison +TERMed.
//
// Resume point. Every applied event records with it (tracking::TrackerService::apply's stream_seq)
// min(its stream sequence, the consumer's ack floor last polled, the oldest held reject's
// sequence - 1). Every message at or below the consumer's ack floor was acknowledged after being
// applied (or held, or dead-lettered), so it is in the state and
// in any snapshot taken later; a message delivered late (a redelivery after a lost fetch)
// can only be acknowledged above the ack floor polled before it. So a snapshot's sequence S
// never claims an acknowledged event it lacks, and re-reading S+1 .. the consumer's last
// delivered sequence from the stream on start restores everything that was acknowledged.
// Re-applied events are duplicates or stale: harmless. This needs the stream to still hold
// S+1 (limits retention, the default, with a max_age longer than the longest outage); a gap
// is logged and counted (orderwatch_jetstream_lost_messages_total).
//
// Thread-safety: start()/stop() from one thread (the owner, NatsSource); the consumer thread
// touches only IngestStats atomics, the service (thread-safe) and the pipeline (which
// serialises itself).
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "orderwatch/ingest/pipeline.h"
#include "orderwatch/ingest/stats.h"
#include "orderwatch/log/log.h"
#include "orderwatch/sla/config.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::ingest {

// What to re-read from the stream before consuming from the durable consumer.
struct ResumePlan {
  std::uint64_t replay_from = 0;  // first stream sequence to re-read; 0 = no replay
  std::uint64_t replay_to = 0;    // last one, inclusive
  // Stream sequences the resume needed that the stream no longer holds (aged out or purged).
  // Counted over sequences, so messages of other subjects in the same range count too.
  std::uint64_t lost = 0;
  // Where a newly created durable consumer starts: 0 = the whole stream, else this sequence.
  std::uint64_t durable_start = 0;
};

// covered: the state's stream sequence (tracking::TrackerService::stream_seq(); 0 = the state holds
// no stream position, e.g. no snapshot: rebuild from everything the stream holds).
// stream_first/stream_last: the stream's state (first > last when empty).
// durable_delivered: the durable consumer's last delivered stream sequence, or nullopt when
// the consumer does not exist yet.
// Stream sequence, delivery count and pending count (the consumer's messages not yet delivered
// after this one: 0 = it is the last one there is) of a pulled message, from its ack subject
// ($JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>, or
// the form with domain and account hash after ACK). False when it is not one.
bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& delivered,
                       std::uint64_t& pending);
// The same, with the consumer sequence (`consumer_seq`: the delivery's number; every delivery,
// a redelivery too, takes the next one).
bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& consumer_seq,
                       std::uint64_t& delivered, std::uint64_t& pending);

ResumePlan plan_resume(std::uint64_t covered, std::uint64_t stream_first, std::uint64_t stream_last,
                       std::optional<std::uint64_t> durable_delivered);

class JetStreamConsumer {
 public:
  // Feeds `pipeline` (and through it the service); `subject` becomes the durable consumer's
  // filter subject.
  JetStreamConsumer(IngestPipeline& pipeline, IngestStats& stats, sla::JetStreamConfig config,
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
  bool bind();  // stream + durable consumer + replay + pull subscription; false: retry later
  bool read_stream(std::uint64_t& first, std::uint64_t& last);
  bool check_durable(std::optional<std::uint64_t>& delivered);
  ResumePlan plan_and_report(std::uint64_t first, std::uint64_t last,
                             std::optional<std::uint64_t> delivered);
  bool create_durable(const ResumePlan& plan);
  bool subscribe_inbox();
  void consume();  // fetch loop until stop or a fatal subscription error
  bool replay(const ResumePlan& plan);
  bool replay_drained(natsSubscription* sub);
  void handle_pending();                // applies and acknowledges pending_ as one batch
  void acknowledge_each(bool applied);  // explicit acks: one +ACK/-NAK/+TERM per message
  void acknowledge_prefix();            // AckAll: one +ACK for the batch (see the header)
  void hold(natsMsg* msg, std::uint64_t seq, std::uint64_t deliveries);
  void retry_held();  // re-applies held curable rejects when due
  // What an event of stream sequence `seq` records as the state's resume point: see the header.
  std::uint64_t resume_seq(std::uint64_t seq) const;
  bool is_control_message(natsMsg* msg) const;  // a pull status from the server
  void nak(const char* reply, std::int64_t delay_ms);
  void dead_letter(natsMsg* msg, events::RejectReason reason);
  void poll_consumer_info();
  void unbind();
  // Sleeps up to `ms` or until stop(); false when stopping.
  bool pause(int ms);
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }

  IngestPipeline& pipeline_;
  tracking::TrackerService& service_;
  IngestStats& stats_;
  const sla::JetStreamConfig config_;
  const std::string subject_;
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
  natsSubscription* sub_ = nullptr;  // core subscription on inbox_, where pulled messages land
  std::string inbox_;
  std::uint64_t ack_floor_ = 0;  // consumer ack floor (stream seq) from the last info poll
  std::int64_t last_poll_ms_ = 0;
  std::uint64_t lost_reported_for_ = UINT64_MAX;  // a retried bind must not count a gap twice
  // The durable's ack policy: AckAll (the durables orderwatch creates) or explicit (older ones).
  bool ack_all_ = false;
  // AckAll: the consumer sequence the next delivery must carry (deliveries arrive in order on
  // one connection); a larger one means deliveries were lost (a reconnect): re-bind.
  std::uint64_t next_consumer_seq_ = 0;
  bool resync_ = false;  // consume() returned to re-bind at once (AckAll, a delivery was lost)
  // AckAll: curable rejects acknowledged with their batch and retried here, by stream sequence.
  struct Held {
    natsMsg* msg = nullptr;
    std::uint64_t deliveries = 0;  // attempts so far
    std::int64_t due_ms = 0;
  };
  std::map<std::uint64_t, Held> held_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  log::RateLimited error_log_{10'000};
  // Received and not yet applied (consume()); applied together, at most kApplyBatch at a time.
  static constexpr std::size_t kApplyBatch = 256;
  std::vector<natsMsg*> pending_;
  // Handled messages, destroyed kSpent at a time (retire()): natsMsg_Destroy hands each to the
  // client library's collector thread and wakes it whenever it sleeps.
  static constexpr std::size_t kSpent = 4096;
  std::vector<natsMsg*> spent_;
  void retire(natsMsg* msg);
  void destroy_spent();
  struct Delivery {
    std::uint64_t seq = 0;           // stream sequence
    std::uint64_t consumer_seq = 0;  // delivery number
    std::uint64_t deliveries = 0;
  };
  std::vector<Delivery> meta_;  // parallel to pending_ once handle_pending parsed it
  std::vector<IngestMessage> batch_;
};

}  // namespace orderwatch::ingest
