#include "test_support.h"

#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "orderwatch/sla/metrics.h"

namespace orderwatch::testing {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

fs::path source_dir() { return ORDERWATCH_SOURCE_DIR; }
fs::path example_path(const std::string& name) {
  const fs::path example = source_dir() / "examples" / (name + ".yaml");
  if (fs::exists(example)) return example;
  return source_dir() / "tests" / "generate" / "configs" / (name + ".yaml");
}
fs::path golden_dir(const std::string& name) { return source_dir() / "tests" / "golden" / name; }

fs::path fresh_out_dir(const std::string& name) {
  const fs::path dir = fs::path(GENERATE_TEST_OUT) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> example_names() {
  std::vector<std::string> names;
  for (const fs::path& dir :
       {source_dir() / "examples", source_dir() / "tests" / "generate" / "configs"}) {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

fs::path generate_fresh(const std::string& name, const std::string& tag) {
  const fs::path dir = fresh_out_dir("fresh-" + name + "-" + tag);
  const auto result =
      run(shell_quote(ORDERWATCH_BIN) + " generate --config " +
          shell_quote(example_path(name).string()) + " --out " + shell_quote(dir.string()));
  if (result.exit_code != 0)
    throw std::runtime_error("orderwatch generate failed for " + name + ":\n" + result.output);
  return dir;
}

namespace {

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

std::size_t skip_string(std::string_view s, std::size_t i) {
  const char quote = s[i++];
  while (i < s.size() && s[i] != quote) i += (s[i] == '\\' && quote != '`') ? 2 : 1;
  return i + 1;
}

// Index just past the bracket closing the one at i, skipping strings inside.
std::size_t skip_group(std::string_view s, std::size_t i, char open, char close) {
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(s, i);
      continue;
    }
    if (c == open) ++depth;
    if (c == close && --depth == 0) return i + 1;
    ++i;
  }
  return i;
}

const std::set<std::string, std::less<>> kAggregations = {
    "sum",    "min",  "max",     "avg",      "count",        "stddev",
    "stdvar", "topk", "bottomk", "quantile", "count_values", "group"};
const std::set<std::string, std::less<>> kKeywords = {
    "and",      "or",         "unless",      "bool", "offset", "by",  "without", "on",
    "ignoring", "group_left", "group_right", "inf",  "nan",    "Inf", "NaN"};
const std::set<std::string, std::less<>> kLabelLists = {"by",       "without",    "on",
                                                        "ignoring", "group_left", "group_right"};

}  // namespace

std::vector<Selector> metric_selectors(std::string_view s) {
  std::vector<Selector> found;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = skip_string(s, i);
    } else if (c == '{') {
      i = skip_group(s, i, '{', '}');
    } else if (c == '[') {
      i = skip_group(s, i, '[', ']');
    } else if ((c >= '0' && c <= '9') || c == '.') {
      while (i < s.size() && (ident_char(s[i]) || s[i] == '.')) ++i;
    } else if (ident_start(c)) {
      const std::size_t start = i;
      while (i < s.size() && ident_char(s[i])) ++i;
      const std::string ident(s.substr(start, i - start));
      std::size_t next = i;
      while (next < s.size() && s[next] == ' ') ++next;
      const char following = next < s.size() ? s[next] : '\0';
      if (kLabelLists.count(ident)) {
        if (following == '(') i = skip_group(s, next, '(', ')');
      } else if (following == '(' || kAggregations.count(ident) || kKeywords.count(ident)) {
        // a function call, an aggregation (its `by (...)` is handled above) or a keyword
      } else {
        Selector selector{ident, ""};
        if (following == '{') {
          const std::size_t end = skip_group(s, next, '{', '}');
          selector.matchers = std::string(s.substr(next + 1, end - next - 2));
          i = end;
        }
        found.push_back(std::move(selector));
      }
    } else {
      ++i;
    }
  }
  return found;
}

std::set<std::string> contract_series(const sla::Config& config) {
  std::set<std::string> names;
  // Histograms (order_age_seconds too: a gauge histogram typed histogram) as _bucket/_count/_sum.
  for (const auto& metric : sla::order::kAll) {
    if (metric.type != sla::MetricType::kHistogram) {
      names.insert(sla::metric_name(config, metric));
      continue;
    }
    for (auto part : sla::kHistogramParts) names.insert(sla::metric_name(config, metric, part));
  }
  // orderwatch_actions_total among them: only with --web.enable-actions.
  for (const auto& metric : sla::self::kAll) names.insert(std::string(metric.name));
  names.insert("up");  // written by Prometheus for every scrape target
  return names;
}

std::set<std::string> recorded_series(const fs::path& rules_file) {
  std::set<std::string> names;
  const YAML::Node root = YAML::LoadFile(rules_file.string());
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["record"]) names.insert(rule["record"].as<std::string>());
    }
  }
  return names;
}

std::vector<std::string> rule_expressions(const fs::path& rules_file) {
  std::vector<std::string> exprs;
  const YAML::Node root = YAML::LoadFile(rules_file.string());
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) exprs.push_back(rule["expr"].as<std::string>());
  }
  return exprs;
}

}  // namespace orderwatch::testing
