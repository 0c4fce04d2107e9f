// NATS connection options from the config's `nats` section, in one place for every client
// of the project (serve's NatsSource and `orderwatch publish`): the server list (a
// comma-separated `nats.url` / `--nats-url`, one entry per cluster member), a timeout,
// reconnecting forever, user/password, token, credentials and TLS (on when a CA or a client
// certificate is configured). Secrets are read from their *_file settings, anew by every call.
// Also the words for the logs: URLs without credentials, why a connection attempt failed
// (rate-limited, and classified for orderwatch_nats_connect_failures_total), and the backoff
// between attempts. Pure setup code, thread-safe (ConnectFailureLog serialises itself; a
// Backoff belongs to one thread).
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/ingest/stats.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::ingest {

struct NatsOptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
using NatsOptionsPtr = std::unique_ptr<natsOptions, NatsOptionsDeleter>;

// Options for the server list `urls` (comma-separated, see split_urls); the caller adds
// callbacks and tuning. Throws std::runtime_error on an empty list, an unreadable secret file
// or unusable TLS files, naming the setting.
NatsOptionsPtr make_nats_options(const sla::NatsConfig& nats, const std::string& urls);

// "nats://a:4222, nats://b:4222" -> {"nats://a:4222", "nats://b:4222"}: split on commas,
// spaces around each entry trimmed, empty entries dropped.
std::vector<std::string> split_urls(std::string_view urls);

// Reads a secret file (trailing newlines and spaces trimmed). Throws std::runtime_error.
std::string read_secret(const std::string& path, const char* what);

// The URL list with each URL's user:password@ replaced by ***@, for logs.
std::string redact_url(const std::string& urls);

// Throws std::runtime_error("<what>: <status text> (<last error>)") unless s is NATS_OK.
void check_nats(natsStatus s, const std::string& what);

// The calling thread's last NATS client error text ("Authorization Violation", "SSL handshake
// error: certificate verify failed", "Connection refused"...), or `fallback`'s status text.
std::string last_nats_error(natsStatus fallback);

// Why nothing answers at the TCP level, per server of `urls`: "nats://h:4222: Connection
// refused; nats://g:4222: no answer within 500ms" (the NATS client says only "No server available
// for connection"). Blocks up to `timeout_ms` per server. Empty when every server accepts TCP.
std::string probe_tcp(const std::string& urls, int timeout_ms = 500);

// One connection attempt with `nats`'s settings (no retry, no callbacks, 1s timeout), to learn
// why the client's own attempts fail: the client's error text ("Authorization Violation",
// "SSL handshake error: ..."), or probe_tcp's when it only says that no server is available.
// Empty when the attempt succeeds. Blocks up to 1.5s per server.
std::string diagnose_connect(const sla::NatsConfig& nats, const std::string& urls);

// A client error text without the client's source location: "(conn.c:1905): Authorization
// Violation" -> "Authorization Violation".
std::string strip_location(std::string_view text);

// `reason` with what it usually means for an operator appended, e.g. "Authorization Violation
// (wrong nats.user / password_file / token_file / credentials_file?)".
std::string explain_connect_failure(std::string_view reason);

// The cause of a failed attempt from the client's status and error text: authorization or
// expired credentials (auth), a TLS handshake or a TLS requirement (tls), no server accepting
// the TCP connection (refused), no answer in time (timeout), anything else (other).
ConnectFailure classify_connect_failure(natsStatus status, std::string_view text);

// Jittered exponential backoff between connection attempts: the base starts at `initial` and
// doubles after every failure up to `max`; each wait is drawn from [base/2, base] ("equal
// jitter"), so instances that lost the same server do not all come back in step. reset() after
// a success. Not thread-safe: one connection thread owns it.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
  // The wait after one more failure; `random` is a uniformly drawn number (the jitter).
  std::chrono::milliseconds next(std::uint64_t random);
  void reset() { base_ = initial_; }
  std::chrono::milliseconds max() const { return max_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds base_;
};

// The longest wait between connection attempts: 5 min, or ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS
// (milliseconds, >= 1; for tests and drills, documented in the README). The first wait is
// 1 s, or the maximum when that is shorter.
std::chrono::milliseconds reconnect_max_backoff();

// Why connection attempts fail, for the log: a new reason is logged at once, the same reason
// again at most once per interval with the number of attempts held back. Thread-safe.
class ConnectFailureLog {
 public:
  explicit ConnectFailureLog(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  // One failed attempt (or pass over the server list) at `now_ms`. `key` tells reasons apart
  // (empty: ignored); `detail`, called only when a line is written, may say more than the key
  // (e.g. probe_tcp's answer when the key is "No server available for connection").
  void failed(std::int64_t now_ms, std::string_view servers, std::string_view key,
              const std::function<std::string()>& detail = {});
  // Connected: the next failure is logged at once whatever its reason.
  void connected();

 private:
  std::int64_t interval_ms_;
  std::mutex mu_;
  std::string last_reason_;
  std::int64_t last_ms_ = 0;
  std::uint64_t held_back_ = 0;
};

}  // namespace orderwatch::ingest
