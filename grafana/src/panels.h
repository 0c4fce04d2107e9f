// Private to the Grafana renderer: the dashboard's panel layout (DashboardBuilder: rows, then
// panels two or four to a line, ids in the order added) and the threshold decorations that
// dashboard.cpp puts on panels. Builds nlohmann::json values; not thread-safe per builder.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace orderwatch::grafana::detail {

using nlohmann::json;

// The dashboard's datasource variable: {"type": "prometheus", "uid": "${datasource}"}.
json datasource_ref();

struct Query {
  std::string expr;
  std::string legend;
};

// Lays panels out left to right, two per row, in the order they are added.
class DashboardBuilder {
 public:
  // A row header across the full width; the next panel starts a new line.
  void row(const std::string& title);

  // kind: timeseries, stat or heatmap. width: 12 (half) or 6 (quarter). The reference stays
  // valid until the next panel or row is added.
  json& panel(const std::string& kind, const std::string& title, const std::string& description,
              const std::vector<Query>& queries, const std::string& unit, int width = 12);

  json panels() const { return panels_; }

 private:
  void next_line();

  json panels_ = json::array();
  int next_id_ = 1;
  int column_ = 0;
  int y_ = 0;
};

// Threshold lines drawn on a time series (thresholdsStyle "line"): one step per value.
void threshold_lines(json& panel, const std::vector<std::pair<double, std::string>>& lines);

// A stat panel coloured `base` below `at` and `above` from it.
void stat_thresholds(json& panel, const std::string& base, double at, const std::string& above);

}  // namespace orderwatch::grafana::detail
