// The deadline functions of a calendar status's tiers, read from a loaded Config, and the
// guard that keeps calendar statuses out of the commands that do not handle them yet.
//
// A status with `calendar` counts its `sla` and escalations' `after` in open time; one with
// `cutoff` is due at `due` on its due day, its escalations `late_by` of open time past that
// (calendar/deadline.h). The loader has checked every tier's deadline lies within 366 days of
// entry. Stateless and thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "orderwatch/calendar/deadline.h"
#include "orderwatch/sla/config.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::sla {

// One deadline function per tier of `status` (tiers order); empty for a wall-clock status.
std::vector<calendar::CalendarDeadline> tier_deadlines(const Config& config, const Status& status);

// Problems, one per status with a `calendar`, saying that `command` (e.g. "orderwatch serve")
// does not support calendar statuses yet; empty when there is none. The tracker and the
// renderers still judge every tier on the wall clock: refusing is better than half-working.
std::vector<Problem> unsupported_calendar_statuses(const Config& config, std::string_view command);

}  // namespace orderwatch::sla
