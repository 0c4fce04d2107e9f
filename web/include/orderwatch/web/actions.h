// ActionsApi: operator actions on stuck orders, behind basic auth, every one logged, kept in a
// bounded audit list and counted:
//
//   POST /api/v1/orders/{id}/acknowledge   {"reason": "...", "for": "4h"}   200
//   POST /api/v1/orders/{id}/forget        {"reason": "..."}                200
//   POST /api/v1/orders/{id}/redrive       {"reason": "..."}                202 (published)
//   POST /api/v1/overdue/{action}?status=&severity=[&limit=N][&dry_run=true]  the same on the
//        oldest overdue orders the filter selects, at most kMaxBatch per request
//   GET  /api/v1/actions                    the audit list, newest first
//
// Cross-site requests are refused: a JSON call must say Content-Type: application/json; the
// page's forms carry form_token(user). Redrive publishes through the Publisher handed in.
// Holds a reference to the service, which must outlive it. Thread-safe: the audit list and
// counters have their own lock; order state is the service's.
// Design (cross-site refusal, redrive): docs/design.md, web and serve.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "orderwatch/tracking/service.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::web {

inline constexpr std::size_t kMaxBatch = 1000;
inline constexpr std::size_t kAuditEntries = 1000;
inline constexpr std::array<std::string_view, 3> kActionNames = {"acknowledge", "forget",
                                                                 "redrive"};

// Publishes one message; returns "" or the error.
using Publisher = std::function<std::string(const std::string& subject, const std::string& body)>;

struct AuditEntry {
  std::int64_t at_ms = 0;
  std::string actor, action, target, reason;
  std::uint64_t orders = 0;  // acted on
  bool dry_run = false;
};

class ActionsApi {
 public:
  // `secret`: the key of the page's form tokens (random per process when empty).
  ActionsApi(tracking::TrackerService& service, Publisher publish, std::string secret = "");

  // After DrilldownApi::add_routes (it wraps the order lookup route).
  void add_routes(Routes& routes);
  // Without --web.enable-actions: every action answers 403 and says how to enable them.
  static void add_disabled_routes(Routes& routes);
  // The form token of `user` (the page embeds it).
  std::string form_token(const std::string& user) const;
  std::vector<AuditEntry> audit() const;  // newest first
  std::uint64_t count(std::size_t action) const { return counts_[action].load(); }

  HttpResponse on_order(const HttpRequest& req, const std::string& id, std::size_t action);
  HttpResponse on_batch(const HttpRequest& req, std::size_t action);

 private:
  std::string refuse_cross_site(const HttpRequest& req, bool& form) const;
  std::optional<HttpResponse> read_action(const HttpRequest& req, bool form, std::size_t action,
                                          tracking::Acknowledgement& ack) const;
  std::string redrive(const tracking::OrderView& v, const std::string& actor,
                      const std::string& reason);
  void record(AuditEntry e);

  tracking::TrackerService& service_;
  Publisher publish_;
  std::string secret_;
  mutable std::mutex mu_;
  std::deque<AuditEntry> audit_;
  std::array<std::atomic<std::uint64_t>, 3> counts_{};
};

}  // namespace orderwatch::web
