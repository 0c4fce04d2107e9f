// Consume throughput of JetStream mode (durable pull consumer, AckAll: an ack per batch) against
// core NATS mode (plain subscription), same events, same nats-server, same run:
//   BM_CoreNatsConsume   events/s from the first publish until every event is handled; the
//                        publisher sends as fast as it can, so the exporter is the bottleneck
//   BM_JetStreamConsume  events/s from start() (a new durable consumer each iteration) until
//                        every event, already stored in the stream, is applied and acked
// The ratio JetStream/core is printed at the end. Both run the exporter's own NatsSource in
// this process against a real `nats-server -js` (tests/support harness; loopback, temp store).
// The event count is the first argument (default 500,000).
#include <benchmark/benchmark.h>
#include <nats/nats.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "harness.h"
#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/loadgen/flow.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "workload.h"

namespace orderwatch::bench {
namespace {

using testing::NatsServer;
using testing::TempDir;

std::uint64_t g_events = 500'000;
double g_core_rate = 0;
double g_js_rate = 0;

// The shop of the other benchmarks (workload.h) on `subject`, optionally in JetStream mode.
std::string config_yaml(const std::string& subject, bool jetstream) {
  std::string yaml = kShopConfig;
  const std::string from = "nats: {subject: \"orders.>\"}";
  const std::string to =
      "nats: {subject: \"" + subject + "\"" +
      (jetstream ? ", jetstream: {stream: BENCH, durable: bench, max_ack_pending: 10000}" : "") +
      "}";
  yaml.replace(yaml.find(from), from.size(), to);
  return yaml;
}

struct Env {
  TempDir dir;
  NatsServer nats{dir, 0, true};
  std::vector<std::pair<std::string, std::string>> events;  // status suffix, payload
  Env() {
    const sla::Config cfg = sla::load_string(config_yaml("x.>", false));
    loadgen::FlowOptions opt;
    opt.seed = 7;
    opt.arrival_rate = 50;
    // Recent event times: older than retention.max_age (30d) would be rejected as bad_time and
    // the bench would time rejects, not applies.
    opt.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   2 * 86'400'000LL;
    loadgen::FlowGenerator gen(cfg, opt);
    loadgen::FlowEvent ev;
    std::string payload;
    while (events.size() < g_events && gen.next(ev)) {
      gen.serialize(ev, payload);
      events.emplace_back(cfg.statuses[ev.status].name, payload);
    }
    testing::create_stream(nats.url(), "BENCH", {"js.>"});
    // Stored once; every JetStream iteration reads the same stream with a new consumer.
    natsConnection* conn = nullptr;
    jsCtx* js = nullptr;
    natsConnection_ConnectTo(&conn, nats.url().c_str());
    natsConnection_JetStream(&js, conn, nullptr);
    std::size_t i = 0;
    for (const auto& [status, body] : events) {
      js_PublishAsync(js, ("js.orders." + status).c_str(), body.data(),
                      static_cast<int>(body.size()), nullptr);
      if (++i % 10'000 == 0) js_PublishAsyncComplete(js, nullptr);
    }
    js_PublishAsyncComplete(js, nullptr);
    jsCtx_Destroy(js);
    natsConnection_Destroy(conn);
  }
};

Env& env() {
  static Env e;
  return e;
}

std::uint64_t handled(tracking::TrackerService& service) {
  tracking::TrackerSnapshot snap;
  service.snapshot(snap);
  std::uint64_t n = 0;
  for (auto v : snap.events) n += v;
  return n;
}

bool wait_handled(tracking::TrackerService& service, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (handled(service) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void BM_CoreNatsConsume(benchmark::State& state) {
  Env& e = env();
  const sla::Config cfg = sla::load_string(config_yaml("core.orders.>", false));
  for (auto _ : state) {
    tracking::TrackerService service(cfg, tracking::system_now_ms);
    ingest::NatsSource source(service, e.nats.url());
    source.start();
    natsConnection* pub = nullptr;
    natsConnection_ConnectTo(&pub, e.nats.url().c_str());
    natsConnection_Flush(pub);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // subscription in place
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& [status, body] : e.events) {
      natsConnection_Publish(pub, ("core.orders." + status).c_str(), body.data(),
                             static_cast<int>(body.size()));
    }
    natsConnection_Flush(pub);
    if (!wait_handled(service, e.events.size())) state.SkipWithError("core: events lost");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(secs);
    g_core_rate = static_cast<double>(e.events.size()) / secs;
    natsConnection_Destroy(pub);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(e.events.size()));
}
BENCHMARK(BM_CoreNatsConsume)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_JetStreamConsume(benchmark::State& state) {
  Env& e = env();
  int run = 0;
  for (auto _ : state) {
    sla::Config cfg = sla::load_string(config_yaml("js.orders.>", true));
    cfg.nats.jetstream->durable = "bench-" + std::to_string(run++);
    tracking::TrackerService service(cfg, tracking::system_now_ms);
    const auto t0 = std::chrono::steady_clock::now();
    ingest::NatsSource source(service, e.nats.url());
    source.start();
    if (!wait_handled(service, e.events.size())) state.SkipWithError("jetstream: events lost");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.SetIterationTime(secs);
    g_js_rate = static_cast<double>(e.events.size()) / secs;
    source.stop();
    state.counters["redelivered"] = static_cast<double>(source.stats().jetstream_redelivered);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(e.events.size()));
}
BENCHMARK(BM_JetStreamConsume)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orderwatch::bench

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {
    orderwatch::bench::g_events = std::strtoull(argv[1], nullptr, 10);
    argv[1] = argv[0];
    ++argv;
    --argc;
  }
  orderwatch::log::set_level(orderwatch::log::Level::kWarn);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  using orderwatch::bench::g_core_rate;
  using orderwatch::bench::g_js_rate;
  if (g_core_rate > 0 && g_js_rate > 0) {
    std::printf(
        "events %llu: core NATS %.0f events/s, JetStream (acked) %.0f events/s, ratio %.2f\n",
        static_cast<unsigned long long>(orderwatch::bench::g_events), g_core_rate, g_js_rate,
        g_js_rate / g_core_rate);
  }
  nats_Close();
  return 0;
}
