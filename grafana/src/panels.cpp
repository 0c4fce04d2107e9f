// The panel layout of the overview dashboard (panels.h); dashboard.cpp adds the rows and
// panels in reading order and gets their grid positions and ids from here.
#include "panels.h"

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::grafana::detail {

namespace {

constexpr int kGridWidth = 24;
constexpr int kPanelHeight = 8;

// The display options of a panel of `kind` (timeseries, heatmap, else stat).
json panel_options(const std::string& kind, const std::string& unit) {
  if (kind == "timeseries") {
    return {{"legend",
             {{"calcs", json::array()},
              {"displayMode", "list"},
              {"placement", "bottom"},
              {"showLegend", true}}},
            {"tooltip", {{"mode", "multi"}, {"sort", "desc"}}}};
  }
  if (kind == "heatmap") {  // Grafana's defaults, no recalculation of the buckets
    return {{"calculate", false},
            {"cellGap", 1},
            {"color",
             {{"exponent", 0.5},
              {"fill", "dark-orange"},
              {"mode", "scheme"},
              {"reverse", false},
              {"scale", "exponential"},
              {"scheme", "Oranges"},
              {"steps", 64}}},
            {"exemplars", {{"color", "rgba(255,0,255,0.7)"}}},
            {"legend", {{"show", true}}},
            {"rowsFrame", {{"layout", "auto"}}},
            {"showValue", "auto"},
            {"tooltip", {{"mode", "single"}, {"yHistogram", false}}},
            {"yAxis", {{"axisPlacement", "left"}, {"reverse", false}, {"unit", unit}}}};
  }
  return {{"reduceOptions", {{"calcs", {"lastNotNull"}}, {"fields", ""}, {"values", false}}},
          {"colorMode", "value"},
          {"graphMode", "area"},
          {"justifyMode", "auto"},
          {"orientation", "auto"},
          {"percentChangeColorMode", "standard"},
          {"showPercentChange", false},
          {"textMode", "auto"},
          {"wideLayout", true}};
}

}  // namespace

json datasource_ref() { return {{"type", "prometheus"}, {"uid", "${datasource}"}}; }

void DashboardBuilder::row(const std::string& title) {
  if (column_ != 0) next_line();
  panels_.push_back({{"type", "row"},
                     {"title", title},
                     {"id", next_id_++},
                     {"collapsed", false},
                     {"panels", json::array()},
                     {"gridPos", {{"h", 1}, {"w", kGridWidth}, {"x", 0}, {"y", y_}}}});
  y_ += 1;
}

json& DashboardBuilder::panel(const std::string& kind, const std::string& title,
                              const std::string& description, const std::vector<Query>& queries,
                              const std::string& unit, int width) {
  if (column_ + width > kGridWidth) next_line();
  json targets = json::array();
  char ref = 'A';
  for (const auto& q : queries) {
    targets.push_back({{"datasource", datasource_ref()},
                       {"expr", q.expr},
                       {"legendFormat", q.legend},
                       {"refId", std::string(1, ref++)}});
  }
  json panel = {
      {"type", kind},
      {"title", title},
      {"description", description},
      {"id", next_id_++},
      {"datasource", datasource_ref()},
      {"targets", targets},
      {"gridPos", {{"h", kPanelHeight}, {"w", width}, {"x", column_}, {"y", y_}}},
      {"fieldConfig", {{"defaults", {{"unit", unit}}}, {"overrides", json::array()}}},
  };
  panel["options"] = panel_options(kind, unit);
  // Heatmap buckets as exported (format "heatmap", not recalculated).
  if (kind == "heatmap") {
    for (auto& target : panel["targets"]) target["format"] = "heatmap";
  }
  column_ += width;
  panels_.push_back(std::move(panel));
  return panels_.back();
}

void DashboardBuilder::next_line() {
  column_ = 0;
  y_ += kPanelHeight;
}

// Threshold lines drawn on a time series (thresholdsStyle "line"): one step per value.
void threshold_lines(json& panel, const std::vector<std::pair<double, std::string>>& lines) {
  json steps = json::array({{{"color", "transparent"}, {"value", nullptr}}});
  for (const auto& [value, color] : lines) steps.push_back({{"color", color}, {"value", value}});
  auto& defaults = panel["fieldConfig"]["defaults"];
  defaults["thresholds"] = {{"mode", "absolute"}, {"steps", steps}};
  defaults["custom"] = {{"thresholdsStyle", {{"mode", "line"}}}};
}

void stat_thresholds(json& panel, const std::string& base, double at, const std::string& above) {
  panel["fieldConfig"]["defaults"]["thresholds"] = {
      {"mode", "absolute"},
      {"steps",
       json::array({{{"color", base}, {"value", nullptr}}, {{"color", above}, {"value", at}}})}};
}

void calendar_state_panel(DashboardBuilder& b, const sla::Config& config,
                          const sla::CalendarConfig& cal) {
  std::string statuses;
  for (const auto& status : config.statuses) {
    if (status.calendar == cal.name) statuses += (statuses.empty() ? "" : ", ") + status.name;
  }
  for (const auto& milestone : config.milestones) {
    if (milestone.calendar == cal.name)
      statuses += (statuses.empty() ? "milestone " : ", milestone ") + milestone.name;
  }
  auto& panel = b.panel(
      "stat", "Calendar " + cal.name,
      "Whether business calendar " + cal.name + " (" + cal.spec.timezone +
          ") is open now: its hours, not a holiday. Its open time is what the SLAs of " + statuses +
          " count" + (cal.page_when_closed ? "." : "; their alerts notify only then."),
      {{"max(" + sla::metric_name(config, sla::self::kCalendarOpen) + "{" +
            rules::job_matcher(config) + ",calendar=" + rules::promql_string(cal.name) + "})",
        cal.name}},
      "short", 6);
  panel["options"]["graphMode"] = "none";
  panel["fieldConfig"]["defaults"]["mappings"] =
      json::array({{{"type", "value"},
                    {"options",
                     {{"0", {{"text", "closed"}, {"color", "orange"}, {"index", 1}}},
                      {"1", {{"text", "open"}, {"color", "green"}, {"index", 0}}}}}}});
}

}  // namespace orderwatch::grafana::detail
