// `orderwatch publish`: the flags of the load generator, parsed into loadgen::PublishOptions;
// loadgen::publish() (loadgen/src/publish.cpp) sends the simulated shop's events to NATS.
// Registered by main.cpp through add_publish().
#include <iostream>
#include <memory>

#include "commands.h"
#include "orderwatch/loadgen/publish.h"

namespace orderwatch::cli {

namespace {

// The flags as typed; durations and the time format are parsed in to_options().
struct PublishFlags {
  std::string config;
  std::string duration;
  std::string backfill;
  std::string time_format = "rfc3339";
  loadgen::PublishOptions options;
};

// A flag's duration text, or a usage message; empty text gives no duration.
bool parse_duration_flag(const char* flag, const std::string& text,
                         std::optional<sla::Duration>& out) {
  if (text.empty()) return true;
  out = sla::parse_duration(text);
  if (!out)
    std::cerr << "orderwatch publish: " << flag << ": \"" << text << "\" is not a duration\n";
  return out.has_value();
}

bool parse_time_format(const std::string& text, loadgen::TimeFormat& out) {
  if (text == "rfc3339") {
    out = loadgen::TimeFormat::kRfc3339;
  } else if (text == "epoch_ms") {
    out = loadgen::TimeFormat::kEpochMillis;
  } else if (text == "epoch_s") {
    out = loadgen::TimeFormat::kEpochSeconds;
  } else {
    std::cerr << "orderwatch publish: --time-format: \"" << text
              << "\" is not one of rfc3339, epoch_ms, epoch_s\n";
    return false;
  }
  return true;
}

int run_publish(PublishFlags& f) {
  const auto cfg = load_config_or_report(f.config);
  if (!cfg || !parse_duration_flag("--duration", f.duration, f.options.duration) ||
      !parse_duration_flag("--backfill", f.backfill, f.options.backfill) ||
      !parse_time_format(f.time_format, f.options.time_format))
    return kExitUsage;
  loadgen::PublishSummary s;
  try {
    s = loadgen::publish(*cfg, f.options, std::cerr);
  } catch (const loadgen::PublishError& e) {
    std::cerr << "orderwatch publish: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << loadgen::summary_line(s) << "\n";
  if (s.stopped_unsent) {
    std::cerr << "orderwatch publish: stopped before every event was stored\n";
    return kExitInvalid;
  }
  if (!s.final_flush_error.empty()) {
    std::cerr << "orderwatch publish: final flush failed: " << s.final_flush_error
              << " (some events may not have reached the server)\n";
    return kExitInvalid;
  }
  return s.errors ? kExitInvalid : kExitOk;
}

CLI::Option* add_fraction(CLI::App& cmd, const std::string& name, double& value,
                          const std::string& help) {
  return cmd.add_option(name, value, help)->capture_default_str()->check(CLI::Range(0.0, 1.0));
}

}  // namespace

void add_publish(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "publish", "Send a simulated shop's order-status events to NATS (demo and load tests)");
  auto f = std::make_shared<PublishFlags>();
  loadgen::PublishOptions& o = f->options;
  add_config_option(*cmd, f->config);
  cmd->add_option("--nats-url", o.nats_url,
                  "NATS server URL(s), comma-separated (overrides nats.url)");
  cmd->add_option("--subject-prefix", o.subject_prefix,
                  "publish to <prefix><Status> (default: the config subject without its trailing "
                  "wildcard, e.g. orders.status.)");
  cmd->add_option("--rate", o.rate,
                  "events per second, an upper bound; 0 = as fast as possible. In real time the "
                  "shop's own pace (--arrival-rate and the stays) decides")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--arrival-rate", o.arrival_rate,
                  "new orders per virtual second (default: --rate / events per order, or 1000 "
                  "with --rate 0)")
      ->check(CLI::Range(1e-9, 1e9));
  cmd->add_option("--orders", o.orders, "start at most N orders, then finish their flows");
  cmd->add_option("--duration", f->duration, "stop after this wall-clock time (e.g. 30s, 5m)");
  cmd->add_option("--events", o.events, "stop after N events");
  add_fraction(*cmd, "--stuck-fraction", o.stuck_fraction,
               "chance an order gets stuck (past every tier) in each status");
  add_fraction(*cmd, "--bad-fraction", o.bad_fraction,
               "share of deliberately bad messages (malformed, unknown status, missing field, "
               "bad time)");
  cmd->add_option("--seed", o.seed, "PRNG seed: the same seed sends the same events")
      ->capture_default_str();
  cmd->add_option("--backfill", f->backfill,
                  "start the virtual clock this far in the past and replay it time-compressed "
                  "(e.g. 6h)");
  cmd->add_option("--time-format", f->time_format, "rfc3339, epoch_ms or epoch_s")
      ->capture_default_str();
  cmd->add_flag("--jetstream", o.jetstream,
                "publish with JetStream acknowledgements (a stream must capture the subjects); "
                "unconfirmed events are resent with the same message id, so none is lost");
  cmd->add_flag("--subject-with-id", o.subject_with_id,
                "append the order id to the subject (<prefix><Status>.<id>), for partition() "
                "subject mappings");
  cmd->callback([f, &exit_code] { exit_code = run_publish(*f); });
}

}  // namespace orderwatch::cli
