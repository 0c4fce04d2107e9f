// Private to the Alertmanager renderer: the routing tree and inhibition rules of one SLA
// config as data, written either as alertmanager.yml (alertmanager.cpp) or as a
// prometheus-operator AlertmanagerConfig (alertmanager_config.cpp), so both say the same.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "orderwatch/sla/config.h"

namespace orderwatch::alertmanager::detail {

struct Matcher {
  std::string label;
  std::string op;  // "=" or "=~"
  std::string value;
  std::string text() const;  // label="value", as Alertmanager's matchers read it
};

// A node of the routing tree. The time intervals (names of TimeInterval) apply to this node
// only: Alertmanager does not pass them on to child routes.
struct Route {
  std::string receiver;
  std::vector<Matcher> matchers;
  std::vector<Route> routes;
  std::vector<std::string> active_intervals;  // notify only inside one of these
  std::vector<std::string> mute_intervals;    // never notify inside one of these
};

// One entry of a named time interval: a time is in it when every field set matches, in the
// entry's location (an IANA zone; Alertmanager >= 0.25). Unset fields match any time.
struct TimeEntry {
  std::vector<std::string> weekdays;                       // "monday:friday", "saturday"
  std::vector<std::pair<std::string, std::string>> times;  // start, end: "09:00", "24:00"
  unsigned first_day = 0;  // days_of_month first_day:last_day; 0 = any day
  unsigned last_day = 0;
  unsigned month = 0;  // 1..12; 0 = any
  int year = 0;        // 0 = any
  std::string location;
};

// A named time interval: a time is in it when it is in one of its entries.
struct TimeInterval {
  std::string name;
  std::vector<TimeEntry> entries;
};

// Which writer the model is for. alertmanager.yml takes any time zone (`location`, Alertmanager
// 0.25+); prometheus-operator's AlertmanagerConfig CRD has no `location` (its intervals are UTC;
// prometheus-operator issue #5512), so there only calendars in UTC are routed by their hours.
enum class Writer { kAlertmanagerYml, kOperatorCrd };

// The calendars whose alerts are routed by their open hours: every calendar of a status with
// tiers, unless it has page_when_closed (or, for the CRD, is not in UTC). File order.
std::vector<const sla::CalendarConfig*> routed_calendars(const sla::Config& config, Writer writer);
// Calendars of alerting statuses that the CRD cannot route by their hours (not in UTC, and
// without page_when_closed): the AlertmanagerConfig's header names them.
std::vector<const sla::CalendarConfig*> unrouted_in_crd(const sla::Config& config);
std::string open_interval_name(const sla::CalendarConfig& calendar);      // "<name>-open"
std::string holidays_interval_name(const sla::CalendarConfig& calendar);  // "<name>-holidays"
// For each routed calendar: its open hours (weekdays with the same ranges share an entry) and,
// when it has holidays, its holidays (consecutive days of one month share an entry).
std::vector<TimeInterval> time_intervals(const sla::Config& config, Writer writer);
// Writes them: alertmanager.yml's `time_intervals` (snake_case, days as "24:26", each entry
// with its location) or the CRD's `muteTimeIntervals` (camelCase, days as {start, end}, UTC:
// no location). Nothing when no alert routes by a calendar.
void emit_time_intervals(YAML::Emitter& out, const sla::Config& config, Writer writer);

struct InhibitRule {
  std::vector<Matcher> source;
  std::vector<Matcher> target;
  std::vector<std::string> equal;
};

// alerting.default_receiver, or the blackhole receiver when there is none.
std::string fallback_receiver(const sla::Config& config);
// key: ['a', 'b'] (flow style, single-quoted); nothing when names is empty. Both writers.
void emit_names(YAML::Emitter& out, const char* key, const std::vector<std::string>& names);
// The receiver that drops alerts, written (with a comment saying so) only when the SLA file
// configures no default receiver.
void emit_blackhole_receiver(YAML::Emitter& doc, const sla::Config& config);

// Alerts of this service enter one route; its children: a route per routed calendar (its
// alerts, notified in its open hours only), then alerting.routes in file order.
Route service_route(const sla::Config& config, Writer writer);

std::vector<InhibitRule> inhibit_rules(const sla::Config& config);

// The top route's group_by: alertname, service, status, and milestone when the config has
// milestones (their alerts carry no status).
std::vector<std::string> group_by(const sla::Config& config);

}  // namespace orderwatch::alertmanager::detail
