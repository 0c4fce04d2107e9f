// Private: what a reload may not change. serve keeps its NATS connection across a reload, so
// Server::reload (server.cpp) asks which nats.* keys the new file changes, keeps the running
// section and warns with nats_unchanged_note. Pure functions of their arguments; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::serve {

// The nats.* keys whose values differ between `running` and `next`, in the order of the
// config file (nats.url, nats.subject, ..., nats.jetstream); empty exactly when they are equal.
// TLS files are reported as "nats.tls", any JetStream field as "nats.jetstream".
std::vector<std::string> changed_nats(const sla::NatsConfig& running, const sla::NatsConfig& next);

// The warning for a reload that changed `changed` (not empty): those keys apply at the next
// restart, and what stays in effect until then (subject and mode of `running`).
std::string nats_unchanged_note(const std::vector<std::string>& changed,
                                const sla::NatsConfig& running);

}  // namespace orderwatch::serve
