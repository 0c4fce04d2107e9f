// orderwatch serve: NATS -> order tracker -> /metrics.
#include <nats/nats.h>
#include <signal.h>

#include <ctime>
#include <iostream>
#include <memory>

#include "commands.h"
#include "orderwatch/exporter/drilldown.h"
#include "orderwatch/exporter/http_server.h"
#include "orderwatch/exporter/log.h"
#include "orderwatch/exporter/metrics.h"
#include "orderwatch/exporter/nats_source.h"
#include "orderwatch/exporter/service.h"
#include "orderwatch/exporter/web_config.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

namespace {

namespace ex = orderwatch::exporter;

struct ServeOptions {
  std::string config;
  std::string nats_url;
  std::string listen = "127.0.0.1:9464";
  std::string log_level = "info";
  std::string web_config;  // --web.config.file: TLS + basic auth for every endpoint
  bool disable_api = false;
};

int serve(const ServeOptions& o) {
  ex::log::Level level;
  if (!ex::log::parse_level(o.log_level, level)) {
    std::cerr << "orderwatch serve: --log-level must be debug, info, warn or error\n";
    return kExitUsage;
  }
  ex::log::set_level(level);
  sla::Config config;
  try {
    config = sla::load_file(o.config);
  } catch (const sla::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
    return kExitInvalid;
  }
  try {
    ex::to_civetweb_ports(o.listen);
  } catch (const std::invalid_argument& e) {
    std::cerr << "orderwatch serve: " << e.what() << "\n";
    return kExitUsage;
  }
  ex::WebConfig web;
  if (!o.web_config.empty()) {
    try {
      web = ex::load_web_config(o.web_config);
    } catch (const std::exception& e) {
      std::cerr << "orderwatch serve: --web.config.file " << e.what() << "\n";
      return kExitInvalid;
    }
  }

  // Signals are taken synchronously by the main thread; block them before any thread starts
  // so NATS and HTTP threads inherit the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  int exit_code = kExitOk;
  {
    ex::TrackerService service(config, ex::system_now_ms);
    std::unique_ptr<ex::NatsSource> nats;
    try {
      nats = std::make_unique<ex::NatsSource>(service, o.nats_url);
    } catch (const std::exception& e) {
      std::cerr << "orderwatch serve: " << e.what() << "\n";
      return kExitUsage;
    }
    auto collector = std::make_shared<ex::MetricsCollector>(service, ORDERWATCH_VERSION);
    collector->set_before_collect([&nats] { nats->poll_stats(); });

    std::map<std::string, ex::HttpHandler> routes;
    routes["/metrics"] = [collector](const ex::HttpRequest&) {
      return ex::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                              ex::render_text(collector->Collect())};
    };
    routes["/healthz"] = [](const ex::HttpRequest&) {
      return ex::HttpResponse{200, "text/plain", "ok\n"};
    };
    routes["/readyz"] = [&service](const ex::HttpRequest&) {
      if (service.stats().nats_connected) return ex::HttpResponse{200, "text/plain", "ready\n"};
      return ex::HttpResponse{503, "text/plain", "not ready: not connected to NATS\n"};
    };
    const ex::DrilldownApi drilldown(service, config.service);
    if (o.disable_api) {
      // No order ids anywhere: only the index of the remaining endpoints.
      routes["/"] = [&config](const ex::HttpRequest&) {
        return ex::HttpResponse{200, "text/html; charset=utf-8",
                                "<!doctype html><title>orderwatch " + config.service +
                                    "</title><h1>orderwatch: " + config.service +
                                    "</h1><p>The drill-down API is disabled "
                                    "(--web.disable-api).</p><ul><li><a "
                                    "href=\"/metrics\">/metrics</a></li>"
                                    "<li><a href=\"/healthz\">/healthz</a></li>"
                                    "<li><a href=\"/readyz\">/readyz</a></li></ul>\n"};
      };
    } else {
      drilldown.add_routes(routes);
    }
    std::unique_ptr<ex::HttpServer> http;
    try {
      http = std::make_unique<ex::HttpServer>(o.listen, std::move(routes), web);
    } catch (const std::exception& e) {
      std::cerr << "orderwatch serve: " << e.what() << "\n";
      return kExitUsage;
    }
    const auto colon = o.listen.rfind(':');
    std::string host = o.listen.substr(0, colon);
    if (host.empty()) host = "0.0.0.0";
    ex::log::info("http", std::string("listening on ") + (http->tls() ? "https" : "http") + "://" +
                              host + ":" + std::to_string(http->port()) +
                              (o.disable_api ? " (/metrics, /healthz, /readyz; API disabled)"
                                             : " (/metrics, /healthz, /readyz, /api/v1, /)") +
                              (web.basic_auth_users.empty() ? "" : "; basic auth on"));
    ex::log::info("serve", "service " + config.service + ": " + sla::summary(config));
    try {
      nats->start();
    } catch (const std::exception& e) {
      ex::log::error("nats", e.what());
      exit_code = kExitUsage;
    }

    // Main loop: advance the deadline index every second (breach counters stay accurate
    // between scrapes) until SIGINT/SIGTERM.
    while (exit_code == kExitOk) {
      timespec timeout{1, 0};
      const int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) {
        ex::log::info("serve", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                   "; shutting down");
        break;
      }
      if (sig == SIGHUP) {
        ex::log::warn("serve",
                      "SIGHUP: live reload is not implemented yet; restart to apply changes");
      }
      service.tick();
    }
    // HTTP first: its workers call into the NATS source (poll_stats) while scraping, and
    // stopping civetweb waits for them. Then NATS, whose callbacks feed the service.
    http.reset();
    nats.reset();
  }
  nats_Close();
  return exit_code;
}

}  // namespace

void add_serve(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Track orders from NATS and serve /metrics");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("--config,-c", o->config, "SLA config file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--nats-url", o->nats_url, "NATS server URL(s), overrides nats.url");
  cmd->add_option("--listen", o->listen, "HTTP listen address (HOST:PORT; port 0 = any)")
      ->capture_default_str();
  cmd->add_option("--log-level", o->log_level, "debug, info, warn or error")->capture_default_str();
  cmd->add_option("--web.config.file", o->web_config,
                  "TLS and basic-auth settings for every HTTP endpoint (Prometheus web config "
                  "format: tls_server_config, basic_auth_users)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--web.disable-api", o->disable_api,
                "Serve no drill-down API (/api/v1/...) nor page: no order ids over HTTP");
  cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace orderwatch::cli
