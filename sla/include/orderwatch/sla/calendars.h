// The deadline functions of a calendar status's tiers, read from a loaded Config.
//
// A status with `calendar` counts its `sla` and escalations' `after` in open time; one with
// `cutoff` is due at `due` on its due day, its escalations `late_by` of open time past that
// (calendar/deadline.h). The loader has checked every tier's deadline lies within 366 days of
// entry. Stateless and thread-safe.
#pragma once

#include <vector>

#include "orderwatch/calendar/deadline.h"
#include "orderwatch/sla/config.h"

namespace orderwatch::sla {

// One deadline function per tier of `status` (tiers order); empty for a wall-clock status.
std::vector<calendar::CalendarDeadline> tier_deadlines(const Config& config, const Status& status);

}  // namespace orderwatch::sla
