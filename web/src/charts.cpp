#include "charts.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::web::charts {

namespace {

std::string esc(std::string_view text) { return rules::html_escape(text); }

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

}  // namespace

std::string trend_svg(const TrendChart& chart) {
  std::int64_t top = 0;
  for (const auto& line : chart.lines) {
    for (auto v : line.values) top = std::max(top, v);
  }
  const std::int64_t ymax = nice_max(top);
  const double span = static_cast<double>(std::max<std::int64_t>(chart.end_ms - chart.start_ms, 1));
  auto x = [&](std::int64_t t) {
    return kPlotLeft + static_cast<double>(t - chart.start_ms) / span * (kPlotRight - kPlotLeft);
  };
  auto y = [&](std::int64_t v) {
    return kPlotBottom -
           static_cast<double>(v) / static_cast<double>(ymax) * (kPlotBottom - kPlotTop);
  };
  std::string s = svg_open("chart trend", kTrendWidth, kTrendHeight, chart.title,
                           " data-ymax=\"" + std::to_string(ymax) + "\"");
  // Grid and y labels: 0, half, top.
  for (std::int64_t v : {std::int64_t{0}, ymax / 2, ymax}) {
    if (v == ymax / 2 && ymax % 2 != 0) continue;
    s += "<line x1=\"" + num(kPlotLeft) + "\" y1=\"" + num(y(v)) + "\" x2=\"" + num(kPlotRight) +
         "\" y2=\"" + num(y(v)) + "\" stroke=\"" + (v == 0 ? "#8e8e93" : "#e5e5ea") +
         "\" stroke-width=\"1\"/>";
    s += "<text x=\"" + num(kPlotLeft - 4) + "\" y=\"" + num(y(v) + 4) +
         "\" font-size=\"10\" text-anchor=\"end\" fill=\"#6e6e73\" " + kFont + ">" +
         std::to_string(v) + "</text>";
  }
  // x labels: the window's start, its quarters, and now.
  for (int q = 0; q <= 4; ++q) {
    const std::int64_t t = chart.start_ms + (chart.end_ms - chart.start_ms) * q / 4;
    const std::string label = q == 4 ? "now" : "-" + duration_text(chart.end_ms - t);
    s += "<text x=\"" + num(x(t)) + "\" y=\"" + num(kPlotBottom + 14) +
         "\" font-size=\"10\" text-anchor=\"" +
         (q == 0   ? "start"
          : q == 4 ? "end"
                   : "middle") +
         "\" fill=\"#6e6e73\" " + kFont + ">" + esc(label) + "</text>";
  }
  // The lines, broken where samples are missing or too far apart.
  double legend_x = kPlotLeft;
  for (const auto& line : chart.lines) {
    std::vector<std::pair<std::int64_t, std::int64_t>> run;
    auto flush = [&] {
      if (run.empty()) return;
      if (run.size() == 1) {
        s += "<circle data-line=\"" + esc(line.name) + "\" cx=\"" + num(x(run[0].first)) +
             "\" cy=\"" + num(y(run[0].second)) + "\" r=\"" + (line.area ? "4" : "2.5") +
             "\" fill=\"" + esc(line.color) + "\"/>";
      } else {
        if (line.area) {
          s += "<polygon data-area=\"" + esc(line.name) + "\" fill=\"" + esc(line.color) +
               "\" fill-opacity=\"0.15\" points=\"";
          for (const auto& [t, v] : run) s += num(x(t)) + "," + num(y(v)) + " ";
          s += num(x(run.back().first)) + "," + num(y(0)) + " " + num(x(run.front().first)) + "," +
               num(y(0)) + "\"/>";
        }
        s += "<polyline data-line=\"" + esc(line.name) + "\" fill=\"none\" stroke=\"" +
             esc(line.color) + "\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"";
        for (std::size_t i = 0; i < run.size(); ++i) {
          if (i > 0) s += ' ';
          s += num(x(run[i].first)) + "," + num(y(run[i].second));
        }
        s += "\"/>";
      }
      run.clear();
    };
    std::optional<std::int64_t> latest;
    for (std::size_t i = 0; i < chart.times_ms.size() && i < line.values.size(); ++i) {
      const std::int64_t t = chart.times_ms[i], v = line.values[i];
      if (v < 0 || t < chart.start_ms || t > chart.end_ms) {
        flush();
        continue;
      }
      if (!run.empty() && chart.max_gap_ms > 0 && t - run.back().first > chart.max_gap_ms) flush();
      run.emplace_back(t, v);
      latest = v;
    }
    flush();
    // Legend: a swatch, the name and the latest value.
    const std::string text =
        line.name + ": " + (latest ? std::to_string(*latest) : std::string("no data"));
    s += "<rect x=\"" + num(legend_x) + "\" y=\"" + num(kTrendHeight - 12) +
         "\" width=\"10\" height=\"10\" fill=\"" + esc(line.color) + "\"/>";
    s += "<text x=\"" + num(legend_x + 14) + "\" y=\"" + num(kTrendHeight - 3) +
         "\" font-size=\"11\" fill=\"#1d1d1f\" " + kFont + ">" + esc(text) + "</text>";
    legend_x += 24 + 6.5 * static_cast<double>(text.size());
  }
  s += "</svg>";
  return s;
}

std::string age_svg(const AgeChart& chart) {
  // Buckets shown: up to the last non-empty one or the last tier's, whichever is later.
  std::size_t shown = 0;
  for (std::size_t b = 0; b < chart.counts.size(); ++b) {
    if (chart.counts[b] > 0) shown = b + 1;
  }
  for (const auto& tier : chart.tiers) {
    const auto it = std::find(chart.bounds_ms.begin(), chart.bounds_ms.end(), tier.after_ms);
    if (it != chart.bounds_ms.end()) {
      // The bucket ending at the tier, and one past it so the marker has a bar on each side.
      shown = std::max(shown, static_cast<std::size_t>(it - chart.bounds_ms.begin()) + 2);
    }
  }
  shown = std::min(std::max<std::size_t>(shown, 1), chart.counts.size());
  // Tier labels stack above the plot, one line each, so adjacent tiers never overlap.
  constexpr double kBar = 30, kLeft = 46, kPlot = 130;
  auto label_y = [](std::size_t k) { return 27 + 11 * static_cast<double>(k); };
  const double kTop = chart.tiers.empty() ? 30 : label_y(chart.tiers.size() - 1) + 5;
  const double kBottom = kTop + kPlot, kHeight = kBottom + 30;
  // Room on the right for the label of a tier at the last bar.
  const double width = std::max(kLeft + kBar * static_cast<double>(shown) + 70, 320.0);
  std::uint64_t top = 0;
  for (std::size_t b = 0; b < shown; ++b) top = std::max(top, chart.counts[b]);
  const auto ymax = static_cast<std::uint64_t>(nice_max(static_cast<std::int64_t>(top)));
  auto y = [&](std::uint64_t v) {
    return kBottom - static_cast<double>(v) / static_cast<double>(ymax) * (kBottom - kTop);
  };
  std::string s = svg_open("chart ages", width, kHeight, chart.title,
                           " data-ymax=\"" + std::to_string(ymax) + "\"");
  for (std::uint64_t v : {std::uint64_t{0}, ymax / 2, ymax}) {
    if (v == ymax / 2 && ymax % 2 != 0) continue;
    s += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(y(v)) + "\" x2=\"" +
         num(kLeft + kBar * static_cast<double>(shown)) + "\" y2=\"" + num(y(v)) + "\" stroke=\"" +
         (v == 0 ? "#8e8e93" : "#e5e5ea") + "\" stroke-width=\"1\"/>";
    s += "<text x=\"" + num(kLeft - 4) + "\" y=\"" + num(y(v) + 4) +
         "\" font-size=\"10\" text-anchor=\"end\" fill=\"#6e6e73\" " + kFont + ">" +
         std::to_string(v) + "</text>";
  }
  if (top == 0) {
    s += "<text x=\"" + num(kLeft + 12) + "\" y=\"" + num((kTop + kBottom) / 2) +
         "\" font-size=\"12\" fill=\"#6e6e73\" " + kFont + ">no orders in this status</text>";
  }
  const std::int64_t sla_ms = chart.tiers.empty() ? -1 : chart.tiers.front().after_ms;
  for (std::size_t b = 0; b < shown; ++b) {
    const bool inf = b >= chart.bounds_ms.size();
    const std::string le = inf ? "+Inf" : std::to_string(chart.bounds_ms[b]);
    // Past the SLA: every order in the bucket is older than its lower bound >= the SLA.
    const bool overdue = sla_ms >= 0 && b > 0 && chart.bounds_ms[b - 1] >= sla_ms;
    const double x0 = kLeft + kBar * static_cast<double>(b);
    const std::uint64_t count = chart.counts[b];
    s += "<rect class=\"bar\" data-le=\"" + le + "\" data-count=\"" + std::to_string(count) +
         "\" x=\"" + num(x0 + 3) + "\" y=\"" + num(y(count)) + "\" width=\"" + num(kBar - 6) +
         "\" height=\"" + num(kBottom - y(count)) + "\" fill=\"" +
         (overdue ? kOverdueColor : kInFlightColor) + "\"/>";
    if (count > 0) {
      s += "<text x=\"" + num(x0 + kBar / 2) + "\" y=\"" + num(y(count) - 3) +
           "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#1d1d1f\" " + kFont + ">" +
           std::to_string(count) + "</text>";
    }
    const std::string label = inf ? "&gt;" + esc(duration_text(chart.bounds_ms.back()))
                                  : esc(duration_text(chart.bounds_ms[b]));
    s += "<text x=\"" + num(x0 + kBar / 2) + "\" y=\"" + num(kBottom + 13) +
         "\" font-size=\"9\" text-anchor=\"middle\" fill=\"#6e6e73\" " + kFont + ">" + label +
         "</text>";
  }
  // Tier markers at the right edge of the bucket each threshold bounds.
  for (std::size_t k = 0; k < chart.tiers.size(); ++k) {
    const auto& tier = chart.tiers[k];
    const auto it = std::find(chart.bounds_ms.begin(), chart.bounds_ms.end(), tier.after_ms);
    if (it == chart.bounds_ms.end()) continue;
    const auto b = static_cast<std::size_t>(it - chart.bounds_ms.begin());
    if (b >= shown) continue;
    const double xt = kLeft + kBar * static_cast<double>(b + 1);
    const std::string color = severity_color(tier.severity);
    s += "<line class=\"tier\" data-severity=\"" + esc(tier.severity) + "\" data-after=\"" +
         std::to_string(tier.after_ms) + "\" x1=\"" + num(xt) + "\" y1=\"" + num(label_y(k) + 2) +
         "\" x2=\"" + num(xt) + "\" y2=\"" + num(kBottom) + "\" stroke=\"" + color +
         "\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>";
    s += "<text x=\"" + num(xt + 2) + "\" y=\"" + num(label_y(k)) + "\" font-size=\"10\" fill=\"" +
         color + "\" " + kFont + ">" + esc(tier.severity + " " + duration_text(tier.after_ms)) +
         "</text>";
  }
  s += "<text x=\"" + num(kLeft) + "\" y=\"" + num(kHeight - 3) +
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
