#include "orderwatch/sla/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <set>
#include <sstream>
#include <tuple>

namespace orderwatch::sla {

std::string Problem::to_string() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ':' << line << ':' << column;
  out << ": ";
  if (!path.empty()) out << path << ": ";
  out << message;
  return out.str();
}

namespace {

std::string join_messages(const std::vector<Problem>& problems) {
  std::string text;
  for (const auto& p : problems) {
    if (!text.empty()) text += '\n';
    text += p.to_string();
  }
  return text;
}

bool matches(std::string_view s, const std::function<bool(char, bool)>& ok) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!ok(s[i], i == 0)) return false;
  }
  return true;
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_service(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return first ? (c >= 'a' && c <= 'z') : (is_lower_alnum(c) || c == '-' || c == '_');
  });
}
bool valid_metric_name(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return is_alpha(c) || c == '_' || (!first && (is_digit(c) || c == ':'));
  });
}
bool valid_label_name(std::string_view s) {
  return !s.starts_with("__") && matches(s, [](char c, bool first) {
    return is_alpha(c) || c == '_' || (!first && is_digit(c));
  });
}
bool valid_status_name(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return is_alpha(c) || (!first && (is_digit(c) || c == '_' || c == '-'));
  });
}
bool valid_severity(std::string_view s) {
  return matches(s, [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (!first && (is_digit(c) || c == '_'));
  });
}
bool valid_path(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  return s.find("..") == std::string_view::npos;
}

// Labels the exporter itself sets; a dimension may not take one of these names.
const std::set<std::string, std::less<>> kReservedLabels = {
    "status", "severity", "le",   "from", "to",       "outcome", "result",
    "reason", "service",  "team", "job",  "instance", "tier",    "alertname"};

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

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  Config load(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      add_at(e.mark, "", e.msg);
      throw ConfigError(problems_);
    }
    Config cfg;
    cfg.source_path = file_;
    if (!root.IsDefined() || root.IsNull()) {
      add_at(YAML::Mark(), "", "the file is empty; expected a mapping with service and statuses");
      throw ConfigError(problems_);
    }
    if (!root.IsMap()) {
      add(root, "", "expected a mapping at the top level");
      throw ConfigError(problems_);
    }
    keys(root, "",
         {"version", "service", "metric_prefix", "nats", "event", "statuses", "turnaround",
          "alerting", "retention"});

    if (auto v = root["version"]) {
      auto n = integer(v, "version");
      if (n && *n != 1) add(v, "version", "unsupported version " + std::to_string(*n) + "; only 1");
    }
    if (auto v = root["service"]) {
      cfg.service = scalar(v, "service");
      if (!cfg.service.empty() && !valid_service(cfg.service))
        add(v, "service", quote(cfg.service) + " must match [a-z][a-z0-9_-]*");
    } else {
      add(root, "", "missing required key \"service\"");
    }
    if (auto v = root["metric_prefix"]) {
      cfg.metric_prefix = scalar(v, "metric_prefix");
      if (!valid_metric_name(cfg.metric_prefix))
        add(v, "metric_prefix", quote(cfg.metric_prefix) + " is not a valid metric name prefix");
    }
    read_statuses(root, cfg);
    if (auto v = root["nats"]) {
      read_nats(v, cfg.nats);
    } else {
      add(root, "", "missing required key \"nats\" (at least nats.subject)");
    }
    read_event(root["event"], cfg.event);
    if (auto v = root["turnaround"]) read_turnaround(v, cfg);
    if (auto v = root["alerting"]) read_alerting(v, cfg);
    if (auto v = root["retention"]) read_retention(v, cfg.retention);

    if (!problems_.empty()) {
      // Report in file order, as a reader scans the file.
      std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
      });
      throw ConfigError(problems_);
    }
    return cfg;
  }

  std::vector<Problem>& problems() { return problems_; }

 private:
  // ---- reporting -------------------------------------------------------------------------
  void add_at(const YAML::Mark& mark, const std::string& path, const std::string& message) {
    Problem p;
    p.file = file_;
    if (!mark.is_null()) {
      p.line = mark.line + 1;
      p.column = mark.column + 1;
    }
    p.path = path;
    p.message = message;
    problems_.push_back(std::move(p));
  }
  void add(const YAML::Node& node, const std::string& path, const std::string& message) {
    add_at(node.Mark(), path, message);
  }
  static std::string quote(const std::string& s) { return "\"" + s + "\""; }
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string index(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

  // ---- typed readers; each reports its own problem and returns an empty value -------------
  void keys(const YAML::Node& map, const std::string& path,
            std::initializer_list<std::string_view> allowed) {
    if (!map.IsMap()) return;
    for (const auto& kv : map) {
      const auto key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        add(kv.first, join(path, key), "unknown key (allowed here: " + list + ")");
      }
    }
  }
  bool is_map(const YAML::Node& node, const std::string& path) {
    if (node.IsMap()) return true;
    add(node, path, "expected a mapping");
    return false;
  }
  std::string scalar(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      add(node, path, "expected a string");
      return {};
    }
    return node.Scalar();
  }
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const auto& s = node.Scalar();
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    }
    add(node, path,
        quote(node.IsScalar() ? node.Scalar() : "<non-scalar>") + " is not a whole number");
    return std::nullopt;
  }
  std::optional<double> number(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      try {
        std::size_t used = 0;
        double v = std::stod(node.Scalar(), &used);
        if (used == node.Scalar().size() && std::isfinite(v)) return v;
      } catch (const std::exception&) {
      }
    }
    add(node, path, quote(node.IsScalar() ? node.Scalar() : "<non-scalar>") + " is not a number");
    return std::nullopt;
  }
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar()) {
      const auto& s = node.Scalar();
      if (s == "true") return true;
      if (s == "false") return false;
    }
    add(node, path, "expected true or false");
    return std::nullopt;
  }
  // A duration that must be > 0 (or >= 0 when allow_zero).
  std::optional<Duration> duration(const YAML::Node& node, const std::string& path,
                                   bool allow_zero = false) {
    if (!node.IsScalar()) {
      add(node, path, "expected a duration like 90s, 15m, 2h, 7d or 1h30m");
      return std::nullopt;
    }
    auto d = parse_duration(node.Scalar());
    if (!d) {
      add(node, path,
          quote(node.Scalar()) + " is not a duration (use e.g. 90s, 15m, 2h, 7d, 1h30m)");
      return std::nullopt;
    }
    if (d->count() == 0 && !allow_zero) {
      add(node, path, "must be greater than 0");
      return std::nullopt;
    }
    return d;
  }
  template <typename T>
  void set_duration(const YAML::Node& map, const char* key, const std::string& path, T& out,
                    bool allow_zero = false) {
    if (auto v = map[key]) {
      if (auto d = duration(v, join(path, key), allow_zero)) out = *d;
    }
  }
  void set_string(const YAML::Node& map, const char* key, const std::string& path,
                  std::string& out) {
    if (auto v = map[key]) out = scalar(v, join(path, key));
  }

  // ---- sections ----------------------------------------------------------------------------
  void read_statuses(const YAML::Node& root, Config& cfg) {
    auto list = root["statuses"];
    if (!list) {
      add(root, "", "missing required key \"statuses\"");
      return;
    }
    if (!list.IsSequence() || list.size() == 0) {
      add(list, "statuses", "expected a non-empty list of statuses");
      return;
    }
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto node = list[i];
      const auto path = index("statuses", i);
      if (!is_map(node, path)) continue;
      keys(node, path, {"name", "sla", "severity", "team", "escalations", "terminal"});
      Status st;
      if (auto v = node["name"]) {
        st.name = scalar(v, join(path, "name"));
        if (!st.name.empty() && !valid_status_name(st.name)) {
          add(v, join(path, "name"),
              quote(st.name) +
                  " must start with a letter and contain only letters, digits, _ or -");
        } else if (!st.name.empty() && !seen.insert(st.name).second) {
          add(v, join(path, "name"), "duplicate status " + quote(st.name));
        }
      } else {
        add(node, path, "missing required key \"name\"");
      }
      if (auto v = node["terminal"])
        st.terminal = boolean(v, join(path, "terminal")).value_or(false);
      if (st.terminal) {
        for (const char* key : {"sla", "severity", "escalations"}) {
          if (auto v = node[key])
            add(v, join(path, key), "a terminal status cannot have an SLA or escalations");
        }
        cfg.statuses.push_back(std::move(st));
        continue;
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
      cfg.statuses.push_back(std::move(st));
    }
  }

  std::string severity(const YAML::Node& node, const std::string& path) {
    auto s = scalar(node, path);
    if (!s.empty() && !valid_severity(s)) {
      add(node, path, quote(s) + " must match [a-z][a-z0-9_]*");
    }
    return s;
  }

  void read_escalations(const YAML::Node& list, const std::string& path, Status& st) {
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
      st.tiers.push_back(tier);
    }
  }

  void read_nats(const YAML::Node& node, NatsConfig& nats) {
    const std::string path = "nats";
    if (!is_map(node, path)) return;
    keys(node, path,
         {"url", "subject", "queue_group", "jetstream", "user", "password_file", "token_file",
          "credentials_file", "tls", "pending_messages_limit", "password", "token"});
    if (auto v = node["url"]) {
      nats.url = scalar(v, "nats.url");
      std::stringstream urls(nats.url);
      std::string one;
      while (std::getline(urls, one, ',')) {
        if (!one.starts_with("nats://") && !one.starts_with("tls://")) {
          add(v, "nats.url", quote(one) + " must start with nats:// or tls://");
        }
      }
    }
    if (auto v = node["subject"]) {
      nats.subject = scalar(v, "nats.subject");
      if (!nats.subject.empty() && !valid_subject(nats.subject))
        add(v, "nats.subject", quote(nats.subject) + " is not a valid NATS subject");
    } else {
      add(node, path, "missing required key \"subject\"");
    }
    set_string(node, "queue_group", path, nats.queue_group);
    set_string(node, "user", path, nats.user);
    set_string(node, "password_file", path, nats.password_file);
    set_string(node, "token_file", path, nats.token_file);
    set_string(node, "credentials_file", path, nats.credentials_file);
    for (const char* secret : {"password", "token"}) {
      if (auto v = node[secret])
        add(v, join(path, secret),
            std::string("secrets are not accepted inline; use ") + secret + "_file");
    }
    if (auto v = node["pending_messages_limit"]) {
      auto n = integer(v, "nats.pending_messages_limit");
      if (n && (*n < 1 || *n > 100'000'000))
        add(v, "nats.pending_messages_limit", "must be between 1 and 100000000");
      else if (n)
        nats.pending_messages_limit = static_cast<std::uint32_t>(*n);
    }
    if (auto tls = node["tls"]) {
      if (is_map(tls, "nats.tls")) {
        keys(tls, "nats.tls", {"ca_file", "cert_file", "key_file"});
        set_string(tls, "ca_file", "nats.tls", nats.tls_ca_file);
        set_string(tls, "cert_file", "nats.tls", nats.tls_cert_file);
        set_string(tls, "key_file", "nats.tls", nats.tls_key_file);
        if (nats.tls_cert_file.empty() != nats.tls_key_file.empty())
          add(tls, "nats.tls", "cert_file and key_file go together");
      }
    }
    if (auto js = node["jetstream"]) {
      const std::string p = "nats.jetstream";
      if (is_map(js, p)) {
        keys(js, p, {"stream", "durable", "ack_wait", "max_ack_pending", "max_deliver"});
        JetStreamConfig cfg;
        for (auto [key, out] : {std::pair{"stream", &cfg.stream}, {"durable", &cfg.durable}}) {
          if (auto v = js[key]) {
            *out = scalar(v, join(p, key));
          } else {
            add(js, p, std::string("missing required key \"") + key + "\"");
          }
        }
        set_duration(js, "ack_wait", p, cfg.ack_wait);
        for (auto [key, out] : {std::pair{"max_ack_pending", &cfg.max_ack_pending},
                                {"max_deliver", &cfg.max_deliver}}) {
          if (auto v = js[key]) {
            auto n = integer(v, join(p, key));
            if (n && *n < 1) add(v, join(p, key), "must be at least 1");
            if (n) *out = *n;
          }
        }
        nats.jetstream = cfg;
        // A queue group would split one durable's messages over instances that each keep
        // only part of an order's events; scale-out uses partition subjects instead.
        if (auto q = node["queue_group"]; q && !nats.queue_group.empty()) {
          add(q, "nats.queue_group",
              "does not apply with jetstream: give each instance its own durable and "
              "partition subject");
        }
      }
    }
  }

  static bool valid_subject(std::string_view s) {
    std::size_t start = 0;
    while (true) {
      auto dot = s.find('.', start);
      auto token =
          s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (token.empty()) return false;
      for (char c : token) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return false;
      }
      if (token.find('>') != std::string_view::npos &&
          (token != ">" || dot != std::string_view::npos))
        return false;
      if (token.find('*') != std::string_view::npos && token != "*") return false;
      if (dot == std::string_view::npos) return true;
      start = dot + 1;
    }
  }

  void read_event(const YAML::Node& node, EventConfig& ev) {
    const std::string path = "event";
    if (node) {
      if (!is_map(node, path)) return;
      keys(node, path,
           {"format", "id_field", "status_field", "time_field", "dimensions", "max_future_skew",
            "max_payload_bytes"});
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
    if (auto v = node["max_payload_bytes"]) {
      auto n = integer(v, "event.max_payload_bytes");
      if (n && (*n < 64 || *n > 64 * 1024 * 1024))
        add(v, "event.max_payload_bytes", "must be between 64 and 67108864");
      else if (n)
        ev.max_payload_bytes = static_cast<std::uint32_t>(*n);
    }
    if (auto dims = node["dimensions"]) {
      if (!dims.IsSequence()) {
        add(dims, "event.dimensions", "expected a list of {field, max_values}");
        return;
      }
      std::set<std::string> labels;
      for (std::size_t i = 0; i < dims.size(); ++i) {
        const auto d = dims[i];
        const auto p = index("event.dimensions", i);
        if (!is_map(d, p)) continue;
        keys(d, p, {"field", "label", "max_values"});
        Dimension dim;
        if (auto v = d["field"]) {
          dim.field = scalar(v, join(p, "field"));
          if (!valid_path(dim.field))
            add(v, join(p, "field"), quote(dim.field) + " is not a field path");
        } else {
          add(d, p, "missing required key \"field\"");
        }
        auto dot = dim.field.rfind('.');
        dim.label = dot == std::string::npos ? dim.field : dim.field.substr(dot + 1);
        YAML::Node label_node = d["label"] ? d["label"] : d["field"];
        if (auto v = d["label"]) dim.label = scalar(v, join(p, "label"));
        if (!dim.label.empty()) {
          if (!valid_label_name(dim.label)) {
            add(label_node, join(p, "label"), quote(dim.label) + " is not a valid label name");
          } else if (kReservedLabels.count(dim.label)) {
            add(label_node, join(p, "label"),
                quote(dim.label) + " is a label orderwatch sets itself; choose another label");
          } else if (!labels.insert(dim.label).second) {
            add(label_node, join(p, "label"), "duplicate dimension label " + quote(dim.label));
          }
        }
        if (auto v = d["max_values"]) {
          auto n = integer(v, join(p, "max_values"));
          if (n && (*n < 1 || *n > 1000))
            add(v, join(p, "max_values"),
                "must be between 1 and 1000 (a cap of 0 exports nothing)");
          else if (n)
            dim.max_values = static_cast<std::uint32_t>(*n);
        } else {
          add(d, p, "missing required key \"max_values\" (every dimension needs a cap)");
        }
        ev.dimensions.push_back(std::move(dim));
      }
      if (ev.dimensions.size() > kMaxDimensions) {
        add(dims, "event.dimensions", "at most " + std::to_string(kMaxDimensions) + " dimensions");
      }
    }
  }

  void read_turnaround(const YAML::Node& node, Config& cfg) {
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

  void read_alerting(const YAML::Node& node, Config& cfg) {
    const std::string path = "alerting";
    if (!is_map(node, path)) return;
    keys(node, path,
         {"for", "keep_firing_for", "min_overdue", "runbook_url", "dashboard_url", "exporter_url",
          "job", "default_team", "no_events_for", "default_receiver", "routes", "receivers",
          "group_wait", "group_interval", "repeat_interval"});
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
    set_duration(node, "group_wait", path, a.group_wait, true);
    set_duration(node, "group_interval", path, a.group_interval);
    set_duration(node, "repeat_interval", path, a.repeat_interval);
    set_string(node, "default_receiver", path, a.default_receiver);

    std::set<std::string> names;
    if (auto list = node["receivers"]) {
      if (!list.IsSequence()) {
        add(list, "alerting.receivers", "expected a list of receivers");
      } else {
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (auto r = read_receiver(list[i], index("alerting.receivers", i))) {
            if (!names.insert(r->name).second)
              add(list[i]["name"], index("alerting.receivers", i) + ".name",
                  "duplicate receiver " + quote(r->name));
            a.receivers.push_back(std::move(*r));
          }
        }
      }
    }
    auto check_receiver = [&](const YAML::Node& n, const std::string& p, const std::string& name) {
      if (!name.empty() && !names.count(name))
        add(n, p, "receiver " + quote(name) + " is not defined under alerting.receivers");
    };
    if (auto v = node["default_receiver"])
      check_receiver(v, "alerting.default_receiver", a.default_receiver);
    if (auto list = node["routes"]) {
      if (!list.IsSequence()) {
        add(list, "alerting.routes", "expected a list of {team, severity, receiver}");
      } else {
        for (std::size_t i = 0; i < list.size(); ++i) {
          const auto r = list[i];
          const auto p = index("alerting.routes", i);
          if (!is_map(r, p)) continue;
          keys(r, p, {"team", "severity", "receiver"});
          Route route;
          set_string(r, "team", p, route.team);
          set_string(r, "severity", p, route.severity);
          if (auto v = r["receiver"]) {
            route.receiver = scalar(v, join(p, "receiver"));
            check_receiver(v, join(p, "receiver"), route.receiver);
          } else {
            add(r, p, "missing required key \"receiver\"");
          }
          if (route.team.empty() && route.severity.empty())
            add(r, p,
                "a route needs a team, a severity or both (use default_receiver for the rest)");
          a.routes.push_back(std::move(route));
        }
      }
    }
    if (!a.receivers.empty() && a.default_receiver.empty())
      add(node, path, "missing \"default_receiver\": alerts no route matches must go somewhere");
  }

  std::optional<Receiver> read_receiver(const YAML::Node& node, const std::string& path) {
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

  void read_retention(const YAML::Node& node, Retention& r) {
    if (!is_map(node, "retention")) return;
    keys(node, "retention", {"max_age", "tombstone_ttl"});
    set_duration(node, "max_age", "retention", r.max_age);
    set_duration(node, "tombstone_ttl", "retention", r.tombstone_ttl, true);
  }

  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(join_messages(problems)), problems_(std::move(problems)) {}

Config load_string(const std::string& yaml, const std::string& name) {
  return Loader(name).load(yaml);
}

Config load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError({Problem{path, 0, 0, "", "cannot read the file (does it exist?)"}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_string(text.str(), path);
}

std::string summary(const Config& c) {
  std::size_t terminal = 0, tiers = 0;
  for (const auto& s : c.statuses) {
    terminal += s.terminal ? 1 : 0;
    tiers += s.tiers.size();
  }
  std::ostringstream out;
  out << c.service << ": " << c.statuses.size() << " statuses (" << terminal << " terminal), "
      << tiers << " SLA tiers, " << c.event.dimensions.size() << " dimensions, "
      << (c.nats.jetstream ? "JetStream " : "NATS ") << "subject " << c.nats.subject;
  if (c.turnaround.enabled) out << ", turnaround " << format_duration(c.turnaround.sla);
  return out.str();
}

}  // namespace orderwatch::sla
