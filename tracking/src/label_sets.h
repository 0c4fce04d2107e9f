// Private: the label sets of the per-status metric families. DimensionValues interns the values
// of one dimension under its cap; LabelSets interns combinations of them (a combo: one value
// id per dimension) under kMaxCombos, tracks which are live, and releases those no order has
// carried for kLabelSetIdleMs, then the values no live combo uses -- so a flood of bad values
// neither holds the caps nor the scrape once no order carries them.
// Cost: O(dimensions) per new order (hash lookups); the idle sweep is O(label sets), at most
// once a minute. Not thread-safe: owned by OrderTracker::Impl under the service's lock.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "orderwatch/events/event.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::tracking {

inline constexpr std::uint16_t kUnknownValue = 0;  // event lacks the dimension field
inline constexpr std::uint16_t kOtherValue = 1;    // value past the dimension's cap
inline constexpr std::size_t kMaxCombos = 4096;    // label-set budget across all dimensions
inline constexpr std::int64_t kLabelSetIdleMs = 10 * 60 * 1000;  // unused this long: released

using ComboKey = std::array<std::uint16_t, events::kMaxDimensions>;

struct ComboHash {
  std::size_t operator()(const ComboKey& k) const {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (auto v : k) h = (h ^ v) * 0x100000001b3ULL;
    return static_cast<std::size_t>(h);
  }
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Index of the configured dimension reading `field`, or -1.
int dimension_by_field(const sla::Config& cfg, std::string_view field);

// Distinct values of one dimension, capped: ids 0 = "unknown", 1 = "other", then real values.
// refs[v]: how many live label sets use value v; release_unused() frees the others (their id
// reused, their name cleared).
struct DimensionValues {
  std::uint32_t cap = 0;
  std::vector<std::string> names{"unknown", "other"};
  std::vector<std::uint32_t> refs{0, 0};
  std::vector<std::uint16_t> free_ids;
  std::unordered_map<std::string, std::uint16_t, StringHash, std::equal_to<>> ids{
      {"unknown", kUnknownValue}, {"other", kOtherValue}};

  // Inline: the hit is the event path's common case (a new order with a value seen before).
  std::uint16_t intern(std::string_view value) {
    if (auto it = ids.find(value); it != ids.end()) return it->second;
    return add(value);
  }
  void release_unused();  // every real value no label set uses

 private:
  std::uint16_t add(std::string_view value);  // a value not seen yet, under the cap
};

class LabelSets {
 public:
  // Combo 0 (every dimension "unknown", or no dimensions at all) exists from the start, so
  // every status is exported with 0 before the first event.
  explicit LabelSets(const sla::Config& cfg);

  std::size_t dimensions() const { return dims_.size(); }
  // Combo ids handed out so far, released ones included: the extent of per-combo arrays.
  std::size_t size() const { return combos_.size(); }
  bool live(std::size_t combo) const { return combo_live_[combo]; }
  // Value id of dimension d in `combo`, and its name.
  std::uint16_t value(std::size_t combo, std::size_t d) const { return combos_[combo][d]; }
  const std::string& value_name(std::size_t d, std::uint16_t v) const { return dims_[d].names[v]; }
  const std::vector<std::string>& value_names(std::size_t d) const { return dims_[d].names; }
  const ComboKey& key(std::size_t combo) const { return combos_[combo]; }

  // The label set of an event's dimension values (interning new ones).
  std::uint16_t intern(const events::Event& e) {
    if (dims_.empty()) return 0;
    ComboKey key{};
    for (std::size_t i = 0; i < dims_.size(); ++i) {
      key[i] = e.has_dim[i] ? dims_[i].intern(e.dims[i]) : kUnknownValue;
    }
    return combo_for(key);
  }
  std::uint16_t intern_value(std::size_t d, std::string_view value) {
    return dims_[d].intern(value);
  }
  // The id of `key`; past kMaxCombos the all-"other" combo's. Inline hit, as intern().
  std::uint16_t combo_for(const ComboKey& key) {
    if (auto it = combo_ids_.find(key); it != combo_ids_.end()) return it->second;
    return add_combo(key);
  }

  // Releases combo c (its key no longer maps to it; the id is reused by a later combo_for).
  void release(std::uint16_t c);
  // Frees the dimension values no live combo uses (after releases).
  void release_unused_values();
  // The idle sweep (due at most once a minute: false otherwise). orders_in(c): orders carrying
  // combo c; released(c) is called for every combo released (combo 0 never is).
  template <typename OrdersIn, typename Released>
  void sweep_idle(std::int64_t now, OrdersIn&& orders_in, Released&& released) {
    if (now < next_sweep_ms_) return;
    next_sweep_ms_ = now + 60'000;
    if (dims_.empty()) return;
    bool any = false;
    for (std::size_t c = 1; c < combos_.size(); ++c) {
      if (!combo_live_[c]) continue;
      if (orders_in(c) != 0) {
        idle_since_[c] = 0;
      } else if (idle_since_[c] == 0) {
        idle_since_[c] = now;
      } else if (now - idle_since_[c] >= kLabelSetIdleMs) {
        release(static_cast<std::uint16_t>(c));
        released(c);
        any = true;
      }
    }
    if (any) release_unused_values();
  }

 private:
  std::uint16_t add_combo(const ComboKey& key);  // a key not seen yet (or the overflow one)
  std::vector<DimensionValues> dims_;
  std::unordered_map<ComboKey, std::uint16_t, ComboHash> combo_ids_;
  std::vector<ComboKey> combos_;  // by combo id; a released one is all "unknown", not live
  std::vector<bool> combo_live_;
  std::vector<std::int64_t> idle_since_;  // wall clock it was first seen unused; 0 = used
  std::vector<std::uint16_t> free_combos_;
  std::int64_t next_sweep_ms_ = 0;
};

}  // namespace orderwatch::tracking
