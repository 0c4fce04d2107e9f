// Minimal line logger to stderr: "ts level component: message". One line per event of note.
// RateLimited lets bad input be logged at most once per interval per key, with the number of
// lines it held back. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace orderwatch::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
void write(Level level, std::string_view component, std::string_view message);

inline void info(std::string_view c, std::string_view m) { write(Level::kInfo, c, m); }
inline void warn(std::string_view c, std::string_view m) { write(Level::kWarn, c, m); }
inline void error(std::string_view c, std::string_view m) { write(Level::kError, c, m); }

class RateLimited {
 public:
  explicit RateLimited(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  // Logs at most once per interval; a held-back count is appended to the next line.
  void warn(std::int64_t now_ms, std::string_view component, std::string_view message);

 private:
  std::int64_t interval_ms_;
  std::mutex mu_;
  std::int64_t last_ms_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace orderwatch::log
