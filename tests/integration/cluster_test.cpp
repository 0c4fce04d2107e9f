// NATS as production runs it: a server list in nats.url / --nats-url, and a three-node
// cluster with an R3 stream. Real nats-servers on loopback, the real orderwatch binary.
//
// - A list whose first server is down connects to the next one (core NATS, and publish).
// - Every failed connection attempt is logged with its reason (rate-limited): connection
//   refused, a wrong password or a CA that does not trust the server's certificate (retried
//   like the rest: reconnect_test.cpp shows the fixed secret picked up).
// - Cluster: three nats-servers routed to each other (no_advertise, so the client knows only
//   the servers of its own list), an R3 stream; while the shop is published and the exporter
//   consumes, the server the exporter is connected to is SIGKILLed (and restarted), then the
//   stream's leader. The exporter moves to another server, its durable continues, and its
//   in-flight and overdue counts equal those of a reference exporter that read the whole stream
//   afterwards on its own durable; every published event was handled.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal) in this file's test bodies: a false positive, GCC bug 105329 (nothing overlaps).
// Silenced for this file only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace orderwatch::testing {
namespace {

using std::chrono::seconds;

const char* kStatuses = R"(statuses:
  - {name: Placed, sla: 10m}
  - name: Authorized
    sla: 1h
    escalations:
      - {after: 2h, severity: page, team: payments}
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
)";

std::string core_config(const std::string& nats_extra = "") {
  return "service: clustertest\nnats:\n  subject: orders.status.>\n" + nats_extra + kStatuses;
}

// The port of the last "connected to nats://127.0.0.1:PORT" (or "reconnected to") line.
int connected_port(const std::string& log) {
  const std::string marker = "connected to nats://127.0.0.1:";
  const auto pos = log.rfind(marker);
  return pos == std::string::npos ? 0 : std::atoi(log.c_str() + pos + marker.size());
}

int count_of(const std::string& text, const std::string& word) {
  int n = 0;
  for (auto p = text.find(word); p != std::string::npos; p = text.find(word, p + 1)) ++n;
  return n;
}

// --- Server lists and failure reasons (core NATS, one server) ------------------------------

TEST(NatsUrlList, FirstServerDownConnectsToTheNextAndPublishUsesTheListToo) {
  TempDir dir;
  NatsServer nats(dir);
  const std::string urls =
      "nats://127.0.0.1:" + std::to_string(free_port()) + ", " + nats.url();  // first: nobody
  const std::string config = dir.write("sla.yaml", core_config());
  ExporterProcess e(config, urls, dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_ready()) << e.log();
  EXPECT_EQ(connected_port(e.log()), nats.port()) << e.log();
  EXPECT_NE(e.log().find("(one of 2 servers in nats.url)"), std::string::npos) << e.log();
  const auto r = run(shell_quote(orderwatch_bin()) + " publish --config " + shell_quote(config) +
                     " --nats-url " + shell_quote(urls) + " --events 200 --rate 0 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto m = e.scrape_when(R"(order_events_total{result="applied"})", 200);
  EXPECT_EQ(m.at(R"(order_events_total{result="applied"})"), 200);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

TEST(NatsConnectFailure, RefusedIsLoggedWithTheServerAndRateLimited) {
  TempDir dir;
  const std::string a = "nats://127.0.0.1:" + std::to_string(free_port());
  const std::string b = "nats://user:s3cret@127.0.0.1:" + std::to_string(free_port());
  ExporterProcess e(dir.write("sla.yaml", core_config()), a + "," + b, dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  ASSERT_TRUE(wait_until([&] { return e.log().find("Connection refused") != std::string::npos; },
                         seconds(10)))
      << e.log();
  std::this_thread::sleep_for(seconds(3));  // 2 or more further passes over the list
  const std::string log = e.log();
  EXPECT_NE(log.find(a + ": Connection refused"), std::string::npos) << log;
  EXPECT_NE(log.find("nats://***@127.0.0.1:"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;
  EXPECT_EQ(count_of(log, "cannot connect to"), 1) << "not rate-limited:\n" << log;
  EXPECT_EQ(http_get(e.port(), "/readyz").status, 503);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

TEST(NatsConnectFailure, WrongPasswordIsLoggedAsSuch) {
  TempDir dir;
  const int port = free_port();
  Process server({nats_server_bin(), "-a", "127.0.0.1", "-p", std::to_string(port), "--user",
                  "orderwatch", "--pass", "right"},
                 dir.path() + "/nats.log");
  ASSERT_TRUE(wait_until([&] { return server.log().find("Server is ready") != std::string::npos; },
                         seconds(10)));
  const std::string password = dir.write("password", "wrong\n");
  ExporterProcess e(
      dir.write("sla.yaml", core_config("  user: orderwatch\n  password_file: " + password + "\n")),
      "nats://127.0.0.1:" + std::to_string(port), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  ASSERT_TRUE(wait_until(
      [&] { return e.log().find("Authorization Violation") != std::string::npos; }, seconds(10)))
      << e.log();
  EXPECT_NE(e.log().find("password_file"), std::string::npos) << e.log();
  EXPECT_EQ(http_get(e.port(), "/readyz").status, 503);
  EXPECT_EQ(e.scrape().at("orderwatch_nats_connected"), 0);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

TEST(NatsConnectFailure, UntrustedCertificateIsLoggedAsSuch) {
  TempDir dir;
  // The server's certificate is self-signed; the exporter trusts another CA only.
  for (const char* name : {"server", "other-ca"}) {
    const auto r = run(std::string(OPENSSL_BIN) +
                       " req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                       "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                       shell_quote(dir.path() + "/" + name + ".key") + " -out " +
                       shell_quote(dir.path() + "/" + name + ".crt"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const int port = free_port();
  Process server({nats_server_bin(), "-a", "127.0.0.1", "-p", std::to_string(port), "--tls",
                  "--tlscert", dir.path() + "/server.crt", "--tlskey", dir.path() + "/server.key"},
                 dir.path() + "/nats.log");
  ASSERT_TRUE(wait_until([&] { return server.log().find("Server is ready") != std::string::npos; },
                         seconds(10)))
      << server.log();
  ExporterProcess e(
      dir.write("sla.yaml", core_config("  tls: {ca_file: " + dir.path() + "/other-ca.crt}\n")),
      "tls://127.0.0.1:" + std::to_string(port), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  ASSERT_TRUE(wait_until([&] { return e.log().find("SSL handshake error") != std::string::npos; },
                         seconds(10)))
      << e.log();
  EXPECT_NE(e.log().find("self-signed certificate"), std::string::npos) << e.log();
  EXPECT_NE(e.log().find("nats.tls.ca_file"), std::string::npos) << e.log();
  EXPECT_EQ(http_get(e.port(), "/readyz").status, 503);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

// --- The cluster ------------------------------------------------------------------------------

// A JetStream management connection to the whole server list (any live member answers).
class ClusterAdmin {
 public:
  explicit ClusterAdmin(const std::vector<std::string>& urls) {
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    std::vector<const char*> list;
    for (const auto& u : urls) list.push_back(u.c_str());
    natsOptions_SetServers(opts, list.data(), static_cast<int>(list.size()));
    natsOptions_SetTimeout(opts, 2000);
    natsStatus s = natsConnection_Connect(&conn_, opts);
    natsOptions_Destroy(opts);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 3000;
    if (s == NATS_OK) s = natsConnection_JetStream(&js_, conn_, &jo);
    if (s != NATS_OK) {
      close();
      throw std::runtime_error(std::string("cluster admin: ") + natsStatus_GetText(s));
    }
  }
  ~ClusterAdmin() { close(); }
  jsCtx* js() { return js_; }

 private:
  void close() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(conn_);
    js_ = nullptr;
    conn_ = nullptr;
  }
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
};

struct StreamState {
  bool ok = false;
  std::string leader;        // server name
  bool all_current = false;  // every replica online and caught up
  std::uint64_t last_seq = 0;
};

class NatsCluster {
 public:
  static constexpr int kSize = 3;

  NatsCluster() {
    int cluster_ports[kSize];
    for (int i = 0; i < kSize; ++i) {
      client_ports_[i] = free_port();
      cluster_ports[i] = free_port();
    }
    std::string routes;
    for (int p : cluster_ports) routes += "    nats-route://127.0.0.1:" + std::to_string(p) + "\n";
    for (int i = 0; i < kSize; ++i) {
      dirs_[i] = std::make_unique<TempDir>();
      const std::string config = dirs_[i]->write(
          "nats.conf", "server_name: " + name(i) + "\njetstream {store_dir: \"" + dirs_[i]->path() +
                           "/js\"}\ncluster {\n  name: orderwatch-test\n" +
                           "  listen: 127.0.0.1:" + std::to_string(cluster_ports[i]) +
                           "\n  no_advertise: true\n  routes: [\n" + routes + "  ]\n}\n");
      servers_[i].emplace(*dirs_[i], client_ports_[i], false, config);
    }
  }

  static std::string name(int i) { return "n" + std::to_string(i + 1); }
  std::string url(int i) const { return "nats://127.0.0.1:" + std::to_string(client_ports_[i]); }
  std::vector<std::string> live_urls() const {
    std::vector<std::string> out;
    for (int i = 0; i < kSize; ++i) {
      if (servers_[i]) out.push_back(url(i));
    }
    return out;
  }
  std::string url_list() const { return url(0) + "," + url(1) + "," + url(2); }
  int index_of_port(int port) const {
    for (int i = 0; i < kSize; ++i) {
      if (client_ports_[i] == port) return i;
    }
    return -1;
  }
  int index_of_name(const std::string& n) const {
    for (int i = 0; i < kSize; ++i) {
      if (name(i) == n) return i;
    }
    return -1;
  }
  void kill_hard(int i) {  // SIGKILL, by pid, as a crash would
    servers_[i]->kill_hard();
    servers_[i].reset();
  }
  void restart(int i) {
    servers_[i].emplace(*dirs_[i], client_ports_[i], false, dirs_[i]->path() + "/nats.conf");
  }

  // An R3 file stream with limits retention; retried while the cluster elects its leaders.
  void create_stream(const std::string& stream, const std::string& subject) {
    const bool ok = wait_until(
        [&] {
          try {
            ClusterAdmin admin(live_urls());
            const char* subjects[] = {subject.c_str()};
            jsStreamConfig cfg;
            jsStreamConfig_Init(&cfg);
            cfg.Name = stream.c_str();
            cfg.Subjects = subjects;
            cfg.SubjectsLen = 1;
            cfg.Storage = js_FileStorage;
            cfg.Retention = js_LimitsPolicy;
            cfg.Replicas = 3;
            jsStreamInfo* si = nullptr;
            const natsStatus s = js_AddStream(&si, admin.js(), &cfg, nullptr, nullptr);
            jsStreamInfo_Destroy(si);
            return s == NATS_OK;
          } catch (const std::exception&) {
            return false;
          }
        },
        seconds(30));
    if (!ok) throw std::runtime_error("the cluster did not accept an R3 stream within 30s");
  }

  StreamState stream_state(const std::string& stream) {
    StreamState out;
    try {
      ClusterAdmin admin(live_urls());
      jsStreamInfo* si = nullptr;
      if (js_GetStreamInfo(&si, admin.js(), stream.c_str(), nullptr, nullptr) != NATS_OK) {
        return out;
      }
      out.ok = true;
      out.last_seq = si->State.LastSeq;
      if (si->Cluster != nullptr && si->Cluster->Leader != nullptr) {
        out.leader = si->Cluster->Leader;
        out.all_current = si->Cluster->ReplicasLen == kSize - 1;
        for (int i = 0; i < si->Cluster->ReplicasLen; ++i) {
          const jsPeerInfo* p = si->Cluster->Replicas[i];
          out.all_current = out.all_current && p->Current && !p->Offline;
        }
      }
      jsStreamInfo_Destroy(si);
    } catch (const std::exception&) {
    }
    return out;
  }

  ConsumerState consumer(const std::string& stream, const std::string& durable) {
    ConsumerState out;
    try {
      ClusterAdmin admin(live_urls());
      jsConsumerInfo* ci = nullptr;
      if (js_GetConsumerInfo(&ci, admin.js(), stream.c_str(), durable.c_str(), nullptr, nullptr) ==
          NATS_OK) {
        out.exists = true;
        out.num_pending = ci->NumPending;
        out.num_ack_pending = ci->NumAckPending;
        out.delivered_stream_seq = ci->Delivered.Stream;
        out.ack_floor_stream_seq = ci->AckFloor.Stream;
        jsConsumerInfo_Destroy(ci);
      }
    } catch (const std::exception&) {
    }
    return out;
  }

 private:
  int client_ports_[kSize] = {};
  std::unique_ptr<TempDir> dirs_[kSize];
  std::optional<NatsServer> servers_[kSize];
};

std::string jetstream_config(const std::string& durable, const std::string& url) {
  return "service: clustertest\nnats:\n  url: \"" + url +
         "\"\n  subject: orders.status.>\n  jetstream: {stream: ORDERS, durable: " + durable +
         ", ack_wait: 2s, max_ack_pending: 4096, max_deliver: 3, nak_delay: 100ms}\nevent:\n  "
         // The stream consumed, W follows the wall clock a second later (not 30s): the counts
         // compared are those of a caught-up exporter.
         "idle_timeout: 1s\n  dimensions: [{field: region, "
         "max_values: 50}]\n" +
         kStatuses;
}

std::map<std::string, double> order_counts(const std::map<std::string, double>& m) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : m) {
    if (k.starts_with("order_in_status{") || k.starts_with("order_overdue{")) out[k] = v;
  }
  return out;
}

double sum_of(const std::map<std::string, double>& m, const std::string& prefix) {
  double sum = 0;
  for (const auto& [k, v] : m) {
    if (k.starts_with(prefix)) sum += v;
  }
  return sum;
}

std::string diff(const std::map<std::string, double>& got,
                 const std::map<std::string, double>& want) {
  std::string out;
  for (const auto& [k, v] : want) {
    const auto it = got.find(k);
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

class NatsClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.create_stream("ORDERS", "orders.status.>");
    phase("cluster up, R3 stream created");
  }

  // Where the time goes (printed: CI time matters).
  void phase(const char* what) {
    const auto now = std::chrono::steady_clock::now();
    std::printf("  %5.1fs  %s\n", std::chrono::duration<double>(now - t0_).count(), what);
    std::fflush(stdout);
  }

  // A shop of `events` events (~4 per order, over three virtual days ending a day ago),
  // published with acks to the server list (resent on failure; the stream's duplicate window
  // drops resends). Each call is another shop (its own seed, so its own order ids).
  std::unique_ptr<Process> publish(std::uint64_t events, double rate) {
    const double arrival_rate = static_cast<double>(events) / 4.0 / (3 * 86'400.0);
    const std::string config = dir_.write("publish.yaml", jetstream_config("unused", "nats://x:1"));
    const int n = publishes_++;
    return std::make_unique<Process>(
        std::vector<std::string>{orderwatch_bin(), "publish", "--config", config, "--nats-url",
                                 cluster_.url_list(), "--jetstream", "--events",
                                 std::to_string(events), "--rate", std::to_string(rate), "--seed",
                                 std::to_string(13 + n), "--backfill", "4d", "--arrival-rate",
                                 std::to_string(arrival_rate), "--bad-fraction", "0.002"},
        dir_.path() + "/publish-" + std::to_string(n) + ".log");
  }

  // The reference's durable, as orderwatch would create it but with one replica: it only
  // needs to read the stream once, and an R1 consumer does that faster.
  bool create_reference_durable() {
    ClusterAdmin admin(cluster_.live_urls());
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = "reference";
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = 2'000'000'000LL;
    cc.MaxDeliver = 5;
    cc.MaxAckPending = 4096;
    cc.FilterSubject = "orders.status.>";
    cc.DeliverPolicy = js_DeliverAll;
    cc.Replicas = 1;
    jsConsumerInfo* ci = nullptr;
    const natsStatus s = js_AddConsumer(&ci, admin.js(), "ORDERS", &cc, nullptr, nullptr);
    jsConsumerInfo_Destroy(ci);
    return s == NATS_OK;
  }

  // A reference exporter reads the whole stream (`last` messages) once, uninterrupted, on its
  // own durable; `a`'s in-flight and overdue counts must equal its, and every message must
  // have been handled by both. Returns `a`'s last scrape.
  std::map<std::string, double> expect_reference_counts(ExporterProcess& a, std::uint64_t last,
                                                        std::uint64_t shop) {
    EXPECT_TRUE(wait_until([&] { return create_reference_durable(); }, seconds(30)));
    ExporterProcess reference(
        dir_.write("reference.yaml", jetstream_config("reference", cluster_.url_list())), "",
        dir_.path() + "/reference.log");
    EXPECT_TRUE(reference.wait_ready(seconds(30))) << reference.log();
    EXPECT_TRUE(wait_until([&] { return consumed("reference", last); }, seconds(120)))
        << reference.log();
    phase("reference consumed");
    std::map<std::string, double> got, want;
    // Both caught up (W at the wall clock: lag under a minute, where the shop's events end a
    // day ago), then equal.
    const auto caught_up = [](const std::map<std::string, double>& m) {
      const auto lag = m.find("orderwatch_watermark_lag_seconds");
      return lag != m.end() && lag->second < 60;
    };
    const bool equal = wait_until(
        [&] {
          const auto r = reference.scrape();
          const auto m = a.scrape();
          want = order_counts(r);
          got = order_counts(m);
          return caught_up(r) && caught_up(m) && !want.empty() && got == want;
        },
        seconds(30));
    EXPECT_TRUE(equal) << "counts differ from the reference:\n" << diff(got, want) << a.log();
    const auto m = a.scrape();
    const auto r = reference.scrape();
    // Every message of the stream was handled (applied, duplicate, stale or rejected).
    EXPECT_GE(sum_of(m, "order_events_total{"), static_cast<double>(last));
    // Exactly once each, but for redeliveries: of the rejects a reload could cure (the shop's
    // unknown statuses, retried until max_deliver: 3) and of what the server sent again because
    // an ack came too late (a slow, instrumented build). Each is handled once more.
    EXPECT_EQ(sum_of(r, "order_events_total{") - r.at("orderwatch_jetstream_redelivered_total"),
              static_cast<double>(last))
        << "handled " << sum_of(r, "order_events_total{") << ", nacked "
        << r.at("orderwatch_jetstream_nacked_total") << ", redelivered "
        << r.at("orderwatch_jetstream_redelivered_total") << ", rejected "
        << sum_of(r, "order_events_rejected_total{");
    EXPECT_GT(r.at("orderwatch_jetstream_nacked_total"), 0);
    EXPECT_EQ(m.at("orderwatch_jetstream_lost_messages_total"), 0);
    // Not a vacuous comparison.
    EXPECT_GT(sum_of(want, "order_in_status{"), static_cast<double>(shop) / 25.0);
    EXPECT_GT(sum_of(want, "order_overdue{"), static_cast<double>(shop) / 500.0);
    EXPECT_EQ(reference.process().stop(), 0) << reference.log();
    return m;
  }

  bool consumed(const std::string& durable, std::uint64_t last) {
    const ConsumerState st = cluster_.consumer("ORDERS", durable);
    return st.exists && st.num_pending == 0 && st.num_ack_pending == 0 &&
           st.delivered_stream_seq >= last;
  }

  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  int publishes_ = 0;
  TempDir dir_;
  NatsCluster cluster_;
};

double handled(ExporterProcess& e) { return sum_of(e.scrape(), "order_events_total{"); }

// Two shops are published one after the other; during the first the server the exporter is
// connected to dies (restarted once the exporter has moved on), during the second the stream's
// leader. Each kill comes while the exporter consumes and more of the stream follows it.
TEST_F(NatsClusterTest, ServerAndStreamLeaderKilledMidStreamNothingLostNothingDoubled) {
  constexpr std::uint64_t kShop = 8'000;  // events per shop
  constexpr double kRate = 2'000;         // events/s: each shop takes ~4s to publish
  ExporterProcess a(dir_.write("a.yaml", jetstream_config("orderwatch", "nats://127.0.0.1:1")),
                    cluster_.url_list(), dir_.path() + "/a.log");
  ASSERT_TRUE(a.wait_ready(seconds(30))) << a.log();

  // 1. The server the exporter is connected to.
  auto shop1 = publish(kShop, kRate);
  ASSERT_TRUE(wait_until([&] { return handled(a) >= kShop / 4.0; }, seconds(60))) << a.log();
  const int first = cluster_.index_of_port(connected_port(a.log()));
  ASSERT_GE(first, 0) << a.log();
  cluster_.kill_hard(first);
  phase("server the exporter is on killed");
  ASSERT_TRUE(wait_until(
      [&] {
        const int now = cluster_.index_of_port(connected_port(a.log()));
        return now >= 0 && now != first;
      },
      seconds(20)))
      << a.log();
  phase("exporter moved to another server of its list");
  EXPECT_NE(a.log().find("disconnected from " + cluster_.url(first) + "; reconnecting to a server"),
            std::string::npos)
      << a.log();
  EXPECT_EQ(shop1->wait(seconds(120)), 0) << shop1->log();
  cluster_.restart(first);
  ASSERT_TRUE(wait_until([&] { return cluster_.stream_state("ORDERS").all_current; }, seconds(30)));
  phase("first shop published, the killed server back and caught up");

  // 2. The stream's leader (its raft group elects another; the durable's follows).
  const double before_shop2 = handled(a);
  auto shop2 = publish(kShop, kRate);
  ASSERT_TRUE(wait_until([&] { return handled(a) >= before_shop2 + kShop / 4.0; }, seconds(60)))
      << a.log();
  const StreamState before = cluster_.stream_state("ORDERS");
  const int leader = cluster_.index_of_name(before.leader);
  ASSERT_GE(leader, 0) << "no stream leader";
  cluster_.kill_hard(leader);
  phase("stream leader killed");
  EXPECT_EQ(shop2->wait(seconds(120)), 0) << shop2->log();
  StreamState after;
  ASSERT_TRUE(wait_until(
      [&] {
        after = cluster_.stream_state("ORDERS");
        return after.ok && !after.leader.empty();
      },
      seconds(30)));
  EXPECT_NE(after.leader, before.leader);
  ASSERT_GE(after.last_seq, 2 * kShop);
  ASSERT_TRUE(wait_until([&] { return consumed("orderwatch", after.last_seq); }, seconds(120)))
      << a.log();
  phase("second shop published and consumed");
  EXPECT_GE(a.scrape().at("orderwatch_nats_reconnects_total"), 1) << a.log();

  // The whole cluster back (the killed leader may have been the JetStream meta leader too),
  // then the reference.
  cluster_.restart(leader);
  ASSERT_TRUE(wait_until([&] { return cluster_.stream_state("ORDERS").all_current; }, seconds(30)));
  const std::map<std::string, double> m = expect_reference_counts(a, after.last_seq, kShop);
  std::printf(
      "stream %llu messages on R3; exporter moved from %s; leader %s -> %s; "
      "%.0f reconnects, %.0f redelivered; %.0f in flight, %.0f overdue\n",
      static_cast<unsigned long long>(after.last_seq), NatsCluster::name(first).c_str(),
      before.leader.c_str(), after.leader.c_str(), m.at("orderwatch_nats_reconnects_total"),
      m.at("orderwatch_jetstream_redelivered_total"), sum_of(m, "order_in_status{"),
      sum_of(m, "order_overdue{"));
  EXPECT_EQ(a.process().stop(), 0) << a.log();
}

}  // namespace
}  // namespace orderwatch::testing

#ifndef __clang__
#pragma GCC diagnostic pop
#endif
