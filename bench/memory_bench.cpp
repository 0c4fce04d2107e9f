// Resident memory per tracked order: RSS growth / orders after loading N in-flight orders
// (default 10,000,000) into the OrderTracker, and the same for the naive baseline
// (std::unordered_map<std::string, state>), each measured in its own forked child so one does
// not inherit the other's heap. Prints both and the ratio.
// Then the tracker again with two milestones every order is in: the growth per milestone.
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

// Two milestones every order is in (from Placed, or first seen past it, until a terminal
// status): a 24h clock, and a promise each event carries (2 days out, jittered).
const char* kMilestones = R"(
milestones:
  - {name: delivered_in_3d, from: [Placed], until: [Delivered, Cancelled], sla: 72h}
  - name: delivery_promise
    from: [Placed]
    until: [Delivered, Cancelled]
    deadline_field: promisedBy
    warn_before: 6h
    severity: page
)";

// in_order: event times rising with i (a live stream) instead of a day in random order.
double measure(std::size_t orders, bool milestones, bool in_order = false) {
  const sla::Config config =
      sla::load_string(std::string(bench::kShopConfig) + (milestones ? kMilestones : ""));
  std::mt19937_64 rng(5);
  const long before = rss_bytes();
  tracking::OrderTracker tracker(config);
  for (std::size_t i = 0; i < orders; ++i) {
    const std::string id = bench::random_id(rng);
    events::Event e;
    e.id = id;
    e.status = static_cast<std::uint8_t>(i % 3);
    const auto spread = static_cast<std::int64_t>(rng() % 86'400'000);  // a day of entries
    e.time_ms =
        kT0 - (in_order ? 86'400'000 - static_cast<std::int64_t>(i * 86'400'000 / orders) : spread);
    e.dims[0] = "eu-west";
    e.has_dim[0] = true;
    e.deadline_ms[0] = e.time_ms + 48 * 3'600'000LL + static_cast<std::int64_t>(rng() % 3'600'000);
    e.has_deadline = milestones ? 1 : 0;
    tracker.apply(e, kT0);
  }
  tracker.tick(kT0);
  const long after = rss_bytes();
  std::fprintf(
      stderr, "tracker%s: %zu orders tracked, heap estimate %.1f B/order\n",
      milestones ? " with 2 milestones" : "", tracker.tracked(),
      static_cast<double>(tracker.memory_bytes()) / static_cast<double>(tracker.tracked()));
  return static_cast<double>(after - before) / static_cast<double>(tracker.tracked());
}

double measure_tracker(std::size_t orders) { return measure(orders, false); }
double measure_milestones(std::size_t orders) { return measure(orders, true); }
double measure_in_order(std::size_t orders) { return measure(orders, false, true); }
double measure_milestones_in_order(std::size_t orders) { return measure(orders, true, true); }

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
  const double with_milestones = in_child(measure_milestones, orders);
  const double in_order = in_child(measure_in_order, orders);
  const double in_order_milestones = in_child(measure_milestones_in_order, orders);
  std::printf("orders: %zu\n", orders);
  std::printf("orderwatch tracker: %.1f bytes of RSS per order (target <= 100)\n", tracker);
  std::printf("naive unordered_map baseline: %.1f bytes of RSS per order\n", naive);
  std::printf("ratio tracker/naive: %.2f\n", tracker / naive);
  std::printf(
      "with two milestones every order is in: %.1f bytes per order, %.1f more per milestone "
      "(target <= 24)\n",
      with_milestones, (with_milestones - tracker) / 2);
  std::printf(
      "the same in event-time order (a live stream): %.1f bytes per order without milestones, "
      "%.1f with, %.1f more per milestone (target <= 24)\n",
      in_order, in_order_milestones, (in_order_milestones - in_order) / 2);
  return tracker <= 0 || naive <= 0 || with_milestones <= 0 || in_order_milestones <= 0 ? 1 : 0;
}
