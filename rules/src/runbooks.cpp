// Writes runbook pages (runbook.h) as HTML for the exporter and as Markdown for a wiki.
// Called by serve's /runbooks/ routes and by cli's `generate --runbooks`.
#include "orderwatch/rules/runbooks.h"
#include "orderwatch/rules/text.h"

#include <set>
#include <sstream>
#include <stdexcept>

#include "render.h"
#include "runbook.h"

namespace orderwatch::rules {

namespace {

using detail::Line;
using detail::Link;
using detail::RunbookPage;

// Backslash before every character Markdown could read as markup; line breaks become spaces
// so one text stays one paragraph or bullet.
std::string markdown_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    if (std::string_view("\\`*_[]<>|~&").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// A link destination in angle brackets: no <, > or line break inside.
std::string markdown_destination(std::string_view url) {
  std::string out = "<";
  for (char c : url) {
    if (c == '<') {
      out += "%3C";
    } else if (c == '>') {
      out += "%3E";
    } else if (c == '\n' || c == '\r' || c == ' ') {
      out += c == ' ' ? "%20" : "";
    } else {
      out += c;
    }
  }
  return out + ">";
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.45}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem}code{background:#eee}";

std::string html_line(const Line& line) {
  std::string out = html_escape(line.text);
  const Link& link = line.link;
  if (!link.text.empty()) {
    const std::string target = !link.path.empty() ? link.path : link.url;
    out += " ";
    out += target.empty()
               ? html_escape(link.text)
               : "<a href=\"" + html_escape(target) + "\">" + html_escape(link.text) + "</a>";
  }
  return out + html_escape(line.after);
}

std::string html_document(const std::string& title, const std::string& body) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         html_escape(title) + "</title><style>" + kStyle + "</style></head><body>\n" + body +
         "</body></html>\n";
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string markdown_line(const sla::Config& config, const Line& line) {
  std::string out = markdown_escape(line.text);
  const Link& link = line.link;
  if (!link.text.empty()) {
    std::string target = link.url;
    if (!link.path.empty()) {
      const std::string base = detail::exporter_base(config);
      target = base.empty() ? "" : base + link.path;
    }
    out += " ";
    if (!target.empty()) {
      out += "[" + markdown_escape(link.text) + "](" + markdown_destination(target) + ")";
    } else if (!link.path.empty()) {
      out += markdown_escape(link.text) + " (`" + link.path + "` on the exporter)";
    } else {
      out += markdown_escape(link.text);
    }
  }
  return out + markdown_escape(line.after);
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

}  // namespace

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
std::string runbook_path(const std::string& alert, const std::string& status,
                         const std::string& severity) {
  std::string path = "/runbooks/" + alert;
  std::string query;
  if (!status.empty()) query += "status=" + status;
  if (!severity.empty()) query += (query.empty() ? "" : "&") + std::string("severity=") + severity;
  return query.empty() ? path : path + "?" + query;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

std::string milestone_runbook_path(const std::string& alert, const std::string& milestone,
                                   const std::string& severity) {
  return "/runbooks/" + alert + "?milestone=" + milestone + "&severity=" + severity;
}

std::vector<std::string> runbook_alerts(const sla::Config& config) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& group : detail::rule_groups(config)) {
    for (const auto& alert : group.alerts) {
      if (seen.insert(alert.name).second) names.push_back(alert.name);
    }
  }
  return names;
}

std::optional<std::string> render_runbook_html(const sla::Config& config, const std::string& alert,
                                               const std::string& status,
                                               const std::string& severity,
                                               const std::string& milestone) {
  const RunbookPage page = detail::runbook_page(config, alert, status, severity, milestone);
  if (page.sections.empty()) return std::nullopt;
  std::string body =
      "<p><a href=\"/runbooks/\">All runbooks</a></p>\n<h1>" + html_escape(page.title) + "</h1>\n";
  for (const auto& section : page.sections) {
    body += "<h2>" + html_escape(section.heading) + "</h2>\n";
    for (const auto& p : section.paragraphs) body += "<p>" + html_line(p) + "</p>\n";
    if (section.bullets.empty()) continue;
    body += "<ul>\n";
    for (const auto& b : section.bullets) body += "<li>" + html_line(b) + "</li>\n";
    body += "</ul>\n";
  }
  return html_document(page.title, body);
}

std::string render_runbook_index_html(const sla::Config& config) {
  std::string body = "<h1>Runbooks: " + html_escape(config.service) + "</h1>\n<ul>\n";
  for (const auto& alert : runbook_alerts(config)) {
    body += "<li><a href=\"" + html_escape(runbook_path(alert)) + "\">" + html_escape(alert) +
            "</a></li>\n";
  }
  return html_document("Runbooks: " + config.service, body + "</ul>\n");
}

std::string runbook_file_name(const std::string& alert) { return alert + ".md"; }

void render_runbook_markdown(const sla::Config& config, const std::string& alert,
                             std::ostream& out) {
  const RunbookPage page = detail::runbook_page(config, alert, "", "", "");
  if (page.sections.empty()) throw std::invalid_argument("no alert " + alert);
  out << "# " << markdown_escape(page.title) << "\n";
  for (const auto& section : page.sections) {
    out << "\n## " << markdown_escape(section.heading) << "\n";
    for (const auto& p : section.paragraphs) out << "\n" << markdown_line(config, p) << "\n";
    if (!section.bullets.empty()) out << "\n";
    for (const auto& b : section.bullets) out << "- " << markdown_line(config, b) << "\n";
  }
}

void render_runbook_index_markdown(const sla::Config& config, std::ostream& out) {
  out << "# Runbooks: " << markdown_escape(config.service) << "\n\n"
      << "Written by `orderwatch generate --runbooks` from the SLA file; one page per alert.\n\n";
  for (const auto& alert : runbook_alerts(config))
    out << "- [" << markdown_escape(alert) << "](" << runbook_file_name(alert) << ")\n";
}

}  // namespace orderwatch::rules
