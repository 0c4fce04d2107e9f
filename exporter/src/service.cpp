#include "orderwatch/exporter/service.h"

#include <chrono>

namespace orderwatch::exporter {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TrackerService::TrackerService(const sla::Config& config, Clock clock)
    : config_(config), clock_(std::move(clock)), tracker_(config_) {
  stats_.config_reload_success_ms = clock_();
}

ApplyResult TrackerService::apply(const Event& event, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  return tracker_.apply(event, now_ms);
}

ApplyResult TrackerService::apply(const Event& event, std::int64_t now_ms,
                                  std::uint64_t stream_seq) {
  std::lock_guard lock(mu_);
  stream_seq_ = stream_seq;
  return tracker_.apply(event, now_ms);
}

void TrackerService::set_stream_seq(std::uint64_t seq) {
  std::lock_guard lock(mu_);
  stream_seq_ = seq;
}

std::uint64_t TrackerService::stream_seq() {
  std::lock_guard lock(mu_);
  return stream_seq_;
}

void TrackerService::reject(RejectReason reason, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  tracker_.reject(reason, now_ms);
}

void TrackerService::tick() {
  const std::int64_t now = clock_();
  std::lock_guard lock(mu_);
  tracker_.tick(now);
}

void TrackerService::snapshot(TrackerSnapshot& out) {
  const std::int64_t now = clock_();
  std::lock_guard lock(mu_);
  tracker_.tick(now);
  tracker_.snapshot(out);
}

std::size_t TrackerService::tracked() {
  std::lock_guard lock(mu_);
  return tracker_.tracked();
}

void TrackerService::reserve(std::size_t orders) {
  std::lock_guard lock(mu_);
  tracker_.reserve(orders);
}

}  // namespace orderwatch::exporter
