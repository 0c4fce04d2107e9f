// Resident memory per tracked order: RSS growth / orders after loading N in-flight orders
// (default 10,000,000) into the OrderTracker, and the same for the naive baseline
// (std::unordered_map<std::string, state>), each measured in its own forked child so one does
// not inherit the other's heap. Prints both and the ratio.
//   memory_bench [orders]
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>

#include "orderwatch/tracking/tracker.h"
#include "workload.h"

namespace {

using namespace orderwatch;

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * sysconf(_SC_PAGESIZE);
}

constexpr std::int64_t kT0 = 1'700'000'000'000;

double measure_tracker(std::size_t orders) {
  const sla::Config config = sla::load_string(bench::kShopConfig);
  std::mt19937_64 rng(5);
  const long before = rss_bytes();
  tracking::OrderTracker tracker(config);
  for (std::size_t i = 0; i < orders; ++i) {
    const std::string id = bench::random_id(rng);
    events::Event e;
    e.id = id;
    e.status = static_cast<std::uint8_t>(i % 3);
    e.time_ms = kT0 - static_cast<std::int64_t>(rng() % 86'400'000);  // a day of entries, unordered
    e.dims[0] = "eu-west";
    e.has_dim[0] = true;
    tracker.apply(e, kT0);
  }
  tracker.tick(kT0);
  const long after = rss_bytes();
  std::fprintf(
      stderr, "tracker: %zu orders tracked, heap estimate %.1f B/order\n", tracker.tracked(),
      static_cast<double>(tracker.memory_bytes()) / static_cast<double>(tracker.tracked()));
  return static_cast<double>(after - before) / static_cast<double>(tracker.tracked());
}

double measure_naive(std::size_t orders) {
  struct Naive {
    std::uint8_t status;
    std::int64_t entered;
    std::int64_t first_seen;
    std::string region;
  };
  std::mt19937_64 rng(5);
  const long before = rss_bytes();
  std::unordered_map<std::string, Naive> map;
  for (std::size_t i = 0; i < orders; ++i) {
    map.emplace(bench::random_id(rng),
                Naive{static_cast<std::uint8_t>(i % 3),
                      kT0 - static_cast<std::int64_t>(rng() % 86'400'000), kT0, "eu-west"});
  }
  const long after = rss_bytes();
  return static_cast<double>(after - before) / static_cast<double>(map.size());
}

double in_child(double (*fn)(std::size_t), std::size_t orders) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const double v = fn(orders);
    if (write(fds[1], &v, sizeof v) != sizeof v) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  double v = -1;
  if (read(fds[0], &v, sizeof v) != sizeof v) v = -1;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t orders = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const double tracker = in_child(measure_tracker, orders);
  const double naive = in_child(measure_naive, orders);
  std::printf("orders: %zu\n", orders);
  std::printf("orderwatch tracker: %.1f bytes of RSS per order (target <= 100)\n", tracker);
  std::printf("naive unordered_map baseline: %.1f bytes of RSS per order\n", naive);
  std::printf("ratio tracker/naive: %.2f\n", tracker / naive);
  return tracker <= 0 || naive <= 0 ? 1 : 0;
}
