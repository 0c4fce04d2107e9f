// The steps every subcommand shares: the --config option and loading the SLA file with its
// problems printed. Called by the cmd_*.cpp registrations (declared in commands.h).
#include <iostream>

#include "commands.h"

namespace orderwatch::cli {

CLI::Option* add_config_option(CLI::App& cmd, std::string& path) {
  return cmd.add_option("--config,-c", path, "SLA config file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
}

std::optional<sla::Config> load_config_or_report(const std::string& path) {
  try {
    return sla::load_file(path);
  } catch (const sla::ConfigError& e) {
    report_problems(path, e.problems());
    return std::nullopt;
  }
}

void report_problems(const std::string& path, const std::vector<sla::Problem>& problems) {
  for (const auto& p : problems) std::cerr << p.to_string() << "\n";
  std::cerr << path << ": " << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
            << " found\n";
}

}  // namespace orderwatch::cli
