// The logfmt line logger (log.h): owns the process-wide level and sink and the line format;
// every room calls it through log::info/warn/... and RateLimited for input-driven warnings.
#include "orderwatch/log/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace orderwatch::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_write_mu;  // guards the sink and keeps lines whole
std::function<void(std::string_view)> g_sink;
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '=' || c == '"' || c == '\\' || u == 0x7f) return true;
  }
  return false;
}

void append_rfc3339_ms(std::string& out, std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  int ms = static_cast<int>(unix_ms % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[40];
  const std::size_t n = std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(ts, n);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", ms);
  out += frac;
}

}  // namespace

void set_level(Level level) { g_level = static_cast<int>(level); }

bool parse_level(std::string_view text, Level& out) {
  for (int i = 0; i < 4; ++i) {
    if (text == kNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void append_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string format_line(std::int64_t unix_ms, Level level, std::string_view component,
                        std::string_view message, Fields fields) {
  std::string line;
  line.reserve(64 + component.size() + message.size());
  line += "ts=";
  append_rfc3339_ms(line, unix_ms);
  line += " level=";
  line += kNames[static_cast<int>(level)];
  line += " component=";
  append_value(line, component);
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  return line;
}

void set_sink(std::function<void(std::string_view line)> sink) {
  std::lock_guard lock(g_write_mu);
  g_sink = std::move(sink);
}

void write(Level level, std::string_view component, std::string_view message, Fields fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string line = format_line(now, level, component, message, fields);
  std::lock_guard lock(g_write_mu);
  if (g_sink) {
    g_sink(line);
    return;
  }
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void RateLimited::warn(std::int64_t now_ms, std::string_view component, std::string_view message) {
  std::uint64_t held_back = 0;
  {
    std::lock_guard lock(mu_);
    if (last_ms_ != 0 && now_ms - last_ms_ < interval_ms_) {
      ++suppressed_;
      return;
    }
    last_ms_ = now_ms;
    held_back = suppressed_;
    suppressed_ = 0;
  }
  if (held_back == 0) {
    write(Level::kWarn, component, message);
  } else {
    const std::string n = std::to_string(held_back);
    write(Level::kWarn, component, message, {{"suppressed", n}});
  }
}

}  // namespace orderwatch::log
