// `orderwatch serve`: its flags parsed into serve::Options, then serve::run() (serve/, the
// composition root) does the work. Registered by main.cpp through add_serve().
#include <memory>

#include "commands.h"
#include "orderwatch/serve/serve.h"

namespace orderwatch::cli {

void add_serve(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Track orders from NATS and serve /metrics");
  auto o = std::make_shared<serve::Options>();
  add_config_option(*cmd, o->config);
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
  cmd->add_flag("--web.enable-actions", o->enable_actions,
                "Enable the operator actions (acknowledge, forget, redrive; API and page); "
                "refused without basic auth in --web.config.file");
  cmd->callback([o, &exit_code] { exit_code = serve::run(*o); });
}

}  // namespace orderwatch::cli
