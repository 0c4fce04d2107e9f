// FlowGenerator: a deterministic simulation of a shop's order-status events, for the demo,
// the benchmarks and the tests (`orderwatch publish` sends its output to NATS).
//
// Owns the simulated in-flight orders (one pending event each, in a min-heap by event time)
// and a seeded PRNG; the same config, options and seed always yield the same event sequence.
// Time is virtual: events carry the simulated clock, which starts at FlowOptions::start_ms and
// advances with the events; pacing against the wall clock is the caller's business.
// Milestones (sla::Milestone): a status some milestone pauses in is not a step of the walk but
// a hold, a detour from the walk status listed before it (FlowOptions::hold_fraction of the
// orders: Placed -> OnHold -> Placed). The first milestone with a deadline_field gets a promise:
// the event entering its first `from` status carries it (that time plus a lead log-uniform
// between 1/24 of and the sum of the walk's first-tier SLAs, rounded up to the hour); the step
// into an `until` status is drawn before it unless the order got stuck on the way, so the stuck
// orders (and long holds) miss it; the event ending a hold renegotiates it (old + the hold).
// Memory: 32 bytes per simulated in-flight order (arrival rate x mean lifetime), plus a copy
// of the config.
// Not thread-safe; a plain value type otherwise. Design: docs/design.md, "cli and loadgen".
#pragma once

#include <array>
#include <cstdint>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::loadgen {

using sla::kMaxDimensions;

// What is wrong with a deliberately bad message (kNone: a good event).
enum class BadKind : std::uint8_t { kNone, kMalformed, kUnknownStatus, kMissingField, kBadTime };

enum class TimeFormat : std::uint8_t { kRfc3339, kEpochMillis, kEpochSeconds };

struct FlowOptions {
  std::uint64_t seed = 1;
  std::int64_t start_ms = 0;             // virtual clock at the first arrival (Unix ms)
  double arrival_rate = 100.0;           // new orders per virtual second (Poisson arrivals)
  double stuck_fraction = 0.02;          // per non-terminal status: chance an order sticks there
  double bad_fraction = 0.0;             // share of emitted messages that are deliberately bad
  double other_terminal_fraction = 0.1;  // orders ending in a terminal other than the first
  std::uint64_t max_orders = 0;          // stop starting orders after this many (0 = unlimited)
  double hold_fraction = 0.05;           // chance an order takes a hold (needs a pause status)
  TimeFormat time_format = TimeFormat::kRfc3339;
};

// One generated message. For a good event, every field is what the payload carries; for a bad
// one, `bad` says what was broken (the id is then a throw-away "bad-..." id).
struct FlowEvent {
  std::string id;                                       // "ord-8f3a2c91"
  std::uint8_t status = 0;                              // index into Config::statuses
  std::int64_t time_ms = 0;                             // event time on the virtual clock
  std::array<std::string_view, kMaxDimensions> dims{};  // values of Config::event.dimensions
  BadKind bad = BadKind::kNone;
  std::uint64_t order_seq = 0;  // 0-based order number (good events); for tests and stats
  // True when the order got stuck in this status (it will stay past the last tier).
  bool stuck = false;
  // The promise (deadline_field of the first such milestone) this event carries; 0: none.
  std::int64_t promise_ms = 0;
};

class FlowGenerator {
 public:
  FlowGenerator(const sla::Config& config, FlowOptions options);

  // Produces the next message in event-time order into `out` (reusing its storage). Returns
  // false when no event remains (only possible with max_orders set).
  bool next(FlowEvent& out);

  // Appends the JSON payload of `event` to `out` (cleared first), laid out as the config's
  // event section says: field paths, format (json or cloudevents), chosen time format.
  void serialize(const FlowEvent& event, std::string& out) const;

  std::int64_t now_ms() const { return now_ms_; }  // time of the last event produced
  std::uint64_t orders_started() const { return orders_started_; }
  std::size_t orders_in_flight() const { return pending_.size(); }

  // The dimension values the simulation draws from for dimension `i` (by its label: region,
  // channel, country, ... get realistic sets; others get "<label>-1".."<label>-4").
  const std::vector<std::string>& dimension_values(std::size_t i) const { return dim_values_[i]; }

 private:
  // An order's pending event. The whole order state lives here (no per-order heap object).
  struct Pending {
    std::int64_t time_ms;
    std::int64_t promise_ms;  // the order's current promise; 0: none (yet)
    std::uint32_t seq;        // order number; the id is a bijective hash of it, so ids are unique
    std::uint8_t step;        // index into the walk of this order
    std::uint8_t walk_len;    // non-terminal statuses visited before the terminal one
    std::uint8_t terminal;    // status index of the final status
    std::uint8_t flags;       // kOnHold, kHeld, kCarryPromise
    std::array<std::uint8_t, kMaxDimensions> dims;
    bool operator>(const Pending& o) const {
      return time_ms != o.time_ms ? time_ms > o.time_ms : seq > o.seq;
    }
  };

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  std::int64_t stay_ms(std::uint8_t status, bool stuck);
  void start_order(std::int64_t at_ms);
  void emit(const Pending& p, FlowEvent& out);
  void plan_walk();
  std::uint8_t status_of(const Pending& p) const;
  std::int64_t draw_promise(std::int64_t at_ms);
  std::int64_t arrival(const Pending& next, std::int64_t from_ms, std::int64_t stay, bool stuck);
  void make_bad(FlowEvent& out);
  void write_id(std::uint32_t seq, std::string_view prefix, std::string& out) const;

  // A JSON layout tree built from the field paths once; serialize() walks it.
  struct Node {
    std::string key;
    int slot = -1;         // leaf: a Slot value or kSlotDim + dimension index; -1: inner object
    std::string constant;  // literal JSON for constant leaves (cloudevents attributes)
    std::vector<Node> children;
  };
  void add_leaf(std::string_view path, int slot, std::string constant = {});
  void write(const Node& node, const FlowEvent& e, std::string& out) const;

  sla::Config config_;  // a copy: callers may pass a temporary
  FlowOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::uint8_t> nonterminal_;  // the walk: status indices in workflow order
  std::vector<std::uint8_t> terminal_;
  std::vector<std::uint8_t> hold_;  // per walk step: the pause status it detours to, or kNoHold
  int promise_ = -1;                // index of the first milestone with a deadline_field, or -1
  double promise_lead_ms_ = 0;      // the longest lead; the shortest is 1/24 of it
  std::vector<std::vector<std::string>> dim_values_;
  std::string unknown_status_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  double next_arrival_ms_ = 0;  // fractional: high arrival rates are sub-millisecond apart
  std::int64_t now_ms_ = 0;
  std::uint64_t orders_started_ = 0;
  std::uint64_t bad_seq_ = 0;
  Node root_;
};

}  // namespace orderwatch::loadgen
