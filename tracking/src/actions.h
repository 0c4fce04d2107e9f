// Private: the acknowledgements an operator placed on orders (OrderTracker::acknowledge).
// An acknowledgement belongs to one stay: it holds while the order is still in the status and
// entry time it was placed on, until its expiry (wall clock). It is checked lazily (a status
// change or a forget simply makes it stale) and purged by the tick, so the event path carries
// no hook for it. Bounded: at most kMaxAcks at once. Not thread-safe: owned by Impl.
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
};

struct AckHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

using AckTable = std::unordered_map<std::string, AckEntry, AckHash, std::equal_to<>>;

namespace snapshot_codec {
class Writer;
class Reader;
}  // namespace snapshot_codec
// The acknowledgements' section of a snapshot image (actions.cpp; format in snapshot.h).
void save_acks(const OrderTracker::Impl& m, snapshot_codec::Writer& w);
void load_acks(OrderTracker::Impl& m, snapshot_codec::Reader& r);

}  // namespace orderwatch::tracking
