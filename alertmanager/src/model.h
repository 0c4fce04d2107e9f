// Private to the Alertmanager renderer: the routing tree and inhibition rules of one SLA
// config as data, written either as alertmanager.yml (alertmanager.cpp) or as a
// prometheus-operator AlertmanagerConfig (alertmanager_config.cpp), so both say the same.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::alertmanager::detail {

struct Matcher {
  std::string label;
  std::string op;  // "=" or "=~"
  std::string value;
  std::string text() const;  // label="value", as Alertmanager's matchers read it
};

// A node of the routing tree.
struct Route {
  std::string receiver;
  std::vector<Matcher> matchers;
  std::vector<Route> routes;
};

struct InhibitRule {
  std::vector<Matcher> source;
  std::vector<Matcher> target;
  std::vector<std::string> equal;
};

// alerting.default_receiver, or the blackhole receiver when there is none.
std::string fallback_receiver(const sla::Config& config);
// The receiver that drops alerts, written (with a comment saying so) only when the SLA file
// configures no default receiver.
void emit_blackhole_receiver(YAML::Emitter& doc, const sla::Config& config);

// Alerts of this service enter one route; its children are alerting.routes in file order.
Route service_route(const sla::Config& config);

std::vector<InhibitRule> inhibit_rules(const sla::Config& config);

}  // namespace orderwatch::alertmanager::detail
