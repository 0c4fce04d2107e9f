// What the JetStream consumer's parts (pull loop, ack policies, held rejects, binder) share:
// constants, the consumer context and a pulled message's delivery facts. Private to ingest/src.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "batching.h"
#include "dead_letter.h"
#include "orderwatch/ingest/pipeline.h"
#include "orderwatch/ingest/stats.h"
#include "orderwatch/log/log.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::ingest::detail {

inline constexpr int kFetchWaitMs = 500;  // a stop is noticed within this
inline constexpr int kMaxBatch = 4096;    // messages per fetch, also bounded by max_ack_pending
inline constexpr int kInfoPollMs = 1000;  // lag and ack floor refresh
inline constexpr int kRetryMs = 2000;     // between attempts to bind while the stream is missing
inline constexpr std::int64_t kNakDelayMs = 1000;

inline std::int64_t to_ns(sla::Duration d) {
  return static_cast<std::int64_t>(d.count()) * 1'000'000;
}

inline std::string status_text(natsStatus s, jsErrCode err) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') text += std::string(" (") + last + ")";
  if (err != 0) text += " [JetStream error " + std::to_string(static_cast<int>(err)) + "]";
  return text;
}

// A pulled message's facts from its ack subject (parse_ack_subject).
struct Delivery {
  std::uint64_t seq = 0;           // stream sequence
  std::uint64_t consumer_seq = 0;  // delivery number
  std::uint64_t deliveries = 0;
};

// What the consumer's parts share. Owned by the JetStreamConsumer and used on its thread only
// (`stop` is set by the owner's thread). The pipeline is the consumer's one way to the service.
struct ConsumerContext {
  ConsumerContext(IngestPipeline& p, JetStreamStats& s, DeadLetterStats& dead_letter_stats,
                  sla::JetStreamConfig c, std::string subj)
      : pipeline(p),
        stats(s),
        config(std::move(c)),
        subject(std::move(subj)),
        dead_letters(p, dead_letter_stats, "jetstream") {}

  IngestPipeline& pipeline;
  JetStreamStats& stats;
  const sla::JetStreamConfig config;
  const std::string subject;  // the durable consumer's filter subject
  natsConnection* conn = nullptr;
  DeadLetterPublisher dead_letters;
  SpentMessages spent;          // handled messages, destroyed in bulk
  std::uint64_t ack_floor = 0;  // consumer ack floor (stream seq) from the last info read
  std::atomic<bool> stop{false};
  log::RateLimited error_log{10'000};

  bool stopping() const { return stop.load(std::memory_order_relaxed); }
  void nak(const char* reply, std::int64_t delay_ms) const {
    const std::string nak = "-NAK {\"delay\":" + std::to_string(delay_ms * 1'000'000LL) + "}";
    natsConnection_PublishString(conn, reply, nak.c_str());
  }
};

}  // namespace orderwatch::ingest::detail
