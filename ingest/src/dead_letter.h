// Rejected messages: the JetStream verdict (curable or not, the NAK schedule) and their
// republishing on event.dead_letter_subject (DeadLetterPublisher), shared by the core
// subscription (NatsSource) and the JetStream consumer. Thread-safe (the NATS connection is;
// the counters are atomics; the log is rate-limited per publisher).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "orderwatch/events/event.h"
#include "orderwatch/ingest/pipeline.h"
#include "orderwatch/ingest/stats.h"
#include "orderwatch/log/log.h"

namespace orderwatch::ingest::detail {

inline constexpr const char* kRejectReasonHeader = "Orderwatch-Reject-Reason";
inline constexpr const char* kOriginalSubjectHeader = "Orderwatch-Original-Subject";

// Whether a reject could be cured by a config change (a new status, a larger limit) or a clock
// fix, so that JetStream should redeliver it later rather than terminate it.
bool curable(events::RejectReason reason);

// Republishes `original` (payload and headers unchanged) on `subject` with the reject reason
// and the original subject as headers. Returns false when the publish failed.
bool publish_dead_letter(natsConnection* conn, const std::string& subject, natsMsg* original,
                         events::RejectReason reason);

// The NAK delay of a curable reject on its n-th delivery: n × base, at most 5 min (base 10 s
// and max_deliver 5: 10 + 20 + 30 + 40 s, about 100 s for a fix to land).
std::int64_t nak_delay_ms(std::int64_t base_ms, std::uint64_t deliveries);

// Republishes rejected messages on the current config's event.dead_letter_subject (nothing
// when it is empty), counting them in DeadLetterStats; a failure is counted and logged under
// `component`. References the pipeline (config, clock) and the stats, which outlive it.
class DeadLetterPublisher {
 public:
  DeadLetterPublisher(IngestPipeline& pipeline, DeadLetterStats& stats, const char* component)
      : pipeline_(pipeline), stats_(stats), component_(component) {}
  void publish(natsConnection* conn, natsMsg* msg, events::RejectReason reason);

 private:
  IngestPipeline& pipeline_;
  DeadLetterStats& stats_;
  const char* component_;
  log::RateLimited log_{10'000};
};

}  // namespace orderwatch::ingest::detail
