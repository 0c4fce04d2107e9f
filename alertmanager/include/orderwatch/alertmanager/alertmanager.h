// Alertmanager config rendering for one SLA config: receivers, the team/severity routing tree
// and the inhibition rules (alertmanager/alertmanager.yml), or the prometheus-operator
// AlertmanagerConfig. Routing and inhibition design: docs/design.md, "The metric contract and the
// renderers". Pure functions of the model; thread-safe.
#pragma once

#include <ostream>
#include <string>

#include "orderwatch/sla/config.h"

namespace orderwatch::alertmanager {

// Receiver used when the config defines none, so the file is still valid: it drops alerts.
inline constexpr const char* kBlackholeReceiver = "orderwatch-blackhole";

void render_alertmanager_config(const sla::Config& config, std::ostream& out);

// The Secret an AlertmanagerConfig's receivers read their secrets from: one key per *_file
// path of the SLA file, named after the file (`orderwatch-<service>-receivers`).
std::string receivers_secret_name(const sla::Config& config);

// The same routes, receivers and inhibition rules as a prometheus-operator AlertmanagerConfig
// (monitoring.coreos.com/v1alpha1) in namespace `ns`; every *_file setting becomes a
// reference to a key of receivers_secret_name(), and the header comment says how to create
// that Secret from the very files the SLA file names.
void render_alertmanager_config_object(const sla::Config& config, const std::string& ns,
                                       std::ostream& out);

}  // namespace orderwatch::alertmanager
