// Private to the rules renderer: the model of a promtool rule test file (`promtool test
// rules`) and the one function that writes it as YAML. rule_tests.cpp fills the model.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "render.h"

namespace orderwatch::rules::detail {

struct InputSeries {
  std::string series;  // metric{label="value",...}
  std::string values;  // promtool's expanding notation, e.g. "0+30x10"
};

struct ExpectedAlert {
  Labels labels;  // written sorted by name
  Labels annotations;
};

// No expected alerts: the alert must be silent at eval_minute.
struct AlertTest {
  std::int64_t eval_minute = 0;
  std::string alertname;
  std::vector<ExpectedAlert> alerts;
};

struct ExprTest {
  std::string expr;
  std::int64_t eval_minute = 0;
  std::string labels;  // metric{label="value",...} of the one expected sample
  double value = 0;
};

struct TestGroup {
  std::string comment;  // what the group shows, written above it
  std::vector<InputSeries> input_series;
  std::vector<AlertTest> alert_tests;
  std::vector<ExprTest> expr_tests;
};

struct TestFile {
  std::string file_name;   // of the test file itself, for the "Run:" comment
  std::string rules_file;  // relative to the test file
  std::vector<TestGroup> groups;
};

void emit_test_file(const TestFile& file, std::ostream& out);

// An evaluation time as promtool reads it: 7 -> "7m", 90 -> "1h30m".
std::string minutes_text(std::int64_t minutes);

}  // namespace orderwatch::rules::detail
