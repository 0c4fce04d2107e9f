// Private: request parameters shared by the drill-down API and page (parsed and checked before
// the tracker is touched).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "orderwatch/web/drilldown.h"

namespace orderwatch::web::drilldown {

inline constexpr std::size_t kMaxQueryBytes = 4096;
inline constexpr std::size_t kMaxNameBytes = 128;  // status, milestone and severity names

struct Filters {
  std::string status;
  std::string milestone;  // a milestone's overdue clocks instead (status then empty)
  std::string severity;
  std::optional<std::size_t> limit;  // nullopt: the caller's default
  std::optional<tracking::OrderCursor> cursor;
  std::string cursor_text;
};

// Parses status, milestone, severity, limit and cursor (`filters`: the endpoint takes them; else it
// takes no parameter at all; status and milestone exclude each other). Every endpoint of the API
// and the page is equally strict: an unknown or repeated parameter, an empty value or a malformed
// escape is an error. Returns the error message, or "" on success.
std::string parse_filters(std::string_view query, Filters& out, bool filters = true);
// The same rules for GET /api/v1/recovered: status and limit only.
std::string parse_recovered_filters(std::string_view query, Filters& out);

// The order id of /api/v1/orders/{id}: `raw` percent-decoded ('+' stays '+'), refused when an
// escape is malformed, it decodes to a NUL byte, it is empty or longer than `max_bytes`.
// Returns the error message, or "" with the id in `out`.
std::string parse_order_id(std::string_view raw, std::size_t max_bytes, std::string& out);

// An age or a duration the way the page writes it: 7260500 ms -> "2h 1m"; under a minute,
// seconds (drilldown_page.cpp).
std::string human_age(std::int64_t ms);

// What the API and the page say once an ingest gap happened.
inline constexpr std::string_view kGapWarning =
    "Counts may include orders whose events were lost during an ingest gap (core NATS loses "
    "what is published while orderwatch is disconnected, and what it drops as a slow "
    "consumer): such orders stay overdue until their next event, a forget, or eviction. Use "
    "JetStream (nats.jetstream) to close gaps.";

// Whether the page may link `id` to its lookup (one parse_order_id accepts once encoded).
bool linkable_id(std::string_view id, std::size_t max_bytes);

}  // namespace orderwatch::web::drilldown
