// Drill-down queries (find, overdue, summary, status_counts), called by TrackerService under its
// lock: a page of overdue orders is a bounded walk of each status's StatusIndex from the cursor
// (tier k's overdue orders are the index prefix up to StatusDeadlines::cutoff(k)); counts come
// from SeriesCounters. Nothing here visits an order outside the page.
#include <algorithm>
#include <map>
#include <tuple>

#include "orderwatch/tracking/tracker.h"
#include "tracker_impl.h"

namespace orderwatch::tracking {

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  out.append(text.substr(0, kMax));
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

OrderView OrderTracker::Impl::view(std::uint32_t idx) const {
  const OrderRecord& r = table.at(idx);
  OrderView v;
  v.id = std::string(table.id(idx));
  v.status = r.status;
  v.status_name = cfg.statuses[r.status].name;
  v.entered_ms = r.entered_ms;
  v.first_seen_ms = r.first_seen_ms;
  const std::size_t past = tiers_past(r);
  v.tiers_crossed = static_cast<int>(past);
  if (past > 0) v.severity = cfg.statuses[r.status].tiers[past - 1].severity;
  v.dims.reserve(labels.dimensions());
  for (std::size_t i = 0; i < labels.dimensions(); ++i) {
    v.dims.push_back(labels.value_name(i, labels.value(r.combo, i)));
  }
  if (const AckEntry* a = ack_of(idx)) v.ack = a->ack;
  view_milestones(idx, v);
  const StatusDeadlines& d = deadlines[r.status];
  if (d.tiers() == 0) return v;
  const std::int64_t due = d.deadline(r.entered_ms, 0);
  if (due == calendar::kNoDeadline) return v;
  v.deadline_ms = due;
  if (d.on_calendar()) {
    const calendar::Calendar& cal = d.calendar_tier(0).calendar();
    v.calendar = cfg.statuses[r.status].calendar;
    v.deadline_local = cal.format_local(due);
    const std::int64_t w = watermark.ms();
    if (w != kNever) {
      v.open_to_deadline_ms = w <= due ? cal.open_ms_between(w, due) : -cal.open_ms_between(due, w);
    }
  }
  return v;
}

std::vector<std::string> OrderTracker::dimension_labels() const {
  std::vector<std::string> out;
  for (const auto& d : impl_->cfg.event.dimensions) out.push_back(d.label);
  return out;
}

std::optional<OrderView> OrderTracker::find(std::string_view id) const {
  const std::uint32_t idx = impl_->find(id);
  if (idx == OrderTable::kNotFound) return std::nullopt;
  return impl_->view(idx);
}

namespace {

// One overdue() query: which (status, tier) pairs it selects, the acknowledged orders among
// them, then the page as a k-way merge of the selected statuses' index walks from the cursor.
class OverdueSearch {
 public:
  OverdueSearch(const OrderTracker::Impl& m, const OverdueQuery& q) : m_(m), q_(q) {}

  OverduePage run(std::vector<std::string> dimension_labels) {
    if (!select()) return std::move(page_);
    // A status without tiers (terminal, or no SLA) has no overdue orders: an empty page.
    page_.dimension_labels = std::move(dimension_labels);
    for (auto [s, k] : selected_) {
      for (std::size_t c = 0; c < m_.labels.size(); ++c) {
        page_.total += static_cast<std::uint64_t>(
            m_.by_series.overdue(m_.by_series.series(static_cast<std::uint16_t>(c), s), k));
      }
    }
    after_ = resume_point();
    exclude_ = q_.acknowledged == AckFilter::kExclude && !m_.acks.empty();
    if (q_.acknowledged != AckFilter::kInclude && !m_.acks.empty()) {
      if (count_acknowledged()) return std::move(page_);
    } else if (q_.acknowledged == AckFilter::kOnly) {
      page_.total = 0;
      return std::move(page_);
    }
    merge();
    return std::move(page_);
  }

 private:
  struct Source {
    std::uint8_t status;
    std::size_t tier;
    std::int64_t cutoff;
    StatusIndex::Walker walker;
    bool live() const { return !walker.done() && walker.entry().t <= cutoff; }
  };

  // The tier of status s the severity filter names ("" = the first), if it has one.
  std::optional<std::size_t> tier_of(std::size_t s) const {
    const auto& tiers = m_.cfg.statuses[s].tiers;
    if (q_.severity.empty()) return tiers.empty() ? std::nullopt : std::optional<std::size_t>(0);
    for (std::size_t k = 0; k < tiers.size(); ++k) {
      if (tiers[k].severity == q_.severity) return k;
    }
    return std::nullopt;
  }

  // Which (status, tier) pairs the filters select; false (page_.error set) when refused.
  bool select() {
    const auto& statuses = m_.cfg.statuses;
    bool severity_known = q_.severity.empty();
    for (std::size_t s = 0; s < statuses.size(); ++s) {
      const auto k = tier_of(s);
      if (k && !q_.severity.empty()) severity_known = true;
      if (!q_.status.empty() && statuses[s].name != q_.status) continue;
      if (k) selected_.emplace_back(static_cast<std::uint8_t>(s), *k);
    }
    if (!q_.status.empty() && m_.cfg.status_index(q_.status) < 0) {
      page_.error = "unknown status " + quoted(q_.status);
    } else if (!severity_known) {
      page_.error = "unknown severity " + quoted(q_.severity);
    } else if (!q_.status.empty() && !q_.severity.empty() && selected_.empty()) {
      page_.error =
          "status " + quoted(q_.status) + " has no tier with severity " + quoted(q_.severity);
    }
    return page_.error.empty();
  }

  // Resume strictly after the cursor; a cursor of another tracker instance resumes at its
  // millisecond (see OrderCursor).
  IndexEntry resume_point() const {
    if (!q_.after) return IndexEntry{kNever, 0};
    const OrderCursor& a = *q_.after;
    return a.epoch == m_.epoch      ? IndexEntry{a.entered_ms, a.slot}
           : a.entered_ms == kNever ? IndexEntry{kNever, 0}
                                    : IndexEntry{a.entered_ms - 1, 0xFFFFFFFFu};
  }

  // Acknowledged orders in the selection, from the ack table (O(acks), never O(orders)):
  // counted; listed when only they are asked for (then true: the page is complete).
  bool count_acknowledged() {
    std::vector<int> tier_of_status(m_.cfg.statuses.size(), -1);
    for (auto [s, k] : selected_) tier_of_status[s] = static_cast<int>(k);
    std::vector<IndexEntry> acked;
    m_.for_each_acknowledged([&](std::uint32_t idx, const OrderRecord& r) {
      const int k = tier_of_status[r.status];
      if (k < 0 || m_.tiers_past(r) <= static_cast<std::size_t>(k)) return;
      ++page_.acknowledged;
      if (q_.acknowledged == AckFilter::kOnly && after_ < IndexEntry{r.entered_ms, idx}) {
        acked.push_back(IndexEntry{r.entered_ms, idx});
      }
    });
    if (exclude_) page_.total -= page_.acknowledged;
    if (q_.acknowledged != AckFilter::kOnly) return false;
    page_.total = page_.acknowledged;
    std::sort(acked.begin(), acked.end());
    const std::size_t limit = std::max<std::size_t>(q_.limit, 1);
    for (const IndexEntry& e : acked) {
      if (page_.orders.size() == limit) break;
      page_.orders.push_back(m_.view(e.idx));
    }
    if (acked.size() > page_.orders.size()) {
      const IndexEntry& last = acked[page_.orders.size() - 1];
      page_.next = OrderCursor{last.t, last.idx, m_.epoch};
    }
    return true;
  }

  // Stepped over: late stays (OrderRecord::late: not overdue yet) and, when excluded,
  // acknowledged entries (at most one per acknowledgement).
  void skip_unlisted(Source& src) const {
    while (src.live()) {
      const std::uint32_t idx = src.walker.entry().idx;
      if (!m_.table.at(idx).late && !(exclude_ && m_.ack_of(idx) != nullptr)) return;
      src.walker.next();
    }
  }

  // k-way merge by (entered, slot); the number of statuses is small, so a linear pick.
  void merge() {
    std::vector<Source> sources;
    sources.reserve(selected_.size());
    for (auto [s, k] : selected_) {
      Source src{s, k, m_.deadlines[s].cutoff(k),
                 q_.after ? m_.index[s].walk_after(after_) : m_.index[s].walk()};
      skip_unlisted(src);
      if (src.live()) sources.push_back(src);
    }
    std::size_t id_bytes = 0;
    const std::size_t limit = std::max<std::size_t>(q_.limit, 1);
    IndexEntry last{};
    while (!sources.empty()) {
      auto best = sources.begin();
      for (auto it = sources.begin() + 1; it != sources.end(); ++it) {
        if (it->walker.entry() < best->walker.entry()) best = it;
      }
      if (page_.orders.size() == limit || id_bytes > q_.max_id_bytes) {
        page_.next = OrderCursor{last.t, last.idx, m_.epoch};
        break;
      }
      last = best->walker.entry();
      page_.orders.push_back(m_.view(last.idx));
      id_bytes += page_.orders.back().id.size();
      best->walker.next();
      skip_unlisted(*best);
      if (!best->live()) sources.erase(best);
    }
  }

  const OrderTracker::Impl& m_;
  const OverdueQuery& q_;
  OverduePage page_;
  std::vector<std::pair<std::uint8_t, std::size_t>> selected_;
  IndexEntry after_{kNever, 0};
  bool exclude_ = false;
};

}  // namespace

OverduePage OrderTracker::overdue(const OverdueQuery& q) const {
  if (!q.milestone.empty()) return impl_->milestone_overdue(q, dimension_labels());
  return OverdueSearch(*impl_, q).run(dimension_labels());
}

namespace {

// Per dimension: value id -> count.
using CountsByValue = std::vector<std::map<std::uint16_t, std::int64_t>>;

// The most frequent values (at most `top_values`) of dimension d among a status's overdue
// orders, with their in-flight counts; ties by value so the answer is deterministic.
DimensionTop top_of_dimension(const LabelSets& labels, std::size_t d, const std::string& label,
                              const std::map<std::uint16_t, std::int64_t>& overdue_by_value,
                              std::map<std::uint16_t, std::int64_t>& in_flight_by_value,
                              std::size_t top_values, const StatusSummary& sum) {
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> values;  // value, overdue, in
  for (auto [v, count] : overdue_by_value) {
    values.emplace_back(labels.value_name(d, v), count, in_flight_by_value[v]);
  }
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return std::get<1>(a) != std::get<1>(b) ? std::get<1>(a) > std::get<1>(b)
                                            : std::get<0>(a) < std::get<0>(b);
  });
  if (values.size() > top_values) values.resize(top_values);
  DimensionTop top{label, {}, {}, sum.overdue.empty() ? 0 : sum.overdue[0].second, sum.in_flight};
  for (auto& [value, count, in_flight] : values) {
    top.values.emplace_back(std::move(value), count);
    top.in_flight.push_back(in_flight);
  }
  return top;
}

}  // namespace

// Counts from the per-series counters, acknowledged orders apart (as order_overdue and
// order_overdue_acknowledged); the top values per dimension among the unacknowledged overdue.
TrackerSummary OrderTracker::summary(std::size_t top_values) const {
  const Impl& m = *impl_;
  TrackerSummary out;
  out.tracked = m.table.size();
  out.dimension_labels = dimension_labels();
  const AcknowledgedCounts acked = m.acknowledged_counts();
  const std::size_t ndims = m.labels.dimensions();
  for (std::size_t s = 0; s < m.cfg.statuses.size(); ++s) {
    const auto& st = m.cfg.statuses[s];
    StatusSummary sum;
    sum.name = st.name;
    sum.terminal = st.terminal;
    if (!m.index[s].empty()) sum.oldest_entered_ms = m.index[s].oldest().t;
    std::vector<std::int64_t> per_tier(st.tiers.size(), 0), acked_tier(st.tiers.size(), 0);
    CountsByValue overdue_by_value(ndims), in_flight_by_value(ndims);
    for (std::size_t c = 0; c < m.labels.size(); ++c) {
      const std::size_t ser =
          m.by_series.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s));
      const std::int64_t in_status = m.by_series.in_status(ser);
      sum.in_flight += in_status;
      for (std::size_t k = 0; k < per_tier.size(); ++k) {
        per_tier[k] += m.by_series.overdue(ser, k) - acked.at(ser, k);
        acked_tier[k] += acked.at(ser, k);
      }
      const std::int64_t overdue =  // first tier, unacknowledged
          per_tier.empty() ? 0 : m.by_series.overdue(ser, 0) - acked.at(ser, 0);
      for (std::size_t d = 0; d < ndims; ++d) {
        if (in_status != 0) in_flight_by_value[d][m.labels.value(c, d)] += in_status;
        if (overdue != 0) overdue_by_value[d][m.labels.value(c, d)] += overdue;
      }
    }
    for (std::size_t k = 0; k < per_tier.size(); ++k) {
      sum.overdue.emplace_back(st.tiers[k].severity, per_tier[k]);
      sum.acknowledged.emplace_back(st.tiers[k].severity, acked_tier[k]);
    }
    for (std::size_t d = 0; d < ndims; ++d) {
      if (overdue_by_value[d].empty()) continue;
      sum.top_overdue.push_back(top_of_dimension(m.labels, d, out.dimension_labels[d],
                                                 overdue_by_value[d], in_flight_by_value[d],
                                                 top_values, sum));
    }
    out.statuses.push_back(std::move(sum));
  }
  m.summarize_milestones(out);
  return out;
}

std::vector<StatusCounts> OrderTracker::status_counts() const {
  const Impl& m = *impl_;
  std::vector<StatusCounts> out(m.cfg.statuses.size());
  for (std::size_t s = 0; s < out.size(); ++s) {
    out[s].in_flight = static_cast<std::int64_t>(m.index[s].size());
    if (m.deadlines[s].tiers() == 0) continue;
    for (std::size_t c = 0; c < m.labels.size(); ++c) {
      out[s].overdue += m.by_series.overdue(
          m.by_series.series(static_cast<std::uint16_t>(c), static_cast<std::uint8_t>(s)), 0);
    }
  }
  // Acknowledged orders past the first tier leave the overdue count, as in snapshot().
  m.for_each_acknowledged([&](std::uint32_t, const OrderRecord& r) {
    if (m.tiers_past(r) > 0) --out[r.status].overdue;
  });
  return out;
}

}  // namespace orderwatch::tracking
