// What users feel of the ingest path: `orderwatch serve` (the real binary) against a bare
// nats.c subscriber that only counts, on the same events and the same nats-server, in one run.
//
//   core NATS   K orders are put in flight first (one Placed event each, not measured), then
//               M events move random in-flight orders on (Placed -> Authorized -> Shipped ->
//               Delivered; a delivered order is replaced by a new one, so K stays constant).
//               The publisher sends as fast as the server takes them. Measured over the M
//               events: CPU per event of the consuming process (its own CPU time, from
//               /proc/<pid>/schedstat) and events/s from the first measured publish until the
//               consumer has handled the last one.
//   JetStream   the same K + M events stored in a stream first; `serve` started on a new
//               durable (a catch-up after an outage). CPU per event and events/s until every
//               event is applied, against serve's core NATS rate from the same run, and
//               against a bare nats.c pull consumer on a durable of its own (what the server
//               delivers when the consumer does nothing per message).
//
//   partitions  with --partitions P1,P2,...: the same events, each subject carrying the order
//               id, spread by the server's own subject mapping (partition(P, id)) over P
//               `serve` instances, each consuming its partition: summed events/s and CPU per
//               event against P = 1 on the same mapped path, in one run.
//
// Usage: ingest_bench [--orders K[,K2...]] [--events M] [--repeat R] [--no-jetstream]
//                     [--partitions P,...]
// (defaults: --orders 100000,1000000 --events 1000000 --repeat 3: the core NATS pair, bare
// then serve, runs R times and the median pair by CPU ratio is reported, with every ratio).
#include <nats/nats.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace orderwatch::bench {
namespace {

using testing::ExporterProcess;
using testing::NatsServer;
using testing::TempDir;

const char* kStatuses[] = {"Placed", "Authorized", "Shipped", "Delivered"};
const char* kRegions[] = {"eu-west", "eu-central", "us-east", "us-west", "ap-south"};
const char* kChannels[] = {"web", "app", "pos", "api"};

std::string config_yaml(bool jetstream, const std::string& subject = "bench.orders.>") {
  return std::string("service: bench\n") + "nats:\n  subject: \"" + subject +
         "\"\n  pending_messages_limit: 20000000\n" +
         (jetstream ? "  jetstream: {stream: BENCH, durable: bench, max_ack_pending: 20000}\n"
                    : "") +
         "event:\n  dimensions: [{field: region, max_values: 20}, {field: channel, max_values: "
         "8}]\n"
         "statuses:\n"
         "  - {name: Placed, sla: 15m}\n"
         "  - name: Authorized\n    sla: 1h\n    escalations: [{after: 2h, severity: page}]\n"
         "  - {name: Shipped, sla: 48h}\n"
         "  - {name: Delivered, terminal: true}\n"
         "  - {name: Cancelled, terminal: true}\n";
}

struct Message {
  std::string subject;
  std::string payload;  // ~120 bytes, like a real order event
};

// K warm-up events (one Placed per order), then M events walking random orders on.
std::vector<Message> make_events(std::size_t orders, std::size_t events, bool with_id = false) {
  std::mt19937_64 rng(42);
  std::vector<std::uint32_t> id(orders);
  std::vector<std::uint8_t> status(orders, 0);
  std::uint32_t next_id = 0;
  std::vector<Message> out;
  out.reserve(orders + events);
  // Two days ago, +1 ms per event: recent enough for retention.max_age (30d; older events are
  // rejected as bad_time, and the bench would time rejects, not applies).
  std::int64_t t = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count() -
                   2 * 86'400'000LL;
  auto emit = [&](std::size_t slot) {
    char buf[256];
    const std::time_t secs = static_cast<std::time_t>(t / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const int n = std::snprintf(
        buf, sizeof buf,
        R"({"orderId":"ord-%08x","status":"%s","timestamp":"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ","region":"%s","channel":"%s"})",
        id[slot] * 2654435761U, kStatuses[status[slot]], tm.tm_year + 1900, tm.tm_mon + 1,
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(t % 1000),
        kRegions[id[slot] % 5], kChannels[id[slot] % 4]);
    out.push_back({std::string("bench.orders.") + kStatuses[status[slot]],
                   std::string(buf, static_cast<std::size_t>(n))});
    if (with_id) {  // the id token the partition() mapping hashes: "ord-%08x" as in the payload
      char tok[16];
      std::snprintf(tok, sizeof tok, ".ord-%08x", id[slot] * 2654435761U);
      out.back().subject += tok;
    }
    ++t;
  };
  for (std::size_t i = 0; i < orders; ++i) {
    id[i] = next_id++;
    emit(i);
  }
  for (std::size_t e = 0; e < events; ++e) {
    const std::size_t slot = rng() % orders;
    if (status[slot] == 3) {  // delivered: a new order takes the slot
      id[slot] = next_id++;
      status[slot] = 0;
    } else {
      ++status[slot];
    }
    emit(slot);
  }
  return out;
}

double mono_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU time (user + system, all threads, living or ended) of another process in seconds, from
// /proc/<pid>/stat (clock ticks: 10 ms, so runs should take seconds).
double cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// This process's own CPU time (all threads), with microsecond resolution.
double own_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void publish(natsConnection* conn, const std::vector<Message>& events, std::size_t from,
             std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    const auto& m = events[i];
    while (natsConnection_Publish(conn, m.subject.c_str(), m.payload.data(),
                                  static_cast<int>(m.payload.size())) != NATS_OK) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  natsConnection_FlushTimeout(conn, 60'000);
}

struct Figures {
  double cpu_per_event_us = 0;
  double events_per_s = 0;
};

// ---- the bare subscriber: a child process counting messages ------------------------------
struct BareReport {
  double cpu_at_warm = 0, cpu_at_end = 0, mono_at_end = 0;
};

struct Counter {
  std::uint64_t seen = 0, warm = 0, total = 0;
  BareReport report;
  int fd = -1;
};

void on_bare_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* c = static_cast<Counter*>(closure);
  natsMsg_Destroy(msg);
  ++c->seen;
  if (c->seen == c->warm) c->report.cpu_at_warm = own_cpu_s();
  if (c->seen == c->total) {
    c->report.cpu_at_end = own_cpu_s();
    c->report.mono_at_end = mono_s();
    if (write(c->fd, &c->report, sizeof c->report) != sizeof c->report) _exit(3);
    _exit(0);
  }
}

[[noreturn]] void run_bare_subscriber(const std::string& url, std::uint64_t warm,
                                      std::uint64_t total, int report_fd, int ready_fd) {
  static Counter c;
  c.warm = warm;
  c.total = total;
  c.fd = report_fd;
  natsConnection* conn = nullptr;
  natsSubscription* sub = nullptr;
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK ||
      natsConnection_Subscribe(&sub, conn, "bench.orders.>", on_bare_message, &c) != NATS_OK) {
    _exit(2);
  }
  natsSubscription_SetPendingLimits(sub, -1, -1);
  natsConnection_Flush(conn);
  const char ok = 1;
  if (write(ready_fd, &ok, 1) != 1) _exit(3);
  for (;;) pause();
}

Figures bare_core(const std::string& url, const std::vector<Message>& events, std::size_t warm) {
  int report[2], ready[2];
  if (pipe(report) != 0 || pipe(ready) != 0) throw std::runtime_error("pipe");
  // fork + exec (not a bare fork): the NATS library's threads do not survive a fork.
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string args[] = {url, std::to_string(warm), std::to_string(events.size()),
                                std::to_string(report[1]), std::to_string(ready[1])};
    execl("/proc/self/exe", "ingest_bench", "--bare-subscriber", args[0].c_str(), args[1].c_str(),
          args[2].c_str(), args[3].c_str(), args[4].c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  char ok = 0;
  if (read(ready[0], &ok, 1) != 1) throw std::runtime_error("bare subscriber did not start");
  natsConnection* conn = nullptr;
  natsConnection_ConnectTo(&conn, url.c_str());
  publish(conn, events, 0, warm);
  // Let the warm-up drain so the measured part starts with an empty queue.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double t0 = mono_s();
  publish(conn, events, warm, events.size());
  BareReport r{};
  if (read(report[0], &r, sizeof r) != sizeof r) throw std::runtime_error("bare: no report");
  waitpid(pid, nullptr, 0);
  natsConnection_Destroy(conn);
  for (int fd : {report[0], report[1], ready[0], ready[1]}) close(fd);
  const double n = static_cast<double>(events.size() - warm);
  return {(r.cpu_at_end - r.cpu_at_warm) / n * 1e6, n / (r.mono_at_end - t0)};
}

// ---- the bare JetStream consumer: what the server delivers to a pull consumer ------------
// A child process with a new durable (AckAll, as serve's) on the stream: two pull requests of
// 4096 in flight, one +ACK per 256 messages and on the last, nothing else done per message.
[[noreturn]] void run_bare_jetstream(const std::string& url, std::uint64_t total, int report_fd) {
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK ||
      natsConnection_JetStream(&js, conn, nullptr) != NATS_OK) {
    _exit(2);
  }
  const double t0 = mono_s();
  const double c0 = own_cpu_s();
  jsConsumerConfig cc;
  jsConsumerConfig_Init(&cc);
  cc.Durable = "bare";
  cc.AckPolicy = js_AckAll;
  cc.MaxAckPending = 20000;
  jsConsumerInfo* ci = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  if (js_AddConsumer(&ci, js, "BENCH", &cc, nullptr, &err) != NATS_OK) _exit(4);
  jsConsumerInfo_Destroy(ci);
  natsSubscription* sub = nullptr;
  const char* inbox = "_BARE.inbox";
  if (natsConnection_SubscribeSync(&sub, conn, inbox) != NATS_OK) _exit(2);
  natsSubscription_SetPendingLimits(sub, -1, -1);
  constexpr std::int64_t kPull = 4096;
  const char* request = "{\"batch\":4096,\"expires\":500000000}";
  std::int64_t outstanding = 0;
  std::uint64_t seen = 0;
  while (seen < total) {
    if (outstanding <= kPull) {
      natsConnection_PublishRequestString(conn, "$JS.API.CONSUMER.MSG.NEXT.BENCH.bare", inbox,
                                          request);
      outstanding += kPull;
      continue;
    }
    natsMsg* msg = nullptr;
    if (natsSubscription_NextMsg(&msg, sub, 1000) != NATS_OK) {
      outstanding = 0;
      continue;
    }
    const char* reply = natsMsg_GetReply(msg);
    if (reply == nullptr || std::strncmp(reply, "$JS.ACK.", 8) != 0) {  // a request's status
      outstanding = 0;
      natsMsg_Destroy(msg);
      continue;
    }
    --outstanding;
    if (++seen % 256 == 0 || seen == total) natsConnection_PublishString(conn, reply, "+ACK");
    natsMsg_Destroy(msg);
  }
  natsConnection_Flush(conn);
  BareReport r{c0, own_cpu_s(), mono_s() - t0};
  if (write(report_fd, &r, sizeof r) != sizeof r) _exit(3);
  _exit(0);
}

Figures bare_jetstream(const std::string& url, std::size_t total) {
  int report[2];
  if (pipe(report) != 0) throw std::runtime_error("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string args[] = {url, std::to_string(total), std::to_string(report[1])};
    execl("/proc/self/exe", "ingest_bench", "--bare-jetstream", args[0].c_str(), args[1].c_str(),
          args[2].c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  BareReport r{};
  if (read(report[0], &r, sizeof r) != sizeof r)
    throw std::runtime_error("bare jetstream: no report");
  int status = 0;
  waitpid(pid, &status, 0);
  for (int fd : {report[0], report[1]}) close(fd);
  const double n = static_cast<double>(total);
  // mono_at_end holds the elapsed time here.
  return {(r.cpu_at_end - r.cpu_at_warm) / n * 1e6, n / r.mono_at_end};
}

// ---- orderwatch serve ----------------------------------------------------------------------
double handled(ExporterProcess& e) {
  double sum = 0;
  for (const auto& [key, value] : e.scrape()) {
    if (key.rfind("order_events_total{", 0) == 0) sum += value;
  }
  return sum;
}

// The figures are of applied events: a bench whose events serve rejects measures the wrong
// path, so it stops instead.
void expect_no_rejects(ExporterProcess& e) {
  for (const auto& [key, value] : e.scrape()) {
    if (key.rfind("order_events_rejected_total{", 0) == 0 && value > 0)
      throw std::runtime_error("serve rejected events (" + key + " " + std::to_string(value) +
                               "); log:\n" + e.log());
  }
}

// Polls until serve has handled `n` events; returns the monotonic time it saw it.
double wait_handled(ExporterProcess& e, double n, double timeout_s) {
  const double start = mono_s();
  while (mono_s() - start < timeout_s) {
    if (handled(e) >= n) return mono_s();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("serve handled " + std::to_string(handled(e)) + " of " +
                           std::to_string(n) + " events in time; log:\n" + e.log());
}

Figures serve_core(const TempDir& dir, const std::string& url, const std::vector<Message>& events,
                   std::size_t warm) {
  const std::string cfg = dir.write("core.yaml", config_yaml(false));
  static int run = 0;  // a log of its own per run: the harness finds the port in the log
  ExporterProcess e(cfg, url, dir.path() + "/serve-core-" + std::to_string(++run) + ".log");
  if (!e.wait_ready()) throw std::runtime_error("serve not ready:\n" + e.log());
  natsConnection* conn = nullptr;
  natsConnection_ConnectTo(&conn, url.c_str());
  publish(conn, events, 0, warm);
  wait_handled(e, static_cast<double>(warm), 120);
  const pid_t pid = e.process().pid();
  const double cpu0 = cpu_s(pid);
  const double t0 = mono_s();
  publish(conn, events, warm, events.size());
  const double t1 = wait_handled(e, static_cast<double>(events.size()), 300);
  const double cpu1 = cpu_s(pid);
  natsConnection_Destroy(conn);
  expect_no_rejects(e);
  const double n = static_cast<double>(events.size() - warm);
  return {(cpu1 - cpu0) / n * 1e6, n / (t1 - t0)};
}

void fill_stream(const std::string& url, const std::vector<Message>& events) {
  testing::create_stream(url, "BENCH", {"bench.orders.>"});
  natsConnection* conn = nullptr;
  jsCtx* js = nullptr;
  natsConnection_ConnectTo(&conn, url.c_str());
  natsConnection_JetStream(&js, conn, nullptr);
  std::size_t i = 0;
  for (const auto& m : events) {
    js_PublishAsync(js, m.subject.c_str(), m.payload.data(), static_cast<int>(m.payload.size()),
                    nullptr);
    if (++i % 10'000 == 0) js_PublishAsyncComplete(js, nullptr);
  }
  js_PublishAsyncComplete(js, nullptr);
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
}

Figures serve_jetstream(const TempDir& dir, const std::string& url,
                        const std::vector<Message>& events) {
  const std::string cfg = dir.write("js.yaml", config_yaml(true));
  const double t0 = mono_s();
  ExporterProcess e(cfg, url, dir.path() + "/serve-js.log");
  if (!e.wait_for_port()) throw std::runtime_error("serve did not start:\n" + e.log());
  const double t1 = wait_handled(e, static_cast<double>(events.size()), 600);
  const double cpu = cpu_s(e.process().pid());
  expect_no_rejects(e);
  const double n = static_cast<double>(events.size());
  return {cpu / n * 1e6, n / (t1 - t0)};
}

// P instances behind the server's subject mapping bench.orders.<status>.<id> ->
// bench.part.<partition(P, id)>.<status>.<id>; each serve consumes bench.part.<i>.>.
// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
Figures serve_partitioned(const TempDir& dir, const std::vector<Message>& events, std::size_t warm,
                          int partitions) {
  const std::string conf =
      dir.write("nats-p" + std::to_string(partitions) + ".conf",
                "mappings: {\"bench.orders.*.*\": \"bench.part.{{partition(" +
                    std::to_string(partitions) + ",2)}}.{{wildcard(1)}}.{{wildcard(2)}}\"}\n");
  NatsServer nats(dir, 0, false, conf);
  std::vector<std::unique_ptr<ExporterProcess>> instances;
  for (int i = 0; i < partitions; ++i) {
    const std::string name = "p" + std::to_string(partitions) + "-" + std::to_string(i);
    const std::string cfg =
        dir.write(name + ".yaml", config_yaml(false, "bench.part." + std::to_string(i) + ".>"));
    instances.push_back(
        std::make_unique<ExporterProcess>(cfg, nats.url(), dir.path() + "/" + name + ".log"));
  }
  for (auto& e : instances) {
    if (!e->wait_ready()) throw std::runtime_error("serve not ready:\n" + e->log());
  }
  auto all_handled = [&] {
    double sum = 0;
    for (auto& e : instances) sum += handled(*e);
    return sum;
  };
  auto wait_all = [&](double n, double timeout_s) {
    const double start = mono_s();
    while (mono_s() - start < timeout_s) {
      if (all_handled() >= n) return mono_s();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("partitions handled " + std::to_string(all_handled()) + " of " +
                             std::to_string(n) + " events in time");
  };
  auto cpu = [&] {
    double sum = 0;
    for (auto& e : instances) sum += cpu_s(e->process().pid());
    return sum;
  };
  natsConnection* conn = nullptr;
  natsConnection_ConnectTo(&conn, nats.url().c_str());
  publish(conn, events, 0, warm);
  wait_all(static_cast<double>(warm), 120);
  const double cpu0 = cpu();
  const double t0 = mono_s();
  publish(conn, events, warm, events.size());
  const double t1 = wait_all(static_cast<double>(events.size()), 300);
  const double cpu1 = cpu();
  natsConnection_Destroy(conn);
  for (auto& e : instances) expect_no_rejects(*e);
  const double n = static_cast<double>(events.size() - warm);
  return {(cpu1 - cpu0) / n * 1e6, n / (t1 - t0)};
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

// Index of the median of `v` (the lower one of an even count).
std::size_t median_index(const std::vector<double>& v) {
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
  return order[(order.size() - 1) / 2];
}

std::vector<std::size_t> parse_list(const char* text) {
  std::vector<std::size_t> out;
  std::stringstream in(text);
  std::string one;
  while (std::getline(in, one, ',')) out.push_back(std::stoul(one));
  return out;
}

}  // namespace
}  // namespace orderwatch::bench

int main(int argc, char** argv) {
  using namespace orderwatch::bench;
  std::vector<std::size_t> orders = {100'000, 1'000'000};
  std::size_t events = 1'000'000;
  bool jetstream = true;
  int repeat = 3;
  std::vector<std::size_t> partitions;
  if (argc == 5 && std::strcmp(argv[1], "--bare-jetstream") == 0) {
    run_bare_jetstream(argv[2], std::stoull(argv[3]), std::atoi(argv[4]));
  }
  if (argc == 7 && std::strcmp(argv[1], "--bare-subscriber") == 0) {
    run_bare_subscriber(argv[2], std::stoull(argv[3]), std::stoull(argv[4]), std::atoi(argv[5]),
                        std::atoi(argv[6]));
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--orders") == 0 && i + 1 < argc) {
      orders = parse_list(argv[++i]);
    } else if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
      events = std::stoul(argv[++i]);
    } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--no-jetstream") == 0) {
      jetstream = false;
    } else if (std::strcmp(argv[i], "--partitions") == 0 && i + 1 < argc) {
      partitions = parse_list(argv[++i]);
    } else {
      std::fprintf(
          stderr,
          "usage: ingest_bench [--orders K,...] [--events M] [--repeat R] [--no-jetstream] "
          "[--partitions P,...]\n");
      return 2;
    }
  }
  try {
    if (!partitions.empty()) {
      for (const std::size_t k : orders) {
        const auto msgs = make_events(k, events, true);
        orderwatch::testing::TempDir dir;
        std::printf(
            "partitioned core NATS, %zu orders in flight, %zu events (subject mapping "
            "partition(P, id) on one nats-server):\n",
            k, events);
        double one = 0;
        for (const std::size_t p : partitions) {
          const Figures f = serve_partitioned(dir, msgs, k, static_cast<int>(p));
          if (one == 0) one = f.events_per_s;
          std::printf(
              "  %zu instance(s)  %6.3f us CPU/event (summed)  %6.3f M events/s  %.2fx "
              "the first row\n",
              p, f.cpu_per_event_us, f.events_per_s / 1e6, f.events_per_s / one);
          std::fflush(stdout);
        }
      }
      return 0;
    }
    for (const std::size_t k : orders) {
      const auto msgs = make_events(k, events);
      std::size_t bytes = 0;
      for (const auto& m : msgs) bytes += m.payload.size();
      orderwatch::testing::TempDir dir;
      NatsServer nats(dir, 0, true);
      // Pairs run back to back (bare, then serve) so both see the same machine; on a shared
      // host one pair can be off by a quarter, so the median pair is reported.
      std::vector<Figures> bares, serves;
      std::vector<double> cpu_ratio, rate_ratio;
      for (int r = 0; r < repeat; ++r) {
        bares.push_back(bare_core(nats.url(), msgs, k));
        serves.push_back(serve_core(dir, nats.url(), msgs, k));
        cpu_ratio.push_back(serves.back().cpu_per_event_us / bares.back().cpu_per_event_us);
        rate_ratio.push_back(serves.back().events_per_s / bares.back().events_per_s);
      }
      const std::size_t mid = median_index(cpu_ratio);
      const Figures bare = bares[mid];
      const Figures serve = serves[mid];
      std::printf("core NATS, %zu orders in flight, %zu events (%.0f bytes each on average):\n", k,
                  events, static_cast<double>(bytes) / static_cast<double>(msgs.size()));
      std::printf("  bare nats.c subscriber  %6.3f us CPU/event  %6.3f M events/s\n",
                  bare.cpu_per_event_us, bare.events_per_s / 1e6);
      std::printf("  orderwatch serve        %6.3f us CPU/event  %6.3f M events/s\n",
                  serve.cpu_per_event_us, serve.events_per_s / 1e6);
      std::printf("  serve / bare: CPU per event %.2fx (target <= 2x), events/s %.2fx",
                  cpu_ratio[mid], rate_ratio[mid]);
      if (repeat > 1) {
        std::printf("  (median pair of %d; CPU ratios", repeat);
        for (double x : cpu_ratio) std::printf(" %.2f", x);
        std::printf(")");
      }
      std::printf("\n");
      if (jetstream) {
        fill_stream(nats.url(), msgs);
        const Figures bare_js = bare_jetstream(nats.url(), msgs.size());
        const Figures js = serve_jetstream(dir, nats.url(), msgs);
        std::printf("JetStream catch-up, %zu events already in the stream, new durable:\n",
                    msgs.size());
        std::printf(
            "  bare nats.c pull consumer %6.3f us CPU/event  %6.3f M events/s "
            "(what the server delivers)\n",
            bare_js.cpu_per_event_us, bare_js.events_per_s / 1e6);
        std::printf("  orderwatch serve        %6.3f us CPU/event  %6.3f M events/s\n",
                    js.cpu_per_event_us, js.events_per_s / 1e6);
        std::printf(
            "  catch-up / core NATS ingest: %.2fx (target >= 0.5x); "
            "serve / bare pull consumer: %.2fx\n",
            js.events_per_s / serve.events_per_s, js.events_per_s / bare_js.events_per_s);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ingest_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
