// Alertmanager config rendering: receivers, the team/severity routing tree and the
// inhibition rules for one SLA config (alertmanager/alertmanager.yml).
//
// Routing: alerts of this service go to a sub-route matching service="<service>", whose
// children are alerting.routes in file order (first match wins, as in the SLA file), falling
// back to alerting.default_receiver. Secrets are only referenced by *_file paths. Targets
// Alertmanager 0.25 (Debian bookworm). Pure function of the model; thread-safe.
#pragma once

#include <ostream>

#include "orderwatch/sla/config.h"

namespace orderwatch::alertmanager {

// Receiver used when the config defines none, so the file is still valid: it drops alerts.
inline constexpr const char* kBlackholeReceiver = "orderwatch-blackhole";

void render_alertmanager_config(const sla::Config& config, std::ostream& out);

}  // namespace orderwatch::alertmanager
