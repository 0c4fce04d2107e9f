// The milestones of the drill-down (drilldown_milestones.h): the clocks and counts as JSON for
// DrilldownApi::overdue/order/summary (drilldown.cpp), the page's milestone table and one
// milestone's overdue list for DrilldownApi::page (drilldown_page.cpp).
#include "drilldown_milestones.h"

#include "orderwatch/events/time.h"

#include "action_forms.h"
#include "markup.h"
#include "orderwatch/web/drilldown.h"

namespace orderwatch::web::drilldown {

namespace {

using json = nlohmann::ordered_json;
using markup::esc;

double seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

// A clock's deadline as the status `deadline` says it: local with its offset on a calendar.
std::string deadline_of(const tracking::MilestoneClockView& c) {
  if (c.deadline_ms == 0) return "";
  return c.deadline_local.empty() ? events::format_rfc3339_ms(c.deadline_ms) : c.deadline_local;
}

const tracking::MilestoneClockView* clock_of(const tracking::OrderView& v,
                                             std::string_view milestone) {
  for (const auto& c : v.milestones)
    if (c.milestone == milestone) return &c;
  return nullptr;
}

// One overdue clock's row: id (linked when the lookup takes it), status, state, started,
// deadline (a paused clock has none), counted, paused, tier; with a token its acknowledgement
// and the action forms.
void clock_row(std::string& html, const tracking::OrderView& v, std::string_view milestone,
               std::int64_t w_ms, std::size_t max_id_bytes, const std::string& token) {
  const bool linkable = linkable_id(v.id, max_id_bytes);
  html += linkable ? "<tr><td class=\"id\"><a href=\"/api/v1/orders/" + esc(url_encode(v.id)) +
                         "\">" + esc(v.id) + "</a>"
                   : "<tr><td class=\"id\">" + esc(v.id);
  html += "</td><td>" + esc(v.status_name) + "</td>";
  const tracking::MilestoneClockView* c = clock_of(v, milestone);
  if (c == nullptr) {  // the order moved on between the listing and its view
    html += "<td colspan=\"" + std::string(token.empty() ? "6" : "7") +
            "\" class=\"muted\">-</td></tr>\n";
    return;
  }
  std::string deadline = c->state == "paused" ? "none while paused" : deadline_of(*c);
  if (c->deadline_ms != 0 && c->state == "running" && c->calendar.empty()) {
    // An "at risk" promise is listed before its deadline.
    // As of W, as the tiers crossed are.
    deadline += w_ms >= c->deadline_ms ? ", overdue by " + human_age(w_ms - c->deadline_ms)
                                       : ", due in " + human_age(c->deadline_ms - w_ms);
  } else if (!c->calendar.empty()) {
    deadline += " (calendar " + c->calendar + ")";
  }
  html += "<td>" + esc(c->state) + "</td><td>" +
          esc(c->started_ms != 0 ? events::format_rfc3339_ms(c->started_ms) : std::string("-")) +
          "</td><td>" + esc(deadline) + "</td><td class=\"num\">" + esc(human_age(c->counted_ms)) +
          "</td><td class=\"num\">" + esc(human_age(c->paused_ms)) + "</td><td class=\"sev-" +
          esc(c->severity) + "\">" + esc(c->severity) + "</td>";
  if (!token.empty()) {
    html += "<td>";
    if (c->ack) {
      html += "<span class=\"acked\">acknowledged by " + esc(c->ack->actor) + ": " +
              esc(c->ack->reason) + "</span>";
    }
    if (linkable) html += forms::order_forms(url_encode(v.id), token, milestone);
    html += "</td>";
  }
  html += "</tr>\n";
}

void clocks_table(std::string& html, const tracking::OverduePage& page, std::string_view milestone,
                  std::size_t max_id_bytes, const std::string& token) {
  std::vector<std::string> columns{"Order",    "Status",  "State",  "Started (UTC)",
                                   "Deadline", "Counted", "Paused", "Tier"};
  if (!token.empty()) columns.emplace_back("Act");
  markup::table_head(html, "orders milestone", columns);
  for (const auto& v : page.orders)
    clock_row(html, v, milestone, page.watermark_ms, max_id_bytes, token);
  html += "</table>\n";
}

}  // namespace

json ack_json(const tracking::Acknowledgement& ack) {
  return json{{"by", ack.actor},
              {"reason", ack.reason},
              {"at", events::format_rfc3339_ms(ack.at_ms)},
              {"until", events::format_rfc3339_ms(ack.until_ms)}};
}

json clocks_json(const std::vector<tracking::MilestoneClockView>& clocks) {
  json out = json::array();
  for (const auto& c : clocks) {
    json o{{"milestone", c.milestone},
           {"state", c.state},
           {"started",
            c.started_ms != 0 ? json(events::format_rfc3339_ms(c.started_ms)) : json(nullptr)},
           {"deadline", c.deadline_ms != 0 ? json(deadline_of(c)) : json(nullptr)},
           {"counted_seconds", seconds(c.counted_ms)},
           {"paused_seconds", seconds(c.paused_ms)},
           {"severity", c.severity.empty() ? json(nullptr) : json(c.severity)}};
    if (c.promise) o["promise"] = true;
    if (!c.calendar.empty()) o["calendar"] = c.calendar;
    if (c.ack) o["acknowledged"] = ack_json(*c.ack);
    out.push_back(std::move(o));
  }
  return out;
}

json milestone_summary_json(const std::vector<tracking::MilestoneSummary>& sum) {
  json out = json::array();
  for (const auto& m : sum) {
    json overdue = json::array(), acknowledged = json::array();
    for (const auto& [severity, count] : m.overdue) {
      overdue.push_back({{"severity", severity}, {"count", count}});
    }
    for (const auto& [severity, count] : m.acknowledged) {
      acknowledged.push_back({{"severity", severity}, {"count", count}});
    }
    json o{{"milestone", m.name},           {"promise", m.promise},
           {"in_progress", m.in_progress},  {"paused", m.paused},
           {"overdue", std::move(overdue)}, {"acknowledged", std::move(acknowledged)}};
    if (m.promise) o["without_deadline"] = m.without_deadline;
    if (!m.calendar.empty()) o["calendar"] = m.calendar;
    out.push_back(std::move(o));
  }
  return out;
}

std::string milestone_link(std::string_view milestone, std::string_view severity,
                           std::string_view cursor, std::size_t limit) {
  std::string q = "/?milestone=" + url_encode(milestone);
  if (!severity.empty()) q += "&severity=" + url_encode(severity);
  if (limit > 0) q += "&limit=" + std::to_string(limit);
  if (!cursor.empty()) q += "&cursor=" + url_encode(cursor);
  return q;
}

void milestone_summary_table(std::string& html, const tracking::TrackerSummary& sum) {
  if (sum.milestones.empty()) return;
  html += "<h2>Milestones</h2>\n";
  markup::table_head(
      html, "milestones",
      {"Milestone", "In progress", "Paused", "Overdue (per tier)", "Without deadline"});
  for (const auto& m : sum.milestones) {
    html +=
        "<tr><td><a href=\"" + esc(milestone_link(m.name, "")) + "\">" + esc(m.name) + "</a>" +
        (m.calendar.empty() ? ""
                            : " <span class=\"muted\">(calendar " + esc(m.calendar) + ")</span>") +
        "</td><td class=\"num\">" + std::to_string(m.in_progress) + "</td><td class=\"num\">" +
        std::to_string(m.paused) + "</td><td>";
    for (std::size_t k = 0; k < m.overdue.size(); ++k) {
      const auto& [severity, count] = m.overdue[k];
      html += std::string(k > 0 ? ", " : "") + "<a class=\"sev-" + esc(severity) + "\" href=\"" +
              esc(milestone_link(m.name, severity)) + "\">" + esc(severity) + ": " +
              std::to_string(count) + "</a>";
    }
    html += "</td><td class=\"num\">" +
            (m.promise ? std::to_string(m.without_deadline)
                       : std::string("<span class=\"muted\">-</span>")) +
            "</td></tr>\n";
  }
  html += "</table>\n";
}

std::string milestone_list(std::string& html, tracking::TrackerService& service, const Filters& f,
                           std::size_t max_id_bytes, const std::string& token) {
  tracking::OverdueQuery q;
  q.milestone = f.milestone;
  q.severity = f.severity;
  q.after = f.cursor;
  q.limit = f.limit.value_or(kDefaultPageLimit);
  q.acknowledged = tracking::AckFilter::kExclude;
  const tracking::OverduePage page = service.overdue(q);
  if (!page.error.empty()) return page.error;
  std::string title = "Milestone " + f.milestone;
  if (!f.severity.empty()) title += ", past " + f.severity;
  html += "<h2>" + esc(title) + ": " + std::to_string(page.total) + " overdue" +
          (f.cursor ? " (continued)" : "") + "</h2>\n";
  html += markup::muted_note(
      "Most overdue first, running clocks then paused ones. Acknowledging here acknowledges the "
      "milestone's clock (it leaves order_milestone_overdue), not the order's stay in its status.");
  if (page.orders.empty()) {
    html += markup::muted_note("No overdue orders.");
  } else {
    clocks_table(html, page, f.milestone, max_id_bytes, token);
  }
  if (!token.empty() && page.total + page.acknowledged > 0)
    html += forms::batch_forms("", f.severity, token, f.milestone);
  if (page.next) {
    html += "<p><a id=\"next\" href=\"" +
            esc(milestone_link(f.milestone, f.severity, format_cursor(*page.next),
                               f.limit.value_or(0))) +
            "\">next page &rarr;</a></p>\n";
  }
  if (page.acknowledged > 0 && !f.cursor) {
    q.acknowledged = tracking::AckFilter::kOnly;
    q.after.reset();
    q.limit = kDefaultPageLimit;
    const tracking::OverduePage acked = service.overdue(q);
    html += "<h3>Acknowledged (not alerting): " + std::to_string(acked.total) + "</h3>\n";
    clocks_table(html, acked, f.milestone, max_id_bytes, token);
  }
  return "";
}

}  // namespace orderwatch::web::drilldown
