// The Loader's `calendars:` section: each calendar's timezone, weekly hours ("mon-fri":
// "09:00-18:00" or a list of ranges), holidays (a list and an iCalendar holidays_file, relative
// to the config file's directory) and page_when_closed, built with calendar::make_calendar,
// whose problems are reported at the node they are about.
#include <array>
#include <filesystem>
#include <set>
#include <tuple>

#include "loader_impl.h"
#include "orderwatch/calendar/ics.h"

namespace orderwatch::sla::detail {

namespace {

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int day_index(std::string_view name) {
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    if (kDays[i] == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

void Loader::read_calendars(const YAML::Node& node, Config& cfg) {
  if (!node || !is_map(node, "calendars")) return;
  std::set<std::string> names;
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    const std::string path = join("calendars", name);
    if (!valid_status_name(name)) {
      add(kv.first, path,
          quote(name) + " must start with a letter and contain only letters, digits, _ or -");
    } else if (!names.insert(name).second) {
      add(kv.first, path, "duplicate calendar " + quote(name));
    }
    if (!is_map(kv.second, path)) continue;
    CalendarConfig c = read_calendar(kv.second, path);
    c.name = name;
    cfg.calendars.push_back(std::move(c));
  }
}

CalendarConfig Loader::read_calendar(const YAML::Node& node, const std::string& path) {
  keys(node, path, {"timezone", "hours", "holidays", "holidays_file", "page_when_closed"});
  CalendarConfig c;
  bool complete = true;
  if (auto v = node["timezone"]) {
    c.spec.timezone = scalar(v, join(path, "timezone"));
  } else {
    add(node, path, "missing required key \"timezone\" (an IANA name like Europe/Berlin)");
    complete = false;
  }
  RangeSources range_nodes;
  if (auto v = node["hours"]) {
    complete = read_hours(v, join(path, "hours"), c.spec, range_nodes) && complete;
  } else {
    add(node, path, "missing required key \"hours\" (e.g. mon-fri: \"09:00-18:00\")");
    complete = false;
  }
  std::vector<YAML::Node> holiday_nodes;
  if (auto v = node["holidays"]) {
    if (!v.IsSequence()) {
      add(v, join(path, "holidays"), "expected a list of dates like 2026-12-24");
    } else {
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::string text = scalar(v[i], index(join(path, "holidays"), i));
        if (auto d = calendar::LocalDate::parse(text)) {
          c.spec.holidays.push_back(*d);
        } else if (v[i].IsScalar()) {
          add(v[i], index(join(path, "holidays"), i), quote(text) + " is not a date (YYYY-MM-DD)");
        }
      }
    }
  }
  if (auto v = node["holidays_file"]) {
    c.holidays_file = scalar(v, join(path, "holidays_file"));
    if (!c.holidays_file.empty()) read_holidays_file(v, join(path, "holidays_file"), c);
  }
  if (auto v = node["page_when_closed"]) {
    c.page_when_closed = boolean(v, join(path, "page_when_closed")).value_or(false);
  }
  if (complete) build_calendar(node, path, range_nodes, c);
  return c;
}

// The weekday keys ("mon", "mon-fri") and their ranges; range_nodes[w][i] is the node (and
// path) of spec.hours[w][i]. False when a problem was reported (the calendar is not built:
// its other problems would be consequences).
bool Loader::read_hours(const YAML::Node& node, const std::string& path,
                        calendar::CalendarSpec& spec, RangeSources& range_nodes) {
  if (!is_map(node, path)) return false;
  const std::size_t problems_before = problems_.size();
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const std::string p = join(path, key);
    const auto dash = key.find('-');
    const int first = day_index(key.substr(0, dash));
    const int last = dash == std::string::npos ? first : day_index(key.substr(dash + 1));
    if (first < 0 || last < 0 || last < first) {
      add(kv.first, p,
          "not a day or a range of days (mon, tue, wed, thu, fri, sat, sun, or e.g. mon-fri)");
      continue;
    }
    std::vector<YAML::Node> items;
    if (kv.second.IsSequence()) {
      for (const auto& item : kv.second) items.push_back(item);
    } else {
      items.push_back(kv.second);
    }
    for (const auto& item : items) {
      const std::string text = scalar(item, p);
      if (!item.IsScalar()) continue;
      const auto range = calendar::parse_range(text);
      if (!range) {
        add(item, p, quote(text) + " is not a range of local times like \"09:00-18:00\"");
        continue;
      }
      for (int w = first; w <= last; ++w) {
        spec.hours[static_cast<std::size_t>(w)].push_back(*range);
        range_nodes[static_cast<std::size_t>(w)].emplace_back(item, p);
      }
    }
  }
  return problems_.size() == problems_before;
}

void Loader::read_holidays_file(const YAML::Node& node, const std::string& path,
                                CalendarConfig& c) {
  std::filesystem::path file(c.holidays_file);
  if (file.is_relative()) file = std::filesystem::path(file_).parent_path() / file;
  try {
    const auto dates = calendar::load_ics_holidays(file.string());
    c.spec.holidays.insert(c.spec.holidays.end(), dates.begin(), dates.end());
  } catch (const calendar::IcsError& e) {
    add(node, path, e.what());
  }
}

void Loader::build_calendar(const YAML::Node& node, const std::string& path,
                            const RangeSources& range_nodes, CalendarConfig& c) {
  auto made = calendar::make_calendar(c.spec);
  std::set<std::tuple<int, int, std::string>> seen;  // "mon-fri" repeats a problem per day
  for (const auto& p : made.problems) {
    using Where = calendar::SpecProblem::Where;
    YAML::Node at = node;
    std::string at_path = path;
    if (p.where == Where::kTimezone) {
      at = node["timezone"];
      at_path = join(path, "timezone");
    } else if (p.where == Where::kHours) {
      std::tie(at, at_path) = range_nodes[static_cast<std::size_t>(p.weekday)][p.index];
    } else if (p.where == Where::kWeek) {
      at = node["hours"];
      at_path = join(path, "hours");
    }
    const auto mark = at.Mark();
    if (seen.emplace(mark.line, mark.column, p.message).second) add(at, at_path, p.message);
  }
  if (made.calendar) {
    c.spec = made.calendar->spec();
    c.calendar = std::move(made.calendar);
  }
}

}  // namespace orderwatch::sla::detail
