#include "orderwatch/web/web_config.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
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

bool is_bcrypt(const std::string& hash) {
  return hash.size() == 60 &&
         (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

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

// A valid bcrypt hash of a random password: unknown users cost a bcrypt too, so response times
// do not tell which user names exist.
constexpr const char* kDummyHash = "$2b$10$EcTaZUtTzpdVbkbc.Ia0T.auQOyD.btLVGtRF.KR0NG2RZ.SMEh6y";

constexpr std::size_t kMaxCached = 1024;
constexpr std::size_t kMaxHeaderBytes = 4096;

}  // namespace

WebConfig load_web_config(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(path + ": cannot read the web config file");
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  WebConfig web;
  if (root.IsNull()) return web;  // an empty file: no TLS, no auth
  if (!root.IsMap()) fail(path, root, "expected a mapping");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "tls_server_config") {
      if (!v.IsMap()) fail(path, v, "tls_server_config: expected a mapping");
      for (const auto& t : v) {
        const std::string k = t.first.as<std::string>();
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
               p + ": not supported by orderwatch (supported: cert_file, "
                   "key_file, min_version)");
        }
      }
      if (web.cert_file.empty() || web.key_file.empty()) {
        fail(path, v, "tls_server_config: needs both cert_file and key_file");
      }
      for (const auto* f : {&web.cert_file, &web.key_file}) {
        if (::access(f->c_str(), R_OK) != 0) fail(path, v, *f + ": cannot read the file");
      }
    } else if (key == "basic_auth_users") {
      if (v.IsNull()) continue;
      if (!v.IsMap()) fail(path, v, "basic_auth_users: expected a mapping of user: bcrypt-hash");
      for (const auto& u : v) {
        const std::string user = u.first.as<std::string>();
        if (user.empty() || user.find(':') != std::string::npos) {
          fail(path, u.first, "basic_auth_users: user names must be non-empty without ':'");
        }
        const std::string hash = scalar(path, u.second, "basic_auth_users." + user);
        if (!is_bcrypt(hash)) {
          fail(path, u.second,
               "basic_auth_users." + user +
                   ": expected a bcrypt hash ($2y$..., e.g. from `htpasswd -nbB user pass`)");
        }
        web.basic_auth_users[user] = hash;
      }
    } else {
      fail(path, kv.first,
           key +
               ": not supported by orderwatch (supported: tls_server_config, "
               "basic_auth_users)");
    }
  }
  return web;
}

bool bcrypt_verify(std::string_view password, const std::string& hash) {
  if (!is_bcrypt(hash) || password.find('\0') != std::string_view::npos) return false;
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  const std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (out == nullptr || std::string_view(out).size() != hash.size()) return false;
  return CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

AuthResult BasicAuth::check(const char* authorization) {
  if (users_.empty()) return AuthResult::kOk;
  if (authorization == nullptr) return AuthResult::kDenied;
  std::string_view header(authorization);
  if (header.size() > kMaxHeaderBytes || !header.starts_with("Basic ")) return AuthResult::kDenied;
  const std::string key = sha256(header);
  {
    std::lock_guard lock(cache_mu_);
    if (verified_.count(key)) return AuthResult::kOk;
  }
  std::string decoded;
  if (!base64_decode(header.substr(6), decoded)) return AuthResult::kDenied;
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return AuthResult::kDenied;
  const std::string user = decoded.substr(0, colon);
  const std::string_view password = std::string_view(decoded).substr(colon + 1);
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
    const bool match = bcrypt_verify(password, it != users_.end() ? it->second : kDummyHash);
    ok = match && it != users_.end();
  }
  if (!ok) return AuthResult::kDenied;
  std::lock_guard lock(cache_mu_);
  if (verified_.size() >= kMaxCached) verified_.clear();
  verified_.insert(key);
  return AuthResult::kOk;
}

}  // namespace orderwatch::web
