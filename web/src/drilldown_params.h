// Private: request parameters shared by the drill-down API and page (parsed and checked before
// the tracker is touched).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "orderwatch/web/drilldown.h"

namespace orderwatch::web::drilldown {

inline constexpr std::size_t kMaxQueryBytes = 4096;
inline constexpr std::size_t kMaxNameBytes = 128;  // status and severity names

// Decodes %XX and '+' (query strings); false on a malformed escape.
bool url_decode(std::string_view in, std::string& out, bool plus_is_space);
std::string url_encode(std::string_view in);

struct Filters {
  std::string status;
  std::string severity;
  std::optional<std::size_t> limit;  // nullopt: the caller's default
  std::optional<tracking::OrderCursor> cursor;
  std::string cursor_text;
};

// Parses status, severity, limit and cursor. `strict`: other parameters are an error (the
// API); the page ignores them (browsers and proxies add their own). Returns an error message
// or "" on success.
std::string parse_filters(std::string_view query, bool strict, Filters& out);

}  // namespace orderwatch::web::drilldown
