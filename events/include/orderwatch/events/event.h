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

struct Event {
  std::string_view id;       // order id, non-empty
  std::uint8_t status = 0;   // index into Config::statuses
  std::int64_t time_ms = 0;  // event time, Unix epoch milliseconds
  // dims[i] is the value of Config::event.dimensions[i]; has_dim[i] false when absent.
  std::array<std::string_view, kMaxDimensions> dims{};
  std::array<bool, kMaxDimensions> has_dim{};
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
  kCount
};

// Every name is exported with 0 from start-up; counters and arrays are sized by kCount.
inline constexpr std::array<std::string_view, static_cast<std::size_t>(RejectReason::kCount)>
    kRejectReasonNames = {"malformed",   "missing_field", "unknown_status", "bad_time",
                          "future_time", "too_large",     "id_too_long"};

inline std::string_view to_string(RejectReason r) {
  return kRejectReasonNames[static_cast<std::size_t>(r)];
}

}  // namespace orderwatch::events
