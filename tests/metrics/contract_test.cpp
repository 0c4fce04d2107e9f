// The collectors hold to the metric contract (sla/metrics.h): with JetStream and actions on,
// every described metric is exposed as one family with its name, type and help, every sample
// carries exactly the described labels in order, and nothing undescribed is exposed.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/metrics/actions_collector.h"
#include "orderwatch/metrics/collector.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/metrics.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::metrics {
namespace {

// Two tiers and a dimension, so every kind of label appears; a prefix other than the default;
// a calendar status, so the calendar families have samples.
const char* kConfig = R"(service: contract
metric_prefix: shop
nats: {subject: "orders.>"}
event: {dimensions: [{field: region, max_values: 2}]}
calendars:
  office: {timezone: Europe/Berlin, hours: {mon-fri: "09:00-18:00"}}
statuses:
  - {name: Placed, sla: 10s, escalations: [{after: 60s, severity: page}]}
  - {name: Review, calendar: office, sla: 4h}
  - {name: Delivered, terminal: true}
milestones:
  - {name: placed_to_delivered, from: [Placed], until: [Delivered], sla: 1h}
  - name: promise
    from: [Placed]
    until: [Delivered]
    deadline_field: promisedBy
    warn_before: 1h
    severity: page
turnaround: {sla: 120s, objective: 99}
)";

prometheus::MetricType exposed_type(sla::MetricType type) {
  switch (type) {
    case sla::MetricType::kCounter:
      return prometheus::MetricType::Counter;
    case sla::MetricType::kHistogram:
      return prometheus::MetricType::Histogram;
    case sla::MetricType::kGauge:
      break;
  }
  return prometheus::MetricType::Gauge;
}

TEST(CollectorContract, EveryFamilyIsExposedAsDescribed) {
  tracking::TrackerService service(sla::load_string(kConfig), [] { return 1'714'564'800'000; });
  const std::shared_ptr<const sla::Config> config_ptr = service.config();
  const sla::Config& config = *config_ptr;
  ingest::NatsSource source(service, "nats://127.0.0.1:1");  // never started
  source.pipeline().handle(
      R"({"orderId":"o1","status":"Placed","timestamp":1714564800000,"region":"eu"})");
  source.pipeline().handle(
      R"({"orderId":"o1","status":"Delivered","timestamp":1714564801000,"region":"eu"})");
  // One order stays, so the families only an order in flight fills (oldest) have a sample.
  source.pipeline().handle(
      R"({"orderId":"o2","status":"Placed","timestamp":1714564800000,"region":"eu"})");
  web::ActionsApi actions(service, [](const std::string&, const std::string&) { return ""; });
  OrderCollector orders(service, "test");
  IngestCollector ingest(source, /*jetstream=*/true);
  ActionsCollector acted(actions);

  std::map<std::string, prometheus::MetricFamily> exposed;
  for (const prometheus::Collectable* c :
       std::vector<const prometheus::Collectable*>{&orders, &ingest, &acted}) {
    for (auto& family : c->Collect()) {
      const std::string name = family.name;
      EXPECT_TRUE(exposed.emplace(name, std::move(family)).second) << name << " twice";
    }
  }

  std::vector<sla::MetricSpec> described(sla::order::kAll.begin(), sla::order::kAll.end());
  described.insert(described.end(), sla::self::kAll.begin(), sla::self::kAll.end());
  EXPECT_EQ(exposed.size(), described.size()) << "a family without a descriptor, or the reverse";
  for (const auto& spec : described) {
    const std::string name = sla::metric_name(config, spec);
    const auto it = exposed.find(name);
    if (it == exposed.end()) {
      ADD_FAILURE() << name << " is described but not exposed";
      continue;
    }
    const auto& family = it->second;
    EXPECT_EQ(family.help, spec.help) << name;
    EXPECT_EQ(family.type, exposed_type(spec.type)) << name;
    std::vector<std::string> labels(spec.fixed_labels().begin(), spec.fixed_labels().end());
    if (spec.dimensions) {
      for (const auto& dim : config.event.dimensions) labels.push_back(dim.label);
    }
    EXPECT_FALSE(family.metric.empty()) << name << ": no sample, so no label to check";
    for (const auto& sample : family.metric) {
      std::vector<std::string> names;
      for (const auto& label : sample.label) names.push_back(label.name);
      EXPECT_EQ(names, labels) << name;
    }
  }
}

}  // namespace
}  // namespace orderwatch::metrics
