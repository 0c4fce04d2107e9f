// Hostile clients and producers at the edges, against the real binary and a real nats-server:
// slow HTTP clients on raw sockets (a head or a declared 1 MiB body trickled a byte at a time,
// no credentials) while /metrics, /healthz and /readyz must keep answering; wrong-password
// floods against real bcrypt hashes (libcrypt) while a cached scrape must not wait; user-name
// timing; methods, escapes and parameters at the edge of the API; producers sending huge ids,
// huge dimension values and non-times; reloads that change nats settings; secret files that
// do not exist. Each exporter is started and stopped by pid; network only to 127.0.0.1.
#include <arpa/inet.h>
#include <crypt.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "harness.h"
#include "nats_publisher.h"

namespace orderwatch::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::int64_t kMin = 60'000;

const char* kConfig = R"(service: hostile
nats: {subject: "orders.status.>"}
event:
  dimensions: [{field: region, max_values: 5}]
statuses:
  - {name: Placed, sla: 10m}
  - {name: Authorized, sla: 1h}
  - {name: Delivered, terminal: true}
)";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

struct RawAnswer {
  int status = 0;    // 0: no HTTP answer
  std::string head;  // status line and headers
  std::string body;
  bool closed = false;  // the server closed the connection after answering
  double seconds = 0;   // from connect to the end of the answer
};

// Sends `request` as is and reads the answer (Content-Length bytes of body), then whether the
// server closes the connection within `close_within`.
RawAnswer raw_request(int port, const std::string& request,
                      milliseconds close_within = milliseconds(0)) {
  RawAnswer a;
  const auto start = Clock::now();
  const int fd = connect_to(port);
  if (fd < 0) return a;
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[65536];
  std::size_t want = std::string::npos;
  while (raw.size() < want) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      a.closed = n == 0;
      break;
    }
    raw.append(buf, static_cast<std::size_t>(n));
    const auto end = raw.find("\r\n\r\n");
    if (end != std::string::npos && want == std::string::npos) {
      std::smatch m;
      const std::string head = raw.substr(0, end);
      static const std::regex length(R"(\r\nContent-Length: (\d+))", std::regex::icase);
      want = std::regex_search(head, m, length) ? end + 4 + std::stoul(m[1]) : raw.size();
    }
  }
  a.seconds = seconds_since(start);
  if (!a.closed && close_within.count() > 0) {
    timeval tv{0, static_cast<suseconds_t>(close_within.count() * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    a.closed = ::recv(fd, buf, sizeof buf, 0) == 0;
  }
  ::close(fd);
  const auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return a;
  a.status = std::atoi(raw.c_str() + 9);
  a.head = raw.substr(0, end);
  a.body = raw.substr(end + 4);
  return a;
}

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string get(const std::string& path, const std::string& credentials = "",
                const std::string& scheme = "Basic") {
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!credentials.empty()) r += "Authorization: " + scheme + " " + base64(credentials) + "\r\n";
  return r + "\r\n";
}

std::string bcrypt(const std::string& password, int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(
      crypt_gensalt_rn("$2y$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt),
      nullptr);
  crypt_data data{};
  const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
  EXPECT_NE(hash, nullptr);
  return hash ? hash : "";
}

// Connections that hold the exporter's workers the cheapest way: the head, or a declared
// 1 MiB body, trickled a byte every `every` by one thread. Records when the server cut each.
class SlowClients {
 public:
  SlowClients(int port, int heads, int bodies, milliseconds every) {
    const std::string head = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    const std::string body_head =
        "POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n";
    for (int i = 0; i < heads + bodies; ++i) {
      Conn c;
      c.fd = connect_to(port);
      c.body = i >= heads;
      c.opened = Clock::now();
      if (c.fd >= 0) {
        const std::string& first = c.body ? body_head : head;
        ::send(c.fd, first.data(), first.size(), MSG_NOSIGNAL);
      }
      conns_.push_back(c);
    }
    thread_ = std::thread([this, every] {
      while (!stop_) {
        int open = 0;
        for (auto& c : conns_) {
          if (c.fd < 0 || c.closed) continue;
          char buf[4096];
          const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
          if (n > 0) {
            if (c.answer.empty()) c.answer.assign(buf, static_cast<std::size_t>(n));
          } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            c.closed = true;
            c.closed_after = seconds_since(c.opened);
            continue;
          }
          ::send(c.fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
          ++open;
        }
        open_ = open;
        std::this_thread::sleep_for(every);
      }
    });
  }
  ~SlowClients() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
  }
  int open() const { return open_; }
  struct Conn {
    int fd = -1;
    bool body = false;
    Clock::time_point opened;
    bool closed = false;
    double closed_after = 0;
    std::string answer;  // the first bytes the server sent, if any
  };
  // Only once open() is 0 (the thread no longer touches them).
  const std::vector<Conn>& conns() const { return conns_; }

 private:
  std::vector<Conn> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{-1};
  std::thread thread_;
};

class HostileHttp : public ::testing::Test {
 protected:
  HostileHttp() : nats_(dir_) {}

  void start(const std::vector<std::string>& extra = {}, const std::string& config = kConfig) {
    config_ = dir_.write("sla.yaml", config);
    exporter_.emplace(config_, nats_.url(),
                      dir_.path() + "/orderwatch-" + std::to_string(starts_++) + ".log", extra);
    ASSERT_TRUE(exporter_->wait_for_port(seconds(10))) << exporter_->log();
    port_ = exporter_->port();
  }
  void stop() { EXPECT_EQ(exporter_->process().stop(), 0) << exporter_->log(); }

  std::map<std::string, double> scrape_until(const std::string& series, double value) {
    return exporter_->scrape_when(series, value, seconds(15));
  }

  TempDir dir_;
  NatsServer nats_;
  std::optional<ExporterProcess> exporter_;
  std::string config_;
  int port_ = 0;
  int starts_ = 0;
};

TEST_F(HostileHttp, SlowClientsDoNotStarveScrapesAndAreCutPerRequest) {
  start();
  ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
  // 32 heads and 32 declared bodies, a byte every 200 ms each, no credentials.
  SlowClients slow(port_, 32, 32, milliseconds(200));
  // Let every one of them reach a worker and trickle a while: how long the server has been
  // reading them is the scenario, and which worker holds which is not observable from here.
  std::this_thread::sleep_for(milliseconds(500));
  ASSERT_EQ(slow.open(), 64);
  double worst = 0;
  const auto until = Clock::now() + seconds(3);
  while (Clock::now() < until) {
    for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
      const auto t = Clock::now();
      const HttpResult r = http_get(port_, path);
      worst = std::max(worst, seconds_since(t));
      EXPECT_EQ(r.status, 200) << path << " while 64 slow clients hold connections";
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  std::printf("slowest of /metrics, /healthz, /readyz with 64 slow clients: %.3f s\n", worst);
  EXPECT_LT(worst, 2.0);
  // The deadlines are per request (5 s for the head, 5 s for the body), not per read: every
  // trickler is cut although it never stopped sending.
  ASSERT_TRUE(wait_until([&] { return slow.open() == 0; }, seconds(10)))
      << slow.open() << " slow connections still open after 10 s";
  for (const auto& c : slow.conns()) {
    EXPECT_GE(c.closed_after, 4.5) << (c.body ? "body" : "head");
    EXPECT_LT(c.closed_after, 8.0) << (c.body ? "body" : "head");
    if (c.body) {
      EXPECT_EQ(c.answer.rfind("HTTP/1.1 408 ", 0), 0u) << c.answer;
    }
  }
  EXPECT_TRUE(exporter_->process().running());
  stop();
}

TEST_F(HostileHttp, CredentialsAreCheckedBeforeAnyBodyIsRead) {
  const std::string web =
      dir_.write("web.yml", "basic_auth_users:\n  alice: " + bcrypt("right", 4) + "\n");
  start({"--web.config.file", web});
  const std::string declared =
      "Host: 127.0.0.1\r\nContent-Length: 1048576\r\nContent-Type: application/json\r\n";
  // Nothing of the declared 1 MiB is sent: a server reading the body first would wait.
  for (const std::string& auth :
       {std::string(), "Authorization: Basic " + base64("alice:no") + "\r\n"}) {
    const RawAnswer a =
        raw_request(port_, "POST /-/reload HTTP/1.1\r\n" + declared + auth + "\r\n", seconds(2));
    EXPECT_EQ(a.status, 401) << a.head;
    EXPECT_LT(a.seconds, 1.0);
    EXPECT_NE(a.head.find("Connection: close"), std::string::npos) << a.head;
    EXPECT_TRUE(a.closed) << "the unread body must not be drained";
  }
  // A GET that declares a body is answered and closed, not drained either.
  const RawAnswer g = raw_request(port_,
                                  "GET /healthz HTTP/1.1\r\n" + declared + "Authorization: Basic " +
                                      base64("alice:right") + "\r\n\r\n",
                                  seconds(2));
  EXPECT_EQ(g.status, 200) << g.head;
  EXPECT_EQ(g.body, "ok\n");
  EXPECT_TRUE(g.closed);
  // The scheme is case-insensitive (RFC 7617).
  EXPECT_EQ(raw_request(port_, get("/healthz", "alice:right", "basic")).status, 200);
  EXPECT_EQ(raw_request(port_, get("/healthz", "alice:right", "BASIC")).status, 200);
  stop();
}

TEST_F(HostileHttp, AWrongPasswordFloodDoesNotDelayACachedScrape) {
  const std::string web =
      dir_.write("web.yml", "basic_auth_users:\n  alice: " + bcrypt("right", 10) + "\n");
  start({"--web.config.file", web});
  ASSERT_TRUE(
      wait_until([&] { return raw_request(port_, get("/metrics", "alice:right")).status == 200; },
                 seconds(10)))
      << exporter_->log();  // verified once: cached from now on
  std::atomic<bool> stop_flood{false};
  std::atomic<int> denied{0}, busy{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 32; ++i) {
    flood.emplace_back([&, i] {
      while (!stop_flood) {
        const int s = raw_request(port_, get("/metrics", i % 2 ? "alice:wrong" + std::to_string(i)
                                                               : "mallory:x"))
                          .status;
        if (s == 401) ++denied;
        if (s == 503) {
          ++busy;
          std::this_thread::sleep_for(milliseconds(20));  // as a retrying client would
        }
      }
    });
  }
  // The flood is under way once the lane has denied some and turned others away.
  EXPECT_TRUE(wait_until([&] { return denied > 0 && busy > 0; }, seconds(10)))
      << denied.load() << " denied, " << busy.load() << " busy";
  double worst = 0;
  const auto until = Clock::now() + seconds(3);
  while (Clock::now() < until) {
    const RawAnswer a = raw_request(port_, get("/metrics", "alice:right"));
    EXPECT_EQ(a.status, 200);
    worst = std::max(worst, a.seconds);
    std::this_thread::sleep_for(milliseconds(100));
  }
  stop_flood = true;
  for (auto& t : flood) t.join();
  std::printf(
      "slowest cached scrape during a 32-thread wrong-password flood: %.3f s "
      "(%d denied, %d busy)\n",
      worst, denied.load(), busy.load());
  EXPECT_LT(worst, 1.0);
  EXPECT_GT(denied.load(), 0);  // the lane kept checking passwords
  EXPECT_GT(busy.load(), 0);    // and turned the rest away at once
  stop();
}

TEST_F(HostileHttp, UnknownUsersTakeAsLongAsKnownOnesAndCostsAreCapped) {
  const std::string web =
      dir_.write("web.yml", "basic_auth_users:\n  alice: " + bcrypt("right", 8) + "\n");
  start({"--web.config.file", web});
  ASSERT_TRUE(
      wait_until([&] { return raw_request(port_, get("/healthz", "alice:right")).status == 200; },
                 seconds(10)));
  std::vector<double> known, unknown;
  for (int i = 0; i < 15; ++i) {
    const RawAnswer k = raw_request(port_, get("/healthz", "alice:wrong" + std::to_string(i)));
    const RawAnswer u = raw_request(port_, get("/healthz", "nobody" + std::to_string(i) + ":x"));
    ASSERT_EQ(k.status, 401);
    ASSERT_EQ(u.status, 401);
    known.push_back(k.seconds);
    unknown.push_back(u.seconds);
  }
  std::sort(known.begin(), known.end());
  std::sort(unknown.begin(), unknown.end());
  const double ratio = unknown[7] / known[7];
  std::printf("median 401: known user %.1f ms, unknown user %.1f ms\n", known[7] * 1000,
              unknown[7] * 1000);
  EXPECT_GT(ratio, 0.5);
  EXPECT_LT(ratio, 2.0);
  stop();

  // A cost that would hold the lane for hours is refused at start, with its location.
  const std::string costly = dir_.write(
      "costly.yml", "basic_auth_users:\n  alice: \"$2y$15$" + std::string(53, 'a') + "\"\n");
  const auto r = run("timeout 20 " + shell_quote(orderwatch_bin()) + " serve --config " +
                     shell_quote(config_) + " --nats-url " + shell_quote(nats_.url()) +
                     " --listen 127.0.0.1:0 --web.config.file " + shell_quote(costly));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(costly + ":2:10: basic_auth_users.alice: bcrypt cost 15 is above 14"),
            std::string::npos)
      << r.output;
}

TEST_F(HostileHttp, MethodsEscapesAndParametersAreAnsweredAsDocumented) {
  start();
  ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
  // PUT reaches the reload handler (disabled here: 403, as for POST); other methods are 405.
  EXPECT_EQ(http_request(port_, "PUT", "/-/reload").status, 403);
  EXPECT_EQ(http_request(port_, "POST", "/-/reload").status, 403);
  const RawAnswer del = raw_request(port_, "DELETE /-/reload HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(del.status, 405);
  EXPECT_NE(del.head.find("Allow: GET, HEAD, POST, PUT"), std::string::npos) << del.head;
  struct Case {
    const char* path;
    int status;
    const char* error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"/api/v1/orders/%zz", 400, "malformed percent-encoding in the order id"},
           {"/api/v1/orders/a%00b", 400, "order id contains a NUL byte (%00)"},
           {"/api/v1/orders/a%2", 400, "malformed percent-encoding in the order id"},
           {"/api/v1/orders/nope", 404, "order not tracked (unknown, finished or evicted)"},
           {"/api/v1/orders/nope?x=1", 400,
            "unknown parameter \"x\" (this endpoint takes no parameters)"},
           {"/api/v1/summary?x=1", 400,
            "unknown parameter \"x\" (this endpoint takes no parameters)"},
           {"/api/v1/overdue?x=1", 400,
            "unknown parameter \"x\" (expected status, milestone, severity, limit, cursor)"},
           {"/api/v1/overdue?status=", 400, "status is empty (leave the parameter out instead)"},
           {"/api/v1/overdue?limit=2&limit=1000", 400, "limit given more than once"},
       }) {
    const HttpResult r = http_get(port_, c.path);
    EXPECT_EQ(r.status, c.status) << c.path;
    EXPECT_NE(r.body.find(std::string("{\"error\":\"") +
                          std::regex_replace(c.error, std::regex("\""), "\\\"") + "\"}"),
              std::string::npos)
        << c.path << ": " << r.body;
  }
  EXPECT_EQ(http_get(port_, "/?utm_source=x").status, 400);
  EXPECT_EQ(http_get(port_, "/?status=").status, 400);
  EXPECT_EQ(http_get(port_, "/?status=Placed").status, 200);
  stop();

  start({"--web.enable-lifecycle"});
  ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
  const HttpResult put = http_request(port_, "PUT", "/-/reload");
  EXPECT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body.rfind("PUT /-/reload: reloaded " + config_, 0), 0u) << put.body;
  stop();
}

TEST_F(HostileHttp, HostileProducersAreBoundedAndCountedByReason) {
  // The producer sends its events and goes quiet: a second later W follows the wall clock.
  std::string config = kConfig;
  config.replace(config.find("event:\n"), 7, "event:\n  idle_timeout: 1s\n");
  start({}, config);
  ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
  // Every reason is exported with 0 before any event.
  auto m = exporter_->scrape();
  EXPECT_EQ(m.at("order_events_rejected_total{reason=\"id_too_long\"}"), 0);
  EXPECT_EQ(m.at("order_events_rejected_total{reason=\"bad_time\"}"), 0);
  const std::size_t quiet_bytes = http_get(port_, "/metrics").body.size();
  const std::int64_t t = unix_now_ms() - 30 * kMin;
  const std::string longest(1024, 'k');
  {
    NatsPublisher pub(nats_.url());
    pub.event(std::string(1025, 'L'), "Placed", t);
    pub.event(std::string(64 * 1024, 'L'), "Placed", t);  // over max_payload_bytes: too_large
    pub.event(longest, "Placed", t);
    for (int i = 0; i < 60; ++i) {
      pub.event("big-dim-" + std::to_string(i), "Placed", t,
                std::string(20000, 'r') + char('a' + i % 26));
    }
    pub.send(R"({"orderId":"t1","status":"Placed","timestamp":true})");
    pub.send(R"({"orderId":"t2","status":"Placed","timestamp":0})");
    pub.send(R"({"orderId":"t3","status":"Placed","timestamp":"1999-05-01T12:00:00Z"})");
    pub.flush();
  }
  m = scrape_until("order_events_rejected_total{reason=\"bad_time\"}", 3);
  // Past their SLA on arrival: overdue (and on the page) once the quiet producer lets W follow
  // the wall clock (event.idle_timeout: 1s).
  m = scrape_until("order_overdue{status=\"Placed\",severity=\"warning\",region=\"other\"}", 60);
  EXPECT_EQ(m["order_events_rejected_total{reason=\"id_too_long\"}"], 1);
  EXPECT_EQ(m["order_events_rejected_total{reason=\"too_large\"}"], 1);
  EXPECT_EQ(m["order_events_rejected_total{reason=\"missing_field\"}"], 0);
  EXPECT_EQ(m["orderwatch_tracked_orders"], 61);
  // 20 KB dimension values all count as "other": the scrape does not grow by them.
  EXPECT_EQ(m["order_in_status{status=\"Placed\",region=\"other\"}"], 60);
  const std::string text = http_get(port_, "/metrics").body;
  const std::size_t bytes = text.size();
  std::printf("/metrics: %zu bytes before, %zu after 60 events with 20 KB region values\n",
              quiet_bytes, bytes);
  EXPECT_EQ(text.find(std::string(129, 'r')), std::string::npos);
  // One label set more (region="other"): its series, never the values.
  EXPECT_LT(bytes, quiet_bytes + 8192);
  // The longest accepted id is linked from the page, and the link answers.
  const HttpResult page = http_get(port_, "/?status=Placed&limit=100");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("href=\"/api/v1/orders/" + longest + "\""), std::string::npos);
  EXPECT_EQ(http_get(port_, "/api/v1/orders/" + longest).status, 200);
  // The rejects are logged as logfmt, the payload quoted and escaped on one line.
  const std::string log = exporter_->log();
  EXPECT_NE(
      log.find(
          R"(level=warn component=decode msg="rejected event (id_too_long): {\"orderId\":\"LLL)"),
      std::string::npos)
      << log.substr(0, 2000);
  static const std::regex record(
      R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(debug|info|warn|error) component=[a-z]+ msg=("([^"\\]|\\.)*"|\S+)( [a-z_]+=("([^"\\]|\\.)*"|\S+))*)");
  std::istringstream lines(log);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_TRUE(std::regex_match(line, record)) << line.substr(0, 300);
  }
  EXPECT_GT(n, 3);
  stop();
}

TEST_F(HostileHttp, AReloadThatChangesNatsSettingsNamesTheRunningOnes) {
  start({"--web.enable-lifecycle"});
  ASSERT_TRUE(exporter_->wait_ready()) << exporter_->log();
  std::string changed = kConfig;
  changed.replace(changed.find("orders.status.>"), std::string("orders.status.>").size(),
                  "other.>");
  dir_.write("sla.yaml", changed);
  const HttpResult r = http_request(port_, "POST", "/-/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("NATS subject orders.status.>"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("other.>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("changed nats settings (nats.subject) apply at the next restart; until "
                        "then the running ones stay in effect: subject orders.status.> (core "
                        "NATS)"),
            std::string::npos)
      << r.body;
  // And it is so: events on the old subject are still consumed.
  {
    NatsPublisher pub(nats_.url());
    pub.event("still-1", "Placed", unix_now_ms() - kMin);
    pub.flush();
  }
  scrape_until("orderwatch_tracked_orders", 1);
  ::kill(exporter_->process().pid(), SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] {
        return exporter_->log().find("msg=\"SIGHUP: changed nats settings (nats.subject) apply") !=
               std::string::npos;
      },
      seconds(10)))
      << exporter_->log();
  stop();
}

TEST_F(HostileHttp, SecretFilesThatDoNotExistFailCheckAndServe) {
  const std::string password = dir_.write("nats-password", "secret\n");
  const std::string config =
      dir_.write("secrets.yaml", std::string(kConfig) +
                                     "alerting:\n  default_receiver: pager\n  receivers:\n"
                                     "    - {name: pager, type: pagerduty, routing_key_file: " +
                                     dir_.path() + "/missing-pd-key}\n");
  auto with_nats = [&](const std::string& password_file) {
    std::string text = read_text(config);
    text.replace(text.find("nats: {"), 7,
                 "nats: {user: ow, password_file: " + password_file + ", ");
    return dir_.write("with-nats.yaml", text);
  };
  const std::string check = shell_quote(orderwatch_bin()) + " check --config ";
  // The receiver's key is missing: check fails with its location.
  auto r = run(check + shell_quote(with_nats(password)));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string receiver_line = "    - {name: pager, type: pagerduty, routing_key_file: ";
  EXPECT_NE(r.output.find(":12:" + std::to_string(receiver_line.size() + 1) +
                          ": alerting.receivers[0].routing_key_file: cannot read " + dir_.path() +
                          "/missing-pd-key: No such file or directory"),
            std::string::npos)
      << r.output;
  r = run(check + shell_quote(with_nats(password)) + " --no-receiver-files");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The NATS password file is missing: check and serve refuse it alike.
  const std::string missing = with_nats(dir_.path() + "/nope");
  r = run(check + shell_quote(missing) + " --no-receiver-files");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string where =
      missing + ":2:" + std::to_string(std::string("nats: {user: ow, password_file: ").size() + 1) +
      ": nats.password_file: cannot read " + dir_.path() + "/nope: No such file or directory";
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
  r = run(check + shell_quote(missing) + " --syntax-only");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run("timeout 20 " + shell_quote(orderwatch_bin()) + " serve --config " +
          shell_quote(missing) + " --nats-url " + shell_quote(nats_.url()) +
          " --listen 127.0.0.1:0");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(where), std::string::npos) << r.output;
}

}  // namespace
}  // namespace orderwatch::testing
