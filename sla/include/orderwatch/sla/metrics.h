// The metric contract derived from a Config: metric names and histogram bucket bounds.
//
// The exporter exposes these series and the rule/dashboard renderers query them, so both
// sides take names and bounds from here rather than spelling them twice. Every SLA tier
// threshold is a bucket bound, which makes "share of stays within SLA" an exact bucket
// ratio. Pure functions of the Config; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

// "<metric_prefix>_<suffix>", e.g. metric(cfg, "overdue") -> "order_overdue".
std::string metric(const Config& config, std::string_view suffix);

// The fixed ladder every histogram starts from: 1s .. 7d.
const std::vector<Duration>& bucket_ladder();

// Sorted, de-duplicated bounds of <prefix>_status_duration_seconds: the ladder and every tier
// threshold of every status (the +Inf bucket is implied, not listed).
std::vector<Duration> status_duration_buckets(const Config& config);

// Bounds of <prefix>_turnaround_seconds: the ladder and turnaround.sla when enabled.
std::vector<Duration> turnaround_buckets(const Config& config);

// Exact shortest decimal seconds of a millisecond duration, the text of an `le` label and
// of thresholds in PromQL: 900000ms -> "900", 500ms -> "0.5", 1250ms -> "1.25". No floating
// point is involved, so the text never carries binary rounding noise.
std::string seconds_text(Duration d);

}  // namespace orderwatch::sla
