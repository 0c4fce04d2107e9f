// Building blocks of the collectors: families and samples from plain values.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::metrics {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

inline MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
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

// A family with one unlabelled sample, appended to `out`.
inline void add_single(std::vector<MetricFamily>& out, std::string_view name, const char* help,
                       MetricType type, double value) {
  auto f = family(std::string(name), help, type);
  add(f, {}, value);
  out.push_back(std::move(f));
}

}  // namespace orderwatch::metrics
