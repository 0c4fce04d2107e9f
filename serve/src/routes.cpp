// serve's own routes (routes.h): /metrics, /healthz, /readyz, /-/reload, the runbooks and the
// index page without the API. Registered by Server::Parts::routes (server.cpp) next to the
// drill-down and action routes of web/.
#include "routes.h"

#include <string>
#include <string_view>

#include "orderwatch/metrics/collector.h"
#include "orderwatch/rules/runbooks.h"

namespace orderwatch::serve {

using web::HttpRequest;
using web::HttpResponse;

void add_metrics_route(web::Routes& routes,
                       std::vector<std::shared_ptr<const prometheus::Collectable>> collectables) {
  routes["/metrics"] = [collectables = std::move(collectables)](const HttpRequest&) {
    std::vector<const prometheus::Collectable*> all;
    for (const auto& c : collectables) all.push_back(c.get());
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics::render_text(all)};
  };
}

void add_health_routes(web::Routes& routes, ingest::NatsSource& nats) {
  routes["/healthz"] = [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n"}; };
  // Ready when connected and, in JetStream mode, bound to the durable consumer with the
  // start-up re-read done; otherwise 503 with ingest's reason (why the last connection attempt
  // failed, the stream missing...). Lag is not readiness (catching up is normal after
  // downtime): alert on the metric.
  routes["/readyz"] = [&nats](const HttpRequest&) {
    if (const std::string why = nats.not_ready_reason(); !why.empty()) {
      return HttpResponse{503, "text/plain", "not ready: " + why + "\n"};
    }
    return HttpResponse{200, "text/plain", "ready\n"};
  };
}

void add_reload_route(web::Routes& routes, bool enabled, Reloader reload) {
  // Anyone who can reach the port could otherwise make the exporter re-read its file.
  routes["/-/reload"] = [enabled, reload = std::move(reload)](const HttpRequest& req) {
    if (!enabled) {
      return HttpResponse{403, "text/plain; charset=utf-8",
                          "Lifecycle API is not enabled (--web.enable-lifecycle).\n"};
    }
    if (req.method != "POST" && req.method != "PUT") {
      return HttpResponse{405, "text/plain; charset=utf-8", "Only POST or PUT requests allowed.\n"};
    }
    const auto [status, message] = reload(req.method + " /-/reload");
    return HttpResponse{status, "text/plain; charset=utf-8", message};
  };
}

namespace {

HttpResponse runbook_error(int status, const std::string& message) {
  return web::message_page(status, "runbook", message, "/runbooks/", "All runbooks");
}

HttpResponse runbook(const sla::Config& config, const HttpRequest& req) {
  if (req.rest.empty())
    return HttpResponse{200, "text/html; charset=utf-8", rules::render_runbook_index_html(config)};
  std::string status, severity, milestone;
  std::string_view query = req.query;
  while (!query.empty()) {
    const std::string_view pair = web::next_pair(query);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    std::string value;
    if (eq == std::string_view::npos || !web::url_decode(pair.substr(eq + 1), value, true))
      return runbook_error(400, "malformed query parameter " + std::string(pair));
    if (key == "status") {
      status = value;
    } else if (key == "severity") {
      severity = value;
    } else if (key == "milestone") {
      milestone = value;
    } else {
      return runbook_error(400, "unknown parameter " + std::string(key) +
                                    " (status, milestone and severity are known)");
    }
  }
  auto page = rules::render_runbook_html(config, req.rest, status, severity, milestone);
  if (!page) {
    return runbook_error(404, "no runbook for " + req.rest +
                                  (status.empty() ? "" : " status=" + status) +
                                  (milestone.empty() ? "" : " milestone=" + milestone) +
                                  (severity.empty() ? "" : " severity=" + severity) +
                                  " in the SLA file of " + config.service);
  }
  return HttpResponse{200, "text/html; charset=utf-8", std::move(*page)};
}

}  // namespace

void add_runbook_routes(web::Routes& routes, tracking::TrackerService& service) {
  const auto handler = [&service](const HttpRequest& req) {
    return runbook(*service.config(), req);
  };
  routes["/runbooks"] = handler;
  routes["/runbooks/"] = handler;
  routes["/runbooks/*"] = handler;
}

void add_api_disabled_index(web::Routes& routes, const std::string& service_name) {
  routes["/"] = [service_name](const HttpRequest&) {
    return HttpResponse{200, "text/html; charset=utf-8",
                        "<!doctype html><title>orderwatch " + service_name +
                            "</title><h1>orderwatch: " + service_name +
                            "</h1><p>The drill-down API is disabled "
                            "(--web.disable-api).</p><ul><li><a "
                            "href=\"/metrics\">/metrics</a></li>"
                            "<li><a href=\"/healthz\">/healthz</a></li>"
                            "<li><a href=\"/readyz\">/readyz</a></li></ul>\n"};
  };
}

}  // namespace orderwatch::serve
