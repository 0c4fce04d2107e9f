// publish(): sends a FlowGenerator's events to NATS at a chosen rate, for `orderwatch publish`
// (the demo, the benchmarks, the tests). Paces in event time, retries, and with `jetstream`
// waits until a stream has stored every event. The design (pacing, JetStream retry with
// message ids, subject planning) is in docs/design.md, "cli and loadgen".
//
// Threading: one call runs on the caller's thread; the NATS client's threads only report
// JetStream failures back to it. While it runs, SIGINT and SIGTERM stop it (their previous
// handlers are restored before it returns). Not reentrant: one publish() per process at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>

#include "orderwatch/loadgen/flow.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::loadgen {

// What to send and how fast; the flags of `orderwatch publish`, already parsed.
struct PublishOptions {
  std::string nats_url;                // empty: the config's nats.url
  std::string subject_prefix;          // empty: the config's subject without its trailing wildcard
  double rate = 100;                   // events per second, an upper bound; 0 = as fast as possible
  std::optional<double> arrival_rate;  // new orders per virtual second (default from rate)
  std::uint64_t orders = 0;            // start at most this many orders (0 = unlimited)
  std::optional<sla::Duration> duration;  // stop after this wall-clock time
  std::uint64_t events = 0;               // stop after this many events (0 = unlimited)
  double stuck_fraction = 0.02;
  double bad_fraction = 0;
  std::uint64_t seed = 1;
  std::optional<sla::Duration> backfill;  // start the virtual clock this far in the past
  TimeFormat time_format = TimeFormat::kRfc3339;
  bool jetstream = false;        // wait for JetStream acknowledgements, resend the rest
  bool subject_with_id = false;  // publish to <prefix><Status>.<id>
};

// How a run went. The caller turns it into output and an exit status.
struct PublishSummary {
  std::uint64_t sent = 0;     // events handed to NATS (JetStream: stored)
  std::uint64_t bad = 0;      // of which deliberately bad
  std::uint64_t errors = 0;   // core NATS publish calls that failed (those events were dropped)
  std::uint64_t retries = 0;  // JetStream: events resent because no acknowledgement came
  double elapsed_s = 0;
  std::uint64_t orders_started = 0;
  std::size_t orders_in_flight = 0;
  std::int64_t virtual_now_ms = 0;  // the simulated clock at the last event
  bool jetstream = false;
  bool stopped_unsent = false;    // JetStream: stopped before every event was stored
  std::string final_flush_error;  // empty when the last flush reached the server
};

// A run that could not start: no connection, no JetStream, unreadable secret files.
class PublishError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Connects, sends until a limit (events, orders, duration) or a signal stops it, flushes and
// disconnects. Warnings during the run (a failed publish, unconfirmed events) go to
// `diagnostics`, each once. Throws PublishError when it cannot start.
PublishSummary publish(const sla::Config& config, const PublishOptions& options,
                       std::ostream& diagnostics);

// "published N events (B bad) in T s: R events/s; ..." (one line, no newline).
std::string summary_line(const PublishSummary& summary);

}  // namespace orderwatch::loadgen
