// EventDecoder: payload bytes -> Event, per the config's event section.
//
// Owns a reusable padded buffer and a simdjson parser, so decode() does no heap allocation
// in the steady state (the buffer grows, doubling, only for a payload larger than any before).
// Never throws on any input. NOT thread-safe: use one decoder per delivery thread.
//
// Field rules: paths are dotted keys from the root object ("data.order.id"; a key containing
// a dot cannot be addressed); with duplicate keys the first one counts. Checks run in this
// order: too_large, malformed (the whole document is validated, also parts no field uses;
// cloudevents: specversion "1.0" and an object `data` when a field lives under it),
// missing_field (id: non-empty string or integer, rendered as decimal text; status: string;
// time: string or number), unknown_status (exact, case-sensitive), bad_time, future_time
// (time > now + max_future_skew; exactly at the limit is accepted). Dimensions: strings,
// numbers (as text) and booleans ("true"/"false") are values; absent, null, empty, object or
// array values leave has_dim false.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "orderwatch/events/event.h"
#include "orderwatch/events/time.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::events {

class EventDecoder {
 public:
  explicit EventDecoder(const sla::Config& config);
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;

  // Decodes `payload`. On success fills `out` (views valid until the next call) and returns
  // nullopt; otherwise returns the reason. `now_ms` (Unix ms) is used for the future-skew check.
  std::optional<RejectReason> decode(std::string_view payload, std::int64_t now_ms, Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderwatch::events
