// Private: what recovered -- a ring of the latest orders that left their status while overdue
// (OrderTracker::recovered), and the redrive requests that may precede that. Bounded: the ring
// holds kRecoveredEntries entries, each an id of at most event.max_id_bytes bytes (cut beyond)
// plus two status names and a severity; slots are reused in place, so a full ring allocates
// nothing more. Kept in snapshots (version 6 on) and across reloads. Cost: O(1) per entry or
// mark.
// Not thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::tracking {

inline constexpr std::size_t kRecoveredEntries = 1000;
// Redrive requests remembered at once (the stay they were for), like kMaxAcks.
inline constexpr std::size_t kMaxRedriveMarks = 100'000;

class RecoveredRing {
 public:
  // The slot for a new entry: a fresh one until the ring is full, then the oldest, reused.
  RecoveredOrder& push() {
    ++recorded_;
    if (slots_.size() < kRecoveredEntries) {
      slots_.emplace_back();
      return slots_.back();
    }
    RecoveredOrder& slot = slots_[next_];
    next_ = (next_ + 1) % kRecoveredEntries;
    return slot;
  }
  // Newest first; f returns false to stop.
  template <typename F>
  void for_each_newest_first(F&& f) const {
    const std::size_t size = slots_.size();
    for (std::size_t i = 0; i < size; ++i) {
      // When full, next_ is the oldest; the newest sits just before it.
      const std::size_t at = size < kRecoveredEntries
                                 ? size - 1 - i
                                 : (next_ + kRecoveredEntries - 1 - i) % kRecoveredEntries;
      if (!f(slots_[at])) return;
    }
  }
  std::size_t size() const { return slots_.size(); }
  std::uint64_t recorded() const { return recorded_; }
  void set_recorded(std::uint64_t n) { recorded_ = n; }  // a loaded snapshot's count
  std::size_t memory_bytes() const {
    std::size_t bytes = slots_.capacity() * sizeof(RecoveredOrder);
    for (const auto& e : slots_) bytes += e.id.capacity() + e.status.capacity() + e.to.capacity();
    return bytes;
  }

 private:
  std::vector<RecoveredOrder> slots_;
  std::size_t next_ = 0;  // once full: the oldest slot, overwritten next
  std::uint64_t recorded_ = 0;
};

struct RedriveMark {
  std::uint8_t status = 0;
  std::int64_t entered_ms = 0;
};

// Redrive requests by order id, each for one stay (status, entered); at most kMaxRedriveMarks.
class RedriveMarks {
 public:
  bool empty() const { return marks_.empty(); }
  std::size_t size() const { return marks_.size(); }
  // A redrive of order `id`'s stay was requested (past the bound only the mark is not kept).
  void note(std::string_view id, RedriveMark mark) {
    if (auto it = marks_.find(id); it != marks_.end()) {
      it->second = mark;
    } else if (marks_.size() < kMaxRedriveMarks) {
      marks_.emplace(std::string(id), mark);
    }
  }
  // The order left its stay (status, entered): drops its mark; true when it was for that stay.
  bool take(std::string_view id, std::uint8_t status, std::int64_t entered) {
    if (marks_.empty()) return false;
    auto it = marks_.find(id);
    if (it == marks_.end()) return false;
    const bool same = it->second.status == status && it->second.entered_ms == entered;
    marks_.erase(it);
    return same;
  }
  void drop(std::string_view id) {
    if (auto it = marks_.find(id); it != marks_.end()) marks_.erase(it);
  }
  // Drops the marks held(id, mark) says no longer hold (the order moved on or is gone).
  template <typename Held>
  void purge(Held&& held) {
    std::erase_if(marks_, [&](const auto& kv) { return !held(kv.first, kv.second); });
  }
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [id, mark] : marks_) f(id, mark);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, RedriveMark, Hash, std::equal_to<>> marks_;
};

namespace snapshot_codec {
class Writer;
class Reader;
}  // namespace snapshot_codec
// The ring's section of a snapshot image (version 6 on, after the milestone acks): recorded,
// count, then the entries oldest first (recovered.cpp; format in snapshot.h). A loaded entry's
// id is cut to this config's event.max_id_bytes.
void save_recovered(const OrderTracker::Impl& m, snapshot_codec::Writer& w);
void load_recovered(OrderTracker::Impl& m, snapshot_codec::Reader& r);

}  // namespace orderwatch::tracking
