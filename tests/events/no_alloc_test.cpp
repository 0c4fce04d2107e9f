// Checks the decoder's promise of no heap allocation per event in the steady state, by
// counting calls to the global operator new while decoding (its own executable, so the
// replaced operator new affects nothing else).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "orderwatch/events/decoder.h"
#include "orderwatch/sla/loader.h"

namespace {
std::atomic<std::size_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that our operator new is malloc underneath and warns about free() here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace orderwatch::events {
namespace {

TEST(DecoderAllocation, SteadyStateDecodesDoNotAllocate) {
  const auto cfg = sla::load_string(
      "version: 1\nservice: shop\nnats: {subject: o.>}\n"
      "event:\n"
      "  dimensions: [{field: region, max_values: 5}, {field: meta.channel, max_values: 5}]\n"
      "statuses: [{name: Placed, sla: 15m}, {name: Shipped, sla: 1h}, "
      "{name: Delivered, terminal: true}]\n"
      "milestones: [{name: promise, from: [Placed], until: [Shipped], deadline_field: "
      "promise.by}]\n");
  const std::vector<std::string> payloads = {
      R"({"orderId":"ord-8f3a2c91","status":"Placed","timestamp":"2024-05-01T12:00:00.123Z","region":"eu-west","meta":{"channel":"web"},"promise":{"by":"2024-05-02T12:00:00Z"}})",
      R"({"orderId":12345,"status":"Shipped","timestamp":1714564800123,"region":7,"promise":{"by":"x"}})",
      R"({"orderId":"a\u00e9","status":"Delivered","timestamp":"1714564800.5","meta":{"channel":true}})",
      R"({"orderId":"x","status":"Nope","timestamp":1714564800})",
      R"({"orderId":"x","status":"Placed","timestamp":"soon"})",
      R"({"orderId":"x",)",
  };
  EventDecoder decoder(cfg);
  Event ev;
  const std::int64_t now = 1714564800000 + 60'000;
  for (const auto& p : payloads) (void)decoder.decode(p, now, ev);  // warm-up
  const auto before = g_allocations.load();
  std::size_t accepted = 0;
  for (int round = 0; round < 1000; ++round) {
    for (const auto& p : payloads) accepted += !decoder.decode(p, now, ev).has_value();
  }
  EXPECT_EQ(g_allocations.load() - before, 0u);
  EXPECT_EQ(accepted, 3000u);
}

}  // namespace
}  // namespace orderwatch::events
