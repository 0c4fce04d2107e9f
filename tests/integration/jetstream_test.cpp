// JetStream mode against a real `nats-server -js` with its store in a temp dir: the
// exporter is killed with SIGKILL mid-stream and restarted, the server is killed and
// restarted mid-stream, a previous consumer's acknowledged-but-lost deliveries and
// redeliveries are replayed, and two instances over partition() subjects are summed. Each
// time the in-flight and overdue counts per status, tier and region must equal those of an
// exporter that read the same stream without interruption (its own durable consumer).
//
// Sizes: ORDERWATCH_JS_EVENTS overrides the crash tests' event count (CI: 100,000;
// scripts/bench runs them at 1,000,000).
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "harness.h"

namespace orderwatch::testing {
namespace {

using std::chrono::seconds;

// Event times lie days in the past (publish --backfill). Once an exporter has read the whole
// stream and no event came for event.idle_timeout (1s here: the publisher is done), W follows
// the wall clock, so every tier crossing that matters already happened, or happens for both
// exporters at the same wall-clock instant. (Until then W stays at the event times of the last
// arrivals, which differ between a crashed exporter and an uninterrupted one.)
std::string config_yaml(const std::string& subject, const std::string& durable) {
  return R"(service: jstest
nats:
  url: "nats://127.0.0.1:1"
  subject: ")" +
         subject + R"("
  jetstream: {stream: ORDERS, durable: )" +
         durable + R"(, ack_wait: 2s, max_ack_pending: 4096, max_deliver: 10,
  nak_delay: 100ms}
event:
  dimensions: [{field: region, max_values: 50}]
  idle_timeout: 1s
statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations:
      - {after: 2h, severity: page, team: payments}
      - {after: 6h, severity: critical}
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
)";
}

std::uint64_t crash_test_events() {
  const char* env = std::getenv("ORDERWATCH_JS_EVENTS");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 100'000;
}

// The timeout for consuming `events` messages: generous for sanitizer builds.
std::chrono::milliseconds consume_timeout(std::uint64_t events) {
  return seconds(60 + static_cast<long>(events / 2'000));
}

// One `orderwatch serve` process; restartable (a new process each time).
class Exporter {
 public:
  Exporter(const TempDir& dir, std::string name, std::string config_path, std::string url,
           std::vector<std::string> extra = {})
      : dir_(dir),
        name_(std::move(name)),
        config_(std::move(config_path)),
        url_(std::move(url)),
        extra_(std::move(extra)) {
    start();
  }

  void start() {
    const std::string log =
        dir_.path() + "/" + name_ + "-" + std::to_string(generation_++) + ".log";
    process_.emplace(config_, url_, log, extra_);
    ASSERT_TRUE(process_->wait_for_port()) << process_->log();
  }
  void kill9() { process_->process().stop(SIGKILL); }
  int stop() { return process_->process().stop(SIGTERM); }
  std::string log() const { return process_->log(); }

  std::map<std::string, double> scrape() { return process_->scrape(); }
  double value(const std::string& series) {
    auto m = scrape();
    return m.count(series) ? m[series] : -1;
  }
  // Events handled so far (any result).
  double handled() {
    double sum = 0;
    for (const auto& [k, v] : scrape()) {
      if (k.starts_with("order_events_total{")) sum += v;
    }
    return sum;
  }
  bool ready() { return http_get(process_->port(), "/readyz").status == 200; }

 private:
  const TempDir& dir_;
  std::string name_, config_, url_;
  std::vector<std::string> extra_;
  int generation_ = 0;
  std::optional<ExporterProcess> process_;
};

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Waits until `count` snapshot files were written after `after` (Unix seconds), read from the
// exporter's orderwatch_snapshot_last_success_timestamp_seconds.
bool wait_for_snapshots_after(Exporter& e, double after, int count,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double last = after;
  for (int i = 0; i < count; ++i) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const bool written = wait_until(
        [&] {
          const double at = e.value("orderwatch_snapshot_last_success_timestamp_seconds");
          if (at <= last) return false;
          last = at;
          return true;
        },
        std::max(left, std::chrono::milliseconds(0)));
    if (!written) return false;
  }
  return true;
}

// The series the issue compares: in-flight and overdue, per status, tier and region.
std::map<std::string, double> order_counts(const std::map<std::string, double>& m) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : m) {
    if (k.starts_with("order_in_status{") || k.starts_with("order_overdue{")) out[k] = v;
  }
  return out;
}

std::map<std::string, double> sum_counts(const std::map<std::string, double>& a,
                                         const std::map<std::string, double>& b) {
  std::map<std::string, double> out = a;
  for (const auto& [k, v] : b) out[k] += v;
  return out;
}

std::string diff(const std::map<std::string, double>& got,
                 const std::map<std::string, double>& want) {
  std::string out;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end() || it->second != v) {
      out += "  " + k + ": got " + (it == got.end() ? "none" : std::to_string(it->second)) +
             ", want " + std::to_string(v) + "\n";
    }
  }
  for (const auto& [k, v] : got) {
    if (!want.count(k)) out += "  " + k + ": unexpected " + std::to_string(v) + "\n";
  }
  return out;
}

double total(const std::map<std::string, double>& counts, const std::string& prefix) {
  double sum = 0;
  for (const auto& [k, v] : counts) {
    if (k.starts_with(prefix)) sum += v;
  }
  return sum;
}

class JetStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_.emplace(dir_, 0, true);
    create_stream(nats_->url(), "ORDERS", {"orders.status.>"});
    config_ = dir_.write("sla.yaml", config_yaml("orders.status.>", "orderwatch"));
    reference_config_ = dir_.write("reference.yaml", config_yaml("orders.status.>", "reference"));
  }

  std::unique_ptr<Process> publish(std::uint64_t events, const std::string& config,
                                   std::vector<std::string> extra = {}) {
    // ~4 events per order; arrivals spread the stream over ~3 virtual days ending a day ago.
    const double arrival_rate = static_cast<double>(events) / 4.0 / (3 * 86'400.0);
    std::vector<std::string> argv{orderwatch_bin(),
                                  "publish",
                                  "--config",
                                  config,
                                  "--nats-url",
                                  nats_->url(),
                                  "--jetstream",
                                  "--rate",
                                  "0",
                                  "--events",
                                  std::to_string(events),
                                  "--seed",
                                  "42",
                                  "--backfill",
                                  "4d",
                                  "--arrival-rate",
                                  std::to_string(arrival_rate),
                                  "--bad-fraction",
                                  "0.002"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(
        argv, dir_.path() + "/publish-" + std::to_string(publishes_++) + ".log");
  }

  // Waits until the durable has nothing pending or unacknowledged and the stream is complete.
  void wait_consumed(const std::string& durable, std::uint64_t last_seq, std::uint64_t events,
                     Exporter& e) {
    ConsumerState st;
    const bool ok = wait_until(
        [&] {
          st = consumer_state(nats_->url(), "ORDERS", durable);
          return st.exists && st.num_pending == 0 && st.num_ack_pending == 0 &&
                 st.delivered_stream_seq >= last_seq;
        },
        consume_timeout(events));
    ASSERT_TRUE(ok) << durable << ": pending " << st.num_pending << ", ack pending "
                    << st.num_ack_pending << ", delivered " << st.delivered_stream_seq << " of "
                    << last_seq << "\n"
                    << e.log();
  }

  // The counts of `got` (a function scraping one or more exporters) must settle equal to
  // `want`'s. Caught up and idle, W follows the wall clock for both: tier crossings happen at
  // the same instant, so a mismatch caught between two scrapes clears on the next round; a real
  // loss never does.
  void expect_converge(const std::function<std::map<std::string, double>()>& got, Exporter& want,
                       std::uint64_t events) {
    std::map<std::string, double> g, w;
    const bool equal = wait_until(
        [&] {
          const auto full = want.scrape();
          w = order_counts(full);
          g = got();
          // Until `want` has been idle for event.idle_timeout its W stands at the event times
          // of its last arrivals (a day ago, nothing overdue yet): not the state to compare.
          const auto lag = full.find("orderwatch_watermark_lag_seconds");
          return !w.empty() && lag != full.end() && lag->second < 60 && g == w;
        },
        seconds(30));
    EXPECT_TRUE(equal) << "counts differ from the uninterrupted run:\n" << diff(g, w);
    // Not a vacuous comparison: orders are in flight and some are overdue.
    EXPECT_GT(total(w, "order_in_status{"), static_cast<double>(events) / 50);
    EXPECT_GT(total(w, "order_overdue{"), static_cast<double>(events) / 1000);
  }

  // The stream is published while the exporter consumes; the exporter is SIGKILLed a third of
  // the way in, while events keep arriving, and restarted with the same arguments.
  void crash_mid_stream(const std::vector<std::string>& extra) {
    const std::uint64_t events = crash_test_events();
    Exporter a(dir_, "crashed", config_, nats_->url(), extra);
    ASSERT_TRUE(wait_until([&] { return a.ready(); }, seconds(15))) << a.log();
    auto pub = publish(events, config_);
    ASSERT_TRUE(wait_until([&] { return a.handled() >= static_cast<double>(events) / 3; },
                           consume_timeout(events)))
        << a.log();
    const std::uint64_t at_kill = stream_last_seq(nats_->url(), "ORDERS");
    a.kill9();
    // Events arrive while it is down (unless the publisher had already sent them all).
    EXPECT_TRUE(wait_until(
        [&] {
          return stream_last_seq(nats_->url(), "ORDERS") >= at_kill + 1000 || !pub->running();
        },
        seconds(10)))
        << pub->log();
    a.start();
    EXPECT_EQ(pub->wait(consume_timeout(events)), 0) << pub->log();
    const std::uint64_t last = stream_last_seq(nats_->url(), "ORDERS");
    EXPECT_GE(last, events);
    wait_consumed("orderwatch", last, events, a);

    Exporter reference(dir_, "reference", reference_config_, nats_->url());
    wait_consumed("reference", last, events, reference);
    expect_converge([&] { return order_counts(a.scrape()); }, reference, events);

    const auto m = a.scrape();
    const auto counts = order_counts(m);
    std::printf(
        "stream %llu messages; compared %zu series: %.0f in flight, %.0f overdue "
        "(all tiers); after the kill: %.0f re-read, %.0f redelivered\n",
        static_cast<unsigned long long>(last), counts.size(), total(counts, "order_in_status{"),
        total(counts, "order_overdue{"), m.at("orderwatch_jetstream_replayed_messages_total"),
        m.at("orderwatch_jetstream_redelivered_total"));
    EXPECT_GT(m.at("orderwatch_jetstream_replayed_messages_total"), 0)
        << "the restart re-read nothing: the kill came too late to test anything";
    EXPECT_EQ(m.at("orderwatch_jetstream_lost_messages_total"), 0);
    // The exported lag follows the server's within a poll (the catch-up may end between two).
    EXPECT_TRUE(wait_until(
        [&] { return a.value("orderwatch_jetstream_consumer_pending_messages") == 0; }, seconds(5)))
        << a.log();
    // Poison messages were terminated by the uninterrupted run and are never redelivered; the
    // unknown statuses (a reload could add them) were NAKed until their last delivery first.
    const auto r = reference.scrape();
    EXPECT_GT(r.at("orderwatch_jetstream_terminated_total"), 0);
    EXPECT_GT(r.at("orderwatch_jetstream_nacked_total"), 0);
    EXPECT_EQ(
        r.at("orderwatch_jetstream_terminated_total") + r.at("orderwatch_jetstream_nacked_total"),
        r.at(R"(order_events_total{result="rejected"})"));
    EXPECT_EQ(a.stop(), 0) << a.log();
    EXPECT_EQ(reference.stop(), 0);
    // The durable consumer outlives the process: a graceful stop never deletes it.
    EXPECT_TRUE(consumer_state(nats_->url(), "ORDERS", "orderwatch").exists);
    EXPECT_TRUE(consumer_state(nats_->url(), "ORDERS", "reference").exists);
  }

  TempDir dir_;
  std::optional<NatsServer> nats_;
  std::string config_, reference_config_;
  int publishes_ = 0;
};

TEST_F(JetStreamTest, KilledMidStreamWithoutSnapshotRebuildsFromTheStream) { crash_mid_stream({}); }

TEST_F(JetStreamTest, KilledMidStreamResumesAfterItsSnapshot) {
  crash_mid_stream(
      {"--snapshot.file", dir_.path() + "/state.snapshot", "--snapshot.interval", "1s"});
}

// nats-server is SIGKILLed while the publisher publishes and the exporter consumes, and
// restarted on the same port and store: both reconnect, nothing is lost or counted twice.
TEST_F(JetStreamTest, NatsServerKilledMidStream) {
  const std::uint64_t events = 40'000;
  Exporter a(dir_, "survivor", config_, nats_->url());
  ASSERT_TRUE(wait_until([&] { return a.ready(); }, seconds(15))) << a.log();
  auto pub = publish(events, config_);
  ASSERT_TRUE(wait_until([&] { return a.handled() >= static_cast<double>(events) / 4; },
                         consume_timeout(events)))
      << a.log();
  const auto killed = std::chrono::steady_clock::now();
  nats_->kill_hard();
  // Restarted once the exporter has seen it go (/readyz 503), and down for a second at least.
  EXPECT_TRUE(wait_until([&] { return !a.ready(); }, seconds(10))) << a.log();
  std::this_thread::sleep_until(killed + seconds(1));
  nats_->start();
  EXPECT_EQ(pub->wait(consume_timeout(events)), 0) << pub->log();
  const std::uint64_t last = stream_last_seq(nats_->url(), "ORDERS");
  wait_consumed("orderwatch", last, events, a);
  ASSERT_TRUE(wait_until([&] { return a.ready(); }, seconds(15))) << a.log();
  EXPECT_GE(a.value("orderwatch_nats_reconnects_total"), 1);

  Exporter reference(dir_, "reference", reference_config_, nats_->url());
  wait_consumed("reference", last, events, reference);
  expect_converge([&] { return order_counts(a.scrape()); }, reference, events);
  EXPECT_EQ(a.stop(), 0) << a.log();
  EXPECT_EQ(reference.stop(), 0) << reference.log();
}

// A previous incarnation applied and acknowledged the first messages, then died before any
// snapshot; it also fetched the next ones without acknowledging them. The new process has no
// state: it must re-read the acknowledged ones from the stream (not lost) and take the
// unacknowledged ones as redeliveries (counted, harmless).
TEST_F(JetStreamTest, AcknowledgedButUnsavedEventsAreReReadAndRedeliveriesAreHarmless) {
  const std::uint64_t events = 20'000;
  ASSERT_EQ(publish(events, config_)->wait(consume_timeout(events)), 0);
  const std::uint64_t last = stream_last_seq(nats_->url(), "ORDERS");
  {
    // The previous incarnation: the same durable consumer the exporter would create.
    natsConnection* conn = nullptr;
    jsCtx* js = nullptr;
    ASSERT_EQ(natsConnection_ConnectTo(&conn, nats_->url().c_str()), NATS_OK);
    ASSERT_EQ(natsConnection_JetStream(&js, conn, nullptr), NATS_OK);
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "orderwatch";
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 2'000'000'000;
    cc.MaxDeliver = 10;
    cc.MaxAckPending = 4096;
    cc.FilterSubject = "orders.status.>";
    jsConsumerInfo* ci = nullptr;
    ASSERT_EQ(js_AddConsumer(&ci, js, "ORDERS", &cc, nullptr, nullptr), NATS_OK);
    jsConsumerInfo_Destroy(ci);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = "ORDERS";
    so.Consumer = "orderwatch";
    natsSubscription* sub = nullptr;
    ASSERT_EQ(js_PullSubscribe(&sub, js, "orders.status.>", "orderwatch", nullptr, &so, nullptr),
              NATS_OK);
    std::uint64_t acked = 0, unacked = 0;
    while (acked + unacked < 6000) {
      natsMsgList list{};
      ASSERT_EQ(natsSubscription_Fetch(&list, sub, 500, 5000, nullptr), NATS_OK);
      for (int i = 0; i < list.Count; ++i) {
        if (acked < 4000) {
          ASSERT_EQ(natsMsg_AckSync(list.Msgs[i], nullptr, nullptr), NATS_OK);
          ++acked;
        } else {
          ++unacked;  // dies holding these
        }
      }
      natsMsgList_Destroy(&list);
    }
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(conn);
  }
  const auto before = consumer_state(nats_->url(), "ORDERS", "orderwatch");
  ASSERT_GE(before.ack_floor_stream_seq, 4000u);
  ASSERT_GT(before.num_ack_pending, 0);

  Exporter a(dir_, "successor", config_, nats_->url());
  wait_consumed("orderwatch", last, events, a);
  Exporter reference(dir_, "reference", reference_config_, nats_->url());
  wait_consumed("reference", last, events, reference);
  expect_converge([&] { return order_counts(a.scrape()); }, reference, events);
  const auto m = a.scrape();
  EXPECT_GE(m.at("orderwatch_jetstream_replayed_messages_total"), 6000);
  EXPECT_GE(m.at("orderwatch_jetstream_redelivered_total"), 1);
  EXPECT_GT(m.at(R"(order_events_total{result="duplicate"})"),
            reference.scrape().at(R"(order_events_total{result="duplicate"})"));
  EXPECT_EQ(a.stop(), 0) << a.log();
  EXPECT_EQ(reference.stop(), 0) << reference.log();
}

// The durable orderwatch creates acknowledges per batch (AckAll), so a curable reject (a status
// the SLA file does not know yet) is acknowledged with its batch and retried by the exporter.
// Killed while it holds one, with a snapshot taken after later events were applied, the next
// start must still re-read it from the stream (the snapshot's sequence stays below it) and
// apply it once the config knows the status.
TEST_F(JetStreamTest, HeldCurableRejectSurvivesAKillAfterItsSnapshot) {
  std::string yaml = config_yaml("orders.status.>", "orderwatch");
  yaml.replace(yaml.find("nak_delay: 100ms"), std::string("nak_delay: 100ms").size(),
               "nak_delay: 1m");
  const std::string without = dir_.write("held.yaml", yaml);
  const std::string with_refunded =
      dir_.write("cured.yaml", yaml + "  - name: Refunded\n    sla: 1h\n");
  const std::vector<std::string> snapshot{"--snapshot.file", dir_.path() + "/held.snapshot",
                                          "--snapshot.interval", "1s"};
  auto exporter = std::make_unique<Exporter>(dir_, "holder", without, nats_->url(), snapshot);
  ASSERT_TRUE(wait_until([&] { return exporter->ready(); }, seconds(15))) << exporter->log();

  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, nats_->url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, conn, nullptr), NATS_OK);
  const auto event = [](const std::string& id, const std::string& status) {
    return R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          60'000) +
           R"(,"region":"eu"})";
  };
  auto send = [&](const std::string& body) {
    ASSERT_EQ(js_Publish(nullptr, js, "orders.status.x", body.data(), static_cast<int>(body.size()),
                         nullptr, nullptr),
              NATS_OK);
  };
  send(event("before", "Placed"));
  send(event("refund-1", "Refunded"));
  for (int i = 0; i < 50; ++i) send(event("after-" + std::to_string(i), "Placed"));
  const auto all_acknowledged = [&] {
    const auto st = consumer_state(nats_->url(), "ORDERS", "orderwatch");
    return st.exists && st.num_pending == 0 && st.num_ack_pending == 0;
  };
  ASSERT_TRUE(wait_until(all_acknowledged, seconds(20))) << exporter->log();
  // Once the polled ack floor is past the held one, later events would record it as covered.
  // The exporter polls it every second and exports no sign of a poll: wait one and a half.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (int i = 0; i < 10; ++i) send(event("later-" + std::to_string(i), "Placed"));
  ASSERT_TRUE(wait_until(all_acknowledged, seconds(20))) << exporter->log();
  // In flight in a status, over every region label.
  const auto in_status = [](const std::map<std::string, double>& m, const std::string& status) {
    return total(m, "order_in_status{status=\"" + status + "\"");
  };
  auto m = exporter->scrape();
  EXPECT_EQ(m["orderwatch_jetstream_nacked_total"], 1);  // held, acknowledged with its batch
  EXPECT_EQ(in_status(m, "Placed"), 61);
  // The kill must come after a snapshot whose image holds those events: the second snapshot
  // written after this scrape (the first may have been begun before it).
  ASSERT_TRUE(wait_for_snapshots_after(*exporter, unix_seconds(), 2, seconds(20)))
      << exporter->log();
  exporter->kill9();
  exporter.reset();

  Exporter cured(dir_, "cured", with_refunded, nats_->url(), snapshot);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto c = cured.scrape();
        return in_status(c, "Refunded") == 1 && in_status(c, "Placed") == 61;
      },
      seconds(20)))
      << cured.log();
  EXPECT_GE(cured.value("orderwatch_jetstream_replayed_messages_total"), 1) << cured.log();
  EXPECT_EQ(cured.value("orderwatch_jetstream_lost_messages_total"), 0);
  EXPECT_EQ(cured.stop(), 0) << cured.log();
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
}

// A missing stream is reported and waited for (never created), with /readyz 503 meanwhile;
// the consumer's lag is read from the server and exported.
TEST_F(JetStreamTest, MissingStreamIsWaitedForAndLagIsExported) {
  std::string yaml = config_yaml("other.>", "lagging");
  yaml.replace(yaml.find("stream: ORDERS"), std::string("stream: ORDERS").size(), "stream: OTHER");
  const std::string config = dir_.write("other.yaml", yaml);
  Exporter a(dir_, "waiting", config, nats_->url());
  ASSERT_TRUE(
      wait_until([&] { return a.log().find("does not exist") != std::string::npos; }, seconds(15)))
      << a.log();
  EXPECT_FALSE(a.ready());
  EXPECT_EQ(a.value("orderwatch_jetstream_consumer_bound"), 0);
  create_stream(nats_->url(), "OTHER", {"other.>"});
  ASSERT_TRUE(wait_until([&] { return a.ready(); }, seconds(15))) << a.log();
  EXPECT_EQ(a.value("orderwatch_jetstream_consumer_bound"), 1);
  EXPECT_EQ(a.stop(), 0) << a.log();
  ASSERT_TRUE(consumer_state(nats_->url(), "OTHER", "lagging").exists);

  // Events published while it is down are the consumer's lag, reported at the next start.
  ASSERT_EQ(publish(5'000, config)->wait(seconds(60)), 0);
  const std::uint64_t last = stream_last_seq(nats_->url(), "OTHER");
  ASSERT_GE(last, 5'000u);
  EXPECT_EQ(consumer_state(nats_->url(), "OTHER", "lagging").num_pending, last);
  a.start();
  const std::string lag_line = ": " + std::to_string(last) + " pending,";
  ASSERT_TRUE(wait_until([&] { return a.log().find(lag_line) != std::string::npos; }, seconds(15)))
      << a.log();
  ConsumerState st;
  ASSERT_TRUE(wait_until(
      [&] {
        st = consumer_state(nats_->url(), "OTHER", "lagging");
        return st.num_pending == 0 && st.num_ack_pending == 0;
      },
      seconds(60)))
      << a.log();
  // The exported figures follow the server's within a poll.
  ASSERT_TRUE(wait_until(
      [&] {
        auto m = a.scrape();
        return m["orderwatch_jetstream_consumer_pending_messages"] == 0 &&
               m["orderwatch_jetstream_ack_pending_messages"] == 0 &&
               m[R"(order_events_total{result="applied"})"] > 0;
      },
      seconds(10)))
      << a.log();
  EXPECT_EQ(a.stop(), 0) << a.log();
}

// Scale-out: the server maps orders.status.<Status>.<id> to orders.part.<p>.<Status>.<id>
// with partition(2, id), so each order's events stay in one partition. Two instances, each
// with its own durable on its partition, summed (as Prometheus' sum() would) equal one
// instance reading every partition.
class ScaleOutTest : public JetStreamTest {
 protected:
  void SetUp() override {
    const std::string server_config = dir_.write("nats.conf", R"(mappings = {
  "orders.status.*.*": "orders.part.{{partition(2,2)}}.{{wildcard(1)}}.{{wildcard(2)}}"
}
)");
    nats_.emplace(dir_, 0, true, server_config);
    create_stream(nats_->url(), "ORDERS", {"orders.part.>"});
    config_ = dir_.write("publisher.yaml", config_yaml("orders.status.>", "unused"));
  }
};

TEST_F(ScaleOutTest, TwoPartitionsSumToOneInstance) {
  const std::uint64_t events = 40'000;
  ASSERT_EQ(publish(events, config_, {"--subject-with-id"})->wait(consume_timeout(events)), 0);
  const std::uint64_t last = stream_last_seq(nats_->url(), "ORDERS");
  ASSERT_GE(last, events);
  Exporter p0(dir_, "p0", dir_.write("p0.yaml", config_yaml("orders.part.0.>", "p0")),
              nats_->url());
  Exporter p1(dir_, "p1", dir_.write("p1.yaml", config_yaml("orders.part.1.>", "p1")),
              nats_->url());
  Exporter all(dir_, "all", dir_.write("all.yaml", config_yaml("orders.part.>", "all")),
               nats_->url());
  // Each partition's consumer sees only its share of the stream; "all" sees every message.
  wait_consumed("all", last, events, all);
  ASSERT_TRUE(wait_until(
      [&] {
        const auto a = consumer_state(nats_->url(), "ORDERS", "p0");
        const auto b = consumer_state(nats_->url(), "ORDERS", "p1");
        return a.exists && b.exists && a.num_pending == 0 && b.num_pending == 0 &&
               a.num_ack_pending == 0 && b.num_ack_pending == 0;
      },
      consume_timeout(events)))
      << p0.log() << p1.log();
  expect_converge([&] { return sum_counts(order_counts(p0.scrape()), order_counts(p1.scrape())); },
                  all, events);
  // Both partitions hold a real share of the orders.
  const double t0 = p0.value("orderwatch_tracked_orders");
  const double t1 = p1.value("orderwatch_tracked_orders");
  EXPECT_GT(t0, 0.3 * (t0 + t1));
  EXPECT_GT(t1, 0.3 * (t0 + t1));
  EXPECT_EQ(t0 + t1, all.value("orderwatch_tracked_orders"));
  EXPECT_EQ(p0.stop(), 0) << p0.log();
  EXPECT_EQ(p1.stop(), 0) << p1.log();
  EXPECT_EQ(all.stop(), 0) << all.log();
}

}  // namespace
}  // namespace orderwatch::testing
