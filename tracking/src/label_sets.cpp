// LabelSets and DimensionValues (label_sets.h): interning dimension values and their
// combinations under the caps, and releasing the unused ones. Called by the tracker when a new
// order arrives, by its tick (the idle sweep) and by snapshot loads and reload hand-overs.
#include "label_sets.h"

namespace orderwatch::tracking {

int dimension_by_field(const sla::Config& cfg, std::string_view field) {
  for (std::size_t j = 0; j < cfg.event.dimensions.size() && j < events::kMaxDimensions; ++j) {
    if (cfg.event.dimensions[j].field == field) return static_cast<int>(j);
  }
  return -1;
}

std::uint16_t DimensionValues::add(std::string_view value) {
  if (names.size() - 2 - free_ids.size() >= cap) return kOtherValue;
  std::uint16_t id = 0;
  if (!free_ids.empty()) {
    id = free_ids.back();
    free_ids.pop_back();
    names[id] = std::string(value);
  } else {
    id = static_cast<std::uint16_t>(names.size());
    names.emplace_back(value);
    refs.push_back(0);
  }
  ids.emplace(names[id], id);
  return id;
}

void DimensionValues::release_unused() {
  for (std::size_t v = 2; v < names.size(); ++v) {
    if (refs[v] != 0) continue;
    auto it = ids.find(names[v]);
    if (it == ids.end() || it->second != v) continue;  // released already
    ids.erase(it);
    names[v].clear();
    free_ids.push_back(static_cast<std::uint16_t>(v));
  }
}

LabelSets::LabelSets(const sla::Config& cfg) {
  for (const auto& d : cfg.event.dimensions) {
    dims_.emplace_back();
    dims_.back().cap = d.max_values;
  }
  combo_for(ComboKey{});
}

std::uint16_t LabelSets::add_combo(const ComboKey& key) {
  if (combos_.size() - free_combos_.size() >= kMaxCombos) {
    ComboKey other{};
    for (std::size_t i = 0; i < dims_.size(); ++i) other[i] = kOtherValue;
    if (key != other) return combo_for(other);
    // The overflow combo itself is always admitted (once).
  }
  for (std::size_t i = 0; i < dims_.size(); ++i) ++dims_[i].refs[key[i]];
  if (!free_combos_.empty()) {  // a released one: its counters were zeroed then
    const std::uint16_t id = free_combos_.back();
    free_combos_.pop_back();
    combos_[id] = key;
    combo_live_[id] = true;
    idle_since_[id] = 0;
    combo_ids_.emplace(key, id);
    return id;
  }
  auto id = static_cast<std::uint16_t>(combos_.size());
  combos_.push_back(key);
  combo_live_.push_back(true);
  idle_since_.push_back(0);
  combo_ids_.emplace(key, id);
  return id;
}

void LabelSets::release(std::uint16_t c) {
  combo_ids_.erase(combos_[c]);
  for (std::size_t i = 0; i < dims_.size(); ++i) --dims_[i].refs[combos_[c][i]];
  combos_[c] = ComboKey{};
  combo_live_[c] = false;
  idle_since_[c] = 0;
  free_combos_.push_back(c);
}

void LabelSets::release_unused_values() {
  for (auto& d : dims_) d.release_unused();
}

}  // namespace orderwatch::tracking
