// Decode throughput of EventDecoder on realistic ~120-byte JSON events, with baselines
// measured in the same run on the same payloads:
//   - BM_Memcpy: copying the payload (the floor any decoder pays),
//   - BM_SimdjsonDomParseOnly: the simdjson parse alone (the decoder's lookup overhead is the
//     difference to BM_EventDecoder),
//   - BM_NlohmannParseAndAccess: nlohmann::json::parse + reading the same fields, what a
//     straightforward implementation would do.
// Target (issue 2, point 9): >= 2,000,000 events/s on one core. Run a Release/RelWithDebInfo
// build:  build/bench/decode_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "orderwatch/events/decoder.h"
#include "orderwatch/sla/loader.h"

namespace {

using orderwatch::events::Event;
using orderwatch::events::EventDecoder;

constexpr std::int64_t kNow = 1714564800000 + 86'400'000;  // a day after the first event

const orderwatch::sla::Config& config() {
  static const auto cfg = orderwatch::sla::load_string(
      "version: 1\nservice: bench\nnats: {subject: orders.>}\n"
      "event:\n"
      "  dimensions: [{field: region, max_values: 20}, {field: channel, max_values: 5}]\n"
      "statuses:\n"
      "  - {name: Placed, sla: 15m}\n"
      "  - {name: Authorized, sla: 1h}\n"
      "  - {name: Shipped, sla: 48h}\n"
      "  - {name: Delivered, terminal: true}\n"
      "  - {name: Cancelled, terminal: true}\n");
  return cfg;
}

// 4096 distinct events (more than fit in L1, like a real stream): random ids, the status walk,
// RFC 3339 times with milliseconds, region/channel dimensions.
const std::vector<std::string>& payloads() {
  static const std::vector<std::string> out = [] {
    std::mt19937_64 rng(42);
    const char* statuses[] = {"Placed", "Authorized", "Shipped", "Delivered", "Cancelled"};
    const char* regions[] = {"eu-west", "us-east", "ap-south", "eu-central", "us-west"};
    const char* channels[] = {"web", "app", "pos", "api"};
    std::vector<std::string> v;
    for (int i = 0; i < 4096; ++i) {
      const std::int64_t t = 1714564800000 + static_cast<std::int64_t>(rng() % 86'400'000);
      const std::int64_t secs = t / 1000;
      char buf[256];
      std::snprintf(
          buf, sizeof buf,
          R"({"orderId":"ord-%08x","status":"%s","timestamp":"2024-05-01T%02d:%02d:%02d.%03dZ","region":"%s","channel":"%s"})",
          static_cast<unsigned>(rng()), statuses[rng() % 5], static_cast<int>(secs / 3600 % 24),
          static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), static_cast<int>(t % 1000),
          regions[rng() % 5], channels[rng() % 4]);
      v.emplace_back(buf);
    }
    return v;
  }();
  return out;
}

void set_counters(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["bytes_per_event"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

void BM_EventDecoder(benchmark::State& state) {
  const auto& p = payloads();
  EventDecoder decoder(config());
  Event ev;
  std::size_t i = 0, bytes = 0, rejected = 0;
  for (auto _ : state) {
    const auto& s = p[i++ & 4095];
    bytes += s.size();
    auto r = decoder.decode(s, kNow, ev);
    rejected += r.has_value();
    benchmark::DoNotOptimize(ev);
  }
  if (rejected) state.SkipWithError("benchmark payload rejected");
  set_counters(state, bytes);
}
BENCHMARK(BM_EventDecoder);

void BM_SimdjsonDomParseOnly(benchmark::State& state) {
  const auto& p = payloads();
  std::vector<simdjson::padded_string> padded(p.begin(), p.end());
  simdjson::dom::parser parser;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& s = padded[i++ & 4095];
    bytes += s.size();
    simdjson::dom::element e;
    auto err = parser.parse(s).get(e);
    benchmark::DoNotOptimize(err);
    benchmark::DoNotOptimize(e);
  }
  set_counters(state, bytes);
}
BENCHMARK(BM_SimdjsonDomParseOnly);

void BM_NlohmannParseAndAccess(benchmark::State& state) {
  const auto& p = payloads();
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& s = p[i++ & 4095];
    bytes += s.size();
    auto j = nlohmann::json::parse(s, nullptr, /*allow_exceptions=*/false);
    std::size_t n = j.at("orderId").get_ref<const std::string&>().size() +
                    j.at("status").get_ref<const std::string&>().size() +
                    j.at("timestamp").get_ref<const std::string&>().size() +
                    j.at("region").get_ref<const std::string&>().size() +
                    j.at("channel").get_ref<const std::string&>().size();
    benchmark::DoNotOptimize(n);
  }
  set_counters(state, bytes);
}
BENCHMARK(BM_NlohmannParseAndAccess);

void BM_Memcpy(benchmark::State& state) {
  const auto& p = payloads();
  char buf[512];
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& s = p[i++ & 4095];
    bytes += s.size();
    std::memcpy(buf, s.data(), s.size());
    benchmark::DoNotOptimize(buf);
    benchmark::ClobberMemory();
  }
  set_counters(state, bytes);
}
BENCHMARK(BM_Memcpy);

void BM_ParseTimeText(benchmark::State& state) {
  std::size_t i = 0;
  const char* times[] = {"2024-05-01T12:00:00.123Z", "2024-05-01T14:00:00+02:00", "1714564800123",
                         "2024-05-01T12:00:00.123456789-05:30"};
  for (auto _ : state) {
    auto t = orderwatch::events::parse_time_text(times[i++ & 3]);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseTimeText);

}  // namespace

BENCHMARK_MAIN();
