// Helpers shared by the generate tests: running the orderwatch binary and external tools,
// reading files, and pulling metric selectors out of PromQL so tests can check that every
// query names a known series and carries the job matcher.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "orderwatch/sla/config.h"

#include "harness.h"  // run, shell_quote

namespace orderwatch::testing {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path);
void write_text(const fs::path& path, const std::string& text);

fs::path source_dir();
// The configs with goldens: every examples/*.yaml, and the test configs that are no example
// (tests/generate/configs/*.yaml, e.g. calendar statuses); names are unique across both.
fs::path example_path(const std::string& name);   // examples/ or tests/generate/configs/
fs::path golden_dir(const std::string& name);     // tests/golden/<name>
fs::path fresh_out_dir(const std::string& name);  // emptied folder under the build dir
std::vector<std::string> example_names();         // every such config, sorted

// Runs `orderwatch generate` for an example into a fresh folder of its own (tag keeps tests
// that ctest runs in parallel apart) and returns that folder.
fs::path generate_fresh(const std::string& name, const std::string& tag);

// A metric selector found in a PromQL expression: the name and the text between { }.
struct Selector {
  std::string metric;
  std::string matchers;
};
// Every metric-name selector in expr (function, aggregation, keyword and label-list names
// skipped; strings, ranges and numbers skipped).
std::vector<Selector> metric_selectors(std::string_view expr);

// Series names the exporter's metric contract defines for this config (histograms with
// _bucket/_count/_sum), the self-metrics, and Prometheus's `up`.
std::set<std::string> contract_series(const sla::Config& config);

// Record names defined in a rules file, and every `expr` in it.
std::set<std::string> recorded_series(const fs::path& rules_file);
std::vector<std::string> rule_expressions(const fs::path& rules_file);

}  // namespace orderwatch::testing
