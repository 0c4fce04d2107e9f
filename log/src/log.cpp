#include "orderwatch/log/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace orderwatch::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_write_mu;
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
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

void write(Level level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard lock(g_write_mu);
  std::fprintf(stderr, "%s.%03dZ %s %.*s: %.*s\n", ts, static_cast<int>(ms.count()),
               kNames[static_cast<int>(level)], static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
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
    write(Level::kWarn, component,
          std::string(message) + " (" + std::to_string(held_back) + " similar lines suppressed)");
  }
}

}  // namespace orderwatch::log
