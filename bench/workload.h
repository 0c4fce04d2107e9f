// Synthetic order workloads for the tracker benchmarks: random ids like "ord-8f3a2c91" and a
// realistic walk (each event moves one random in-flight order one status on; orders that
// finish are replaced by new ones, so the in-flight count stays constant).
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "orderwatch/events/event.h"
#include "orderwatch/loadgen/flow.h"
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

// The realistic shop of `orderwatch publish` (loadgen::FlowGenerator on kShopConfig: Poisson
// arrivals, stays mostly well within each SLA, 2% stuck past every tier, 10% ending in
// Cancelled), in event-time order, so recently touched orders are touched again soon while
// Shipped -> Delivered reaches orders placed hours ago. The arrival rate is set so that about
// `in_flight` orders are in flight in the steady state; everything before t0 is warm-up and
// `events` measured steps follow.
inline Workload make_shop(std::size_t in_flight, std::size_t events, std::int64_t t0,
                          std::uint64_t seed = 1) {
  const sla::Config config = sla::load_string(kShopConfig);
  // Mean life of an order in this shop, measured once on a small run (Little's law then
  // gives the arrival rate for the wanted in-flight count).
  auto mean_life_ms = [&config] {
    loadgen::FlowOptions o;
    o.arrival_rate = 10;
    o.max_orders = 20'000;
    loadgen::FlowGenerator probe(config, o);
    loadgen::FlowEvent ev;
    std::vector<std::int64_t> first(o.max_orders, -1);
    double life = 0;
    std::size_t finished = 0;
    while (probe.next(ev)) {
      if (first[ev.order_seq] < 0) first[ev.order_seq] = ev.time_ms;
      if (config.statuses[ev.status].terminal) {
        life += static_cast<double>(ev.time_ms - first[ev.order_seq]);
        ++finished;
      }
    }
    return life / static_cast<double>(finished);
  };
  const double life = mean_life_ms();
  loadgen::FlowOptions opt;
  opt.seed = seed;
  opt.arrival_rate = static_cast<double>(in_flight) / (life / 1000.0);
  opt.start_ms = t0 - static_cast<std::int64_t>(life * 3);  // reach the steady state
  loadgen::FlowGenerator gen(config, opt);
  loadgen::FlowEvent ev;
  Workload w;
  std::vector<std::uint32_t> id_of_order;  // order_seq -> index into w.ids
  std::size_t measured = 0;
  w.steps.reserve(events + in_flight * 4);
  while (measured < events && gen.next(ev)) {
    if (ev.order_seq >= id_of_order.size()) {
      id_of_order.resize(ev.order_seq + 1, UINT32_MAX);
    }
    if (id_of_order[ev.order_seq] == UINT32_MAX) {
      w.ids.push_back(ev.id);
      id_of_order[ev.order_seq] = static_cast<std::uint32_t>(w.ids.size() - 1);
    }
    w.steps.push_back({id_of_order[ev.order_seq], ev.status, ev.time_ms});
    if (ev.time_ms >= t0) ++measured;
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
