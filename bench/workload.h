// Synthetic order workloads for the tracker benchmarks: random ids like "ord-8f3a2c91" and a
// realistic walk (each event moves one random in-flight order one status on; orders that
// finish are replaced by new ones, so the in-flight count stays constant).
#pragma once

#include <cstdint>
#include <cstdio>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "orderwatch/events/event.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::bench {

inline const char* kShopConfig = R"(service: bench
nats: {subject: "orders.>"}
event:
  dimensions: [{field: region, max_values: 20}]
statuses:
  - {name: Placed, sla: 15m}
  - name: Authorized
    sla: 1h
    escalations: [{after: 2h, severity: page}, {after: 6h, severity: critical}]
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
retention: {max_age: 30d, tombstone_ttl: 1m}
)";

inline std::string random_id(std::mt19937_64& rng) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ord-%08x", static_cast<unsigned>(rng()));
  return buf;
}

struct Workload {
  std::vector<std::string> ids;        // every id the workload uses
  std::vector<std::uint32_t> initial;  // ids in flight before the measured events (Placed)
  struct Step {
    std::uint32_t id;
    std::uint8_t status;
    std::int64_t time_ms;
  };
  std::vector<Step> steps;
};

// `in_flight` orders, then `events` steps of the walk Placed -> Authorized -> Shipped ->
// Delivered (5% Cancelled from Placed). Event times advance ~in real time from t0.
inline Workload make_walk(std::size_t in_flight, std::size_t events, std::int64_t t0,
                          std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  Workload w;
  std::vector<std::uint32_t> live(in_flight);
  std::vector<std::uint8_t> status(in_flight, 0);
  for (std::size_t i = 0; i < in_flight; ++i) {
    w.ids.push_back(random_id(rng));
    live[i] = static_cast<std::uint32_t>(i);
    w.initial.push_back(static_cast<std::uint32_t>(i));
  }
  std::int64_t t = t0;
  w.steps.reserve(events);
  for (std::size_t e = 0; e < events; ++e) {
    t += static_cast<std::int64_t>(rng() % 3);
    const std::size_t slot = rng() % in_flight;
    std::uint8_t next = static_cast<std::uint8_t>(status[slot] + 1);
    if (status[slot] == 0 && rng() % 20 == 0) next = 4;  // cancelled
    w.steps.push_back({live[slot], next, t});
    if (next >= 3) {  // finished: a new order takes the slot
      w.ids.push_back(random_id(rng));
      live[slot] = static_cast<std::uint32_t>(w.ids.size() - 1);
      w.steps.push_back({live[slot], 0, t});
      status[slot] = 0;
    } else {
      status[slot] = next;
    }
  }
  return w;
}

// A time-ordered shop: orders arrive steadily; stays are exponential with per-status means
// (Placed 30s, Authorized 10m, Shipped 8h), 5% are cancelled from Placed. Events are emitted
// in event-time order, so recently touched orders are touched again soon (as in a real
// stream) while Shipped -> Delivered reaches orders placed hours ago. The first
// `in_flight` orders are warm-up; `events` measured steps follow.
inline Workload make_shop(std::size_t in_flight, std::size_t events, std::int64_t t0,
                          std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  const double mean_stay_ms[] = {30e3, 600e3, 8 * 3600e3};
  // Little's law: in flight = arrival rate x mean time in flight (30s + 10m + 8h).
  const double mean_life_ms = 30e3 + 600e3 + 8 * 3600e3;
  const double arrival_gap_ms = mean_life_ms / static_cast<double>(in_flight);
  struct Next {
    std::int64_t time;
    std::uint32_t id;
    std::uint8_t status;
    bool operator>(const Next& o) const { return time > o.time; }
  };
  std::priority_queue<Next, std::vector<Next>, std::greater<>> queue;
  std::exponential_distribution<double> stay[3] = {
      std::exponential_distribution<double>(1 / mean_stay_ms[0]),
      std::exponential_distribution<double>(1 / mean_stay_ms[1]),
      std::exponential_distribution<double>(1 / mean_stay_ms[2])};
  Workload w;
  double next_arrival = static_cast<double>(t0) - mean_life_ms * 3;  // reach steady state
  auto schedule_after = [&](std::uint32_t id, std::uint8_t status, std::int64_t now) {
    std::uint8_t next = static_cast<std::uint8_t>(status + 1);
    if (status == 0 && rng() % 20 == 0) next = 4;
    queue.push({now + static_cast<std::int64_t>(stay[status](rng)) + 1, id, next});
  };
  std::size_t total = 0;
  w.steps.reserve(events + in_flight * 4);
  while (total < events) {
    const bool arrival = queue.empty() || next_arrival <= static_cast<double>(queue.top().time);
    if (arrival) {
      const auto t = static_cast<std::int64_t>(next_arrival);
      w.ids.push_back(random_id(rng));
      const auto id = static_cast<std::uint32_t>(w.ids.size() - 1);
      w.steps.push_back({id, 0, t});
      schedule_after(id, 0, t);
      next_arrival += arrival_gap_ms;
    } else {
      const Next n = queue.top();
      queue.pop();
      w.steps.push_back({n.id, n.status, n.time});
      if (n.status < 3) schedule_after(n.id, n.status, n.time);
    }
    if (w.steps.back().time_ms >= t0) ++total;
  }
  return w;
}

inline events::Event to_event(const Workload& w, const Workload::Step& s,
                              std::string_view region = "eu-west") {
  events::Event e;
  e.id = w.ids[s.id];
  e.status = s.status;
  e.time_ms = s.time_ms;
  e.dims[0] = region;
  e.has_dim[0] = true;
  return e;
}

}  // namespace orderwatch::bench
