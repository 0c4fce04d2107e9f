#include "orderwatch/web/http_server.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

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
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "";
  }
}

void send(mg_connection* conn, const HttpResponse& r) {
  const char* auth =
      r.status == 401 ? "WWW-Authenticate: Basic realm=\"orderwatch\", charset=\"UTF-8\"\r\n" : "";
  // Pages carry shop data (order ids, dimension values): no scripts, no framing.
  const char* csp = r.content_type.starts_with("text/html")
                        ? "Content-Security-Policy: default-src 'none'; style-src "
                          "'unsafe-inline'; frame-ancestors 'none'\r\n"
                        : "";
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n%s%s\r\n",
            r.status, reason_phrase(r.status), r.content_type.c_str(), r.body.size(), auth, csp);
  if (std::string_view(mg_get_request_info(conn)->request_method) != "HEAD") {
    mg_write(conn, r.body.data(), r.body.size());
  }
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
  const char* options[] = {
      "listening_ports", ports.c_str(),       "num_threads", nthreads.c_str(), "request_timeout_ms",
      "10000",           "enable_keep_alive", "yes",         nullptr};
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

int HttpServer::dispatch(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req;
  req.method = info->request_method ? info->request_method : "";
  // local_uri_raw: URL-decoded but not "cleaned", so an order id like "a/../b" reaches the
  // handler as sent.
  req.path = info->local_uri_raw ? info->local_uri_raw : (info->local_uri ? info->local_uri : "/");
  req.query = info->query_string ? info->query_string : "";
  HttpResponse resp;
  if (info->content_length > static_cast<long long>(kMaxRequestBody)) {
    send(conn, {413, "text/plain; charset=utf-8", "request body too large\n"});
    return 413;
  }
  char chunk[8192];
  int got;
  while (req.body.size() < kMaxRequestBody && (got = mg_read(conn, chunk, sizeof chunk)) > 0) {
    req.body.append(chunk, static_cast<std::size_t>(got));
  }
  try {
    // Every route, /metrics included, sits behind the same auth (Prometheus convention).
    const AuthResult auth = self->auth_.check(mg_get_header(conn, "Authorization"));
    const HttpHandler* handler = nullptr;
    if (auto it = self->routes_.find(req.path); it != self->routes_.end()) {
      handler = &it->second;
    } else {
      // The longest matching prefix wins.
      for (auto& [prefix, h] : self->prefix_routes_) {
        if (req.path.size() > prefix.size() && req.path.starts_with(prefix)) {
          handler = &h;
          req.rest = req.path.substr(prefix.size());
        }
      }
    }
    if (auth == AuthResult::kDenied) {
      resp = {401, "text/plain; charset=utf-8", "401 unauthorized\n"};
    } else if (auth == AuthResult::kBusy) {
      resp = {503, "text/plain; charset=utf-8", "503 busy checking credentials; retry\n"};
    } else if (handler == nullptr) {
      resp = {404, "text/plain; charset=utf-8", "404 page not found\n"};
    } else if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
      resp = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      resp = (*handler)(req);
    }
  } catch (const std::exception& e) {
    resp = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
  } catch (...) {
    resp = {500, "text/plain; charset=utf-8", "internal error\n"};
  }
  send(conn, resp);
  return static_cast<int>(resp.status);
}

}  // namespace orderwatch::web
