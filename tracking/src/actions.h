// Private: the acknowledgements an operator placed on orders (OrderTracker::acknowledge) and on
// their milestone clocks (acknowledge_milestone). An acknowledgement belongs to one stay (or
// one clock): it holds while the order is still in the status and entry time it was placed on
// (the clock still runs or is paused), until its expiry, judged as of the watermark W as
// overdue is (placed at W, it lasts its length of stream time; the wall clock while W has no
// position). It is checked lazily (a status change or a forget simply makes it stale) and
// purged by the tick, so the event path carries no hook for it. Bounded: at most kMaxAcks at once.
// Cost: O(1) per lookup, O(acks) per purge. Not thread-safe: owned by OrderTracker::Impl under the
// service's lock.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

inline constexpr std::size_t kMaxAcks = 100'000;  // per table: stays, milestone clocks

// An acknowledgement of a stay: it holds while the order is in that status since that entry.
struct AckEntry {
  std::uint8_t status = 0;
  std::int64_t entered_ms = 0;
  Acknowledgement ack;
  bool of(std::uint8_t s, std::int64_t entered) const {
    return status == s && entered_ms == entered;
  }
};

// An acknowledgement of a milestone clock: it holds while the clock that started at
// started_ms runs or is paused (a clock runs once per order; the start tells a new order of
// the same id apart).
struct MilestoneAckEntry {
  std::uint8_t milestone = 0;
  std::int64_t started_ms = 0;
  Acknowledgement ack;
  bool of(std::int64_t started) const { return started_ms == started; }
};

// The key of order `id`'s acknowledgement of milestone m: the milestone's number, then the id.
inline std::string milestone_ack_key(std::string_view id, std::size_t m) {
  std::string key(1, static_cast<char>(m));
  key.append(id);
  return key;
}
inline std::string_view id_of_milestone_ack_key(std::string_view key) { return key.substr(1); }

// Acknowledgements by key (an order id, or milestone_ack_key), each of one Entry::of(...).
template <typename Entry>
class AckTable {
 public:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;

  bool empty() const { return table_.empty(); }
  std::size_t size() const { return table_.size(); }
  typename Table::const_iterator begin() const { return table_.begin(); }
  typename Table::const_iterator end() const { return table_.end(); }

  // The acknowledgement under `key` of `of...` (a stay, a clock), if it holds at `now` (W).
  template <typename... Of>
  const Entry* holding(std::string_view key, std::int64_t now, const Of&... of) const {
    if (table_.empty()) return nullptr;
    auto it = table_.find(key);
    if (it == table_.end()) return nullptr;
    const Entry& a = it->second;
    return a.of(of...) && a.ack.until_ms > now ? &a : nullptr;
  }
  // Whether one was placed on it, expired or not.
  template <typename... Of>
  bool placed_on(std::string_view key, const Of&... of) const {
    if (table_.empty()) return false;
    auto it = table_.find(key);
    return it != table_.end() && it->second.of(of...);
  }
  // Places (or replaces) the acknowledgement under `key`; false when kMaxAcks are held.
  bool place(std::string_view key, const Entry& entry) {
    auto it = table_.find(key);
    if (it == table_.end()) {
      if (table_.size() >= kMaxAcks) return false;
      it = table_.emplace(std::string(key), Entry{}).first;
    }
    it->second = entry;
    return true;
  }
  void erase(std::string_view key) {
    if (auto it = table_.find(key); it != table_.end()) table_.erase(it);
  }
  // Drops the ones expired at `now` (W) and those held(key, entry) says no longer hold.
  template <typename Held>
  void purge(std::int64_t now, Held&& held) {
    std::erase_if(table_, [&](const auto& kv) {
      return kv.second.ack.until_ms <= now || !held(kv.first, kv.second);
    });
  }

 private:
  Table table_;
};

using Acknowledgements = AckTable<AckEntry>;        // by order id
using MilestoneAcks = AckTable<MilestoneAckEntry>;  // by milestone_ack_key

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
// The milestone acknowledgements' section (version 6 on, after the acks).
void save_milestone_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w);
void load_milestone_acks(OrderTracker::Impl& m, snapshot_codec::Reader& r);

}  // namespace orderwatch::tracking
