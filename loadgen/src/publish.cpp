// publish(): the engine of `orderwatch publish` (cli/cmd_publish.cpp parses the flags and
// calls it). Owns the connection, the signal handlers and the pacing of one run; the
// JetStream batches live in JetStreamPublisher. Design: docs/design.md, "cli and loadgen".
#include "orderwatch/loadgen/publish.h"

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "jetstream_publisher.h"
#include "orderwatch/events/time.h"
#include "orderwatch/ingest/connection.h"

namespace orderwatch::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

// SIGINT and SIGTERM set g_stop while it lives; the previous handlers come back after.
class StopOnSignals {
 public:
  StopOnSignals() {
    g_stop.store(false);
    old_int_ = std::signal(SIGINT, on_stop_signal);
    old_term_ = std::signal(SIGTERM, on_stop_signal);
  }
  ~StopOnSignals() { restore(); }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;
  void restore() {
    if (restored_) return;
    std::signal(SIGINT, old_int_);
    std::signal(SIGTERM, old_term_);
    restored_ = true;
  }

 private:
  void (*old_int_)(int) = nullptr;
  void (*old_term_)(int) = nullptr;
  bool restored_ = false;
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

FlowOptions flow_options(const sla::Config& cfg, const PublishOptions& o) {
  FlowOptions opt;
  opt.time_format = o.time_format;
  // Default arrival rate: enough new orders that, once flows are under way, the event rate
  // matches the rate (each order sends about one event per status it visits; a pause status is
  // a hold, two events for the orders that take one).
  double visits = 1;
  for (std::size_t i = 0; i < cfg.statuses.size(); ++i) {
    bool pause = false;
    for (const auto& m : cfg.milestones) pause = pause || m.role(i) == sla::MilestoneRole::kPause;
    visits += cfg.statuses[i].terminal ? 0 : pause ? 2 * opt.hold_fraction : 1;
  }
  opt.arrival_rate = o.arrival_rate ? *o.arrival_rate : o.rate > 0 ? o.rate / visits : 1000.0;
  opt.seed = o.seed;
  opt.stuck_fraction = o.stuck_fraction;
  opt.bad_fraction = o.bad_fraction;
  opt.max_orders = o.orders;
  opt.start_ms = wall_ms() - (o.backfill ? o.backfill->count() : 0);
  return opt;
}

// Connects (reconnecting forever, the shared default: a server restart during a long demo run
// must not end it; a large reconnect buffer keeps publishing through it). Throws PublishError.
// The client library's teardown, waited for (up to 5 s): its threads may still hold replies
// (a JetStream ack, a no-responders status) when the connection is destroyed; exiting before
// they finish leaves those behind (LeakSanitizer reported one after a server was killed).
void close_nats() { nats_CloseAndWait(5000); }

natsConnection* connect(const sla::Config& cfg, const std::string& url) {
  natsConnection* conn = nullptr;
  natsStatus s = NATS_OK;
  try {
    ingest::NatsOptionsPtr nopts = ingest::make_nats_options(cfg.nats, url);
    natsOptions_SetReconnectWait(nopts.get(), 500);
    natsOptions_SetReconnectBufSize(nopts.get(), 32 * 1024 * 1024);
    s = natsConnection_Connect(&conn, nopts.get());
  } catch (const std::exception& e) {
    throw PublishError(e.what());
  }
  if (s == NATS_OK) return conn;
  std::string why = ingest::last_nats_error(s);
  if (s == NATS_NO_SERVER) {
    if (const std::string tcp = ingest::probe_tcp(url); !tcp.empty()) why += ": " + tcp;
  }
  close_nats();
  throw PublishError("cannot connect to " + ingest::redact_url(url) + ": " +
                     ingest::explain_connect_failure(why));
}

// Event-time and rate pacing against the wall clock, in short sleeps so that a signal and the
// duration limit stay responsive.
class Pacer {
 public:
  Pacer(double rate, std::optional<sla::Duration> duration)
      : rate_(rate),
        t0_(Clock::now()),
        deadline_(duration ? t0_ + *duration : Clock::time_point::max()) {}

  bool expired() const { return g_stop.load() || Clock::now() >= deadline_; }
  Clock::time_point start() const { return t0_; }

  // Waits until the event may leave: never before its own timestamp (real time once the
  // virtual clock has caught up with the wall clock), never faster than the rate. False when
  // stopped or expired meanwhile.
  bool wait_for_turn(std::int64_t event_time_ms, std::uint64_t sent) {
    const std::int64_t ahead_ms = event_time_ms - wall_ms();
    if (ahead_ms > 0 && !sleep_until(Clock::now() + std::chrono::milliseconds(ahead_ms)))
      return false;
    if (rate_ <= 0) return true;
    return sleep_until(t0_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(static_cast<double>(sent) / rate_)));
  }

 private:
  bool sleep_until(Clock::time_point until) const {
    while (!expired()) {
      const auto now = Clock::now();
      if (now >= until) return true;
      std::this_thread::sleep_for(
          std::min<Clock::duration>(until - now, std::chrono::milliseconds(100)));
    }
    return false;
  }

  double rate_;
  Clock::time_point t0_;
  Clock::time_point deadline_;  // max(): no duration limit
};

// Hands each event to core NATS or to the JetStream batches and keeps the counts.
class Sender {
 public:
  static constexpr std::size_t kJetStreamBatch = 1000;

  Sender(natsConnection* conn, JetStreamPublisher* js, std::ostream& diagnostics)
      : conn_(conn), js_(js), diagnostics_(diagnostics) {}

  void send(const std::string& subject, const std::string& payload, bool bad, PublishSummary& out) {
    if (js_ != nullptr) {
      js_->add(subject, payload);
      ++out.sent;
      out.bad += bad;
      if (js_->pending() >= kJetStreamBatch && !js_->flush(g_stop)) out.stopped_unsent = true;
      return;
    }
    const natsStatus s = natsConnection_Publish(conn_, subject.c_str(), payload.data(),
                                                static_cast<int>(payload.size()));
    if (s != NATS_OK) {
      // Typically the reconnect buffer is full while the server is away: count, back off.
      if (out.errors++ == 0)
        diagnostics_ << "orderwatch publish: publish failed: " << nats_error(s) << "\n";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return;
    }
    ++out.sent;
    out.bad += bad;
  }

 private:
  natsConnection* conn_;
  JetStreamPublisher* js_;
  std::ostream& diagnostics_;
};

// The send loop: events in event-time order until a limit, the generator's end or a signal.
void run(FlowGenerator& gen, const PublishOptions& o, const std::vector<std::string>& subjects,
         Pacer& pacer, Sender& sender, PublishSummary& out) {
  FlowEvent ev;
  std::string payload;
  while (!pacer.expired() && (o.events == 0 || out.sent < o.events) && gen.next(ev)) {
    if (!pacer.wait_for_turn(ev.time_ms, out.sent)) break;
    gen.serialize(ev, payload);
    // With the id in the subject, a server-side partition() mapping can spread orders over
    // instances while keeping each order's events together.
    const std::string& base = subjects[ev.status];
    const std::string with_id = o.subject_with_id ? base + "." + ev.id : std::string();
    sender.send(o.subject_with_id ? with_id : base, payload, ev.bad != BadKind::kNone, out);
  }
  out.orders_started = gen.orders_started();
  out.orders_in_flight = gen.orders_in_flight();
  out.virtual_now_ms = gen.now_ms();
}

}  // namespace

PublishSummary publish(const sla::Config& config, const PublishOptions& options,
                       std::ostream& diagnostics) {
  const std::string url = options.nats_url.empty() ? config.nats.url : options.nats_url;
  const SubjectPlan plan = plan_subjects(config.nats.subject, options.subject_prefix);
  std::vector<std::string> subjects;
  for (const auto& s : config.statuses) subjects.push_back(plan.subject_for(s.name));
  const FlowOptions flow = flow_options(config, options);  // the virtual clock starts here

  natsConnection* conn = connect(config, url);
  StopOnSignals signals;
  std::optional<JetStreamPublisher> js;
  if (options.jetstream) {
    js.emplace(conn, diagnostics);
    if (!js->ok()) {
      signals.restore();
      js.reset();
      natsConnection_Destroy(conn);
      close_nats();
      throw PublishError("cannot use JetStream on " + ingest::redact_url(url));
    }
  }
  PublishSummary out;
  out.jetstream = options.jetstream;
  FlowGenerator gen(config, flow);
  Pacer pacer(options.rate, options.duration);
  Sender sender(conn, js ? &*js : nullptr, diagnostics);
  run(gen, options, subjects, pacer, sender, out);
  if (js && !js->flush(g_stop)) out.stopped_unsent = true;
  out.retries = js ? js->retries() : 0;
  js.reset();
  const natsStatus flushed = natsConnection_FlushTimeout(conn, 10'000);
  if (flushed != NATS_OK) out.final_flush_error = natsStatus_GetText(flushed);
  out.elapsed_s = std::chrono::duration<double>(Clock::now() - pacer.start()).count();
  signals.restore();
  natsConnection_Destroy(conn);
  close_nats();
  return out;
}

std::string summary_line(const PublishSummary& s) {
  char line[512];
  std::snprintf(line, sizeof line,
                "published %llu events (%llu bad) in %.3fs: %.0f events/s; %llu orders started, "
                "%zu in flight; virtual clock at %s",
                static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.bad),
                s.elapsed_s, s.elapsed_s > 0 ? static_cast<double>(s.sent) / s.elapsed_s : 0.0,
                static_cast<unsigned long long>(s.orders_started), s.orders_in_flight,
                events::format_rfc3339_ms(s.virtual_now_ms).c_str());
  std::string text = line;
  if (s.errors) text += "; " + std::to_string(s.errors) + " publish errors";
  if (s.jetstream) text += "; stored by JetStream (" + std::to_string(s.retries) + " resent)";
  return text;
}

}  // namespace orderwatch::loadgen
