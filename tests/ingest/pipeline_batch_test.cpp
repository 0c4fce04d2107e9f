// IngestPipeline::handle_batch against handle(): the same payloads (good ones, rejects, ids
// long enough to fill the batch arena, bad milestone deadlines) must give the same results and
// the same counts; a bad deadline is counted and its event applied.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orderwatch/ingest/pipeline.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::ingest {
namespace {

constexpr std::int64_t T0 = 1'700'000'000'000;

const char* kConfig = R"(
service: shop
nats: {subject: orders.>}
event:
  dimensions: [{field: region, max_values: 5}]
statuses:
  - {name: Placed, sla: 10s}
  - {name: Shipped, sla: 1h}
  - {name: Delivered, terminal: true}
milestones:
  - {name: promise, from: [Placed], until: [Delivered], deadline_field: promisedBy}
)";

std::string payload(const std::string& id, const char* status, std::int64_t t) {
  return R"({"orderId":")" + id + R"(","status":")" + status + R"(","timestamp":)" +
         std::to_string(t) + R"(,"region":"eu-)" + std::to_string(id.size() % 3) + "\"}";
}

TEST(PipelineBatch, GivesTheResultsAndCountsOfHandlingOneByOne) {
  const sla::Config config = sla::load_string(kConfig);
  tracking::TrackerService one(config, [] { return T0 + 60'000; });
  tracking::TrackerService batched(config, [] { return T0 + 60'000; });
  IngestPipeline p1(one);
  IngestPipeline p2(batched);
  std::vector<std::string> payloads;
  const char* statuses[] = {"Placed", "Shipped", "Delivered", "Lost"};
  for (int i = 0; i < 600; ++i) {
    // Every 7th id is ~900 bytes: a few dozen of them overflow the 64 KiB arena.
    const std::string id =
        (i % 7 == 0 ? std::string(900, 'x') : std::string("o")) + std::to_string(i % 150);
    payloads.push_back(payload(id, statuses[i % 4], T0 + i));
    // Every 5th carries a bad deadline: counted as a reject, applied all the same.
    if (i % 5 == 0) payloads.back().insert(1, R"("promisedBy":"soon",)");
    if (i % 50 == 3) payloads.push_back("{not json");
  }
  std::vector<IngestMessage> batch;
  for (const auto& p : payloads) batch.push_back({p, std::nullopt, false, false});
  p2.handle_batch(batch);
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    EXPECT_EQ(p1.handle(payloads[i]), batch[i].accepted) << i;
  }
  tracking::TrackerSnapshot a, b;
  one.snapshot(a);
  batched.snapshot(b);
  EXPECT_EQ(a.tracked, b.tracked);
  EXPECT_EQ(a.transitions, b.transitions);
  for (std::size_t r = 0; r < std::size(a.events); ++r) EXPECT_EQ(a.events[r], b.events[r]);
  for (std::size_t r = 0; r < std::size(a.rejected); ++r) EXPECT_EQ(a.rejected[r], b.rejected[r]);
  ASSERT_EQ(a.series.size(), b.series.size());
  for (std::size_t i = 0; i < a.series.size(); ++i) {
    EXPECT_EQ(a.series[i].in_status, b.series[i].in_status);
  }
}

TEST(PipelineBatch, RecordsTheLastStreamSequenceOfTheBatch) {
  const sla::Config config = sla::load_string(kConfig);
  tracking::TrackerService service(config, [] { return T0 + 60'000; });
  IngestPipeline pipeline(service);
  const std::string good = payload("o1", "Placed", T0);
  const std::string bad = "{";
  std::vector<IngestMessage> batch = {{good, 10, true, false}, {bad, 11, false, false}};
  pipeline.handle_batch(batch);
  EXPECT_TRUE(batch[0].accepted);
  EXPECT_FALSE(batch[1].accepted);
  EXPECT_EQ(service.stream_seq(), 11u);
  EXPECT_FALSE(service.behind());
}

TEST(PipelineBatch, ABadDeadlineIsCountedAndTheEventStillApplied) {
  const sla::Config config = sla::load_string(kConfig);
  tracking::TrackerService service(config, [] { return T0 + 60'000; });
  IngestPipeline pipeline(service);
  std::string bad = payload("o1", "Placed", T0);
  bad.insert(1, R"("promisedBy":true,)");
  std::string good = payload("o2", "Placed", T0);
  good.insert(1, R"("promisedBy":"2024-05-01T18:00:00Z",)");
  std::vector<IngestMessage> batch = {{bad, std::nullopt, false, false},
                                      {good, std::nullopt, false, false}};
  pipeline.handle_batch(batch);
  EXPECT_TRUE(batch[0].accepted);
  EXPECT_TRUE(batch[1].accepted);
  tracking::TrackerSnapshot s;
  service.snapshot(s);
  EXPECT_EQ(service.tracked(), 2u);
  EXPECT_EQ(s.events[static_cast<int>(tracking::ApplyResult::kApplied)], 2u);
  EXPECT_EQ(s.rejected[static_cast<int>(events::RejectReason::kBadDeadline)], 1u);
  EXPECT_EQ(s.events[static_cast<int>(tracking::ApplyResult::kRejected)], 1u);
}

}  // namespace
}  // namespace orderwatch::ingest
