// Integration test: the generated rules in the real Prometheus (Debian's), scraping a real
// `orderwatch serve` on a real JetStream nats-server. Deleting the stream under the running
// instance fires the blind page, with the cause the exporter shows; before that it is silent.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace orderwatch::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kSla = R"(service: blind_prom
nats:
  subject: blind.>
  jetstream: {stream: BLIND, durable: orderwatch}
statuses:
  - {name: Placed, sla: 1h}
  - {name: Done, terminal: true}
alerting: {blind_for: 0s}
)";

void delete_stream(const std::string& url, const std::string& stream) {
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, url.c_str()), NATS_OK);
  jsCtx* js = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  EXPECT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  EXPECT_EQ(js_DeleteStream(js, stream.c_str(), nullptr, &err), NATS_OK) << err;
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

// The firing ExporterBlind alerts of Prometheus: the cause label of each.
std::vector<std::string> blind_causes(int port) {
  std::vector<std::string> causes;
  const auto body = json::parse(http_get(port, "/api/v1/alerts").body, nullptr, false);
  if (body.is_discarded()) return causes;
  for (const auto& alert : body["data"]["alerts"]) {
    if (alert["labels"].value("alertname", "") == "BlindPromExporterBlind" &&
        alert.value("state", "") == "firing")
      causes.push_back(alert["labels"].value("cause", ""));
  }
  return causes;
}

TEST(BlindPrometheus, AStreamDeletedUnderARunningInstancePagesInPrometheus) {
  TempDir dir;
  NatsServer nats(dir, 0, /*jetstream=*/true);
  nats.start();
  create_stream(nats.url(), "BLIND", {"blind.>"});
  const std::string sla = dir.write("sla.yaml", kSla);
  const auto generated = run(shell_quote(ORDERWATCH_BIN) + " generate --config " +
                             shell_quote(sla) + " --out " + shell_quote(dir.path() + "/out"));
  ASSERT_EQ(generated.exit_code, 0) << generated.output;
  ExporterProcess exporter(sla, nats.url(), dir.path() + "/exporter.log");
  ASSERT_TRUE(exporter.wait_ready()) << exporter.log();

  const int prom_port = free_port();
  const std::string prom_config =
      dir.write("prometheus.yml",
                "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
                "rule_files: ['" +
                    dir.path() + "/out/rules/blind_prom-rules.yml']\n" +
                    "scrape_configs:\n  - job_name: orderwatch\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:" +
                    std::to_string(exporter.port()) + "']\n");
  Process prom({prometheus_bin(), "--config.file=" + prom_config,
                "--storage.tsdb.path=" + dir.path() + "/tsdb",
                "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
               dir.path() + "/prometheus.log");
  // Consuming: the rules are loaded and evaluated over a scraped, bound instance, and silent.
  ASSERT_TRUE(wait_until(
      [&] {
        const auto r =
            http_get(prom_port, "/api/v1/query?query=" +
                                    url_encode("orderwatch_jetstream_consumer_bound == 1"));
        const auto rules = http_get(prom_port, "/api/v1/rules");
        return r.body.find("\"instance\"") != std::string::npos &&
               rules.body.find("BlindPromExporterBlind") != std::string::npos &&
               rules.body.find("lastEvaluation\":\"0001") == std::string::npos;
      },
      seconds(30)))
      << prom.log();
  std::this_thread::sleep_for(seconds(3));  // a few evaluations of a consuming instance
  EXPECT_TRUE(blind_causes(prom_port).empty()) << exporter.log();

  delete_stream(nats.url(), "BLIND");
  // The exporter shows the cause it knows: the stream missing (its consumer is unbound first,
  // for the second the stream poll takes to tell why; the alert follows the gauges).
  std::vector<std::string> causes;
  EXPECT_TRUE(wait_until(
      [&] {
        causes = blind_causes(prom_port);
        return causes == std::vector<std::string>{"stream_missing"};
      },
      seconds(60)))
      << "causes: " << causes.size() << (causes.empty() ? "" : " " + causes[0]) << "\n"
      << exporter.log() << prom.log();
}

}  // namespace
}  // namespace orderwatch::testing
