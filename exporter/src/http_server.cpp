#include "orderwatch/exporter/http_server.h"

#include <civetweb.h>

#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace orderwatch::exporter {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
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
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
            r.status, reason_phrase(r.status), r.content_type.c_str(), r.body.size());
  if (std::string_view(mg_get_request_info(conn)->request_method) != "HEAD") {
    mg_write(conn, r.body.data(), r.body.size());
  }
}

std::once_flag g_init;

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
                       int threads)
    : routes_(std::move(routes)) {
  std::call_once(g_init, [] { mg_init_library(0); });
  const std::string ports = to_civetweb_ports(listen);
  const std::string nthreads = std::to_string(threads);
  const char* options[] = {
      "listening_ports", ports.c_str(),       "num_threads", nthreads.c_str(), "request_timeout_ms",
      "10000",           "enable_keep_alive", "yes",         nullptr};
  mg_callbacks callbacks{};
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
    throw std::runtime_error("cannot listen on " + listen + ": " +
                             (error_text[0] ? error_text : "unknown error"));
  }
  mg_set_request_handler(ctx_, "/", &HttpServer::dispatch, this);
  mg_server_port server_ports[4];
  const int n = mg_get_server_ports(ctx_, 4, server_ports);
  if (n > 0) port_ = server_ports[0].port;
}

HttpServer::~HttpServer() {
  if (ctx_ != nullptr) mg_stop(ctx_);
}

int HttpServer::dispatch(mg_connection* conn, void* self_ptr) {
  auto* self = static_cast<HttpServer*>(self_ptr);
  const mg_request_info* info = mg_get_request_info(conn);
  HttpRequest req;
  req.method = info->request_method ? info->request_method : "";
  req.path = info->local_uri ? info->local_uri : "/";
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
    auto it = self->routes_.find(req.path);
    if (it == self->routes_.end()) {
      resp = {404, "text/plain; charset=utf-8", "404 page not found\n"};
    } else if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
      resp = {405, "text/plain; charset=utf-8", "method not allowed\n"};
    } else {
      resp = it->second(req);
    }
  } catch (const std::exception& e) {
    resp = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
  } catch (...) {
    resp = {500, "text/plain; charset=utf-8", "internal error\n"};
  }
  send(conn, resp);
  return static_cast<int>(resp.status);
}

}  // namespace orderwatch::exporter
