// The /metrics exposition as prometheus::Collectables, each over the state one room owns.
//   OrderCollector: the order_* families of the metric contract (sla/metrics.h) and the
//     tracking room's self-metrics, all from one tracking::TrackerSnapshot (a short lock in
//     TrackerService). Scrape cost O(series x buckets), never O(orders).
//   IngestCollector: the ingest room's self-metrics (NATS connection, ingest gaps, JetStream
//   consumer).
// Both hold references to a service/source that must outlive them. Thread-safe: Collect()
// may run on several HTTP threads at once. Design: docs/design.md, "The metric contract and
// the renderers".
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::metrics {

class OrderCollector : public prometheus::Collectable {
 public:
  OrderCollector(tracking::TrackerService& service, std::string version);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  tracking::TrackerService& service_;
  std::string version_;
};

class IngestCollector : public prometheus::Collectable {
 public:
  // jetstream: export the JetStream consumer's families too (nats.jetstream configured).
  IngestCollector(ingest::NatsSource& source, bool jetstream);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ingest::NatsSource& source_;
  bool jetstream_;
};

// Prometheus text exposition format (0.0.4) of the families, or of every family the
// collectables give, in order.
std::string render_text(const std::vector<prometheus::MetricFamily>& families);
std::string render_text(const std::vector<const prometheus::Collectable*>& collectables);

}  // namespace orderwatch::metrics
