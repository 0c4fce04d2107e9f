// TrackerService: the thread-safe face of the order state. NATS delivery threads apply
// decoded events; HTTP scrape threads take snapshots; a ticker advances the deadline index.
// One mutex guards the OrderTracker; each call holds it only for the O(1) apply or the
// O(series) snapshot, so scrapes never wait on order counts.
//
// SelfStats are lock-free atomics written by the NATS callbacks and read by scrapes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "orderwatch/exporter/tracker.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::exporter {

// Wall clock in Unix ms; injectable for tests.
using Clock = std::function<std::int64_t()>;
std::int64_t system_now_ms();

struct SelfStats {
  std::atomic<bool> nats_connected{false};
  std::atomic<std::uint64_t> nats_reconnects{0};
  std::atomic<std::uint64_t> nats_slow_consumer{0};
  std::atomic<std::uint64_t> nats_dropped{0};  // messages the client dropped (slow consumer)
  std::atomic<bool> config_reload_ok{true};
  std::atomic<std::int64_t> config_reload_success_ms{0};
  // JetStream mode only (exported when nats.jetstream is configured). Lag figures are polled
  // from the consumer's info about once a second, not counted per message.
  std::atomic<bool> jetstream_bound{false};         // replay done and bound to the durable consumer
  std::atomic<std::uint64_t> jetstream_pending{0};  // stream messages not yet delivered
  std::atomic<std::uint64_t> jetstream_ack_pending{0};  // delivered, not yet acknowledged
  std::atomic<std::uint64_t> jetstream_redelivered{0};  // messages received with NumDelivered > 1
  std::atomic<std::uint64_t> jetstream_terminated{0};  // poison messages terminated (never retried)
  std::atomic<std::uint64_t> jetstream_replayed{0};    // messages re-read from the stream on start
  std::atomic<std::uint64_t> jetstream_lost{
      0};  // messages a resume needed the stream no longer had
};

class TrackerService {
 public:
  TrackerService(const sla::Config& config, Clock clock);

  const sla::Config& config() const { return config_; }
  std::int64_t now_ms() const { return clock_(); }
  SelfStats& stats() { return stats_; }

  // now_ms: the wall clock the caller read once for this event (decode used it too).
  ApplyResult apply(const Event& event, std::int64_t now_ms);
  // Interface agreed with the snapshot work (notes/interface-5.md), which owns these: applies
  // and records `stream_seq` under one lock, so a snapshot never records a sequence whose
  // event it lacks. stream_seq() is where a JetStream resume starts (after it).
  ApplyResult apply(const Event& event, std::int64_t now_ms, std::uint64_t stream_seq);
  void set_stream_seq(std::uint64_t seq);
  std::uint64_t stream_seq();
  void reject(RejectReason reason, std::int64_t now_ms);
  void tick();
  // Ticks to now, then copies every count.
  void snapshot(TrackerSnapshot& out);
  std::size_t tracked();
  void reserve(std::size_t orders);

 private:
  const sla::Config config_;
  Clock clock_;
  std::mutex mu_;
  OrderTracker tracker_;
  std::uint64_t stream_seq_ = 0;  // guarded by mu_
  SelfStats stats_;
};

}  // namespace orderwatch::exporter
