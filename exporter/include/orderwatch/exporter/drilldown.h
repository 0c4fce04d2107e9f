// Drill-down: who is stuck. JSON endpoints and a small server-rendered page over the tracker's
// ordered structures (TrackerService::overdue/find/summary), for the person an alert pages:
//
//   GET /api/v1/overdue?status=S&severity=K&limit=N&cursor=C   oldest overdue orders first
//   GET /api/v1/orders/{id}                                     one order (404 when unknown)
//   GET /api/v1/summary                                         per status counts + what the
//                                                               overdue orders have in common
//   GET /?status=S&severity=K&limit=N&cursor=C                  the same, as HTML
//
// Every request parameter is checked before the tracker is touched (400 with a JSON error);
// responses are bounded (limit <= 1000, ids within OverdueQuery::max_id_bytes). Handlers are
// thread-safe: all state is in TrackerService, whose lock each call holds for O(page).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "orderwatch/exporter/http_server.h"
#include "orderwatch/exporter/service.h"

namespace orderwatch::exporter {

inline constexpr std::size_t kDefaultPageLimit = 100;
inline constexpr std::size_t kMaxPageLimit = 1000;
inline constexpr std::size_t kMaxOrderIdBytes = 1024;  // longer ids in a request: 400

// Opaque cursor text <-> OrderCursor. parse_cursor returns nullopt on anything malformed.
std::string format_cursor(const OrderCursor& c);
std::optional<OrderCursor> parse_cursor(std::string_view text);
// Unix ms -> "2024-05-01T12:00:00.123Z".
std::string format_rfc3339(std::int64_t unix_ms);

class DrilldownApi {
 public:
  DrilldownApi(TrackerService& service, std::string service_name);

  HttpResponse overdue(const HttpRequest& req) const;
  HttpResponse order(const HttpRequest& req) const;  // req.rest = the id
  HttpResponse summary(const HttpRequest& req) const;
  HttpResponse page(const HttpRequest& req) const;

  // Registers the API routes and the page at "/".
  void add_routes(std::map<std::string, HttpHandler>& routes) const;

 private:
  TrackerService& service_;
  std::string service_name_;
};

}  // namespace orderwatch::exporter
