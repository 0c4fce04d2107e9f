// Private: the acknowledgements an operator placed on orders (OrderTracker::acknowledge).
// An acknowledgement belongs to one stay: it holds while the order is still in the status and
// entry time it was placed on, until its expiry (wall clock). It is checked lazily (a status
// change or a forget simply makes it stale) and purged by the tick, so the event path carries
// no hook for it. Bounded: at most kMaxAcks at once. Cost: O(1) per lookup, O(acks) per purge.
// Not thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

inline constexpr std::size_t kMaxAcks = 100'000;

struct AckEntry {
  std::uint8_t status = 0;
  std::int64_t entered_ms = 0;
  Acknowledgement ack;
  bool for_stay(std::uint8_t s, std::int64_t entered) const {
    return status == s && entered_ms == entered;
  }
};

class Acknowledgements {
 public:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, AckEntry, Hash, std::equal_to<>>;

  bool empty() const { return table_.empty(); }
  std::size_t size() const { return table_.size(); }
  Table::const_iterator begin() const { return table_.begin(); }
  Table::const_iterator end() const { return table_.end(); }

  // The acknowledgement of order `id`'s stay (status, entered), if it holds at wall clock now.
  const AckEntry* holding(std::string_view id, std::uint8_t status, std::int64_t entered,
                          std::int64_t now) const {
    if (table_.empty()) return nullptr;
    auto it = table_.find(id);
    if (it == table_.end()) return nullptr;
    const AckEntry& a = it->second;
    return a.for_stay(status, entered) && a.ack.until_ms > now ? &a : nullptr;
  }
  // Whether one was placed on that stay, expired or not.
  bool placed_on(std::string_view id, std::uint8_t status, std::int64_t entered) const {
    if (table_.empty()) return false;
    auto it = table_.find(id);
    return it != table_.end() && it->second.for_stay(status, entered);
  }
  // Places (or replaces) the acknowledgement of order `id`; false when kMaxAcks are held.
  bool place(std::string_view id, const AckEntry& entry) {
    auto it = table_.find(id);
    if (it == table_.end()) {
      if (table_.size() >= kMaxAcks) return false;
      it = table_.emplace(std::string(id), AckEntry{}).first;
    }
    it->second = entry;
    return true;
  }
  void erase(std::string_view id) {
    if (auto it = table_.find(id); it != table_.end()) table_.erase(it);
  }
  // Drops the expired ones and those held(id, entry) says no longer hold (the stay ended).
  template <typename Held>
  void purge(std::int64_t now, Held&& held) {
    std::erase_if(table_, [&](const auto& kv) {
      return kv.second.ack.until_ms <= now || !held(kv.first, kv.second);
    });
  }

 private:
  Table table_;
};

// Acknowledged orders past each tier of each series (OrderTracker::summary): O(acks) to build.
class AcknowledgedCounts {
 public:
  explicit AcknowledgedCounts(std::size_t max_tiers) : max_tiers_(max_tiers) {}
  void add(std::size_t series, std::size_t tier) { ++counts_[series * max_tiers_ + tier]; }
  std::int64_t at(std::size_t series, std::size_t tier) const {
    if (counts_.empty()) return 0;
    auto it = counts_.find(series * max_tiers_ + tier);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  std::size_t max_tiers_;
  std::unordered_map<std::size_t, std::int64_t> counts_;  // [series * max_tiers + tier]
};

namespace snapshot_codec {
class Writer;
class Reader;
}  // namespace snapshot_codec
// The acknowledgements' section of a snapshot image (actions.cpp; format in snapshot.h).
void save_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w);
void load_acks(OrderTracker::Impl& m, snapshot_codec::Reader& r);

}  // namespace orderwatch::tracking
