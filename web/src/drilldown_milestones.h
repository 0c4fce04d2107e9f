// Private: the milestones of the drill-down (issue 25): an order's clocks and the milestones'
// counts as JSON (drilldown.cpp), the page's milestone section and one milestone's overdue
// list (drilldown_page.cpp). Pure functions over the tracker's plain values, except
// milestone_list, which queries the service once; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "drilldown_params.h"
#include "orderwatch/tracking/queries.h"
#include "orderwatch/tracking/service.h"

namespace orderwatch::web::drilldown {

// An acknowledgement as the API shows it: by, reason, at, until.
nlohmann::ordered_json ack_json(const tracking::Acknowledgement& ack);
// Each started clock: milestone, state, started, deadline (local with an offset on a
// calendar), counted_seconds, paused_seconds, severity, calendar and acknowledged (when set).
nlohmann::ordered_json clocks_json(const std::vector<tracking::MilestoneClockView>& clocks);
// The summary's "milestones": per milestone its counts and overdue per tier.
nlohmann::ordered_json milestone_summary_json(const std::vector<tracking::MilestoneSummary>& sum);

// The page's link to a milestone's list: "/?milestone=M&severity=K&limit=N&cursor=C".
std::string milestone_link(std::string_view milestone, std::string_view severity,
                           std::string_view cursor = {}, std::size_t limit = 0);
// The page's table of milestones (nothing without any): in progress, paused, overdue per tier
// (linked to its list), without deadline for promises.
void milestone_summary_table(std::string& html, const tracking::TrackerSummary& sum);
// One page of `f.milestone`'s unacknowledged overdue clocks (most overdue first, running then
// paused) with a link to the next page, then (first page) the acknowledged ones; with a form
// token (actions enabled) each row and the list carry the action forms, acknowledge acting on
// the clock. Returns the service's refusal (unknown milestone or severity), or "" when drawn.
std::string milestone_list(std::string& html, tracking::TrackerService& service, const Filters& f,
                           std::size_t max_id_bytes, const std::string& token);

}  // namespace orderwatch::web::drilldown
