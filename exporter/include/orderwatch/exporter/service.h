// TrackerService: the thread-safe face of the order state. NATS delivery threads apply
// decoded events; HTTP scrape threads take snapshots; a ticker advances the deadline index.
// One mutex guards the OrderTracker; each call holds it only for the O(1) apply, the
// O(series) snapshot or summary, or the O(log orders + page) drill-down page, so neither
// scrapes nor API calls ever wait on order counts.
//
// SelfStats are lock-free atomics written by the NATS callbacks and read by scrapes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/exporter/tracker.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::exporter {

// Wall clock in Unix ms; injectable for tests.
using Clock = std::function<std::int64_t()>;
std::int64_t system_now_ms();

// One order for GET /api/v1/orders/{id}, with the clock and labels it was read with.
struct FoundOrder {
  std::int64_t now_ms = 0;
  std::vector<std::string> dimension_labels;
  std::optional<OrderView> order;
};

struct SelfStats {
  std::atomic<bool> nats_connected{false};
  std::atomic<std::uint64_t> nats_reconnects{0};
  std::atomic<std::uint64_t> nats_slow_consumer{0};
  std::atomic<std::uint64_t> nats_dropped{0};  // messages the client dropped (slow consumer)
  std::atomic<bool> config_reload_ok{true};
  std::atomic<std::int64_t> config_reload_success_ms{0};
};

class TrackerService {
 public:
  TrackerService(const sla::Config& config, Clock clock);

  const sla::Config& config() const { return config_; }
  std::int64_t now_ms() const { return clock_(); }
  SelfStats& stats() { return stats_; }

  // now_ms: the wall clock the caller read once for this event (decode used it too).
  ApplyResult apply(const Event& event, std::int64_t now_ms);
  void reject(RejectReason reason, std::int64_t now_ms);
  void tick();
  // Ticks to now, then copies every count.
  void snapshot(TrackerSnapshot& out);
  std::size_t tracked();

  // Drill-down queries. Each ticks to now first, so answers agree with a scrape taken at the
  // same moment; status and severity names are resolved under the same lock as the query.
  FoundOrder find(std::string_view id);
  OverduePage overdue(const OverdueQuery& query);
  TrackerSummary summary();
  void reserve(std::size_t orders);

 private:
  const sla::Config config_;
  Clock clock_;
  std::mutex mu_;
  OrderTracker tracker_;
  SelfStats stats_;
};

}  // namespace orderwatch::exporter
