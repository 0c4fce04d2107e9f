// The Alertmanager time intervals of the config's business calendars (open hours, holidays)
// and which calendars route by them, and their YAML in either writer's spelling; model.cpp's
// routing tree and both writers (alertmanager.cpp, alertmanager_config.cpp) use them.
#include <algorithm>
#include <array>

#include "model.h"
#include "orderwatch/rules/yaml.h"

namespace orderwatch::alertmanager::detail {

namespace {

constexpr std::array<const char*, 7> kWeekdays = {"monday", "tuesday",  "wednesday", "thursday",
                                                  "friday", "saturday", "sunday"};

// Days (0 = Monday) as Alertmanager weekday ranges: runs of consecutive days become "a:b".
// Alertmanager numbers the week from Sunday and refuses a range ending before it starts
// ("monday:sunday"), so a run never reaches from another day into Sunday: "monday:saturday",
// "sunday".
std::vector<std::string> weekday_ranges(const std::vector<int>& days) {
  constexpr int kSunday = 6;
  std::vector<std::string> ranges;
  for (std::size_t i = 0; i < days.size();) {
    std::size_t j = i;
    while (j + 1 < days.size() && days[j + 1] == days[j] + 1 && days[j + 1] != kSunday) ++j;
    std::string range = kWeekdays[static_cast<std::size_t>(days[i])];
    if (j > i) range += std::string(":") + kWeekdays[static_cast<std::size_t>(days[j])];
    ranges.push_back(std::move(range));
    i = j + 1;
  }
  return ranges;
}

TimeInterval open_interval(const sla::CalendarConfig& calendar) {
  const auto& spec = calendar.calendar->spec();  // ranges sorted
  TimeInterval interval{open_interval_name(calendar), {}};
  std::vector<std::vector<calendar::OpenRange>> patterns;  // first-seen order
  std::vector<std::vector<int>> days_of;
  for (int day = 0; day < 7; ++day) {
    const auto& ranges = spec.hours[static_cast<std::size_t>(day)];
    if (ranges.empty()) continue;
    const auto it = std::find(patterns.begin(), patterns.end(), ranges);
    if (it == patterns.end()) {
      patterns.push_back(ranges);
      days_of.push_back({day});
    } else {
      days_of[static_cast<std::size_t>(it - patterns.begin())].push_back(day);
    }
  }
  for (std::size_t p = 0; p < patterns.size(); ++p) {
    TimeEntry entry;
    entry.weekdays = weekday_ranges(days_of[p]);
    for (const auto& range : patterns[p])
      entry.times.emplace_back(calendar::format_clock(range.begin),
                               calendar::format_clock(range.end));
    entry.location = spec.timezone;
    interval.entries.push_back(std::move(entry));
  }
  return interval;
}

TimeInterval holidays_interval(const sla::CalendarConfig& calendar) {
  const auto& spec = calendar.calendar->spec();  // holidays sorted, no duplicates
  TimeInterval interval{holidays_interval_name(calendar), {}};
  for (const auto& date : spec.holidays) {
    auto* last = interval.entries.empty() ? nullptr : &interval.entries.back();
    if (last && last->year == date.year && last->month == date.month &&
        last->last_day + 1 == date.day) {
      last->last_day = date.day;
      continue;
    }
    TimeEntry entry;
    entry.first_day = entry.last_day = date.day;
    entry.month = date.month;
    entry.year = date.year;
    entry.location = spec.timezone;
    interval.entries.push_back(std::move(entry));
  }
  return interval;
}

}  // namespace

std::string open_interval_name(const sla::CalendarConfig& calendar) {
  return calendar.name + "-open";
}
std::string holidays_interval_name(const sla::CalendarConfig& calendar) {
  return calendar.name + "-holidays";
}

namespace {

// Calendars with alerts (a status with tiers, or a milestone) that do not page when closed.
std::vector<const sla::CalendarConfig*> calendars_with_hours(const sla::Config& config) {
  std::vector<const sla::CalendarConfig*> list;
  for (const auto& calendar : config.calendars) {
    if (calendar.page_when_closed) continue;
    const bool alerts =
        std::any_of(config.statuses.begin(), config.statuses.end(),
                    [&](const sla::Status& status) {
                      return status.calendar == calendar.name && !status.tiers.empty();
                    }) ||
        std::any_of(config.milestones.begin(), config.milestones.end(),
                    [&](const sla::Milestone& m) { return m.calendar == calendar.name; });
    if (alerts) list.push_back(&calendar);
  }
  return list;
}

// Zone names of UTC itself (the tz database's aliases), where no `location` is needed.
bool is_utc(const std::string& zone) {
  static const std::array<const char*, 10> kUtc = {"UTC",           "Etc/UTC",   "Etc/UCT",  "UCT",
                                                   "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
                                                   "Etc/GMT",       "GMT"};
  return std::find(kUtc.begin(), kUtc.end(), zone) != kUtc.end();
}

}  // namespace

std::vector<const sla::CalendarConfig*> routed_calendars(const sla::Config& config, Writer writer) {
  auto list = calendars_with_hours(config);
  if (writer == Writer::kOperatorCrd)
    std::erase_if(list, [](const auto* c) { return !is_utc(c->calendar->spec().timezone); });
  return list;
}

std::vector<const sla::CalendarConfig*> unrouted_in_crd(const sla::Config& config) {
  auto list = calendars_with_hours(config);
  std::erase_if(list, [](const auto* c) { return is_utc(c->calendar->spec().timezone); });
  return list;
}

std::vector<TimeInterval> time_intervals(const sla::Config& config, Writer writer) {
  std::vector<TimeInterval> list;
  for (const auto* calendar : routed_calendars(config, writer)) {
    list.push_back(open_interval(*calendar));
    if (!calendar->calendar->spec().holidays.empty()) list.push_back(holidays_interval(*calendar));
  }
  return list;
}

namespace {

// One entry; numbers as strings, as Alertmanager's own examples write them.
// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
void emit_time_entry(YAML::Emitter& out, const TimeEntry& entry, Writer writer) {
  using rules::yaml::Text;
  const bool yml = writer == Writer::kAlertmanagerYml;
  out << YAML::BeginMap;
  emit_names(out, "weekdays", entry.weekdays);
  if (!entry.times.empty()) {
    out << YAML::Key << "times" << YAML::Value << YAML::BeginSeq;
    for (const auto& [start, end] : entry.times) {
      out << YAML::BeginMap << YAML::Key << (yml ? "start_time" : "startTime") << YAML::Value
          << Text{start};
      out << YAML::Key << (yml ? "end_time" : "endTime") << YAML::Value << Text{end}
          << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (entry.first_day > 0 && yml) {
    std::string days = std::to_string(entry.first_day);
    if (entry.last_day != entry.first_day) days += ":" + std::to_string(entry.last_day);
    emit_names(out, "days_of_month", {days});
  } else if (entry.first_day > 0) {
    out << YAML::Key << "daysOfMonth" << YAML::Value << YAML::BeginSeq << YAML::Flow
        << YAML::BeginMap << YAML::Key << "start" << YAML::Value << entry.first_day << YAML::Key
        << "end" << YAML::Value << entry.last_day << YAML::EndMap << YAML::EndSeq;
  }
  if (entry.month > 0) emit_names(out, "months", {std::to_string(entry.month)});
  if (entry.year > 0) emit_names(out, "years", {std::to_string(entry.year)});
  if (yml) out << YAML::Key << "location" << YAML::Value << Text{entry.location};
  out << YAML::EndMap;
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

}  // namespace

void emit_time_intervals(YAML::Emitter& out, const sla::Config& config, Writer writer) {
  const auto intervals = time_intervals(config, writer);
  if (intervals.empty()) return;
  const bool yml = writer == Writer::kAlertmanagerYml;
  out << YAML::Key << (yml ? "time_intervals" : "muteTimeIntervals") << YAML::Value
      << YAML::BeginSeq;
  for (const auto& interval : intervals) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << rules::yaml::Text{interval.name};
    out << YAML::Key << (yml ? "time_intervals" : "timeIntervals") << YAML::Value << YAML::BeginSeq;
    for (const auto& entry : interval.entries) emit_time_entry(out, entry, writer);
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

}  // namespace orderwatch::alertmanager::detail
