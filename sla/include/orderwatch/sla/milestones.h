// The parts of a loaded Config's milestones (config.h, sla::Milestone) that other rooms read,
// and the guard that keeps milestones out of the commands that do not handle them yet.
// Stateless and thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::sla {

// Problems, one per milestone, saying that `command` (e.g. "orderwatch serve") does not support
// milestones yet; empty when there is none. Until the tracker and the renderers handle them,
// refusing is better than silently tracking nothing: `orderwatch check` validates them.
std::vector<Problem> unsupported_milestones(const Config& config, std::string_view command);

}  // namespace orderwatch::sla
