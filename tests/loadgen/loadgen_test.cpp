// Unit tests of the load generator: determinism, decodability of everything it sends,
// workflow order of every simulated order, and the stuck fraction.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "orderwatch/events/decoder.h"
#include "orderwatch/loadgen/flow.h"
#include "orderwatch/loadgen/publish.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::loadgen {
namespace {

using events::RejectReason;

constexpr std::int64_t kStart = 1714564800000;  // 2024-05-01T12:00:00Z

const char* const kStatuses =
    "statuses:\n"
    "  - {name: Placed, sla: 15m}\n"
    "  - name: Authorized\n"
    "    sla: 1h\n"
    "    escalations: [{after: 2h, severity: page}]\n"
    "  - {name: Shipped, sla: 48h}\n"
    "  - {name: Delivered, terminal: true}\n"
    "  - {name: Cancelled, terminal: true}\n"
    "  - {name: Returned, terminal: true}\n";

sla::Config make_config(const std::string& event_yaml) {
  return sla::load_string("version: 1\nservice: shop\nnats: {subject: orders.status.>}\n" +
                          event_yaml + kStatuses);
}

sla::Config plain() {
  return make_config(
      "event:\n  dimensions: [{field: region, max_values: 20}, {field: channel, max_values: 5}]\n");
}

std::vector<std::string> payloads(const sla::Config& cfg, FlowOptions opt, int n) {
  FlowGenerator gen(cfg, opt);
  FlowEvent ev;
  std::string buf;
  std::vector<std::string> out;
  for (int i = 0; i < n && gen.next(ev); ++i) {
    gen.serialize(ev, buf);
    out.push_back(buf);
  }
  return out;
}

TEST(FlowGenerator, SameSeedSameEventsOtherSeedOthers) {
  const auto cfg = plain();
  FlowOptions opt{.seed = 7, .start_ms = kStart, .arrival_rate = 50, .bad_fraction = 0.05};
  const auto a = payloads(cfg, opt, 5000);
  const auto b = payloads(cfg, opt, 5000);
  ASSERT_EQ(a.size(), 5000u);
  EXPECT_EQ(a, b);
  opt.seed = 8;
  EXPECT_NE(a, payloads(cfg, opt, 5000));
}

void expect_decodes(const sla::Config& cfg, FlowOptions opt) {
  FlowGenerator gen(cfg, opt);
  events::EventDecoder decoder(cfg);
  FlowEvent ev;
  events::Event out;
  std::string buf;
  std::map<BadKind, int> bad_seen;
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(gen.next(ev));
    gen.serialize(ev, buf);
    const auto r = decoder.decode(buf, ev.time_ms, out);
    switch (ev.bad) {
      case BadKind::kNone:
        ASSERT_EQ(r, std::nullopt) << buf;
        EXPECT_EQ(out.id, ev.id);
        EXPECT_EQ(out.status, ev.status);
        // RFC 3339 and epoch ms carry ms exactly; epoch seconds are written with 3 decimals.
        EXPECT_EQ(out.time_ms, ev.time_ms) << buf;
        for (std::size_t d = 0; d < cfg.event.dimensions.size(); ++d) {
          EXPECT_TRUE(out.has_dim[d]);
          EXPECT_EQ(out.dims[d], ev.dims[d]);
        }
        break;
      case BadKind::kMalformed:
        EXPECT_EQ(r, RejectReason::kMalformed) << buf;
        break;
      case BadKind::kUnknownStatus:
        EXPECT_EQ(r, RejectReason::kUnknownStatus) << buf;
        break;
      case BadKind::kMissingField:
        EXPECT_EQ(r, RejectReason::kMissingField) << buf;
        break;
      case BadKind::kBadTime:
        EXPECT_EQ(r, RejectReason::kBadTime) << buf;
        break;
    }
    ++bad_seen[ev.bad];
  }
  EXPECT_EQ(bad_seen.size(), 5u) << "every bad kind was produced";
  EXPECT_NEAR(bad_seen[BadKind::kNone] / 20000.0, 1 - opt.bad_fraction, 0.01);
}

TEST(FlowGenerator, EveryEventDecodesExceptTheIntendedBadOnes) {
  expect_decodes(plain(), {.seed = 1, .start_ms = kStart, .bad_fraction = 0.1});
}

TEST(FlowGenerator, CloudEventsWithNestedPathsAndEpochMillis) {
  const auto cfg = make_config(
      "event:\n"
      "  format: cloudevents\n"
      "  id_field: data.order.id\n"
      "  dimensions: [{field: data.order.region, max_values: 20}, {field: data.channel, "
      "max_values: 5}]\n");
  expect_decodes(cfg, {.seed = 2,
                       .start_ms = kStart,
                       .bad_fraction = 0.1,
                       .time_format = TimeFormat::kEpochMillis});
}

TEST(FlowGenerator, EpochSecondsWithFractions) {
  expect_decodes(make_config("event: {time_field: meta.ts}\n"),
                 {.seed = 3,
                  .start_ms = kStart,
                  .bad_fraction = 0.1,
                  .time_format = TimeFormat::kEpochSeconds});
}

struct Visit {
  std::uint8_t status;
  std::int64_t time_ms;
  bool stuck;
};

// Runs a bounded simulation to completion and returns every order's events.
std::map<std::string, std::vector<Visit>> run_to_completion(const sla::Config& cfg,
                                                            FlowOptions opt) {
  FlowGenerator gen(cfg, opt);
  FlowEvent ev;
  std::map<std::string, std::vector<Visit>> orders;
  std::int64_t last = 0;
  while (gen.next(ev)) {
    EXPECT_GE(ev.time_ms, last) << "events come in event-time order";
    last = ev.time_ms;
    orders[ev.id].push_back({ev.status, ev.time_ms, ev.stuck});
  }
  EXPECT_EQ(gen.orders_in_flight(), 0u);
  return orders;
}

TEST(FlowGenerator, EveryOrderWalksTheWorkflowAndEnds) {
  const auto cfg = plain();
  const auto orders = run_to_completion(
      cfg, {.seed = 4, .start_ms = kStart, .arrival_rate = 20, .max_orders = 3000});
  ASSERT_EQ(orders.size(), 3000u) << "ids are unique per order";
  std::map<std::uint8_t, int> endings;
  for (const auto& [id, visits] : orders) {
    ASSERT_GE(visits.size(), 2u) << id;
    EXPECT_EQ(id.size(), 12u);
    EXPECT_TRUE(id.starts_with("ord-"));
    const auto last = visits.back().status;
    ASSERT_TRUE(cfg.statuses[last].terminal) << id;
    ++endings[last];
    for (std::size_t i = 0; i + 1 < visits.size(); ++i) {
      EXPECT_EQ(visits[i].status, i) << id << ": non-terminal statuses in workflow order";
      EXPECT_GT(visits[i + 1].time_ms, visits[i].time_ms) << id;
    }
    if (last == 3) {
      EXPECT_EQ(visits.size(), 4u) << id << ": Delivered after all of the walk";
    }
  }
  // Mostly the first terminal (Delivered); ~10% the others, split between them.
  EXPECT_NEAR(endings[3] / 3000.0, 0.9, 0.03);
  EXPECT_GT(endings[4], 50);
  EXPECT_GT(endings[5], 50);
}

TEST(FlowGenerator, StuckFractionIsRoughlyHonouredAndStuckMeansPastTheLastTier) {
  const auto cfg = plain();
  const auto orders = run_to_completion(cfg, {.seed = 5,
                                              .start_ms = kStart,
                                              .arrival_rate = 20,
                                              .stuck_fraction = 0.1,
                                              .other_terminal_fraction = 0,
                                              .max_orders = 4000});
  std::map<std::uint8_t, int> stays, stuck;
  for (const auto& [id, visits] : orders) {
    for (std::size_t i = 0; i + 1 < visits.size(); ++i) {
      const auto& tiers = cfg.statuses[visits[i].status].tiers;
      const auto stay = visits[i + 1].time_ms - visits[i].time_ms;
      ++stays[visits[i].status];
      if (visits[i].stuck) {
        ++stuck[visits[i].status];
        EXPECT_GT(stay, tiers.back().after.count()) << id;
      } else {
        EXPECT_LT(stay, tiers.front().after.count()) << id << ": good stays stay within the SLA";
      }
    }
  }
  for (std::uint8_t s = 0; s < 3; ++s) {
    ASSERT_EQ(stays[s], 4000);
    EXPECT_NEAR(stuck[s] / 4000.0, 0.1, 0.02) << cfg.statuses[s].name;
  }
}

// The example's milestones: OnHold is a pause status (a hold from Placed, not a walk step),
// delivery_promise reads promisedBy.
sla::Config with_milestones() {
  return sla::load_string(
      "version: 1\nservice: shop\nnats: {subject: orders.status.>}\n"
      "statuses:\n"
      "  - {name: Placed, sla: 15m}\n"
      "  - {name: OnHold, sla: 8h}\n"
      "  - {name: Authorized, sla: 1h, escalations: [{after: 2h, severity: page}]}\n"
      "  - {name: Shipped, sla: 48h}\n"
      "  - {name: Delivered, terminal: true}\n"
      "  - {name: Cancelled, terminal: true}\n"
      "milestones:\n"
      "  - {name: shipped_in_24h, from: [Placed], until: [Shipped], pause: [OnHold], sla: 24h}\n"
      "  - {name: delivery_promise, from: [Placed], until: [Delivered], deadline_field: "
      "order.promisedBy, warn_before: 6h, severity: page}\n");
}

TEST(FlowGenerator, PromisesDecodeIntoTheDeadlineField) {
  const auto cfg = with_milestones();
  for (const auto format : {TimeFormat::kRfc3339, TimeFormat::kEpochMillis}) {
    FlowGenerator gen(cfg, {.seed = 9, .start_ms = kStart, .time_format = format});
    events::EventDecoder decoder(cfg);
    FlowEvent ev;
    events::Event out;
    std::string buf;
    int promises = 0;
    for (int i = 0; i < 5000; ++i) {
      ASSERT_TRUE(gen.next(ev));
      gen.serialize(ev, buf);
      ASSERT_EQ(decoder.decode(buf, ev.time_ms, out), std::nullopt) << buf;
      ASSERT_EQ(out.has_deadline_in(0), ev.promise_ms != 0) << buf;
      if (ev.promise_ms == 0) continue;
      ++promises;
      EXPECT_EQ(out.deadline_ms[0], ev.promise_ms) << buf;
      EXPECT_EQ(ev.promise_ms % 3'600'000, 0) << "promised to the hour: " << buf;
    }
    EXPECT_GT(promises, 1000);
  }
}

struct Trip {
  std::vector<Visit> visits;
  std::vector<std::int64_t> promises;  // in event order
  bool stuck = false;
};

TEST(FlowGenerator, HoldsDetourFromPlacedAndPromisesAreMissedOnlyByStuckOrders) {
  const auto cfg = with_milestones();
  FlowGenerator gen(cfg, {.seed = 10,
                          .start_ms = kStart,
                          .arrival_rate = 20,
                          .stuck_fraction = 0.05,
                          .max_orders = 4000,
                          .hold_fraction = 0.1});
  FlowEvent ev;
  std::map<std::string, Trip> orders;
  while (gen.next(ev)) {
    auto& t = orders[ev.id];
    t.visits.push_back({ev.status, ev.time_ms, ev.stuck});
    t.stuck = t.stuck || ev.stuck;
    if (ev.promise_ms != 0) t.promises.push_back(ev.promise_ms);
  }
  ASSERT_EQ(orders.size(), 4000u);
  int holds = 0, missed = 0;
  const std::int64_t longest = (15 + 60 + 48 * 60) * 60'000LL;  // Placed + Authorized + Shipped
  for (const auto& [id, t] : orders) {
    const auto& v = t.visits;
    ASSERT_FALSE(t.promises.empty()) << id << ": every order starts in Placed";
    EXPECT_EQ(v[0].status, 0) << id;
    const auto lead = t.promises[0] - v[0].time_ms;
    EXPECT_GE(lead, longest / 24) << id;
    EXPECT_LE(lead, longest + 3'600'000) << id;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i].status != 1) continue;
      ++holds;
      ASSERT_EQ(i, 1u) << id << ": a hold comes right after Placed";
      ASSERT_EQ(v[2].status, 0) << id << ": and returns to Placed";
      ASSERT_EQ(t.promises.size(), 2u) << id << ": the release renegotiates the promise";
      EXPECT_EQ(t.promises[1] - t.promises[0], v[2].time_ms - v[1].time_ms) << id;
    }
    if (cfg.statuses[v.back().status].name == "Delivered" &&
        v.back().time_ms >= t.promises.back()) {
      ++missed;
      EXPECT_TRUE(t.stuck) << id << ": only an order stuck on the way misses its promise";
    }
  }
  EXPECT_NEAR(holds / 4000.0, 0.1, 0.02);
  EXPECT_GT(missed, 20);
}

TEST(FlowGenerator, ArrivalRateIsHonouredOnTheVirtualClock) {
  FlowGenerator gen(plain(), {.seed = 6, .start_ms = kStart, .arrival_rate = 100});
  FlowEvent ev;
  while (gen.orders_started() < 10000) ASSERT_TRUE(gen.next(ev));
  // 10,000 Poisson arrivals at 100/s take ~100 virtual seconds.
  EXPECT_NEAR(static_cast<double>(gen.now_ms() - kStart) / 1000.0, 100.0, 5.0);
}

TEST(FormatRfc3339, RoundTripsThroughTheDecoderParser) {
  EXPECT_EQ(events::format_rfc3339_ms(kStart + 7), "2024-05-01T12:00:00.007Z");
  EXPECT_EQ(events::format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(events::format_rfc3339_ms(951868799999), "2000-02-29T23:59:59.999Z");
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    const auto ms = static_cast<std::int64_t>(rng() % events::kMaxEventTimeMs);
    ASSERT_EQ(events::parse_time_text(events::format_rfc3339_ms(ms)), ms) << ms;
  }
}

// The line `orderwatch publish` ends with, which the demo and the benchmark scripts read.
TEST(PublishSummary, LineNamesTheCountsTheRateAndTheVirtualClock) {
  PublishSummary s;
  s.sent = 2000;
  s.bad = 3;
  s.elapsed_s = 2.0;
  s.orders_started = 1997;
  s.orders_in_flight = 12;
  s.virtual_now_ms = kStart + 7;
  EXPECT_EQ(summary_line(s),
            "published 2000 events (3 bad) in 2.000s: 1000 events/s; 1997 orders started, 12 in "
            "flight; virtual clock at 2024-05-01T12:00:00.007Z");
  s.errors = 4;
  s.jetstream = true;
  s.retries = 5;
  EXPECT_EQ(summary_line(s).substr(summary_line(s).find("Z;")),
            "Z; 4 publish errors; stored by JetStream (5 resent)");
}

}  // namespace
}  // namespace orderwatch::loadgen
