// Runbooks: one page per alert of the generated rules, from the same SLA config as the rules.
// `orderwatch serve` answers them as HTML under /runbooks/<alert>; `orderwatch generate
// --runbooks` writes them as Markdown. Text from the SLA file is escaped for the output
// format. Design: docs/design.md, "The metric contract and the renderers". Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::rules {

// The exporter's path of a runbook: "/runbooks/<alert>", with "?status=S&severity=K" for the
// parts given (an overdue alert's page narrowed to its status and tier).
std::string runbook_path(const std::string& alert, const std::string& status = "",
                         const std::string& severity = "");

// "/runbooks/<alert>?milestone=M&severity=K": a milestone alert's page narrowed to its tier.
std::string milestone_runbook_path(const std::string& alert, const std::string& milestone,
                                   const std::string& severity);

// The alerts the rules define, each once, in rules-file order: one runbook each.
std::vector<std::string> runbook_alerts(const sla::Config& config);

// A whole HTML document for `alert`, narrowed to `status`, `severity` and/or `milestone` when
// not empty. Links to the exporter's own pages are relative (the exporter serves the runbook).
// nullopt when the rules have no such alert, or none of that status, milestone and severity.
std::optional<std::string> render_runbook_html(const sla::Config& config, const std::string& alert,
                                               const std::string& status = "",
                                               const std::string& severity = "",
                                               const std::string& milestone = "");
// The list of every runbook, as HTML.
std::string render_runbook_index_html(const sla::Config& config);

// Markdown: runbooks/<alert>.md for every alert and runbooks/README.md listing them. Links to
// the exporter are absolute under alerting.exporter_url (plain paths when it is unset).
std::string runbook_file_name(const std::string& alert);  // "<alert>.md"
inline constexpr const char* kRunbookIndexFileName = "README.md";
// Throws std::invalid_argument for an alert the rules do not define.
void render_runbook_markdown(const sla::Config& config, const std::string& alert,
                             std::ostream& out);
void render_runbook_index_markdown(const sla::Config& config, std::ostream& out);

}  // namespace orderwatch::rules
