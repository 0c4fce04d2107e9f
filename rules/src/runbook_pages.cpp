// What each runbook says: built from the alert rules themselves (detail::alerts) and the SLA
// config, so thresholds, tiers, teams and timings are the ones the rules use.
#include "orderwatch/rules/names.h"
#include "orderwatch/rules/text.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "runbook.h"

namespace orderwatch::rules::detail {

namespace {

std::string label(const Alert& alert, const std::string& name) {
  for (const auto& [key, value] : alert.labels) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace

std::string orders(std::uint32_t n) { return n == 1 ? "1 order" : std::to_string(n) + " orders"; }

std::string team_text(const std::string& team) {
  return team.empty() ? "the default receiver (no team label)" : "team " + team;
}

// GCC 12 at -O3 warns -Wrestrict inside std::string (operator+, insert, replace with a short
// literal): a false positive, GCC bug 105329 (nothing overlaps). Silenced here only.
#ifndef __clang__
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
Link dashboard(const sla::Config& config, const std::string& status) {
  const auto& base = config.alerting.dashboard_url;
  if (base.empty()) return {"the orderwatch: " + config.service + " dashboard in Grafana", "", ""};
  std::string url = base;
  if (!status.empty())
    url += (base.find('?') == std::string::npos ? "?" : "&") + std::string("var-status=") + status;
  return {"the dashboard", "", url};
}
#ifndef __clang__
#pragma GCC diagnostic pop
#endif

Section plain(std::string heading, std::vector<std::string> bullets) {
  Section s{std::move(heading), {}, {}};
  for (auto& b : bullets) s.bullets.push_back({std::move(b), {}, ""});
  return s;
}

Section lag_section(const sla::Config& config) {
  const AlertNames names = alert_names(config);
  Section s{"Is the exporter keeping up?", {}, {}};
  s.paragraphs.push_back(
      {"Overdue is judged as of the exporter's watermark: the time up to which it has applied "
       "the order stream. A lagging exporter sees orders move later, so its counts are those of "
       "the stream position it has reached. Check " +
           std::string(sla::self::kWatermarkLagSeconds.name) + " (alert " + names.exporter_behind +
           " above " + sla::human_duration(config.alerting.behind.threshold) + ")" +
           (config.nats.jetstream
                ? " and " + std::string(sla::self::kJetstreamConsumerPendingMessages.name)
                : std::string()) +
           " on",
       {"/metrics", "/metrics", ""},
       "."});
  return s;
}

namespace {

// "Shipped", or "a terminal status (Delivered, Cancelled)" after the last working status.
std::string next_step(const sla::Config& config, const std::string& status) {
  const int at = config.status_index(status);
  std::string terminals;
  for (std::size_t i = 0; i < config.statuses.size(); ++i) {
    const auto& s = config.statuses[i];
    if (static_cast<int>(i) > at && !s.terminal) return s.name;
    if (s.terminal) terminals += (terminals.empty() ? "" : ", ") + s.name;
  }
  return "a terminal status (" + terminals + ")";
}

// "after 2h", "after 4h of open time", "at the due time", "2h of open time past the due time".
std::string tier_when(const sla::Status& status, const sla::Tier& tier) {
  if (status.cutoff)
    return tier.late_by.count() == 0
               ? "at the due time"
               : sla::human_duration(tier.late_by) + " of open time past the due time";
  return "after " + sla::human_duration(tier.after) +
         (status.calendar.empty() ? "" : " of open time");
}

std::string tier_ladder(const sla::Config& config, const sla::Status& status) {
  std::string text;
  for (const auto& tier : status.tiers) {
    if (!text.empty()) text += "; ";
    text += tier.severity + " " + tier_when(status, tier) + " (" +
            team_text(tier_team(config, tier)) + ")";
  }
  return text;
}

void overdue_sections(const sla::Config& config, const Alert& alert, RunbookPage& page) {
  const sla::Status& status =
      config.statuses[static_cast<std::size_t>(config.status_index(alert.status))];
  const sla::Tier& tier = *alert.tier;
  const std::string& name = status.name;
  const std::string team = tier_team(config, tier);
  Section meaning{
      name + ", " + tier.severity + " tier: " +
          (status.calendar.empty() ? "more than " + sla::human_duration(tier.after) + " in " + name
                                   : "in " + name + " " + alert.phrase),
      {},
      {}};
  meaning.paragraphs.push_back(
      {"Fires when at least " + orders(config.alerting.min_overdue) + " of " + config.service +
           (config.alerting.min_overdue == 1 ? " has" : " have") + " sat in " + name + " " +
           alert.phrase + " (by the time of the event that put them there) for " +
           sla::human_duration(alert.for_duration) + ". It goes to " + team_text(team) +
           " with severity " + tier.severity + ".",
       {},
       ""});
  if (auto sentence = calendar_sentence(config, status); !sentence.empty())
    meaning.paragraphs.push_back({sentence, {}, ""});
  meaning.paragraphs.push_back(
      {"Tiers of " + name + ": " + tier_ladder(config, status) +
           ". A higher tier silences the lower ones of the same status. Orders normally leave " +
           name + " for " + next_step(config, name) + ".",
       {},
       ""});
  meaning.bullets.push_back(
      {"Who is stuck, oldest first, with their dimensions:",
       {"the drill-down page", "/?status=" + name + "&severity=" + tier.severity, ""},
       "."});
  meaning.bullets.push_back(
      {"What the stuck orders have in common (top_overdue: the most "
       "frequent value of each dimension, e.g. one region):",
       {"/api/v1/summary", "/api/v1/summary", ""},
       "."});
  meaning.bullets.push_back({"How many, since when, and time in " + name + " against its tiers:",
                             dashboard(config, name), "."});
  page.sections.push_back(std::move(meaning));
}

Section overdue_causes(const sla::Config& config) {
  const AlertNames names = alert_names(config);
  return plain(
      "Usual causes",
      {"The step that moves orders on is stuck or slow: the service that publishes the next "
       "status, its errors, its queue, a dependency it waits for. The orders leave the alert as "
       "soon as their next event is applied.",
       "The next events are published but rejected (" + names.events_rejected + "; " +
           sla::metric_name(config, sla::order::kEventsRejectedTotal) +
           " by reason, e.g. unknown_status after a producer added a status the SLA file lacks), "
           "or not published at all (a producer outage, a stuck outbox; " +
           names.no_events + ").",
       "More orders than the step can handle: " + sla::metric_name(config, sla::order::kInStatus) +
           " of the status rises too.",
       "Orders waiting for a person (a manual review, a failed payment), or finished out of "
       "band: they send no event and stay until retention.max_age (" +
           sla::human_duration(config.retention.max_age) + ").",
       "An SLA that no longer fits: change it in the SLA file and regenerate, rather than "
       "silencing the alert."});
}

void burn_sections(const sla::Config& config, const std::string& severity, RunbookPage& page) {
  const auto& t = config.turnaround;
  Section s{"Turnaround error budget (" + severity + ")", {}, {}};
  s.paragraphs.push_back(
      {"The objective: " + shortest_double(t.objective) +
           "% of orders go from their first "
           "event to a terminal status within " +
           sla::human_duration(t.sla) + ", over " + sla::human_duration(t.window) + ". " +
           (severity == kSeverityPage
                ? "Page: the budget burns so fast that at this rate a large share of it is gone "
                  "within hours (1h and 6h windows, each confirmed by a short one)."
                : "Ticket: a slow burn over days (1d and 3d windows) that will exhaust the "
                  "budget if nothing changes."),
       {},
       ""});
  s.bullets.push_back(
      {"Which status is slow: the p50/p95/p99 time in each status against its "
       "SLA on",
       dashboard(config, ""), ", and any open overdue alert."});
  s.bullets.push_back(
      {"Causes: a status whose stays grew (see its overdue runbook), a backlog "
       "that finished late in a batch, or orders parked in a status without an "
       "SLA.",
       {},
       ""});
  page.sections.push_back(std::move(s));
}

void exporter_sections(const sla::Config& config, const std::string& alert, RunbookPage& page) {
  const AlertNames names = alert_names(config);
  const std::string& job = config.alerting.job;
  const std::string service = config.service;
  if (alert == names.exporter_down || alert == names.replica_down) {
    const bool whole = alert == names.exporter_down;
    page.sections.push_back(plain(
        "What it means",
        {"Prometheus cannot scrape an orderwatch instance of job " + job + " (up == 0)" +
             (whole ? ", and no replica of its partition is up: the orders of that partition "
                      "are not watched. The order alerts of " +
                          service + " are silenced meanwhile (they would be incomplete)."
                    : ". Another replica of its partition (the same `partition` target label) "
                      "is up, so the order alerts go on; only the spare is gone."),
         "Where to look: Prometheus's targets page (the scrape error), the exporter's log "
         "(journalctl -u orderwatch, or kubectl logs), its /healthz."}));
    page.sections.push_back(plain(
        "Usual causes",
        {"The process exited: exit code 1 is an invalid SLA file (run orderwatch check) or a "
         "corrupt snapshot (refused; move it aside to start without it), 2 a bad flag or address.",
         "Killed for memory: about 80 bytes per order in flight plus tombstones.",
         "The host, the network or a firewall; a scrape that does not match --web.config.file "
         "(TLS, basic auth)."}));
  } else if (alert == names.exporter_absent) {
    page.sections.push_back(
        plain("What it means",
              {"Prometheus has no target of job " + job +
                   " at all, or none left of a partition that had one in the last hour: nothing "
                   "watches those orders, and no ExporterDown can fire for them.",
               "Usual causes: the scrape config or the PodMonitor no longer selects the instances "
               "(labels, namespace, port name), the job label differs from alerting.job (" +
                   job +
                   "), pods that cannot be scheduled, or a partition removed on purpose (the alert "
                   "clears an hour later)."}));
  } else if (alert == names.replicas_unlabelled) {
    page.sections.push_back(plain(
        "What it means",
        {"Several targets of job " + job +
             " have the same `partition` and `replica` labels (or none). The rules take "
             "instances of one partition for replicas that see the same orders and count one "
             "of them, so if these instances own different orders, orders are missing from "
             "every count; two replicas with one label are not told apart either.",
         "Fix the scrape config or the PodMonitor's pod labels: instances that own different "
         "orders (subject partitions) get different `partition` labels; replicas that see the "
         "same orders get the same partition and different `replica` labels."}));
  }
}

// The ingest gap warning: what happened, what it means for the counts, what to do.
void gap_sections(const sla::Config& config, RunbookPage& page) {
  page.sections.push_back(plain(
      "What happened",
      {"An orderwatch instance (the `instance` label) may have lost order events in the last "
       "hour. cause=\"disconnect\": it lost its connection to NATS (" +
           config.nats.url +
           ") and reconnected or is still trying; cause=\"slow_consumer\": its NATS client "
           "dropped messages because nats.pending_messages_limit or pending_bytes_limit was "
           "exceeded. On core NATS nothing is kept for a subscriber that is away or full: what "
           "was published meanwhile never reaches it. " +
           (config.nats.jetstream ? "This config uses JetStream, where a gap is not counted "
                                    "(the stream keeps the events): this alert should not fire."
                                  : std::string("This config uses core NATS.")),
       "When: " + std::string(sla::self::kIngestLastGapStartTimestampSeconds.name) + " and " +
           std::string(sla::self::kIngestLastGapEndTimestampSeconds.name) +
           " (0 while still open), also on the drill-down page and in /api/v1/summary "
           "(ingest_gaps)."}));
  page.sections.push_back(
      plain("What it means",
            {"Counts may include orders whose next event was lost: they stay where orderwatch last "
             "saw them and become (or stay) overdue until their next event, a forget, or eviction "
             "after retention.max_age (" +
             sla::human_duration(config.retention.max_age) +
             "). New orders first seen during the gap are missing until their next event."}));
  Section todo{"What to do", {}, {}};
  todo.bullets.push_back(
      {"Close gaps for good: use JetStream with a durable consumer (nats.jetstream: {stream, "
       "durable}); the stream keeps what is published while orderwatch is away.",
       {},
       ""});
  todo.bullets.push_back(
      {"Find the orders stuck since the gap began (entered before it, "
       "oldest first) on",
       {"the drill-down page", "/", ""},
       "; check them against the order service."});
  todo.bullets.push_back(
      {"Forget those that finished out of band (POST /api/v1/orders/{id}/forget, or the page's "
       "forms, with --web.enable-actions); the others leave the counts with their next event.",
       {},
       ""});
  todo.bullets.push_back(
      {"slow_consumer: the exporter cannot keep up with bursts; see the exporter's CPU, raise "
       "the pending limits, or split the subject into partitions.",
       {},
       ""});
  page.sections.push_back(std::move(todo));
}

void stream_sections(const sla::Config& config, const std::string& alert, RunbookPage& page) {
  const AlertNames names = alert_names(config);
  if (alert == names.no_events) {
    page.sections.push_back(
        plain("What it means",
              {"No order event has reached orderwatch for " +
                   sla::human_duration(config.alerting.no_events_for) + " (subject " +
                   config.nats.subject +
                   "). Orders already tracked still become overdue; new ones "
                   "are not seen.",
               "Usual causes: the producers stopped or publish elsewhere (a renamed subject), NATS "
               "permissions of orderwatch's user, a JetStream stream or consumer filter that no "
               "longer matches, or a quiet period (raise alerting.no_events_for). If " +
                   names.nats_disconnected + " fires too, that is the cause."}));
  } else if (alert == names.events_rejected) {
    page.sections.push_back(plain(
        "What it means",
        {"More than 1% of the events in 10 minutes were rejected for one reason (the `reason` "
         "label). Rejected events move no order, so orders look stuck where they are not.",
         "malformed: not JSON (or not CloudEvents); missing_field: no id, status or time at "
         "the configured paths (event.*_field); unknown_status: a status the SLA file does not "
         "list; bad_time / future_time: an unparsable time, or one more than "
         "event.max_future_skew ahead (a producer's clock); too_large: over "
         "event.max_payload_bytes.",
         "The exporter log shows examples (at most one per 10 s)."}));
  } else if (alert == names.nats_disconnected) {
    page.sections.push_back(
        plain("What it means",
              {"orderwatch is not connected to NATS (" + config.nats.url +
                   "), nor is any replica of it. It reconnects by itself with backoff. " +
                   (config.nats.jetstream
                        ? "With JetStream nothing is lost: the durable resumes where it stopped."
                        : "On core NATS, events published meanwhile are lost for orderwatch."),
               "Usual causes: the NATS servers are down or unreachable, expired credentials or "
               "certificates (nats.*_file, nats.tls), a changed URL."}));
  } else if (alert == names.exporter_blind) {
    blind_sections(config, page);
  } else if (alert == names.ingest_gap) {
    gap_sections(config, page);
  } else if (alert == names.exporter_behind) {
    const auto& behind = config.alerting.behind;
    page.sections.push_back(plain(
        "What it means",
        {"The exporter's watermark (the time up to which it has applied the order events) "
         "has trailed the wall clock by more than " +
             sla::human_duration(behind.threshold) + " for " +
             sla::human_duration(behind.for_duration) +
             ". It judges overdue as of its watermark, so overdue counts and pages come that "
             "much later: late, not wrong.",
         "The `cause` label says why. backlog: a backlog after a restart or an outage (the lag "
         "shrinks as it catches up; snapshots make restarts short), a consumer slower than the "
         "order rate (CPU of the exporter, JetStream pending messages: split the stream into "
         "partitions), or producers whose events arrive late. no_position: it has applied no "
         "event since it started (its watermark is 0). Any other cause: it consumes nothing "
         "(see " +
             names.exporter_blind + ", which pages when no replica of its partition consumes)."}));
  }
}

}  // namespace

RunbookPage runbook_page(const sla::Config& config, const std::string& alert,
                         const std::string& status, const std::string& severity,
                         const std::string& milestone) {
  RunbookPage page;
  page.alert = alert;
  page.title = alert + ": " + config.service;
  bool overdue = false;
  bool milestones = false;
  for (const auto& rule : alerts(config)) {
    if (rule.name != alert) continue;
    const std::string rule_severity = label(rule, "severity");
    if (!status.empty() && rule.status != status) continue;
    if (!milestone.empty() && rule.milestone != milestone) continue;
    if (!severity.empty() && rule_severity != severity) continue;
    if (rule.group == Group::kOverdue) {
      overdue_sections(config, rule, page);
      overdue = true;
    } else if (rule.group == Group::kMilestone) {
      milestone_sections(config, rule, page);
      milestones = true;
    } else if (rule.group == Group::kTurnaround) {
      burn_sections(config, rule_severity, page);
    } else if (page.sections.empty()) {
      exporter_sections(config, alert, page);
      stream_sections(config, alert, page);
    }
  }
  if (page.sections.empty()) return page;
  if (overdue) page.sections.push_back(overdue_causes(config));
  if (milestones) page.sections.push_back(milestone_causes(config));
  if (overdue || milestones || alert == alert_names(config).exporter_behind)
    page.sections.push_back(lag_section(config));
  std::string routing;
  for (const auto& rule : alerts(config)) {
    if (rule.name != alert || !routing.empty()) continue;
    for (const auto& [key, value] : rule.labels) {
      // Overdue rules differ in status (milestone), severity, team (and a milestone's
      // calendar); each section names them.
      if (key != "status" && key != "milestone" && key != "severity" && key != "cause" &&
          !((overdue || milestones) && key == "team") && !(milestones && key == "calendar"))
        routing += (routing.empty() ? "" : ", ") + key + "=" + value;
    }
  }
  page.sections.push_back(plain(
      "Source", {"Labels: " + routing +
                     (overdue      ? " and the status, severity and team of each section above"
                      : milestones ? " and the milestone, severity and team of each section above"
                                   : " and the severity of the rule") +
                     "; Alertmanager routes on team and severity (alerting.routes).",
                 "Written by orderwatch from the SLA file of " + config.service + " (job " +
                     config.alerting.job + "), like the alert rules themselves."}));
  return page;
}

}  // namespace orderwatch::rules::detail
