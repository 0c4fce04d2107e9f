// CalendarDeadline: one tier's deadline function (open time, or cut-off plus late_by) and its
// inverse, composed from the Calendar's functions; and the longest span the config check
// holds to 366 days. Used by the config loader (sla/) and, later, tracking's deadline model.
#include "orderwatch/calendar/deadline.h"

#include <algorithm>

namespace orderwatch::calendar {

CalendarDeadline CalendarDeadline::open_time(std::shared_ptr<const Calendar> calendar,
                                             std::int64_t open_ms) {
  return CalendarDeadline(std::move(calendar), std::nullopt, open_ms);
}

CalendarDeadline CalendarDeadline::cutoff(std::shared_ptr<const Calendar> calendar, CutoffRule rule,
                                          std::int64_t late_by_ms) {
  return CalendarDeadline(std::move(calendar), rule, late_by_ms);
}

std::int64_t CalendarDeadline::deadline(std::int64_t entered) const {
  if (!rule_) return calendar_->add_open(entered, open_ms_);
  const std::int64_t due = calendar_->cutoff_due(entered, *rule_);
  if (open_ms_ <= 0 || due == kNoDeadline) return due;
  return calendar_->add_open(due, open_ms_);
}

// For non-decreasing f and g with inverses f', g' (f(x) <= w iff x <= f'(w)):
// g(f(e)) <= w iff f(e) <= g'(w) iff e <= f'(g'(w)).
std::int64_t CalendarDeadline::latest_entry_due_by(std::int64_t w) const {
  if (!rule_) return calendar_->latest_entry_open_due_by(w, open_ms_);
  std::int64_t due_by = w;
  if (open_ms_ > 0) {
    due_by = calendar_->latest_entry_open_due_by(w, open_ms_);
    if (due_by == kNoEntry) return kNoEntry;
  }
  return calendar_->latest_entry_cutoff_due_by(due_by, *rule_);
}

std::int64_t CalendarDeadline::longest_span() const {
  const auto [from, to] = calendar_->span_check_window();
  std::optional<int> cutoff;
  if (rule_) cutoff = rule_->cutoff;
  std::int64_t longest = 0;
  for (const std::int64_t e : calendar_->span_candidates(from, to, cutoff)) {
    const std::int64_t d = deadline(e);
    if (d == kNoDeadline) return kNoDeadline;
    longest = std::max(longest, d - e);
  }
  return longest;
}

}  // namespace orderwatch::calendar
