#include "harness.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nats/nats.h>
#include <cctype>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace orderwatch::testing {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind 127.0.0.1:0 failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "orderwatch-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream(p) << content;
  return p;
}

Process::Process(std::vector<std::string> argv, std::string log_path, std::string stdin_path)
    : log_path_(std::move(log_path)) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

Process::~Process() {
  if (pid_ > 0) stop(SIGTERM, std::chrono::seconds(10));
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = status;
    pid_ = -1;
    return false;
  }
  return true;
}

int Process::stop(int sig, std::chrono::milliseconds grace) {
  if (pid_ > 0) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = status;
      pid_ = -1;
    }
  }
  if (status_ >= 0 && WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (status_ >= 0 && WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

std::string Process::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult run(const std::string& command_line) {
  CommandResult result;
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run: " + command_line);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

HttpResult http_get(int port, const std::string& path) { return http_request(port, "GET", path); }

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

HttpResult http_request(int port, const std::string& method, const std::string& path,
                        const std::string& body, const std::string& content_type) {
  HttpResult result;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return result;
  }
  std::string req = method + " " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
  }
  req += "\r\n" + body;
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
    ::close(fd);
    return result;
  }
  std::string raw;
  char buf[65536];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto header_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || header_end == std::string::npos) return result;
  result.status = std::atoi(raw.c_str() + 9);
  result.body = raw.substr(header_end + 4);
  return result;
}

std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

const char* nats_server_bin() { return NATS_SERVER_BIN; }
const char* orderwatch_bin() { return ORDERWATCH_BIN; }
const char* promtool_bin() { return PROMTOOL_BIN; }
const char* prometheus_bin() { return PROMETHEUS_BIN; }
const char* alertmanager_bin() { return ALERTMANAGER_BIN; }

NatsServer::NatsServer(const TempDir& dir, int port, bool jetstream, std::string config_file)
    : dir_(dir),
      port_(port == 0 ? free_port() : port),
      jetstream_(jetstream),
      config_file_(std::move(config_file)) {
  start();
}

NatsServer::~NatsServer() { stop(); }

void NatsServer::start() {
  std::vector<std::string> argv = {nats_server_bin(), "-a", "127.0.0.1", "-p",
                                   std::to_string(port_)};
  if (jetstream_) {
    argv.insert(argv.end(), {"-js", "-sd", dir_.path() + "/jetstream"});
  }
  if (!config_file_.empty()) argv.insert(argv.end(), {"-c", config_file_});
  process_.emplace(argv, dir_.path() + "/nats-" + std::to_string(generation_++) + ".log");
  const int port = port_;
  if (!wait_until(
          [port] {
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = htons(static_cast<std::uint16_t>(port));
            const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
            return ok;
          },
          std::chrono::seconds(10))) {
    throw std::runtime_error("nats-server did not start: " + process_->log());
  }
}

void NatsServer::kill_hard() {
  if (process_) process_->stop(SIGKILL);
  process_.reset();
}

void NatsServer::stop() {
  if (process_) process_->stop(SIGTERM);
  process_.reset();
}

namespace {

// A connection + JetStream context for one management call.
class JetStreamAdmin {
 public:
  explicit JetStreamAdmin(const std::string& url) {
    natsStatus s = natsConnection_ConnectTo(&conn_, url.c_str());
    if (s == NATS_OK) s = natsConnection_JetStream(&js_, conn_, nullptr);
    if (s != NATS_OK) {
      close();
      throw std::runtime_error("JetStream at " + url + ": " + natsStatus_GetText(s));
    }
  }
  ~JetStreamAdmin() { close(); }
  jsCtx* js() { return js_; }

 private:
  void close() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(conn_);
    js_ = nullptr;
    conn_ = nullptr;
  }
  natsConnection* conn_ = nullptr;
  jsCtx* js_ = nullptr;
};

}  // namespace

void create_stream(const std::string& url, const std::string& name,
                   const std::vector<std::string>& subjects) {
  JetStreamAdmin admin(url);
  js_DeleteStream(admin.js(), name.c_str(), nullptr, nullptr);
  std::vector<const char*> subs;
  for (const auto& sub : subjects) subs.push_back(sub.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subs.data();
  cfg.SubjectsLen = static_cast<int>(subs.size());
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  jsStreamInfo* si = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  const natsStatus s = js_AddStream(&si, admin.js(), &cfg, nullptr, &err);
  jsStreamInfo_Destroy(si);
  if (s != NATS_OK) {
    throw std::runtime_error("create stream " + name + ": " + natsStatus_GetText(s) + " (" +
                             std::to_string(static_cast<int>(err)) + ")");
  }
}

ConsumerState consumer_state(const std::string& url, const std::string& stream,
                             const std::string& durable) {
  JetStreamAdmin admin(url);
  jsConsumerInfo* ci = nullptr;
  jsErrCode err = static_cast<jsErrCode>(0);
  ConsumerState out;
  const natsStatus s =
      js_GetConsumerInfo(&ci, admin.js(), stream.c_str(), durable.c_str(), nullptr, &err);
  if (s == NATS_OK) {
    out.exists = true;
    out.num_pending = ci->NumPending;
    out.num_ack_pending = ci->NumAckPending;
    out.delivered_stream_seq = ci->Delivered.Stream;
    out.ack_floor_stream_seq = ci->AckFloor.Stream;
    jsConsumerInfo_Destroy(ci);
  } else if (err != JSConsumerNotFoundErr) {
    throw std::runtime_error("consumer info " + durable + ": " + natsStatus_GetText(s));
  }
  return out;
}

std::uint64_t stream_last_seq(const std::string& url, const std::string& stream) {
  JetStreamAdmin admin(url);
  jsStreamInfo* si = nullptr;
  const natsStatus s = js_GetStreamInfo(&si, admin.js(), stream.c_str(), nullptr, nullptr);
  if (s != NATS_OK)
    throw std::runtime_error("stream info " + stream + ": " + natsStatus_GetText(s));
  const std::uint64_t last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  return last;
}

namespace {
std::vector<std::string> serve_argv(const std::string& config, const std::string& nats_url,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv{orderwatch_bin(), "serve",  "--config", config,
                                "--nats-url",     nats_url, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}
}  // namespace

ExporterProcess::ExporterProcess(const std::string& config, const std::string& nats_url,
                                 const std::string& log_path, const std::vector<std::string>& extra)
    : process_(serve_argv(config, nats_url, extra), log_path) {}

bool ExporterProcess::wait_for_port(std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        const std::string log = process_.log();
        for (const char* scheme : {"http", "https"}) {
          const std::string marker = std::string("listening on ") + scheme + "://127.0.0.1:";
          if (const auto pos = log.find(marker); pos != std::string::npos) {
            port_ = std::atoi(log.c_str() + pos + marker.size());
            return port_ > 0;
          }
        }
        return false;
      },
      timeout);
}

bool ExporterProcess::wait_ready(std::chrono::milliseconds timeout) {
  return wait_for_port(timeout) &&
         wait_until([&] { return http_get(port_, "/readyz").status == 200; }, timeout);
}

std::map<std::string, double> ExporterProcess::scrape() {
  const auto r = http_get(port_, "/metrics");
  return r.status == 200 ? parse_metrics(r.body) : std::map<std::string, double>{};
}

std::map<std::string, double> ExporterProcess::scrape_when(const std::string& series, double value,
                                                           std::chrono::milliseconds timeout) {
  std::map<std::string, double> m;
  const bool ok = wait_until(
      [&] {
        m = scrape();
        return m.count(series) != 0 && m[series] == value;
      },
      timeout);
  EXPECT_TRUE(ok) << series << " never reached " << value << "; log:\n" << process_.log();
  return m;
}

}  // namespace orderwatch::testing
