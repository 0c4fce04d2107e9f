// Private to the rules renderer: the model of a runbook page (runbook_pages.cpp builds it
// from the config and the alert rules; runbooks.cpp writes it as HTML or Markdown), so both
// formats say the same thing.
#pragma once

#include <cstdint>
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

// The page of `alert`, narrowed to status/milestone/severity when given; empty sections when
// the rules have no such alert (or none of that status, milestone and severity).
RunbookPage runbook_page(const sla::Config& config, const std::string& alert,
                         const std::string& status, const std::string& severity,
                         const std::string& milestone);

struct Alert;  // render.h

// ---- shared by the page builders (runbook_pages.cpp, runbook_calendars.cpp,
// milestone_runbooks.cpp) -------------------------------------------------------------------
std::string orders(std::uint32_t n);             // "1 order", "3 orders"
std::string team_text(const std::string& team);  // "team x", or the default receiver
// The dashboard (with var-status when `status` is set), or its name when no URL is configured.
Link dashboard(const sla::Config& config, const std::string& status);
// A section of plain bullets (no paragraph, no link).
Section plain(std::string heading, std::vector<std::string> bullets);
// "Is the exporter keeping up?": overdue is judged as of the watermark.
Section lag_section(const sla::Config& config);
// "calendar office (Europe/Berlin: Mon-Fri 09:00-18:00, not on its 2 holidays)".
std::string calendar_text(const sla::CalendarConfig& calendar);
// One sentence on the calendar a status's SLA counts in; empty for a wall-clock status.
std::string calendar_sentence(const sla::Config& config, const sla::Status& status);

// The sections of the exporter_blind page (runbook_blind.cpp).
void blind_sections(const sla::Config& config, RunbookPage& page);

// The sections of a milestone alert's tier, and the usual causes of missed milestones
// (milestone_runbooks.cpp).
void milestone_sections(const sla::Config& config, const Alert& alert, RunbookPage& page);
Section milestone_causes(const sla::Config& config);

}  // namespace orderwatch::rules::detail
