#include "orderwatch/alertmanager/alertmanager.h"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"

namespace orderwatch::alertmanager {

namespace {

using rules::promql_string;
using rules::yaml::Text;

// A node of the routing tree; matchers in Alertmanager's `label="value"` form.
struct Route {
  std::string receiver;
  std::vector<std::string> matchers;
  std::vector<Route> routes;
};

struct InhibitRule {
  std::vector<std::string> source;
  std::vector<std::string> target;
  std::vector<std::string> equal;
};

std::string matcher(const std::string& label, const std::string& value) {
  return label + "=" + promql_string(value);
}

// label=~"a|b"; a single value is written as an equality matcher.
std::string regex_matcher(const std::string& label, const std::vector<std::string>& values) {
  if (values.size() == 1) return matcher(label, values.front());
  std::string alternatives;
  for (const auto& v : values) alternatives += (alternatives.empty() ? "" : "|") + v;
  return label + "=~" + promql_string(alternatives);
}

bool is_boolean_key(const std::string& key) {
  return key == "send_resolved" || key == "require_tls";
}

bool is_integer_key(const std::string& key) { return key == "max_alerts"; }

// Values are strings in the model; booleans and counts are written bare so Alertmanager
// reads them with their type. Anything unexpected stays quoted and amtool reports it.
void emit_setting(YAML::Emitter& out, const std::string& key, const std::string& value) {
  out << YAML::Key << key << YAML::Value;
  if (is_boolean_key(key) && (value == "true" || value == "false")) {
    out << value;
  } else if (is_integer_key(key) && !value.empty() &&
             std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    out << value;
  } else {
    out << Text{value};
  }
}

void emit_receiver(YAML::Emitter& out, const sla::Receiver& receiver) {
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << Text{receiver.name};
  out << YAML::Key << receiver.type + "_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  bool has_send_resolved = false;
  for (const auto& [key, value] : receiver.settings) {
    emit_setting(out, key, value);
    has_send_resolved = has_send_resolved || key == "send_resolved";
  }
  // On-call wants to see an order backlog clear; Alertmanager's default differs per type.
  if (!has_send_resolved) out << YAML::Key << "send_resolved" << YAML::Value << "true";
  out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

// For every (higher, lower) severity pair, the statuses whose tier list has `higher` after
// `lower`: an alert of the higher tier inhibits the lower one of the same service and status.
std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> tier_pairs(
    const sla::Config& config) {
  std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> pairs;
  for (const auto& status : config.statuses) {
    for (std::size_t hi = 1; hi < status.tiers.size(); ++hi) {
      for (std::size_t lo = 0; lo < hi; ++lo) {
        const auto& higher = status.tiers[hi].severity;
        const auto& lower = status.tiers[lo].severity;
        auto it = std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) {
          return std::get<0>(p) == higher && std::get<1>(p) == lower;
        });
        if (it == pairs.end()) {
          pairs.emplace_back(higher, lower, std::vector<std::string>{});
          it = pairs.end() - 1;
        }
        std::get<2>(*it).push_back(status.name);
      }
    }
  }
  return pairs;
}

void emit_matchers(YAML::Emitter& out, const char* key, const std::vector<std::string>& matchers) {
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& m : matchers) out << Text{m};
  out << YAML::EndSeq;
}

// Children of the top-level route: receiver, matchers and their own children.
void emit_route(YAML::Emitter& out, const Route& route) {
  out << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << Text{route.receiver};
  if (!route.matchers.empty()) emit_matchers(out, "matchers", route.matchers);
  if (!route.routes.empty()) {
    out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
    for (const auto& child : route.routes) emit_route(out, child);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void emit_inhibit_rule(YAML::Emitter& out, const InhibitRule& rule) {
  out << YAML::BeginMap;
  emit_matchers(out, "source_matchers", rule.source);
  emit_matchers(out, "target_matchers", rule.target);
  out << YAML::Key << "equal" << YAML::Value << YAML::Flow << rule.equal;
  out << YAML::EndMap;
}

std::string fallback_receiver(const sla::Config& config) {
  const auto& receiver = config.alerting.default_receiver;
  return receiver.empty() ? kBlackholeReceiver : receiver;
}

// Alerts of this service enter one sub-route; its children are alerting.routes in file order.
Route service_route(const sla::Config& config) {
  Route route{fallback_receiver(config), {matcher("service", config.service)}, {}};
  for (const auto& r : config.alerting.routes) {
    Route child{r.receiver, {}, {}};
    if (!r.team.empty()) child.matchers.push_back(matcher("team", r.team));
    if (!r.severity.empty()) child.matchers.push_back(matcher("severity", r.severity));
    route.routes.push_back(std::move(child));
  }
  return route;
}

std::vector<InhibitRule> inhibit_rules(const sla::Config& config) {
  const auto names = rules::alert_names(config);
  const std::string service = matcher("service", config.service);
  std::vector<InhibitRule> list;
  // A higher tier silences the lower tiers of the same service and status.
  for (const auto& [higher, lower, statuses] : tier_pairs(config)) {
    list.push_back({{matcher("alertname", names.overdue), service, matcher("severity", higher),
                     regex_matcher("status", statuses)},
                    {matcher("alertname", names.overdue), service, matcher("severity", lower),
                     regex_matcher("status", statuses)},
                    {"service", "status"}});
  }
  if (config.turnaround.enabled) {
    list.push_back({{matcher("alertname", names.turnaround_burn), service,
                     matcher("severity", rules::kSeverityPage)},
                    {matcher("alertname", names.turnaround_burn), service,
                     matcher("severity", rules::kSeverityTicket)},
                    {"service"}});
  }
  // Without the exporter every other alert of the service is noise or stale.
  list.push_back(
      {{regex_matcher("alertname", {names.exporter_down, names.exporter_absent}), service},
       {regex_matcher("alertname", names.silenced_when_exporter_down()), service},
       {"service"}});
  // No NATS connection explains the missing events.
  list.push_back({{matcher("alertname", names.nats_disconnected), service},
                  {matcher("alertname", names.no_events), service},
                  {"service"}});
  return list;
}

void emit_top_route(YAML::Emitter& out, const sla::Config& config) {
  const auto& alerting = config.alerting;
  out << YAML::Key << "route" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << Text{fallback_receiver(config)};
  out << YAML::Key << "group_by" << YAML::Value << YAML::Flow << YAML::BeginSeq << "alertname"
      << "service"
      << "status" << YAML::EndSeq;
  out << YAML::Key << "group_wait" << YAML::Value << sla::format_duration(alerting.group_wait);
  out << YAML::Key << "group_interval" << YAML::Value
      << sla::format_duration(alerting.group_interval);
  out << YAML::Key << "repeat_interval" << YAML::Value
      << sla::format_duration(alerting.repeat_interval);
  out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  emit_route(out, service_route(config));
  out << YAML::EndSeq << YAML::EndMap;
}

}  // namespace

void render_alertmanager_config(const sla::Config& config, std::ostream& out) {
  YAML::Emitter doc;
  rules::yaml::comment(doc, "Generated by `orderwatch generate` from " +
                                std::filesystem::path(config.source_path).filename().string() +
                                ". Do not edit: change the SLA file and regenerate.\n"
                                "Secrets are read from the *_file paths at runtime; none is "
                                "written here.");
  doc << YAML::BeginMap;
  emit_top_route(doc, config);
  doc << YAML::Key << "inhibit_rules" << YAML::Value << YAML::BeginSeq;
  for (const auto& rule : inhibit_rules(config)) emit_inhibit_rule(doc, rule);
  doc << YAML::EndSeq;
  doc << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq;
  if (config.alerting.default_receiver.empty()) {
    rules::yaml::comment(doc, "Drops alerts: the SLA file configures no default receiver.");
    doc << YAML::BeginMap << YAML::Key << "name" << YAML::Value << Text{kBlackholeReceiver}
        << YAML::EndMap;
  }
  for (const auto& receiver : config.alerting.receivers) emit_receiver(doc, receiver);
  doc << YAML::EndSeq << YAML::EndMap;
  rules::yaml::write(doc, out);
}

}  // namespace orderwatch::alertmanager
