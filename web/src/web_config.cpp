// WebConfig and BasicAuth (web_config.h): reading the --web.config.file YAML, base64 and bcrypt
// checks, the cache of passed headers and the bcrypt lane. Loaded by serve (server.cpp);
// HttpServer checks every request with a BasicAuth.
#include "orderwatch/web/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace orderwatch::web {

namespace {

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, const std::string& what) {
  std::string where = path;
  if (node && node.Mark().line >= 0) {
    where +=
        ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
  }
  throw std::runtime_error(where + ": " + what);
}

std::string scalar(const std::string& path, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(path, node, key + ": expected a string");
  return node.as<std::string>();
}

bool is_bcrypt(std::string_view hash) { return bcrypt_cost(hash) >= 0; }

std::string resolve(const std::string& config_path, const std::string& file) {
  if (file.empty() || file.front() == '/') return file;
  const auto slash = config_path.rfind('/');
  return slash == std::string::npos ? file : config_path.substr(0, slash + 1) + file;
}

// Standard base64 (RFC 4648) without line breaks; false on any invalid input.
bool base64_decode(std::string_view in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + static_cast<std::size_t>(j)];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else if (pad > 0 || (v[j] = value(c)) < 0) {
        return false;
      }
    }
    const unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                       (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out += static_cast<char>((n >> 16) & 0xFF);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return true;
}

std::string sha256(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// The setting unknown users are hashed with: bcrypt at `cost` with a fixed salt (the result is
// thrown away; only its cost matters, so nothing needs to be random).
std::string dummy_setting(int cost) {
  static const char kSalt[16] = {'o', 'r', 'd', 'e', 'r', 'w', 'a', 't',
                                 'c', 'h', '-', 'd', 'u', 'm', 'm', 'y'};
  char out[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), kSalt, sizeof kSalt, out,
                       sizeof out) == nullptr) {
    throw std::runtime_error("basic_auth_users: cannot make a bcrypt setting of cost " +
                             std::to_string(cost));
  }
  return out;
}

constexpr std::size_t kMaxCached = 1024;
constexpr std::size_t kMaxHeaderBytes = 4096;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

void read_tls(const std::string& path, const YAML::Node& v, WebConfig& web) {
  if (!v.IsMap()) fail(path, v, "tls_server_config: expected a mapping");
  for (const auto& t : v) {
    const std::string k = scalar(path, t.first, "tls_server_config key");
    const std::string p = "tls_server_config." + k;
    if (k == "cert_file") {
      web.cert_file = resolve(path, scalar(path, t.second, p));
    } else if (k == "key_file") {
      web.key_file = resolve(path, scalar(path, t.second, p));
    } else if (k == "min_version") {
      web.min_tls_version = scalar(path, t.second, p);
      if (web.min_tls_version != "TLS12" && web.min_tls_version != "TLS13") {
        fail(path, t.second, p + ": must be TLS12 or TLS13");
      }
    } else {
      fail(path, t.first,
           p + ": not supported by orderwatch (supported: cert_file, key_file, min_version)");
    }
  }
  if (web.cert_file.empty() || web.key_file.empty()) {
    fail(path, v, "tls_server_config: needs both cert_file and key_file");
  }
  for (const auto* f : {&web.cert_file, &web.key_file}) {
    if (::access(f->c_str(), R_OK) != 0) fail(path, v, *f + ": cannot read the file");
  }
}

void read_users(const std::string& path, const YAML::Node& v, WebConfig& web) {
  if (v.IsNull()) return;
  if (!v.IsMap()) fail(path, v, "basic_auth_users: expected a mapping of user: bcrypt-hash");
  for (const auto& u : v) {
    const std::string user = scalar(path, u.first, "basic_auth_users key");
    if (user.empty() || user.find(':') != std::string::npos) {
      fail(path, u.first, "basic_auth_users: user names must be non-empty without ':'");
    }
    const std::string p = "basic_auth_users." + user;
    const std::string hash = scalar(path, u.second, p);
    const int cost = bcrypt_cost(hash);
    if (cost < 0) {
      fail(path, u.second,
           p + ": expected a bcrypt hash ($2y$..., e.g. from `htpasswd -nbB user pass`)");
    }
    if (cost > kMaxBcryptCost) {
      fail(path, u.second,
           p + ": bcrypt cost " + std::to_string(cost) + " is above " +
               std::to_string(kMaxBcryptCost) +
               " (each login would hold the one bcrypt lane for seconds to days; htpasswd -B "
               "-C 10)");
    }
    if (!web.basic_auth_users.emplace(user, hash).second) {
      fail(path, u.first, p + ": user given twice");
    }
  }
}

}  // namespace

WebConfig load_web_config(const std::string& path) {
  std::error_code ec;
  std::ifstream in(path, std::ios::binary);
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    throw std::runtime_error(path + ": cannot read the web config file");
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": cannot read the web config file");
  return load_web_config_string(text, path);
}

WebConfig load_web_config_string(const std::string& text, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  WebConfig web;
  if (root.IsNull()) return web;  // an empty file: no TLS, no auth
  if (!root.IsMap()) fail(path, root, "expected a mapping");
  bool seen_tls = false, seen_users = false;
  for (const auto& kv : root) {
    const std::string key = scalar(path, kv.first, "key");
    if (key == "tls_server_config" && !std::exchange(seen_tls, true)) {
      read_tls(path, kv.second, web);
    } else if (key == "basic_auth_users" && !std::exchange(seen_users, true)) {
      read_users(path, kv.second, web);
    } else if (key == "tls_server_config" || key == "basic_auth_users") {
      fail(path, kv.first, key + ": given twice");
    } else {
      fail(path, kv.first,
           key + ": not supported by orderwatch (supported: tls_server_config, basic_auth_users)");
    }
  }
  return web;
}

int bcrypt_cost(std::string_view hash) {
  if (hash.size() != 60 ||
      !(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
    return -1;
  }
  const char hi = hash[4], lo = hash[5];
  if (hi < '0' || hi > '9' || lo < '0' || lo > '9' || hash[6] != '$') return -1;
  const int cost = (hi - '0') * 10 + (lo - '0');
  return cost >= 4 && cost <= 31 ? cost : -1;
}

bool parse_basic_authorization(std::string_view header, std::string& user, std::string& password) {
  if (header.size() > kMaxHeaderBytes) return false;
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !iequals(header.substr(0, space), "basic")) return false;
  std::string_view token = header.substr(space);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::string decoded;
  if (!base64_decode(token, decoded)) return false;
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

bool bcrypt_verify(std::string_view password, const std::string& hash) {
  if (!is_bcrypt(hash) || password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || std::string_view(out).size() != hash.size()) return false;
  return CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users, Verifier verify)
    : users_(std::move(users)), verify_(verify ? std::move(verify) : Verifier(bcrypt_verify)) {
  int cost = 4;
  for (const auto& [user, hash] : users_) cost = std::max(cost, bcrypt_cost(hash));
  // The setting is 29 characters; crypt() uses no more of a hash, so padding it to a full
  // hash's length makes it pass bcrypt_verify's shape check and cost a real bcrypt.
  dummy_ = dummy_setting(cost);
  dummy_.resize(60, '.');
}

AuthResult BasicAuth::check(const char* authorization) {
  if (users_.empty()) return AuthResult::kOk;
  if (authorization == nullptr) return AuthResult::kDenied;
  const std::string_view header(authorization);
  std::string user, password;
  if (!parse_basic_authorization(header, user, password)) return AuthResult::kDenied;
  const std::string key = sha256(header);
  {
    std::lock_guard lock(cache_mu_);
    if (verified_.count(key)) return AuthResult::kOk;
  }
  // The lane: never more than kMaxBcryptQueue workers tied up by uncached checks.
  if (admitted_.fetch_add(1) >= kMaxBcryptQueue) {
    admitted_.fetch_sub(1);
    return AuthResult::kBusy;
  }
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { n.fetch_sub(1); }
  } leave{admitted_};
  const auto it = users_.find(user);
  bool ok = false;
  {
    // Polled try_lock rather than a timed mutex: libstdc++ 12's timed_mutex uses
    // pthread_mutex_clocklock, which ThreadSanitizer does not understand.
    std::unique_lock lock(bcrypt_mu_, std::defer_lock);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!lock.try_lock()) {
      if (std::chrono::steady_clock::now() >= deadline) return AuthResult::kBusy;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Unknown users pay the same bcrypt as known ones.
    const bool match = verify_(password, it != users_.end() ? it->second : dummy_);
    ok = match && it != users_.end();
  }
  if (!ok) return AuthResult::kDenied;
  std::lock_guard lock(cache_mu_);
  if (verified_.size() >= kMaxCached) verified_.clear();
  verified_.insert(key);
  return AuthResult::kOk;
}

}  // namespace orderwatch::web
