// The Loader's `milestones:` section: promises that span statuses (from, until, pause) with an
// `sla` (tiers, escalations, an optional calendar) or each order's own `deadline_field`
// (warn_before, severity), every rule reported at its node. Hooked into Loader::load after the
// statuses (loader.cpp); the model is sla::Milestone (config.h).
#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "loader_impl.h"
#include "orderwatch/calendar/deadline.h"

namespace orderwatch::sla::detail {

namespace {

constexpr std::array<std::string_view, 3> kRoleKeys = {"from", "until", "pause"};

MilestoneRole role_of_key(std::size_t k) {
  constexpr std::array<MilestoneRole, 3> roles = {MilestoneRole::kFrom, MilestoneRole::kUntil,
                                                  MilestoneRole::kPause};
  return roles[k];
}

std::vector<std::string> split_dots(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(path.substr(start, dot - start));
  parts.push_back(path.substr(start));
  return parts;
}

}  // namespace

void Loader::read_milestones(const YAML::Node& node, Config& cfg) {
  if (!node) return;
  std::set<std::string> names;
  std::vector<std::string> deadline_fields;  // distinct, by first use: index = slot
  each_map(node, "milestones", "expected a list of milestones",
           [&](const YAML::Node& item, const std::string& path) {
             Milestone m = read_milestone(item, path, cfg, names);
             if (m.has_deadline_field()) assign_deadline_slot(item, path, deadline_fields, m);
             cfg.milestones.push_back(std::move(m));
           });
  if (cfg.milestones.size() > kMaxMilestones) {
    add(node, "milestones",
        std::to_string(cfg.milestones.size()) + " milestones; at most " +
            std::to_string(kMaxMilestones) + " are supported");
  }
}

// Milestones reading the same deadline_field share the slot its value is decoded into.
void Loader::assign_deadline_slot(const YAML::Node& node, const std::string& path,
                                  std::vector<std::string>& fields, Milestone& m) {
  std::size_t slot = 0;
  while (slot < fields.size() && fields[slot] != m.deadline_field) ++slot;
  if (slot == fields.size()) {
    if (fields.size() == kMaxMilestoneDeadlines) {
      add(node["deadline_field"], join(path, "deadline_field"),
          "at most " + std::to_string(kMaxMilestoneDeadlines) +
              " distinct deadline fields are supported (milestones may share one)");
      return;
    }
    fields.push_back(m.deadline_field);
  }
  m.deadline_slot = static_cast<std::uint8_t>(slot);
}

Milestone Loader::read_milestone(const YAML::Node& node, const std::string& path, const Config& cfg,
                                 std::set<std::string>& names) {
  keys(node, path,
       {"name", "from", "until", "pause", "sla", "deadline_field", "calendar", "team",
        "escalations", "warn_before", "severity"});
  Milestone m;
  if (auto v = node["name"]) {
    m.name = scalar(v, join(path, "name"));
    if (!m.name.empty() && !valid_severity(m.name)) {  // the same syntax: [a-z][a-z0-9_]*
      add(v, join(path, "name"), quote(m.name) + " must match [a-z][a-z0-9_]*");
    } else if (!m.name.empty() && !names.insert(m.name).second) {
      add(v, join(path, "name"), "duplicate milestone " + quote(m.name));
    }
  } else {
    add(node, path, "missing required key \"name\"");
  }
  if (auto v = node["team"]) m.team = scalar(v, join(path, "team"));
  read_milestone_statuses(node, path, cfg, m);
  const YAML::Node sla = node["sla"];
  const YAML::Node field = node["deadline_field"];
  if (sla && field) {
    add(field, join(path, "deadline_field"),
        "\"sla\" and \"deadline_field\" exclude each other (a milestone is due after its sla "
        "or at each order's own deadline)");
  } else if (sla) {
    read_sla_milestone(node, path, cfg, m);
  } else if (field) {
    read_deadline_milestone(node, path, m);
  } else {
    add(node, path, "a milestone needs an \"sla\" or a \"deadline_field\"");
  }
  return m;
}

// from (required), until (required), pause (optional): configured statuses, no status in two
// of them, no terminal status in from or pause. Then the role of every status.
void Loader::read_milestone_statuses(const YAML::Node& node, const std::string& path,
                                     const Config& cfg, Milestone& m) {
  m.roles.assign(cfg.statuses.size(), MilestoneRole::kNone);
  std::array<std::vector<std::uint8_t>*, 3> lists = {&m.from, &m.until, &m.pause};
  for (std::size_t k = 0; k < kRoleKeys.size(); ++k) {
    const std::string key(kRoleKeys[k]);
    const std::string p = join(path, key);
    const YAML::Node list = node[key];
    if (!list) {
      if (k < 2) add(node, path, "missing required key " + quote(key));
      continue;
    }
    if (!list.IsSequence() || (k < 2 && list.size() == 0)) {
      add(list, p, "expected a " + std::string(k < 2 ? "non-empty " : "") + "list of statuses");
      continue;
    }
    for (std::size_t j = 0; j < list.size(); ++j) {
      const std::string name = scalar(list[j], index(p, j));
      if (name.empty()) continue;
      const int s = cfg.status_index(name);
      if (s < 0) {
        add(list[j], index(p, j), "unknown status " + quote(name) + " (not under statuses)");
        continue;
      }
      const auto si = static_cast<std::size_t>(s);
      if (m.roles[si] != MilestoneRole::kNone) {
        std::size_t had = 0;
        while (role_of_key(had) != m.roles[si]) ++had;
        add(list[j], index(p, j),
            quote(name) + " is already in " + std::string(kRoleKeys[had]) +
                " (from, until and pause may not overlap)");
        continue;
      }
      if (cfg.statuses[si].terminal && k != 1) {
        add(list[j], index(p, j),
            "terminal status " + quote(name) + " cannot be in " + key +
                ": a terminal status stops every milestone (as if in until)");
        continue;
      }
      m.roles[si] = role_of_key(k);
      lists[k]->push_back(static_cast<std::uint8_t>(si));
    }
  }
  for (std::size_t s = 0; s < cfg.statuses.size(); ++s) {
    if (cfg.statuses[s].terminal && m.roles[s] == MilestoneRole::kNone)
      m.roles[s] = MilestoneRole::kUntil;
  }
}

// An sla milestone: the base tier, its escalations (as a status's) and an optional calendar.
void Loader::read_sla_milestone(const YAML::Node& node, const std::string& path, const Config& cfg,
                                Milestone& m) {
  if (auto v = node["warn_before"]) {
    add(v, join(path, "warn_before"),
        "\"warn_before\" needs a \"deadline_field\" (an sla milestone escalates with "
        "\"escalations\")");
  }
  Status as_status;  // the tiers are read exactly as a status's
  as_status.name = m.name;
  Tier base;
  base.severity = "warning";
  base.team = m.team;
  if (auto d = duration(node["sla"], join(path, "sla"))) base.after = *d;
  if (auto s = node["severity"]) base.severity = severity(s, join(path, "severity"));
  as_status.tiers.push_back(base);
  if (auto esc = node["escalations"]) read_escalations(esc, join(path, "escalations"), as_status);
  m.tiers = std::move(as_status.tiers);
  const YAML::Node cal_node = node["calendar"];
  if (!cal_node) return;
  m.calendar = scalar(cal_node, join(path, "calendar"));
  if (m.calendar.empty()) return;
  const CalendarConfig* cal = cfg.find_calendar(m.calendar);
  if (!cal) {
    add(cal_node, join(path, "calendar"),
        "unknown calendar " + quote(m.calendar) + " (define it under calendars)");
    return;
  }
  if (!cal->calendar) return;
  const YAML::Node escalations = node["escalations"];
  for (std::size_t k = 0; k < m.tiers.size(); ++k) {
    const auto tier =
        calendar::CalendarDeadline::open_time(cal->calendar, m.tiers[k].after.count());
    if (k == 0) {
      check_span(node["sla"], join(path, "sla"), tier);
    } else if (esc_node_ok(escalations, k - 1)) {
      check_span(escalations[k - 1], index(join(path, "escalations"), k - 1), tier);
    }
  }
}

// A deadline_field milestone: the path, an optional "at risk" tier warn_before the deadline
// (severity warning) and the tier at the deadline (`severity`).
void Loader::read_deadline_milestone(const YAML::Node& node, const std::string& path,
                                     Milestone& m) {
  const std::string field_path = join(path, "deadline_field");
  m.deadline_field = scalar(node["deadline_field"], field_path);
  if (!m.deadline_field.empty() && !valid_path(m.deadline_field)) {
    add(node["deadline_field"], field_path, quote(m.deadline_field) + " is not a field path");
    m.deadline_field.clear();
  }
  if (!m.deadline_field.empty()) m.deadline_path = split_dots(m.deadline_field);
  for (const char* key : {"escalations", "calendar"}) {
    if (auto v = node[key]) {
      add(v, join(path, key),
          std::string("\"") + key +
              "\" needs an \"sla\" (a deadline_field milestone has warn_before and severity)");
    }
  }
  Tier due;
  due.severity = "warning";
  due.team = m.team;
  const YAML::Node sev = node["severity"];
  if (sev) due.severity = severity(sev, join(path, "severity"));
  if (auto v = node["warn_before"]) {
    if (auto d = duration(v, join(path, "warn_before"))) {
      if (due.severity == "warning") {
        add(sev ? sev : v, join(path, sev ? "severity" : "warn_before"),
            "the \"at risk\" tier of warn_before has severity \"warning\": give the deadline "
            "tier another \"severity\" (e.g. page)");
      }
      Tier at_risk;
      at_risk.after = -*d;
      at_risk.severity = "warning";
      at_risk.team = m.team;
      m.tiers.push_back(at_risk);
    }
  }
  m.tiers.push_back(due);
}

}  // namespace orderwatch::sla::detail
