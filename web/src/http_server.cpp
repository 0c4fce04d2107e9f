// HttpServer (http_server.h): civetweb start-up (TLS through the shim, basic auth), the
// dispatch of every request to its route with the per-request limits, and the answer's
// headers. Built by serve (server.cpp) with the routes of web/ and serve/.
#include "orderwatch/web/http_server.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace orderwatch::web {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

// `extra`: more header lines, each ending in "\r\n".
void send(mg_connection* conn, const HttpResponse& r, const std::string& extra) {
  const char* auth =
      r.status == 401 ? "WWW-Authenticate: Basic realm=\"orderwatch\", charset=\"UTF-8\"\r\n" : "";
  // Pages carry shop data (order ids, dimension values): no scripts, no framing.
  const char* csp = r.content_type.starts_with("text/html")
                        ? "Content-Security-Policy: default-src 'none'; style-src "
                          "'unsafe-inline'; frame-ancestors 'none'\r\n"
                        : "";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s%s\r\n",
            r.status, reason_phrase(r.status), r.content_type.c_str(), r.body.size(), auth, csp,
            extra.c_str());
  if (std::string_view(mg_get_request_info(conn)->request_method) != "HEAD") {
    mg_write(conn, r.body.data(), r.body.size());
  }
}

HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

bool has_token(const char* header, std::string_view token) {
  if (header == nullptr) return false;
  std::string lower(header);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(token) != std::string::npos;
}

// Reads the body of a POST/PUT into req.body within kBodyTimeoutMs of `start`. Returns 0 when
// the whole body was read, else the status to answer (408 too slow, 413 too large, 400
// broken). civetweb's mg_read(n) returns only once n bytes came (or the client paused for
// request_timeout_ms), so a trickle would hold a large read for as long as it likes: the body
// is read a byte per call, which returns as each byte arrives (buffered bytes are a copy;
// socket bytes a poll and a recv each, ~1 s per MiB at most).
static_assert(kBodyTimeoutMs <= kHeaderTimeoutMs, "a read timeout must end past the deadline");
int read_body(mg_connection* conn, const mg_request_info* info,
              std::chrono::steady_clock::time_point start, HttpRequest& req) {
  if (info->content_length > static_cast<long long>(kMaxRequestBody)) return 413;
  if (info->content_length > 0) req.body.reserve(static_cast<std::size_t>(info->content_length));
  const auto deadline = start + std::chrono::milliseconds(kBodyTimeoutMs);
  char c;
  while (true) {
    // A byte arrives at most request_timeout_ms after the one before (civetweb's own bound),
    // so the deadline is overshot by at most that.
    if (std::chrono::steady_clock::now() >= deadline) return 408;
    const int got = mg_read(conn, &c, 1);
    if (got == 0) {
      // The whole body (Content-Length reached, the last chunk), or civetweb's read timeout:
      // that waits request_timeout_ms (kHeaderTimeoutMs), so it ends past the deadline.
      if (std::chrono::steady_clock::now() >= deadline) return 408;
      break;
    }
    if (got < 0) return 400;
    if (req.body.size() == kMaxRequestBody) return 413;
    req.body += c;
  }
  if (info->content_length >= 0 &&
      req.body.size() != static_cast<std::size_t>(info->content_length)) {
    return 400;  // the client closed before sending what it declared
  }
  return 0;
}

std::mutex g_init_mu;  // mg_init_library is not thread-safe

std::string openssl_error() {
  char buf[256] = {0};
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// Makes sure the libssl civetweb is about to dlopen has every function it calls; loads the
// shim of tls_compat.cpp when the system's does not (OpenSSL 3). Throws when TLS cannot work.
// Call with g_init_mu held, before civetweb's TLS initialisation.
void prepare_civetweb_tls() {
  static bool done = false;
  if (done) return;
  // Try the shim first: once a library with SONAME libssl.so is loaded, civetweb's
  // dlopen("libssl.so") returns it. Next to the executable for an installed binary, else the
  // build tree's copy.
  std::string exe(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  exe.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  const std::string beside = exe.substr(0, exe.rfind('/') + 1) + "liborderwatch_tls_compat.so";
  const std::string installed =  // <prefix>/bin/orderwatch -> <prefix>/<libdir>/orderwatch/
      exe.substr(0, exe.rfind('/') + 1) + ORDERWATCH_TLS_COMPAT_INSTALLED;
  for (const std::string& path : {beside, installed, std::string(ORDERWATCH_TLS_COMPAT)}) {
    if (::access(path.c_str(), R_OK) == 0 && ::dlopen(path.c_str(), RTLD_NOW) != nullptr) break;
  }
  // What civetweb will get, and whether it has what civetweb calls on every connection.
  void* ssl = ::dlopen("libssl.so", RTLD_NOW);
  if (ssl == nullptr) {
    throw std::runtime_error(std::string("TLS: cannot load libssl.so (install libssl-dev): ") +
                             ::dlerror());
  }
  if (::dlsym(ssl, "SSL_get_peer_certificate") == nullptr) {
    throw std::runtime_error(
        "TLS: this civetweb calls SSL_get_peer_certificate, which OpenSSL 3's libssl.so lacks, "
        "and the compatibility library liborderwatch_tls_compat.so was not found next to the "
        "orderwatch binary");
  }
  done = true;
}

}  // namespace

std::string to_civetweb_ports(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("--listen \"" + listen +
                                "\": expected HOST:PORT, e.g. 127.0.0.1:9464");
  }
  const std::string host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    throw std::invalid_argument("--listen \"" + listen + "\": \"" + port + "\" is not a port");
  }
  if (host.empty() || host == "0.0.0.0") return port;
  if (host.front() == '[' && host.back() == ']') {  // IPv6 literal
    if (mg_check_feature(8) == 0) {
      throw std::invalid_argument("--listen \"" + listen +
                                  "\": this civetweb build has no IPv6 support; listen on an "
                                  "IPv4 address (e.g. 127.0.0.1:9464) or \":9464\"");
    }
    return host + ":" + port;
  }
  if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("--listen \"" + listen + "\": write IPv6 addresses as [::1]:9464");
  }
  return host + ":" + port;
}

HttpServer::HttpServer(const std::string& listen, std::map<std::string, HttpHandler> routes,
                       const WebConfig& web, int threads)
    : web_(web), auth_(web.basic_auth_users) {
  for (auto& [path, handler] : routes) {
    if (path.size() > 1 && path.ends_with("/*")) {
      prefix_routes_.emplace(path.substr(0, path.size() - 1), std::move(handler));
    } else {
      routes_.emplace(path, std::move(handler));
    }
  }
  if (web_.tls() && mg_check_feature(2) == 0) {
    throw std::runtime_error(
        "TLS was asked for (tls_server_config) but this civetweb build has no TLS support");
  }
  {
    std::lock_guard lock(g_init_mu);
    // Feature 2 = TLS: civetweb loads OpenSSL (libssl.so, libcrypto.so) on demand.
    if (web_.tls()) prepare_civetweb_tls();
    mg_init_library(web_.tls() ? 2 : 0);
  }
  std::string ports = to_civetweb_ports(listen);
  if (web_.tls()) ports += "s";
  const std::string nthreads = std::to_string(threads);
  const std::string header_timeout = std::to_string(kHeaderTimeoutMs);
  const std::string idle_timeout = std::to_string(kKeepAliveIdleMs);
  const std::string head_bytes = std::to_string(kMaxRequestHeadBytes);
  // request_timeout_ms: civetweb measures it from the start of each request's head (a
  // deadline, not an idle timer); it also bounds each single read and write. decode_url: no,
  // so paths arrive as sent (see the header).
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           nthreads.c_str(),
                           "request_timeout_ms",
                           header_timeout.c_str(),
                           "keep_alive_timeout_ms",
                           idle_timeout.c_str(),
                           "max_request_size",
                           head_bytes.c_str(),
                           "enable_keep_alive",
                           "yes",
                           "decode_url",
                           "no",
                           nullptr};
  mg_callbacks callbacks{};
  if (web_.tls()) callbacks.init_ssl = &HttpServer::init_tls;
  char error_text[256] = {0};
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = options;
  unsigned error_code = 0;
  mg_error_data error{};
  error.code = &error_code;
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  ctx_ = mg_start2(&init, &error);
  if (ctx_ == nullptr) {
    if (!tls_error_.empty()) throw std::runtime_error(tls_error_);
    throw std::runtime_error("cannot listen on " + listen + ": " +
                             (error_text[0] ? error_text : "unknown error"));
  }
  mg_set_request_handler(ctx_, "/", &HttpServer::dispatch, this);
  mg_server_port server_ports[4];
  const int n = mg_get_server_ports(ctx_, 4, server_ports);
  if (n > 0) port_ = server_ports[0].port;
}

int HttpServer::init_tls(void* ssl_ctx, void* self_ptr) {
  // Certificate and key come from two files (exporter-toolkit style); civetweb's own option
  // wants both in one PEM, so the context is set up here and civetweb told so (return 1).
  auto* self = static_cast<HttpServer*>(self_ptr);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  const WebConfig& web = self->web_;
  if (SSL_CTX_use_certificate_chain_file(ctx, web.cert_file.c_str()) != 1) {
    self->tls_error_ = "TLS certificate " + web.cert_file + ": " + openssl_error();
    return -1;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, web.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    self->tls_error_ = "TLS key " + web.key_file +
                       ": cannot load it or it does not match the "
                       "certificate " +
                       web.cert_file + ": " + openssl_error();
    return -1;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    self->tls_error_ = "TLS key " + web.key_file + " does not match the certificate " +
                       web.cert_file + ": " + openssl_error();
    return -1;
  }
  const int min = web.min_tls_version == "TLS13" ? TLS1_3_VERSION : TLS1_2_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1) {
    self->tls_error_ = "TLS: cannot set the minimum version: " + openssl_error();
    return -1;
  }
  return 1;
}

HttpServer::~HttpServer() {
  if (ctx_ != nullptr) mg_stop(ctx_);
}

const HttpHandler* HttpServer::find_route(HttpRequest& req) const {
  if (auto it = routes_.find(req.path); it != routes_.end()) return &it->second;
  const HttpHandler* handler = nullptr;
  // The longest matching prefix wins (the map is ordered, so the last match is the longest).
  for (auto& [prefix, h] : prefix_routes_) {
    if (req.path.size() > prefix.size() && req.path.starts_with(prefix)) {
      handler = &h;
      req.rest = req.path.substr(prefix.size());
    }
  }
  return handler;
}

int HttpServer::dispatch(mg_connection* conn, void* self_ptr) {
  const auto start = std::chrono::steady_clock::now();  // the head is in: the body's turn
  auto* self = static_cast<HttpServer*>(self_ptr);
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req;
  req.method = info->request_method ? info->request_method : "";
  // With decode_url off, local_uri_raw is the path exactly as sent.
  req.path = info->local_uri_raw ? info->local_uri_raw : (info->local_uri ? info->local_uri : "/");
  req.query = info->query_string ? info->query_string : "";
  const auto header = [conn](const char* name) {
    const char* v = mg_get_header(conn, name);
    return std::string(v ? v : "");
  };
  req.host = header("Host");
  req.origin = header("Origin");
  req.sec_fetch_site = header("Sec-Fetch-Site");
  req.content_type = header("Content-Type");
  const bool has_body =
      info->content_length > 0 || has_token(mg_get_header(conn, "Transfer-Encoding"), "chunked");
  const bool takes_body = req.method == "POST" || req.method == "PUT";
  bool body_read = false;
  std::string extra;
  HttpResponse resp;
  try {
    // Every route, /metrics included, sits behind the same auth (Prometheus convention), and
    // nothing of a body is read before the credentials pass.
    const AuthResult auth = self->auth_.check(mg_get_header(conn, "Authorization"));
    const HttpHandler* handler = self->find_route(req);
    int body_status = 0;
    if (auth == AuthResult::kDenied) {
      resp = text(401, "401 unauthorized\n");
    } else if (auth == AuthResult::kBusy) {
      resp = text(503, "503 busy checking credentials; retry\n");
      extra += "Retry-After: 1\r\n";
    } else if (handler == nullptr) {
      resp = text(404, "404 page not found\n");
    } else if (req.method != "GET" && req.method != "HEAD" && !takes_body) {
      resp = text(405, "method not allowed\n");
      extra += "Allow: GET, HEAD, POST, PUT\r\n";
    } else if (has_body && takes_body && (body_status = read_body(conn, info, start, req)) != 0) {
      resp = text(body_status, body_status == 408   ? "request body too slow\n"
                               : body_status == 413 ? "request body too large\n"
                                                    : "malformed request body\n");
    } else {
      body_read = has_body && takes_body;
      if (self->auth_.enabled()) {
        std::string password;
        parse_basic_authorization(header("Authorization"), req.user, password);
      }
      resp = (*handler)(req);
    }
  } catch (const std::exception& e) {
    resp = text(500, std::string("internal error: ") + e.what() + "\n");
  } catch (...) {
    resp = text(500, "internal error\n");
  }
  // A body left unread: close the connection after the answer. Otherwise civetweb would read
  // the rest to discard it, for as long as a client keeps trickling it.
  if (has_body && !body_read) {
    mg_disable_connection_keep_alive(conn);
    extra += "Connection: close\r\n";
  }
  send(conn, resp, extra);
  return resp.status;
}

}  // namespace orderwatch::web
