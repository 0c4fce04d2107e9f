// The derived half of the metric contract (sla/metrics.h): exposed names under the
// configured prefix, histogram bucket bounds and the decimal text of durations. Called by
// the collector (metrics/), the tracker (its bucket bounds) and the renderers.
#include "orderwatch/sla/metrics.h"

#include <algorithm>

namespace orderwatch::sla {

std::string metric_name(const Config& config, const MetricSpec& metric) {
  if (metric.scope == MetricScope::kSelf) return std::string(metric.name);
  std::string name = config.metric_prefix;
  name += '_';
  name += metric.name;
  return name;
}

std::string metric_name(const Config& config, const MetricSpec& metric, HistogramPart part) {
  std::string name = metric_name(config, metric);
  switch (part) {
    case HistogramPart::kBucket:
      return name + "_bucket";
    case HistogramPart::kCount:
      return name + "_count";
    case HistogramPart::kSum:
      return name + "_sum";
  }
  return name;
}

namespace {

// The fixed ladder every histogram starts from: 1s .. 7d.
const std::vector<Duration>& bucket_ladder() {
  using std::chrono::hours;
  using std::chrono::minutes;
  using std::chrono::seconds;
  static const std::vector<Duration> ladder = {seconds(1), seconds(5), seconds(15), seconds(30),
                                               minutes(1), minutes(5), minutes(15), minutes(30),
                                               hours(1),   hours(2),   hours(6),    hours(12),
                                               hours(24),  hours(48),  hours(72),   hours(168)};
  return ladder;
}

std::vector<Duration> sorted_unique(std::vector<Duration> bounds) {
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  return bounds;
}

}  // namespace

std::vector<Duration> status_duration_buckets(const Config& config) {
  std::vector<Duration> bounds = bucket_ladder();
  for (const auto& status : config.statuses) {
    for (const auto& tier : status.tiers) {
      if (tier.after.count() > 0) bounds.push_back(tier.after);  // a cut-off tier has none
    }
  }
  return sorted_unique(std::move(bounds));
}

std::vector<Duration> milestone_duration_buckets(const Config& config) {
  std::vector<Duration> bounds = bucket_ladder();
  for (const auto& milestone : config.milestones) {
    if (milestone.has_deadline_field()) continue;
    for (const auto& tier : milestone.tiers) bounds.push_back(tier.after);
  }
  return sorted_unique(std::move(bounds));
}

std::vector<Duration> turnaround_buckets(const Config& config) {
  std::vector<Duration> bounds = bucket_ladder();
  if (config.turnaround.enabled) bounds.push_back(config.turnaround.sla);
  return sorted_unique(std::move(bounds));
}

std::string seconds_text(Duration d) {
  auto ms = d.count();
  std::string text;
  if (ms < 0) {
    text.push_back('-');  // not text = "-": GCC 12 -Wrestrict false positive
    ms = -ms;
  }
  text += std::to_string(ms / 1000);
  if (auto fraction = ms % 1000; fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    text += '.';
    text += digits;
  }
  return text;
}

}  // namespace orderwatch::sla
