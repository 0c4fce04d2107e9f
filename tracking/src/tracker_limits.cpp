// The tracker's caps against a flood of new ids: retention.max_orders in-flight orders and
// retention.max_tombstones finished ids. Memory stays bounded by configuration, never by an
// out-of-memory kill; what is refused is counted and logged at most once per 10 s.
#include <string>

#include "tracker_impl.h"

namespace orderwatch::tracking {

bool OrderTracker::Impl::admit_order(std::int64_t now) {
  if (table.size() < cfg.retention.max_orders) return true;
  ++counts.orders_refused;
  limit_log.warn(now, "tracking",
                 "retention.max_orders (" + std::to_string(cfg.retention.max_orders) +
                     ") orders in flight: a new order was refused");
  return false;
}

void OrderTracker::Impl::add_tombstone(std::uint64_t h, std::uint8_t status, std::int64_t now) {
  if (tombstones.size() >= cfg.retention.max_tombstones && !tombstones.find(h)) {
    // A late event for this id may then start it again (until retention.max_age evicts it).
    ++counts.tombstones_refused;
    limit_log.warn(now, "tracking",
                   "retention.max_tombstones (" + std::to_string(cfg.retention.max_tombstones) +
                       ") reached: a finished order is not remembered");
    return;
  }
  // Expires when W passes it (the tick), so a replay keeps late events out as a live run would.
  const std::int64_t ttl = cfg.retention.tombstone_ttl.count();
  tombstones.add(h, status, watermark.judge_at(now) + ttl, now + ttl);
}

}  // namespace orderwatch::tracking
