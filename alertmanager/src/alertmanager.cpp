// alertmanager.yml: receivers, the routing tree and the inhibition rules of model.h written
// as Alertmanager reads them. Called by cli's `generate`.
#include "orderwatch/alertmanager/alertmanager.h"

#include <algorithm>
#include <filesystem>

#include "model.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"

namespace orderwatch::alertmanager {

namespace {

using rules::yaml::Text;

using detail::emit_names;
using detail::InhibitRule;
using detail::Matcher;
using detail::Route;

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

void emit_matchers(YAML::Emitter& out, const char* key, const std::vector<Matcher>& matchers) {
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& m : matchers) out << Text{m.text()};
  out << YAML::EndSeq;
}

// One time_intervals entry; numbers as strings, as Alertmanager's own examples write them.
void emit_time_entry(YAML::Emitter& out, const detail::TimeEntry& entry) {
  out << YAML::BeginMap;
  emit_names(out, "weekdays", entry.weekdays);
  if (!entry.times.empty()) {
    out << YAML::Key << "times" << YAML::Value << YAML::BeginSeq;
    for (const auto& [start, end] : entry.times) {
      out << YAML::BeginMap << YAML::Key << "start_time" << YAML::Value << Text{start};
      out << YAML::Key << "end_time" << YAML::Value << Text{end} << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (entry.first_day > 0) {
    std::string days = std::to_string(entry.first_day);
    if (entry.last_day != entry.first_day) days += ":" + std::to_string(entry.last_day);
    out << YAML::Key << "days_of_month" << YAML::Value << YAML::Flow << YAML::BeginSeq << Text{days}
        << YAML::EndSeq;
  }
  if (entry.month > 0)
    out << YAML::Key << "months" << YAML::Value << YAML::Flow << YAML::BeginSeq
        << Text{std::to_string(entry.month)} << YAML::EndSeq;
  if (entry.year > 0)
    out << YAML::Key << "years" << YAML::Value << YAML::Flow << YAML::BeginSeq
        << Text{std::to_string(entry.year)} << YAML::EndSeq;
  out << YAML::Key << "location" << YAML::Value << Text{entry.location};
  out << YAML::EndMap;
}

// The calendars' open hours and holidays; nothing when no alert routes by a calendar.
void emit_time_intervals(YAML::Emitter& out, const sla::Config& config) {
  const auto intervals = detail::time_intervals(config, detail::Writer::kAlertmanagerYml);
  if (intervals.empty()) return;
  out << YAML::Key << "time_intervals" << YAML::Value << YAML::BeginSeq;
  for (const auto& interval : intervals) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << Text{interval.name};
    out << YAML::Key << "time_intervals" << YAML::Value << YAML::BeginSeq;
    for (const auto& entry : interval.entries) emit_time_entry(out, entry);
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// Children of the top-level route: receiver, matchers and their own children.
void emit_route(YAML::Emitter& out, const Route& route) {
  out << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << Text{route.receiver};
  if (!route.matchers.empty()) emit_matchers(out, "matchers", route.matchers);
  emit_names(out, "active_time_intervals", route.active_intervals);
  emit_names(out, "mute_time_intervals", route.mute_intervals);
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

void emit_top_route(YAML::Emitter& out, const sla::Config& config) {
  const auto& alerting = config.alerting;
  out << YAML::Key << "route" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << Text{detail::fallback_receiver(config)};
  out << YAML::Key << "group_by" << YAML::Value << YAML::Flow << YAML::BeginSeq << "alertname"
      << "service"
      << "status" << YAML::EndSeq;
  out << YAML::Key << "group_wait" << YAML::Value << sla::format_duration(alerting.group_wait);
  out << YAML::Key << "group_interval" << YAML::Value
      << sla::format_duration(alerting.group_interval);
  out << YAML::Key << "repeat_interval" << YAML::Value
      << sla::format_duration(alerting.repeat_interval);
  out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
  emit_route(out, detail::service_route(config, detail::Writer::kAlertmanagerYml));
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
  for (const auto& rule : detail::inhibit_rules(config)) emit_inhibit_rule(doc, rule);
  doc << YAML::EndSeq;
  doc << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq;
  detail::emit_blackhole_receiver(doc, config);
  for (const auto& receiver : config.alerting.receivers) emit_receiver(doc, receiver);
  doc << YAML::EndSeq;
  emit_time_intervals(doc, config);
  doc << YAML::EndMap;
  rules::yaml::write(doc, out);
}

}  // namespace orderwatch::alertmanager
