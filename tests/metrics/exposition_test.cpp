// A scripted day in a small shop through the real decode -> apply path and both collectors,
// rendered as Prometheus text and compared byte for byte with a reviewed golden file, like
// node_exporter's e2e-output.txt: any change to a metric name, label, bucket, help text or
// value shows up as a diff in review. The clock is injected, so the output is stable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/metrics/collector.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::metrics {
namespace {

const char* kConfig = R"(service: golden
nats: {subject: "orders.>"}
event:
  dimensions: [{field: region, max_values: 2}]
statuses:
  - {name: Placed, sla: 10s}
  - name: Authorized
    sla: 30s
    escalations: [{after: 60s, severity: page, team: payments}]
  - {name: Delivered, terminal: true}
  - {name: Cancelled, terminal: true}
turnaround: {sla: 120s, objective: 99}
)";

constexpr std::int64_t kT0 = 1'714'564'800'000;  // 2024-05-01T12:00:00Z

std::string event(const std::string& id, const std::string& status, std::int64_t t,
                  const std::string& region) {
  return R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
         std::to_string(t) + R"(,"region":")" + region + R"("})";
}

std::string exposition() {
  std::int64_t now = kT0;
  tracking::TrackerService service(sla::load_string(kConfig), [&now] { return now; });
  ingest::NatsSource source(service, "nats://127.0.0.1:1");  // never started
  auto& in = source.pipeline();
  // o1 goes through in time; o2 is stuck in Authorized past both tiers; o3 is late in Placed;
  // o4 is cancelled; o5 and o6 add dimension values past the cap of 2 ("other").
  in.handle(event("o1", "Placed", kT0, "eu"));
  in.handle(event("o2", "Placed", kT0 + 1'000, "us"));
  in.handle(event("o3", "Placed", kT0 + 2'000, "eu"));
  now = kT0 + 5'000;
  in.handle(event("o1", "Authorized", kT0 + 4'000, "eu"));
  in.handle(event("o2", "Authorized", kT0 + 5'000, "us"));
  in.handle(event("o4", "Placed", kT0 + 5'000, "ap"));
  in.handle(event("o1", "Authorized", kT0 + 4'000, "eu"));  // duplicate
  in.handle(event("o1", "Placed", kT0 + 1'000, "eu"));      // stale
  now = kT0 + 20'000;
  in.handle(event("o1", "Delivered", kT0 + 20'000, "eu"));
  in.handle(event("o4", "Cancelled", kT0 + 20'000, "ap"));
  in.handle(event("o5", "Placed", kT0 + 20'000, "sa"));
  in.handle("{not json");
  in.handle(R"({"orderId":"o6","status":"Lost","timestamp":1714564820000})");
  now = kT0 + 90'000;
  service.tick();
  in.handle(event("o1", "Delivered", kT0 + 20'000, "eu"));  // late event of a finished order
  OrderCollector orders(service, "test");
  IngestCollector ingest(source, false);
  return render_text({&orders, &ingest});
}

TEST(Exposition, MatchesTheReviewedGolden) {
  const std::string text = exposition();
  if (std::getenv("ORDERWATCH_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(EXPOSITION_GOLDEN) << text;
    GTEST_SKIP() << "rewrote " << EXPOSITION_GOLDEN;
  }
  std::ifstream in(EXPOSITION_GOLDEN);
  ASSERT_TRUE(in) << "missing " << EXPOSITION_GOLDEN
                  << " (ORDERWATCH_UPDATE_GOLDENS=1 writes it; review before committing)";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(text, golden.str()) << "the /metrics exposition changed; if intended, run "
                                   "ORDERWATCH_UPDATE_GOLDENS=1 on this test and review the diff";
}

TEST(Exposition, IsStableAcrossRuns) { EXPECT_EQ(exposition(), exposition()); }

}  // namespace
}  // namespace orderwatch::metrics
