// Grafana rendering: the per-service overview dashboard (JSON, or a ConfigMap for the
// sidecar) and the provisioning files that make Grafana load it with a Prometheus
// datasource. Same Config, same bytes; panels query only the metric contract and the rules'
// recorded series (docs/design.md, "The metric contract and the renderers").
// Pure functions of the model; thread-safe.
#pragma once

#include <ostream>
#include <string>

#include "orderwatch/sla/config.h"

namespace orderwatch::grafana {

// Shared by every service's output, so several services can be generated into one folder.
inline constexpr const char* kDatasourceFileName = "orderwatch.yml";
inline constexpr const char* kDashboardProviderFileName = "orderwatch.yml";
inline constexpr const char* kDatasourceUid = "orderwatch-prometheus";
inline constexpr const char* kDatasourceName = "Prometheus (orderwatch)";
// Where the dashboard provider looks for dashboards: copy DIR/grafana/dashboards/ there.
inline constexpr const char* kDashboardsPath = "/var/lib/grafana/dashboards/orderwatch";

// "orderwatch-<service>", shortened with a stable hash when longer than Grafana's 40 chars.
std::string dashboard_uid(const sla::Config& config);
std::string dashboard_file_name(const sla::Config& config);  // <service>-overview.json

void render_dashboard(const sla::Config& config, std::ostream& out);
// The dashboard in a ConfigMap (namespace `ns`) labelled grafana_dashboard: "1", which the
// Grafana sidecar of the kube-prometheus-stack and grafana Helm charts loads.
void render_dashboard_config_map(const sla::Config& config, const std::string& ns,
                                 std::ostream& out);
void render_datasource_provisioning(const sla::Config& config, std::ostream& out);
void render_dashboard_provisioning(const sla::Config& config, std::ostream& out);

}  // namespace orderwatch::grafana
