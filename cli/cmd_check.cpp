// `orderwatch check`: validates an SLA file (sla::load_file) and, unless told not to, that the
// secret files it names exist; prints every problem. Registered by main.cpp through add_check().
#include <iostream>

#include "commands.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/secrets.h"

namespace orderwatch::cli {

namespace {

struct CheckFlags {
  std::string config;
  bool syntax_only = false;
  bool no_receiver_files = false;
};

}  // namespace

void add_check(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Validate an SLA config file; print every problem");
  auto f = std::make_shared<CheckFlags>();
  add_config_option(*cmd, f->config);
  cmd->add_flag("--syntax-only", f->syntax_only,
                "Only validate the file itself; do not check that the secret files it names "
                "exist (e.g. in CI, where the secrets are not)");
  cmd->add_flag("--no-receiver-files", f->no_receiver_files,
                "Check only the secret files serve reads (nats.*), not the receivers' *_file "
                "(read by Alertmanager, perhaps on another machine)");
  cmd->callback([f, &exit_code] {
    std::vector<sla::Problem> problems;
    std::string summary;
    try {
      const sla::Config cfg = sla::load_file(f->config);
      summary = sla::summary(cfg);
      if (!f->syntax_only) {
        problems = sla::check_secret_files(
            f->config, f->no_receiver_files ? sla::SecretScope::kExporter : sla::SecretScope::kAll);
      }
    } catch (const sla::ConfigError& e) {
      problems = e.problems();
    }
    if (problems.empty()) {
      std::cout << f->config << ": OK: " << summary << "\n";
      exit_code = kExitOk;
      return;
    }
    report_problems(f->config, problems);
    exit_code = kExitInvalid;
  });
}

}  // namespace orderwatch::cli
