#include "orderwatch/tracking/tracker.h"

#include "tracker_impl.h"

namespace orderwatch::tracking {

OrderTracker::OrderTracker(const sla::Config& config) : impl_(std::make_unique<Impl>(config)) {}
OrderTracker::~OrderTracker() = default;

ApplyResult OrderTracker::apply(const Event& event, std::int64_t now_ms) {
  return impl_->apply(event, now_ms);
}

void OrderTracker::reject(RejectReason reason, std::int64_t now_ms) {
  ++impl_->rejected[static_cast<int>(reason)];
  ++impl_->events[static_cast<int>(ApplyResult::kRejected)];
  impl_->last_event_ms = now_ms;
}

void OrderTracker::tick(std::int64_t now_ms) { impl_->tick(now_ms); }
void OrderTracker::snapshot(TrackerSnapshot& out) const { impl_->snapshot(out); }
std::size_t OrderTracker::tracked() const { return impl_->table.size(); }
void OrderTracker::reserve(std::size_t orders) { impl_->table.reserve(orders); }

std::size_t OrderTracker::memory_bytes() const {
  std::size_t bytes = impl_->table.memory_bytes() + impl_->tombstones.memory_bytes();
  for (const auto& i : impl_->index) bytes += i.memory_bytes();
  return bytes;
}

}  // namespace orderwatch::tracking
