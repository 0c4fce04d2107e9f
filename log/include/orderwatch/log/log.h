// Minimal line logger to stderr in logfmt, as Prometheus's own tools write it:
//
//   ts=2026-12-01T09:00:00.000Z level=info component=nats msg="connected to nats://..."
//
// One line per event of note. Values are quoted when they contain a space, '=', '"', a
// control character or are empty; inside quotes '"' and '\' are escaped and newlines, tabs
// and other control characters are written as \n, \t, \u00XX, so one record is always one
// line whatever a message (or a producer's payload quoted in it) contains.
// RateLimited lets bad input be logged at most once per interval, with the number of lines it
// held back (suppressed=N). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace orderwatch::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Extra key=value pairs after msg (keys are written as given: use [a-z_]+).
using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void set_level(Level level);
bool parse_level(std::string_view text, Level& out);
void write(Level level, std::string_view component, std::string_view message, Fields fields = {});

inline void debug(std::string_view c, std::string_view m, Fields f = {}) {
  write(Level::kDebug, c, m, f);
}
inline void info(std::string_view c, std::string_view m, Fields f = {}) {
  write(Level::kInfo, c, m, f);
}
inline void warn(std::string_view c, std::string_view m, Fields f = {}) {
  write(Level::kWarn, c, m, f);
}
inline void error(std::string_view c, std::string_view m, Fields f = {}) {
  write(Level::kError, c, m, f);
}

// The record write() emits at `unix_ms`, without the trailing newline.
std::string format_line(std::int64_t unix_ms, Level level, std::string_view component,
                        std::string_view message, Fields fields = {});
// Appends `value` as a logfmt value: bare when it needs no quoting, else quoted and escaped.
void append_value(std::string& out, std::string_view value);

// Where finished lines go (each without its newline); an empty function restores stderr.
// For tests.
void set_sink(std::function<void(std::string_view line)> sink);

class RateLimited {
 public:
  explicit RateLimited(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  // Logs at most once per interval; a held-back count is added to the next line as
  // suppressed=N.
  void warn(std::int64_t now_ms, std::string_view component, std::string_view message);

 private:
  std::int64_t interval_ms_;
  std::mutex mu_;
  std::int64_t last_ms_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace orderwatch::log
