// Cut-off deadlines of a Calendar: the due instant of an entry (that day's, or the next open
// day's, plus due_days open days) and its inverse, walking the day table by open days.
// Called by CalendarDeadline (deadline.cpp) and, later, tracking.
//
// Why the inverse is exact: the due day of an entry e is D(e) = the first open day whose
// cut-off instant is > e (an entry before the cut-off of an open day is due that day; one at or
// after it, or on a closed day, on the next open day), shifted by due_days open days. Cut-off
// and due instants grow strictly from one open day to the next, so cutoff_due(e) <= w iff
// D(e) <= D* (T = the last open day due by w, D* = T less due_days open days) iff
// e < cutoff instant of D*: the answer is that instant less 1 ms.
#include <algorithm>

#include "day_table.h"
#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

std::int64_t Calendar::cutoff_due(std::int64_t entered, const CutoffRule& rule) const {
  if (entered >= DayTable::kHighMs) return kNoDeadline;
  entered = std::max(entered, DayTable::kLowMs);
  const std::int64_t limit = entered + kMaxSpanMs;
  std::int64_t c = days_->civil_containing(entered);
  Day d = days_->day(c);
  while (!(d.open_day && days_->instant(d, rule.cutoff) > entered)) {
    d = days_->day(++c);
    if (d.start > limit || c >= DayTable::kEndCivil) return kNoDeadline;
  }
  for (int k = 0; k < rule.due_days;) {
    d = days_->day(++c);
    if (d.start > limit || c >= DayTable::kEndCivil) return kNoDeadline;
    if (d.open_day) ++k;
  }
  return days_->instant(d, rule.due);
}

std::int64_t Calendar::latest_entry_cutoff_due_by(std::int64_t w, const CutoffRule& rule) const {
  if (w < DayTable::kLowMs) return kNoEntry;
  w = std::min(w, DayTable::kHighMs);
  const std::int64_t limit = w - kMaxSpanMs - kDayMs;
  std::int64_t c = days_->civil_containing(w);
  Day d = days_->day(c);
  while (!(d.open_day && days_->instant(d, rule.due) <= w)) {
    d = days_->day(--c);
    if (d.end < limit || c < DayTable::kFirstCivil) return kNoEntry;
  }
  for (int k = 0; k < rule.due_days;) {
    d = days_->day(--c);
    if (d.end < limit || c < DayTable::kFirstCivil) return kNoEntry;
    if (d.open_day) ++k;
  }
  return days_->instant(d, rule.cutoff) - 1;
}

}  // namespace orderwatch::calendar
