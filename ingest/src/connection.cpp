// NATS connection setup shared by every client of the project: options from the config's
// `nats` section (servers, auth, TLS, reconnects), URL redaction and the words for connection
// failures. Called by NatsSource, NatsPublisher and `orderwatch publish` (cli/cmd_publish.cpp).
#include "orderwatch/ingest/connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "orderwatch/log/log.h"

namespace orderwatch::ingest {

namespace {

bool contains_nocase(std::string_view text, std::string_view word) {
  return std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         }) != text.end();
}

// host and port of "nats://user:pass@host:port" (port 4222 when absent; [v6] brackets removed).
bool host_port(const std::string& url, std::string& host, std::string& port) {
  std::string rest = url;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos) rest.erase(0, scheme + 3);
  if (const auto at = rest.rfind('@'); at != std::string::npos) rest.erase(0, at + 1);
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.erase(slash);
  port = "4222";
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return false;
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  return !host.empty() && !port.empty();
}

std::string errno_text(int err) {
  char buf[128] = {0};
  return ::strerror_r(err, buf, sizeof buf);  // GNU: returns the message
}

// "" when a TCP connection to host:port succeeds within timeout_ms, else why not.
std::string tcp_connect_error(const std::string& host, const std::string& port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return std::string("cannot resolve ") + host + ": " + ::gai_strerror(rc);
  }
  std::string error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int err = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_ms) == 1) {
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      } else {
        err = ETIMEDOUT;
      }
    }
    ::close(fd);
    if (err == 0) {
      error.clear();
      break;
    }
    error = err == ETIMEDOUT ? "no answer within " + std::to_string(timeout_ms) + "ms"
                             : errno_text(err);
  }
  ::freeaddrinfo(found);
  return error;
}

}  // namespace

std::string probe_tcp(const std::string& urls, int timeout_ms) {
  std::string out;
  for (const std::string& url : split_urls(urls)) {
    std::string host;
    std::string port;
    std::string error = host_port(url, host, port) ? tcp_connect_error(host, port, timeout_ms)
                                                   : std::string("cannot parse the URL");
    if (error.empty()) continue;
    out += (out.empty() ? "" : "; ") + redact_url(url) + ": " + error;
  }
  return out;
}

std::string diagnose_connect(const sla::NatsConfig& nats, const std::string& urls) {
  NatsOptionsPtr opts;
  try {
    opts = make_nats_options(nats, urls);
  } catch (const std::exception& e) {
    return e.what();
  }
  natsOptions* raw = opts.get();
  natsOptions_SetTimeout(raw, 1000);
  natsOptions_SetAllowReconnect(raw, false);
  natsConnection* conn = nullptr;
  const natsStatus s = natsConnection_Connect(&conn, raw);
  if (s == NATS_OK) {
    natsConnection_Destroy(conn);
    return "";
  }
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  std::string reason =
      text != nullptr && *text != '\0' ? strip_location(text) : natsStatus_GetText(s);
  if (s == NATS_NO_SERVER) {
    if (std::string tcp = probe_tcp(urls); !tcp.empty()) reason += ": " + tcp;
  }
  return reason;
}

void check_nats(natsStatus s, const std::string& what) {
  if (s != NATS_OK) {
    throw std::runtime_error(what + ": " + natsStatus_GetText(s) + " (" + last_nats_error(s) + ")");
  }
}

std::string last_nats_error(natsStatus fallback) {
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr && *text != '\0' ? strip_location(text) : natsStatus_GetText(fallback);
}

std::string strip_location(std::string_view text) {
  if (!text.empty() && text.front() == '(') {
    if (const auto end = text.find("): "); end != std::string_view::npos)
      text.remove_prefix(end + 3);
  }
  return std::string(text);
}

std::string read_secret(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> split_urls(std::string_view urls) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= urls.size()) {
    std::size_t end = urls.find(',', begin);
    if (end == std::string_view::npos) end = urls.size();
    std::string_view one = urls.substr(begin, end - begin);
    while (!one.empty() && std::isspace(static_cast<unsigned char>(one.front()))) {
      one.remove_prefix(1);
    }
    while (!one.empty() && std::isspace(static_cast<unsigned char>(one.back()))) {
      one.remove_suffix(1);
    }
    if (!one.empty()) out.emplace_back(one);
    begin = end + 1;
  }
  return out;
}

std::string redact_url(const std::string& urls) {
  std::string out;
  for (std::string one : split_urls(urls)) {
    const auto scheme = one.find("://");
    const auto at = one.rfind('@');
    if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
      one = one.substr(0, scheme + 3) + "***@" + one.substr(at + 1);
    }
    out += (out.empty() ? "" : ",") + one;
  }
  return out;
}

std::string explain_connect_failure(std::string_view reason) {
  const char* hint = nullptr;
  if (contains_nocase(reason, "authorization violation")) {
    hint = "wrong nats.user, password_file, token_file or credentials_file?";
  } else if (contains_nocase(reason, "authentication expired")) {
    hint = "the credentials in nats.credentials_file have expired";
  } else if (contains_nocase(reason, "certificate verify failed") ||
             (contains_nocase(reason, "ssl handshake") && contains_nocase(reason, "certificate"))) {
    hint =
        "the server's certificate is not signed by a CA in nats.tls.ca_file, or does not "
        "name the host of the URL";
  } else if (contains_nocase(reason, "secure connection") ||
             contains_nocase(reason, "ssl required") || contains_nocase(reason, "tls required")) {
    hint = "TLS is required on one side only: use tls:// URLs and nats.tls.ca_file, or neither";
  } else if (contains_nocase(reason, "refused")) {
    hint = "nothing listens there: server down or wrong port?";
  } else if (contains_nocase(reason, "timeout") || contains_nocase(reason, "timed out")) {
    hint = "no answer within 2s: server overloaded, firewall or wrong address?";
  } else if (contains_nocase(reason, "no server available")) {
    hint = "no server of nats.url accepted a connection: server down, wrong address or port?";
  }
  std::string out(reason);
  if (hint != nullptr) out += std::string(" (") + hint + ")";
  return out;
}

ConnectFailure classify_connect_failure(natsStatus status, std::string_view text) {
  if (status == NATS_NOT_PERMITTED || status == NATS_CONNECTION_AUTH_FAILED ||
      contains_nocase(text, "authorization violation") ||
      contains_nocase(text, "authentication expired") ||
      contains_nocase(text, "authentication timeout")) {
    return ConnectFailure::kAuth;
  }
  if (status == NATS_SSL_ERROR || status == NATS_SECURE_CONNECTION_REQUIRED ||
      status == NATS_SECURE_CONNECTION_WANTED || contains_nocase(text, "ssl") ||
      contains_nocase(text, "tls") || contains_nocase(text, "certificate")) {
    return ConnectFailure::kTls;
  }
  if (status == NATS_TIMEOUT || contains_nocase(text, "timeout") ||
      contains_nocase(text, "timed out")) {
    return ConnectFailure::kTimeout;
  }
  // The client says "No server available" when no server of the list accepted a TCP connection.
  if (status == NATS_NO_SERVER || contains_nocase(text, "refused")) return ConnectFailure::kRefused;
  return ConnectFailure::kOther;
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      base_(initial_) {}

std::chrono::milliseconds Backoff::next(std::uint64_t random) {
  const std::chrono::milliseconds base = base_;
  base_ = std::min(base_ * 2, max_);
  const auto half = base.count() / 2;
  return std::chrono::milliseconds(
      half +
      static_cast<std::int64_t>(random % static_cast<std::uint64_t>(base.count() - half + 1)));
}

std::chrono::milliseconds reconnect_max_backoff() {
  constexpr std::chrono::milliseconds kMax = std::chrono::minutes(5);
  const char* env = std::getenv("ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS");
  if (env == nullptr || *env == '\0') return kMax;
  char* end = nullptr;
  const long long ms = std::strtoll(env, &end, 10);
  if (*end != '\0' || ms < 1) {
    log::warn("nats", std::string("ignoring ORDERWATCH_NATS_RECONNECT_MAX_BACKOFF_MS=") + env +
                          " (not a number of milliseconds >= 1); the maximum backoff is 5 min");
    return kMax;
  }
  return std::chrono::milliseconds(ms);
}

void ConnectFailureLog::failed(std::int64_t now_ms, std::string_view servers,
                               std::string_view reason,
                               const std::function<std::string()>& detail) {
  if (reason.empty()) return;
  std::uint64_t held_back = 0;
  {
    std::lock_guard lock(mu_);
    const bool same = reason == last_reason_;
    if (same && last_ms_ != 0 && now_ms - last_ms_ < interval_ms_) {
      ++held_back_;
      return;
    }
    held_back = same ? held_back_ : 0;
    held_back_ = 0;
    last_reason_ = reason;
    last_ms_ = now_ms;
  }
  std::string why(reason);
  if (detail) {
    if (std::string more = detail(); !more.empty()) why += ": " + more;
  }
  std::string line = "cannot connect to " + redact_url(std::string(servers)) + ": " +
                     explain_connect_failure(why) + "; retrying";
  if (held_back > 0) {
    line += " (" + std::to_string(held_back) + " more failed attempts since the last line)";
  }
  log::warn("nats", line);
}

void ConnectFailureLog::connected() {
  std::lock_guard lock(mu_);
  last_reason_.clear();
  last_ms_ = 0;
  held_back_ = 0;
}

NatsOptionsPtr make_nats_options(const sla::NatsConfig& n, const std::string& urls) {
  const std::vector<std::string> servers = split_urls(urls);
  if (servers.empty()) throw std::runtime_error("nats url: no server given");
  natsOptions* raw = nullptr;
  check_nats(natsOptions_Create(&raw), "nats options");
  NatsOptionsPtr opts(raw);
  // One entry per server: the client tries them in turn, at start and on every reconnect.
  std::vector<const char*> list;
  for (const std::string& s : servers) list.push_back(s.c_str());
  check_nats(natsOptions_SetServers(raw, list.data(), static_cast<int>(list.size())),
             "nats url " + redact_url(urls));
  natsOptions_SetTimeout(raw, 2000);
  natsOptions_SetMaxReconnect(raw, -1);  // forever
  if (!n.user.empty()) {
    const std::string password =
        n.password_file.empty() ? "" : read_secret(n.password_file, "nats password");
    check_nats(natsOptions_SetUserInfo(raw, n.user.c_str(), password.c_str()), "nats user");
  }
  if (!n.token_file.empty()) {
    check_nats(natsOptions_SetToken(raw, read_secret(n.token_file, "nats token").c_str()),
               "nats token");
  }
  if (!n.credentials_file.empty()) {
    check_nats(natsOptions_SetUserCredentialsFromFiles(raw, n.credentials_file.c_str(), nullptr),
               "nats credentials " + n.credentials_file);
  }
  if (!n.tls_ca_file.empty() || !n.tls_cert_file.empty()) {
    check_nats(natsOptions_SetSecure(raw, true), "nats tls");
    if (!n.tls_ca_file.empty()) {
      check_nats(natsOptions_LoadCATrustedCertificates(raw, n.tls_ca_file.c_str()),
                 "nats tls ca " + n.tls_ca_file);
    }
    if (!n.tls_cert_file.empty()) {
      check_nats(
          natsOptions_LoadCertificatesChain(raw, n.tls_cert_file.c_str(), n.tls_key_file.c_str()),
          "nats tls cert " + n.tls_cert_file);
    }
  }
  return opts;
}

}  // namespace orderwatch::ingest
