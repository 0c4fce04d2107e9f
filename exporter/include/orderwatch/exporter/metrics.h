// MetricsCollector: the metric contract of DESIGN.md as a prometheus::Collectable. Collect()
// takes one TrackerSnapshot (a short lock inside TrackerService) and builds every family from
// it, so scrape cost depends on the number of series, never on the number of orders.
// Thread-safe: Collect() may run on several HTTP threads at once.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

#include "orderwatch/exporter/service.h"

namespace orderwatch::exporter {

class MetricsCollector : public prometheus::Collectable {
 public:
  MetricsCollector(TrackerService& service, std::string version);
  std::vector<prometheus::MetricFamily> Collect() const override;

  // Extra gauges sampled at scrape time (e.g. NATS dropped counts polled from the client).
  void set_before_collect(std::function<void()> hook) { before_collect_ = std::move(hook); }

 private:
  TrackerService& service_;
  std::string version_;
  std::function<void()> before_collect_;
};

// Prometheus text exposition format (0.0.4) of the families.
std::string render_text(const std::vector<prometheus::MetricFamily>& families);

}  // namespace orderwatch::exporter
