// GapLog (gaps.h): opens, extends and closes ingest gaps. Fed by NatsSource's connection
// callbacks and its core consumer thread; read by metrics::IngestCollector and, through
// serve, by the drill-down summary and page.
#include "orderwatch/ingest/gaps.h"

namespace orderwatch::ingest {

void GapLog::begin(GapCause cause, std::int64_t now_ms) {
  const auto c = static_cast<std::size_t>(cause);
  std::lock_guard lock(mu_);
  if (active_[c].load(std::memory_order_relaxed)) return;
  bool open = false;
  for (const auto& a : active_) open = open || a.load(std::memory_order_relaxed);
  active_[c].store(true, std::memory_order_relaxed);
  if (open) return;  // another cause's gap is open: this one extends it
  ++view_.gaps[c];
  view_.last_start_ms = now_ms > 0 ? now_ms : 1;  // 0 means "no gap"
  view_.last_end_ms = 0;
}

void GapLog::end(GapCause cause, std::int64_t now_ms) {
  const auto c = static_cast<std::size_t>(cause);
  std::lock_guard lock(mu_);
  if (!active_[c].load(std::memory_order_relaxed)) return;
  active_[c].store(false, std::memory_order_relaxed);
  for (const auto& a : active_) {
    if (a.load(std::memory_order_relaxed)) return;  // still open for another cause
  }
  view_.last_end_ms = now_ms > view_.last_start_ms ? now_ms : view_.last_start_ms;
}

GapView GapLog::view() const {
  std::lock_guard lock(mu_);
  return view_;
}

}  // namespace orderwatch::ingest
