// Judging by event time against a real nats-server (issues 11 and 23). JetStream: three hours
// of a lending workflow are already in the stream when `orderwatch serve` starts on a new
// durable, as after an outage without a snapshot. Core NATS: a burst of backdated events (an
// order's first and next events together), a paced backfill (chunks every 20 ms, as a backfill
// tool or a recovering outbox sends), the same unpaced, a backfill interleaved with live
// traffic on one subject, a backfill that starts after live traffic put W at the wall clock,
// and a producer that goes silent. Scraped continuously, the overdue gauges never exceed the
// truth as of the watermark W the exporter exports, the breach counters never exceed the
// breaches the applied events can show; once the stream is in and W follows the wall clock
// (event.idle_timeout) the breach counters equal the history's breaches exactly.
// The truth is computed here from the events published.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "harness.h"
#include "nats_publisher.h"
#include "orderwatch/events/time.h"
#include "orderwatch/loadgen/flow.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// idle_timeout: event.idle_timeout ("" = the default, 30s).
std::string config_yaml(bool jetstream, const std::string& idle_timeout = "") {
  return std::string(R"(service: lending
nats:
  url: "nats://127.0.0.1:1"
  subject: "loans.>"
)") + (jetstream ? "  jetstream: {stream: LOANS, durable: fresh, max_ack_pending: 200}\n" : "") +
         (idle_timeout.empty() ? "" : "event: {idle_timeout: " + idle_timeout + "}\n") +
         R"(statuses:
  - {name: Applied, sla: 5m}
  - name: KycVerified
    sla: 15m
    escalations: [{after: 30m, severity: page, team: risk}]
  - {name: Disbursed, terminal: true}
  - {name: Rejected, terminal: true}
)";
}

// One stay of one loan in a status with an SLA: [entered, left), left = LLONG_MAX while open;
// left_seq: the position (in publish order) of the event that ended it, SIZE_MAX while open.
struct Stay {
  std::string status;
  std::int64_t entered;
  std::int64_t left;
  std::size_t left_seq = SIZE_MAX;
};

struct Tier {
  std::string status, severity;
  std::int64_t after_ms;
  std::string key() const { return "{status=\"" + status + "\",severity=\"" + severity + "\"}"; }
};

// Upper bounds of what an exporter that has applied every event before W (and possibly some at
// W) may show as of W: overdue = stays with W - entered >= threshold that had not left before
// W; breaches = stays that ran past the threshold by W.
struct Truth {
  std::int64_t overdue = 0, breaches = 0;
};
Truth truth_at(const std::vector<Stay>& stays, const Tier& tier, std::int64_t w) {
  Truth t;
  for (const auto& s : stays) {
    if (s.status != tier.status || s.entered + tier.after_ms > w) continue;
    if (s.left >= w) ++t.overdue;
    if (s.left - s.entered >= tier.after_ms) ++t.breaches;
  }
  return t;
}

// The most breaches an exporter may have counted at W after applying the first `applied`
// events in publish order: a stay that ran past the threshold counts when W passes its deadline
// or when its next event, applied, shows it (that event may lie ahead of W: W trails the
// newest event times applied by about a second of arrivals).
std::int64_t breach_bound(const std::vector<Stay>& stays, const Tier& tier, std::int64_t w,
                          std::size_t applied) {
  std::int64_t n = 0;
  for (const auto& s : stays) {
    if (s.status != tier.status || s.left - s.entered < tier.after_ms) continue;
    if (s.entered + tier.after_ms <= w || s.left_seq < applied) ++n;
  }
  return n;
}

std::vector<Tier> tiers_of(const sla::Config& cfg) {
  std::vector<Tier> out;
  for (const auto& st : cfg.statuses) {
    for (const auto& t : st.tiers) out.push_back({st.name, t.severity, t.after.count()});
  }
  return out;
}

double at(const std::map<std::string, double>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? -1 : it->second;
}

std::int64_t watermark_ms(const std::map<std::string, double>& m) {
  return std::llround(at(m, "orderwatch_watermark_timestamp_seconds") * 1000);
}

// One event to publish: the loan, its status (index into the config's statuses), its time.
struct Sent {
  std::string id, payload;
  std::uint8_t status = 0;
  std::int64_t time_ms = 0;
};

// A workflow from the load generator, in event-time order, from `start` through `end` (event
// times), about `loans` loans; ids prefixed with `prefix` (two streams never share a loan).
std::vector<Sent> generate(const sla::Config& cfg, std::int64_t start, std::int64_t end,
                           double loans, std::uint64_t seed, const std::string& prefix = "") {
  loadgen::FlowOptions o;
  o.seed = seed;
  o.start_ms = start;
  o.arrival_rate = loans * 1000.0 / static_cast<double>(end - start);
  o.stuck_fraction = 0.01;
  o.time_format = loadgen::TimeFormat::kEpochMillis;
  loadgen::FlowGenerator gen(cfg, o);
  std::vector<Sent> out;
  loadgen::FlowEvent e;
  while (gen.next(e) && e.time_ms <= end) {
    e.id = prefix + e.id;
    Sent s{e.id, "", e.status, e.time_ms};
    gen.serialize(e, s.payload);
    out.push_back(std::move(s));
  }
  return out;
}

// The events as published, in publish order, and the stays they make: the truth.
struct History {
  std::vector<std::string> payloads;
  std::vector<Stay> stays;
  std::map<std::string, std::size_t> open;  // loan id -> its open stay in stays
  std::int64_t last_event_ms = 0;

  void add(const sla::Config& cfg, const Sent& e) {
    if (auto it = open.find(e.id); it != open.end()) {
      stays[it->second].left = e.time_ms;
      stays[it->second].left_seq = payloads.size();
      open.erase(it);
    }
    const auto& st = cfg.statuses[e.status];
    if (!st.terminal) {
      open[e.id] = stays.size();
      stays.push_back({st.name, e.time_ms, LLONG_MAX});
    }
    payloads.push_back(e.payload);
    last_event_ms = std::max(last_event_ms, e.time_ms);
  }
};

// Three hours of a workflow, ending a minute ago, in event-time order.
History make_history(const sla::Config& cfg, std::int64_t now) {
  History h;
  for (const Sent& e : generate(cfg, now - 3 * 3600 * 1000, now - 60 * 1000, 4000, 11))
    h.add(cfg, e);
  return h;
}

void publish_to_stream(const std::string& url, const std::vector<std::string>& payloads) {
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, url.c_str()), NATS_OK);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 2000;
  ASSERT_EQ(natsConnection_JetStream(&js, conn, &jo), NATS_OK);
  for (const auto& p : payloads) {
    ASSERT_EQ(js_PublishAsync(js, "loans.status", p.data(), static_cast<int>(p.size()), nullptr),
              NATS_OK);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 30'000;
  ASSERT_EQ(js_PublishAsyncComplete(js, &po), NATS_OK);
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
}

TEST(Watermark, AReplayOfABacklogShowsWhatWasTrueAtItsWatermarkAndCountsTheTrueBreaches) {
  TempDir dir;
  NatsServer nats(dir, 0, true);
  create_stream(nats.url(), "LOANS", {"loans.>"});
  // The stream ends where the producers stopped: after a second without events (and none
  // pending on the server) W follows the wall clock.
  const std::string yaml = config_yaml(true, "1s");
  const sla::Config cfg = sla::load_string(yaml);
  const auto tiers = tiers_of(cfg);
  const History h = make_history(cfg, unix_now_ms());
  ASSERT_GT(h.payloads.size(), 10'000u);
  publish_to_stream(nats.url(), h.payloads);
  ASSERT_EQ(stream_last_seq(nats.url(), "LOANS"), h.payloads.size());

  ExporterProcess e(dir.write("sla.yaml", yaml), nats.url(), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  std::size_t during = 0;  // scrapes with W inside the history, i.e. mid-catch-up
  std::int64_t max_overdue_seen = 0;
  std::int64_t w = 0;
  std::map<std::string, double> m;
  const auto deadline = std::chrono::steady_clock::now() + seconds(120);
  for (;;) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << e.log();
    m = e.scrape();
    if (m.empty()) continue;
    w = watermark_ms(m);
    const auto applied = static_cast<std::size_t>(at(m, R"(order_events_total{result="applied"})"));
    const double lag = at(m, "orderwatch_watermark_lag_seconds");
    ASSERT_GE(lag, 0);
    if (w == 0) continue;  // no position yet
    for (const auto& t : tiers) {
      const Truth truth = truth_at(h.stays, t, w);
      const double overdue = at(m, "order_overdue" + t.key());
      const double breaches = at(m, "order_sla_breaches_total" + t.key());
      ASSERT_LE(overdue, static_cast<double>(truth.overdue)) << t.key() << " at W=" << w;
      ASSERT_LE(breaches, static_cast<double>(breach_bound(h.stays, t, w, applied)))
          << t.key() << " at W=" << w << " after " << applied << " events";
      max_overdue_seen = std::max(max_overdue_seen, static_cast<std::int64_t>(overdue));
    }
    if (w <= h.last_event_ms) {
      ++during;
    } else if (lag < 5 && consumer_state(nats.url(), "LOANS", "fresh").num_pending == 0) {
      break;  // caught up, and idle for event.idle_timeout: W follows the wall clock again
    }
  }
  EXPECT_GE(during, 3u) << "the catch-up was never seen: nothing was tested during it";
  EXPECT_GT(max_overdue_seen, 0);

  // Caught up: every event is in, W is past them all, so the truth is exact.
  std::int64_t true_breaches = 0;
  for (const auto& t : tiers) {
    const Truth truth = truth_at(h.stays, t, w);
    EXPECT_EQ(at(m, "order_sla_breaches_total" + t.key()), static_cast<double>(truth.breaches))
        << t.key();
    std::int64_t still_overdue = 0;
    for (const auto& s : h.stays) {
      if (s.status == t.status && s.left == LLONG_MAX && w - s.entered >= t.after_ms)
        ++still_overdue;
    }
    EXPECT_EQ(at(m, "order_overdue" + t.key()), static_cast<double>(still_overdue)) << t.key();
    true_breaches += truth.breaches;
  }
  EXPECT_EQ(at(m, R"(order_events_total{result="applied"})"),
            static_cast<double>(h.payloads.size()));
  // Not vacuous: a few loans really were stuck, most moved on in time.
  EXPECT_GT(true_breaches, 10);
  EXPECT_LT(static_cast<std::size_t>(true_breaches), h.stays.size() / 10);
  std::printf("%zu events, %zu stays; %zu scrapes during the catch-up; %lld true breaches\n",
              h.payloads.size(), h.stays.size(), during, static_cast<long long>(true_breaches));
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

// A producer empties its outbox on core NATS: every loan's events, hours old, in one burst. The
// loans that moved on in time count no breach although each arrived long past every tier; the
// ones whose next event shows a long stay count it, and the ones that never moved count it
// once the burst is through.
TEST(Watermark, ACoreNatsBurstOfBackdatedEventsCountsOnlyTheTrueBreaches) {
  TempDir dir;
  NatsServer nats(dir);
  ExporterProcess e(dir.write("sla.yaml", config_yaml(false, "1s")), nats.url(),
                    dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_ready()) << e.log();
  NatsPublisher pub(nats.url());
  const std::int64_t start = unix_now_ms() - 3 * 3600 * 1000;
  constexpr int kQuick = 600, kSlow = 25, kStuck = 10;
  const std::int64_t minute = 60 * 1000;
  auto send = [&](const std::string& id, const char* status, std::int64_t t) {
    pub.send(R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
                 std::to_string(t) + "}",
             "loans.status");
  };
  for (int i = 0; i < kQuick + kSlow + kStuck; ++i) {
    const std::string id = "loan-" + std::to_string(i);
    const std::int64_t t = start + i * 1000;
    send(id, "Applied", t);
    if (i >= kQuick + kSlow) continue;                               // stuck in Applied
    const std::int64_t stay = i < kQuick ? 2 * minute : 7 * minute;  // SLA 5m
    send(id, "KycVerified", t + stay);
    send(id, "Disbursed", t + stay + 3 * minute);
  }
  pub.flush();
  const double events = kQuick * 3 + kSlow * 3 + kStuck;
  auto m = e.scrape_when(R"(order_events_total{result="applied"})", events);
  // The stuck loans' breaches wait until the arriving events pass their deadlines: nothing
  // arrives after the burst, so once event.idle_timeout (1s) passed W follows the wall clock.
  // Wait for them, then longer (no more may come).
  m = e.scrape_when(R"(order_sla_breaches_total{status="Applied",severity="warning"})",
                    kSlow + kStuck);
  std::this_thread::sleep_for(milliseconds(1500));
  m = e.scrape();
  EXPECT_EQ(at(m, R"(order_sla_breaches_total{status="Applied",severity="warning"})"),
            kSlow + kStuck);
  EXPECT_EQ(at(m, R"(order_sla_breaches_total{status="KycVerified",severity="warning"})"), 0);
  EXPECT_EQ(at(m, R"(order_sla_breaches_total{status="KycVerified",severity="page"})"), 0);
  EXPECT_EQ(at(m, R"(order_overdue{status="Applied",severity="warning"})"), kStuck);
  EXPECT_EQ(at(m, R"(order_in_status{status="KycVerified"})"), 0);
  EXPECT_LT(at(m, "orderwatch_watermark_lag_seconds"), 5);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

// ---- Core NATS backfills (issue 23) -------------------------------------------------------

// What a publisher thread sends: a backfill (old event times, in event-time order), optionally
// with live traffic (event times ~ now, each sent once the wall clock reaches it) on the same
// subject, alone for `live_first` before the backfill starts and interleaved with it after.
struct Plan {
  std::vector<Sent> backfill, live;
  std::size_t chunk = 200;  // backfill events per chunk; 0 = all at once, at full speed
  milliseconds pause{20};   // between chunks
  milliseconds live_first{0};
  // Also list the overdue orders (/api/v1/overdue) now and then while the backfill runs and
  // check each against the truth as of W: in that status at W, past the tier it is listed in.
  bool check_orders = false;
};

// Publishes `plan` on one connection (so the exporter applies in publish order); returns the
// events in the order sent and, in backfill_from, the position of the first backfill event.
std::vector<const Sent*> run_plan(const std::string& url, const Plan& plan,
                                  std::size_t& backfill_from) {
  NatsPublisher pub(url);
  std::vector<const Sent*> order;
  std::size_t li = 0;
  auto send = [&](const Sent& e) {
    pub.send(e.payload, "loans.status");
    order.push_back(&e);
  };
  auto send_live = [&] {
    const std::int64_t now = unix_now_ms();
    while (li < plan.live.size() && plan.live[li].time_ms <= now) send(plan.live[li++]);
  };
  const auto live_until = std::chrono::steady_clock::now() + plan.live_first;
  while (std::chrono::steady_clock::now() < live_until) {
    send_live();
    pub.flush();
    std::this_thread::sleep_for(plan.pause);
  }
  backfill_from = order.size();
  const std::size_t chunk = plan.chunk == 0 ? plan.backfill.size() : plan.chunk;
  for (std::size_t bi = 0; bi < plan.backfill.size();) {
    for (const std::size_t end = std::min(plan.backfill.size(), bi + chunk); bi < end; ++bi)
      send(plan.backfill[bi]);
    send_live();
    if (plan.chunk == 0) continue;
    pub.flush();
    std::this_thread::sleep_for(plan.pause);
  }
  send_live();
  pub.flush();
  return order;
}

// One scrape: W, the events applied, the overdue gauge and breach counter of each tier.
struct Sample {
  std::int64_t w = 0;
  std::size_t applied = 0;
  std::vector<double> overdue, breaches;  // per tier, as tiers_of() lists them
};

// The overdue orders /api/v1/overdue listed, between two scrapes whose W bound the W it was
// answered as of (W never moves back): w_before <= W <= w_after.
struct Listed {
  std::int64_t w_before = 0, w_after = 0;
  struct Order {
    std::string id, status;
    int tiers = 0;  // tiers_crossed
  };
  std::vector<Order> orders;
  // The answer's own "watermark" (the W its ages are judged as of: the gauges' W, so within
  // [w_before, w_after]) and how many of its ages were not that W - entered.
  std::int64_t w_answer = 0;
  std::size_t wrong_ages = 0;
};

Listed overdue_orders(int port, std::int64_t w_before) {
  Listed out{w_before, 0, {}};
  const auto r = http_get(port, "/api/v1/overdue?limit=1000");
  const auto j = nlohmann::json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded() || !j.contains("orders") || !j.contains("watermark")) << r.body;
  if (j.is_discarded() || !j.contains("orders") || !j.contains("watermark")) return out;
  EXPECT_LE(j["total"].get<std::size_t>(), 1000u) << "more overdue than one page lists";
  out.w_answer = events::parse_time_text(j["watermark"].get<std::string>()).value_or(0);
  for (const auto& o : j["orders"]) {
    out.orders.push_back({o["id"].get<std::string>(), o["status"].get<std::string>(),
                          o["tiers_crossed"].get<int>()});
    const auto entered = events::parse_time_text(o["entered"].get<std::string>()).value_or(0);
    const auto age_ms = std::llround(o["age_seconds"].get<double>() * 1000);
    if (age_ms != out.w_answer - entered) ++out.wrong_ages;
  }
  return out;
}

// Orders listed overdue that were not as of any W the answer can have been given at: gone from
// that status before w_before, or not yet past the tier at w_after. Each loan of these
// histories has at most one stay per status.
std::size_t false_overdue(const Listed& l, const std::vector<Stay>& stays,
                          const std::map<std::string, std::vector<std::size_t>>& stays_of,
                          const sla::Config& cfg) {
  std::size_t n = 0;
  for (const auto& o : l.orders) {
    const auto it = stays_of.find(o.id);
    const Stay* stay = nullptr;
    if (it != stays_of.end()) {
      for (std::size_t i : it->second) stay = stays[i].status == o.status ? &stays[i] : stay;
    }
    std::int64_t after_ms = 0;
    for (const auto& st : cfg.statuses) {
      if (st.name == o.status && o.tiers >= 1 && o.tiers <= static_cast<int>(st.tiers.size()))
        after_ms = st.tiers[static_cast<std::size_t>(o.tiers - 1)].after.count();
    }
    if (stay == nullptr || after_ms == 0 || stay->left < l.w_before ||
        stay->entered + after_ms > l.w_after) {
      ++n;
      if (n <= 5) {
        std::printf(
            "  false overdue: %s in %s, %d tiers; entered %lld left %lld; W in [%lld, %lld]\n",
            o.id.c_str(), o.status.c_str(), o.tiers,
            static_cast<long long>(stay ? stay->entered : 0),
            static_cast<long long>(stay ? stay->left : 0), static_cast<long long>(l.w_before),
            static_cast<long long>(l.w_after));
      }
    }
  }
  return n;
}

struct Outcome {
  std::vector<Sample> samples;  // every scrape with a position, the final one last
  std::vector<Listed> listed;   // Plan::check_orders
  std::size_t false_overdue = 0, most_false_overdue = 0;  // over all listings; in one
  History truth;                                          // as published
  std::size_t backfill_from = 0;
  double seconds = 0;  // the whole run, exporter start to the final scrape
};

// Starts `orderwatch serve` on core NATS with `yaml`, publishes `plan` while scraping /metrics
// about 100 times a second, and keeps scraping until every event is applied and W follows the
// wall clock (the producer idle for event.idle_timeout); then checks every scrape against the
// truth: overdue <= the truth as of its W, breaches <= breach_bound, W never backwards; and
// the final scrape's breach counters and gauges equal to the truth.
Outcome run_backfill(const std::string& yaml, const Plan& plan) {
  Outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  const sla::Config cfg = sla::load_string(yaml);
  const auto tiers = tiers_of(cfg);
  TempDir dir;
  NatsServer nats(dir);
  ExporterProcess e(dir.write("sla.yaml", yaml), nats.url(), dir.path() + "/serve.log");
  EXPECT_TRUE(e.wait_ready()) << e.log();
  std::vector<const Sent*> order;
  std::atomic<bool> sent{false};
  std::thread publisher([&] {
    order = run_plan(nats.url(), plan, out.backfill_from);
    sent = true;
  });
  const std::size_t most = plan.backfill.size() + plan.live.size();
  const auto deadline = std::chrono::steady_clock::now() + seconds(90);
  std::optional<std::chrono::steady_clock::time_point> all_applied;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));  // ~100 scrapes a second, leave CPU to it
    const auto m = e.scrape();
    if (m.empty() || watermark_ms(m) == 0) continue;
    Sample s{watermark_ms(m),
             static_cast<std::size_t>(at(m, R"(order_events_total{result="applied"})")),
             {},
             {}};
    for (const auto& t : tiers) {
      s.overdue.push_back(at(m, "order_overdue" + t.key()));
      s.breaches.push_back(at(m, "order_sla_breaches_total" + t.key()));
    }
    if (!out.listed.empty() && out.listed.back().w_after == 0) out.listed.back().w_after = s.w;
    if (plan.check_orders && out.samples.size() % 5 == 0 && s.applied < most)
      out.listed.push_back(overdue_orders(e.port(), s.w));
    out.samples.push_back(std::move(s));
    if (!sent || out.samples.back().applied < order.size()) continue;
    if (!all_applied) all_applied = std::chrono::steady_clock::now();
    // Idle since the last event, W follows the wall clock: the truth is final.
    if (std::chrono::steady_clock::now() - *all_applied > cfg.event.idle_timeout &&
        at(m, "orderwatch_watermark_lag_seconds") < 1)
      break;
  }
  publisher.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const Sent* p : order) out.truth.add(cfg, *p);
  EXPECT_LE(order.size(), most);
  EXPECT_TRUE(all_applied) << "not every event was applied\n" << e.log();
  EXPECT_FALSE(out.samples.empty()) << e.log();
  if (out.samples.empty()) return out;
  std::int64_t prev_w = 0;
  for (const Sample& s : out.samples) {
    EXPECT_GE(s.w, prev_w) << "W went backwards";
    prev_w = s.w;
    for (std::size_t k = 0; k < tiers.size(); ++k) {
      const Truth truth = truth_at(out.truth.stays, tiers[k], s.w);
      EXPECT_LE(s.overdue[k], static_cast<double>(truth.overdue))
          << tiers[k].key() << " overdue at W=" << s.w << " after " << s.applied << " events";
      EXPECT_LE(s.breaches[k],
                static_cast<double>(breach_bound(out.truth.stays, tiers[k], s.w, s.applied)))
          << tiers[k].key() << " breaches at W=" << s.w << " after " << s.applied << " events";
    }
  }
  // Stays were opened in publish order, one per event of a non-terminal status.
  std::map<std::string, std::vector<std::size_t>> stays_of;
  std::size_t next_stay = 0;
  for (const Sent* p : order) {
    if (!cfg.statuses[p->status].terminal) stays_of[p->id].push_back(next_stay++);
  }
  for (Listed& l : out.listed) {
    if (l.w_after == 0) l.w_after = out.samples.back().w;
    const std::size_t n = false_overdue(l, out.truth.stays, stays_of, cfg);
    out.false_overdue += n;
    out.most_false_overdue = std::max(out.most_false_overdue, n);
    // The API's ages are judged as of the gauges' W (never the wall clock): its W lies between
    // the scrapes around it, and every age is that W - entered.
    // (Under ASan the answer's W was seen 2 ms past the next scrape's, twice in one run; not
    // explained yet -- see the closing note of session 10. A wall-clock age would be hours off.)
    constexpr std::int64_t kSlackMs = 10;
    EXPECT_GE(l.w_answer, l.w_before);
    EXPECT_LE(l.w_answer, l.w_after + kSlackMs);
    EXPECT_EQ(l.wrong_ages, 0u) << "ages not W - entered, W " << l.w_answer;
  }
  EXPECT_EQ(out.most_false_overdue, 0u)
      << out.false_overdue << " orders listed overdue that were not as of W, over "
      << out.listed.size() << " listings";
  const Sample& last = out.samples.back();
  EXPECT_EQ(last.applied, out.truth.payloads.size());
  for (std::size_t k = 0; k < tiers.size(); ++k) {
    const Truth truth = truth_at(out.truth.stays, tiers[k], last.w);
    EXPECT_EQ(last.breaches[k], static_cast<double>(truth.breaches)) << tiers[k].key();
    EXPECT_EQ(last.overdue[k], static_cast<double>(truth.overdue)) << tiers[k].key();
  }
  EXPECT_EQ(e.process().stop(), 0) << e.log();
  return out;
}

std::size_t mid_stream(const Outcome& o) {
  std::size_t n = 0;
  for (const Sample& s : o.samples) n += s.applied < o.truth.payloads.size() ? 1 : 0;
  return n;
}
double max_overdue_mid_stream(const Outcome& o) {
  double most = 0;
  for (const Sample& s : o.samples) {
    if (s.applied >= o.truth.payloads.size()) continue;
    for (double v : s.overdue) most = std::max(most, v);
  }
  return most;
}

// The figures of a run, printed for the record: per tier the largest overdue gauge seen
// mid-stream and the truth as of that scrape's W, the final breaches and the truth.
void report(const char* name, const std::string& yaml, const Outcome& o) {
  const auto tiers = tiers_of(sla::load_string(yaml));
  std::printf("%s: %zu events, %zu stays, %.1f s; %zu scrapes, %zu mid-stream\n", name,
              o.truth.payloads.size(), o.truth.stays.size(), o.seconds, o.samples.size(),
              mid_stream(o));
  // Every event in, the idle timeout not yet passed: where W stood, behind the newest event.
  std::int64_t behind_ms = 0;
  std::size_t behind_scrapes = 0;
  for (const Sample& s : o.samples) {
    if (s.applied < o.truth.payloads.size() || s.w >= o.truth.last_event_ms) continue;
    behind_ms = std::max(behind_ms, o.truth.last_event_ms - s.w);
    ++behind_scrapes;
  }
  std::printf(
      "  all applied, before the idle timeout: W up to %.0f s behind the newest event "
      "time (%zu scrapes)\n",
      static_cast<double>(behind_ms) / 1000.0, behind_scrapes);
  if (!o.listed.empty()) {
    std::printf(
        "  %zu listings of the overdue orders mid-stream: %zu listed not overdue as of W "
        "(most in one listing %zu)\n",
        o.listed.size(), o.false_overdue, o.most_false_overdue);
  }
  for (std::size_t k = 0; k < tiers.size(); ++k) {
    double max_overdue = 0;
    std::int64_t truth_then = 0;
    for (const Sample& s : o.samples) {
      if (s.overdue[k] < max_overdue || s.applied >= o.truth.payloads.size()) continue;
      max_overdue = s.overdue[k];
      truth_then = truth_at(o.truth.stays, tiers[k], s.w).overdue;
    }
    const Sample& last = o.samples.back();
    std::printf("  %s: max overdue mid-stream %.0f (truth then %lld); breaches %.0f (truth %lld)\n",
                tiers[k].key().c_str(), max_overdue, static_cast<long long>(truth_then),
                last.breaches[k],
                static_cast<long long>(truth_at(o.truth.stays, tiers[k], last.w).breaches));
  }
}

// `hours` of a workflow (3: ~10,000 loans, ~29,000 events), ending a minute ago: 1% of the
// generator's loans stick in a status for a while past every tier and then move on; 100 more
// are truly stuck now (every hours * 3.3 minutes one enters Applied, one KycVerified, and never
// moves), so loans are overdue as of W while the backfill runs, not only once it is through.
std::vector<Sent> backfill_history(const sla::Config& cfg, std::int64_t now, int hours = 3) {
  const std::int64_t span = hours * 3600 * 1000;
  const std::int64_t start = now - span;
  std::vector<Sent> out = generate(cfg, start, now - 60 * 1000, hours * 10'000.0 / 3, 23);
  auto stuck = [&](const std::string& id, std::uint8_t status, std::int64_t t) {
    Sent e{id,
           R"({"orderId":")" + id + R"(","status":")" + cfg.statuses[status].name +
               R"(","timestamp":)" + std::to_string(t) + "}",
           status, t};
    out.push_back(std::move(e));
  };
  for (int i = 0; i < 50; ++i) {
    const std::int64_t t = start + i * (span / 55) + 7'000;
    stuck("stuck-applied-" + std::to_string(i), 0, t);
    stuck("stuck-kyc-" + std::to_string(i), 0, t + 1'000);
    stuck("stuck-kyc-" + std::to_string(i), 1, t + 61'000);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Sent& a, const Sent& b) { return a.time_ms < b.time_ms; });
  return out;
}

// The idle timeout of the backfill tests: longer than an exporter's start under the sanitizers
// (idle counts from the start: W would follow the wall clock before the first event).
constexpr const char* kBackfillIdle = "3s";

// Issue 23's failing case, scaled: a producer re-sends hours of history in event-time order,
// 200 events every 20 ms. Drained between chunks, the client's queue said "caught up" and W
// jumped to the wall clock: every in-flight loan looked hours old (5,211 overdue where 29
// were, 49,460 breaches instead of 29). W now follows the event times.
TEST(Watermark, APacedCoreNatsBackfillShowsNoMoreThanTheTruthAndCountsTheTrueBreaches) {
  const std::string yaml = config_yaml(false, kBackfillIdle);
  Plan plan;
  plan.backfill = backfill_history(sla::load_string(yaml), unix_now_ms());
  ASSERT_GT(plan.backfill.size(), 20'000u);
  plan.check_orders = true;
  const Outcome o = run_backfill(yaml, plan);
  report("paced backfill", yaml, o);
  EXPECT_GE(mid_stream(o), 3u) << "the backfill was never seen: nothing was tested during it";
  EXPECT_GT(max_overdue_mid_stream(o), 0) << "nothing overdue mid-stream: a vacuous comparison";
}

// The same history at full speed.
TEST(Watermark, AnUnpacedCoreNatsBackfillShowsNoMoreThanTheTruthAndCountsTheTrueBreaches) {
  const std::string yaml = config_yaml(false, kBackfillIdle);
  Plan plan;
  plan.backfill = backfill_history(sla::load_string(yaml), unix_now_ms());
  plan.chunk = 0;
  const Outcome o = run_backfill(yaml, plan);
  report("unpaced backfill", yaml, o);
}

// Live loans (event times ~ now, ~50 a second) on the same subject, sent between the chunks of
// a paced backfill: W follows the oldest recent event times, i.e. the backfill's; the live
// loans are judged as of it (not overdue: they entered after W).
TEST(Watermark, ABackfillInterleavedWithLiveTrafficShowsNoMoreThanTheTruth) {
  const std::string yaml = config_yaml(false, kBackfillIdle);
  const sla::Config cfg = sla::load_string(yaml);
  const std::int64_t now = unix_now_ms();
  Plan plan;
  plan.backfill = backfill_history(cfg, now);
  plan.live = generate(cfg, now, now + 60'000, 3000, 29, "live-");
  plan.check_orders = true;
  const Outcome o = run_backfill(yaml, plan);
  report("backfill interleaved with live traffic", yaml, o);
  EXPECT_GE(mid_stream(o), 3u) << "the backfill was never seen: nothing was tested during it";
  EXPECT_GT(max_overdue_mid_stream(o), 0) << "nothing overdue mid-stream: a vacuous comparison";
  std::size_t live = 0;
  for (const auto& p : o.truth.payloads) live += p.find("live-") != std::string::npos ? 1 : 0;
  EXPECT_GT(live, 50u) << "hardly any live traffic was interleaved";
}

// Live traffic first, for 3 s: W follows it, near the wall clock. Then the backfill starts
// (live traffic going on): its stays arrive behind W, already past their tiers -- late. They
// are neither overdue nor breaches until the arriving events pass their deadlines; those whose
// next event comes in the same backfill never count.
TEST(Watermark, ABackfillStartedAfterLiveTrafficCountsNoFalseOverdueNorBreach) {
  const std::string yaml = config_yaml(false, kBackfillIdle);
  const sla::Config cfg = sla::load_string(yaml);
  const std::int64_t now = unix_now_ms();
  Plan plan;
  plan.backfill = backfill_history(cfg, now);
  plan.live = generate(cfg, now, now + 60'000, 3000, 31, "live-");
  plan.live_first = seconds(3);
  plan.check_orders = true;
  const Outcome o = run_backfill(yaml, plan);
  report("backfill after live traffic", yaml, o);
  EXPECT_GE(mid_stream(o), 3u) << "the backfill was never seen: nothing was tested during it";
  // Before the backfill began W was already near the wall clock, ahead of every backfill event.
  std::int64_t w_before = 0;
  for (const Sample& s : o.samples) {
    if (s.applied <= o.backfill_from) w_before = std::max(w_before, s.w);
  }
  EXPECT_GT(w_before, now - 60 * 1000) << "W never reached the live traffic's times first";
}

// The same (two hours of history), four times slower: 50 events every 20 ms, about 15 minutes of
// event time a second (issue 23's own backfill sent ~8 minutes a second). A late stay's tier is
// confirmed once the arriving events pass its deadline, but W stands ahead (at the live
// traffic's times): a loan whose next event is more than about a second of arrivals behind its
// deadline (a KycVerified loan stuck 31-45 minutes, warned at 15) is listed and counted overdue
// until that event arrives, although as of W it had long moved on. Each order the page and
// /api/v1/overdue list must be overdue as of W.
TEST(Watermark, ASlowBackfillAfterLiveTrafficListsNoLoanOverdueThatHadMovedOnAsOfW) {
  const std::string yaml = config_yaml(false, kBackfillIdle);
  const sla::Config cfg = sla::load_string(yaml);
  const std::int64_t now = unix_now_ms();
  Plan plan;
  plan.backfill = backfill_history(cfg, now, 2);  // ~20,000 events: ~8 s at this pace
  plan.live = generate(cfg, now, now + 90'000, 4500, 37, "live-");
  plan.live_first = seconds(3);
  plan.chunk = 50;
  plan.check_orders = true;
  const Outcome o = run_backfill(yaml, plan);
  report("slow backfill after live traffic", yaml, o);
  EXPECT_GE(o.listed.size(), 3u) << "the overdue orders were never listed mid-stream";
}

// A producer sends two orders, then nothing. One event is 1.7 s old when it arrives (SLA 2s):
// judged on the wall clock it would be overdue 0.3 s later; judged by W it is not until the
// source has been idle for event.idle_timeout (1s), then W follows the wall clock and it is,
// within idle_timeout + one tick. The other, on time, is overdue once its SLA ran out (within
// idle_timeout + SLA + one tick at worst).
TEST(Watermark, AnIdleProducersOrderGoesOverdueAfterTheIdleTimeoutAndNotBefore) {
  TempDir dir;
  NatsServer nats(dir);
  ExporterProcess e(dir.write("sla.yaml", R"(service: idle
nats: {url: "nats://127.0.0.1:1", subject: "loans.>"}
event: {idle_timeout: 1s}
statuses:
  - {name: Applied, sla: 2s}
  - {name: Disbursed, terminal: true}
)"),
                    nats.url(), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_ready()) << e.log();
  const std::string overdue = R"(order_overdue{status="Applied",severity="warning"})";
  NatsPublisher pub(nats.url());
  const auto sent = std::chrono::steady_clock::now();
  const std::int64_t now = unix_now_ms();
  pub.send(
      R"({"orderId":"loan-1","status":"Applied","timestamp":)" + std::to_string(now - 1700) + "}",
      "loans.status");
  // And one sent on time: overdue once its SLA ran out, W following the wall clock by then.
  pub.send(R"({"orderId":"loan-2","status":"Applied","timestamp":)" + std::to_string(now) + "}",
           "loans.status");
  pub.flush();
  // Every scrape answered within 0.95 s of the send was ticked before the exporter (which
  // applied the event after it was sent) could have been idle for 1s: the order is not overdue.
  std::size_t telling = 0;  // of those, scrapes asked 0.35 s after the send or later
  for (;;) {
    const auto asked = std::chrono::steady_clock::now();
    const auto m = e.scrape();
    const auto answered = std::chrono::steady_clock::now();
    if (answered - sent >= milliseconds(950)) break;
    if (at(m, R"(order_in_status{status="Applied"})") != 2) continue;
    EXPECT_EQ(at(m, overdue), 0) << "overdue before the idle timeout";
    if (asked - sent >= milliseconds(350)) ++telling;
  }
  EXPECT_GE(telling, 1u) << "no scrape between 0.35 s and 0.95 s after the send: nothing tested";
  // Then overdue, within idle_timeout + SLA + a tick; polled with a generous bound.
  std::map<std::string, double> m;
  auto overdue_after = [&](double n) {
    EXPECT_TRUE(wait_until(
        [&] {
          m = e.scrape();
          return at(m, overdue) == n;
        },
        seconds(15)))
        << e.log();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  };
  const double first = overdue_after(1);
  const double second = overdue_after(2);
  std::printf(
      "idle producer: overdue %.2f s (sent 1.7 s late) and %.2f s (on time) after the "
      "send (idle_timeout 1s, SLA 2s)\n",
      first, second);
  EXPECT_EQ(at(m, R"(order_sla_breaches_total{status="Applied",severity="warning"})"), 2);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

}  // namespace
}  // namespace orderwatch::testing
