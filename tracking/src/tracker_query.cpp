// Drill-down queries over the tracker's own ordered structures: a page of overdue orders is a
// bounded walk of each status's StatusIndex from the cursor (the overdue orders of tier k are
// exactly the index prefix with entered <= cutoff[k]); counts come from the per-series
// counters. Nothing here visits an order outside the page.
#include <algorithm>
#include <map>
#include <tuple>

#include "orderwatch/tracking/tracker.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

namespace {

// Client text echoed in an error message, shortened so an error stays small.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

struct Source {
  std::uint8_t status;
  std::size_t tier;
  std::int64_t cutoff;
  StatusIndex::Walker walker;
  bool live() const { return !walker.done() && walker.entry().t <= cutoff; }
};

}  // namespace

OrderView OrderTracker::Impl::view(std::uint32_t idx) const {
  const Impl& impl = *this;
  const OrderRecord& r = impl.table.at(idx);
  OrderView v;
  v.id = std::string(impl.table.id(idx));
  v.status = r.status;
  v.status_name = impl.cfg.statuses[r.status].name;
  v.entered_ms = r.entered_ms;
  v.first_seen_ms = r.first_seen_ms;
  const auto& cut = impl.cutoff[r.status];
  for (std::size_t k = 0; k < cut.size() && r.entered_ms <= cut[k]; ++k) {
    v.tiers_crossed = static_cast<int>(k) + 1;
    v.severity = impl.cfg.statuses[r.status].tiers[k].severity;
  }
  const auto& key = impl.combos[r.combo];
  v.dims.reserve(impl.ndims);
  for (std::size_t i = 0; i < impl.ndims; ++i) v.dims.push_back(impl.dims[i].names[key[i]]);
  if (const AckEntry* a = ack_of(idx)) v.ack = a->ack;
  return v;
}

std::vector<std::string> OrderTracker::dimension_labels() const {
  std::vector<std::string> out;
  for (const auto& d : impl_->cfg.event.dimensions) out.push_back(d.label);
  return out;
}

std::optional<OrderView> OrderTracker::find(std::string_view id) const {
  const std::uint32_t idx = impl_->table.find(id, hash_order_id(impl_->hash_key, id));
  if (idx == OrderTable::kNotFound) return std::nullopt;
  return impl_->view(idx);
}

OverduePage OrderTracker::overdue(const OverdueQuery& q) const {
  const Impl& impl = *impl_;
  const auto& statuses = impl.cfg.statuses;
  OverduePage page;

  // Which (status, tier) pairs the filters select.
  std::vector<std::pair<std::uint8_t, std::size_t>> selected;
  auto tier_of = [&](std::size_t s) -> std::optional<std::size_t> {
    const auto& tiers = statuses[s].tiers;
    if (q.severity.empty()) return tiers.empty() ? std::nullopt : std::optional<std::size_t>(0);
    for (std::size_t k = 0; k < tiers.size(); ++k) {
      if (tiers[k].severity == q.severity) return k;
    }
    return std::nullopt;
  };
  bool severity_known = q.severity.empty();
  for (std::size_t s = 0; s < statuses.size(); ++s) {
    const auto k = tier_of(s);
    if (k && !q.severity.empty()) severity_known = true;
    if (!q.status.empty() && statuses[s].name != q.status) continue;
    if (k) selected.emplace_back(static_cast<std::uint8_t>(s), *k);
  }
  if (!q.status.empty() && impl.cfg.status_index(q.status) < 0) {
    page.error = "unknown status " + quoted(q.status);
    return page;
  }
  if (!severity_known) {
    page.error = "unknown severity " + quoted(q.severity);
    return page;
  }
  if (!q.status.empty() && !q.severity.empty() && selected.empty()) {
    page.error = "status " + quoted(q.status) + " has no tier with severity " + quoted(q.severity);
    return page;
  }
  // A status without tiers (terminal, or no SLA) has no overdue orders: an empty page.

  page.dimension_labels = dimension_labels();
  for (auto [s, k] : selected) {
    for (std::size_t c = 0; c < impl.combos.size(); ++c) {
      page.total += static_cast<std::uint64_t>(
          impl.overdue[impl.series(static_cast<std::uint16_t>(c), s) * impl.max_tiers + k]);
    }
  }

  // Resume strictly after the cursor; a cursor of another tracker instance resumes at its
  // millisecond (see OrderCursor).
  IndexEntry after{kNever, 0};
  if (q.after) {
    after = q.after->epoch == impl.epoch    ? IndexEntry{q.after->entered_ms, q.after->slot}
            : q.after->entered_ms == kNever ? IndexEntry{kNever, 0}
                                            : IndexEntry{q.after->entered_ms - 1, 0xFFFFFFFFu};
  }

  // Acknowledged orders in the selection, from the ack table (O(acks), never O(orders)).
  const bool exclude = q.acknowledged == AckFilter::kExclude && !impl.acks.empty();
  if (q.acknowledged != AckFilter::kInclude && !impl.acks.empty()) {
    std::vector<int> tier_of_status(impl.n, -1);
    for (auto [s, k] : selected) tier_of_status[s] = static_cast<int>(k);
    std::vector<IndexEntry> acked;
    for (const auto& [id, a] : impl.acks) {
      const std::uint32_t idx = impl.table.find(id, hash_order_id(impl.hash_key, id));
      if (idx == OrderTable::kNotFound || impl.ack_of(idx) == nullptr) continue;
      const OrderRecord& r = impl.table.at(idx);
      const int k = tier_of_status[r.status];
      if (k < 0 || impl.tiers_past(r) <= static_cast<std::size_t>(k)) continue;
      ++page.acknowledged;
      if (q.acknowledged == AckFilter::kOnly && after < IndexEntry{r.entered_ms, idx}) {
        acked.push_back(IndexEntry{r.entered_ms, idx});
      }
    }
    if (exclude) page.total -= page.acknowledged;
    if (q.acknowledged == AckFilter::kOnly) {
      page.total = page.acknowledged;
      std::sort(acked.begin(), acked.end());
      const std::size_t limit = std::max<std::size_t>(q.limit, 1);
      for (const IndexEntry& e : acked) {
        if (page.orders.size() == limit) break;
        page.orders.push_back(impl.view(e.idx));
      }
      if (acked.size() > page.orders.size()) {
        const IndexEntry& last = acked[page.orders.size() - 1];
        page.next = OrderCursor{last.t, last.idx, impl.epoch};
      }
      return page;
    }
  } else if (q.acknowledged == AckFilter::kOnly) {
    page.total = 0;
    return page;
  }
  // Excluded: acknowledged entries are stepped over (at most one per acknowledgement).
  auto skip_acked = [&](Source& src) {
    while (exclude && src.live() && impl.ack_of(src.walker.entry().idx) != nullptr) {
      src.walker.next();
    }
  };

  std::vector<Source> sources;
  sources.reserve(selected.size());
  for (auto [s, k] : selected) {
    Source src{s, k, impl.cutoff[s][k],
               q.after ? impl.index[s].walk_after(after) : impl.index[s].walk()};
    skip_acked(src);
    if (src.live()) sources.push_back(src);
  }

  // k-way merge by (entered, slot); the number of statuses is small, so a linear pick.
  std::size_t id_bytes = 0;
  const std::size_t limit = std::max<std::size_t>(q.limit, 1);
  IndexEntry last{};
  while (!sources.empty()) {
    auto best = sources.begin();
    for (auto it = sources.begin() + 1; it != sources.end(); ++it) {
      if (it->walker.entry() < best->walker.entry()) best = it;
    }
    if (page.orders.size() == limit || id_bytes > q.max_id_bytes) {
      page.next = OrderCursor{last.t, last.idx, impl.epoch};
      break;
    }
    last = best->walker.entry();
    page.orders.push_back(impl.view(last.idx));
    id_bytes += page.orders.back().id.size();
    best->walker.next();
    skip_acked(*best);
    if (!best->live()) sources.erase(best);
  }
  return page;
}

TrackerSummary OrderTracker::summary(std::size_t top_values) const {
  const Impl& impl = *impl_;
  TrackerSummary out;
  out.tracked = impl.table.size();
  out.dimension_labels = dimension_labels();
  // Acknowledged orders are counted apart, as order_overdue and order_overdue_acknowledged.
  const auto acked_by_tier = impl.acknowledged_by_tier();
  for (std::size_t s = 0; s < impl.n; ++s) {
    const auto& st = impl.cfg.statuses[s];
    StatusSummary sum;
    sum.name = st.name;
    sum.terminal = st.terminal;
    if (!impl.index[s].empty()) sum.oldest_entered_ms = impl.index[s].oldest().t;
    std::vector<std::int64_t> per_tier(st.tiers.size(), 0), acked_tier(st.tiers.size(), 0);
    // Overdue (first tier) count per value of each dimension, from the per-combo counters.
    std::vector<std::map<std::uint16_t, std::int64_t>> by_value(impl.ndims);
    // In-flight count per value of each dimension (overdue or not), for the shares.
    std::vector<std::map<std::uint16_t, std::int64_t>> in_flight_by_value(impl.ndims);
    for (std::size_t c = 0; c < impl.combos.size(); ++c) {
      const std::size_t ser =
          impl.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s));
      sum.in_flight += impl.in_status[ser];
      std::int64_t overdue = 0;  // first tier, unacknowledged
      for (std::size_t k = 0; k < per_tier.size(); ++k) {
        std::int64_t acked = 0;
        if (!acked_by_tier.empty()) {
          auto it = acked_by_tier.find(ser * impl.max_tiers + k);
          if (it != acked_by_tier.end()) acked = it->second;
        }
        per_tier[k] += impl.overdue[ser * impl.max_tiers + k] - acked;
        acked_tier[k] += acked;
        if (k == 0) overdue = impl.overdue[ser * impl.max_tiers] - acked;
      }
      if (impl.in_status[ser] != 0) {
        for (std::size_t d = 0; d < impl.ndims; ++d) {
          in_flight_by_value[d][impl.combos[c][d]] += impl.in_status[ser];
        }
      }
      if (overdue == 0) continue;
      for (std::size_t d = 0; d < impl.ndims; ++d) by_value[d][impl.combos[c][d]] += overdue;
    }
    for (std::size_t k = 0; k < per_tier.size(); ++k) {
      sum.overdue.emplace_back(st.tiers[k].severity, per_tier[k]);
      sum.acknowledged.emplace_back(st.tiers[k].severity, acked_tier[k]);
    }
    for (std::size_t d = 0; d < impl.ndims; ++d) {
      if (by_value[d].empty()) continue;
      // (value, overdue, in flight)
      std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> values;
      for (auto [v, count] : by_value[d]) {
        values.emplace_back(impl.dims[d].names[v], count, in_flight_by_value[d][v]);
      }
      // Most frequent first; ties by value so the answer is deterministic.
      std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
        return std::get<1>(a) != std::get<1>(b) ? std::get<1>(a) > std::get<1>(b)
                                                : std::get<0>(a) < std::get<0>(b);
      });
      if (values.size() > top_values) values.resize(top_values);
      DimensionTop top{out.dimension_labels[d], {}, {}, per_tier[0], sum.in_flight};
      for (auto& [value, count, in_flight] : values) {
        top.values.emplace_back(std::move(value), count);
        top.in_flight.push_back(in_flight);
      }
      sum.top_overdue.push_back(std::move(top));
    }
    out.statuses.push_back(std::move(sum));
  }
  return out;
}

std::vector<StatusCounts> OrderTracker::status_counts() const {
  const Impl& impl = *impl_;
  std::vector<StatusCounts> out(impl.n);
  for (std::size_t s = 0; s < impl.n; ++s) {
    out[s].in_flight = static_cast<std::int64_t>(impl.index[s].size());
    if (impl.cutoff[s].empty()) continue;
    for (std::size_t c = 0; c < impl.combos.size(); ++c) {
      out[s].overdue +=
          impl.overdue[impl.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s)) *
                       impl.max_tiers];
    }
  }
  // Acknowledged orders past the first tier leave the overdue count, as in snapshot().
  for (const auto& [id, a] : impl.acks) {
    const std::uint32_t idx = impl.table.find(id, hash_order_id(impl.hash_key, id));
    if (idx == OrderTable::kNotFound || impl.ack_of(idx) == nullptr) continue;
    const OrderRecord& r = impl.table.at(idx);
    if (impl.tiers_past(r) > 0) --out[r.status].overdue;
  }
  return out;
}

}  // namespace orderwatch::tracking
