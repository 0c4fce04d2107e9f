// Server (serve.h): builds the tracking service, the NATS source, the routes and the HTTP
// server in order, reloads the config, runs the periodic snapshot and shuts down in order.
// Called by run() (run.cpp) for `orderwatch serve`, and by the integration tests in-process.
#include <nats/nats.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "nats_changes.h"
#include "orderwatch/ingest/nats_source.h"
#include "orderwatch/ingest/publisher.h"
#include "orderwatch/log/log.h"
#include "orderwatch/metrics/actions_collector.h"
#include "orderwatch/metrics/collector.h"
#include "orderwatch/serve/serve.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/secrets.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/web/actions.h"
#include "orderwatch/web/drilldown.h"
#include "orderwatch/web/http_server.h"
#include "orderwatch/web/web_config.h"
#include "persistence.h"
#include "routes.h"

namespace orderwatch::serve {

namespace {

// How long shutdown waits for messages already received to be applied before the final
// snapshot (the rest of the bound is the snapshot write itself).
constexpr std::chrono::seconds kDrainTimeout{5};

std::string joined(const std::vector<sla::Problem>& problems) {
  std::string message;
  for (const auto& p : problems) message += p.to_string() + "\n";
  if (!message.empty()) message.pop_back();
  return message;
}

// The config, with the secret files serve reads present and readable (as `orderwatch check`
// reports them), or a refused start.
sla::Config load_config(const std::string& path) {
  sla::Config config;
  try {
    config = sla::load_file(path);
  } catch (const sla::ConfigError& e) {
    throw StartError{kExitInvalid, joined(e.problems())};
  }
  if (auto problems = sla::check_secret_files(path, sla::SecretScope::kExporter);
      !problems.empty()) {
    throw StartError{kExitInvalid, joined(problems)};
  }
  return config;
}

// Flags that need no state: refused before anything starts.
std::int64_t check_flags(const Options& o) {
  log::Level level;
  if (!log::parse_level(o.log_level, level)) {
    throw StartError{kExitUsage,
                     "orderwatch serve: --log-level must be debug, info, warn or error"};
  }
  log::set_level(level);
  try {
    web::to_civetweb_ports(o.listen);
  } catch (const std::invalid_argument& e) {
    throw StartError{kExitUsage, std::string("orderwatch serve: ") + e.what()};
  }
  const auto interval = sla::parse_duration(o.snapshot_interval);
  if (!interval || interval->count() <= 0) {
    throw StartError{kExitUsage, "orderwatch serve: --snapshot.interval \"" + o.snapshot_interval +
                                     "\" is not a positive duration (e.g. 30s, 5m)"};
  }
  if (!o.snapshot_file.empty()) {
    const auto slash = o.snapshot_file.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : o.snapshot_file.substr(0, slash + 1);
    if (::access(dir.c_str(), W_OK) != 0) {
      throw StartError{kExitUsage, "orderwatch serve: --snapshot.file: cannot write to directory " +
                                       dir + ": " + std::strerror(errno)};
    }
  }
  return interval->count();
}

web::WebConfig load_web(const Options& o) {
  if (o.web_config.empty()) return {};
  try {
    return web::load_web_config(o.web_config);
  } catch (const std::exception& e) {
    throw StartError{kExitInvalid, std::string("orderwatch serve: --web.config.file ") + e.what()};
  }
}

}  // namespace

struct Server::Parts {
  Options options;
  std::int64_t snapshot_interval_ms = 0;
  std::int64_t next_snapshot_ms = 0;
  int status = kExitOk;
  bool shut_down = false;
  std::mutex reload_mu;  // one reload at a time (SIGHUP and POST /-/reload)
  std::unique_ptr<tracking::TrackerService> service;
  std::unique_ptr<ingest::NatsSource> nats;
  std::unique_ptr<web::DrilldownApi> drilldown;
  std::unique_ptr<ingest::NatsPublisher> publisher;  // redrive requests
  std::unique_ptr<web::ActionsApi> actions;          // --web.enable-actions
  std::unique_ptr<web::HttpServer> http;

  std::pair<int, std::string> reload(const std::string& trigger);
  web::Routes routes(Server& server, const sla::Config& config);
};

std::pair<int, std::string> Server::Parts::reload(const std::string& trigger) {
  std::lock_guard lock(reload_mu);
  const std::string& path = options.config;
  sla::Config next;
  try {
    next = sla::load_file(path);
  } catch (const sla::ConfigError& e) {
    service->stats().config_reload_ok = false;
    std::string message;
    for (const auto& p : e.problems()) message += p.to_string() + "\n";
    log::error("reload",
               trigger + ": " + path + " is invalid; keeping the running config:\n" + message);
    return {400, message};
  }
  const auto before = service->config();
  // The NATS connection and subscription are not rebuilt by a reload: keep the running nats
  // section in the live config (/readyz and the summary read it) and say what stays.
  const std::vector<std::string> nats_changed = changed_nats(before->nats, next.nats);
  std::string nats_note;
  if (!nats_changed.empty()) {
    next.nats = before->nats;
    nats_note = nats_unchanged_note(nats_changed, before->nats);
    log::warn("reload", trigger + ": " + nats_note);
  }
  try {
    const std::int64_t start = steady_ms();
    tracking::ReloadTimings t;
    const tracking::RestoreReport r = service->reload(next, &t);
    std::string line =
        trigger + ": reloaded " + path + " (" + sla::summary(next) + "), " +
        std::to_string(r.meta.orders) + " orders carried over in " +
        seconds_text(steady_ms() - start) + " (tracker lock held " +
        seconds_text(t.lock_hold_us / 1000) +
        (t.aside ? ", built aside: " + std::to_string(t.replayed) + " journal entries replayed)"
                 : ")");
    if (!t.fallback.empty()) {
      log::warn("reload", trigger + ": swapped under the tracker lock: " + t.fallback);
    }
    if (r.orders_dropped > 0) {
      line += "; dropped " + std::to_string(r.orders_dropped) + " orders in statuses " +
              r.dropped_statuses + " (gone or terminal now)";
    }
    log::info("reload", line);
    return {200, line + "\n" + (nats_note.empty() ? "" : nats_note + "\n")};
  } catch (const std::exception& e) {
    service->stats().config_reload_ok = false;
    log::error("reload", trigger + ": " + e.what() + "; keeping the running config");
    return {500, std::string(e.what()) + "\n"};
  }
}

web::Routes Server::Parts::routes(Server& server, const sla::Config& config) {
  web::Routes routes;
  const bool jetstream = config.nats.jetstream.has_value();
  std::vector<std::shared_ptr<const prometheus::Collectable>> collectors{
      std::make_shared<metrics::OrderCollector>(*service, ORDERWATCH_VERSION),
      std::make_shared<metrics::IngestCollector>(*nats, jetstream)};
  if (options.enable_actions && !options.disable_api) {
    publisher = std::make_unique<ingest::NatsPublisher>(config.nats, options.nats_url);
    actions = std::make_unique<web::ActionsApi>(
        *service, [this](const std::string& subject, const std::string& body) {
          return publisher->publish(subject, body);
        });
    collectors.push_back(std::make_shared<metrics::ActionsCollector>(*actions));
  }
  add_metrics_route(routes, std::move(collectors));
  add_health_routes(routes, *nats);
  add_runbook_routes(routes, *service);
  add_reload_route(routes, options.enable_lifecycle,
                   [&server](const std::string& trigger) { return server.reload(trigger); });
  if (options.disable_api) {
    add_api_disabled_index(routes, config.service);  // no order ids anywhere
  } else {
    drilldown = std::make_unique<web::DrilldownApi>(*service, config.service);
    drilldown->show_ingest_gaps([this] {
      const ingest::GapView v = nats->stats().gaps.view();
      using ingest::GapCause;
      return web::IngestGaps{v.gaps[static_cast<std::size_t>(GapCause::kDisconnect)],
                             v.gaps[static_cast<std::size_t>(GapCause::kSlowConsumer)],
                             v.last_start_ms, v.last_end_ms};
    });
    drilldown->add_routes(routes);
    if (actions) {
      actions->add_routes(routes);
      drilldown->enable_action_forms(
          [this](const std::string& user) { return actions->form_token(user); });
    } else {
      web::ActionsApi::add_disabled_routes(routes);
    }
  }
  return routes;
}

Server::Server(const Options& options) : parts_(std::make_unique<Parts>()) {
  Parts& p = *parts_;
  p.options = options;
  p.snapshot_interval_ms = check_flags(options);
  const sla::Config config = load_config(options.config);
  const web::WebConfig web = load_web(options);
  if (options.enable_actions && web.basic_auth_users.empty()) {
    throw StartError{kExitUsage,
                     "orderwatch serve: --web.enable-actions needs basic auth: the actor of every "
                     "action is the authenticated user (basic_auth_users in --web.config.file)"};
  }
  if (options.enable_actions && options.disable_api) {
    throw StartError{kExitUsage,
                     "orderwatch serve: --web.enable-actions and --web.disable-api exclude each "
                     "other"};
  }

  p.service = std::make_unique<tracking::TrackerService>(config, tracking::system_now_ms);
  // The snapshot is loaded before anything can apply events (it replaces the state).
  if (!options.snapshot_file.empty() && !load_snapshot(*p.service, options.snapshot_file)) {
    throw StartError{kExitInvalid, ""};  // logged
  }
  try {
    p.nats = std::make_unique<ingest::NatsSource>(*p.service, options.nats_url);
  } catch (const std::exception& e) {
    throw StartError{kExitUsage, std::string("orderwatch serve: ") + e.what()};
  }
  try {
    p.http = std::make_unique<web::HttpServer>(options.listen, p.routes(*this, config), web);
  } catch (const std::exception& e) {
    throw StartError{kExitUsage, std::string("orderwatch serve: ") + e.what()};
  }
  const auto colon = options.listen.rfind(':');
  std::string host = options.listen.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  log::info("http", std::string("listening on ") + (p.http->tls() ? "https" : "http") + "://" +
                        host + ":" + std::to_string(p.http->port()) +
                        (options.disable_api ? " (/metrics, /healthz, /readyz; API disabled)"
                                             : " (/metrics, /healthz, /readyz, /api/v1, /)") +
                        (web.basic_auth_users.empty() ? "" : "; basic auth on"));
  log::info("serve", "service " + config.service + ": " + sla::summary(config));
  try {
    p.nats->start();
  } catch (const std::exception& e) {
    log::error("nats", e.what());
    p.status = kExitUsage;
  }
  p.next_snapshot_ms = steady_ms() + p.snapshot_interval_ms;
}

Server::~Server() {
  if (parts_ && !parts_->shut_down) shutdown();
}

int Server::http_port() const { return parts_->http->port(); }
int Server::status() const { return parts_->status; }

std::pair<int, std::string> Server::reload(const std::string& trigger) {
  return parts_->reload(trigger);
}

void Server::step() {
  Parts& p = *parts_;
  p.service->tick();
  if (!p.options.snapshot_file.empty() && steady_ms() >= p.next_snapshot_ms) {
    save_snapshot(*p.service, p.options.snapshot_file, "periodic snapshot");
    p.next_snapshot_ms = steady_ms() + p.snapshot_interval_ms;
  }
}

int Server::shutdown() {
  Parts& p = *parts_;
  if (p.shut_down) return p.status;
  p.shut_down = true;
  const std::int64_t stop_start = steady_ms();
  // The order of serve.h's contract. 1-3: stop intake, drain, ack (and retire the consumer's
  // subscription with a round trip) -- all inside stop_consuming.
  if (!p.nats->stop_consuming(kDrainTimeout)) {
    log::warn("nats", "messages still pending after " + seconds_text(kDrainTimeout.count() * 1000) +
                          "; the final snapshot may miss the last of them");
  }
  // 4. The final snapshot: nothing is applied any more.
  if (!p.options.snapshot_file.empty() &&
      !save_snapshot(*p.service, p.options.snapshot_file, "final snapshot")) {
    p.status = kExitInvalid;
  }
  // 5. Close: the core subscription, HTTP (its workers read the source's stats), then the
  // connection (joins the client's read loop); run() then waits for the library's threads.
  p.nats->stop();
  p.http.reset();
  p.drilldown.reset();
  p.nats.reset();
  log::info("serve", "stopped in " + seconds_text(steady_ms() - stop_start));
  return p.status;
}

}  // namespace orderwatch::serve
