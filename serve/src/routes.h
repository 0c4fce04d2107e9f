// The operational routes of serve: /metrics, /healthz, /readyz, /-/reload, and the index page
// when the drill-down API is disabled. The drill-down routes come from web::DrilldownApi.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>

#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/web/http_server.h"

namespace orderwatch::serve {

using Reloader = std::function<std::pair<int, std::string>(const std::string& trigger)>;

void add_metrics_route(web::Routes& routes,
                       std::vector<std::shared_ptr<const prometheus::Collectable>> collectables);
void add_health_routes(web::Routes& routes, ingest::NatsSource& nats);
// Like Prometheus's /-/reload: POST (or PUT) only, and only when `enabled`.
void add_reload_route(web::Routes& routes, bool enabled, Reloader reload);
// /runbooks/ and /runbooks/<alert>[?status=S&severity=K]: the runbook of every generated alert,
// rendered from the running SLA config (reloads included) as HTML. No order ids: served with
// the API disabled too.
void add_runbook_routes(web::Routes& routes, tracking::TrackerService& service);
// The index page without order ids (--web.disable-api).
void add_api_disabled_index(web::Routes& routes, const std::string& service_name);

}  // namespace orderwatch::serve
