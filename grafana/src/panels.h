// Private to the Grafana renderer: the dashboard's panel layout (DashboardBuilder: rows, then
// panels two or four to a line, ids in the order added) and the threshold decorations that
// dashboard.cpp puts on panels; the milestone rows (milestone_panels.cpp). Builds
// nlohmann::json values; not thread-safe per builder.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::grafana::detail {

using nlohmann::json;

// Threshold line colours of SLA tiers 0, 1, ... (the last one for every later tier).
inline constexpr const char* kTierColors[] = {"orange", "red", "dark-red", "purple", "dark-purple"};

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

  // The id of the next panel or row; later ones count up from it. Returns the id it replaces,
  // so a block of panels can take ids of its own and the panels after it keep theirs.
  int set_next_id(int id) { return std::exchange(next_id_, id); }

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

// A quarter-width stat: whether business calendar `cal` is open now (its hours, not a
// holiday), as the exporters report it, naming the statuses and milestones that count in it.
void calendar_state_panel(DashboardBuilder& b, const sla::Config& config,
                          const sla::CalendarConfig& cal);

// The id of the row of milestone `index` (file order); its panels take the next ids. Far above
// the ids the other rows use, so adding a milestone renumbers no other panel.
int milestone_panel_id(std::size_t index);

// One row per milestone (milestone_panels.cpp): orders in it (paused, without deadline), overdue
// by tier, the share met and the counted-time quantiles against its tiers; with
// `calendar_panel`, the state of the milestone's calendar too.
void milestone_row(DashboardBuilder& b, const sla::Config& config, const sla::Milestone& milestone,
                   bool calendar_panel);

}  // namespace orderwatch::grafana::detail
