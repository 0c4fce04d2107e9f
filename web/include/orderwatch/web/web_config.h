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
// BasicAuth checks an Authorization header against the users. bcrypt is slow by design, so a
// successful check is cached under a SHA-256 of the header (never the password itself) and at
// most one bcrypt runs at a time: a flood of wrong passwords costs one core, not all of them
// (a check waits at most 1 s for its turn), and cached credentials (Prometheus's scrapes)
// skip bcrypt altogether.
// BasicAuth is thread-safe; WebConfig is a plain value.
#pragma once

#include <cstdint>
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

// Throws std::runtime_error with "path: what is wrong" on any problem (unreadable file, unknown
// or unsupported key, a hash that is not bcrypt, a missing certificate file).
WebConfig load_web_config(const std::string& path);

enum class AuthResult : std::uint8_t { kOk, kDenied, kBusy };

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);
  bool enabled() const { return !users_.empty(); }
  // `authorization`: the header value, or nullptr when absent. kBusy: another bcrypt check
  // did not finish within a second (answer 503, the client may retry).
  AuthResult check(const char* authorization);

 private:
  std::map<std::string, std::string> users_;
  std::mutex bcrypt_mu_;  // one bcrypt at a time
  std::mutex cache_mu_;
  std::unordered_set<std::string> verified_;  // SHA-256 of headers that passed
};

// bcrypt check of `password` against `hash` with libxcrypt; constant-time comparison.
bool bcrypt_verify(std::string_view password, const std::string& hash);

}  // namespace orderwatch::web
