// Private: the drill-down page's charts, pure functions from a small model to an inline <svg>
// element (no scripts, no style attributes), every text escaped. Byte-stable for the same
// model; thread-safe; O(samples) and O(buckets).
//  - trend_svg: per status, in-flight and overdue counts over the last hour, as lines (the
//    service's TrendRing samples, on the watermark W's time axis: "now" is W).
//  - age_svg: the current ages of a status's orders against its SLA tiers: one bar per bucket
//    of order_age_seconds, a marker at every tier threshold (each is a bucket bound).
// section() builds the models from the service's views and lays the charts out for the page.
// Design: docs/design.md, web and serve.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::web::charts {

// The plot area of a trend chart, in SVG user units (the chart is kTrendWidth x kTrendHeight).
inline constexpr double kTrendWidth = 480, kTrendHeight = 190;
inline constexpr double kPlotLeft = 46, kPlotRight = 470, kPlotTop = 30, kPlotBottom = 160;

struct Line {
  std::string name;                  // legend text
  std::string color;                 // an SVG color ("#d62728")
  std::vector<std::int64_t> values;  // aligned with TrendChart::times_ms; < 0: no value
  bool area = false;                 // also shade the area under the line
};

struct TrendChart {
  std::string title;
  std::int64_t start_ms = 0, end_ms = 0;  // the x axis
  // Two samples further apart than this are not joined (the ticker stalled, or a status was
  // not configured in between); 0: always joined.
  std::int64_t max_gap_ms = 0;
  std::vector<std::int64_t> times_ms;  // increasing
  std::vector<Line> lines;
};

// Each line is one or more <polyline> (one per run of joined samples; a lone sample is a
// <circle>), carrying data-line="<name>", over a <polygon> of its area when Line::area; the
// <svg> carries data-ymax, the value at kPlotTop
// (the y axis runs linearly from 0 at kPlotBottom).
std::string trend_svg(const TrendChart& chart);

struct AgeTier {
  std::int64_t after_ms = 0;  // a bound in AgeChart::bounds_ms
  std::string severity;
};

struct AgeChart {
  std::string title;
  std::vector<std::int64_t> bounds_ms;  // bucket upper bounds (le), increasing; then +Inf
  std::vector<std::uint64_t> counts;    // orders per bucket, not cumulative: bounds + 1
  std::vector<AgeTier> tiers;           // the status's tiers, first (the SLA) first
};

// One <rect class="bar"> per bucket shown (data-le, data-count), from the first bucket to the
// last one that is non-empty or ends at a tier, and a <line class="tier"> (data-severity)
// at each tier threshold, between the bar it bounds and the next. Bars past the first tier
// are drawn as overdue.
std::string age_svg(const AgeChart& chart);

// The page's charts section: for each non-terminal status (only `status` when not empty) its
// trend and age charts side by side. `snapshot` and `config` belong together (the config
// TrackerService::snapshot returned).
std::string section(const tracking::TrendView& trend, const tracking::TrackerSnapshot& snapshot,
                    const sla::Config& config, std::string_view status = {});

// The models section() draws, for tests and other pages.
// trend_chart: the status named `status` in `trend` (no lines when it has none); has_sla:
// draw its overdue line.
TrendChart trend_chart(const tracking::TrendView& trend, std::string_view status, bool has_sla);
AgeChart age_chart(const tracking::TrackerSnapshot& snapshot, const sla::Config& config,
                   std::size_t status);

}  // namespace orderwatch::web::charts
