// Judging by event time against a real `nats-server -js` (issue 11): three hours of a lending
// workflow are already in the stream when `orderwatch serve` starts on a new durable, as after
// an outage without a snapshot. Scraped continuously while it catches up, the overdue gauges
// and breach counters never exceed the truth as of the watermark W it exports; once caught up
// the breach counters equal the history's breaches exactly. And on core NATS a burst of
// backdated events (an order's first and next events together) counts no breach.
// The truth is computed here from the events published.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"
#include "orderwatch/loadgen/flow.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string config_yaml(bool jetstream) {
  return std::string(R"(service: lending
nats:
  url: "nats://127.0.0.1:1"
  subject: "loans.>"
)") + (jetstream ? "  jetstream: {stream: LOANS, durable: fresh, max_ack_pending: 200}\n" : "") +
         R"(statuses:
  - {name: Applied, sla: 5m}
  - name: KycVerified
    sla: 15m
    escalations: [{after: 30m, severity: page, team: risk}]
  - {name: Disbursed, terminal: true}
  - {name: Rejected, terminal: true}
)";
}

// One stay of one loan in a status with an SLA: [entered, left), left = LLONG_MAX while open.
struct Stay {
  std::string status;
  std::int64_t entered;
  std::int64_t left;
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

// Three hours of a workflow from the load generator, ending a minute ago, in event-time
// order; the stays it makes, for the truth.
struct History {
  std::vector<std::string> payloads;
  std::vector<Stay> stays;
  std::int64_t last_event_ms = 0;
};
History make_history(const sla::Config& cfg, std::int64_t now) {
  loadgen::FlowOptions o;
  o.seed = 11;
  o.start_ms = now - 3 * 3600 * 1000;
  o.arrival_rate = 4000.0 / (3 * 3600);  // ~4,000 loans
  o.stuck_fraction = 0.01;
  o.time_format = loadgen::TimeFormat::kEpochMillis;
  loadgen::FlowGenerator gen(cfg, o);
  History h;
  std::map<std::string, std::size_t> open;  // loan id -> its open stay in h.stays
  loadgen::FlowEvent e;
  const std::int64_t end = now - 60 * 1000;
  while (gen.next(e) && e.time_ms <= end) {
    if (auto it = open.find(e.id); it != open.end()) {
      h.stays[it->second].left = e.time_ms;
      open.erase(it);
    }
    const auto& st = cfg.statuses[e.status];
    if (!st.terminal) {
      open[e.id] = h.stays.size();
      h.stays.push_back({st.name, e.time_ms, LLONG_MAX});
    }
    h.payloads.emplace_back();
    gen.serialize(e, h.payloads.back());
    h.last_event_ms = e.time_ms;
  }
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
  const std::string yaml = config_yaml(true);
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
    w = std::llround(at(m, "orderwatch_watermark_timestamp_seconds") * 1000);
    const double lag = at(m, "orderwatch_watermark_lag_seconds");
    ASSERT_GE(lag, 0);
    if (w == 0) continue;  // no position yet
    for (const auto& t : tiers) {
      const Truth truth = truth_at(h.stays, t, w);
      const double overdue = at(m, "order_overdue" + t.key());
      const double breaches = at(m, "order_sla_breaches_total" + t.key());
      ASSERT_LE(overdue, static_cast<double>(truth.overdue)) << t.key() << " at W=" << w;
      ASSERT_LE(breaches, static_cast<double>(truth.breaches)) << t.key() << " at W=" << w;
      max_overdue_seen = std::max(max_overdue_seen, static_cast<std::int64_t>(overdue));
    }
    if (w <= h.last_event_ms) {
      ++during;
    } else if (lag < 5 && consumer_state(nats.url(), "LOANS", "fresh").num_pending == 0) {
      break;  // caught up: W follows the wall clock again
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
  ExporterProcess e(dir.write("sla.yaml", config_yaml(false)), nats.url(),
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
  // The stuck loans' breaches wait a grace second past the burst: wait for them, then longer.
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

}  // namespace
}  // namespace orderwatch::testing
