// Test helpers of the config tests (loader_test, calendar_config_test): the problems a YAML
// text gets, a text edit that fails the test when it finds nothing, and the one-problem check.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orderwatch/sla/loader.h"

namespace orderwatch::sla::test {

inline std::vector<Problem> problems_of(const std::string& yaml) {
  try {
    load_string(yaml, "sla.yaml");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

inline std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

// Expects exactly one problem, at line:column, whose path and message contain the given text.
inline void expect_one(const std::string& yaml, int line, int column, const std::string& path,
                       const std::string& message) {
  auto problems = problems_of(yaml);
  ASSERT_EQ(problems.size(), 1u) << (problems.empty() ? "no problem"
                                                      : problems[0].to_string() + " (+more)");
  EXPECT_EQ(problems[0].line, line) << problems[0].to_string();
  EXPECT_EQ(problems[0].column, column) << problems[0].to_string();
  EXPECT_EQ(problems[0].path, path);
  EXPECT_NE(problems[0].message.find(message), std::string::npos) << problems[0].message;
}

}  // namespace orderwatch::sla::test
