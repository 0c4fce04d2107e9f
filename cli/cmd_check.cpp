#include <iostream>

#include "commands.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

void add_check(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Validate an SLA config file; print every problem");
  auto config = std::make_shared<std::string>();
  cmd->add_option("--config,-c", *config, "SLA config file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->callback([config, &exit_code] {
    try {
      auto cfg = sla::load_file(*config);
      std::cout << *config << ": OK: " << sla::summary(cfg) << "\n";
      exit_code = kExitOk;
    } catch (const sla::ConfigError& e) {
      for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
      std::cerr << *config << ": " << e.problems().size() << " problem"
                << (e.problems().size() == 1 ? "" : "s") << " found\n";
      exit_code = kExitInvalid;
    }
  });
}

}  // namespace orderwatch::cli
