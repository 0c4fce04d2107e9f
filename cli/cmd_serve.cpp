// orderwatch serve: NATS -> order tracker -> /metrics.
#include <nats/nats.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>

#include "commands.h"
#include "orderwatch/exporter/drilldown.h"
#include "orderwatch/exporter/http_server.h"
#include "orderwatch/exporter/log.h"
#include "orderwatch/exporter/metrics.h"
#include "orderwatch/exporter/nats_source.h"
#include "orderwatch/exporter/service.h"
#include "orderwatch/exporter/snapshot.h"
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
  std::string snapshot_file;
  std::string snapshot_interval = "30s";
  bool enable_lifecycle = false;
  std::string web_config;  // --web.config.file: TLS + basic auth for every endpoint
  bool disable_api = false;
};

// How long shutdown waits for messages already received to be applied before the final
// snapshot (the rest of the bound is the snapshot write itself).
constexpr std::chrono::seconds kDrainTimeout{5};

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string seconds_text(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ms) / 1000.0);
  return buf;
}

std::string micros_text(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6fs", static_cast<double>(us) / 1e6);
  return buf;
}

// Loads the snapshot at startup. Returns false (after logging why) when it exists but cannot
// be used: the exporter then refuses to start and never overwrites the file.
bool load_snapshot(ex::TrackerService& service, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    ex::log::info("snapshot", "no snapshot at " + path + " yet; starting empty");
    return true;
  }
  const std::int64_t start = steady_ms();
  try {
    const ex::RestoreReport r = service.load_snapshot(path);
    const std::int64_t age_ms = service.now_ms() - r.meta.written_ms;
    ex::log::info("snapshot", "loaded " + path + ": " + std::to_string(r.meta.orders) +
                                  " orders, " + std::to_string(r.meta.tombstones) +
                                  " tombstones, stream seq " + std::to_string(r.meta.stream_seq) +
                                  ", written " + seconds_text(age_ms) + " ago by " + r.writer +
                                  ", " + std::to_string(r.meta.bytes) + " bytes in " +
                                  seconds_text(steady_ms() - start));
    if (r.orders_dropped > 0 || r.tombstones_dropped > 0 || r.dimensions_dropped > 0) {
      ex::log::warn("snapshot", "dropped " + std::to_string(r.orders_dropped) + " orders and " +
                                    std::to_string(r.tombstones_dropped) +
                                    " tombstones whose status is gone or terminal now (" +
                                    r.dropped_statuses + "), " +
                                    std::to_string(r.dimensions_dropped) +
                                    " dimensions no longer configured");
    }
    return true;
  } catch (const ex::SnapshotError& e) {
    ex::log::error("snapshot", std::string(e.what()) +
                                   "; refusing to start (the file is left as it is: move it "
                                   "aside to start without it)");
    return false;
  }
}

bool save_snapshot(ex::TrackerService& service, const std::string& path, const char* why) {
  try {
    ex::SaveTimings t;
    const ex::SnapshotMeta m = service.save_snapshot(path, &t);
    ex::log::info("snapshot", std::string(why) + ": wrote " + std::to_string(m.orders) +
                                  " orders, stream seq " + std::to_string(m.stream_seq) + ", " +
                                  std::to_string(m.bytes) + " bytes in " + micros_text(t.total_us) +
                                  " (lock held " + micros_text(t.lock_hold_us) + ")");
    return true;
  } catch (const std::exception& e) {
    ex::log::error("snapshot", std::string(why) + ": " + e.what());
    return false;
  }
}

struct ReloadOutcome {
  int http_status = 200;
  std::string message;
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
  const auto interval = sla::parse_duration(o.snapshot_interval);
  if (!interval || interval->count() <= 0) {
    std::cerr << "orderwatch serve: --snapshot.interval \"" << o.snapshot_interval
              << "\" is not a positive duration (e.g. 30s, 5m)\n";
    return kExitUsage;
  }
  if (!o.snapshot_file.empty()) {
    const auto slash = o.snapshot_file.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : o.snapshot_file.substr(0, slash + 1);
    if (::access(dir.c_str(), W_OK) != 0) {
      std::cerr << "orderwatch serve: --snapshot.file: cannot write to directory " << dir << ": "
                << std::strerror(errno) << "\n";
      return kExitUsage;
    }
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
    // The snapshot is loaded before anything can apply events (it replaces the state).
    if (!o.snapshot_file.empty() && !load_snapshot(service, o.snapshot_file)) return kExitInvalid;

    // Live reload (SIGHUP, POST /-/reload): one at a time; an invalid file keeps the old config.
    std::mutex reload_mu;
    auto reload = [&](const std::string& trigger) -> ReloadOutcome {
      std::lock_guard lock(reload_mu);
      sla::Config next;
      try {
        next = sla::load_file(o.config);
      } catch (const sla::ConfigError& e) {
        service.stats().config_reload_ok = false;
        ReloadOutcome out{400, ""};
        for (const auto& p : e.problems()) out.message += p.to_string() + "\n";
        ex::log::error("reload", trigger + ": " + o.config +
                                     " is invalid; keeping the running config:\n" + out.message);
        return out;
      }
      const auto before = service.config();
      if (next.nats.url != before->nats.url || next.nats.subject != before->nats.subject ||
          next.nats.queue_group != before->nats.queue_group ||
          next.nats.jetstream.has_value() != before->nats.jetstream.has_value()) {
        ex::log::warn("reload", "nats settings changed; they apply at the next restart");
      }
      try {
        const std::int64_t start = steady_ms();
        const ex::RestoreReport r = service.reload(next);
        std::string line = trigger + ": reloaded " + o.config + " (" + sla::summary(next) + "), " +
                           std::to_string(r.meta.orders) + " orders carried over in " +
                           seconds_text(steady_ms() - start);
        if (r.orders_dropped > 0) {
          line += "; dropped " + std::to_string(r.orders_dropped) + " orders in statuses " +
                  r.dropped_statuses + " (gone or terminal now)";
        }
        ex::log::info("reload", line);
        return {200, line + "\n"};
      } catch (const std::exception& e) {
        service.stats().config_reload_ok = false;
        ex::log::error("reload", trigger + ": " + e.what() + "; keeping the running config");
        return {500, std::string(e.what()) + "\n"};
      }
    };

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
      if (service.config()->nats.jetstream && !st.jetstream_bound) {
        return ex::HttpResponse{
            503, "text/plain",
            "not ready: JetStream consumer not bound yet (re-reading the stream or waiting)\n"};
      }
      return ex::HttpResponse{200, "text/plain", "ready\n"};
    };
    // Like Prometheus's /-/reload: POST (or PUT) only, and only with --web.enable-lifecycle
    // (anyone who can reach the port could otherwise make the exporter re-read its file).
    routes["/-/reload"] = [&reload, &o](const ex::HttpRequest& req) {
      if (!o.enable_lifecycle) {
        return ex::HttpResponse{403, "text/plain; charset=utf-8",
                                "Lifecycle API is not enabled (--web.enable-lifecycle).\n"};
      }
      if (req.method != "POST" && req.method != "PUT") {
        return ex::HttpResponse{405, "text/plain; charset=utf-8",
                                "Only POST or PUT requests allowed.\n"};
      }
      const ReloadOutcome r = reload("POST /-/reload");
      return ex::HttpResponse{r.http_status, "text/plain; charset=utf-8", r.message};
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
    // between scrapes), write a snapshot every interval, reload on SIGHUP, until SIGINT/SIGTERM.
    const std::int64_t interval_ms = interval->count();
    std::int64_t next_snapshot = steady_ms() + interval_ms;
    while (exit_code == kExitOk) {
      timespec timeout{1, 0};
      const int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGINT || sig == SIGTERM) {
        ex::log::info("serve", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                   "; shutting down");
        break;
      }
      if (sig == SIGHUP) reload("SIGHUP");
      service.tick();
      if (!o.snapshot_file.empty() && steady_ms() >= next_snapshot) {
        save_snapshot(service, o.snapshot_file, "periodic snapshot");
        next_snapshot = steady_ms() + interval_ms;
      }
    }
    // Stop taking messages in first (those already received are applied), then write the
    // final snapshot, so it covers everything this process took in.
    const std::int64_t stop_start = steady_ms();
    if (!nats->stop_consuming(kDrainTimeout)) {
      ex::log::warn("nats", "messages still pending after " +
                                seconds_text(kDrainTimeout.count() * 1000) +
                                "; the final snapshot may miss the last of them");
    }
    if (!o.snapshot_file.empty() && !save_snapshot(service, o.snapshot_file, "final snapshot")) {
      exit_code = kExitInvalid;
    }
    // HTTP first: its workers call into the NATS source (poll_stats) while scraping, and
    // stopping civetweb waits for them. Then NATS, whose callbacks feed the service.
    // Consuming stops first so that a final snapshot (taken here) has every applied event.
    nats->stop();
    http.reset();
    nats.reset();
    ex::log::info("serve", "stopped in " + seconds_text(steady_ms() - stop_start));
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
  cmd->add_option("--snapshot.file", o->snapshot_file,
                  "Tracker state file: loaded at start (refused if corrupt), written every "
                  "interval and on shutdown; empty = no snapshots");
  cmd->add_option("--snapshot.interval", o->snapshot_interval, "Time between snapshots")
      ->capture_default_str();
  cmd->add_flag("--web.enable-lifecycle", o->enable_lifecycle,
                "Enable POST /-/reload (re-read the SLA file, like SIGHUP)");
  cmd->add_option("--web.config.file", o->web_config,
                  "TLS and basic-auth settings for every HTTP endpoint (Prometheus web config "
                  "format: tls_server_config, basic_auth_users)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--web.disable-api", o->disable_api,
                "Serve no drill-down API (/api/v1/...) nor page: no order ids over HTTP");
  cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace orderwatch::cli
