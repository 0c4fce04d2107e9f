// The SLA config model: the validated, immutable description of one workflow that every
// other part of orderwatch (exporter, rule/alertmanager/grafana renderers, CLI) reads.
//
// A Config is built only by sla::load_file / sla::load_string (loader.h), which reject any
// invalid input, so code holding a Config may rely on the invariants documented here.
// Plain value types (and immutable, thread-safe calendars): safe to share read-only between
// threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orderwatch/calendar/calendar.h"

namespace orderwatch::sla {

// All durations are whole milliseconds (the config accepts "500ms", "90s", "1h30m", "7d").
using Duration = std::chrono::milliseconds;

// One SLA tier of a status: an order that has sat in the status for at least `after` is past
// this tier. tiers[0] is the base SLA (severity "warning" unless set); later tiers are
// escalations with strictly increasing `after` and distinct severities.
struct Tier {
  // Wall clock: time since entry. A calendar status: open time since entry. A cut-off status:
  // 0 (its tiers are the due instant and `late_by` of open time past it).
  Duration after{0};
  Duration late_by{0};   // a cut-off status's escalation: open time past the due instant
  std::string severity;  // e.g. warning, page, critical
  std::string team;      // owning team for routing; empty = the config's default team
};

struct Status {
  std::string name;
  bool terminal = false;    // terminal statuses have no tiers
  std::vector<Tier> tiers;  // empty for terminal statuses and statuses without an SLA
  // The business calendar (a name in Config::calendars) its deadlines count in; empty: the
  // wall clock, today's meaning exactly. With `cutoff`, tiers[0] is the due instant (after and
  // late_by 0) and later tiers have late_by > 0, increasing.
  std::string calendar;
  std::optional<calendar::CutoffRule> cutoff;
};

// A business calendar of the `calendars:` section. Its spec holds the holidays of the list and
// of holidays_file, merged. `calendar` is built from the spec by the loader (never null).
struct CalendarConfig {
  std::string name;
  calendar::CalendarSpec spec;
  std::string holidays_file;  // as written; read relative to the config file's directory
  bool page_when_closed = false;
  std::shared_ptr<const calendar::Calendar> calendar;
};

// How many dimensions a config may have (event.dimensions); the decoder, the tracker and the
// load generator size fixed arrays by it.
inline constexpr std::size_t kMaxDimensions = 8;

// An event field copied into a label. Values beyond max_values distinct ones become "other";
// an event without the field gets "unknown".
struct Dimension {
  std::string field;  // dotted path in the event, e.g. "data.region"
  std::string label;  // label name; defaults to the last path segment
  std::uint32_t max_values = 0;
};

enum class EventFormat { kJson, kCloudEvents };

struct EventConfig {
  EventFormat format = EventFormat::kJson;
  // Dotted paths from the document root. Defaults: json: orderId/status/timestamp;
  // cloudevents: data.orderId/data.status/time.
  std::string id_field;
  std::string status_field;
  std::string time_field;
  std::vector<Dimension> dimensions;
  Duration max_future_skew{std::chrono::minutes(5)};  // events further ahead are rejected
  // How late (in event time) the producers' events may arrive or how far out of order they may
  // be. The watermark W (the time overdue and breaches are judged as of) trails the event times
  // that arrive (the oldest of about the last second's) by this much.
  Duration max_lateness{0};
  // After this long without an event (and nothing known to wait), W follows the wall clock
  // (minus max_lateness), so a producer that stops still lets orders go overdue.
  Duration idle_timeout{std::chrono::seconds(30)};
  std::uint32_t max_payload_bytes = 64 * 1024;  // larger payloads: rejected unparsed
  // Longer order ids are rejected (id_too_long); the drill-down API refuses longer ids too.
  std::uint32_t max_id_bytes = 1024;
  // Longer dimension values count as "other" (like values past max_values).
  std::uint32_t max_dimension_value_bytes = 128;
  // Optional: every rejected message is republished here unchanged, with the headers
  // Orderwatch-Reject-Reason and Orderwatch-Original-Subject (a dead-letter subject). A plain
  // subject (no wildcards) that nats.subject does not match.
  std::string dead_letter_subject;
};

struct JetStreamConfig {
  std::string stream;
  std::string durable;
  Duration ack_wait{std::chrono::seconds(30)};
  std::int64_t max_ack_pending = 10000;
  std::int64_t max_deliver = 5;
  // Redelivery delay of a reject a reload or a clock fix could cure: n x nak_delay after its
  // n-th delivery (at most 5m) until max_deliver, when it is terminated.
  Duration nak_delay{std::chrono::seconds(10)};

  bool operator==(const JetStreamConfig&) const = default;  // every field
};

struct NatsConfig {
  std::string url = "nats://127.0.0.1:4222";
  std::string subject;      // required; NATS wildcards allowed
  std::string queue_group;  // empty = plain subscription
  std::optional<JetStreamConfig> jetstream;
  // Authentication and TLS; secrets are only ever read from files.
  std::string user;
  std::string password_file;
  std::string token_file;
  std::string credentials_file;  // NATS .creds (JWT + nkey seed)
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::uint32_t pending_messages_limit = 1'000'000;  // per-subscription buffer before drops
  std::uint32_t pending_bytes_limit = 256u << 20;    // the same buffer's bytes (core NATS)

  // Every field (a reload compares the running section with the new one, serve/).
  bool operator==(const NatsConfig&) const = default;
};

struct Turnaround {
  bool enabled = false;
  Duration sla{0};          // first seen -> terminal
  double objective = 99.0;  // percent of orders that must finish within sla
  Duration window{std::chrono::hours(24 * 28)};
};

// A receiver Alertmanager notifies. `settings` holds the type's fields in file order
// (e.g. routing_key_file for pagerduty, api_url_file + channel for slack, url for webhook).
// Secrets are only accepted as *_file references; inline secrets are refused by the loader.
struct Receiver {
  std::string name;
  std::string type;  // pagerduty | opsgenie | slack | webhook | email
  std::vector<std::pair<std::string, std::string>> settings;
};

// Routes alerts with the given team and/or severity (empty = any) to a receiver.
struct Route {
  std::string team;
  std::string severity;
  std::string receiver;
};

// The <Service>ExporterBehind alert: an exporter's watermark (the time up to which it has
// applied the stream; overdue is judged as of it) trails the wall clock by more than
// `threshold` for `for_duration`, so its overdue counts and pages lag by as much.
struct Behind {
  Duration threshold{std::chrono::minutes(5)};
  Duration for_duration{std::chrono::minutes(10)};
  std::string severity = "warning";
};

struct Alerting {
  Duration for_duration{std::chrono::minutes(2)};
  // How long an overdue alert keeps firing after its series vanish. When the exporter dies,
  // Prometheus marks its series stale at once, so without this the order alerts would resolve
  // (a false all-clear) before the exporter-down alert, which waits `for`, can inhibit them.
  // Unset: for_duration + 1m (one default evaluation interval of margin).
  std::optional<Duration> keep_firing_for;
  std::uint32_t min_overdue = 1;
  Duration effective_keep_firing_for() const {
    return keep_firing_for.value_or(for_duration + std::chrono::minutes(1));
  }
  // Every alert's runbook link; may contain Prometheus template syntax ({{ $labels.status }}).
  // Empty: the exporter's own /runbooks/<alert> page under exporter_url (none without it).
  std::string runbook_url;
  std::string dashboard_url;  // base URL of the Grafana dashboard, optional
  // Where humans reach orderwatch: drill-down and runbook links in alerts; optional.
  std::string exporter_url;
  std::string job = "orderwatch";  // Prometheus job label of the exporter (meta-alerts)
  std::string default_team;        // team label for tiers without one
  Duration no_events_for{std::chrono::minutes(10)};  // "no events" meta-alert
  Behind behind;                                     // "exporter behind" meta-alert
  // The <Service>ExporterBlind page: how long an instance (and every replica of its partition)
  // may be up but consume nothing (not connected, stream missing, consumer not bound).
  Duration blind_for{std::chrono::minutes(5)};
  std::string default_receiver;
  std::vector<Route> routes;
  std::vector<Receiver> receivers;
  Duration group_wait{std::chrono::seconds(30)};
  Duration group_interval{std::chrono::minutes(5)};
  Duration repeat_interval{std::chrono::hours(4)};
};

struct Retention {
  Duration max_age{std::chrono::hours(24 * 30)};     // older orders are evicted + counted
  Duration tombstone_ttl{std::chrono::minutes(10)};  // how long finished ids are remembered
  // Caps against a producer that floods new ids: past them a new order is refused (counted as
  // orderwatch_refused_orders_total) and a new tombstone replaces nothing (the id is forgotten).
  std::uint64_t max_orders = 50'000'000;
  std::uint64_t max_tombstones = 50'000'000;
};

// Operator actions (orderwatch serve --web.enable-actions).
struct Actions {
  // Subject a redrive request is published on; "{id}" and "{status}" are replaced by the
  // order's (id characters NATS does not allow in a token -- '.', '*', '>', space -- become
  // '_'). Empty: redrive is refused.
  std::string redrive_subject;
};

// How many milestones a config may have, and how many distinct deadline_field paths among them
// (the decoder reads each once per event into a fixed array, events::Event::deadline_ms).
inline constexpr std::size_t kMaxMilestones = 16;
inline constexpr std::size_t kMaxMilestoneDeadlines = 4;

// What a status means to one milestone. `from`, `until` and `pause` do not overlap, so a status
// has at most one role; terminal statuses not named in `from`/`pause` (the loader refuses that)
// are kUntil implicitly: a terminal status stops every milestone.
enum class MilestoneRole : std::uint8_t { kNone, kFrom, kUntil, kPause };

// A promise that spans statuses (the `milestones:` section): the clock starts when an order
// first enters a `from` status, stops when it first reaches an `until` status (or a terminal
// one) and does not count time spent in `pause` statuses.
//
// Exactly one of two kinds:
// - an `sla` milestone (deadline_field empty): tiers[k].after is the counted time (pauses
//   excluded; with `calendar`, open time of that calendar) at which tier k is crossed;
//   tiers[0].after is the sla (severity "warning" unless set, as for statuses), later tiers are
//   the escalations, `after` strictly increasing, severities distinct.
// - a `deadline_field` milestone: each order's deadline is read from its events
//   (events::Event::deadline_ms[deadline_slot]); tiers[k].after is the offset from that
//   deadline at which tier k is crossed: with warn_before, tiers[0] is the "at risk" tier
//   {after = -warn_before, severity "warning"}; the last tier is the deadline itself
//   {after = 0, severity `severity`, default "warning"}. No calendar, no escalations.
struct Milestone {
  std::string name;  // [a-z][a-z0-9_]*, unique among milestones
  // Status indices (into Config::statuses) as written, in file order, without repeats. `until`
  // lists only the statuses written; role() adds the terminal ones.
  std::vector<std::uint8_t> from, until, pause;
  std::vector<MilestoneRole> roles;  // per status index (Config::statuses.size() entries)
  std::vector<Tier> tiers;           // never empty; `after` strictly increasing
  // Empty = alerting.default_team. Set as the team of tiers[0] (an sla milestone; an escalation
  // has its own, as for statuses) or of every tier (a deadline_field milestone).
  std::string team;
  std::string calendar;  // sla milestones only; empty = wall clock
  // deadline_field milestones: the dotted path as written ("promisedBy", "data.promise.by"),
  // split at the dots, and the slot of Event::deadline_ms it is decoded into (milestones with
  // the same path share a slot; slots < kMaxMilestoneDeadlines, numbered by first use).
  std::string deadline_field;
  std::vector<std::string> deadline_path;
  std::uint8_t deadline_slot = 0;

  bool has_deadline_field() const { return !deadline_field.empty(); }
  // The role of status index `status` (kNone for indices past the statuses).
  MilestoneRole role(std::size_t status) const {
    return status < roles.size() ? roles[status] : MilestoneRole::kNone;
  }
};

struct Config {
  int version = 1;
  std::string service;  // [a-z0-9_-]+, used in alert names, labels, titles
  std::string metric_prefix = "order";
  NatsConfig nats;
  EventConfig event;
  std::vector<Status> statuses;           // in workflow order; names unique
  std::vector<CalendarConfig> calendars;  // file order; names unique; each status's calendar
  std::vector<Milestone> milestones;      // file order; names unique; at most kMaxMilestones
  Turnaround turnaround;
  Alerting alerting;
  Retention retention;
  Actions actions;
  std::string source_path;  // file the config was loaded from ("" for strings)

  // Index of the status with this name, or -1.
  int status_index(std::string_view name) const;
  // The calendar with this name, or null.
  const CalendarConfig* find_calendar(std::string_view name) const;
};

// "1h30m", "15m", "90s" -> canonical Prometheus-style text: largest units first, no zero
// parts ("5400000ms" -> "1h30m", 0 -> "0s"). Byte-stable; used by every renderer.
std::string format_duration(Duration d);

// Human text for descriptions: "2h", "1h30m", "45s" (same as format_duration today).
inline std::string human_duration(Duration d) { return format_duration(d); }

// Parses "500ms", "90s", "15m", "2h", "7d", "1w", "1h30m". Returns nullopt on bad input.
std::optional<Duration> parse_duration(std::string_view text);

// Seconds as a double, for bucket bounds and PromQL thresholds.
inline double seconds(Duration d) { return static_cast<double>(d.count()) / 1000.0; }

}  // namespace orderwatch::sla
