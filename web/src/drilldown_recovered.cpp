// What recovered: GET /api/v1/recovered?status=S&limit=N (JSON) and the page's "Recovered"
// section -- the latest orders that were overdue and then moved on, finished or were
// forgotten, newest first, from the tracker's bounded ring (tracking::OrderTracker::recovered).
#include "drilldown_recovered.h"

#include <nlohmann/json.hpp>

#include "drilldown_params.h"
#include "json_answer.h"
#include "markup.h"
#include "orderwatch/events/time.h"
#include "orderwatch/web/drilldown.h"

namespace orderwatch::web {

namespace {

using json = nlohmann::ordered_json;

using markup::esc;

std::string_view outcome_name(tracking::RecoveredOutcome o) {
  return tracking::kRecoveredOutcomeNames[static_cast<std::size_t>(o)];
}

json recovered_json(const tracking::RecoveredOrder& e) {
  json o{{"id", e.id},
         {"status", e.status},
         {"severity", e.severity.empty() ? json(nullptr) : json(e.severity)},
         {"tiers_crossed", e.tiers_crossed},
         {"entered", events::format_rfc3339_ms(e.entered_ms)},
         {"overdue_seconds", static_cast<double>(e.overdue_ms) / 1000.0},
         {"left", events::format_rfc3339_ms(e.left_ms)},
         {"watermark", events::format_rfc3339_ms(e.watermark_ms)},
         {"outcome", outcome_name(e.outcome)},
         {"to", e.to.empty() ? json(nullptr) : json(e.to)},
         {"acknowledged", e.acknowledged},
         {"redriven", e.redriven}};
  if (e.id_truncated) o["id_truncated"] = true;
  return o;
}

}  // namespace

HttpResponse DrilldownApi::recovered(const HttpRequest& req) const {
  drilldown::Filters f;
  if (auto err = drilldown::parse_recovered_filters(req.query, f); !err.empty()) {
    return json_response(400, json{{"error", err}});
  }
  const std::size_t limit = f.limit.value_or(kDefaultPageLimit);
  const tracking::RecoveredList list = service_.recovered(f.status, limit);
  if (!list.error.empty()) return json_response(400, json{{"error", list.error}});
  json orders = json::array();
  for (const auto& e : list.orders) orders.push_back(recovered_json(e));
  return json_response(200, json{{"now", events::format_rfc3339_ms(list.now_ms)},
                                 {"status", f.status.empty() ? json(nullptr) : json(f.status)},
                                 {"limit", limit},
                                 {"kept", list.capacity},
                                 {"held", list.held},
                                 {"recorded", list.recorded},
                                 {"recovered", std::move(orders)}});
}

namespace drilldown {

void recovered_section(std::string& html, const tracking::RecoveredList& list,
                       std::string_view status) {
  const std::string api =
      "/api/v1/recovered" + (status.empty() ? std::string() : "?status=" + url_encode(status));
  html += "<h2 id=\"recovered\">Recovered" + (status.empty() ? std::string() : ": " + esc(status)) +
          "</h2>\n";
  html +=
      "<p class=\"muted\">Orders that were overdue and then moved on, finished or were "
      "forgotten, newest first (the latest " +
      std::to_string(list.capacity) + " are kept, in memory; <a href=\"" + esc(api) +
      "\">as JSON</a>).</p>\n";
  if (list.orders.empty()) {
    html += markup::muted_note("Nothing recovered yet.");
    return;
  }
  markup::table_head(
      html, "recovered",
      {"Order", "Was in", "Highest tier", "Overdue for", "Left (UTC)", "To", "Action before"});
  for (const auto& e : list.orders) {
    std::string to = e.outcome == tracking::RecoveredOutcome::kForgotten
                         ? "<span class=\"muted\">forgotten</span>"
                         : esc(e.to) + (e.outcome == tracking::RecoveredOutcome::kFinished
                                            ? " <span class=\"muted\">(finished)</span>"
                                            : "");
    std::string action;
    if (e.acknowledged) action += "acknowledged";
    if (e.redriven) action += std::string(action.empty() ? "" : ", ") + "redriven";
    html += "<tr><td class=\"id\">" + esc(e.id) + (e.id_truncated ? "&hellip;" : "") + "</td><td>" +
            esc(e.status) + "</td><td class=\"sev-" + esc(e.severity) + "\">" + esc(e.severity) +
            "</td><td class=\"num\">" + esc(drilldown::human_age(e.overdue_ms)) + "</td><td>" +
            esc(events::format_rfc3339_ms(e.left_ms)) + "</td><td>" + to + "</td><td>" +
            (action.empty() ? "<span class=\"muted\">-</span>" : esc(action)) + "</td></tr>\n";
  }
  html += "</table>\n";
}

}  // namespace drilldown

}  // namespace orderwatch::web
