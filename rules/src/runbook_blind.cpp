// The runbook page of <Service>ExporterBlind: what each cause means, where the instance says
// why, what to do. Called by runbook_page (runbook_pages.cpp).
#include "orderwatch/rules/names.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "runbook.h"

namespace orderwatch::rules::detail {

void blind_sections(const sla::Config& config, RunbookPage& page) {
  const AlertNames names = alert_names(config);
  std::vector<std::string> causes;
  for (const auto& cause : blind_causes(config))
    causes.push_back("cause=\"" + cause.cause + "\": it " + cause.phrase + ".");
  page.sections.push_back(plain(
      "What it means",
      {"An orderwatch instance (the `instance` label) is scraped but has consumed no order event "
       "for " +
       sla::human_duration(config.alerting.blind_for) +
       " (alerting.blind_for), and no replica of its partition consumes either. Its gauges "
       "stand still and look healthy: nothing goes overdue, nothing pages. The order alerts "
       "of " +
       config.service + " are silenced meanwhile (they would be stale); " +
       names.nats_disconnected + " pages instead of the not_connected cause."}));
  page.sections.push_back(plain("Which cause (the `cause` label)", std::move(causes)));
  Section todo{"What to do", {}, {}};
  todo.bullets.push_back(
      {"The instance says why on",
       {"/readyz", "/readyz", ""},
       " (503 with the reason) and in its log; it retries by itself with backoff and re-reads "
       "its credential and TLS files before every attempt, so a fixed secret needs no restart."});
  todo.bullets.push_back({"Connection failures by reason (auth, tls, refused, timeout, other): " +
                              std::string(sla::self::kNatsConnectFailuresTotal.name) + " on",
                          {"/metrics", "/metrics", ""},
                          "."});
  if (const auto& js = config.nats.jetstream) {
    todo.bullets.push_back(
        {"stream_missing: orderwatch never creates streams; create " + js->stream +
             " (nats stream add) or fix nats.jetstream.stream. " +
             std::string(sla::self::kJetstreamStreamMissing.name) +
             " is 1 until it exists. A stream deleted under a running instance lost its events: "
             "orders already tracked stay where they were until their next event.",
         {},
         ""});
    todo.bullets.push_back(
        {"consumer_not_bound: the durable " + js->durable +
             " cannot be created or bound (permissions of orderwatch's user on $JS.API, a "
             "durable of another configuration, the server's JetStream limits).",
         {},
         ""});
  }
  page.sections.push_back(std::move(todo));
}

}  // namespace orderwatch::rules::detail
