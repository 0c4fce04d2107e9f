// `orderwatch publish`: sends a simulated shop's order-status events (loadgen::FlowGenerator)
// to NATS at a chosen rate, for the demo and the benchmarks.
//
// --jetstream publishes with JetStream acknowledgements: every event is confirmed stored by a
// stream (which the user creates), and events not confirmed (server restarting, no stream
// yet) are sent again with the same Nats-Msg-Id so the stream's duplicate window drops the
// copies that did arrive. Nothing is lost, but retried events may land out of order.
//
// Pacing: events leave in event-time order. With --backfill D the virtual clock starts D in
// the past and runs as fast as --rate allows (a time-compressed replay whose timestamps carry
// true durations) until it reaches the wall clock; from then on, and without --backfill, an
// event is never sent before its own timestamp, so the stream is real time.
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "commands.h"
#include "orderwatch/events/time.h"
#include "orderwatch/ingest/connection.h"
#include "orderwatch/loadgen/flow.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct PublishFlags {
  std::string config;
  std::string nats_url;
  std::string subject_prefix;
  double rate = 100;
  std::optional<double> arrival_rate;
  std::uint64_t orders = 0;
  std::string duration;
  std::uint64_t events = 0;
  double stuck_fraction = 0.02;
  double bad_fraction = 0;
  std::uint64_t seed = 1;
  std::string backfill;
  std::string time_format = "rfc3339";
  bool jetstream = false;
  bool subject_with_id = false;
};

// Where events go: <prefix><Status>. The default prefix is the config's subject with its
// trailing wildcard token removed ("orders.status.>" -> "orders.status."); other `*` tokens
// become "loadgen". A subject without a trailing wildcard receives every event as is.
struct SubjectPlan {
  std::string prefix;
  bool per_status = true;
  std::string subject_for(const std::string& status) const {
    return per_status ? prefix + status : prefix;
  }
};

SubjectPlan plan_subjects(const std::string& config_subject, const std::string& flag_prefix) {
  if (!flag_prefix.empty()) return {flag_prefix, true};
  std::vector<std::string> tokens;
  std::stringstream in(config_subject);
  for (std::string t; std::getline(in, t, '.');) tokens.push_back(t);
  const bool trailing_wildcard = !tokens.empty() && (tokens.back() == ">" || tokens.back() == "*");
  if (trailing_wildcard) tokens.pop_back();
  std::string joined;
  for (auto& t : tokens) {
    if (t == "*") t = "loadgen";
    joined += t + ".";
  }
  if (!trailing_wildcard) {
    joined.pop_back();  // the exact subject
    return {joined, false};
  }
  return {joined, true};
}

std::string nats_error(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  return last && *last ? last : natsStatus_GetText(s);
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Publishes with JetStream acks in batches: a batch is complete when every message in it is
// acknowledged; what failed or timed out is resent (same message id) until it is stored.
class JetStreamPublisher {
 public:
  explicit JetStreamPublisher(natsConnection* conn) {
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.ErrHandler = &JetStreamPublisher::on_error;
    o.PublishAsync.ErrHandlerClosure = this;
    natsConnection_JetStream(&js_, conn, &o);
    std::random_device rd;
    run_id_ = std::to_string((static_cast<std::uint64_t>(rd()) << 32) | rd());
  }
  ~JetStreamPublisher() {
    for (natsMsg* m : batch_) natsMsg_Destroy(m);
    for (natsMsg* m : failed_) natsMsg_Destroy(m);
    jsCtx_Destroy(js_);
  }
  bool ok() const { return js_ != nullptr; }
  std::uint64_t retries() const { return retries_; }

  void add(const std::string& subject, const std::string& payload) {
    natsMsg* m = nullptr;
    natsMsg_Create(&m, subject.c_str(), nullptr, payload.data(), static_cast<int>(payload.size()));
    // Unique per run: a second run with the same seed must not be dropped as duplicates.
    natsMsgHeader_Set(m, "Nats-Msg-Id", (run_id_ + "-" + std::to_string(next_id_++)).c_str());
    batch_.push_back(m);
  }
  std::size_t pending() const { return batch_.size(); }

  // Sends the batch and waits until all of it is stored; false only when asked to stop.
  bool flush(const std::atomic<bool>& stop) {
    std::vector<natsMsg*> todo;
    todo.swap(batch_);
    while (!todo.empty()) {
      for (natsMsg*& m : todo) {
        if (js_PublishMsgAsync(js_, &m, nullptr) != NATS_OK) {
          std::lock_guard lock(mu_);
          failed_.push_back(m);  // still ours
        }
        m = nullptr;
      }
      todo.clear();
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MaxWait = 5000;
      if (js_PublishAsyncComplete(js_, &po) != NATS_OK) {
        natsMsgList pending{};
        if (js_PublishAsyncGetPendingList(&pending, js_) == NATS_OK) {
          std::lock_guard lock(mu_);
          for (int i = 0; i < pending.Count; ++i) {
            failed_.push_back(pending.Msgs[i]);
            pending.Msgs[i] = nullptr;
          }
          natsMsgList_Destroy(&pending);
        }
      }
      {
        std::lock_guard lock(mu_);
        todo.swap(failed_);
      }
      if (!todo.empty()) {
        if (retries_ == 0) {
          std::lock_guard lock(mu_);
          std::cerr << "orderwatch publish: " << todo.size() << " events not confirmed ("
                    << (last_error_.empty() ? "no acknowledgement in 5s" : last_error_)
                    << "); resending until stored (Ctrl-C to stop)\n";
        }
        retries_ += todo.size();
        if (stop.load()) {
          for (natsMsg* m : todo) natsMsg_Destroy(m);
          return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    return true;
  }

 private:
  static void on_error(jsCtx*, jsPubAckErr* pae, void* self) {
    auto* p = static_cast<JetStreamPublisher*>(self);
    std::lock_guard lock(p->mu_);
    p->last_error_ = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
    p->failed_.push_back(pae->Msg);
    pae->Msg = nullptr;  // keep it: the library then does not destroy it
  }

  jsCtx* js_ = nullptr;
  std::string run_id_;
  std::uint64_t next_id_ = 0;
  std::vector<natsMsg*> batch_;
  std::mutex mu_;
  std::vector<natsMsg*> failed_;  // guarded by mu_ (the error handler runs on a client thread)
  std::string last_error_;        // guarded by mu_
  std::uint64_t retries_ = 0;
};

int run_publish(const PublishFlags& f) {
  using Clock = std::chrono::steady_clock;
  sla::Config cfg;
  try {
    cfg = sla::load_file(f.config);
  } catch (const sla::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
    return kExitUsage;
  }
  std::optional<sla::Duration> duration, backfill;
  if (!f.duration.empty() && !(duration = sla::parse_duration(f.duration))) {
    std::cerr << "orderwatch publish: --duration: \"" << f.duration << "\" is not a duration\n";
    return kExitUsage;
  }
  if (!f.backfill.empty() && !(backfill = sla::parse_duration(f.backfill))) {
    std::cerr << "orderwatch publish: --backfill: \"" << f.backfill << "\" is not a duration\n";
    return kExitUsage;
  }
  loadgen::FlowOptions opt;
  if (f.time_format == "rfc3339") {
    opt.time_format = loadgen::TimeFormat::kRfc3339;
  } else if (f.time_format == "epoch_ms") {
    opt.time_format = loadgen::TimeFormat::kEpochMillis;
  } else if (f.time_format == "epoch_s") {
    opt.time_format = loadgen::TimeFormat::kEpochSeconds;
  } else {
    std::cerr << "orderwatch publish: --time-format: \"" << f.time_format
              << "\" is not one of rfc3339, epoch_ms, epoch_s\n";
    return kExitUsage;
  }
  // Default arrival rate: enough new orders that, once flows are under way, the event rate
  // matches --rate (each order sends about one event per status it visits).
  std::size_t visits = 1;
  for (const auto& s : cfg.statuses) visits += s.terminal ? 0 : 1;
  opt.arrival_rate = f.arrival_rate ? *f.arrival_rate
                     : f.rate > 0   ? f.rate / static_cast<double>(visits)
                                    : 1000.0;
  opt.seed = f.seed;
  opt.stuck_fraction = f.stuck_fraction;
  opt.bad_fraction = f.bad_fraction;
  opt.max_orders = f.orders;
  const std::int64_t start_wall_ms = wall_ms();
  opt.start_ms = start_wall_ms - (backfill ? backfill->count() : 0);

  const std::string url = f.nats_url.empty() ? cfg.nats.url : f.nats_url;
  const SubjectPlan subjects = plan_subjects(cfg.nats.subject, f.subject_prefix);
  std::vector<std::string> status_subjects;
  for (const auto& s : cfg.statuses) status_subjects.push_back(subjects.subject_for(s.name));

  natsConnection* conn = nullptr;
  natsStatus s = NATS_OK;
  try {
    // Reconnecting forever (the shared default): a server restart during a long demo run
    // must not end it; a large reconnect buffer keeps publishing through it.
    ingest::NatsOptionsPtr nopts = ingest::make_nats_options(cfg.nats, url);
    natsOptions_SetReconnectWait(nopts.get(), 500);
    natsOptions_SetReconnectBufSize(nopts.get(), 32 * 1024 * 1024);
    s = natsConnection_Connect(&conn, nopts.get());
  } catch (const std::exception& e) {
    std::cerr << "orderwatch publish: " << e.what() << "\n";
    return kExitUsage;
  }
  if (s != NATS_OK) {
    std::string why = ingest::last_nats_error(s);
    if (s == NATS_NO_SERVER) {
      if (const std::string tcp = ingest::probe_tcp(url); !tcp.empty()) why += ": " + tcp;
    }
    std::cerr << "orderwatch publish: cannot connect to " << ingest::redact_url(url) << ": "
              << ingest::explain_connect_failure(why) << "\n";
    nats_Close();
    return kExitUsage;
  }

  g_stop.store(false);
  auto old_int = std::signal(SIGINT, on_stop_signal);
  auto old_term = std::signal(SIGTERM, on_stop_signal);

  std::optional<JetStreamPublisher> jsp;
  if (f.jetstream) {
    jsp.emplace(conn);
    if (!jsp->ok()) {
      std::cerr << "orderwatch publish: cannot use JetStream on " << ingest::redact_url(url)
                << "\n";
      std::signal(SIGINT, old_int);
      std::signal(SIGTERM, old_term);
      jsp.reset();
      natsConnection_Destroy(conn);
      nats_Close();
      return kExitUsage;
    }
  }
  constexpr std::size_t kJetStreamBatch = 1000;
  bool stopped_unsent = false;

  loadgen::FlowGenerator gen(cfg, opt);
  loadgen::FlowEvent ev;
  std::string payload;
  std::uint64_t sent = 0, bad = 0, errors = 0;
  const auto t0 = Clock::now();
  const auto deadline = duration ? std::optional(t0 + *duration) : std::nullopt;
  auto expired = [&] { return g_stop.load() || (deadline && Clock::now() >= *deadline); };
  // Sleeps until `until` in short slices so Ctrl-C and --duration stay responsive.
  auto wait_until = [&](Clock::time_point until) {
    while (!expired()) {
      const auto now = Clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(until - now, std::chrono::milliseconds(100)));
    }
    return false;
  };
  while (!expired() && (f.events == 0 || sent < f.events) && gen.next(ev)) {
    // Real time once the virtual clock has caught up with the wall clock.
    const std::int64_t ahead_ms = ev.time_ms - wall_ms();
    if (ahead_ms > 0 && !wait_until(Clock::now() + std::chrono::milliseconds(ahead_ms))) break;
    if (f.rate > 0) {
      const auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(sent) / f.rate));
      if (!wait_until(due)) break;
    }
    gen.serialize(ev, payload);
    // With the id in the subject, a server-side partition() mapping can spread orders over
    // instances while keeping each order's events together.
    const std::string& base = status_subjects[ev.status];
    const std::string with_id = f.subject_with_id ? base + "." + ev.id : std::string();
    const std::string& subject = f.subject_with_id ? with_id : base;
    if (jsp) {
      jsp->add(subject, payload);
      ++sent;
      bad += ev.bad != loadgen::BadKind::kNone;
      if (jsp->pending() >= kJetStreamBatch && !jsp->flush(g_stop)) stopped_unsent = true;
      continue;
    }
    s = natsConnection_Publish(conn, subject.c_str(), payload.data(),
                               static_cast<int>(payload.size()));
    if (s != NATS_OK) {
      // Typically the reconnect buffer is full while the server is away: count, back off.
      if (errors++ == 0)
        std::cerr << "orderwatch publish: publish failed: " << nats_error(s) << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    ++sent;
    bad += ev.bad != loadgen::BadKind::kNone;
  }
  if (jsp && !jsp->flush(g_stop)) stopped_unsent = true;
  const std::uint64_t retries = jsp ? jsp->retries() : 0;
  jsp.reset();
  const natsStatus flushed = natsConnection_FlushTimeout(conn, 10'000);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  natsConnection_Destroy(conn);
  nats_Close();

  char line[512];
  std::snprintf(line, sizeof line,
                "published %llu events (%llu bad) in %.3fs: %.0f events/s; %llu orders started, "
                "%zu in flight; virtual clock at %s",
                static_cast<unsigned long long>(sent), static_cast<unsigned long long>(bad),
                elapsed, elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0,
                static_cast<unsigned long long>(gen.orders_started()), gen.orders_in_flight(),
                events::format_rfc3339_ms(gen.now_ms()).c_str());
  std::cout << line;
  if (errors) std::cout << "; " << errors << " publish errors";
  if (f.jetstream) std::cout << "; stored by JetStream (" << retries << " resent)";
  std::cout << "\n";
  if (stopped_unsent) {
    std::cerr << "orderwatch publish: stopped before every event was stored\n";
    return kExitInvalid;
  }
  if (flushed != NATS_OK) {
    std::cerr << "orderwatch publish: final flush failed: " << natsStatus_GetText(flushed)
              << " (some events may not have reached the server)\n";
    return kExitInvalid;
  }
  return errors ? kExitInvalid : kExitOk;
}

}  // namespace

void add_publish(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "publish", "Send a simulated shop's order-status events to NATS (demo and load tests)");
  auto f = std::make_shared<PublishFlags>();
  cmd->add_option("--config,-c", f->config, "SLA config file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--nats-url", f->nats_url,
                  "NATS server URL(s), comma-separated (overrides nats.url)");
  cmd->add_option("--subject-prefix", f->subject_prefix,
                  "publish to <prefix><Status> (default: the config subject without its trailing "
                  "wildcard, e.g. orders.status.)");
  cmd->add_option("--rate", f->rate,
                  "events per second, an upper bound; 0 = as fast as possible. In real time the "
                  "shop's own pace (--arrival-rate and the stays) decides")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--arrival-rate", f->arrival_rate,
                  "new orders per virtual second (default: --rate / events per order, or 1000 "
                  "with --rate 0)")
      ->check(CLI::Range(1e-9, 1e9));
  cmd->add_option("--orders", f->orders, "start at most N orders, then finish their flows");
  cmd->add_option("--duration", f->duration, "stop after this wall-clock time (e.g. 30s, 5m)");
  cmd->add_option("--events", f->events, "stop after N events");
  cmd->add_option("--stuck-fraction", f->stuck_fraction,
                  "chance an order gets stuck (past every tier) in each status")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--bad-fraction", f->bad_fraction,
                  "share of deliberately bad messages (malformed, unknown status, missing "
                  "field, bad time)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", f->seed, "PRNG seed: the same seed sends the same events")
      ->capture_default_str();
  cmd->add_option("--backfill", f->backfill,
                  "start the virtual clock this far in the past and replay it time-compressed "
                  "(e.g. 6h)");
  cmd->add_option("--time-format", f->time_format, "rfc3339, epoch_ms or epoch_s")
      ->capture_default_str();
  cmd->add_flag("--jetstream", f->jetstream,
                "publish with JetStream acknowledgements (a stream must capture the subjects); "
                "unconfirmed events are resent with the same message id, so none is lost");
  cmd->add_flag("--subject-with-id", f->subject_with_id,
                "append the order id to the subject (<prefix><Status>.<id>), for partition() "
                "subject mappings");
  cmd->callback([f, &exit_code] { exit_code = run_publish(*f); });
}

}  // namespace orderwatch::cli
