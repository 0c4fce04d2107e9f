// The Loader's alerting sections: turnaround, alerting with its receivers and routes, and
// retention.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loader_impl.h"

namespace orderwatch::sla::detail {

namespace {

struct ReceiverType {
  std::string_view name;
  std::vector<std::string_view> allowed;    // non-secret and *_file keys
  std::vector<std::string_view> one_of;     // at least one of these is required
  std::vector<std::string_view> forbidden;  // inline secrets
  std::vector<std::string_view> required;   // every one of these is required
};

const std::vector<ReceiverType>& receiver_types() {
  static const std::vector<ReceiverType> types = {
      {"pagerduty",
       {"routing_key_file", "service_key_file", "url", "send_resolved"},
       {"routing_key_file", "service_key_file"},
       {"routing_key", "service_key"},
       {}},
      {"opsgenie", {"api_key_file", "api_url", "send_resolved"}, {"api_key_file"}, {"api_key"}, {}},
      {"slack", {"api_url_file", "channel", "send_resolved"}, {"api_url_file"}, {"api_url"}, {}},
      // Alertmanager 0.25 (Debian bookworm) has no webhook url_file (added in 0.26), so the
      // webhook URL is written inline: point it at an internal relay, not at a secret URL.
      {"webhook", {"url", "send_resolved", "max_alerts"}, {"url"}, {}, {}},
      // The generated alertmanager.yml has no global SMTP section, so each email receiver
      // must name its own sender and relay (amtool rejects it otherwise).
      {"email",
       {"to", "from", "smarthost", "auth_username", "auth_password_file", "require_tls",
        "send_resolved"},
       {"to"},
       {"auth_password", "auth_secret"},
       {"from", "smarthost"}},
  };
  return types;
}

}  // namespace

// ---- turnaround --------------------------------------------------------------------------------

void Loader::read_turnaround(const YAML::Node& node, Config& cfg) {
  const std::string path = "turnaround";
  if (!is_map(node, path)) return;
  keys(node, path, {"sla", "objective", "window"});
  auto& t = cfg.turnaround;
  t.enabled = true;
  if (auto v = node["sla"]) {
    if (auto d = duration(v, "turnaround.sla")) t.sla = *d;
  } else {
    add(node, path, "missing required key \"sla\"");
  }
  if (auto v = node["objective"]) {
    auto n = number(v, "turnaround.objective");
    if (n && (*n <= 0 || *n >= 100))
      add(v, "turnaround.objective", "must be a percentage between 0 and 100 (exclusive)");
    else if (n)
      t.objective = *n;
  }
  set_duration(node, "window", path, t.window);
  const bool any_terminal = std::any_of(cfg.statuses.begin(), cfg.statuses.end(),
                                        [](const Status& s) { return s.terminal; });
  if (!any_terminal && !cfg.statuses.empty())
    add(node, path, "turnaround needs at least one terminal status");
}

// ---- alerting ----------------------------------------------------------------------------------

void Loader::read_alerting(const YAML::Node& node, Config& cfg) {
  const std::string path = "alerting";
  if (!is_map(node, path)) return;
  keys(node, path,
       {"for", "keep_firing_for", "min_overdue", "runbook_url", "dashboard_url", "exporter_url",
        "job", "default_team", "no_events_for", "behind", "blind_for", "default_receiver", "routes",
        "receivers", "group_wait", "group_interval", "repeat_interval"});
  auto& a = cfg.alerting;
  set_duration(node, "for", path, a.for_duration, /*allow_zero=*/true);
  if (auto v = node["keep_firing_for"]) {
    if (auto d = duration(v, "alerting.keep_firing_for", /*allow_zero=*/true))
      a.keep_firing_for = *d;
  }
  if (auto v = node["min_overdue"]) {
    auto n = integer(v, "alerting.min_overdue");
    if (n && *n < 1)
      add(v, "alerting.min_overdue", "must be at least 1");
    else if (n)
      a.min_overdue = static_cast<std::uint32_t>(*n);
  }
  set_string(node, "runbook_url", path, a.runbook_url);
  set_string(node, "dashboard_url", path, a.dashboard_url);
  set_string(node, "exporter_url", path, a.exporter_url);
  set_string(node, "job", path, a.job);
  set_string(node, "default_team", path, a.default_team);
  set_duration(node, "no_events_for", path, a.no_events_for);
  set_duration(node, "blind_for", path, a.blind_for, /*allow_zero=*/true);
  if (auto behind = node["behind"]; behind && is_map(behind, "alerting.behind")) {
    keys(behind, "alerting.behind", {"threshold", "for", "severity"});
    set_duration(behind, "threshold", "alerting.behind", a.behind.threshold);
    set_duration(behind, "for", "alerting.behind", a.behind.for_duration, /*allow_zero=*/true);
    if (auto v = behind["severity"]) {
      a.behind.severity = severity(v, "alerting.behind.severity");
      if (a.behind.severity.empty()) add(v, "alerting.behind.severity", "must not be empty");
    }
  }
  set_duration(node, "group_wait", path, a.group_wait, true);
  set_duration(node, "group_interval", path, a.group_interval);
  set_duration(node, "repeat_interval", path, a.repeat_interval);
  set_string(node, "default_receiver", path, a.default_receiver);

  std::set<std::string> names;
  if (auto list = node["receivers"]) read_receivers(list, a, names);
  if (auto v = node["default_receiver"])
    check_receiver(v, "alerting.default_receiver", a.default_receiver, names);
  if (auto list = node["routes"]) read_routes(list, a, names);
  if (!a.receivers.empty() && a.default_receiver.empty())
    add(node, path, "missing \"default_receiver\": alerts no route matches must go somewhere");
}

// list by value: a non-const Node gives a missing name (two receivers without one) a Mark where
// a const one would throw.
void Loader::read_receivers(YAML::Node list, Alerting& a, std::set<std::string>& names) {
  if (!list.IsSequence()) {
    add(list, "alerting.receivers", "expected a list of receivers");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto r = read_receiver(list[i], index("alerting.receivers", i))) {
      if (!names.insert(r->name).second)
        add(list[i]["name"], index("alerting.receivers", i) + ".name",
            "duplicate receiver " + quote(r->name));
      a.receivers.push_back(std::move(*r));
    }
  }
}

std::optional<Receiver> Loader::read_receiver(const YAML::Node& node, const std::string& path) {
  if (!is_map(node, path)) return std::nullopt;
  Receiver r;
  if (auto v = node["name"]) {
    r.name = scalar(v, join(path, "name"));
  } else {
    add(node, path, "missing required key \"name\"");
  }
  const ReceiverType* type = nullptr;
  if (auto v = node["type"]) {
    r.type = scalar(v, join(path, "type"));
    for (const auto& t : receiver_types()) {
      if (t.name == r.type) type = &t;
    }
    if (!type)
      add(v, join(path, "type"),
          quote(r.type) + " is not a receiver type (pagerduty, opsgenie, slack, webhook, email)");
  } else {
    add(node, path, "missing required key \"type\"");
  }
  if (!type) return r;
  bool has_required = false;
  for (const auto& kv : node) {
    const auto key = kv.first.Scalar();
    if (key == "name" || key == "type") continue;
    const auto p = join(path, key);
    if (std::find(type->forbidden.begin(), type->forbidden.end(), key) != type->forbidden.end()) {
      add(kv.first, p, "secrets are not accepted inline; use " + key + "_file");
      continue;
    }
    if (std::find(type->allowed.begin(), type->allowed.end(), key) == type->allowed.end()) {
      std::string list = "name, type";
      for (auto a : type->allowed) list += ", " + std::string(a);
      add(kv.first, p, "unknown key for a " + r.type + " receiver (allowed: " + list + ")");
      continue;
    }
    if (std::find(type->one_of.begin(), type->one_of.end(), key) != type->one_of.end())
      has_required = true;
    r.settings.emplace_back(key, scalar(kv.second, p));
  }
  for (auto key : type->required) {
    if (!node[std::string(key)])
      add(node, path, "a " + r.type + " receiver needs \"" + std::string(key) + "\"");
  }
  if (!has_required) {
    std::string list;
    for (auto a : type->one_of) list += (list.empty() ? "" : " or ") + std::string(a);
    add(node, path, "a " + r.type + " receiver needs " + list);
  }
  return r;
}

void Loader::read_routes(const YAML::Node& list, Alerting& a, const std::set<std::string>& names) {
  each_map(list, "alerting.routes", "expected a list of {team, severity, receiver}",
           [&](const YAML::Node& r, const std::string& p) {
             keys(r, p, {"team", "severity", "receiver"});
             Route route;
             set_string(r, "team", p, route.team);
             set_string(r, "severity", p, route.severity);
             if (auto v = r["receiver"]) {
               route.receiver = scalar(v, join(p, "receiver"));
               check_receiver(v, join(p, "receiver"), route.receiver, names);
             } else {
               add(r, p, "missing required key \"receiver\"");
             }
             if (route.team.empty() && route.severity.empty())
               add(r, p,
                   "a route needs a team, a severity or both (use default_receiver for the rest)");
             a.routes.push_back(std::move(route));
           });
}

// names: the receivers defined under alerting.receivers.
void Loader::check_receiver(const YAML::Node& node, const std::string& path,
                            const std::string& name, const std::set<std::string>& names) {
  if (!name.empty() && !names.count(name))
    add(node, path, "receiver " + quote(name) + " is not defined under alerting.receivers");
}

// ---- retention ---------------------------------------------------------------------------------

void Loader::read_retention(const YAML::Node& node, Retention& r) {
  if (!is_map(node, "retention")) return;
  keys(node, "retention", {"max_age", "tombstone_ttl", "max_orders", "max_tombstones"});
  set_duration(node, "max_age", "retention", r.max_age);
  set_duration(node, "tombstone_ttl", "retention", r.tombstone_ttl, true);
  for (auto [key, out] :
       {std::pair{"max_orders", &r.max_orders}, {"max_tombstones", &r.max_tombstones}}) {
    if (auto v = node[key]) {
      const std::string p = join("retention", key);
      auto n = integer(v, p);
      if (n && (*n < 1 || *n > 1'000'000'000))
        add(v, p, "must be between 1 and 1000000000");
      else if (n)
        *out = static_cast<std::uint64_t>(*n);
    }
  }
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
void Loader::read_actions(const YAML::Node& node, Actions& a) {
  if (!is_map(node, "actions")) return;
  keys(node, "actions", {"redrive_subject"});
  if (auto v = node["redrive_subject"]) {
    a.redrive_subject = scalar(v, "actions.redrive_subject");
    std::string rest = a.redrive_subject;
    for (const std::string_view p : {"{id}", "{status}"}) {
      for (auto at = rest.find(p); at != std::string::npos; at = rest.find(p)) {
        rest.replace(at, p.size(), "x");
      }
    }
    const bool bad = a.redrive_subject.empty() ||
                     rest.find_first_of(" \t*>") != std::string::npos || rest.front() == '.' ||
                     rest.back() == '.' || rest.find("..") != std::string::npos;
    if (bad) {
      add(v, "actions.redrive_subject",
          "\"" + a.redrive_subject +
              "\" is not a NATS subject (tokens separated by '.', no wildcards or spaces; "
              "{id} and {status} are replaced)");
    }
  }
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

}  // namespace orderwatch::sla::detail
