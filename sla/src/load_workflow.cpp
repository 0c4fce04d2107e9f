// The Loader's workflow sections: statuses with their SLA tiers and escalations, and the event
// that moves an order through them (format, field paths, dimensions).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "loader_impl.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::sla::detail {

namespace {

// Labels the exporter itself sets on order metrics (the contract's fixed labels and le), the
// rules' and Prometheus's own, and the target labels the rules tell instances apart by
// (partition, replica); a dimension may not take one of these names.
const std::set<std::string, std::less<>> kReservedLabels = [] {
  std::set<std::string, std::less<>> names = {
      "le", "service", "team", "job", "instance", "tier", "alertname", "partition", "replica"};
  for (const auto& metric : order::kAll) names.insert(metric.labels.begin(), metric.labels.end());
  names.erase("");
  return names;
}();

}  // namespace

// ---- statuses ----------------------------------------------------------------------------------

void Loader::read_statuses(const YAML::Node& root, Config& cfg) {
  auto list = root["statuses"];
  if (!list) {
    add(root, "", "missing required key \"statuses\"");
    return;
  }
  if (list.IsSequence() && list.size() == 0) {
    add(list, "statuses", "expected a non-empty list of statuses");
    return;
  }
  std::set<std::string> seen;
  each_map(list, "statuses", "expected a non-empty list of statuses",
           [&](const YAML::Node& node, const std::string& path) {
             cfg.statuses.push_back(read_status(node, path, seen));
           });
}

Status Loader::read_status(const YAML::Node& node, const std::string& path,
                           std::set<std::string>& seen) {
  keys(node, path,
       {"name", "sla", "severity", "team", "escalations", "terminal", "calendar", "cutoff", "due",
        "due_days"});
  Status st;
  if (auto v = node["name"]) {
    st.name = scalar(v, join(path, "name"));
    if (!st.name.empty() && !valid_status_name(st.name)) {
      add(v, join(path, "name"),
          quote(st.name) + " must start with a letter and contain only letters, digits, _ or -");
    } else if (!st.name.empty() && !seen.insert(st.name).second) {
      add(v, join(path, "name"), "duplicate status " + quote(st.name));
    }
  } else {
    add(node, path, "missing required key \"name\"");
  }
  if (auto v = node["terminal"]) st.terminal = boolean(v, join(path, "terminal")).value_or(false);
  if (st.terminal) {
    for (const char* key :
         {"sla", "severity", "escalations", "calendar", "cutoff", "due", "due_days"}) {
      if (auto v = node[key])
        add(v, join(path, key), "a terminal status cannot have an SLA or escalations");
    }
    return st;
  }
  if (is_cutoff_status(node)) {
    read_cutoff_status(node, path, *config_, st);  // load_calendar_status.cpp
    return st;
  }
  if (auto v = node["sla"]) {
    Tier base;
    base.severity = "warning";
    if (auto d = duration(v, join(path, "sla"))) base.after = *d;
    if (auto s = node["severity"]) base.severity = severity(s, join(path, "severity"));
    if (auto t = node["team"]) base.team = scalar(t, join(path, "team"));
    st.tiers.push_back(base);
  } else {
    for (const char* key : {"severity", "escalations"}) {
      if (auto extra = node[key]) add(extra, join(path, key), "needs an \"sla\" on the status");
    }
  }
  if (auto esc = node["escalations"]; esc && !st.tiers.empty()) {
    read_escalations(esc, join(path, "escalations"), st);
  }
  if (node["calendar"]) read_status_calendar(node, path, *config_, st);
  return st;
}

std::string Loader::severity(const YAML::Node& node, const std::string& path) {
  auto s = scalar(node, path);
  if (!s.empty() && !valid_severity(s)) {
    add(node, path, quote(s) + " must match [a-z][a-z0-9_]*");
  }
  return s;
}

// The rest of an escalation, whatever its timing key: its severity (unique in the status) and
// team; then it joins the status's tiers.
void Loader::add_tier(const YAML::Node& node, const std::string& p, Tier tier, Status& st) {
  if (auto v = node["severity"]) {
    tier.severity = severity(v, join(p, "severity"));
    for (const auto& t : st.tiers) {
      if (!tier.severity.empty() && t.severity == tier.severity) {
        add(v, join(p, "severity"),
            "severity " + quote(tier.severity) + " is already used by another tier of " +
                quote(st.name));
        break;
      }
    }
  } else {
    add(node, p, "missing required key \"severity\"");
  }
  if (auto v = node["team"]) tier.team = scalar(v, join(p, "team"));
  st.tiers.push_back(std::move(tier));
}

void Loader::read_escalations(const YAML::Node& list, const std::string& path, Status& st) {
  if (!list.IsSequence()) {
    add(list, path, "expected a list of {after, severity, team}");
    return;
  }
  for (std::size_t j = 0; j < list.size(); ++j) {
    const auto node = list[j];
    const auto p = index(path, j);
    if (!is_map(node, p)) continue;
    keys(node, p, {"after", "severity", "team"});
    Tier tier;
    const Tier& prev = st.tiers.back();
    if (auto v = node["after"]) {
      if (auto d = duration(v, join(p, "after"))) {
        tier.after = *d;
        if (prev.after.count() > 0 && tier.after <= prev.after) {
          add(v, join(p, "after"),
              format_duration(tier.after) + " must be after the tier before it (" +
                  format_duration(prev.after) + ")");
        }
      }
    } else {
      add(node, p, "missing required key \"after\"");
    }
    add_tier(node, p, std::move(tier), st);
  }
}

// ---- event -------------------------------------------------------------------------------------

void Loader::read_event(const YAML::Node& node, EventConfig& ev) {
  const std::string path = "event";
  if (node) {
    if (!is_map(node, path)) return;
    keys(node, path,
         {"format", "id_field", "status_field", "time_field", "dimensions", "max_future_skew",
          "max_lateness", "idle_timeout", "max_payload_bytes", "max_id_bytes",
          "max_dimension_value_bytes", "dead_letter_subject"});
    if (auto v = node["format"]) {
      auto f = scalar(v, "event.format");
      if (f == "json") {
        ev.format = EventFormat::kJson;
      } else if (f == "cloudevents") {
        ev.format = EventFormat::kCloudEvents;
      } else {
        add(v, "event.format", quote(f) + " is not a format (json or cloudevents)");
      }
    }
  }
  const bool ce = ev.format == EventFormat::kCloudEvents;
  ev.id_field = ce ? "data.orderId" : "orderId";
  ev.status_field = ce ? "data.status" : "status";
  ev.time_field = ce ? "time" : "timestamp";
  if (!node) return;
  for (auto [key, out] : {std::pair{"id_field", &ev.id_field},
                          {"status_field", &ev.status_field},
                          {"time_field", &ev.time_field}}) {
    if (auto v = node[key]) {
      *out = scalar(v, join(path, key));
      if (!valid_path(*out)) add(v, join(path, key), quote(*out) + " is not a field path");
    }
  }
  set_duration(node, "max_future_skew", path, ev.max_future_skew, /*allow_zero=*/true);
  // At most a day: a watermark trailing the wall clock by more (max_lateness) would judge
  // nothing in time, a silent producer hidden for longer (idle_timeout) would hide stuck orders
  // past any SLA worth paging; such a value is a typo (5d for 5s) more likely than meant.
  const struct {
    const char* key;
    bool allow_zero;
    Duration* out;
  } watermark[] = {{"max_lateness", true, &ev.max_lateness},
                   {"idle_timeout", false, &ev.idle_timeout}};
  for (const auto& w : watermark) {
    const YAML::Node v = node[w.key];
    if (!v) continue;
    const std::string p = join(path, w.key);
    if (auto d = duration(v, p, w.allow_zero)) {
      if (*d > std::chrono::hours(24)) {
        add(v, p, format_duration(*d) + " is more than 1d");
      } else {
        *w.out = *d;
      }
    }
  }
  const struct {
    const char* key;
    std::int64_t min, max;
    std::uint32_t* out;
  } limits[] = {{"max_payload_bytes", 64, 64 * 1024 * 1024, &ev.max_payload_bytes},
                {"max_id_bytes", 1, 4096, &ev.max_id_bytes},
                {"max_dimension_value_bytes", 1, 1024, &ev.max_dimension_value_bytes}};
  for (const auto& l : limits) {
    if (auto v = node[l.key]) {
      const std::string p = join(path, l.key);
      auto n = integer(v, p);
      if (n && (*n < l.min || *n > l.max))
        add(v, p, "must be between " + std::to_string(l.min) + " and " + std::to_string(l.max));
      else if (n)
        *l.out = static_cast<std::uint32_t>(*n);
    }
  }
  if (auto v = node["dead_letter_subject"]) {
    ev.dead_letter_subject = scalar(v, "event.dead_letter_subject");
    if (!valid_subject(ev.dead_letter_subject) ||
        ev.dead_letter_subject.find_first_of("*>") != std::string::npos)
      add(v, "event.dead_letter_subject",
          quote(ev.dead_letter_subject) + " is not a NATS subject without wildcards");
  }
  if (auto dims = node["dimensions"]) read_dimensions(dims, ev);
}

void Loader::check_dead_letter(const YAML::Node& event, const Config& cfg) {
  const std::string& dlq = cfg.event.dead_letter_subject;
  if (dlq.empty() || cfg.nats.subject.empty()) return;
  if (subject_matches(cfg.nats.subject, dlq))
    add(event["dead_letter_subject"], "event.dead_letter_subject",
        quote(dlq) + " is matched by nats.subject " + quote(cfg.nats.subject) +
            ": rejects would be consumed again");
}

void Loader::check_idle_timeout(const YAML::Node& root, const Config& cfg) {
  const auto idle = cfg.event.idle_timeout;
  const auto behind = cfg.alerting.behind.threshold;
  if (idle < behind) return;
  const YAML::Node event = root["event"];
  const YAML::Node at =
      event && event.IsMap() && event["idle_timeout"] ? event["idle_timeout"] : root;
  add(at, "event.idle_timeout",
      format_duration(idle) + " is not below alerting.behind.threshold (" +
          format_duration(behind) + "): a silent producer would look like an exporter behind");
}

void Loader::read_dimensions(const YAML::Node& dims, EventConfig& ev) {
  std::set<std::string> labels;
  if (!each_map(dims, "event.dimensions", "expected a list of {field, max_values}",
                [&](const YAML::Node& d, const std::string& p) {
                  ev.dimensions.push_back(read_dimension(d, p, labels));
                }))
    return;
  if (ev.dimensions.size() > kMaxDimensions) {
    add(dims, "event.dimensions", "at most " + std::to_string(kMaxDimensions) + " dimensions");
  }
}

// labels: the labels of the dimensions before this one, to refuse a duplicate.
Dimension Loader::read_dimension(const YAML::Node& node, const std::string& path,
                                 std::set<std::string>& labels) {
  keys(node, path, {"field", "label", "max_values"});
  Dimension dim;
  if (auto v = node["field"]) {
    dim.field = scalar(v, join(path, "field"));
    if (!valid_path(dim.field))
      add(v, join(path, "field"), quote(dim.field) + " is not a field path");
  } else {
    add(node, path, "missing required key \"field\"");
  }
  auto dot = dim.field.rfind('.');
  dim.label = dot == std::string::npos ? dim.field : dim.field.substr(dot + 1);
  YAML::Node label_node = node["label"] ? node["label"] : node["field"];
  if (auto v = node["label"]) dim.label = scalar(v, join(path, "label"));
  if (!dim.label.empty()) {
    if (!valid_label_name(dim.label)) {
      add(label_node, join(path, "label"), quote(dim.label) + " is not a valid label name");
    } else if (kReservedLabels.count(dim.label)) {
      add(label_node, join(path, "label"),
          quote(dim.label) + " is a label orderwatch sets itself; choose another label");
    } else if (!labels.insert(dim.label).second) {
      add(label_node, join(path, "label"), "duplicate dimension label " + quote(dim.label));
    }
  }
  if (auto v = node["max_values"]) {
    auto n = integer(v, join(path, "max_values"));
    if (n && (*n < 1 || *n > 1000))
      add(v, join(path, "max_values"), "must be between 1 and 1000 (a cap of 0 exports nothing)");
    else if (n)
      dim.max_values = static_cast<std::uint32_t>(*n);
  } else {
    add(node, path, "missing required key \"max_values\" (every dimension needs a cap)");
  }
  return dim;
}

}  // namespace orderwatch::sla::detail
