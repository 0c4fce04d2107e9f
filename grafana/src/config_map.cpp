// The overview dashboard as a Kubernetes ConfigMap for Grafana's dashboard sidecar; called
// by cli's `generate --format prometheus-operator`.
#include <sstream>
#include <string>
#include <vector>

#include "orderwatch/grafana/grafana.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/rules/yaml.h"

namespace orderwatch::grafana {

void render_dashboard_config_map(const sla::Config& config, const std::string& ns,
                                 std::ostream& out) {
  std::ostringstream dashboard;
  render_dashboard(config, dashboard);
  std::vector<std::string> lines;
  std::istringstream text(dashboard.str());
  for (std::string line; std::getline(text, line);) lines.push_back(line);

  YAML::Emitter doc;
  rules::yaml::comment(doc,
                       "The overview dashboard for the Grafana sidecar (label grafana_dashboard), "
                       "as kube-prometheus-stack and the grafana Helm chart run it.");
  rules::kubernetes::begin_object(doc, config, ns, "v1", "ConfigMap",
                                  rules::kubernetes::object_name(config) + "-dashboard",
                                  {{"grafana_dashboard", "1"}});
  doc << YAML::Key << "data" << YAML::Value << YAML::BeginMap << YAML::Key
      << dashboard_file_name(config) << YAML::Value << rules::yaml::Block{lines} << YAML::EndMap
      << YAML::EndMap;
  rules::yaml::write(doc, out);
}

}  // namespace orderwatch::grafana
