// Building blocks of the collectors: families from the contract's descriptors
// (sla/metrics.h) and samples from plain values. Header-only; used by collector.cpp and
// actions_collector.cpp.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

#include "orderwatch/sla/metrics.h"
#include "orderwatch/tracking/tracker.h"

namespace orderwatch::metrics {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

inline MetricType exposition_type(sla::MetricType type) {
  switch (type) {
    case sla::MetricType::kCounter:
      return MetricType::Counter;
    case sla::MetricType::kHistogram:
      return MetricType::Histogram;
    case sla::MetricType::kGauge:
      break;
  }
  return MetricType::Gauge;
}

// An empty family named `name`, with the help and type of `metric`.
inline MetricFamily family_named(std::string name, const sla::MetricSpec& metric) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::string(metric.help);
  f.type = exposition_type(metric.type);
  return f;
}

// An empty family of `metric` under config's metric_prefix.
inline MetricFamily family(const sla::Config& config, const sla::MetricSpec& metric) {
  return family_named(sla::metric_name(config, metric), metric);
}

// An empty family of a self-metric (its name needs no config).
inline MetricFamily family(const sla::MetricSpec& self_metric) {
  return family_named(std::string(self_metric.name), self_metric);
}

// The label pair `name`=`value` (names come from the contract: sla::label).
inline ClientMetric::Label label(std::string_view name, std::string value) {
  return {std::string(name), std::move(value)};
}

inline ClientMetric& add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f.metric.back();
}

inline void add_histogram(MetricFamily& f, std::vector<ClientMetric::Label> labels,
                          const std::vector<double>& bounds, const tracking::HistogramValues& h) {
  ClientMetric m;
  m.label = std::move(labels);
  m.histogram.sample_count = h.count;
  m.histogram.sample_sum = h.sum_seconds;
  m.histogram.bucket.reserve(bounds.size() + 1);
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    m.histogram.bucket.push_back({h.cumulative[b], bounds[b]});
  }
  m.histogram.bucket.push_back({h.count, std::numeric_limits<double>::infinity()});
  f.metric.push_back(std::move(m));
}

inline double d(std::uint64_t v) { return static_cast<double>(v); }
inline double d(std::int64_t v) { return static_cast<double>(v); }

// A self-metric family with one unlabelled sample, appended to `out`.
inline void add_single(std::vector<MetricFamily>& out, const sla::MetricSpec& self_metric,
                       double value) {
  auto f = family(self_metric);
  add(f, {}, value);
  out.push_back(std::move(f));
}

}  // namespace orderwatch::metrics
