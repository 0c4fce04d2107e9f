// Subcommand registration for the orderwatch binary. Each cmd_*.cpp adds one CLI11
// subcommand; its callback sets the process exit code through `exit_code`. The helpers below
// are the flag and config steps every subcommand shares (cli/common.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

// Exit codes, like promtool: 0 ok, 1 the input is invalid / check failed, 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

void add_check(CLI::App& app, int& exit_code);
void add_serve(CLI::App& app, int& exit_code);
void add_generate(CLI::App& app, int& exit_code);
void add_publish(CLI::App& app, int& exit_code);

// The required `--config,-c` option of every subcommand: an existing SLA file.
CLI::Option* add_config_option(CLI::App& cmd, std::string& path);

// Loads the SLA file; on errors prints every problem to stderr and returns nothing.
std::optional<sla::Config> load_config_or_report(const std::string& path);

// Prints each problem, then "<path>: N problem(s) found", to stderr.
void report_problems(const std::string& path, const std::vector<sla::Problem>& problems);

}  // namespace orderwatch::cli
