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

FoundOrder TrackerService::find(std::string_view id) {
  FoundOrder out;
  out.now_ms = clock_();
  std::lock_guard lock(mu_);
  tracker_.tick(out.now_ms);
  out.order = tracker_.find(id);
  if (out.order) out.dimension_labels = tracker_.dimension_labels();
  return out;
}

OverduePage TrackerService::overdue(const OverdueQuery& query) {
  const std::int64_t now = clock_();
  std::lock_guard lock(mu_);
  tracker_.tick(now);
  OverduePage page = tracker_.overdue(query);
  page.now_ms = now;
  return page;
}

TrackerSummary TrackerService::summary() {
  const std::int64_t now = clock_();
  std::lock_guard lock(mu_);
  tracker_.tick(now);
  TrackerSummary s = tracker_.summary();
  s.now_ms = now;
  return s;
}

void TrackerService::reserve(std::size_t orders) {
  std::lock_guard lock(mu_);
  tracker_.reserve(orders);
}

}  // namespace orderwatch::exporter
