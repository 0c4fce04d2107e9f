// HttpServer: a small civetweb-based server with exact-path GET/POST handlers. Handlers run on
// civetweb's worker threads and must be thread-safe; an exception in a handler becomes a 500.
// The server binds at construction (so the real port of ":0" is known at once) and stops in
// the destructor.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

struct mg_context;
struct mg_connection;

namespace orderwatch::exporter {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string query;  // raw query string without '?'
  std::string body;   // request body (POST), at most kMaxRequestBody bytes
};

inline constexpr std::size_t kMaxRequestBody = 1 << 20;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// "127.0.0.1:9464", "[::1]:9464", ":9464" (all interfaces), port 0 = any free port.
// Throws std::invalid_argument with a readable message on a malformed address.
std::string to_civetweb_ports(const std::string& listen);

class HttpServer {
 public:
  // Throws std::runtime_error when the address cannot be bound.
  HttpServer(const std::string& listen, std::map<std::string, HttpHandler> routes, int threads = 4);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  static int dispatch(::mg_connection* conn, void* self);
  std::map<std::string, HttpHandler> routes_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace orderwatch::exporter
