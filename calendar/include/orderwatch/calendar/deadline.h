// The deadline function of one SLA tier of a calendar status, in the shape tracking's deadline
// model needs ("one more deadline function behind the same interface" as the wall clock's
// entered + threshold): deadline(entered), non-decreasing in `entered`, and its inverse
// latest_entry_due_by(w), the latest entry time whose deadline is <= w. A stay is past the tier
// as of W iff entered <= latest_entry_due_by(W).
//
// Two kinds:
// - open time (`calendar` + `sla`, or an escalation's `after`): add_open(entered, open);
// - cut-off (`cutoff` + `due` [+ `due_days`]), optionally with an escalation's `late_by`: the
//   due instant, plus `late_by` of open time past it.
// Both inverses are exact to the millisecond (tests/calendar compares them with a minute-
// stepping reference). Plain value, cheap to copy (a shared_ptr and four numbers); const
// members are thread-safe. Cost: as the Calendar functions it calls (calendar.h): O(days
// spanned); the tick calls latest_entry_due_by once per tier per status, an order entry
// deadline() once per tier when needed. Design: docs/design.md, "calendar".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "orderwatch/calendar/calendar.h"

namespace orderwatch::calendar {

class CalendarDeadline {
 public:
  // An open-time tier: due when `open_ms` (> 0) of open time has passed since entry.
  static CalendarDeadline open_time(std::shared_ptr<const Calendar> calendar, std::int64_t open_ms);
  // A cut-off tier: due at the rule's due instant, plus late_by_ms (>= 0) of open time.
  static CalendarDeadline cutoff(std::shared_ptr<const Calendar> calendar, CutoffRule rule,
                                 std::int64_t late_by_ms = 0);

  // The instant the tier is due for a stay entered at `entered`; kNoDeadline when it lies more
  // than about kMaxSpanMs away (a calendar the config check refuses).
  std::int64_t deadline(std::int64_t entered) const;
  // The latest entry time e with deadline(e) <= w; kNoEntry when there is none.
  std::int64_t latest_entry_due_by(std::int64_t w) const;
  // A finished stay ran past the tier: it left at or after its deadline.
  bool ran_past(std::int64_t entered, std::int64_t left) const { return deadline(entered) <= left; }

  // The longest deadline - entry over the calendar's check window (span_check_window): the
  // config check refuses a tier whose longest span is more than kMaxSpanMs (kNoDeadline
  // there counts as more). O(days in the window x days spanned): for `check`, not the tick.
  std::int64_t longest_span() const;

  const Calendar& calendar() const { return *calendar_; }
  bool is_cutoff() const { return rule_.has_value(); }
  std::int64_t open_ms() const { return open_ms_; }  // the open time, or late_by of a cut-off
  const std::optional<CutoffRule>& rule() const { return rule_; }

 private:
  CalendarDeadline(std::shared_ptr<const Calendar> calendar, std::optional<CutoffRule> rule,
                   std::int64_t open_ms)
      : calendar_(std::move(calendar)), rule_(rule), open_ms_(open_ms) {}

  std::shared_ptr<const Calendar> calendar_;
  std::optional<CutoffRule> rule_;
  std::int64_t open_ms_ = 0;
};

}  // namespace orderwatch::calendar
