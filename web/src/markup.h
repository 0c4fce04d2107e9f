// Private: the HTML pieces the drill-down page's parts share (drilldown_page.cpp,
// drilldown_recovered.cpp, charts.cpp). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/rules/text.h"

namespace orderwatch::web::markup {

// Text for HTML content and attribute values (&, <, >, " and ' escaped).
inline std::string esc(std::string_view text) { return rules::html_escape(text); }

// A paragraph of secondary text; `html` is markup already (escaped by the caller).
inline std::string muted_note(std::string_view html) {
  return "<p class=\"muted\">" + std::string(html) + "</p>\n";
}

// Opens a table of class `cls` with a header row of `columns` (escaped here); the caller adds
// the rows and "</table>\n".
inline void table_head(std::string& html, std::string_view cls,
                       const std::vector<std::string>& columns) {
  html += "<table class=\"" + std::string(cls) + "\"><tr>";
  for (const auto& column : columns) html += "<th>" + esc(column) + "</th>";
  html += "</tr>\n";
}

}  // namespace orderwatch::web::markup
