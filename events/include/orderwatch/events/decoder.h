// EventDecoder: payload bytes -> Event, per the config's event section.
//
// Owns a reusable padded buffer and a simdjson parser, so decode() does no heap allocation
// in the steady state (the buffer grows, doubling, only for a payload larger than any before).
// Never throws on any input. NOT thread-safe: use one decoder per delivery thread.
// Design (DOM parsing, the steps of decode()): docs/design.md, "events: the event model and
// the decoder".
//
// Field rules: paths are dotted keys from the root object ("data.order.id"; a key containing
// a dot cannot be addressed); with duplicate keys the first one counts. Checks run in this
// order: too_large; malformed (the whole document is validated, also parts no field uses;
// cloudevents: specversion "1.0"); missing_field for the id (absent, not a non-empty string
// or integer; integers are rendered as decimal text; a field under a CloudEvent's `data` is
// absent when `data` is absent or not an object); id_too_long (more than event.max_id_bytes);
// missing_field for the status (absent or not a string) and the time (absent);
// unknown_status (exact, case-sensitive); bad_time (not a string or number, unparsable, at or
// before the Unix epoch, or at least retention.max_age before `now`: the tracker would evict
// it at once); future_time (time > now + max_future_skew; exactly at the limit is accepted).
// Dimensions: strings, numbers (as text) and booleans ("true"/"false") are values; absent,
// null, empty, object or array values leave has_dim false; a value longer than
// event.max_dimension_value_bytes becomes "other", as values past max_values do.
// Milestone deadlines (Event::deadline_ms): each distinct deadline_field is read once, by its
// dotted path from the root like every field (a CloudEvent's: "data.promisedBy"), after the
// checks above pass; an event time in any format the time field accepts (no clock bounds);
// absent or null: not set; anything else (bool, object, array, unparsable, at or before the
// epoch) sets the slot's bad_deadline bit and never rejects the event.
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
  // nullopt; otherwise returns the reason. `now_ms` (Unix ms) is the clock the future-skew and
  // retention checks use.
  std::optional<RejectReason> decode(std::string_view payload, std::int64_t now_ms, Event& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace orderwatch::events
