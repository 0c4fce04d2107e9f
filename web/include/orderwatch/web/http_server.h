// HttpServer: a civetweb server with exact-path and prefix routes ("/api/v1/orders/*": the rest
// of the path goes to the handler), behind TLS and/or basic auth when a WebConfig says so.
// Owns its routes and civetweb context: binds at construction (so the real port of ":0" is
// known at once) and stops in the destructor. Handlers run on civetweb's worker threads
// (kWorkers) and must be thread-safe; an exception in a handler becomes a 500. Per request: a
// head of at most kMaxRequestHeadBytes within kHeaderTimeoutMs, a body of at most
// kMaxRequestBody within kBodyTimeoutMs; paths reach handlers as sent (percent-encoded).
// Design (the limits against hostile clients): docs/design.md, web and serve.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "orderwatch/web/web_config.h"

struct mg_context;
struct mg_connection;

namespace orderwatch::web {

struct HttpRequest {
  std::string method;
  std::string path;   // as sent, percent-encoded
  std::string query;  // raw query string without '?'
  std::string rest;   // prefix routes: the path after the prefix, as sent (percent-encoded)
  std::string body;   // request body (POST, PUT), at most kMaxRequestBody bytes
  // Set by the server for the actions (web/actions.h): the authenticated basic-auth user ("" =
  // no auth configured) and the headers that tell a cross-site request.
  std::string user{};
  std::string host{};
  std::string origin{};
  std::string sec_fetch_site{};
  std::string content_type{};
};

inline constexpr std::size_t kMaxRequestBody = 1 << 20;
inline constexpr std::size_t kMaxRequestHeadBytes = 32 * 1024;
inline constexpr int kHeaderTimeoutMs = 5000;
inline constexpr int kBodyTimeoutMs = 5000;
inline constexpr int kKeepAliveIdleMs = 2000;
inline constexpr int kWorkers = 128;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Path -> handler; a key ending in "*" matches every path with that prefix.
using Routes = std::map<std::string, HttpHandler>;

// Text helpers the handlers share (http_text.cpp). Pure functions; thread-safe.
// Decodes %XX, and '+' as a space when plus_is_space (query strings, form bodies); false on a
// malformed escape ('%' not followed by two hex digits).
bool url_decode(std::string_view in, std::string& out, bool plus_is_space);
// The next "key=value" pair of a query string or form body (up to the next '&', still
// encoded), taken off the front of `rest`.
std::string_view next_pair(std::string_view& rest);
// Percent-encodes every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~).
std::string url_encode(std::string_view in);
// A short HTML answer: `text` (&, < and > escaped) and a link back to `back_href` reading
// `back_text` (both markup, not escaped), under the page title `title`.
HttpResponse message_page(int status, std::string_view title, std::string_view text,
                          std::string_view back_href, std::string_view back_text);

// "127.0.0.1:9464", "[::1]:9464", ":9464" (all interfaces), port 0 = any free port.
// Throws std::invalid_argument with a readable message on a malformed address.
std::string to_civetweb_ports(const std::string& listen);

class HttpServer {
 public:
  // Throws std::runtime_error when the address cannot be bound, or TLS is asked for and cannot
  // be set up (civetweb without TLS, unreadable or mismatched certificate and key).
  HttpServer(const std::string& listen, std::map<std::string, HttpHandler> routes,
             const WebConfig& web = {}, int threads = kWorkers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  bool tls() const { return web_.tls(); }

 private:
  static int dispatch(::mg_connection* conn, void* self);
  static int init_tls(void* ssl_ctx, void* self);
  // The handler for `req.path` (setting req.rest for prefix routes), or nullptr.
  const HttpHandler* find_route(HttpRequest& req) const;
  std::map<std::string, HttpHandler> routes_;
  std::map<std::string, HttpHandler> prefix_routes_;  // key: the prefix, without '*'
  WebConfig web_;
  BasicAuth auth_;
  std::string tls_error_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
};

}  // namespace orderwatch::web
