// ActionsApi (actions.h): the operator actions' routes -- reading and checking a request
// (cross-site refusal, body, form token, reason), acting through the tracking service,
// publishing redrives, the audit list and counts. Routes registered by serve (server.cpp).
#include "orderwatch/web/actions.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "drilldown_params.h"
#include "json_answer.h"
#include "orderwatch/events/time.h"
#include "orderwatch/log/log.h"

namespace orderwatch::web {

namespace {

using json = nlohmann::json;
using tracking::OrderAction;

HttpResponse reply(int status, const json& body) { return json_response(status, body); }
HttpResponse error(int status, const std::string& message) {
  return reply(status, json{{"error", message}});
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

// Fields of a JSON object body or of a form body; false (with `err`) when malformed.
bool parse_body(const HttpRequest& req, bool form, std::map<std::string, std::string>& out,
                std::string& err) {
  if (form) {
    std::string_view rest = req.body;
    while (!rest.empty()) {
      const std::string_view pair = next_pair(rest);
      const auto eq = pair.find('=');
      std::string key, value;
      if (eq == std::string_view::npos || !url_decode(pair.substr(0, eq), key, true) ||
          !url_decode(pair.substr(eq + 1), value, true)) {
        err = "malformed form body";
        return false;
      }
      out[key] = value;
    }
    return true;
  }
  if (req.body.empty()) return true;
  const json j = json::parse(req.body, nullptr, false);
  if (!j.is_object()) {
    err = "the body must be a JSON object";
    return false;
  }
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      err = "\"" + k + "\" must be a string";
      return false;
    }
    out[k] = v.get<std::string>();
  }
  return true;
}

// The request's reason and, for acknowledge, its length (until - at, read from now: the
// service places it at the watermark W, TrackerService::act); "" or the error.
std::string read_fields(const std::map<std::string, std::string>& f, std::size_t action,
                        tracking::Acknowledgement& ack, std::int64_t now) {
  for (const auto& [k, v] : f) {
    if (k != "reason" && k != "for" && k != "token") return "unknown field \"" + k + "\"";
  }
  auto reason = f.find("reason");
  if (reason == f.end() || reason->second.empty()) return "a reason is required";
  if (reason->second.size() > 1024) return "the reason is longer than 1024 bytes";
  ack.reason = reason->second;
  ack.at_ms = now;
  if (action == 0) {
    auto d = f.find("for");
    if (d == f.end()) return "acknowledge needs \"for\" (a duration such as 4h)";
    auto dur = sla::parse_duration(d->second);
    if (!dur || dur->count() <= 0 || *dur > std::chrono::hours(24 * 30))
      return "\"for\": \"" + d->second + "\" is not a duration between 1ms and 30d";
    ack.until_ms = now + dur->count();
  } else if (f.contains("for")) {
    return "\"for\" applies to acknowledge only";
  }
  return "";
}

std::string subject_for(std::string tmpl, const tracking::OrderView& v) {
  auto token = [](std::string s) {
    for (char& c : s)
      if (c == '.' || c == '*' || c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
        c = '_';
    return s;
  };
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"{id}", token(v.id)},
                                   {"{status}", token(v.status_name)}}) {
    for (auto at = tmpl.find(key); at != std::string::npos; at = tmpl.find(key, at + value.size()))
      tmpl.replace(at, key.size(), value);
  }
  return tmpl;
}

constexpr OrderAction kActions[] = {OrderAction::kAcknowledge, OrderAction::kForget,
                                    OrderAction::kRedrive};

}  // namespace

ActionsApi::ActionsApi(tracking::TrackerService& service, Publisher publish, std::string secret)
    : service_(service), publish_(std::move(publish)), secret_(std::move(secret)) {
  if (secret_.empty()) {
    unsigned char key[32];
    if (RAND_bytes(key, sizeof key) != 1)
      throw std::runtime_error("no randomness for the form key");
    secret_.assign(reinterpret_cast<const char*>(key), sizeof key);
  }
}

std::string ActionsApi::form_token(const std::string& user) const {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(user.data()), user.size(), mac, &len);
  return hex(mac, len);
}

// "" when the request may act; `form`: it came from the page's form.
std::string ActionsApi::refuse_cross_site(const HttpRequest& req, bool& form) const {
  if (req.sec_fetch_site == "cross-site" || req.sec_fetch_site == "same-site")
    return "cross-site request refused (Sec-Fetch-Site: " + req.sec_fetch_site + ")";
  if (!req.origin.empty()) {
    const auto scheme = req.origin.find("://");
    const std::string origin_host =
        scheme == std::string::npos ? req.origin : req.origin.substr(scheme + 3);
    if (origin_host != req.host) return "cross-site request refused (Origin: " + req.origin + ")";
  }
  const std::string_view type = req.content_type;
  form = type.starts_with("application/x-www-form-urlencoded");
  if (!form && !type.starts_with("application/json"))
    return "Content-Type must be application/json (or the page's form)";
  return "";
}

void ActionsApi::record(AuditEntry e) {
  log::info("action", e.action + (e.dry_run ? " (dry run)" : ""),
            {{"actor", e.actor},
             {"target", e.target},
             {"orders", std::to_string(e.orders)},
             {"reason", e.reason}});
  std::lock_guard lock(mu_);
  audit_.push_front(std::move(e));
  if (audit_.size() > kAuditEntries) audit_.pop_back();
}

std::vector<AuditEntry> ActionsApi::audit() const {
  std::lock_guard lock(mu_);
  return {audit_.begin(), audit_.end()};
}

std::string ActionsApi::redrive(const tracking::OrderView& v, const std::string& actor,
                                const std::string& reason) {
  const std::string tmpl = service_.config()->actions.redrive_subject;
  const json body{{"id", v.id},
                  {"status", v.status_name},
                  {"entered", events::format_rfc3339_ms(v.entered_ms)},
                  {"actor", actor},
                  {"reason", reason}};
  return publish_(subject_for(tmpl, v), body.dump(-1, ' ', false, json::error_handler_t::replace));
}

namespace {

// The checks every action request passes before the tracker is touched; on success the
// fields are in `ack` and "" is returned, else `resp` is set.
struct Prepared {
  bool ok = false;
  bool form = false;
  tracking::Acknowledgement ack;
  HttpResponse resp;
};

HttpResponse form_done(const std::string& text) {
  return message_page(200, "orderwatch action", text, "/", "Back to the overdue orders");
}

}  // namespace

// The body, the form token and the action's fields, alike for one order and a batch: an
// error answer when any of them is wrong, else nullopt with `ack` filled in.
std::optional<HttpResponse> ActionsApi::read_action(const HttpRequest& req, bool form,
                                                    std::size_t action,
                                                    tracking::Acknowledgement& ack) const {
  std::map<std::string, std::string> fields;
  std::string err;
  if (!parse_body(req, form, fields, err)) return error(400, err);
  if (form) {
    const std::string want = form_token(req.user);
    const std::string got = fields.contains("token") ? fields["token"] : "";
    if (got.size() != want.size() || CRYPTO_memcmp(got.data(), want.data(), want.size()) != 0)
      return error(403, "form token missing or wrong (reload the page)");
  }
  if (err = read_fields(fields, action, ack, service_.now_ms()); !err.empty())
    return error(400, err);
  ack.actor = req.user;
  if (action == 2 && service_.config()->actions.redrive_subject.empty())
    return error(409, "redrive is not configured (actions.redrive_subject in the SLA file)");
  return std::nullopt;
}

HttpResponse ActionsApi::on_order(const HttpRequest& req, const std::string& id,
                                  std::size_t action) {
  if (req.method != "POST") return error(405, "actions are POST requests");
  bool form = false;
  if (auto err = refuse_cross_site(req, form); !err.empty()) return error(403, err);
  // ?milestone=M: acknowledge that milestone's clock of the order rather than its stay.
  std::string milestone;
  for (std::string_view rest = req.query; !rest.empty();) {
    const std::string_view pair = next_pair(rest);
    if (!pair.starts_with("milestone=") || !url_decode(pair.substr(10), milestone, true) ||
        milestone.empty())
      return error(400, "the only parameter is milestone=NAME (acknowledge its clock)");
  }
  if (!milestone.empty() && action != 0)
    return error(400, "milestone applies to acknowledge only (forget and redrive act on orders)");
  tracking::Acknowledgement ack;
  if (auto refused = read_action(req, form, action, ack)) return *refused;
  const tracking::ActionOutcome out = service_.act(kActions[action], id, ack, milestone);
  if (out.error == "full") return error(503, "too many acknowledgements held; try later");
  if (!out.error.empty()) return error(400, out.error);
  if (out.orders.empty() && !milestone.empty()) {
    return error(404, "order " + id + " has no running or paused clock of milestone " + milestone +
                          " on this instance (unknown order, or its clock not "
                          "started or stopped)");
  }
  if (out.orders.empty()) {
    return error(404, "order " + id +
                          " is not tracked by this instance (unknown, finished or evicted; in a "
                          "partitioned deployment another instance may hold it)");
  }
  const tracking::OrderView& v = out.orders.front();
  std::string subject;
  if (action == 2) {
    if (auto perr = redrive(v, ack.actor, ack.reason); !perr.empty()) {
      service_.redrives_not_published(out.orders);
      return error(502, "redrive not published: " + perr);
    }
    subject = subject_for(service_.config()->actions.redrive_subject, v);
  }
  ++counts_[action];
  const std::string target = "order " + id + (milestone.empty() ? "" : " milestone " + milestone);
  record(AuditEntry{out.now_ms, ack.actor, std::string(kActionNames[action]), target, ack.reason, 1,
                    false});
  if (form) return form_done(std::string(kActionNames[action]) + ": " + target + " done.");
  json body{{"action", kActionNames[action]},
            {"id", v.id},
            {"status", v.status_name},
            {"actor", ack.actor},
            {"reason", ack.reason}};
  if (action == 0) body["until"] = events::format_rfc3339_ms(out.ack.until_ms);  // W + for
  if (!milestone.empty()) body["milestone"] = milestone;
  if (action == 2) body["subject"] = subject;
  return reply(action == 2 ? 202 : 200, body);
}

HttpResponse ActionsApi::on_batch(const HttpRequest& req, std::size_t action) {
  if (req.method != "POST") return error(405, "actions are POST requests");
  bool form = false;
  if (auto err = refuse_cross_site(req, form); !err.empty()) return error(403, err);
  // dry_run is this endpoint's own parameter; the rest are the drill-down filters.
  std::string query;
  bool dry_run = false;
  for (std::string_view rest = req.query; !rest.empty();) {
    const std::string_view pair = next_pair(rest);
    if (pair == "dry_run=true") {
      dry_run = true;
    } else if (pair.starts_with("dry_run=") && pair != "dry_run=false") {
      return error(400, "dry_run is true or false");
    } else if (!pair.starts_with("dry_run=")) {
      query += (query.empty() ? "" : "&") + std::string(pair);
    }
  }
  drilldown::Filters filters;
  if (auto err = drilldown::parse_filters(query, filters); !err.empty()) return error(400, err);
  if (filters.cursor) return error(400, "a batch takes no cursor");
  tracking::Acknowledgement ack;
  if (auto refused = read_action(req, form, action, ack)) return *refused;
  tracking::OverdueQuery q;
  q.status = filters.status;
  q.milestone = filters.milestone;  // acknowledge: the clocks; forget, redrive: their orders
  q.severity = filters.severity;
  q.limit = std::min(filters.limit.value_or(kMaxBatch), kMaxBatch);
  const tracking::ActionOutcome out = service_.act_on_overdue(kActions[action], q, ack, dry_run);
  if (!out.error.empty() && out.error != "full") return error(400, out.error);
  std::uint64_t acted = 0;
  json ids = json::array();
  std::string failed;
  for (const auto& v : out.orders) {
    if (!dry_run && action == 2) {
      if (auto perr = redrive(v, ack.actor, ack.reason); !perr.empty()) {
        failed = perr;
        service_.redrives_not_published(
            std::span(out.orders).subspan(static_cast<std::size_t>(&v - out.orders.data())));
        break;
      }
    }
    ids.push_back(v.id);
    ++acted;
  }
  if (!dry_run) counts_[action] += acted;
  const std::string target =
      (filters.milestone.empty()
           ? "overdue status=" + (filters.status.empty() ? "*" : filters.status)
           : "overdue milestone=" + filters.milestone) +
      " severity=" + (filters.severity.empty() ? "*" : filters.severity);
  record(AuditEntry{out.now_ms, ack.actor, std::string(kActionNames[action]), target, ack.reason,
                    acted, dry_run});
  if (form) {
    return form_done(std::string(kActionNames[action]) +
                     (dry_run ? " (dry run) would touch " : ": ") + std::to_string(acted) + " of " +
                     std::to_string(out.matched) + " overdue orders.");
  }
  json body{
      {"action", kActionNames[action]},         {"dry_run", dry_run}, {"matched", out.matched},
      {dry_run ? "would_act" : "acted", acted}, {"cap", kMaxBatch},   {"ids", ids}};
  if (!failed.empty()) body["error"] = "redrive stopped: " + failed;
  if (out.error == "full") body["error"] = "too many acknowledgements held";
  return reply(failed.empty() ? (action == 2 && !dry_run ? 202 : 200) : 502, body);
}

void ActionsApi::add_routes(Routes& routes) {
  // An id in the path is percent-encoded ('/' is %2F), so the last '/' ends it.
  HttpHandler lookup = routes["/api/v1/orders/*"];
  routes["/api/v1/orders/*"] = [this, lookup](const HttpRequest& req) {
    const auto slash = req.rest.rfind('/');
    if (slash != std::string::npos) {
      const std::string verb = req.rest.substr(slash + 1);
      for (std::size_t a = 0; a < kActionNames.size(); ++a) {
        if (verb != kActionNames[a]) continue;
        std::string id;
        if (auto err = drilldown::parse_order_id(req.rest.substr(0, slash),
                                                 service_.config()->event.max_id_bytes, id);
            !err.empty())
          return error(400, err);
        return on_order(req, id, a);
      }
    }
    if (req.method == "POST") return error(404, "unknown action (acknowledge, forget, redrive)");
    return lookup ? lookup(req) : error(404, "not found");
  };
  routes["/api/v1/overdue/*"] = [this](const HttpRequest& req) {
    for (std::size_t a = 0; a < kActionNames.size(); ++a) {
      if (req.rest == kActionNames[a]) return on_batch(req, a);
    }
    return error(404, "unknown action (acknowledge, forget, redrive)");
  };
  routes["/api/v1/actions"] = [this](const HttpRequest& req) {
    if (!req.query.empty()) return error(400, "/api/v1/actions takes no parameter");
    json list = json::array();
    for (const auto& e : audit()) {
      list.push_back(json{{"at", events::format_rfc3339_ms(e.at_ms)},
                          {"actor", e.actor},
                          {"action", e.action},
                          {"target", e.target},
                          {"reason", e.reason},
                          {"orders", e.orders},
                          {"dry_run", e.dry_run}});
    }
    return reply(200, json{{"actions", list}, {"kept", kAuditEntries}});
  };
}

void ActionsApi::add_disabled_routes(Routes& routes) {
  const auto disabled = [] {
    return error(403,
                 "actions are not enabled (orderwatch serve --web.enable-actions, with basic "
                 "auth in --web.config.file)");
  };
  HttpHandler lookup = routes["/api/v1/orders/*"];
  routes["/api/v1/orders/*"] = [lookup, disabled](const HttpRequest& req) {
    if (req.method == "POST") return disabled();
    return lookup ? lookup(req) : error(404, "not found");
  };
  routes["/api/v1/overdue/*"] = [disabled](const HttpRequest&) { return disabled(); };
  routes["/api/v1/actions"] = [disabled](const HttpRequest&) { return disabled(); };
}

}  // namespace orderwatch::web
