// The public API (load_string, load_file, summary, Problem, ConfigError), the document's top
// level, and the Loader's reporting and typed scalar readers. The sections live in
// load_workflow.cpp, load_nats.cpp and load_alerting.cpp.
#include "orderwatch/sla/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <fstream>
#include <sstream>
#include <tuple>

#include "loader_impl.h"

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

}  // namespace

namespace detail {

Config Loader::load(const std::string& text) {
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
        "alerting", "retention", "actions", "calendars", "milestones"});

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
  read_calendars(root["calendars"], cfg);
  config_ = &cfg;
  read_statuses(root, cfg);
  read_milestones(root["milestones"], cfg);  // load_milestones.cpp
  if (auto v = root["nats"]) {
    read_nats(v, cfg.nats);
  } else {
    add(root, "", "missing required key \"nats\" (at least nats.subject)");
  }
  read_event(root["event"], cfg.event);
  check_dead_letter(root["event"], cfg);
  if (auto v = root["turnaround"]) read_turnaround(v, cfg);
  if (auto v = root["alerting"]) read_alerting(v, cfg);
  check_idle_timeout(root, cfg);
  if (auto v = root["retention"]) read_retention(v, cfg.retention);
  if (auto v = root["actions"]) read_actions(v, cfg.actions);

  if (!problems_.empty()) {
    // Report in file order, as a reader scans the file.
    std::stable_sort(problems_.begin(), problems_.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    throw ConfigError(problems_);
  }
  return cfg;
}

// ---- reporting ---------------------------------------------------------------------------------

void Loader::add_at(const YAML::Mark& mark, const std::string& path, const std::string& message) {
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

// ---- typed readers -----------------------------------------------------------------------------

void Loader::keys(const YAML::Node& map, const std::string& path,
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

bool Loader::is_map(const YAML::Node& node, const std::string& path) {
  if (node.IsMap()) return true;
  add(node, path, "expected a mapping");
  return false;
}

std::string Loader::scalar(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    add(node, path, "expected a string");
    return {};
  }
  return node.Scalar();
}

std::optional<std::int64_t> Loader::integer(const YAML::Node& node, const std::string& path) {
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

std::optional<double> Loader::number(const YAML::Node& node, const std::string& path) {
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

std::optional<bool> Loader::boolean(const YAML::Node& node, const std::string& path) {
  if (node.IsScalar()) {
    const auto& s = node.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  add(node, path, "expected true or false");
  return std::nullopt;
}

std::optional<Duration> Loader::duration(const YAML::Node& node, const std::string& path,
                                         bool allow_zero) {
  if (!node.IsScalar()) {
    add(node, path, "expected a duration like 90s, 15m, 2h, 7d or 1h30m");
    return std::nullopt;
  }
  auto d = parse_duration(node.Scalar());
  if (!d) {
    add(node, path, quote(node.Scalar()) + " is not a duration (use e.g. 90s, 15m, 2h, 7d, 1h30m)");
    return std::nullopt;
  }
  if (d->count() == 0 && !allow_zero) {
    add(node, path, "must be greater than 0");
    return std::nullopt;
  }
  return d;
}

}  // namespace detail

// ---- public API --------------------------------------------------------------------------------

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(join_messages(problems)), problems_(std::move(problems)) {}

Config load_string(const std::string& yaml, const std::string& name) {
  return detail::Loader(name).load(yaml);
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
  if (!c.milestones.empty()) {
    out << ", " << c.milestones.size() << (c.milestones.size() == 1 ? " milestone" : " milestones")
        << " (";
    for (std::size_t i = 0; i < c.milestones.size(); ++i) {
      const Milestone& m = c.milestones[i];
      out << (i ? ", " : "") << m.name << ' '
          << (m.has_deadline_field() ? "by " + m.deadline_field
                                     : "within " + format_duration(m.tiers.front().after));
      if (!m.calendar.empty()) out << " open time (" << m.calendar << ')';
    }
    out << ')';
  }
  return out.str();
}

}  // namespace orderwatch::sla
