// The Loader's calendar keys of a status: `calendar` (open-time SLA and escalations), and a
// cut-off status (`cutoff`, `due`, `due_days`, escalations with `late_by`), with the rules
// that tie them (sla xor cutoff, cutoff needs calendar and due, due after cutoff, no `after`)
// and the 366-day bound on every tier's deadline. Hooked into read_status (load_workflow.cpp).
#include <string>

#include "loader_impl.h"
#include "orderwatch/calendar/deadline.h"

namespace orderwatch::sla::detail {

namespace {

std::string days_text(std::int64_t ms) {
  if (ms == calendar::kNoDeadline) return "none within 366 days";
  return std::to_string(ms / (24 * 3600 * 1000)) + "d";
}

}  // namespace

bool Loader::is_cutoff_status(const YAML::Node& node) {
  return node["cutoff"] || node["due"] || node["due_days"];
}

// The calendar a status names, or null (reported) when there is none by that name.
const CalendarConfig* Loader::status_calendar(const YAML::Node& v, const std::string& path,
                                              const Config& cfg, Status& st) {
  st.calendar = scalar(v, path);
  if (st.calendar.empty()) return nullptr;
  const CalendarConfig* cal = cfg.find_calendar(st.calendar);
  if (!cal) add(v, path, "unknown calendar " + quote(st.calendar) + " (define it under calendars)");
  return cal && cal->calendar ? cal : nullptr;
}

void Loader::check_span(const YAML::Node& at, const std::string& path,
                        const calendar::CalendarDeadline& tier) {
  const std::int64_t span = tier.longest_span();
  if (span > calendar::kMaxSpanMs) {
    add(at, path,
        "a deadline of this tier can lie more than 366 days after entry (longest: " +
            days_text(span) + ")");
  }
}

// An open-time status: its tiers are read; they count open time of the calendar.
void Loader::read_status_calendar(const YAML::Node& node, const std::string& path,
                                  const Config& cfg, Status& st) {
  const CalendarConfig* cal = status_calendar(node["calendar"], join(path, "calendar"), cfg, st);
  if (st.tiers.empty()) {
    add(node["calendar"], join(path, "calendar"),
        "a calendar status needs an \"sla\" or a \"cutoff\"");
    return;
  }
  if (!cal) return;
  const auto escalations = node["escalations"];
  for (std::size_t k = 0; k < st.tiers.size(); ++k) {
    const auto tier =
        calendar::CalendarDeadline::open_time(cal->calendar, st.tiers[k].after.count());
    if (k == 0) {
      check_span(node["sla"], join(path, "sla"), tier);
    } else if (escalations.IsSequence() && k - 1 < escalations.size()) {
      check_span(escalations[k - 1], index(join(path, "escalations"), k - 1), tier);
    }
  }
}

// A cut-off status: cutoff, due, due_days, severity and team of the due tier, late_by tiers.
void Loader::read_cutoff_status(const YAML::Node& node, const std::string& path, const Config& cfg,
                                Status& st) {
  const CalendarConfig* cal = nullptr;
  if (auto v = node["calendar"]) {
    cal = status_calendar(v, join(path, "calendar"), cfg, st);
  } else {
    add(node, path, "a cut-off status needs a \"calendar\" (its open days and zone)");
  }
  if (auto v = node["sla"]) {
    add(v, join(path, "sla"),
        "\"sla\" and \"cutoff\" exclude each other (a cut-off status is "
        "due at \"due\")");
  }
  calendar::CutoffRule rule;
  bool complete = true;
  for (auto [key, out] : {std::pair{"cutoff", &rule.cutoff}, {"due", &rule.due}}) {
    if (auto v = node[key]) {
      const std::string text = scalar(v, join(path, key));
      if (auto m = calendar::parse_clock(text, /*allow_24=*/true)) {
        *out = *m;
      } else {
        if (v.IsScalar())
          add(v, join(path, key), quote(text) + " is not a local time like \"14:00\"");
        complete = false;
      }
    } else {
      add(node, path, std::string("a cut-off status needs \"") + key + "\"");
      complete = false;
    }
  }
  if (auto v = node["due_days"]) {
    auto n = integer(v, join(path, "due_days"));
    if (n && (*n < 0 || *n > 366)) {
      add(v, join(path, "due_days"), "must be between 0 and 366");
    } else if (n) {
      rule.due_days = static_cast<int>(*n);
    }
  }
  if (complete && rule.due_days == 0 && rule.due <= rule.cutoff) {
    add(node["due"], join(path, "due"),
        quote(calendar::format_clock(rule.due)) + " must be after the cut-off " +
            quote(calendar::format_clock(rule.cutoff)) + " when due_days is 0");
    complete = false;
  }
  st.cutoff = rule;
  Tier due;
  due.severity = "warning";
  if (auto s = node["severity"]) due.severity = severity(s, join(path, "severity"));
  if (auto t = node["team"]) due.team = scalar(t, join(path, "team"));
  st.tiers.push_back(due);
  if (auto esc = node["escalations"]) read_late_escalations(esc, join(path, "escalations"), st);
  if (!cal || !complete) return;
  for (std::size_t k = 0; k < st.tiers.size(); ++k) {
    const auto tier =
        calendar::CalendarDeadline::cutoff(cal->calendar, rule, st.tiers[k].late_by.count());
    if (k == 0) {
      check_span(node["due"], join(path, "due"), tier);
    } else if (esc_node_ok(node["escalations"], k - 1)) {
      check_span(node["escalations"][k - 1], index(join(path, "escalations"), k - 1), tier);
    }
  }
}

bool Loader::esc_node_ok(const YAML::Node& list, std::size_t j) {
  return list.IsSequence() && j < list.size();
}

// A cut-off status's escalations: {late_by, severity, team}; `after` is refused.
void Loader::read_late_escalations(const YAML::Node& list, const std::string& path, Status& st) {
  if (!list.IsSequence()) {
    add(list, path, "expected a list of {late_by, severity, team}");
    return;
  }
  for (std::size_t j = 0; j < list.size(); ++j) {
    const auto node = list[j];
    const auto p = index(path, j);
    if (!is_map(node, p)) continue;
    if (auto v = node["after"]) {
      add(v, join(p, "after"),
          "a cut-off status escalates by \"late_by\" (open time past the due instant), not "
          "\"after\"");
    }
    keys(node, p, {"late_by", "severity", "team", "after"});
    Tier tier;
    const Tier& prev = st.tiers.back();
    if (auto v = node["late_by"]) {
      if (auto d = duration(v, join(p, "late_by"))) {
        tier.late_by = *d;
        if (tier.late_by <= prev.late_by) {
          add(v, join(p, "late_by"),
              format_duration(tier.late_by) + " must be after the tier before it (" +
                  format_duration(prev.late_by) + ")");
        }
      }
    } else if (!node["after"]) {
      add(node, p, "missing required key \"late_by\"");
    }
    add_tier(node, p, std::move(tier), st);
  }
}

}  // namespace orderwatch::sla::detail
