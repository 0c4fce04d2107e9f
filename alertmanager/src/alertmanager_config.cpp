// The prometheus-operator AlertmanagerConfig: the model of model.h in the CRD's spelling
// (camelCase fields, matchers as objects, secrets as Secret key references).
#include <algorithm>
#include <map>
#include <set>

#include "model.h"
#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/rules/kubernetes.h"
#include "orderwatch/rules/yaml.h"

namespace orderwatch::alertmanager {

namespace {

using detail::emit_names;
using rules::yaml::Text;

// How one SLA receiver setting is spelled in the CRD and what it holds.
enum class Kind { kText, kSecret, kBool, kInt };
struct Field {
  const char* setting;
  const char* field;
  Kind kind;
};

const std::map<std::string, std::vector<Field>>& fields() {
  static const std::map<std::string, std::vector<Field>> table = {
      {"pagerduty",
       {{"routing_key_file", "routingKey", Kind::kSecret},
        {"service_key_file", "serviceKey", Kind::kSecret},
        {"url", "url", Kind::kText},
        {"send_resolved", "sendResolved", Kind::kBool}}},
      {"opsgenie",
       {{"api_key_file", "apiKey", Kind::kSecret},
        {"api_url", "apiURL", Kind::kText},
        {"send_resolved", "sendResolved", Kind::kBool}}},
      {"slack",
       {{"api_url_file", "apiURL", Kind::kSecret},
        {"channel", "channel", Kind::kText},
        {"send_resolved", "sendResolved", Kind::kBool}}},
      {"webhook",
       {{"url", "url", Kind::kText},
        {"send_resolved", "sendResolved", Kind::kBool},
        {"max_alerts", "maxAlerts", Kind::kInt}}},
      {"email",
       {{"to", "to", Kind::kText},
        {"from", "from", Kind::kText},
        {"smarthost", "smarthost", Kind::kText},
        {"auth_username", "authUsername", Kind::kText},
        {"auth_password_file", "authPassword", Kind::kSecret},
        {"require_tls", "requireTLS", Kind::kBool},
        {"send_resolved", "sendResolved", Kind::kBool}}},
  };
  return table;
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

std::string key_text(std::string_view text) {
  std::string key;
  for (char c : text) key += is_key_char(c) ? c : '-';
  while (!key.empty() && (key.front() == '.' || key.front() == '-')) key.erase(0, 1);
  return key.empty() ? "secret" : key;
}

// Secret key of every *_file path: its base name, or the whole path when two files share one.
std::map<std::string, std::string> secret_keys(const sla::Config& config) {
  std::map<std::string, std::set<std::string>> by_base;
  for (const auto& receiver : config.alerting.receivers) {
    for (const auto& [setting, value] : receiver.settings) {
      if (!setting.ends_with("_file")) continue;
      const auto slash = value.rfind('/');
      by_base[key_text(slash == std::string::npos ? value : value.substr(slash + 1))].insert(value);
    }
  }
  std::map<std::string, std::string> keys;
  for (const auto& [base, paths] : by_base) {
    for (const auto& path : paths) keys[path] = paths.size() == 1 ? base : key_text(path);
  }
  return keys;
}

void emit_matchers(YAML::Emitter& out, const char* key,
                   const std::vector<detail::Matcher>& matchers) {
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& m : matchers) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << m.label;
    out << YAML::Key << "value" << YAML::Value << Text{m.value};
    out << YAML::Key << "matchType" << YAML::Value << YAML::SingleQuoted << m.op << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void emit_route(YAML::Emitter& out, const detail::Route& route, const sla::Config* top) {
  out << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << Text{route.receiver};
  if (top) {
    const auto& a = top->alerting;
    out << YAML::Key << "groupBy" << YAML::Value << YAML::Flow << detail::group_by(*top);
    out << YAML::Key << "groupWait" << YAML::Value << sla::format_duration(a.group_wait);
    out << YAML::Key << "groupInterval" << YAML::Value << sla::format_duration(a.group_interval);
    out << YAML::Key << "repeatInterval" << YAML::Value << sla::format_duration(a.repeat_interval);
  }
  if (!route.matchers.empty()) emit_matchers(out, "matchers", route.matchers);
  emit_names(out, "activeTimeIntervals", route.active_intervals);
  emit_names(out, "muteTimeIntervals", route.mute_intervals);
  if (!route.routes.empty()) {
    out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
    for (const auto& child : route.routes) emit_route(out, child, nullptr);
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void emit_value(YAML::Emitter& out, const Field& field, const std::string& value,
                const sla::Config& config, const std::map<std::string, std::string>& keys) {
  out << YAML::Key << field.field << YAML::Value;
  const bool digits = !value.empty() && std::all_of(value.begin(), value.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  if (field.kind == Kind::kSecret) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << receivers_secret_name(config)
        << YAML::Key << "key" << YAML::Value << Text{keys.at(value)} << YAML::EndMap;
  } else if ((field.kind == Kind::kBool && (value == "true" || value == "false")) ||
             (field.kind == Kind::kInt && digits)) {
    out << value;
  } else {
    out << Text{value};
  }
}

void emit_receiver(YAML::Emitter& out, const sla::Config& config, const sla::Receiver& receiver,
                   const std::map<std::string, std::string>& keys) {
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << Text{receiver.name};
  out << YAML::Key << receiver.type + "Configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  bool has_send_resolved = false;
  for (const auto& [setting, value] : receiver.settings) {
    for (const auto& field : fields().at(receiver.type)) {
      if (setting == field.setting) emit_value(out, field, value, config, keys);
    }
    has_send_resolved = has_send_resolved || setting == "send_resolved";
  }
  // As in alertmanager.yml: on-call wants to see an order backlog clear.
  if (!has_send_resolved) out << YAML::Key << "sendResolved" << YAML::Value << "true";
  out << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
}

// The path as one shell word: single-quoted unless it is plain.
std::string shell_word(const std::string& path) {
  const bool plain =
      std::all_of(path.begin(), path.end(), [](char c) { return is_key_char(c) || c == '/'; });
  if (plain && !path.empty()) return path;
  std::string word = "'";
  for (char c : path) word += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return word + "'";
}

std::string header(const sla::Config& config, const std::string& ns,
                   const std::map<std::string, std::string>& keys) {
  std::string text =
      "Generated by `orderwatch generate --format prometheus-operator`. Do not edit: change the "
      "SLA file and regenerate.\nprometheus-operator routes to it only alerts whose namespace "
      "label is " +
      ns + " (the PrometheusRule sets it).";
  for (const auto* calendar : detail::unrouted_in_crd(config))
    text += "\nCalendar " + calendar->name + " (" + calendar->calendar->spec().timezone +
            "): its alerts notify at any hour here: this CRD has no time zone for time intervals "
            "(prometheus-operator issue #5512); alertmanager.yml (orderwatch generate) limits "
            "them to its open hours.";
  if (keys.empty()) return text;
  text +=
      "\nThe receivers' secrets, from the files the SLA file names:\n  kubectl create secret "
      "generic " +
      receivers_secret_name(config) + " -n " + ns;
  for (const auto& [path, key] : keys)
    text += " \\\n    --from-file=" + key + "=" + shell_word(path);
  return text;
}

}  // namespace

std::string receivers_secret_name(const sla::Config& config) {
  return rules::kubernetes::object_name(config) + "-receivers";
}

void render_alertmanager_config_object(const sla::Config& config, const std::string& ns,
                                       std::ostream& out) {
  const auto keys = secret_keys(config);
  YAML::Emitter doc;
  rules::yaml::comment(doc, header(config, ns, keys));
  rules::kubernetes::begin_object(doc, config, ns, "monitoring.coreos.com/v1alpha1",
                                  "AlertmanagerConfig", rules::kubernetes::object_name(config));
  doc << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  doc << YAML::Key << "route" << YAML::Value;
  emit_route(doc, detail::service_route(config, detail::Writer::kOperatorCrd), &config);
  doc << YAML::Key << "inhibitRules" << YAML::Value << YAML::BeginSeq;
  for (const auto& rule : detail::inhibit_rules(config)) {
    doc << YAML::BeginMap;
    emit_matchers(doc, "sourceMatch", rule.source);
    emit_matchers(doc, "targetMatch", rule.target);
    doc << YAML::Key << "equal" << YAML::Value << YAML::Flow << rule.equal << YAML::EndMap;
  }
  doc << YAML::EndSeq;
  doc << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq;
  detail::emit_blackhole_receiver(doc, config);
  for (const auto& receiver : config.alerting.receivers) emit_receiver(doc, config, receiver, keys);
  doc << YAML::EndSeq;
  detail::emit_time_intervals(doc, config, detail::Writer::kOperatorCrd);
  doc << YAML::EndMap << YAML::EndMap;
  rules::yaml::write(doc, out);
}

}  // namespace orderwatch::alertmanager
