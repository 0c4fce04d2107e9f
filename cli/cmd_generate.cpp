// `orderwatch generate`: renders every artefact of one SLA config into an output folder, or
// with --check compares them with what is on disk (drift detection in CI) and writes nothing.
// --format picks the artefacts (files for a plain Prometheus stack, or prometheus-operator
// objects); --runbooks adds the runbooks as Markdown.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.h"
#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/runbooks.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::cli {

namespace {

namespace fs = std::filesystem;

struct Artefact {
  fs::path relative_path;
  std::function<void(const sla::Config&, std::ostream&)> render;
};

struct Request {
  std::string config;
  std::string out;
  std::string format = "files";
  std::string ns = rules::kubernetes::kDefaultNamespace;
  bool runbooks = false;
  bool check = false;
};

std::vector<Artefact> file_artefacts(const sla::Config& config) {
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

std::vector<Artefact> operator_artefacts(const sla::Config& config, const std::string& ns) {
  namespace k8s = rules::kubernetes;
  const fs::path dir = "kubernetes";
  const auto in_ns = [ns](void (*render)(const sla::Config&, const std::string&, std::ostream&)) {
    return [ns, render](const sla::Config& c, std::ostream& out) { render(c, ns, out); };
  };
  return {
      {dir / k8s::file_name(config, "prometheusrule"), in_ns(k8s::render_prometheus_rule)},
      {dir / k8s::file_name(config, "alertmanagerconfig"),
       in_ns(alertmanager::render_alertmanager_config_object)},
      {dir / k8s::file_name(config, "podmonitor"), in_ns(k8s::render_pod_monitor)},
      {dir / k8s::file_name(config, "grafana-dashboard"),
       in_ns(grafana::render_dashboard_config_map)},
      {dir / k8s::file_name(config, "serve"), in_ns(k8s::render_serve_workload)},
  };
}

std::vector<Artefact> artefacts(const sla::Config& config, const Request& request) {
  auto list =
      request.format == "files" ? file_artefacts(config) : operator_artefacts(config, request.ns);
  if (request.runbooks) {
    for (const auto& alert : rules::runbook_alerts(config)) {
      list.push_back({fs::path("runbooks") / rules::runbook_file_name(alert),
                      [alert](const sla::Config& c, std::ostream& out) {
                        rules::render_runbook_markdown(c, alert, out);
                      }});
    }
    list.push_back({fs::path("runbooks") / rules::kRunbookIndexFileName,
                    rules::render_runbook_index_markdown});
  }
  return list;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_generate(const Request& request) {
  sla::Config config;
  try {
    config = sla::load_file(request.config);
  } catch (const sla::ConfigError& e) {
    report_problems(request.config, e.problems());
    return kExitInvalid;
  }
  if (request.runbooks && config.alerting.exporter_url.empty())
    std::cerr << request.config
              << ": alerting.exporter_url is unset: the runbooks link to the exporter's pages "
                 "by path only\n";
  int drifted = 0;
  for (const auto& artefact : artefacts(config, request)) {
    std::ostringstream rendered;
    artefact.render(config, rendered);
    const fs::path path = fs::path(request.out) / artefact.relative_path;
    if (request.check) {
      const auto on_disk = read_file(path);
      if (!on_disk) {
        std::cerr << path.string() << ": missing\n";
        ++drifted;
      } else if (*on_disk != rendered.str()) {
        std::cerr << path.string() << ": differs from what " << request.config << " generates\n";
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
  if (request.check) {
    if (drifted > 0) {
      std::cerr << drifted << " generated file" << (drifted == 1 ? "" : "s")
                << " out of date; run: orderwatch generate --config " << request.config << " --out "
                << request.out << (request.format == "files" ? "" : " --format " + request.format)
                << (request.ns == rules::kubernetes::kDefaultNamespace
                        ? ""
                        : " --namespace " + request.ns)
                << (request.runbooks ? " --runbooks" : "") << "\n";
      return kExitInvalid;
    }
    std::cout << request.out << ": up to date with " << request.config << "\n";
  }
  return kExitOk;
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
  cmd->add_option("--namespace", request->ns,
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
  cmd->add_flag("--runbooks", request->runbooks,
                "Also write runbooks/<alert>.md (and runbooks/README.md) for a wiki");
  cmd->add_flag("--check", request->check,
                "Write nothing; exit 1 and name the files that differ from the config's output");
  cmd->callback([request, &exit_code] { exit_code = run_generate(*request); });
}

}  // namespace orderwatch::cli
