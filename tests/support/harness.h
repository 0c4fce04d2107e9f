// Test harness for integration tests: child processes started and stopped by pid, free
// loopback ports, a temp directory, a tiny HTTP client and a Prometheus text parser.
// Everything talks to 127.0.0.1 only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orderwatch::testing {

// A free TCP port on 127.0.0.1 (bound to port 0 and released; tiny race, fine for tests).
int free_port();

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A child process with stdout+stderr captured to a log file. The destructor stops it
// (SIGTERM, then SIGKILL after a grace period) — only this pid, never by name.
class Process {
 public:
  // stdin_path: file fed to the child's standard input (default /dev/null).
  Process(std::vector<std::string> argv, std::string log_path,
          std::string stdin_path = "/dev/null");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `sig` and waits up to `grace` for exit; returns the exit status (or -1).
  int stop(int sig = 15, std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Waits for the process to exit by itself (SIGKILL after the timeout).
  int wait(std::chrono::milliseconds timeout) { return stop(0, timeout); }
  bool running();
  std::string log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};
// Runs a shell command line; arguments must already be quoted with shell_quote.
CommandResult run(const std::string& command_line);
std::string shell_quote(std::string_view text);

// Polls `ready` every 50 ms until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

struct HttpResult {
  int status = 0;  // 0 = could not connect
  std::string body;
};
HttpResult http_get(int port, const std::string& path);
// Any method, with an optional body (sent as application/json unless content_type says otherwise).
HttpResult http_request(int port, const std::string& method, const std::string& path,
                        const std::string& body = "",
                        const std::string& content_type = "application/json");
// Percent-encodes everything but unreserved characters (for query parameters).
std::string url_encode(std::string_view text);

// Samples of a Prometheus text exposition, keyed exactly as printed: name{labels}.
std::map<std::string, double> parse_metrics(const std::string& text);

// The installed nats-server binary (CMake passes its path as NATS_SERVER_BIN).
const char* nats_server_bin();
// The orderwatch binary under test (ORDERWATCH_BIN).
const char* orderwatch_bin();
// promtool (PROMTOOL_BIN).
const char* promtool_bin();
// prometheus and Alertmanager servers (PROMETHEUS_BIN, ALERTMANAGER_BIN), for the e2e tests.
const char* prometheus_bin();
const char* alertmanager_bin();

// A nats-server on 127.0.0.1:port with its own store dir; restartable on the same port.
// config_file: an optional nats-server config (e.g. subject mappings), passed with -c.
class NatsServer {
 public:
  explicit NatsServer(const TempDir& dir, int port = 0, bool jetstream = false,
                      std::string config_file = "");
  ~NatsServer();
  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  void start();
  void kill_hard();  // SIGKILL, as a crash would
  void stop();

 private:
  const TempDir& dir_;
  int port_;
  bool jetstream_;
  std::string config_file_;
  int generation_ = 0;
  std::optional<Process> process_;
};

// JetStream management for tests (orderwatch itself never creates streams). Each call
// opens its own short connection to `url`; failures throw std::runtime_error.
// A file-backed stream with limits retention capturing `subjects` (replaced if it exists).
void create_stream(const std::string& url, const std::string& name,
                   const std::vector<std::string>& subjects);
struct ConsumerState {
  bool exists = false;
  std::uint64_t num_pending = 0;
  std::int64_t num_ack_pending = 0;
  std::uint64_t delivered_stream_seq = 0;
  std::uint64_t ack_floor_stream_seq = 0;
};
ConsumerState consumer_state(const std::string& url, const std::string& stream,
                             const std::string& durable);
std::uint64_t stream_last_seq(const std::string& url, const std::string& stream);

// `orderwatch serve --config CONFIG --nats-url URL --listen 127.0.0.1:0 EXTRA...`, its output in
// `log_path`. The HTTP port (http or https) is known once the exporter has logged it.
class ExporterProcess {
 public:
  ExporterProcess(const std::string& config, const std::string& nats_url,
                  const std::string& log_path, const std::vector<std::string>& extra = {});

  // Waits (bounded) until the exporter has logged the port it listens on.
  bool wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // wait_for_port, then until /readyz answers 200 (NATS connected).
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  int port() const { return port_; }
  Process& process() { return process_; }
  std::string log() const { return process_.log(); }

  // /metrics, parsed; empty when it did not answer 200.
  std::map<std::string, double> scrape();
  // Polls until `series` has `value` (a gtest failure with the log if it never does within
  // `timeout`) and returns that scrape.
  std::map<std::string, double> scrape_when(
      const std::string& series, double value,
      std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  Process process_;
  int port_ = 0;
};

}  // namespace orderwatch::testing
