// Subcommand registration for the orderwatch binary. Each cmd_*.cpp adds one CLI11
// subcommand; its callback sets the process exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace orderwatch::cli {

// Exit codes, like promtool: 0 ok, 1 the input is invalid / check failed, 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;
inline constexpr int kExitUsage = 2;

void add_check(CLI::App& app, int& exit_code);
void add_serve(CLI::App& app, int& exit_code);
void add_generate(CLI::App& app, int& exit_code);
void add_publish(CLI::App& app, int& exit_code);

}  // namespace orderwatch::cli
