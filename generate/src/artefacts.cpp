// Which files one SLA config generates for each format, rendered in memory by the rules,
// alertmanager and grafana renderers (pure: no I/O). Called by `orderwatch generate`
// (cli/cmd_generate.cpp) and the generate tests.
#include <functional>
#include <sstream>

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/generate/generate.h"
#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/rules.h"
#include "orderwatch/rules/runbooks.h"

namespace orderwatch::generate {

namespace {

namespace fs = std::filesystem;

Artefact rendered(fs::path relative_path, const std::function<void(std::ostream&)>& render) {
  std::ostringstream text;
  render(text);
  return {std::move(relative_path), text.str()};
}

using Renderer = void (*)(const sla::Config&, std::ostream&);
using NamespacedRenderer = void (*)(const sla::Config&, const std::string&, std::ostream&);

std::vector<Artefact> file_artefacts(const sla::Config& config) {
  const auto file = [&config](fs::path relative_path, Renderer render) {
    return rendered(std::move(relative_path), [&](std::ostream& out) { render(config, out); });
  };
  return {
      file(fs::path("rules") / rules::rules_file_name(config), rules::render_rules),
      file(fs::path("rules") / rules::rule_tests_file_name(config), rules::render_rule_tests),
      file(fs::path("alertmanager") / "alertmanager.yml", alertmanager::render_alertmanager_config),
      file(fs::path("grafana") / "dashboards" / grafana::dashboard_file_name(config),
           grafana::render_dashboard),
      file(fs::path("grafana") / "provisioning" / "datasources" / grafana::kDatasourceFileName,
           grafana::render_datasource_provisioning),
      file(
          fs::path("grafana") / "provisioning" / "dashboards" / grafana::kDashboardProviderFileName,
          grafana::render_dashboard_provisioning),
  };
}

std::vector<Artefact> operator_artefacts(const sla::Config& config, const std::string& ns) {
  namespace k8s = rules::kubernetes;
  const auto object = [&config, &ns](const char* what, NamespacedRenderer render) {
    return rendered(fs::path("kubernetes") / k8s::file_name(config, what),
                    [&](std::ostream& out) { render(config, ns, out); });
  };
  return {
      object("prometheusrule", k8s::render_prometheus_rule),
      object("alertmanagerconfig", alertmanager::render_alertmanager_config_object),
      object("podmonitor", k8s::render_pod_monitor),
      object("grafana-dashboard", grafana::render_dashboard_config_map),
      object("serve", k8s::render_serve_workload),
  };
}

void add_runbooks(const sla::Config& config, std::vector<Artefact>& list) {
  for (const auto& alert : rules::runbook_alerts(config)) {
    list.push_back(
        rendered(fs::path("runbooks") / rules::runbook_file_name(alert),
                 [&](std::ostream& out) { rules::render_runbook_markdown(config, alert, out); }));
  }
  list.push_back(
      rendered(fs::path("runbooks") / rules::kRunbookIndexFileName,
               [&](std::ostream& out) { rules::render_runbook_index_markdown(config, out); }));
}

}  // namespace

std::vector<Artefact> artefacts(const sla::Config& config, const GenerateOptions& options) {
  auto list = options.format == Format::files ? file_artefacts(config)
                                              : operator_artefacts(config, options.ns);
  if (options.runbooks) add_runbooks(config, list);
  return list;
}

}  // namespace orderwatch::generate
