// Dead-letter publishing and the JetStream verdict for rejected messages, shared by the core
// subscription and the JetStream consumer. Stateless; thread-safe (the NATS connection is).
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "orderwatch/events/event.h"

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

}  // namespace orderwatch::ingest::detail
