// Prometheus rule rendering: the alerting and recording rules for one SLA config, and the
// promtool unit tests that prove them.
//
// Pure functions of the validated model writing YAML to a stream; same Config, same bytes.
// The burn-rate factors and alert timings are documented in rules/README.md.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::rules {

// One SRE-workbook burn-rate condition: alert when the error ratio over both `long_window`
// and `short_window` exceeds factor x error budget.
struct BurnWindow {
  std::string severity;  // page or ticket
  sla::Duration long_window;
  sla::Duration short_window;
  // budget share x window / long_window, 3 decimals, e.g. "13.44"; the budget share is
  // what the long window may consume (2%, 5%, 10%, 10%: see rules/README.md)
  std::string factor;
};

// The four workbook conditions scaled to turnaround.window (see README).
std::vector<BurnWindow> burn_windows(const sla::Config& config);

// rules/<service>-rules.yml
void render_rules(const sla::Config& config, std::ostream& out);

// rules/<service>-rules.test.yml; refers to the rules file by its name in the same folder.
void render_rule_tests(const sla::Config& config, std::ostream& out);

}  // namespace orderwatch::rules
