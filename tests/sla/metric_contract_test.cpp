// Holds the README's "## Metric contract" table to the descriptors of sla/metrics.h: every
// row names described metrics with their type and labels, and every described metric has a
// row. A metric added, renamed or relabelled in code without its row (or the reverse) fails.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "orderwatch/sla/metrics.h"

namespace orderwatch::sla {
namespace {

// One metric as a README row states it.
struct DocumentedMetric {
  std::string type;                 // first word of the type column
  std::vector<std::string> labels;  // the labels column without "(+dims)"
  bool dimensions = false;          // "(+dims)"
  std::string row;                  // the row, for messages
};

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(trim(part));
  return parts;
}

// `a`, `b` -> {a, b}
std::vector<std::string> quoted_names(const std::string& cell) {
  std::vector<std::string> names;
  for (auto open = cell.find('`'); open != std::string::npos; open = cell.find('`', open)) {
    const auto close = cell.find('`', open + 1);
    names.push_back(cell.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return names;
}

DocumentedMetric parse_row(const std::string& row) {
  const auto cells = split(row, '|');  // "", names, type, labels, meaning
  DocumentedMetric metric;
  metric.row = row;
  metric.type = cells.at(2).substr(0, cells.at(2).find(' '));
  std::string labels = cells.at(3);
  if (const auto dims = labels.find("(+dims)"); dims != std::string::npos) {
    metric.dimensions = true;
    labels.erase(dims);
  }
  for (auto& label : split(labels, ',')) {
    if (!label.empty()) metric.labels.push_back(label);
  }
  return metric;
}

// Every metric named in a row of the table, by exposed name.
std::map<std::string, DocumentedMetric> readme_metrics() {
  std::ifstream in(ORDERWATCH_README);
  EXPECT_TRUE(in) << ORDERWATCH_README;
  std::map<std::string, DocumentedMetric> metrics;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) in_section = line == "## Metric contract";
    if (!in_section || !line.starts_with("| `")) continue;
    const auto row = parse_row(line);
    for (const auto& name : quoted_names(split(line, '|').at(1))) {
      EXPECT_TRUE(metrics.emplace(name, row).second) << name << " has two rows";
    }
  }
  return metrics;
}

std::vector<MetricSpec> described_metrics() {
  std::vector<MetricSpec> all(order::kAll.begin(), order::kAll.end());
  all.insert(all.end(), self::kAll.begin(), self::kAll.end());
  return all;
}

TEST(MetricContract, EveryReadmeRowMatchesItsDescriptor) {
  const Config config;  // the README's names are those of the default prefix
  ASSERT_EQ(config.metric_prefix, "order");
  std::map<std::string, const MetricSpec*> described;
  const auto specs = described_metrics();
  for (const auto& spec : specs) described.emplace(metric_name(config, spec), &spec);

  const auto documented = readme_metrics();
  ASSERT_FALSE(documented.empty()) << "no \"## Metric contract\" table in " << ORDERWATCH_README;
  for (const auto& [name, doc] : documented) {
    const auto it = described.find(name);
    if (it == described.end()) {
      ADD_FAILURE() << name << " is in the README but not in sla/metrics.h: " << doc.row;
      continue;
    }
    const MetricSpec& spec = *it->second;
    EXPECT_EQ(doc.type, type_name(spec.type)) << name;
    const auto fixed = spec.fixed_labels();
    EXPECT_EQ(doc.labels, std::vector<std::string>(fixed.begin(), fixed.end())) << name;
    EXPECT_EQ(doc.dimensions, spec.dimensions) << name << ": (+dims)";
  }
}

TEST(MetricContract, EveryDescriptorHasAReadmeRow) {
  const Config config;
  const auto documented = readme_metrics();
  for (const auto& spec : described_metrics()) {
    const std::string name = metric_name(config, spec);
    EXPECT_TRUE(documented.contains(name)) << name << " has no row in the README's metric table";
  }
}

TEST(MetricContract, NamesAreWholeOrPrefixed) {
  Config config;
  config.metric_prefix = "loan";
  EXPECT_EQ(metric_name(config, order::kOverdue), "loan_overdue");
  EXPECT_EQ(metric_name(config, order::kTurnaroundSeconds, HistogramPart::kBucket),
            "loan_turnaround_seconds_bucket");
  EXPECT_EQ(metric_name(config, self::kTombstones), "orderwatch_tombstones");
  for (const auto& spec : self::kAll) EXPECT_TRUE(spec.name.starts_with("orderwatch_"));
}

}  // namespace
}  // namespace orderwatch::sla
