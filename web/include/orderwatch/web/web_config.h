// WebConfig: TLS and basic-auth settings for every HTTP endpoint (/metrics, the drill-down API
// and page), read from a file in the format of Prometheus's --web.config.file
// (exporter-toolkit):
//
//   tls_server_config:
//     cert_file: server.crt      # PEM certificate (chain); relative paths: to this file's dir
//     key_file: server.key       # PEM private key
//     min_version: TLS12         # optional: TLS12 (default) or TLS13
//   basic_auth_users:
//     alice: $2y$10$...          # bcrypt hashes only ($2a$, $2b$, $2y$)
//
// BasicAuth checks an Authorization header against the users: a check that passed is cached
// (under a SHA-256 of the header); an uncached one waits its turn in the bcrypt lane (one at a
// time, at most kMaxBcryptQueue admitted, a wait of at most 1 s) or is answered kBusy.
// BasicAuth is thread-safe; WebConfig is a plain value.
// Design (the bcrypt lane, unknown users): docs/design.md, web and serve.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace orderwatch::web {

struct WebConfig {
  std::string cert_file;  // TLS when set (key_file then set too)
  std::string key_file;
  std::string min_tls_version = "TLS12";
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash

  bool tls() const { return !cert_file.empty(); }
};

inline constexpr int kMaxBcryptCost = 14;  // ~1 s per check on one core; 31 would be days
inline constexpr int kMaxBcryptQueue = 2;  // uncached checks admitted at once

// Throws std::runtime_error with "path:line:col: what is wrong" on any problem (unreadable
// file, unknown or unsupported key, a hash that is not bcrypt or costs more than
// kMaxBcryptCost, a missing certificate file).
WebConfig load_web_config(const std::string& path);
// The same from text; `path` names it in messages and anchors relative file names.
WebConfig load_web_config_string(const std::string& text, const std::string& path);

// The cost of a bcrypt hash ("$2y$10$..." -> 10), or -1 when `hash` is not bcrypt.
int bcrypt_cost(std::string_view hash);

// Splits `Basic <base64(user:password)>` (scheme case-insensitive, RFC 7617); false when the
// header is not that.
bool parse_basic_authorization(std::string_view header, std::string& user, std::string& password);

enum class AuthResult : std::uint8_t { kOk, kDenied, kBusy };

class BasicAuth {
 public:
  // (password, hash) -> whether they match; bcrypt_verify unless a test passes another.
  using Verifier = std::function<bool(std::string_view password, const std::string& hash)>;

  explicit BasicAuth(std::map<std::string, std::string> users, Verifier verify = {});
  bool enabled() const { return !users_.empty(); }
  // `authorization`: the header value, or nullptr when absent. kBusy: the bcrypt lane is full
  // or its turn did not come within a second (answer 503, the client may retry).
  AuthResult check(const char* authorization);
  // The bcrypt setting unknown users are checked against (its cost is the users' highest).
  const std::string& dummy_hash() const { return dummy_; }
  // Uncached checks admitted right now (running or waiting).
  int admitted() const { return admitted_.load(); }

 private:
  std::map<std::string, std::string> users_;
  Verifier verify_;
  std::string dummy_;
  std::atomic<int> admitted_{0};
  std::mutex bcrypt_mu_;  // one bcrypt at a time
  std::mutex cache_mu_;
  std::unordered_set<std::string> verified_;  // SHA-256 of headers that passed
};

// bcrypt check of `password` against `hash` with libxcrypt; constant-time comparison.
bool bcrypt_verify(std::string_view password, const std::string& hash);

}  // namespace orderwatch::web
