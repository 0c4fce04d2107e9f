// The ingest room's self-metrics, one struct per component that writes them: NatsSource
// (ConnectionStats), the dead-letter publisher (DeadLetterStats), the JetStream consumer
// (JetStreamStats). IngestStats is their union as scrapes read it (metrics::IngestCollector,
// /readyz), owned by NatsSource, which hands each component a reference to its own part only.
// Lock-free atomics (GapLog: a small mutex around its rare transitions): written by the NATS
// client's callback threads and the consumer threads, read by scrapes.
#pragma once

#include <atomic>
#include <cstdint>

#include "orderwatch/ingest/gaps.h"

namespace orderwatch::ingest {

struct ConnectionStats {
  std::atomic<bool> nats_connected{false};
  std::atomic<std::uint64_t> nats_reconnects{0};
  std::atomic<std::uint64_t> nats_slow_consumer{0};
  std::atomic<std::uint64_t> nats_dropped{0};  // messages the client dropped (slow consumer)
  GapLog gaps;  // core mode only: when events may have been lost (disconnects, drops)
};

// Rejected messages republished on event.dead_letter_subject, and publishes that failed.
struct DeadLetterStats {
  std::atomic<std::uint64_t> dead_lettered{0};
  std::atomic<std::uint64_t> dead_letter_failures{0};
};

// JetStream mode only (exported when nats.jetstream is configured). Lag figures are polled
// from the consumer's info about once a second, not counted per message.
struct JetStreamStats {
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

struct IngestStats : ConnectionStats, DeadLetterStats, JetStreamStats {};

}  // namespace orderwatch::ingest
