// The prometheus-operator objects (kubernetes.h): PrometheusRule, PodMonitor and the
// example serve Deployment, Service and PVC, with the names and metadata the Alertmanager
// and Grafana renderers share. Called by cli's `generate --format prometheus-operator`.
#include "orderwatch/rules/kubernetes.h"

#include <cstdint>
#include <sstream>
#include <tuple>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"
#include "render.h"

namespace orderwatch::rules::kubernetes {

namespace {

using yaml::Text;

constexpr const char* kReplica = "a";    // the example Deployment's replica
constexpr const char* kPartition = "0";  // and partition
constexpr const char* kSlaMount = "/etc/orderwatch";
constexpr const char* kStateMount = "/var/lib/orderwatch";
constexpr std::int64_t kRunAs = 65532;  // an unprivileged uid/gid with no name in the image

void map_of(YAML::Emitter& out, const std::vector<std::pair<std::string, std::string>>& entries) {
  out << YAML::BeginMap;
  for (const auto& [key, value] : entries) out << YAML::Key << key << YAML::Value << Text{value};
  out << YAML::EndMap;
}

std::vector<std::pair<std::string, std::string>> selector_labels(const sla::Config& config) {
  return {{"app.kubernetes.io/name", "orderwatch"},
          {"app.kubernetes.io/instance", object_name(config)}};
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
void emit_container(YAML::Emitter& out) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "orderwatch";
  out << YAML::Key << "image" << YAML::Value << "orderwatch:latest";
  out << YAML::Key << "imagePullPolicy" << YAML::Value << "IfNotPresent";
  out << YAML::Key << "args" << YAML::Value << YAML::Flow << YAML::BeginSeq << "serve"
      << "--config" << std::string(kSlaMount) + "/sla.yaml"
      << "--listen" << YAML::SingleQuoted << ":" + std::to_string(kHttpPort) << "--snapshot.file"
      << std::string(kStateMount) + "/state.snap" << YAML::EndSeq;
  out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key
      << "name" << YAML::Value << kPortName << YAML::Key << "containerPort" << YAML::Value
      << kHttpPort << YAML::EndMap << YAML::EndSeq;
  for (const auto& [probe, path, period] :
       {std::tuple{"readinessProbe", "/readyz", 5}, std::tuple{"livenessProbe", "/healthz", 10}}) {
    out << YAML::Key << probe << YAML::Value << YAML::BeginMap << YAML::Key << "httpGet"
        << YAML::Value << YAML::BeginMap << YAML::Key << "path" << YAML::Value << path << YAML::Key
        << "port" << YAML::Value << kPortName << YAML::EndMap << YAML::Key << "periodSeconds"
        << YAML::Value << period << YAML::EndMap;
  }
  out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "requests" << YAML::Value << YAML::BeginMap << YAML::Key << "cpu"
      << YAML::Value << "100m" << YAML::Key << "memory" << YAML::Value << "256Mi" << YAML::EndMap;
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap << YAML::Key << "memory"
      << YAML::Value << "1Gi";
  yaml::comment(out, "about 80 bytes per order in flight (README, Sizing)");
  out << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "securityContext" << YAML::Value << YAML::BeginMap << YAML::Key
      << "allowPrivilegeEscalation" << YAML::Value << "false" << YAML::Key
      << "readOnlyRootFilesystem" << YAML::Value << "true" << YAML::Key << "capabilities"
      << YAML::Value << YAML::BeginMap << YAML::Key << "drop" << YAML::Value << YAML::Flow
      << YAML::BeginSeq << "ALL" << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "volumeMounts" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "sla" << YAML::Key << "mountPath"
      << YAML::Value << kSlaMount << YAML::Key << "readOnly" << YAML::Value << "true"
      << YAML::EndMap;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "state" << YAML::Key << "mountPath"
      << YAML::Value << kStateMount << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

std::string deployment(const sla::Config& config, const std::string& ns) {
  const std::string name = object_name(config) + "-" + kReplica;
  YAML::Emitter out;
  yaml::comment(out, "An example for serve, replica " + std::string(kReplica) + " of partition " +
                         kPartition +
                         ". The SLA file comes from a ConfigMap:\n  kubectl create configmap " +
                         object_name(config) + "-sla -n " + ns +
                         " --from-file=sla.yaml=<the SLA file>\nNo image is published: build one "
                         "with the orderwatch .deb. A second replica is a copy with replica b (and "
                         "its own claim; with JetStream its own durable, so its own SLA file).");
  begin_object(out, config, ns, "apps/v1", "Deployment", name);
  auto pod_labels = selector_labels(config);
  pod_labels.emplace_back(kPartitionPodLabel, kPartition);
  pod_labels.emplace_back(kReplicaPodLabel, kReplica);
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "replicas" << YAML::Value << 1;
  out << YAML::Key << "strategy" << YAML::Value << YAML::BeginMap << YAML::Key << "type"
      << YAML::Value << "Recreate";
  yaml::comment(out, "never two pods on one snapshot and one durable");
  out << YAML::EndMap;
  out << YAML::Key << "selector" << YAML::Value << YAML::BeginMap << YAML::Key << "matchLabels"
      << YAML::Value;
  map_of(out, pod_labels);
  out << YAML::EndMap;
  out << YAML::Key << "template" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "labels"
      << YAML::Value;
  map_of(out, pod_labels);
  out << YAML::EndMap;
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "securityContext" << YAML::Value << YAML::BeginMap;
  for (const char* key : {"runAsUser", "runAsGroup", "fsGroup"})
    out << YAML::Key << key << YAML::Value << kRunAs;
  out << YAML::Key << "runAsNonRoot" << YAML::Value << "true" << YAML::Key << "seccompProfile"
      << YAML::Value << YAML::BeginMap << YAML::Key << "type" << YAML::Value << "RuntimeDefault"
      << YAML::EndMap << YAML::EndMap;
  out << YAML::Key << "terminationGracePeriodSeconds" << YAML::Value << 60;
  yaml::comment(out, "SIGTERM drains and writes the final snapshot");
  out << YAML::Key << "containers" << YAML::Value << YAML::BeginSeq;
  emit_container(out);
  out << YAML::EndSeq;
  out << YAML::Key << "volumes" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "sla" << YAML::Key << "configMap"
      << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
      << object_name(config) + "-sla" << YAML::EndMap << YAML::EndMap;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "state" << YAML::Key
      << "persistentVolumeClaim" << YAML::Value << YAML::BeginMap << YAML::Key << "claimName"
      << YAML::Value << name << YAML::EndMap << YAML::EndMap;
  out << YAML::EndSeq << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  std::ostringstream text;
  yaml::write(out, text);
  return text.str();
}

std::string service(const sla::Config& config, const std::string& ns) {
  YAML::Emitter out;
  yaml::comment(out,
                "Where people reach the drill-down pages and runbooks (alerting.exporter_url: "
                "this Service, or an Ingress in front of it).");
  begin_object(out, config, ns, "v1", "Service", object_name(config));
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "selector" << YAML::Value;
  map_of(out, selector_labels(config));
  out << YAML::Key << "ports" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key
      << "name" << YAML::Value << kPortName << YAML::Key << "port" << YAML::Value << kHttpPort
      << YAML::Key << "targetPort" << YAML::Value << kPortName << YAML::EndMap << YAML::EndSeq
      << YAML::EndMap << YAML::EndMap;
  std::ostringstream text;
  yaml::write(out, text);
  return text.str();
}

std::string claim(const sla::Config& config, const std::string& ns) {
  YAML::Emitter out;
  yaml::comment(out, "The snapshot of replica " + std::string(kReplica) +
                         ": about 22 bytes per order in flight.");
  begin_object(out, config, ns, "v1", "PersistentVolumeClaim",
               object_name(config) + "-" + kReplica);
  out << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "accessModes" << YAML::Value << YAML::Flow << YAML::BeginSeq
      << "ReadWriteOnce" << YAML::EndSeq;
  out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap << YAML::Key << "requests"
      << YAML::Value << YAML::BeginMap << YAML::Key << "storage" << YAML::Value << "1Gi"
      << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  std::ostringstream text;
  yaml::write(out, text);
  return text.str();
}

}  // namespace

std::string object_name(const sla::Config& config) {
  std::string name = "orderwatch-";
  for (char c : config.service) name += c == '_' ? '-' : c;
  while (name.back() == '-') name.pop_back();
  constexpr std::size_t kMax = 40;  // room for the suffixes of the other objects
  if (name.size() <= kMax) return name;
  name = name.substr(0, kMax - 9);
  while (name.back() == '-') name.pop_back();
  return name + "-" + short_hash(config.service);
}

void begin_object(YAML::Emitter& out, const sla::Config& config, const std::string& ns,
                  const char* api_version, const char* kind, const std::string& name,
                  const std::vector<std::pair<std::string, std::string>>& labels) {
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << api_version;
  out << YAML::Key << "kind" << YAML::Value << kind;
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << name;
  out << YAML::Key << "namespace" << YAML::Value << Text{ns};
  out << YAML::Key << "labels" << YAML::Value;
  auto all = selector_labels(config);
  all.insert(all.end(), labels.begin(), labels.end());
  map_of(out, all);
  out << YAML::EndMap;
}

std::string file_name(const sla::Config& config, const char* what) {
  return config.service + "-" + what + ".yaml";
}

void render_prometheus_rule(const sla::Config& config, const std::string& ns, std::ostream& out) {
  auto groups = detail::rule_groups(config);
  for (auto& group : groups) {
    for (auto& alert : group.alerts) alert.labels.emplace_back("namespace", ns);
  }
  YAML::Emitter doc;
  yaml::comment(doc,
                "Generated by `orderwatch generate --format prometheus-operator`: the groups of "
                "the rules file, each alert labelled namespace=" +
                    ns + " so the AlertmanagerConfig of that namespace receives it.");
  begin_object(doc, config, ns, "monitoring.coreos.com/v1", "PrometheusRule", object_name(config));
  doc << YAML::Key << "spec" << YAML::Value << YAML::BeginMap << YAML::Key << "groups"
      << YAML::Value;
  detail::emit_groups(doc, groups);
  doc << YAML::EndMap << YAML::EndMap;
  yaml::write(doc, out);
}

void render_pod_monitor(const sla::Config& config, const std::string& ns, std::ostream& out) {
  YAML::Emitter doc;
  yaml::comment(doc, "Scrapes every serve pod with the job the rules select (" +
                         config.alerting.job + ") and the pod labels " + kPartitionPodLabel +
                         " and " + kReplicaPodLabel +
                         " as the partition and replica target labels: pods of one partition "
                         "are replicas, counted once.");
  begin_object(doc, config, ns, "monitoring.coreos.com/v1", "PodMonitor", object_name(config));
  doc << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  doc << YAML::Key << "selector" << YAML::Value << YAML::BeginMap << YAML::Key << "matchLabels"
      << YAML::Value;
  map_of(doc, selector_labels(config));
  doc << YAML::EndMap;
  doc << YAML::Key << "podMetricsEndpoints" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  doc << YAML::Key << "port" << YAML::Value << kPortName;
  doc << YAML::Key << "path" << YAML::Value << "/metrics";
  doc << YAML::Key << "interval" << YAML::Value << "15s";
  doc << YAML::Key << "relabelings" << YAML::Value << YAML::BeginSeq;
  doc << YAML::BeginMap << YAML::Key << "action" << YAML::Value << "replace" << YAML::Key
      << "targetLabel" << YAML::Value << "job" << YAML::Key << "replacement" << YAML::Value
      << Text{config.alerting.job} << YAML::EndMap;
  for (const auto& [pod_label, target] : {std::pair{kPartitionPodLabel, kPartitionLabel},
                                          std::pair{kReplicaPodLabel, kReplicaLabel}}) {
    std::string meta = std::string("__meta_kubernetes_pod_label_") + pod_label;
    for (auto& c : meta) c = c == '-' ? '_' : c;
    doc << YAML::BeginMap << YAML::Key << "action" << YAML::Value << "replace" << YAML::Key
        << "sourceLabels" << YAML::Value << YAML::Flow << YAML::BeginSeq << meta << YAML::EndSeq
        << YAML::Key << "targetLabel" << YAML::Value << target << YAML::EndMap;
  }
  doc << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  yaml::write(doc, out);
}

void render_serve_workload(const sla::Config& config, const std::string& ns, std::ostream& out) {
  out << deployment(config, ns) << "---\n" << service(config, ns) << "---\n" << claim(config, ns);
}

}  // namespace orderwatch::rules::kubernetes
