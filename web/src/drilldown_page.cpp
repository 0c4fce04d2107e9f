// The drill-down page at "/" (DrilldownApi::page, routed by DrilldownApi::add_routes): the
// summary table, the charts, then the overview of every status or one filtered list, and what
// recovered. Plain server-rendered HTML, every value escaped; links use the API's filters, so an
// alert's drilldown_url (<exporter_url>/?status=S&severity=K) opens the stuck orders.
#include "action_forms.h"
#include "charts.h"
#include "drilldown_milestones.h"
#include "drilldown_params.h"
#include "drilldown_recovered.h"
#include "markup.h"
#include "orderwatch/web/drilldown.h"

#include "orderwatch/events/time.h"

#include <optional>
#include <string>
#include <vector>

namespace orderwatch::web {

std::string drilldown::human_age(std::int64_t ms) {
  if (ms < 0) return "0s";
  std::int64_t s = ms / 1000;
  const std::int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;
  s %= 60;
  if (d > 0) return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0) return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0) return std::to_string(m) + "m " + std::to_string(s) + "s";
  return std::to_string(s) + "s";
}

namespace {

using drilldown::human_age;
using markup::esc;

constexpr std::size_t kOverviewRows = 20;  // per status on the unfiltered page

// 4 of 5 -> "80 %"; a share that rounds to 0 but is not: "<1 %".
std::string percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "-";
  const std::int64_t p = (200 * part + whole) / (2 * whole);  // rounded half up
  return p == 0 && part > 0 ? "&lt;1 %" : std::to_string(p) + " %";
}

std::string link(std::string_view status, std::string_view severity, std::string_view cursor = {},
                 std::size_t limit = 0) {
  std::string q;
  auto add = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    q += q.empty() ? "?" : "&";
    q += std::string(key) + "=" + url_encode(value);
  };
  add("status", status);
  add("severity", severity);
  if (limit > 0) add("limit", std::to_string(limit));
  add("cursor", cursor);
  return "/" + q;
}

constexpr const char* kStyle = R"(<style>
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.3em 0 1em;min-width:40em}
th,td{border:1px solid #d0d0d7;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f5}tr:nth-child(even) td{background:#fafafc}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.id{font-family:ui-monospace,Menlo,Consolas,monospace}
.sev-warning{color:#8a5a00}.sev-page,.sev-critical{color:#b00020;font-weight:600}
.muted{color:#6e6e73}.error{color:#b00020;font-weight:600}
nav a{margin-right:1em}
form.act{display:inline-block;margin:0 .3em .2em 0}form.act input{font-size:.85em}
.batch{margin:.5em 0}.acked{color:#2e7d32;margin-right:.5em}
.share{color:#6e6e73;font-size:.9em}.charts svg{margin:0 1em .5em 0;vertical-align:top}
</style>)";

// One row per non-terminal status: in flight, overdue per tier, oldest, common dimensions.
void summary_table(std::string& html, const tracking::TrackerSummary& sum) {
  html +=
      "<h2>Summary</h2>\n<table id=\"summary\"><tr><th>Status</th><th>In flight</th>"
      "<th>Overdue (per tier)</th><th>Acknowledged</th><th>Oldest</th>"
      "<th>Common among overdue</th></tr>\n";
  for (const auto& s : sum.statuses) {
    if (s.terminal) continue;
    html += "<tr><td><a href=\"" + esc(link(s.name, "")) + "\">" + esc(s.name) + "</a></td>";
    html += "<td class=\"num\">" + std::to_string(s.in_flight) + "</td><td>";
    if (s.overdue.empty()) html += "<span class=\"muted\">no SLA</span>";
    for (std::size_t k = 0; k < s.overdue.size(); ++k) {
      const auto& [severity, count] = s.overdue[k];
      if (k > 0) html += ", ";
      html += "<a class=\"sev-" + esc(severity) + "\" href=\"" + esc(link(s.name, severity)) +
              "\">" + esc(severity) + ": " + std::to_string(count) + "</a>";
    }
    // Acknowledged orders are not in the overdue counts (as order_overdue): shown apart.
    html += "</td><td>";
    bool any_acked = false;
    for (const auto& [severity, count] : s.acknowledged) {
      if (count == 0) continue;
      html += std::string(any_acked ? ", " : "") + esc(severity) + ": " + std::to_string(count);
      any_acked = true;
    }
    if (!any_acked) html += "<span class=\"muted\">-</span>";
    html += "</td><td>";
    if (s.oldest_entered_ms) {
      html += esc(human_age(sum.watermark_ms - *s.oldest_entered_ms)) + " <span class=\"muted\">(" +
              esc(events::format_rfc3339_ms(*s.oldest_entered_ms)) + ")</span>";
    } else {
      html += "<span class=\"muted\">-</span>";
    }
    html += "</td><td>";
    bool first = true;
    for (const auto& d : s.top_overdue) {
      if (!first) html += "<br>";
      first = false;
      html += esc(d.label) + ": ";
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        if (i > 0) html += ", ";
        html += esc(d.values[i].first) + " (" + std::to_string(d.values[i].second) + ")";
        if (i < d.in_flight.size()) {
          html += " <span class=\"share\">" + percent(d.values[i].second, d.overdue) +
                  " of overdue, " + percent(d.in_flight[i], d.all_in_flight) +
                  " of in flight</span>";
        }
      }
    }
    html += "</td></tr>\n";
  }
  html += "</table>\n";
}

// What the order tables of one page share.
struct OrderTables {
  tracking::TrackerService& service;
  // The API's id bound: longer ids (kept from a snapshot or an older config) are shown but not
  // linked to a lookup that would refuse them.
  std::size_t max_id_bytes = 0;
  std::string token;  // the user's form token; "" = no action forms
};

// The Deadline column: the first tier's deadline and how far it is from W (w_ms). A calendar
// status says it in the calendar's local time and open time ("overdue by 2h 5m open time,
// calendar office").
std::string deadline_text(const tracking::OrderView& v, std::int64_t w_ms) {
  if (v.deadline_ms == 0) return "";
  const bool open_time = !v.calendar.empty();
  const std::int64_t left = open_time ? v.open_to_deadline_ms : v.deadline_ms - w_ms;
  return (open_time ? v.deadline_local : events::format_rfc3339_ms(v.deadline_ms)) +
         (left > 0 ? ", due in " + human_age(left) : ", overdue by " + human_age(-left)) +
         (open_time ? " open time (calendar " + v.calendar + ")" : "");
}

// One order's row: id (linked when the lookup takes it), status, entered, age and deadline
// (as of W: w_ms), tier, dimensions, and with a token its acknowledgement and forms.
void order_row(std::string& html, const tracking::OrderView& v, std::int64_t w_ms,
               const OrderTables& t) {
  const bool linkable = drilldown::linkable_id(v.id, t.max_id_bytes);
  html += linkable ? "<tr><td class=\"id\"><a href=\"/api/v1/orders/" + esc(url_encode(v.id)) +
                         "\">" + esc(v.id) + "</a>"
                   : "<tr><td class=\"id\">" + esc(v.id);
  html += "</td><td>" + esc(v.status_name) + "</td><td>" +
          esc(events::format_rfc3339_ms(v.entered_ms)) + "</td><td class=\"num\">" +
          esc(human_age(w_ms - v.entered_ms)) + "</td><td>" + esc(deadline_text(v, w_ms)) +
          "</td><td class=\"sev-" + esc(v.severity) + "\">" + esc(v.severity) + "</td>";
  for (const auto& value : v.dims) html += "<td>" + esc(value) + "</td>";
  if (!t.token.empty()) {
    html += "<td>";
    if (v.ack) {
      html += "<span class=\"acked\">acknowledged by " + esc(v.ack->actor) + ": " +
              esc(v.ack->reason) + "</span>";
    }
    if (linkable) html += forms::order_forms(url_encode(v.id), t.token);
    html += "</td>";
  }
  html += "</tr>\n";
}

void orders_table(std::string& html, const tracking::OverduePage& page, const OrderTables& t) {
  if (page.orders.empty()) {
    html += markup::muted_note("No overdue orders.");
    return;
  }
  std::vector<std::string> columns{"Order", "Status", "Entered (UTC)", "Age", "Deadline", "Tier"};
  columns.insert(columns.end(), page.dimension_labels.begin(), page.dimension_labels.end());
  if (!t.token.empty()) columns.emplace_back("Act");
  markup::table_head(html, "orders", columns);
  for (const auto& v : page.orders) order_row(html, v, page.watermark_ms, t);
  html += "</table>\n";
}

// The acknowledged orders `q` selects (its status and severity filters), listed apart from the
// overdue ones (not alerting).
void acknowledged_table(std::string& html, tracking::OverdueQuery q, const OrderTables& t) {
  q.acknowledged = tracking::AckFilter::kOnly;
  const tracking::OverduePage page = t.service.overdue(q);
  if (page.orders.empty()) return;
  html += "<h3>Acknowledged (not alerting): " + std::to_string(page.total) + "</h3>\n";
  orders_table(html, page, t);
  if (page.next) {
    html +=
        markup::muted_note(std::to_string(page.total - page.orders.size()) + " more acknowledged.");
  }
}

// The page without filters: the oldest few overdue orders of every status (`limit`, default
// kOverviewRows), each linking to its full list, then what recovered.
void overview(std::string& html, const OrderTables& t, const tracking::TrackerSummary& sum,
              std::optional<std::size_t> limit) {
  tracking::OverdueQuery q;
  for (const auto& s : sum.statuses) {
    if (s.terminal || s.overdue.empty()) continue;
    q.status = s.name;
    q.limit = limit.value_or(kOverviewRows);
    q.acknowledged = tracking::AckFilter::kExclude;
    const tracking::OverduePage page = t.service.overdue(q);
    if (!page.error.empty()) continue;  // the config changed between the two calls
    html += "<h2 id=\"" + esc(s.name) + "\">" + esc(s.name) + ": " + std::to_string(page.total) +
            " overdue</h2>\n";
    orders_table(html, page, t);
    if (page.next) {
      html += "<p><a href=\"" + esc(link(s.name, "")) + "\">all " + std::to_string(page.total) +
              " overdue " + esc(s.name) + " orders &rarr;</a></p>\n";
    }
    if (page.acknowledged > 0) acknowledged_table(html, q, t);
  }
  drilldown::recovered_section(html, t.service.recovered("", drilldown::kRecoveredRows), "");
}

// The page with filters: one page of the overdue orders they select (batch forms, a link to
// the next page), the acknowledged ones on the first page, then what recovered. Returns the
// service's refusal of a filter (unknown status or severity), or "" when drawn.
std::string filtered_list(std::string& html, const OrderTables& t, const drilldown::Filters& f) {
  tracking::OverdueQuery q;
  q.status = f.status;
  q.severity = f.severity;
  q.after = f.cursor;
  q.limit = f.limit.value_or(kDefaultPageLimit);
  q.acknowledged = tracking::AckFilter::kExclude;
  const tracking::OverduePage page = t.service.overdue(q);
  if (!page.error.empty()) return page.error;
  std::string title = f.status.empty() ? "All statuses" : f.status;
  if (!f.severity.empty()) title += ", past " + f.severity;
  html += "<h2>" + esc(title) + ": " + std::to_string(page.total) + " overdue" +
          (f.cursor ? " (continued)" : "") + "</h2>\n";
  orders_table(html, page, t);
  if (!t.token.empty() && page.total + page.acknowledged > 0)
    html += forms::batch_forms(f.status, f.severity, t.token);
  if (page.next) {
    html += "<p><a id=\"next\" href=\"" +
            esc(link(f.status, f.severity, format_cursor(*page.next), f.limit.value_or(0))) +
            "\">next page &rarr;</a></p>\n";
  }
  if (page.acknowledged > 0 && !f.cursor) {
    q.limit = kOverviewRows;
    acknowledged_table(html, q, t);
  }
  drilldown::recovered_section(html, t.service.recovered(f.status, drilldown::kRecoveredRows),
                               f.status);
  return "";
}

// The page's head, title and navigation.
std::string page_head(std::string_view service_name) {
  std::string html =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>orderwatch " +
      esc(service_name) + ": who is stuck</title>" + kStyle + "</head><body>\n";
  html += "<h1>orderwatch: " + esc(service_name) + "</h1>\n";
  html +=
      "<nav><a href=\"/\">overview</a><a href=\"/api/v1/summary\">/api/v1/summary</a>"
      "<a href=\"/metrics\">/metrics</a><a href=\"/healthz\">/healthz</a>"
      "<a href=\"/readyz\">/readyz</a></nav>\n";
  return html;
}

HttpResponse finish(std::string& html, int status) {
  html += "</body></html>\n";
  return HttpResponse{status, "text/html; charset=utf-8", std::move(html)};
}

// The warning once an ingest gap happened: how many, the last one's start and end.
void gaps_notice(std::string& html, const IngestGaps& gaps) {
  if (gaps.total() == 0) return;
  const std::string start = events::format_rfc3339_ms(gaps.last_start_ms);
  const std::string end = gaps.last_end_ms != 0 ? events::format_rfc3339_ms(gaps.last_end_ms)
                                                : std::string("still open");
  html += "<p class=\"error\" id=\"ingest-gaps\">Ingest gaps since start: " +
          std::to_string(gaps.total()) + " (disconnect " + std::to_string(gaps.disconnects) +
          ", slow consumer " + std::to_string(gaps.slow_consumer) + "); the last from " +
          esc(start) + " to " + esc(end) + ". " + esc(drilldown::kGapWarning) + "</p>\n";
}

HttpResponse bad_request(std::string& html, std::string_view why) {
  html += "<p class=\"error\">Bad request: " + esc(why) + "</p>\n";
  return finish(html, 400);
}

}  // namespace

HttpResponse DrilldownApi::page(const HttpRequest& req) const {
  drilldown::Filters f;
  const std::string bad = drilldown::parse_filters(req.query, f);
  const std::size_t max_id_bytes = service_.config()->event.max_id_bytes;
  std::string html = page_head(service_name_);
  if (!bad.empty()) return bad_request(html, bad);

  const OrderTables tables{service_, max_id_bytes, token_of_ ? token_of_(req.user) : ""};
  const tracking::TrackerSummary sum = service_.summary();
  // Ages and deadlines are judged as of W, as /metrics judges them; it trails the wall clock
  // during a catch-up or replay, which the page then says.
  html += "<p class=\"muted\">" + std::to_string(sum.tracked) + " orders in flight; as of " +
          esc(events::format_rfc3339_ms(sum.watermark_ms));
  if (sum.watermark_ms != sum.now_ms) {
    html += " (the watermark: the stream is seen up to there; wall clock " +
            esc(events::format_rfc3339_ms(sum.now_ms)) + ")";
  }
  html += "</p>\n";
  if (gaps_) gaps_notice(html, gaps_());
  summary_table(html, sum);
  drilldown::milestone_summary_table(html, sum);
  {
    tracking::TrackerSnapshot counts;
    const auto config = service_.snapshot(counts);
    html += charts::section(service_.trend(), counts, *config, f.status);
  }
  if (!f.milestone.empty()) {
    const std::string refused =
        drilldown::milestone_list(html, service_, f, max_id_bytes, tables.token);
    return refused.empty() ? finish(html, 200) : bad_request(html, refused);
  }
  if (f.status.empty() && f.severity.empty() && !f.cursor) {
    overview(html, tables, sum, f.limit);
    return finish(html, 200);
  }
  if (const std::string refused = filtered_list(html, tables, f); !refused.empty()) {
    return bad_request(html, refused);
  }
  return finish(html, 200);
}

}  // namespace orderwatch::web
