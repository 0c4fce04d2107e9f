// IngestStats: the self-metrics of the ingest room (NATS connection, core subscription,
// JetStream consumer, decode -> apply). Lock-free atomics written by the NATS client's
// callback threads and the JetStream consumer thread, read by scrapes
// (metrics::IngestCollector). Owned by NatsSource.
#pragma once

#include <atomic>
#include <cstdint>

namespace orderwatch::ingest {

struct IngestStats {
  std::atomic<bool> nats_connected{false};
  std::atomic<std::uint64_t> nats_reconnects{0};
  std::atomic<std::uint64_t> nats_slow_consumer{0};
  std::atomic<std::uint64_t> nats_dropped{0};  // messages the client dropped (slow consumer)
  // Rejected messages republished on event.dead_letter_subject, and publishes that failed.
  std::atomic<std::uint64_t> dead_lettered{0};
  std::atomic<std::uint64_t> dead_letter_failures{0};
  // JetStream mode only (exported when nats.jetstream is configured). Lag figures are polled
  // from the consumer's info about once a second, not counted per message.
  std::atomic<bool> jetstream_bound{false};         // replay done and bound to the durable consumer
  std::atomic<std::uint64_t> jetstream_pending{0};  // stream messages not yet delivered
  std::atomic<std::uint64_t> jetstream_ack_pending{0};  // delivered, not yet acknowledged
  std::atomic<std::uint64_t> jetstream_redelivered{0};  // messages received with NumDelivered > 1
  std::atomic<std::uint64_t> jetstream_terminated{0};  // poison messages terminated (never retried)
  // Rejects a reload or a clock fix could cure, NAKed to be redelivered later.
  std::atomic<std::uint64_t> jetstream_nacked{0};
  std::atomic<std::uint64_t> jetstream_replayed{0};  // messages re-read from the stream on start
  std::atomic<std::uint64_t> jetstream_lost{0};      // re-read needed, no longer in the stream
};

}  // namespace orderwatch::ingest
