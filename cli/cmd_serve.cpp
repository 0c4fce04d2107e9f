// orderwatch serve: NATS -> order tracker -> /metrics.
#include <nats/nats.h>
#include <signal.h>

#include <ctime>
#include <iostream>
#include <memory>

#include "commands.h"
#include "orderwatch/exporter/http_server.h"
#include "orderwatch/exporter/log.h"
#include "orderwatch/exporter/metrics.h"
#include "orderwatch/exporter/nats_source.h"
#include "orderwatch/exporter/service.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

namespace {

namespace ex = orderwatch::exporter;

struct ServeOptions {
  std::string config;
  std::string nats_url;
  std::string listen = "127.0.0.1:9464";
  std::string log_level = "info";
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
    // JetStream mode is ready once bound to the durable consumer with the start-up re-read
    // done; lag is not readiness (catching up is normal after downtime): alert on the metric.
    routes["/readyz"] = [&service](const ex::HttpRequest&) {
      auto& st = service.stats();
      if (!st.nats_connected) {
        return ex::HttpResponse{503, "text/plain", "not ready: not connected to NATS\n"};
      }
      if (service.config().nats.jetstream && !st.jetstream_bound) {
        return ex::HttpResponse{
            503, "text/plain",
            "not ready: JetStream consumer not bound yet (re-reading the stream or waiting)\n"};
      }
      return ex::HttpResponse{200, "text/plain", "ready\n"};
    };
    routes["/"] = [&config](const ex::HttpRequest&) {
      return ex::HttpResponse{200, "text/html; charset=utf-8",
                              "<!doctype html><title>orderwatch " + config.service +
                                  "</title><h1>orderwatch: " + config.service +
                                  "</h1><ul><li><a href=\"/metrics\">/metrics</a></li>"
                                  "<li><a href=\"/healthz\">/healthz</a></li>"
                                  "<li><a href=\"/readyz\">/readyz</a></li></ul>\n"};
    };
    std::unique_ptr<ex::HttpServer> http;
    try {
      http = std::make_unique<ex::HttpServer>(o.listen, std::move(routes));
    } catch (const std::exception& e) {
      std::cerr << "orderwatch serve: " << e.what() << "\n";
      return kExitUsage;
    }
    const auto colon = o.listen.rfind(':');
    std::string host = o.listen.substr(0, colon);
    if (host.empty()) host = "0.0.0.0";
    ex::log::info("http", "listening on http://" + host + ":" + std::to_string(http->port()) +
                              " (/metrics, /healthz, /readyz)");
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
    // Consuming stops first so that a final snapshot (taken here) has every applied event.
    nats->stop();
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
  cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace orderwatch::cli
