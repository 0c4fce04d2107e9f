#include "routes.h"

#include "orderwatch/metrics/collector.h"

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

void add_health_routes(web::Routes& routes, tracking::TrackerService& service,
                       ingest::NatsSource& nats) {
  routes["/healthz"] = [](const HttpRequest&) { return HttpResponse{200, "text/plain", "ok\n"}; };
  // JetStream mode is ready once bound to the durable consumer with the start-up re-read
  // done; lag is not readiness (catching up is normal after downtime): alert on the metric.
  routes["/readyz"] = [&service, &nats](const HttpRequest&) {
    const ingest::IngestStats& st = nats.stats();
    if (!st.nats_connected) {
      return HttpResponse{503, "text/plain", "not ready: not connected to NATS\n"};
    }
    if (service.config()->nats.jetstream && !st.jetstream_bound) {
      return HttpResponse{
          503, "text/plain",
          "not ready: JetStream consumer not bound yet (re-reading the stream or waiting)\n"};
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
