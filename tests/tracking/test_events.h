// Test helper for the tracking tests: a decoded event built by hand. An empty region or
// channel is an absent dimension field (dimension 0 and 1 of the test configs).
#pragma once

#include <cstdint>
#include <string_view>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking::test {

inline Event event(std::string_view id, std::uint8_t status, std::int64_t t,
                   std::string_view region = "", std::string_view channel = "") {
  Event e;
  e.id = id;
  e.status = status;
  e.time_ms = t;
  if (!region.empty()) {
    e.dims[0] = region;
    e.has_dim[0] = true;
  }
  if (!channel.empty()) {
    e.dims[1] = channel;
    e.has_dim[1] = true;
  }
  return e;
}

// An event carrying an order's promise (deadline slot 0, a deadline_field milestone's) when
// `promise` is not 0.
inline Event promised(std::string_view id, std::uint8_t status, std::int64_t t,
                      std::int64_t promise) {
  Event e = event(id, status, t);
  if (promise != 0) {
    e.deadline_ms[0] = promise;
    e.has_deadline = 1;
  }
  return e;
}

}  // namespace orderwatch::tracking::test
