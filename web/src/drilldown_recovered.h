// Private: what recovered, as the page's "Recovered" section (drilldown_recovered.cpp; the
// JSON answer is DrilldownApi::recovered).
#pragma once

#include <cstddef>
#include <string>

#include "orderwatch/tracking/tracker.h"

namespace orderwatch::web::drilldown {

inline constexpr std::size_t kRecoveredRows = 20;  // on the page; the API takes up to 1000

// Appends the section: the newest entries of `list` (status: the page's filter, "" = all).
void recovered_section(std::string& html, const tracking::RecoveredList& list,
                       std::string_view status);

}  // namespace orderwatch::web::drilldown
