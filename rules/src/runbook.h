// Private to the rules renderer: the model of a runbook page (runbook_pages.cpp builds it
// from the config and the alert rules; runbooks.cpp writes it as HTML or Markdown), so both
// formats say the same thing.
#pragma once

#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::rules::detail {

// A link to one of the exporter's own pages (`path`, e.g. "/?status=A&severity=page") or to
// an absolute URL (`url`).
struct Link {
  std::string text;
  std::string path;
  std::string url;
};

// A paragraph or bullet: text, then optionally a link, then optionally more text.
struct Line {
  std::string text;
  Link link;
  std::string after;
};

struct Section {
  std::string heading;
  std::vector<Line> paragraphs;
  std::vector<Line> bullets;
};

struct RunbookPage {
  std::string alert;
  std::string title;
  std::vector<Section> sections;
};

// The page of `alert`, narrowed to status/severity when given; empty sections when the rules
// have no such alert (or none of that status and severity).
RunbookPage runbook_page(const sla::Config& config, const std::string& alert,
                         const std::string& status, const std::string& severity);

}  // namespace orderwatch::rules::detail
