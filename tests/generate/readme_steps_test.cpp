// The README's first generate steps ("Generate rules and dashboards"), run as written by bash
// on a fresh copy of examples/ with the built orderwatch, promtool and amtool on PATH: a new
// user's first commands must pass on a fresh checkout, secret files included.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "test_support.h"

namespace orderwatch::testing {
namespace {

// The first ```sh block after `heading` in the README ("" when there is none).
std::string readme_block(const std::string& heading) {
  const std::string readme = read_text(source_dir() / "README.md");
  const auto section = readme.find("\n" + heading + "\n");
  if (section == std::string::npos) return {};
  const std::string open = "\n```sh\n";
  const auto start = readme.find(open, section);
  if (start == std::string::npos) return {};
  const auto end = readme.find("\n```\n", start + open.size());
  if (end == std::string::npos) return {};
  return readme.substr(start + open.size(), end + 1 - start - open.size());
}

std::string dir_of(const std::string& program) { return fs::path(program).parent_path().string(); }

// Runs the block in `dir` (stdout and stderr, each command echoed by set -x).
CommandResult run_steps(const TempDir& dir, const std::string& block) {
  const std::string script = dir.write("steps.sh", "set -euxo pipefail\n" + block);
  const std::string path =
      dir_of(ORDERWATCH_BIN) + ":" + dir_of(PROMTOOL) + ":" + dir_of(AMTOOL) + ":/usr/bin:/bin";
  return run("cd " + shell_quote(dir.path()) + " && PATH=" + shell_quote(path) + " bash " +
             shell_quote(script) + " 2>&1");
}

class ReadmeGenerateSteps : public ::testing::Test {
 protected:
  void SetUp() override {
    block_ = readme_block("## Generate rules and dashboards");
    ASSERT_NE(block_.find("orderwatch check"), std::string::npos) << block_;
    ASSERT_NE(block_.find("orderwatch generate"), std::string::npos) << block_;
    fs::copy(source_dir() / "examples", fs::path(dir_.path()) / "examples",
             fs::copy_options::recursive);
  }
  TempDir dir_;
  std::string block_;
};

TEST_F(ReadmeGenerateSteps, PassAsWrittenOnAFreshCopyOfTheExamples) {
  const auto result = run_steps(dir_, block_);
  EXPECT_EQ(result.exit_code, 0) << block_ << "\n---\n" << result.output;
  EXPECT_NE(result.output.find("examples/sla.yaml: OK: checkout:"), std::string::npos)
      << result.output;
  EXPECT_TRUE(fs::exists(fs::path(dir_.path()) / "deploy/rules/checkout-rules.yml"));
  EXPECT_TRUE(fs::exists(fs::path(dir_.path()) / "deploy/alertmanager/alertmanager.yml"));
}

// The steps can fail: without one of the example's secret files the first one stops them.
TEST_F(ReadmeGenerateSteps, FailAtCheckWithoutASecretFile) {
  fs::remove(fs::path(dir_.path()) / "examples/secrets/pd-payments");
  const auto result = run_steps(dir_, block_);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("routing_key_file: cannot read examples/secrets/pd-payments"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(fs::path(dir_.path()) / "deploy"));
}

}  // namespace
}  // namespace orderwatch::testing
