// Fuzz target for EventDecoder and parse_time_text. Built two ways (tests/fuzz/CMakeLists.txt):
// with ORDERWATCH_FUZZ=ON under clang it links libFuzzer; otherwise replay_main.cpp replays the
// committed corpus so the target runs in every ctest and never rots (simdjson's approach).
//
// Besides "no crash, no sanitizer report", it checks the decoder's promises on every input:
// an accepted event has a non-empty id within max_id_bytes, a configured status, a time
// within retention and not past the skew limit, dimension values within their byte bound
// with flags consistent with them, and milestone deadlines either set (an event time) or bad.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "orderwatch/events/decoder.h"
#include "orderwatch/sla/loader.h"

namespace {

using orderwatch::events::Event;
using orderwatch::events::EventDecoder;

constexpr std::int64_t kNow = 1714564800000;  // 2024-05-01T12:00:00Z

const char* const kStatuses =
    "statuses:\n"
    "  - {name: Placed, sla: 15m}\n"
    "  - {name: Authorized, sla: 1h}\n"
    "  - {name: Shipped, sla: 48h}\n"
    "  - {name: Delivered, terminal: true}\n"
    "milestones:\n"
    "  - {name: promise, from: [Placed], until: [Delivered], deadline_field: promisedBy}\n"
    "  - {name: shipped, from: [Placed], until: [Shipped], deadline_field: promisedBy}\n"
    "  - {name: ce_promise, from: [Placed], until: [Shipped], deadline_field: data.promisedBy}\n";

struct Target {
  orderwatch::sla::Config config;
  EventDecoder decoder;
  explicit Target(const std::string& event_yaml)
      : config(orderwatch::sla::load_string("version: 1\nservice: fuzz\nnats: {subject: o.>}\n" +
                                            event_yaml + kStatuses)),
        decoder(config) {}
};

void check(bool ok) {
  if (!ok) std::abort();
}

void run(Target& t, std::string_view payload) {
  Event ev;
  if (t.decoder.decode(payload, kNow, ev)) return;
  check(!ev.id.empty() && ev.id.size() <= t.config.event.max_id_bytes);
  check(ev.status < t.config.statuses.size());
  check(ev.time_ms > kNow - t.config.retention.max_age.count() &&
        ev.time_ms <= kNow + t.config.event.max_future_skew.count());
  for (std::size_t i = 0; i < orderwatch::events::kMaxDimensions; ++i) {
    check(ev.has_dim[i] == !ev.dims[i].empty());
    check(ev.dims[i].size() <= t.config.event.max_dimension_value_bytes);
    if (i >= t.config.event.dimensions.size()) check(!ev.has_dim[i]);
  }
  // Two deadline slots (promisedBy, data.promisedBy): a slot is set or bad, never both; a set
  // one is an event time.
  check((ev.has_deadline & ev.bad_deadline) == 0);
  check(((ev.has_deadline | ev.bad_deadline) & ~0b11u) == 0);
  for (std::size_t k = 0; k < 2; ++k) {
    if (ev.has_deadline_in(k))
      check(ev.deadline_ms[k] > 0 && ev.deadline_ms[k] <= orderwatch::events::kMaxEventTimeMs);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Target plain(
      "event:\n"
      "  max_payload_bytes: 4096\n"
      "  max_id_bytes: 16\n"
      "  max_dimension_value_bytes: 8\n"
      "  dimensions: [{field: region, max_values: 5}, {field: meta.channel, max_values: 5}]\n");
  static Target nested(
      "event:\n"
      "  format: cloudevents\n"
      "  id_field: data.order.id\n"
      "  dimensions: [{field: data.region, max_values: 5}]\n");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  run(plain, input);
  run(nested, input);
  if (auto t = orderwatch::events::parse_time_text(input)) {
    check(*t >= 0 && *t <= orderwatch::events::kMaxEventTimeMs);
  }
  return 0;
}
