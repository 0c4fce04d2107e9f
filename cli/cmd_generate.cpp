// `orderwatch generate`: renders every artefact of one SLA config into an output folder, or
// with --check compares them with what is on disk (drift detection in CI) and writes nothing.
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

namespace {

namespace fs = std::filesystem;

struct Artefact {
  fs::path relative_path;
  std::function<void(const sla::Config&, std::ostream&)> render;
};

std::vector<Artefact> artefacts(const sla::Config& config) {
  return {
      {fs::path("rules") / rules::rules_file_name(config), rules::render_rules},
      {fs::path("rules") / rules::rule_tests_file_name(config), rules::render_rule_tests},
      {fs::path("alertmanager") / "alertmanager.yml", alertmanager::render_alertmanager_config},
      {fs::path("grafana") / "dashboards" / grafana::dashboard_file_name(config),
       grafana::render_dashboard},
      {fs::path("grafana") / "provisioning" / "datasources" / grafana::kDatasourceFileName,
       grafana::render_datasource_provisioning},
      {fs::path("grafana") / "provisioning" / "dashboards" / grafana::kDashboardProviderFileName,
       grafana::render_dashboard_provisioning},
  };
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_generate(const std::string& config_path, const fs::path& out_dir, bool check_only) {
  sla::Config config;
  try {
    config = sla::load_file(config_path);
  } catch (const sla::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
    std::cerr << config_path << ": " << e.problems().size() << " problem"
              << (e.problems().size() == 1 ? "" : "s") << " found\n";
    return kExitInvalid;
  }
  int drifted = 0;
  for (const auto& artefact : artefacts(config)) {
    std::ostringstream rendered;
    artefact.render(config, rendered);
    const fs::path path = out_dir / artefact.relative_path;
    if (check_only) {
      const auto on_disk = read_file(path);
      if (!on_disk) {
        std::cerr << path.string() << ": missing\n";
        ++drifted;
      } else if (*on_disk != rendered.str()) {
        std::cerr << path.string() << ": differs from what " << config_path << " generates\n";
        ++drifted;
      }
      continue;
    }
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << rendered.str();
    out.close();
    if (error || !out) {
      std::cerr << path.string() << ": cannot write" << (error ? ": " + error.message() : "")
                << "\n";
      return kExitUsage;
    }
    std::cout << "wrote " << path.string() << "\n";
  }
  if (check_only) {
    if (drifted > 0) {
      std::cerr << drifted << " generated file" << (drifted == 1 ? "" : "s")
                << " out of date; run: orderwatch generate --config " << config_path << " --out "
                << out_dir.string() << "\n";
      return kExitInvalid;
    }
    std::cout << out_dir.string() << ": up to date with " << config_path << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_generate(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "generate", "Write Prometheus rules + tests, Alertmanager config and Grafana dashboards");
  struct Options {
    std::string config;
    std::string out;
    bool check = false;
  };
  auto options = std::make_shared<Options>();
  cmd->add_option("--config,-c", options->config, "SLA config file (YAML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out,-o", options->out, "Output folder (created if missing)")->required();
  cmd->add_flag("--check", options->check,
                "Write nothing; exit 1 and name the files that differ from the config's output");
  cmd->callback([options, &exit_code] {
    exit_code = run_generate(options->config, options->out, options->check);
  });
}

}  // namespace orderwatch::cli
