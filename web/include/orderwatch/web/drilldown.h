// DrilldownApi: who is stuck, as JSON endpoints and a server-rendered page over the tracker's
// ordered structures (tracking::TrackerService::overdue/find/summary/recovered):
//
//   GET /api/v1/overdue?status=S&severity=K&limit=N&cursor=C   oldest overdue orders first
//   GET /api/v1/overdue?milestone=M&severity=K&...              a milestone's overdue clocks,
//                                                               most overdue first
//   GET /api/v1/orders/{id}                                     one order (404 when unknown)
//   GET /api/v1/summary                                         per status counts + what the
//                                                               overdue orders have in common
//                                                               (+ ingest gaps, when shown)
//   GET /api/v1/recovered?status=S&limit=N                      what was overdue and moved on
//   GET /?status=S&severity=K&limit=N&cursor=C                  the same, as HTML
//   GET /?milestone=M&severity=K&limit=N&cursor=C
//
// Every request parameter is checked before the tracker is touched (400 with a JSON error);
// answers are bounded (limit <= kMaxPageLimit). Holds a reference to the service, which must
// outlive it. Thread-safe: all state is the service's, whose lock each call holds for O(page).
// Design (parameters, ids, cursors, the page): docs/design.md, web and serve.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "orderwatch/tracking/service.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::web {

inline constexpr std::size_t kDefaultPageLimit = 100;
inline constexpr std::size_t kMaxPageLimit = 1000;

// Opaque cursor text <-> tracking::OrderCursor (its part too; a text without one is part 0).
// parse_cursor returns nullopt on anything malformed.
std::string format_cursor(const tracking::OrderCursor& c);
std::optional<tracking::OrderCursor> parse_cursor(std::string_view text);

// What ingest says about lost events (serve fills it from ingest's GapLog): gaps since start
// (core NATS: disconnects and slow-consumer drops), the last one's start and end in ms since
// the epoch (0 = none; end 0 while it is open).
struct IngestGaps {
  std::uint64_t disconnects = 0;
  std::uint64_t slow_consumer = 0;
  std::int64_t last_start_ms = 0;
  std::int64_t last_end_ms = 0;
  std::uint64_t total() const { return disconnects + slow_consumer; }
};

class DrilldownApi {
 public:
  DrilldownApi(tracking::TrackerService& service, std::string service_name);

  HttpResponse overdue(const HttpRequest& req) const;
  HttpResponse order(const HttpRequest& req) const;  // req.rest = the id, percent-encoded
  HttpResponse summary(const HttpRequest& req) const;
  HttpResponse recovered(const HttpRequest& req) const;  // drilldown_recovered.cpp
  HttpResponse page(const HttpRequest& req) const;

  // With the actions enabled: the page shows forms carrying token_of(user) (web/actions.h).
  void enable_action_forms(std::function<std::string(const std::string& user)> token_of) {
    token_of_ = std::move(token_of);
  }

  // With a source of ingest gaps: the summary carries `ingest_gaps`, and the page and the
  // summary warn once a gap happened. `gaps` is called on HTTP threads.
  void show_ingest_gaps(std::function<IngestGaps()> gaps) { gaps_ = std::move(gaps); }

  // Registers the API routes and the page at "/".
  void add_routes(std::map<std::string, HttpHandler>& routes) const;

 private:
  tracking::TrackerService& service_;
  std::string service_name_;
  std::function<std::string(const std::string&)> token_of_;
  std::function<IngestGaps()> gaps_;
};

}  // namespace orderwatch::web
