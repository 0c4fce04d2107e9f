// Kubernetes objects for prometheus-operator users (`orderwatch generate --format
// prometheus-operator`): the PrometheusRule with the groups of the rules file, the PodMonitor
// that scrapes serve with the partition and replica target labels the rules expect, and an
// example Deployment, Service and PersistentVolumeClaim for serve. The Alertmanager and
// Grafana renderers use object_name() and begin_object() for their objects. Why every object
// has a namespace: docs/design.md, "The metric contract and the renderers". Pure functions;
// thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::rules::kubernetes {

inline constexpr const char* kDefaultNamespace = "monitoring";
inline constexpr int kHttpPort = 9464;
inline constexpr const char* kPortName = "http";

// Pod labels that the PodMonitor turns into the partition and replica target labels.
inline constexpr const char* kPartitionPodLabel = "orderwatch-partition";
inline constexpr const char* kReplicaPodLabel = "orderwatch-replica";

// "orderwatch-<service>" as a DNS-1123 label (underscores become dashes), shortened with a
// stable hash past 63 characters. Every object of the service is named after it.
std::string object_name(const sla::Config& config);

// Starts a document's top-level map with apiVersion, kind and metadata (name, namespace,
// the app.kubernetes.io labels, then `labels`); the caller adds the rest and ends the map.
void begin_object(YAML::Emitter& out, const sla::Config& config, const std::string& ns,
                  const char* api_version, const char* kind, const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& labels = {});

// File names under DIR/kubernetes/.
std::string file_name(const sla::Config& config, const char* what);  // <service>-<what>.yaml

void render_prometheus_rule(const sla::Config& config, const std::string& ns, std::ostream& out);
void render_pod_monitor(const sla::Config& config, const std::string& ns, std::ostream& out);
// Deployment, Service and PersistentVolumeClaim: three documents.
void render_serve_workload(const sla::Config& config, const std::string& ns, std::ostream& out);

}  // namespace orderwatch::rules::kubernetes
