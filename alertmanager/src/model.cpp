// The routing tree and inhibition rules of model.h built from the config (fallback and
// per-service routes, tier, exporter-down and exporter-blind inhibitions); both Alertmanager
// writers use it.
#include <algorithm>
#include <tuple>

#include "model.h"

#include "orderwatch/alertmanager/alertmanager.h"
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/rules/yaml.h"
#include "orderwatch/sla/metrics.h"

namespace orderwatch::alertmanager::detail {

std::string Matcher::text() const { return label + op + rules::promql_string(value); }

namespace {

Matcher matcher(const std::string& label, const std::string& value) { return {label, "=", value}; }

// label=~"a|b"; a single value is written as an equality matcher.
Matcher regex_matcher(const std::string& label, const std::vector<std::string>& values) {
  if (values.size() == 1) return matcher(label, values.front());
  std::string alternatives;
  for (const auto& v : values) alternatives += (alternatives.empty() ? "" : "|") + v;
  return {label, "=~", alternatives};
}

// For every (higher, lower) severity pair, the statuses (or milestones) whose tier list has
// `higher` after `lower`: an alert of the higher tier inhibits the lower one of the same
// service and status (milestone).
template <typename Subject>
std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> tier_pairs(
    const std::vector<Subject>& subjects) {
  std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> pairs;
  for (const auto& subject : subjects) {
    for (std::size_t hi = 1; hi < subject.tiers.size(); ++hi) {
      for (std::size_t lo = 0; lo < hi; ++lo) {
        const auto& higher = subject.tiers[hi].severity;
        const auto& lower = subject.tiers[lo].severity;
        auto it = std::find_if(pairs.begin(), pairs.end(), [&](const auto& p) {
          return std::get<0>(p) == higher && std::get<1>(p) == lower;
        });
        if (it == pairs.end()) {
          pairs.emplace_back(higher, lower, std::vector<std::string>{});
          it = pairs.end() - 1;
        }
        std::get<2>(*it).push_back(subject.name);
      }
    }
  }
  return pairs;
}

// A higher tier silences the lower tiers of the same service and `label` (status, milestone).
template <typename Subject>
void add_tier_inhibitions(const std::vector<Subject>& subjects, const std::string& alertname,
                          const std::string& label, const Matcher& service,
                          std::vector<InhibitRule>& list) {
  for (const auto& [higher, lower, names] : tier_pairs(subjects)) {
    list.push_back({{matcher("alertname", alertname), service, matcher("severity", higher),
                     regex_matcher(label, names)},
                    {matcher("alertname", alertname), service, matcher("severity", lower),
                     regex_matcher(label, names)},
                    {"service", label}});
  }
}

}  // namespace

void emit_blackhole_receiver(YAML::Emitter& doc, const sla::Config& config) {
  if (config.alerting.default_receiver.empty()) {
    rules::yaml::comment(doc, "Drops alerts: the SLA file configures no default receiver.");
    doc << YAML::BeginMap << YAML::Key << "name" << YAML::Value
        << rules::yaml::Text{kBlackholeReceiver} << YAML::EndMap;
  }
}

void emit_names(YAML::Emitter& out, const char* key, const std::vector<std::string>& names) {
  if (names.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& name : names) out << rules::yaml::Text{name};
  out << YAML::EndSeq;
}

std::string fallback_receiver(const sla::Config& config) {
  const auto& receiver = config.alerting.default_receiver;
  return receiver.empty() ? kBlackholeReceiver : receiver;
}

namespace {

// alerting.routes in file order, first match wins.
std::vector<Route> configured_routes(const sla::Config& config) {
  std::vector<Route> routes;
  for (const auto& r : config.alerting.routes) {
    Route child{r.receiver, {}, {}, {}, {}};
    if (!r.team.empty()) child.matchers.push_back(matcher("team", r.team));
    if (!r.severity.empty()) child.matchers.push_back(matcher("severity", r.severity));
    routes.push_back(std::move(child));
  }
  return routes;
}

// The alerts of one calendar (label calendar="<name>"): the same receivers as every other
// alert (a copy of alerting.routes below it), notified only in the calendar's open hours and
// never on its holidays. Every node names the intervals: Alertmanager does not inherit them.
Route calendar_route(const sla::Config& config, const sla::CalendarConfig& calendar) {
  Route route{fallback_receiver(config),
              {matcher(std::string(sla::label::kCalendar), calendar.name)},
              configured_routes(config),
              {open_interval_name(calendar)},
              {}};
  if (!calendar.calendar->spec().holidays.empty())
    route.mute_intervals.push_back(holidays_interval_name(calendar));
  for (auto& child : route.routes) {
    child.active_intervals = route.active_intervals;
    child.mute_intervals = route.mute_intervals;
  }
  return route;
}

}  // namespace

// Alerts of this service enter one sub-route. Its children: first one per routed calendar,
// matching only alerts with that calendar label, then alerting.routes in file order.
Route service_route(const sla::Config& config, Writer writer) {
  Route route{fallback_receiver(config), {matcher("service", config.service)}, {}, {}, {}};
  for (const auto* calendar : routed_calendars(config, writer))
    route.routes.push_back(calendar_route(config, *calendar));
  for (auto& child : configured_routes(config)) route.routes.push_back(std::move(child));
  return route;
}

std::vector<std::string> group_by(const sla::Config& config) {
  std::vector<std::string> labels{"alertname", "service", "status"};
  if (!config.milestones.empty()) labels.emplace_back(sla::label::kMilestone);
  return labels;
}

std::vector<InhibitRule> inhibit_rules(const sla::Config& config) {
  const auto names = rules::alert_names(config);
  const Matcher service = matcher("service", config.service);
  std::vector<InhibitRule> list;
  add_tier_inhibitions(config.statuses, names.overdue, "status", service, list);
  add_tier_inhibitions(config.milestones, names.milestone_overdue, "milestone", service, list);
  if (config.turnaround.enabled) {
    list.push_back({{matcher("alertname", names.turnaround_burn), service,
                     matcher("severity", rules::kSeverityPage)},
                    {matcher("alertname", names.turnaround_burn), service,
                     matcher("severity", rules::kSeverityTicket)},
                    {"service"}});
  }
  // Without the exporter every other alert of the service is noise or stale.
  list.push_back(
      {{regex_matcher("alertname", {names.exporter_down, names.exporter_absent}), service},
       {regex_matcher("alertname", names.silenced_when_exporter_down(config)), service},
       {"service"}});
  // A blind exporter's gauges stand still: the same alerts are stale, but NatsDisconnected,
  // which inhibits the blind alert of a disconnect instead (one page for one cause).
  list.push_back({{matcher("alertname", names.exporter_blind), service},
                  {regex_matcher("alertname", names.silenced_when_exporter_blind(config)), service},
                  {"service"}});
  list.push_back({{matcher("alertname", names.nats_disconnected), service},
                  {matcher("alertname", names.exporter_blind), service,
                   matcher(std::string(sla::label::kCause), rules::kCauseNotConnected)},
                  {"service", "instance"}});
  // No NATS connection explains the missing events, and an exporter falling behind.
  list.push_back({{matcher("alertname", names.nats_disconnected), service},
                  {matcher("alertname", names.no_events), service},
                  {"service"}});
  list.push_back({{matcher("alertname", names.nats_disconnected), service},
                  {matcher("alertname", names.exporter_behind), service},
                  {"service", "instance"}});
  return list;
}

}  // namespace orderwatch::alertmanager::detail
