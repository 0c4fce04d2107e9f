// Private: the reader behind load_file/load_string, shared by the translation units that
// implement it (the document, reporting and typed scalar readers in loader.cpp; statuses,
// escalations and the event in load_workflow.cpp; nats in load_nats.cpp; turnaround,
// alerting and retention in load_alerting.cpp; milestones in load_milestones.cpp; name syntax
// in names.cpp). Not part of the
// public API. A Loader reads one file once and is not thread-safe; load_* make one per call.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orderwatch/sla/config.h"
#include "orderwatch/sla/loader.h"

namespace orderwatch::calendar {
class CalendarDeadline;
}

namespace orderwatch::sla::detail {

// ---- name syntax (names.cpp) -----------------------------------------------------------------
bool valid_service(std::string_view s);      // [a-z][a-z0-9_-]*
bool valid_metric_name(std::string_view s);  // a Prometheus metric name (or prefix)
bool valid_label_name(std::string_view s);   // a Prometheus label name, not __reserved
bool valid_status_name(std::string_view s);  // a letter, then letters, digits, _ or -
bool valid_severity(std::string_view s);     // [a-z][a-z0-9_]*
bool valid_path(std::string_view s);         // a dotted field path: no empty segment
bool valid_subject(std::string_view s);
// Whether the subscription `pattern` (wildcards * and >) receives messages on `subject`.
bool subject_matches(std::string_view pattern,
                     std::string_view subject);  // a NATS subject; * and a final > as wildcards

// Reads one SLA file into a Config, collecting every problem (with its Mark) before throwing
// one ConfigError that lists them in file order.
class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  Config load(const std::string& text);

 private:
  // ---- reporting (loader.cpp) ----------------------------------------------------------------
  void add_at(const YAML::Mark& mark, const std::string& path, const std::string& message);
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

  // ---- typed readers (loader.cpp); each reports its own problem and returns an empty value --
  void keys(const YAML::Node& map, const std::string& path,
            std::initializer_list<std::string_view> allowed);
  bool is_map(const YAML::Node& node, const std::string& path);
  // Calls fn(item, "<path>[i]") for every item of the list at `path` that is a mapping; any
  // other item is reported, and so (with `expected`) is a node that is no list: then false.
  template <typename Fn>
  bool each_map(const YAML::Node& list, const std::string& path, const std::string& expected,
                Fn&& fn) {
    if (!list.IsSequence()) {
      add(list, path, expected);
      return false;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto item = list[i];
      const auto item_path = index(path, i);
      if (is_map(item, item_path)) fn(item, item_path);
    }
    return true;
  }
  std::string scalar(const YAML::Node& node, const std::string& path);
  std::optional<std::int64_t> integer(const YAML::Node& node, const std::string& path);
  std::optional<double> number(const YAML::Node& node, const std::string& path);
  std::optional<bool> boolean(const YAML::Node& node, const std::string& path);
  // A duration that must be > 0 (or >= 0 when allow_zero).
  std::optional<Duration> duration(const YAML::Node& node, const std::string& path,
                                   bool allow_zero = false);
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

  // ---- statuses and the event (load_workflow.cpp) --------------------------------------------
  void read_statuses(const YAML::Node& root, Config& cfg);
  Status read_status(const YAML::Node& node, const std::string& path, std::set<std::string>& seen);
  std::string severity(const YAML::Node& node, const std::string& path);
  void read_escalations(const YAML::Node& list, const std::string& path, Status& st);
  // An escalation's severity and team, then the tier joins st.tiers (both escalation kinds).
  void add_tier(const YAML::Node& node, const std::string& p, Tier tier, Status& st);
  void read_event(const YAML::Node& node, EventConfig& ev);
  // A dead-letter subject the order subscription matches would feed rejects back forever.
  void check_dead_letter(const YAML::Node& event, const Config& cfg);
  // The idle timeout below the "exporter behind" threshold: a silent producer holds W back
  // for up to the idle timeout, which must not read as an exporter falling behind.
  void check_idle_timeout(const YAML::Node& root, const Config& cfg);
  void read_dimensions(const YAML::Node& dims, EventConfig& ev);
  Dimension read_dimension(const YAML::Node& node, const std::string& path,
                           std::set<std::string>& labels);

  // ---- calendars (load_calendars.cpp) --------------------------------------------------------
  // Where each weekday's ranges were written: [weekday][range] -> (node, path).
  using RangeSources = std::array<std::vector<std::pair<YAML::Node, std::string>>, 7>;
  void read_calendars(const YAML::Node& node, Config& cfg);
  CalendarConfig read_calendar(const YAML::Node& node, const std::string& path);
  bool read_hours(const YAML::Node& node, const std::string& path, calendar::CalendarSpec& spec,
                  RangeSources& range_nodes);
  void read_holidays_file(const YAML::Node& node, const std::string& path, CalendarConfig& c);
  void build_calendar(const YAML::Node& node, const std::string& path,
                      const RangeSources& range_nodes, CalendarConfig& c);

  // ---- a status's calendar keys (load_calendar_status.cpp) -----------------------------------
  static bool is_cutoff_status(const YAML::Node& node);
  static bool esc_node_ok(const YAML::Node& list, std::size_t j);
  const CalendarConfig* status_calendar(const YAML::Node& v, const std::string& path,
                                        const Config& cfg, Status& st);
  void check_span(const YAML::Node& at, const std::string& path,
                  const calendar::CalendarDeadline& tier);
  void read_status_calendar(const YAML::Node& node, const std::string& path, const Config& cfg,
                            Status& st);
  void read_cutoff_status(const YAML::Node& node, const std::string& path, const Config& cfg,
                          Status& st);
  void read_late_escalations(const YAML::Node& list, const std::string& path, Status& st);

  // ---- milestones (load_milestones.cpp) ------------------------------------------------------
  void read_milestones(const YAML::Node& node, Config& cfg);
  Milestone read_milestone(const YAML::Node& node, const std::string& path, const Config& cfg,
                           std::set<std::string>& names);
  void read_milestone_statuses(const YAML::Node& node, const std::string& path, const Config& cfg,
                               Milestone& m);
  void read_sla_milestone(const YAML::Node& node, const std::string& path, const Config& cfg,
                          Milestone& m);
  void read_deadline_milestone(const YAML::Node& node, const std::string& path, Milestone& m);
  void assign_deadline_slot(const YAML::Node& node, const std::string& path,
                            std::vector<std::string>& fields, Milestone& m);

  // ---- nats (load_nats.cpp) ------------------------------------------------------------------
  void read_nats(const YAML::Node& node, NatsConfig& nats);
  void read_nats_tls(const YAML::Node& tls, NatsConfig& nats);
  void read_jetstream(const YAML::Node& js, NatsConfig& nats);

  // ---- turnaround, alerting, retention (load_alerting.cpp) -----------------------------------
  void read_turnaround(const YAML::Node& node, Config& cfg);
  void read_alerting(const YAML::Node& node, Config& cfg);
  void read_receivers(YAML::Node list, Alerting& a, std::set<std::string>& names);
  std::optional<Receiver> read_receiver(const YAML::Node& node, const std::string& path);
  void read_routes(const YAML::Node& list, Alerting& a, const std::set<std::string>& names);
  void check_receiver(const YAML::Node& node, const std::string& path, const std::string& name,
                      const std::set<std::string>& names);
  void read_retention(const YAML::Node& node, Retention& r);
  void read_actions(const YAML::Node& node, Actions& a);

  std::string file_;
  std::vector<Problem> problems_;
  const Config* config_ = nullptr;  // the config being loaded (calendars read before statuses)
};

}  // namespace orderwatch::sla::detail
