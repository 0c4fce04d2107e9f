// The composition root of `orderwatch serve`: a Server owns the tracking service, the NATS
// source, the HTTP server with its routes and the metrics collectors, and their order of
// start-up and shutdown. The CLI parses flags into Options and calls run(); tests can start a
// Server in-process.
// Thread-safety: one thread drives a Server (construction, step(), reload(), shutdown());
// reload() may also come from an HTTP worker (POST /-/reload) and serialises itself.
// Design (start-up, reload and shutdown order): docs/design.md, web and serve.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace orderwatch::serve {

// Exit codes, like promtool: 0 ok, 1 the input is invalid, 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

struct Options {
  std::string config;
  std::string nats_url;
  std::string listen = "127.0.0.1:9464";
  std::string log_level = "info";
  std::string snapshot_file;
  std::string snapshot_interval = "30s";
  bool enable_lifecycle = false;
  std::string web_config;  // --web.config.file: TLS + basic auth for every endpoint
  bool disable_api = false;
  bool enable_actions = false;  // --web.enable-actions: needs basic auth (web_config)
};

// A refused start: the message for stderr and the exit code.
struct StartError {
  int exit_code = kExitUsage;
  std::string message;
};

class Server {
 public:
  // Starts everything: checks, snapshot, HTTP, then NATS (in the background). Throws
  // StartError.
  explicit Server(const Options& options);
  ~Server();  // shutdown() if not done
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int http_port() const;
  // One turn of the main loop: advance the deadline index, write a periodic snapshot when due.
  void step();
  // Re-reads the SLA file; an invalid one keeps the running config. Returns the HTTP status
  // (200, 400 invalid, 500 failed) and the message.
  std::pair<int, std::string> reload(const std::string& trigger);
  // Orderly shutdown, in this order (each step relies on the one before):
  //  1. stop intake: no new pull requests (JetStream) or messages (core NATS, drained);
  //  2. drain: what has arrived is applied, up to 5 s; in JetStream mode what arrives after
  //     the stop is NAKed (redelivered at once to the next run);
  //  3. ack: the applied messages' acknowledgements (and the NAKs) reach the server: the
  //     subscription is retired with a round trip, which also lets the client's read loop
  //     finish with it before it is freed (ingest/src/subscriptions.h: libnats 3.4 frees a
  //     subscription under its read loop otherwise, the old SIGTERM abort);
  //  4. final snapshot: covers everything this process applied and acknowledged;
  //  5. close: HTTP (its workers read the NATS source's stats), then the NATS connection
  //     (joins the client's read loop; subscriptions retired while disconnected are freed
  //     after it), then run() waits for the client library's own threads (nats_CloseAndWait)
  //     so none outlives main().
  // Returns the exit code (kExitInvalid when the final snapshot failed). Idempotent.
  int shutdown();
  // kExitOk, or the code of a failure after start (NATS options refused by the client).
  int status() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// The CLI entry point: starts a Server and runs its main loop until SIGINT or SIGTERM (SIGHUP
// reloads). Returns the process exit code; messages for a refused start go to stderr.
int run(const Options& options);

}  // namespace orderwatch::serve
