// Snapshot write, load and reload at N in-flight orders (default 10,000,000), each next to a
// baseline measured in the same run:
//   BM_SnapshotEncode       the in-lock encode (the fallback without fork, and what the lock
//                           held before the forked writer): state -> image in memory
//   BM_SnapshotWrite        TrackerService::save_snapshot end to end (fork; the child encodes,
//                           CRC32C, write, fsync, rename, fsync dir); lock_hold_ms = the fork
//     baseline BM_SnapshotWriteInLock  the same with SaveMode::kInLock (encode under the lock)
//     baseline BM_WriteImageOnly   the same bytes through the same atomic write (the I/O floor)
//     baseline BM_WriteNaive48     naive fixed 48-byte records (the OrderRecord array) written
//                                  the same way: what a memcpy-the-table snapshot would cost
//   BM_SnapshotLoad         read + checksum + rebuild a tracker (table, indexes, overdue)
//     baseline BM_ReadFileOnly     reading the same file (the I/O floor)
//   BM_Reload               TrackerService::reload (built aside, caught up, swapped)
//     baseline BM_ReloadInLock     ReloadMode::kInLock: the lock held throughout
// Counters: bytes_per_order, file_MB, lock_hold_ms (slowest iteration), scrape_max_ms: the
// slowest of the scrapes (TrackerService::snapshot, the locked part of a /metrics collect)
// another thread takes every 10 ms during the iterations.
// Orders: 16-byte ids, 20 regions, Placed/Authorized/Shipped 10/20/70% entered over the last
// 9 hours (first seen earlier for the later statuses), plus 1% finished (tombstones).
//   snapshot_bench [--orders=N] [--dir=PATH] [benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/snapshot.h"
#include "workload.h"

namespace {

using namespace orderwatch;

std::size_t g_orders = 10'000'000;
std::string g_dir = "/tmp";
constexpr std::int64_t kT0 = 1'700'000'000'000;

const sla::Config& config() {
  static const sla::Config c = sla::load_string(bench::kShopConfig);
  return c;
}

struct State {
  std::unique_ptr<tracking::TrackerService> service;
  std::string path;
  std::string image;  // a sealed image of the state, for the I/O baselines
};

State* g_state = nullptr;

State& state() {
  static State* s = [] {
    auto* st = new State;
    st->service = std::make_unique<tracking::TrackerService>(config(), [] { return kT0; });
    st->service->reserve(g_orders);
    std::mt19937_64 rng(7);
    const char* regions[20] = {"eu-west",      "eu-north",       "eu-central", "us-east",
                               "us-west",      "us-central",     "ap-south",   "ap-east",
                               "ap-northeast", "sa-east",        "af-south",   "me-central",
                               "ca-central",   "eu-south",       "eu-west-2",  "us-east-2",
                               "ap-southeast", "ap-southeast-2", "mx-central", "il-central"};
    std::exponential_distribution<double> auth_stay(1 / 30e3), ship_stay(1 / 600e3);
    char id[32];
    const std::size_t finished = g_orders / 100;
    for (std::size_t i = 0; i < g_orders + finished; ++i) {
      std::snprintf(id, sizeof id, "ord-%012llx",
                    static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFull));
      events::Event e;
      e.id = id;
      e.dims[0] = regions[rng() % 20];
      e.has_dim[0] = true;
      const auto first_seen = kT0 - static_cast<std::int64_t>(rng() % (9 * 3'600'000));
      e.status = 0;
      e.time_ms = first_seen;
      st->service->apply(e, kT0);
      const auto pick = rng() % 10;
      std::int64_t t = first_seen;
      if (i >= g_orders) {  // finished recently: a tombstone
        e.status = 3;
        e.time_ms = t + 1;
        st->service->apply(e, kT0);
        continue;
      }
      if (pick >= 1) {
        t += static_cast<std::int64_t>(auth_stay(rng));
        e.status = 1;
        e.time_ms = t;
        st->service->apply(e, kT0);
      }
      if (pick >= 3) {
        t += static_cast<std::int64_t>(ship_stay(rng));
        e.status = 2;
        e.time_ms = t;
        st->service->apply(e, kT0);
      }
    }
    st->service->tick();
    st->path = g_dir + "/orderwatch-snapshot-bench.snap";
    st->service->save_snapshot(st->path);
    st->image = tracking::read_snapshot_file(st->path);
    std::fprintf(
        stderr, "snapshot_bench: %zu orders tracked, snapshot %zu bytes (%.1f B/order)\n",
        st->service->tracked(), st->image.size(),
        static_cast<double>(st->image.size()) / static_cast<double>(st->service->tracked()));
    g_state = st;
    return st;
  }();
  return *s;
}

void report(benchmark::State& bs, std::size_t bytes) {
  const auto orders = static_cast<double>(state().service->tracked());
  bs.counters["orders"] = orders;
  bs.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
  bs.counters["bytes_per_order"] = static_cast<double>(bytes) / orders;
}

// Scrapes every 10 ms from another thread while alive; worst_ms() is the slowest.
class Scraper {
 public:
  explicit Scraper(tracking::TrackerService& service)
      : thread_([this, &service] {
          tracking::TrackerSnapshot snap;
          while (!stop_.load()) {
            const auto t0 = std::chrono::steady_clock::now();
            service.snapshot(snap);
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - t0)
                                .count();
            worst_us_.store(std::max<std::int64_t>(worst_us_.load(), us));
            scrapes_.fetch_add(1);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~Scraper() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double worst_ms() const { return static_cast<double>(worst_us_.load()) / 1e3; }
  double scrapes() const { return static_cast<double>(scrapes_.load()); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> worst_us_{0};
  std::atomic<std::int64_t> scrapes_{0};
  std::thread thread_;
};

void BM_SnapshotEncode(benchmark::State& bs) {
  auto& st = state();
  st.service->set_save_mode(tracking::SaveMode::kInLock);
  std::size_t bytes = 0;
  for (auto _ : bs) {
    tracking::SaveTimings t;
    // save_snapshot measures its own lock hold; the encode is that part.
    st.service->save_snapshot(st.path, &t);
    bs.SetIterationTime(static_cast<double>(t.lock_hold_us) / 1e6);
    bytes = st.service->stats().snapshot_bytes;
  }
  report(bs, bytes);
}

void snapshot_write(benchmark::State& bs, tracking::SaveMode mode) {
  auto& st = state();
  st.service->set_save_mode(mode);
  std::int64_t hold_us = 0;
  std::size_t bytes = 0;
  bool forked = false;
  Scraper scraper(*st.service);
  for (auto _ : bs) {
    tracking::SaveTimings t;
    const auto meta = st.service->save_snapshot(st.path, &t);
    hold_us = std::max(hold_us, t.lock_hold_us);
    bytes = meta.bytes;
    forked = t.forked;
  }
  scraper.stop();
  st.service->set_save_mode(tracking::SaveMode::kAuto);
  report(bs, bytes);
  bs.counters["lock_hold_ms"] = static_cast<double>(hold_us) / 1e3;
  bs.counters["scrape_max_ms"] = scraper.worst_ms();
  bs.counters["scrapes"] = scraper.scrapes();
  bs.counters["forked"] = forked ? 1 : 0;
}

void BM_SnapshotWrite(benchmark::State& bs) { snapshot_write(bs, tracking::SaveMode::kAuto); }
void BM_SnapshotWriteInLock(benchmark::State& bs) {
  snapshot_write(bs, tracking::SaveMode::kInLock);
}

void BM_WriteImageOnly(benchmark::State& bs) {
  auto& st = state();
  const std::string path = st.path + ".baseline";
  for (auto _ : bs) tracking::write_file_atomically(path, st.image);
  std::remove(path.c_str());
  report(bs, st.image.size());
}

void BM_WriteNaive48(benchmark::State& bs) {
  auto& st = state();
  const std::string path = st.path + ".naive";
  const std::size_t bytes = st.service->tracked() * 48;
  std::string records(bytes, '\x5a');  // the record array's size; contents do not matter here
  for (auto _ : bs) tracking::write_file_atomically(path, records);
  std::remove(path.c_str());
  report(bs, bytes);
}

void BM_SnapshotLoad(benchmark::State& bs) {
  auto& st = state();
  std::size_t bytes = 0;
  for (auto _ : bs) {
    auto fresh = std::make_unique<tracking::TrackerService>(config(), [] { return kT0; });
    const auto report_ = fresh->load_snapshot(st.path);
    bytes = report_.meta.bytes;
    bs.PauseTiming();
    fresh.reset();  // freeing the state is not part of a load
    bs.ResumeTiming();
  }
  report(bs, bytes);
}

void BM_ReadFileOnly(benchmark::State& bs) {
  auto& st = state();
  for (auto _ : bs) {
    std::string bytes = tracking::read_snapshot_file(st.path);
    benchmark::DoNotOptimize(bytes.data());
  }
  report(bs, st.image.size());
}

void reload(benchmark::State& bs, tracking::ReloadMode mode) {
  auto& st = state();
  std::int64_t hold_us = 0;
  bool aside = false;
  Scraper scraper(*st.service);
  for (auto _ : bs) {
    tracking::ReloadTimings t;
    st.service->reload(config(), &t, mode);
    hold_us = std::max(hold_us, t.lock_hold_us);
    aside = t.aside;
  }
  scraper.stop();
  report(bs, st.image.size());
  bs.counters["lock_hold_ms"] = static_cast<double>(hold_us) / 1e3;
  bs.counters["scrape_max_ms"] = scraper.worst_ms();
  bs.counters["scrapes"] = scraper.scrapes();
  bs.counters["aside"] = aside ? 1 : 0;
}

void BM_Reload(benchmark::State& bs) { reload(bs, tracking::ReloadMode::kAuto); }
void BM_ReloadInLock(benchmark::State& bs) { reload(bs, tracking::ReloadMode::kInLock); }

BENCHMARK(BM_SnapshotEncode)->Unit(benchmark::kMillisecond)->Iterations(3)->UseManualTime();
BENCHMARK(BM_SnapshotWrite)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_SnapshotWriteInLock)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_WriteImageOnly)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_WriteNaive48)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_SnapshotLoad)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_ReadFileOnly)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_Reload)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();
BENCHMARK(BM_ReloadInLock)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--orders=", 9) == 0) {
      g_orders = std::strtoull(argv[i] + 9, nullptr, 10);
    } else if (std::strncmp(argv[i], "--dir=", 6) == 0) {
      g_dir = argv[i] + 6;
    } else {
      rest.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  if (g_state != nullptr) std::remove(g_state->path.c_str());
  benchmark::Shutdown();
  return 0;
}
