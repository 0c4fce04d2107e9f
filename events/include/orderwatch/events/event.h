// A decoded order-status event and the reasons an event can be rejected.
// Plain value types; an Event's string_views point into the decoder's buffer and are valid
// until the decoder's next decode() call.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "orderwatch/sla/config.h"

namespace orderwatch::events {

using sla::kMaxDimensions;
using sla::kMaxMilestoneDeadlines;

struct Event {
  std::string_view id;       // order id, non-empty
  std::uint8_t status = 0;   // index into Config::statuses
  std::int64_t time_ms = 0;  // event time, Unix epoch milliseconds
  // dims[i] is the value of Config::event.dimensions[i]; has_dim[i] false when absent.
  std::array<std::string_view, kMaxDimensions> dims{};
  std::array<bool, kMaxDimensions> has_dim{};
  // The milestones' deadline fields: deadline_ms[k] is the event time in the field of deadline
  // slot k (sla::Milestone::deadline_slot; milestones with the same deadline_field share it),
  // Unix ms, valid when bit k of has_deadline is set. Bit k of bad_deadline: the field is
  // there but not an event time -- the event is still valid and applied; the ingest pipeline
  // counts one kBadDeadline reject for it. Absent or null fields set neither bit.
  std::array<std::int64_t, kMaxMilestoneDeadlines> deadline_ms{};
  std::uint8_t has_deadline = 0;
  std::uint8_t bad_deadline = 0;

  bool has_deadline_in(std::size_t slot) const { return ((has_deadline >> slot) & 1u) != 0; }
};

// Why an event was rejected; each is a value of order_events_rejected_total{reason}.
enum class RejectReason : std::uint8_t {
  kMalformed,      // not JSON / not an object / not a CloudEvent
  kMissingField,   // id, status or time absent (id or status of the wrong JSON type / empty)
  kUnknownStatus,  // status not in the config
  kBadTime,        // not a string or number, unparsable, or older than retention.max_age
  kFutureTime,     // further ahead than event.max_future_skew
  kTooLarge,       // payload over event.max_payload_bytes (never parsed)
  kIdTooLong,      // order id longer than event.max_id_bytes
  // A milestone's deadline_field is there but not an event time. Unlike the others it does not
  // reject the event: the event is applied (without that deadline) and this is counted too.
  kBadDeadline,
  kCount
};

// Every name is exported with 0 from start-up; counters and arrays are sized by kCount.
inline constexpr std::array<std::string_view, static_cast<std::size_t>(RejectReason::kCount)>
    kRejectReasonNames = {"malformed",   "missing_field", "unknown_status", "bad_time",
                          "future_time", "too_large",     "id_too_long",    "bad_deadline"};

inline std::string_view to_string(RejectReason r) {
  return kRejectReasonNames[static_cast<std::size_t>(r)];
}

}  // namespace orderwatch::events
