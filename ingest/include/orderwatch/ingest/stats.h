// The ingest room's self-metrics, one struct per component that writes them: NatsSource
// (ConnectionStats), the dead-letter publisher (DeadLetterStats), the JetStream consumer
// (JetStreamStats). IngestStats is their union as scrapes read it (metrics::IngestCollector,
// /readyz), owned by NatsSource, which hands each component a reference to its own part only.
// Lock-free atomics (GapLog and ReasonText: a small mutex around their rare writes): written by
// the NATS client's callback threads, the connection thread and the consumer threads, read by
// scrapes and /readyz.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "orderwatch/ingest/gaps.h"

namespace orderwatch::ingest {

// Why a connection attempt failed, as orderwatch_nats_connect_failures_total counts it.
enum class ConnectFailure : std::uint8_t { kAuth, kTls, kRefused, kTimeout, kOther, kCount };
inline constexpr std::size_t kConnectFailures = static_cast<std::size_t>(ConnectFailure::kCount);
// The `reason` label values, by ConnectFailure.
inline constexpr std::array<std::string_view, kConnectFailures> kConnectFailureNames = {
    "auth", "tls", "refused", "timeout", "other"};

// A short text written rarely (a failed connection attempt, a bind) and read by /readyz.
// Thread-safe (a mutex; never on the message path).
class ReasonText {
 public:
  void set(std::string text) {
    std::lock_guard lock(mu_);
    text_ = std::move(text);
  }
  std::string get() const {
    std::lock_guard lock(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

struct ConnectionStats {
  std::atomic<bool> nats_connected{false};
  std::atomic<std::uint64_t> nats_reconnects{0};
  // Failed connection attempts (one per pass over the server list), by ConnectFailure.
  std::array<std::atomic<std::uint64_t>, kConnectFailures> nats_connect_failures{};
  // Why the last attempt failed ("" once connected): /readyz says it while not connected.
  ReasonText nats_connect_error;
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
  std::atomic<bool> jetstream_bound{false};  // replay done and bound to the durable consumer
  std::atomic<bool> jetstream_stream_missing{false};    // the last bind found no such stream
  std::atomic<std::uint64_t> jetstream_pending{0};      // stream messages not yet delivered
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
