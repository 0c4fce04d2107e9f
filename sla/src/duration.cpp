// Durations of the SLA file: parse_duration ("90s", "1h30m"), format_duration and
// human_duration (their text in generated files and pages), and Config::status_index.
// Called by the loader and by every renderer.
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// Longest suffixes first so "ms" is not read as "m" + garbage.
constexpr Unit kUnits[] = {{"ms", 1},        {"s", 1000},       {"m", 60'000},
                           {"h", 3'600'000}, {"d", 86'400'000}, {"w", 604'800'000}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "0") return Duration{0};
  std::int64_t total = 0;
  int last_rank = 100;  // units must appear largest first, each at most once (like Go/Prometheus)
  while (!text.empty()) {
    std::int64_t value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr == begin || value < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - begin));
    int rank = -1;
    std::int64_t unit_ms = 0;
    for (int i = 0; i < static_cast<int>(std::size(kUnits)); ++i) {
      if (text.starts_with(kUnits[i].suffix)) {
        rank = i;
        unit_ms = kUnits[i].ms;
        text.remove_prefix(kUnits[i].suffix.size());
        break;
      }
    }
    if (rank < 0) return std::nullopt;
    // Rank order in kUnits is ms < s < m < h < d < w except "ms" sits first; map to magnitude.
    const int magnitude = rank;  // ms=0, s=1, m=2, h=3, d=4, w=5
    if (magnitude >= last_rank) return std::nullopt;
    last_rank = magnitude;
    if (value > (std::numeric_limits<std::int64_t>::max() - total) / unit_ms) return std::nullopt;
    total += value * unit_ms;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out.push_back('-');
    ms = -ms;
  }
  // Weeks are not used on output: "7d" reads better than "1w" next to SLAs in hours.
  static constexpr Unit kOut[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}};
  for (const auto& unit : kOut) {
    if (ms >= unit.ms) {
      out += std::to_string(ms / unit.ms);
      out += unit.suffix;
      ms %= unit.ms;
    }
  }
  return out;
}

int Config::status_index(std::string_view name) const {
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace orderwatch::sla
