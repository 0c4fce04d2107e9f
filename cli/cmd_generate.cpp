// `orderwatch generate`: its flags, messages and exit codes. The generate room
// (generate/generate.h) renders the artefacts and writes them into the output folder, or with
// --check compares them with it (drift detection in CI); this file prints what it did.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "orderwatch/generate/generate.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/sla/loader.h"
#include "orderwatch/sla/milestones.h"

namespace orderwatch::cli {

namespace {

struct Request {
  std::string config;
  std::string out;
  std::string format = "files";
  generate::GenerateOptions options;
  bool check = false;
};

// The command that regenerates what --check found out of date.
std::string regenerate_command(const Request& request) {
  const auto& ns = request.options.ns;
  return "orderwatch generate --config " + request.config + " --out " + request.out +
         (request.format == "files" ? "" : " --format " + request.format) +
         (ns == rules::kubernetes::kDefaultNamespace ? "" : " --namespace " + ns) +
         (request.options.runbooks ? " --runbooks" : "");
}

int check(const Request& request, const std::vector<generate::Artefact>& list) {
  const auto drifts = generate::check_artefacts(request.out, list);
  for (const auto& drift : drifts) {
    if (drift.kind == generate::Drift::Kind::missing)
      std::cerr << drift.path.string() << ": missing\n";
    else
      std::cerr << drift.path.string() << ": differs from what " << request.config
                << " generates\n";
  }
  if (!drifts.empty()) {
    std::cerr << drifts.size() << " generated file" << (drifts.size() == 1 ? "" : "s")
              << " out of date; run: " << regenerate_command(request) << "\n";
    return kExitInvalid;
  }
  std::cout << request.out << ": up to date with " << request.config << "\n";
  return kExitOk;
}

int write(const Request& request, const std::vector<generate::Artefact>& list) {
  const auto result = generate::write_artefacts(request.out, list);
  for (const auto& path : result.written) std::cout << "wrote " << path.string() << "\n";
  if (result.failure) {
    const auto& reason = result.failure->reason;
    std::cerr << result.failure->path.string() << ": cannot write"
              << (reason.empty() ? "" : ": " + reason) << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

int run_generate(const Request& request) {
  const std::optional<sla::Config> loaded = load_config_or_report(request.config);
  if (!loaded) return kExitInvalid;
  const sla::Config& config = *loaded;
  if (request.options.runbooks && config.alerting.exporter_url.empty())
    std::cerr << request.config
              << ": alerting.exporter_url is unset: the runbooks link to the exporter's pages "
                 "by path only\n";
  auto options = request.options;
  options.format =
      request.format == "files" ? generate::Format::files : generate::Format::prometheus_operator;
  const auto list = generate::artefacts(config, options);
  return request.check ? check(request, list) : write(request, list);
}

}  // namespace

void add_generate(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "generate", "Write Prometheus rules + tests, Alertmanager config and Grafana dashboards");
  auto request = std::make_shared<Request>();
  add_config_option(*cmd, request->config);
  cmd->add_option("--out,-o", request->out, "Output folder (created if missing)")->required();
  cmd->add_option("--format", request->format,
                  "files: rules (+ promtool tests), alertmanager.yml, Grafana dashboards and "
                  "provisioning; prometheus-operator: kubernetes/ objects (PrometheusRule, "
                  "AlertmanagerConfig, PodMonitor, dashboard ConfigMap, example serve workload)")
      ->check(CLI::IsMember({"files", "prometheus-operator"}))
      ->capture_default_str();
  cmd->add_option("--namespace", request->options.ns,
                  "Kubernetes namespace of the prometheus-operator objects (and of their alerts)")
      ->check([](const std::string& ns) {
        const bool ok =
            !ns.empty() && ns.size() <= 63 &&
            std::all_of(ns.begin(), ns.end(),
                        [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                        }) &&
            ns.front() != '-' && ns.back() != '-';
        return ok ? std::string() : "not a Kubernetes namespace name: " + ns;
      })
      ->capture_default_str();
  cmd->add_flag("--runbooks", request->options.runbooks,
                "Also write runbooks/<alert>.md (and runbooks/README.md) for a wiki");
  cmd->add_flag("--check", request->check,
                "Write nothing; exit 1 and name the files that differ from the config's output");
  cmd->callback([request, &exit_code] { exit_code = run_generate(*request); });
}

}  // namespace orderwatch::cli
