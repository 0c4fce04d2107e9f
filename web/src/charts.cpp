// The drill-down page's inline SVG charts (charts.h): the trend of a status's counts over the
// last hour and the distribution of its orders' current ages. Called by DrilldownApi::page
// through section(); pure functions of their models, each step below draws one part.
#include "charts.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "markup.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::web::charts {

namespace {

using markup::esc;

// One decimal: enough at this size, and byte-stable.
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// The smallest of 1, 2, 4, 6, 8 x 10^k at or above v (>= 1): an axis top whose half is whole.
std::int64_t nice_max(std::int64_t v) {
  if (v <= 1) return 1;
  for (std::int64_t scale = 1;; scale *= 10) {
    for (std::int64_t m : {1, 2, 4, 6, 8}) {
      if (m * scale >= v) return m * scale;
    }
  }
}

// 90 min -> "1h30m"; the bucket labels and axis ticks.
std::string duration_text(std::int64_t ms) { return sla::format_duration(sla::Duration(ms)); }

std::string severity_color(std::string_view severity) {
  if (severity == "warning") return "#b26a00";
  if (severity == "page" || severity == "critical") return "#b00020";
  return "#6e6e73";
}

constexpr const char* kFont = "font-family=\"system-ui,sans-serif\"";
constexpr const char* kInFlightColor = "#3366cc";
constexpr const char* kOverdueColor = "#d62728";

std::string svg_open(std::string_view cls, double width, double height, std::string_view title,
                     std::string_view extra = {}) {
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + std::string(cls) +
                  "\" width=\"" + num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " +
                  num(width) + " " + num(height) + "\" role=\"img\" aria-label=\"" + esc(title) +
                  "\"" + std::string(extra) + ">";
  s += "<title>" + esc(title) + "</title>";
  s += "<text x=\"4\" y=\"16\" font-size=\"13\" font-weight=\"600\" fill=\"#1d1d1f\" " +
       std::string(kFont) + ">" + esc(title) + "</text>";
  return s;
}

// A linear y axis: 0 at `bottom`, ymax at `top` (SVG y grows downwards).
struct YAxis {
  double top = 0, bottom = 0;
  std::int64_t ymax = 1;

  double at(double v) const { return bottom - v / static_cast<double>(ymax) * (bottom - top); }
};

// Grid lines from x `left` to `right` and their labels at 0, half the top (when whole) and the
// top, both charts alike.
std::string y_grid(const YAxis& y, double left, double right) {
  std::string s;
  for (std::int64_t v : {std::int64_t{0}, y.ymax / 2, y.ymax}) {
    if (v == y.ymax / 2 && y.ymax % 2 != 0) continue;
    const double at = y.at(static_cast<double>(v));
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(at) + "\" x2=\"" + num(right) + "\" y2=\"" +
         num(at) + "\" stroke=\"" + (v == 0 ? "#8e8e93" : "#e5e5ea") + "\" stroke-width=\"1\"/>";
    s += "<text x=\"" + num(left - 4) + "\" y=\"" + num(at + 4) +
         "\" font-size=\"10\" text-anchor=\"end\" fill=\"#6e6e73\" " + kFont + ">" +
         std::to_string(v) + "</text>";
  }
  return s;
}

// ---- trend_svg -------------------------------------------------------------------------------

// Where a trend chart puts a sample: time on x over the window, value on y from 0 to ymax.
struct TrendScale {
  std::int64_t start_ms = 0;
  double span = 1;
  YAxis y;

  double x(std::int64_t t) const {
    return kPlotLeft + static_cast<double>(t - start_ms) / span * (kPlotRight - kPlotLeft);
  }
  double y_of(std::int64_t v) const { return y.at(static_cast<double>(v)); }
};

TrendScale trend_scale(const TrendChart& chart) {
  std::int64_t top = 0;
  for (const auto& line : chart.lines) {
    for (auto v : line.values) top = std::max(top, v);
  }
  TrendScale scale;
  scale.start_ms = chart.start_ms;
  scale.span = static_cast<double>(std::max<std::int64_t>(chart.end_ms - chart.start_ms, 1));
  scale.y = YAxis{kPlotTop, kPlotBottom, nice_max(top)};
  return scale;
}

// x labels: the window's start, its quarters, and now.
std::string time_labels(const TrendChart& chart, const TrendScale& scale) {
  std::string s;
  for (int q = 0; q <= 4; ++q) {
    const std::int64_t t = chart.start_ms + (chart.end_ms - chart.start_ms) * q / 4;
    const std::string label = q == 4 ? "now" : "-" + duration_text(chart.end_ms - t);
    s += "<text x=\"" + num(scale.x(t)) + "\" y=\"" + num(kPlotBottom + 14) +
         "\" font-size=\"10\" text-anchor=\"" +
         (q == 0   ? "start"
          : q == 4 ? "end"
                   : "middle") +
         "\" fill=\"#6e6e73\" " + kFont + ">" + esc(label) + "</text>";
  }
  return s;
}

// Samples (time, value) drawn joined.
using Run = std::vector<std::pair<std::int64_t, std::int64_t>>;

// A line's samples split into runs: broken where a value is missing, a sample lies outside
// the window, or two samples are more than max_gap_ms apart. `latest`: the last value drawn.
std::vector<Run> runs_of(const TrendChart& chart, const Line& line,
                         std::optional<std::int64_t>& latest) {
  std::vector<Run> runs(1);
  auto flush = [&runs] {
    if (!runs.back().empty()) runs.emplace_back();
  };
  for (std::size_t i = 0; i < chart.times_ms.size() && i < line.values.size(); ++i) {
    const std::int64_t t = chart.times_ms[i], v = line.values[i];
    if (v < 0 || t < chart.start_ms || t > chart.end_ms) {
      flush();
      continue;
    }
    const Run& run = runs.back();
    if (!run.empty() && chart.max_gap_ms > 0 && t - run.back().first > chart.max_gap_ms) flush();
    runs.back().emplace_back(t, v);
    latest = v;
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

// One run: a <circle> for a lone sample, else a <polyline> over the <polygon> of its area
// (Line::area).
std::string run_svg(const Line& line, const Run& run, const TrendScale& scale) {
  std::string s;
  if (run.size() == 1) {
    s += "<circle data-line=\"" + esc(line.name) + "\" cx=\"" + num(scale.x(run[0].first)) +
         "\" cy=\"" + num(scale.y_of(run[0].second)) + "\" r=\"" + (line.area ? "4" : "2.5") +
         "\" fill=\"" + esc(line.color) + "\"/>";
    return s;
  }
  if (line.area) {
    s += "<polygon data-area=\"" + esc(line.name) + "\" fill=\"" + esc(line.color) +
         "\" fill-opacity=\"0.15\" points=\"";
    for (const auto& [t, v] : run) s += num(scale.x(t)) + "," + num(scale.y_of(v)) + " ";
    s += num(scale.x(run.back().first)) + "," + num(scale.y_of(0)) + " " +
         num(scale.x(run.front().first)) + "," + num(scale.y_of(0)) + "\"/>";
  }
  s += "<polyline data-line=\"" + esc(line.name) + "\" fill=\"none\" stroke=\"" + esc(line.color) +
       "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
  for (std::size_t i = 0; i < run.size(); ++i) {
    if (i > 0) s += ' ';
    s += num(scale.x(run[i].first)) + "," + num(scale.y_of(run[i].second));
  }
  s += "\"/>";
  return s;
}

// The legend entry of a line at `legend_x` (advanced past it): a swatch, the name and the
// latest value.
std::string legend_entry(const Line& line, std::optional<std::int64_t> latest, double& legend_x) {
  const std::string text =
      line.name + ": " + (latest ? std::to_string(*latest) : std::string("no data"));
  std::string s = "<rect x=\"" + num(legend_x) + "\" y=\"" + num(kTrendHeight - 12) +
                  "\" width=\"10\" height=\"10\" fill=\"" + esc(line.color) + "\"/>";
  s += "<text x=\"" + num(legend_x + 14) + "\" y=\"" + num(kTrendHeight - 3) +
       "\" font-size=\"11\" fill=\"#1d1d1f\" " + kFont + ">" + esc(text) + "</text>";
  legend_x += 24 + 6.5 * static_cast<double>(text.size());
  return s;
}

// ---- age_svg ---------------------------------------------------------------------------------

constexpr double kAgeBar = 30, kAgeLeft = 46, kAgePlot = 130;

// The bucket whose upper bound is `after_ms` (a tier threshold), if any.
std::optional<std::size_t> bucket_ending_at(const AgeChart& chart, std::int64_t after_ms) {
  const auto it = std::find(chart.bounds_ms.begin(), chart.bounds_ms.end(), after_ms);
  if (it == chart.bounds_ms.end()) return std::nullopt;
  return static_cast<std::size_t>(it - chart.bounds_ms.begin());
}

// Buckets shown: up to the last non-empty one or the last tier's, whichever is later.
std::size_t buckets_shown(const AgeChart& chart) {
  std::size_t shown = 0;
  for (std::size_t b = 0; b < chart.counts.size(); ++b) {
    if (chart.counts[b] > 0) shown = b + 1;
  }
  for (const auto& tier : chart.tiers) {
    // The bucket ending at the tier, and one past it so the marker has a bar on each side.
    if (const auto b = bucket_ending_at(chart, tier.after_ms)) shown = std::max(shown, *b + 2);
  }
  return std::min(std::max<std::size_t>(shown, 1), chart.counts.size());
}

// The geometry of an age chart. Tier labels stack above the plot, one line each, so adjacent
// tiers never overlap.
struct AgeLayout {
  std::size_t shown = 0;  // buckets drawn
  double top = 0, bottom = 0, height = 0, width = 0;
  std::uint64_t highest = 0;  // the largest count shown
  YAxis y;

  static double label_y(std::size_t tier) { return 27 + 11 * static_cast<double>(tier); }
  double bar_x(std::size_t b) const { return kAgeLeft + kAgeBar * static_cast<double>(b); }
  double y_of(std::uint64_t v) const { return y.at(static_cast<double>(v)); }
};

AgeLayout age_layout(const AgeChart& chart) {
  AgeLayout l;
  l.shown = buckets_shown(chart);
  l.top = chart.tiers.empty() ? 30 : AgeLayout::label_y(chart.tiers.size() - 1) + 5;
  l.bottom = l.top + kAgePlot;
  l.height = l.bottom + 30;
  // Room on the right for the label of a tier at the last bar.
  l.width = std::max(l.bar_x(l.shown) + 70, 320.0);
  for (std::size_t b = 0; b < l.shown; ++b) l.highest = std::max(l.highest, chart.counts[b]);
  l.y = YAxis{l.top, l.bottom, nice_max(static_cast<std::int64_t>(l.highest))};
  return l;
}

// A bar per bucket shown, its count above it and its bound below; bars past the SLA in red.
std::string age_bars(const AgeChart& chart, const AgeLayout& l) {
  std::string s;
  const std::int64_t sla_ms = chart.tiers.empty() ? -1 : chart.tiers.front().after_ms;
  for (std::size_t b = 0; b < l.shown; ++b) {
    const bool inf = b >= chart.bounds_ms.size();
    const std::string le = inf ? "+Inf" : std::to_string(chart.bounds_ms[b]);
    // Past the SLA: every order in the bucket is older than its lower bound >= the SLA.
    const bool overdue = sla_ms >= 0 && b > 0 && chart.bounds_ms[b - 1] >= sla_ms;
    const double x0 = l.bar_x(b);
    const std::uint64_t count = chart.counts[b];
    s += "<rect class=\"bar\" data-le=\"" + le + "\" data-count=\"" + std::to_string(count) +
         "\" x=\"" + num(x0 + 3) + "\" y=\"" + num(l.y_of(count)) + "\" width=\"" +
         num(kAgeBar - 6) + "\" height=\"" + num(l.bottom - l.y_of(count)) + "\" fill=\"" +
         (overdue ? kOverdueColor : kInFlightColor) + "\"/>";
    if (count > 0) {
      s += "<text x=\"" + num(x0 + kAgeBar / 2) + "\" y=\"" + num(l.y_of(count) - 3) +
           "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#1d1d1f\" " + kFont + ">" +
           std::to_string(count) + "</text>";
    }
    const std::string label = inf ? "&gt;" + esc(duration_text(chart.bounds_ms.back()))
                                  : esc(duration_text(chart.bounds_ms[b]));
    s += "<text x=\"" + num(x0 + kAgeBar / 2) + "\" y=\"" + num(l.bottom + 13) +
         "\" font-size=\"9\" text-anchor=\"middle\" fill=\"#6e6e73\" " + kFont + ">" + label +
         "</text>";
  }
  return s;
}

// Tier markers at the right edge of the bucket each threshold bounds, labelled above the plot.
std::string tier_markers(const AgeChart& chart, const AgeLayout& l) {
  std::string s;
  for (std::size_t k = 0; k < chart.tiers.size(); ++k) {
    const auto& tier = chart.tiers[k];
    const auto b = bucket_ending_at(chart, tier.after_ms);
    if (!b || *b >= l.shown) continue;
    const double xt = l.bar_x(*b + 1);
    const double label_y = AgeLayout::label_y(k);
    const std::string color = severity_color(tier.severity);
    s += "<line class=\"tier\" data-severity=\"" + esc(tier.severity) + "\" data-after=\"" +
         std::to_string(tier.after_ms) + "\" x1=\"" + num(xt) + "\" y1=\"" + num(label_y + 2) +
         "\" x2=\"" + num(xt) + "\" y2=\"" + num(l.bottom) + "\" stroke=\"" + color +
         "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>";
    s += "<text x=\"" + num(xt + 2) + "\" y=\"" + num(label_y) + "\" font-size=\"10\" fill=\"" +
         color + "\" " + kFont + ">" + esc(tier.severity + " " + duration_text(tier.after_ms)) +
         "</text>";
  }
  return s;
}

}  // namespace

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string trend_svg(const TrendChart& chart) {
  const TrendScale scale = trend_scale(chart);
  std::string s = svg_open("chart trend", kTrendWidth, kTrendHeight, chart.title,
                           " data-ymax=\"" + std::to_string(scale.y.ymax) + "\"");
  s += y_grid(scale.y, kPlotLeft, kPlotRight);
  s += time_labels(chart, scale);
  double legend_x = kPlotLeft;
  for (const auto& line : chart.lines) {
    std::optional<std::int64_t> latest;
    for (const Run& run : runs_of(chart, line, latest)) s += run_svg(line, run, scale);
    s += legend_entry(line, latest, legend_x);
  }
  s += "</svg>";
  return s;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

std::string age_svg(const AgeChart& chart) {
  const AgeLayout l = age_layout(chart);
  std::string s = svg_open("chart ages", l.width, l.height, chart.title,
                           " data-ymax=\"" + std::to_string(l.y.ymax) + "\"");
  s += y_grid(l.y, kAgeLeft, l.bar_x(l.shown));
  if (l.highest == 0) {
    s += "<text x=\"" + num(kAgeLeft + 12) + "\" y=\"" + num((l.top + l.bottom) / 2) +
         "\" font-size=\"12\" fill=\"#6e6e73\" " + kFont + ">no orders in this status</text>";
  }
  s += age_bars(chart, l);
  s += tier_markers(chart, l);
  s += "<text x=\"" + num(kAgeLeft) + "\" y=\"" + num(l.height - 3) +
       "\" font-size=\"11\" fill=\"#6e6e73\" " + kFont +
       ">orders by current age (bucket upper bound)</text>";
  s += "</svg>";
  return s;
}
TrendChart trend_chart(const tracking::TrendView& trend, std::string_view status, bool has_sla) {
  TrendChart c;
  c.title = std::string(status) + ": last " + duration_text(trend.window_ms);
  c.end_ms = trend.now_ms;
  c.start_ms = trend.now_ms - trend.window_ms;
  c.max_gap_ms = 2 * trend.interval_ms + trend.interval_ms / 2;
  c.times_ms = trend.times_ms;
  for (const auto& st : trend.statuses) {
    if (st.name != status) continue;
    c.lines.push_back({"in flight", kInFlightColor, st.in_flight, true});
    if (has_sla) c.lines.push_back({"overdue (unacknowledged)", kOverdueColor, st.overdue});
  }
  return c;
}

AgeChart age_chart(const tracking::TrackerSnapshot& snapshot, const sla::Config& config,
                   std::size_t status) {
  AgeChart c;
  const auto& st = config.statuses.at(status);
  c.title = st.name + ": current ages";
  for (const auto& b : sla::status_duration_buckets(config)) c.bounds_ms.push_back(b.count());
  for (const auto& tier : st.tiers) c.tiers.push_back({tier.after.count(), tier.severity});
  std::vector<std::uint64_t> cumulative(c.bounds_ms.size() + 1, 0);
  for (const auto& series : snapshot.series) {
    if (series.status != status || series.age.cumulative.size() != cumulative.size()) continue;
    for (std::size_t b = 0; b < cumulative.size(); ++b) cumulative[b] += series.age.cumulative[b];
  }
  c.counts.resize(cumulative.size());
  for (std::size_t b = 0; b < cumulative.size(); ++b) {
    c.counts[b] = cumulative[b] - (b > 0 ? cumulative[b - 1] : 0);
  }
  return c;
}

std::string section(const tracking::TrendView& trend, const tracking::TrackerSnapshot& snapshot,
                    const sla::Config& config, std::string_view status) {
  std::string html;
  for (std::size_t s = 0; s < config.statuses.size(); ++s) {
    const auto& st = config.statuses[s];
    if (st.terminal || (!status.empty() && st.name != status)) continue;
    html += "<div class=\"charts\" id=\"charts-" + esc(st.name) + "\">";
    html += trend_svg(trend_chart(trend, st.name, !st.tiers.empty()));
    html += age_svg(age_chart(snapshot, config, s));
    html += "</div>\n";
  }
  if (html.empty()) return html;
  return "<h2>Trend and current ages</h2>\n" + html;
}

}  // namespace orderwatch::web::charts
