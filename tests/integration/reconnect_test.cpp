// Never silently blind (issue 26): `orderwatch serve` against real nats-servers whose secrets,
// certificates and streams change under it, with no restart of the exporter.
//
// - Password rotation: the server's user list is changed and reloaded with the server's own
//   reload (`nats-server --signal reload=<pid>`); the server drops the exporter, whose attempts
//   then fail with `Authorization Violation`: counted as reason="auth", /readyz 503 saying so,
//   /healthz 200. The new password written to the exporter's password_file is picked up by the
//   next attempt: it reconnects and consumes, same process.
// - TLS: a server whose certificate the configured CA does not sign fails as reason="tls";
//   writing the right CA into nats.tls.ca_file lets the next attempt connect.
// - JetStream: a stream missing at start, then deleted under a running exporter and created
//   again: orderwatch_jetstream_stream_missing 1 and /readyz naming the stream while it is
//   gone, one log line, and consumption resumes (consumer_bound 1) once it is back.
// - Shutdown: SIGTERM during a backoff wait (default bounds) ends it at once.
// Backoff: ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS caps the waits at 400 ms in the others.
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <stdlib.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "harness.h"
#include "nats_publisher.h"

namespace orderwatch::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kStatuses = R"(statuses:
  - {name: Placed, sla: 10m}
  - {name: Shipped, sla: 48h}
  - {name: Delivered, terminal: true}
)";
constexpr const char* kApplied = R"(order_events_total{result="applied"})";
constexpr const char* kAuthFailures = R"(orderwatch_nats_connect_failures_total{reason="auth"})";
constexpr const char* kTlsFailures = R"(orderwatch_nats_connect_failures_total{reason="tls"})";

class ReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv("ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS", "400", 1); }
  void TearDown() override { unsetenv("ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS"); }
};

// A nats-server config: loopback port, two users (the exporter's password varies; the test's
// producer keeps its own), optionally TLS.
std::string server_config(int port, const std::string& exporter_password,
                          const std::string& tls = "") {
  return "listen: 127.0.0.1:" + std::to_string(port) +
         "\nauthorization {\n  users = [\n    {user: orderwatch, password: \"" + exporter_password +
         "\"}\n    {user: producer, password: \"p\"}\n  ]\n}\n" + tls;
}

bool wait_server_ready(Process& server) {
  return wait_until([&] { return server.log().find("Server is ready") != std::string::npos; },
                    seconds(10));
}

double value_of(const std::map<std::string, double>& m, const std::string& series) {
  const auto it = m.find(series);
  return it == m.end() ? -1 : it->second;
}

TEST_F(ReconnectTest, ARotatedPasswordIsPickedUpWithoutARestart) {
  TempDir dir;
  const int port = free_port();
  const std::string conf = dir.write("nats.conf", server_config(port, "first"));
  Process server({nats_server_bin(), "-c", conf}, dir.path() + "/nats.log");
  ASSERT_TRUE(wait_server_ready(server)) << server.log();
  const std::string password = dir.write("password", "first\n");
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  ExporterProcess e(dir.write("sla.yaml",
                              "service: rotation\nnats:\n  subject: orders.status.>\n"
                              "  user: orderwatch\n  password_file: " +
                                  password + "\n" + kStatuses),
                    url, dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_ready()) << e.log();
  auto m = e.scrape();
  for (const char* reason : {"auth", "tls", "refused", "timeout", "other"}) {
    EXPECT_EQ(value_of(m, std::string("orderwatch_nats_connect_failures_total{reason=\"") + reason +
                              "\"}"),
              0)
        << reason;
  }
  const std::string producer_url = "nats://producer:p@127.0.0.1:" + std::to_string(port);
  {
    NatsPublisher producer(producer_url);
    producer.event("o1", "Placed", unix_now_ms());
    producer.flush();
  }
  e.scrape_when(kApplied, 1);

  // The password changes on the server, reloaded by the server's own reload: the exporter's
  // connection is closed and every attempt with the old password fails.
  dir.write("nats.conf", server_config(port, "second"));
  const auto reload =
      run(shell_quote(nats_server_bin()) + " --signal reload=" + std::to_string(server.pid()));
  ASSERT_EQ(reload.exit_code, 0) << reload.output;
  ASSERT_TRUE(wait_until([&] { return value_of(e.scrape(), kAuthFailures) >= 2; }, seconds(20)))
      << e.log() << server.log();
  m = e.scrape();
  EXPECT_EQ(m.at("orderwatch_nats_connected"), 0);
  const HttpResult ready = http_get(e.port(), "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("not connected to NATS"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("auth: Authorization Violation"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("password_file"), std::string::npos) << ready.body;
  EXPECT_EQ(http_get(e.port(), "/healthz").status, 200);
  // Still failing, still counting: attempts go on (backoff capped at 400 ms here).
  const double failed = value_of(e.scrape(), kAuthFailures);
  ASSERT_TRUE(wait_until([&] { return value_of(e.scrape(), kAuthFailures) > failed; }, seconds(5)))
      << e.log();

  // The new password lands in the file (as a secret rotation would write it): picked up by the
  // next attempt, no restart.
  dir.write("password", "second\n");
  ASSERT_TRUE(wait_until([&] { return http_get(e.port(), "/readyz").status == 200; }, seconds(10)))
      << e.log();
  EXPECT_TRUE(e.process().running());
  {
    NatsPublisher producer(producer_url);
    producer.event("o2", "Placed", unix_now_ms());
    producer.event("o1", "Shipped", unix_now_ms());
    producer.flush();
  }
  m = e.scrape_when(kApplied, 3);
  EXPECT_EQ(m.at("orderwatch_nats_connected"), 1);
  EXPECT_GE(m.at("orderwatch_nats_reconnects_total"), 1);
  EXPECT_EQ(m.at(R"(order_in_status{status="Placed"})"), 1);
  EXPECT_EQ(m.at(R"(order_in_status{status="Shipped"})"), 1);
  EXPECT_NE(e.log().find("Authorization Violation"), std::string::npos) << e.log();
  EXPECT_NE(e.log().find("reconnected to"), std::string::npos) << e.log();
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

TEST_F(ReconnectTest, AnUntrustedCertificateIsRetriedUntilTheCaFileTrustsIt) {
  TempDir dir;
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
  ASSERT_TRUE(wait_server_ready(server)) << server.log();
  // The exporter's CA file holds another CA first: every handshake fails.
  const std::string ca = dir.path() + "/ca.crt";
  ASSERT_EQ(
      run("cp " + shell_quote(dir.path() + "/other-ca.crt") + " " + shell_quote(ca)).exit_code, 0);
  ExporterProcess e(dir.write("sla.yaml",
                              "service: tlsrotation\nnats:\n  subject: orders.>\n"
                              "  tls: {ca_file: " +
                                  ca + "}\n" + kStatuses),
                    "tls://127.0.0.1:" + std::to_string(port), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  ASSERT_TRUE(wait_until([&] { return value_of(e.scrape(), kTlsFailures) >= 2; }, seconds(20)))
      << e.log();
  const HttpResult ready = http_get(e.port(), "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_NE(ready.body.find("tls: SSL handshake error"), std::string::npos) << ready.body;
  EXPECT_NE(ready.body.find("nats.tls.ca_file"), std::string::npos) << ready.body;
  EXPECT_EQ(value_of(e.scrape(), kAuthFailures), 0);

  // The CA that signed the server's certificate is written in place: the next attempt trusts it.
  ASSERT_EQ(run("cp " + shell_quote(dir.path() + "/server.crt") + " " + shell_quote(ca)).exit_code,
            0);
  EXPECT_TRUE(e.wait_ready(seconds(10))) << e.log();
  EXPECT_EQ(e.scrape().at("orderwatch_nats_connected"), 1);
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

// The default backoff (1 s doubling to 5 min): after four refused attempts the exporter waits
// 4 to 8 s before the next; SIGTERM ends that wait at once (well under the 4 s it has left).
TEST(ReconnectShutdown, SigtermEndsABackoffWaitAtOnce) {
  TempDir dir;
  ExporterProcess e(
      dir.write("sla.yaml",
                std::string("service: backoff\nnats:\n  subject: orders.>\n") + kStatuses),
      "nats://127.0.0.1:" + std::to_string(free_port()), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  const std::string refused = R"(orderwatch_nats_connect_failures_total{reason="refused"})";
  ASSERT_TRUE(wait_until([&] { return value_of(e.scrape(), refused) >= 4; }, seconds(15)))
      << e.log();
  const HttpResult ready = http_get(e.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("refused: No server available for connection"), std::string::npos)
      << ready.body;
  EXPECT_NE(ready.body.find("at most 300000 ms apart"), std::string::npos) << ready.body;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(e.process().stop(), 0) << e.log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(3)) << e.log();
}

// --- JetStream: the stream missing, deleted, created again --------------------------------

void delete_stream(const std::string& url, const std::string& name) {
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&conn, url.c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, conn, nullptr), NATS_OK);
  jsErrCode err = static_cast<jsErrCode>(0);
  EXPECT_EQ(js_DeleteStream(js, name.c_str(), nullptr, &err), NATS_OK) << err;
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
}

int count_of(const std::string& text, const std::string& word) {
  int n = 0;
  for (auto p = text.find(word); p != std::string::npos; p = text.find(word, p + 1)) ++n;
  return n;
}

TEST_F(ReconnectTest, AMissingOrDeletedStreamIsStatedAndConsumptionResumesWhenItIsBack) {
  TempDir dir;
  NatsServer nats(dir, 0, true);
  ExporterProcess e(
      dir.write("sla.yaml", std::string("service: streamgone\nnats:\n  subject: orders.status.>\n"
                                        "  jetstream: {stream: ORDERS, durable: orderwatch}\n") +
                                kStatuses),
      nats.url(), dir.path() + "/serve.log");
  ASSERT_TRUE(e.wait_for_port()) << e.log();
  // Missing at start: stated at once (the first bind), not only logged.
  auto m = e.scrape_when("orderwatch_jetstream_stream_missing", 1);
  EXPECT_EQ(m.at("orderwatch_jetstream_consumer_bound"), 0);
  EXPECT_EQ(m.at("orderwatch_nats_connected"), 1);
  HttpResult ready = http_get(e.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("JetStream stream ORDERS does not exist"), std::string::npos)
      << ready.body;

  create_stream(nats.url(), "ORDERS", {"orders.status.>"});
  ASSERT_TRUE(e.wait_ready(seconds(15))) << e.log();
  m = e.scrape();
  EXPECT_EQ(m.at("orderwatch_jetstream_stream_missing"), 0);
  EXPECT_EQ(m.at("orderwatch_jetstream_consumer_bound"), 1);
  {
    NatsPublisher producer(nats.url());
    producer.event("o1", "Placed", unix_now_ms());
    producer.event("o2", "Placed", unix_now_ms());
    producer.flush();
  }
  e.scrape_when(kApplied, 2);

  // Deleted under the running exporter: the gauge, /readyz, one log line a minute.
  const std::size_t log_before = e.log().size();
  delete_stream(nats.url(), "ORDERS");
  m = e.scrape_when("orderwatch_jetstream_stream_missing", 1);
  EXPECT_EQ(m.at("orderwatch_jetstream_consumer_bound"), 0);
  ready = http_get(e.port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("JetStream stream ORDERS does not exist"), std::string::npos)
      << ready.body;
  EXPECT_EQ(http_get(e.port(), "/healthz").status, 200);
  std::this_thread::sleep_for(seconds(5));  // two more binds (every 2 s), no more lines
  EXPECT_EQ(count_of(e.log().substr(log_before), "stream ORDERS does not exist"), 1) << e.log();
  EXPECT_EQ(e.scrape().at("orderwatch_jetstream_stream_missing"), 1);

  // Created again: bound within a bind interval, and what is published is consumed.
  create_stream(nats.url(), "ORDERS", {"orders.status.>"});
  m = e.scrape_when("orderwatch_jetstream_consumer_bound", 1);
  EXPECT_EQ(m.at("orderwatch_jetstream_stream_missing"), 0);
  EXPECT_EQ(http_get(e.port(), "/readyz").status, 200);
  {
    NatsPublisher producer(nats.url());
    producer.event("o1", "Shipped", unix_now_ms() + 1000);
    producer.event("o3", "Placed", unix_now_ms());
    producer.flush();
  }
  m = e.scrape_when(kApplied, 4);
  EXPECT_EQ(m.at(R"(order_in_status{status="Placed"})"), 2);   // o2, o3
  EXPECT_EQ(m.at(R"(order_in_status{status="Shipped"})"), 1);  // o1
  EXPECT_EQ(e.process().stop(), 0) << e.log();
}

}  // namespace
}  // namespace orderwatch::testing
