// The drill-down JSON API (DrilldownApi::overdue, order, summary, add_routes) and the request
// parsing the API and the page share (drilldown_params.h: filters, order ids, cursors).
// Routes registered by serve (server.cpp); the page is drilldown_page.cpp.
#include "orderwatch/web/drilldown.h"

#include "orderwatch/events/time.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "drilldown_milestones.h"
#include "drilldown_params.h"
#include "json_answer.h"

namespace orderwatch::web {

namespace drilldown {

namespace {

// The query string rules every endpoint shares; `keys`: the parameters this one takes,
// `expected`: how an unknown one's error names them.
std::string parse_params(std::string_view query, Filters& out,
                         std::initializer_list<std::string_view> keys, std::string_view expected) {
  if (query.size() > kMaxQueryBytes) return "query string too long";
  std::set<std::string> seen;
  while (!query.empty()) {
    const std::string_view pair = next_pair(query);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key, value;
    if (!url_decode(pair.substr(0, eq), key, true) ||
        !url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), value,
                    true)) {
      return "malformed percent-encoding in the query string";
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return "unknown parameter \"" + key + "\" (" + std::string(expected) + ")";
    }
    if (!seen.insert(key).second) return key + " given more than once";
    if (value.empty()) return key + " is empty (leave the parameter out instead)";
    if (key == "status" || key == "milestone" || key == "severity") {
      if (value.size() > kMaxNameBytes) return key + " too long";
      (key == "status" ? out.status : key == "milestone" ? out.milestone : out.severity) = value;
    } else if (key == "limit") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxPageLimit) {
        return "limit must be an integer from 1 to " + std::to_string(kMaxPageLimit);
      }
      out.limit = n;
    } else {
      out.cursor = parse_cursor(value);
      if (!out.cursor) return "malformed cursor (use next_cursor from a previous page)";
      out.cursor_text = value;
    }
  }
  if (!out.status.empty() && !out.milestone.empty()) {
    return "status and milestone exclude each other";
  }
  return "";
}

}  // namespace

std::string parse_filters(std::string_view query, Filters& out, bool filters) {
  if (!filters) return parse_params(query, out, {}, "this endpoint takes no parameters");
  return parse_params(query, out, {"status", "milestone", "severity", "limit", "cursor"},
                      "expected status, milestone, severity, limit, cursor");
}

std::string parse_recovered_filters(std::string_view query, Filters& out) {
  return parse_params(query, out, {"status", "limit"}, "expected status, limit");
}

std::string parse_order_id(std::string_view raw, std::size_t max_bytes, std::string& out) {
  // Checked on the encoded text first, so a huge request is refused before any copy.
  if (raw.size() > 3 * max_bytes)
    return "order id longer than " + std::to_string(max_bytes) + " bytes";
  if (!url_decode(raw, out, false)) return "malformed percent-encoding in the order id";
  if (out.empty()) return "missing order id";
  if (out.find('\0') != std::string::npos) return "order id contains a NUL byte (%00)";
  if (out.size() > max_bytes) return "order id longer than " + std::to_string(max_bytes) + " bytes";
  return "";
}

bool linkable_id(std::string_view id, std::size_t max_bytes) {
  return !id.empty() && id.size() <= max_bytes && id.find('\0') == std::string_view::npos;
}

}  // namespace drilldown

namespace {

using json = nlohmann::ordered_json;
using drilldown::Filters;

HttpResponse json_error(int status, const std::string& message) {
  return json_response(status, json{{"error", message}});
}

json dims_json(const std::vector<std::string>& labels, const std::vector<std::string>& values) {
  json d = json::object();
  for (std::size_t i = 0; i < labels.size() && i < values.size(); ++i) d[labels[i]] = values[i];
  return d;
}

// `with_milestones`: the config has milestones, so the order carries its clocks (additive).
// Its age is judged as of `watermark_ms` (W, as /metrics judges overdue), not the wall clock.
json order_json(const tracking::OrderView& v, const std::vector<std::string>& labels,
                std::int64_t watermark_ms, bool with_milestones) {
  json o{{"id", v.id},
         {"status", v.status_name},
         {"entered", events::format_rfc3339_ms(v.entered_ms)},
         {"age_seconds", static_cast<double>(watermark_ms - v.entered_ms) / 1000.0},
         {"tiers_crossed", v.tiers_crossed},
         {"severity", v.severity.empty() ? json(nullptr) : json(v.severity)},
         {"dims", dims_json(labels, v.dims)}};
  if (v.deadline_ms != 0) {
    o["deadline"] =
        v.calendar.empty() ? events::format_rfc3339_ms(v.deadline_ms) : v.deadline_local;
  }
  if (!v.calendar.empty()) {
    o["calendar"] = v.calendar;
    o["open_seconds_to_deadline"] = static_cast<double>(v.open_to_deadline_ms) / 1000.0;
  }
  if (v.ack) o["acknowledged"] = drilldown::ack_json(*v.ack);
  if (with_milestones) o["milestones"] = drilldown::clocks_json(v.milestones);
  return o;
}

}  // namespace

// "entered_slot_epoch", and "_1" after it for a milestone list's paused part (part 0, the
// running clocks and every status list, keeps the old text).
// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string format_cursor(const tracking::OrderCursor& c) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "%lld_%u_%016llx", static_cast<long long>(c.entered_ms), c.slot,
                static_cast<unsigned long long>(c.epoch));
  std::string text = buf;
  if (c.part != 0) text += "_" + std::to_string(c.part);
  return text;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

std::optional<tracking::OrderCursor> parse_cursor(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  tracking::OrderCursor c;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  auto r1 = std::from_chars(p, end, c.entered_ms);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != '_') return std::nullopt;
  auto r2 = std::from_chars(r1.ptr + 1, end, c.slot);
  if (r2.ec != std::errc() || r2.ptr == end || *r2.ptr != '_' || r2.ptr == r1.ptr + 1) {
    return std::nullopt;
  }
  const char* e = r2.ptr + 1;
  const char* epoch_end = end - e > 16 ? e + 16 : end;
  if (epoch_end - e != 16) return std::nullopt;
  auto r3 = std::from_chars(e, epoch_end, c.epoch, 16);
  if (r3.ec != std::errc() || r3.ptr != epoch_end) return std::nullopt;
  if (epoch_end != end) {  // the part: "_1" (paused clocks); without it part 0
    if (end - epoch_end != 2 || epoch_end[0] != '_' || epoch_end[1] != '1') return std::nullopt;
    c.part = 1;
  }
  // from_chars accepts a leading '-' for the signed time only; the slot and epoch are unsigned.
  return c;
}

namespace {

json timestamp_or_null(std::int64_t ms) {
  return ms != 0 ? json(events::format_rfc3339_ms(ms)) : json(nullptr);
}

// "ingest_gaps" of the summary: the count, by cause, the last gap, and the warning once any.
json gaps_json(const IngestGaps& gaps) {
  json out{{"count", gaps.total()},
           {"by_cause", {{"disconnect", gaps.disconnects}, {"slow_consumer", gaps.slow_consumer}}},
           {"last_start", timestamp_or_null(gaps.last_start_ms)},
           {"last_end", timestamp_or_null(gaps.last_end_ms)},
           {"open", gaps.last_start_ms != 0 && gaps.last_end_ms == 0}};
  out["warning"] = gaps.total() > 0 ? json(drilldown::kGapWarning) : json(nullptr);
  return out;
}

}  // namespace

DrilldownApi::DrilldownApi(tracking::TrackerService& service, std::string service_name)
    : service_(service), service_name_(std::move(service_name)) {}

HttpResponse DrilldownApi::overdue(const HttpRequest& req) const {
  Filters f;
  if (auto err = drilldown::parse_filters(req.query, f); !err.empty()) {
    return json_error(400, err);
  }
  tracking::OverdueQuery q;
  q.status = f.status;
  q.milestone = f.milestone;
  q.severity = f.severity;
  q.limit = f.limit.value_or(kDefaultPageLimit);
  q.after = f.cursor;
  // What still alerts (order_overdue, order_milestone_overdue); acknowledged orders (clocks
  // for a milestone list) are counted apart.
  q.acknowledged = tracking::AckFilter::kExclude;
  const bool with_milestones = !service_.config()->milestones.empty();
  const tracking::OverduePage page = service_.overdue(q);
  if (!page.error.empty()) return json_error(400, page.error);
  json orders = json::array();
  for (const auto& v : page.orders)
    orders.push_back(order_json(v, page.dimension_labels, page.watermark_ms, with_milestones));
  json body{{"now", events::format_rfc3339_ms(page.now_ms)},
            {"watermark", events::format_rfc3339_ms(page.watermark_ms)},
            {"status", f.status.empty() ? json(nullptr) : json(f.status)}};
  if (with_milestones) {
    body["milestone"] = f.milestone.empty() ? json(nullptr) : json(f.milestone);
  }
  body["severity"] = f.severity.empty() ? json(nullptr) : json(f.severity);
  body["limit"] = q.limit;
  body["total"] = page.total;
  body["acknowledged"] = page.acknowledged;
  body["orders"] = std::move(orders);
  body["next_cursor"] = page.next ? json(format_cursor(*page.next)) : json(nullptr);
  return json_response(200, body);
}

HttpResponse DrilldownApi::order(const HttpRequest& req) const {
  Filters none;
  if (auto err = drilldown::parse_filters(req.query, none, false); !err.empty()) {
    return json_error(400, err);
  }
  std::string id;
  if (auto err = drilldown::parse_order_id(req.rest, service_.config()->event.max_id_bytes, id);
      !err.empty()) {
    return json_error(400, err);
  }
  const tracking::FoundOrder found = service_.find(id);
  if (!found.order) return json_error(404, "order not tracked (unknown, finished or evicted)");
  json o = order_json(*found.order, found.dimension_labels, found.watermark_ms,
                      !service_.config()->milestones.empty());
  o["first_seen"] = events::format_rfc3339_ms(found.order->first_seen_ms);
  o["now"] = events::format_rfc3339_ms(found.now_ms);
  o["watermark"] = events::format_rfc3339_ms(found.watermark_ms);
  return json_response(200, o);
}

HttpResponse DrilldownApi::summary(const HttpRequest& req) const {
  Filters none;
  if (auto err = drilldown::parse_filters(req.query, none, false); !err.empty()) {
    return json_error(400, err);
  }
  const tracking::TrackerSummary sum = service_.summary();
  json statuses = json::array();
  for (const auto& s : sum.statuses) {
    json overdue = json::array(), acknowledged = json::array();
    for (const auto& [severity, count] : s.overdue) {
      overdue.push_back({{"severity", severity}, {"count", count}});
    }
    for (const auto& [severity, count] : s.acknowledged) {
      acknowledged.push_back({{"severity", severity}, {"count", count}});
    }
    json top = json::object();
    // The same values, with their share among the overdue against among all in flight.
    json over = json::object();
    for (const auto& d : s.top_overdue) {
      json values = json::array();
      json shares = json::array();
      for (std::size_t i = 0; i < d.values.size(); ++i) {
        const auto& [value, count] = d.values[i];
        values.push_back({{"value", value}, {"count", count}});
        const std::int64_t in_flight = i < d.in_flight.size() ? d.in_flight[i] : 0;
        shares.push_back(
            {{"value", value},
             {"overdue", count},
             {"in_flight", in_flight},
             {"share_of_overdue",
              d.overdue > 0 ? static_cast<double>(count) / static_cast<double>(d.overdue) : 0.0},
             {"share_of_in_flight", d.all_in_flight > 0 ? static_cast<double>(in_flight) /
                                                              static_cast<double>(d.all_in_flight)
                                                        : 0.0}});
      }
      top[d.label] = std::move(values);
      over[d.label] = std::move(shares);
    }
    statuses.push_back(
        {{"status", s.name},
         {"terminal", s.terminal},
         {"in_flight", s.in_flight},
         {"overdue", std::move(overdue)},
         {"acknowledged", std::move(acknowledged)},
         {"oldest_entered", s.oldest_entered_ms
                                ? json(events::format_rfc3339_ms(*s.oldest_entered_ms))
                                : json(nullptr)},
         {"oldest_age_seconds",
          s.oldest_entered_ms
              ? json(static_cast<double>(sum.watermark_ms - *s.oldest_entered_ms) / 1000.0)
              : json(nullptr)},
         {"top_overdue", std::move(top)},
         {"over_representation", std::move(over)}});
  }
  json body{{"now", events::format_rfc3339_ms(sum.now_ms)},
            {"watermark", events::format_rfc3339_ms(sum.watermark_ms)},
            {"tracked", sum.tracked},
            {"statuses", std::move(statuses)}};
  if (!sum.milestones.empty())
    body["milestones"] = drilldown::milestone_summary_json(sum.milestones);
  if (gaps_) body["ingest_gaps"] = gaps_json(gaps_());
  return json_response(200, body);
}

void DrilldownApi::add_routes(std::map<std::string, HttpHandler>& routes) const {
  routes["/api/v1/overdue"] = [this](const HttpRequest& r) { return overdue(r); };
  routes["/api/v1/orders/*"] = [this](const HttpRequest& r) { return order(r); };
  routes["/api/v1/summary"] = [this](const HttpRequest& r) { return summary(r); };
  routes["/api/v1/recovered"] = [this](const HttpRequest& r) { return recovered(r); };
  routes["/"] = [this](const HttpRequest& r) { return page(r); };
}

}  // namespace orderwatch::web
