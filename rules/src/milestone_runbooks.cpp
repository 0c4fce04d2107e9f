// What the runbook of a milestone alert says (runbook_page, runbook_pages.cpp, calls it per
// milestone tier): what the milestone promises and how its clock counts, where to see who is
// late, the usual causes and what to do.
#include "orderwatch/rules/names.h"
#include "orderwatch/sla/metrics.h"
#include "render.h"
#include "runbook.h"

namespace orderwatch::rules::detail {

namespace {

// "Placed", "Shipped, Delivered or Cancelled".
std::string names_of(const sla::Config& config, const std::vector<std::uint8_t>& indices) {
  std::string text;
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (i > 0) text += i + 1 == indices.size() ? " or " : ", ";
    text += config.statuses[indices[i]].name;
  }
  return text;
}

// "after 24h of counted time", "after 4h of open time", "6h before the deadline", "at the
// deadline".
std::string tier_when(const sla::Milestone& milestone, const sla::Tier& tier) {
  if (milestone.has_deadline_field())
    return tier.after.count() < 0 ? sla::human_duration(-tier.after) + " before the deadline"
                                  : std::string("at the deadline");
  return "after " + sla::human_duration(tier.after) + " of " +
         (milestone.calendar.empty() ? "counted" : "open") + " time";
}

std::string tier_ladder(const sla::Config& config, const sla::Milestone& milestone) {
  std::string text;
  for (const auto& tier : milestone.tiers) {
    if (!text.empty()) text += "; ";
    text += tier.severity + " " + tier_when(milestone, tier) + " (" +
            team_text(tier_team(config, tier)) + ")";
  }
  return text;
}

// How the milestone's clock runs and what its deadline is.
std::string clock_text(const sla::Config& config, const sla::Milestone& milestone) {
  std::string text = "Milestone " + milestone.name +
                     " is a promise that spans statuses: its clock starts when an order first "
                     "enters " +
                     names_of(config, milestone.from) + " and stops when it first reaches " +
                     names_of(config, milestone.until) + " (or any terminal status)";
  if (!milestone.pause.empty())
    text += "; time in " + names_of(config, milestone.pause) + " does not count (the clock pauses)";
  if (!milestone.has_deadline_field()) return text + ".";
  return text + ". Each order's deadline is its own, read from the event field " +
         milestone.deadline_field +
         " (the newest event carrying it sets it: a renegotiated promise moves it). Orders whose "
         "events carried none yet are counted in " +
         sla::metric_name(config, sla::order::kMilestoneWithoutDeadline) + " and never overdue.";
}

}  // namespace

void milestone_sections(const sla::Config& config, const Alert& alert, RunbookPage& page) {
  const sla::Milestone* found = nullptr;
  for (const auto& m : config.milestones) {
    if (m.name == alert.milestone) found = &m;
  }
  if (!found) return;
  const sla::Milestone& milestone = *found;
  const sla::Tier& tier = *alert.tier;
  Section meaning{
      milestone.name + ", " + tier.severity + " tier: " + tier_when(milestone, tier), {}, {}};
  meaning.paragraphs.push_back(
      {"Fires when at least " + orders(config.alerting.min_overdue) + " of " + config.service +
           (config.alerting.min_overdue == 1 ? " is " : " are ") + alert.phrase + ", for " +
           sla::human_duration(alert.for_duration) + ". It goes to " +
           team_text(tier_team(config, tier)) + " with severity " + tier.severity + ".",
       {},
       ""});
  meaning.paragraphs.push_back({clock_text(config, milestone), {}, ""});
  if (const auto* cal = config.find_calendar(milestone.calendar))
    meaning.paragraphs.push_back(
        {"Its counted time is open time of " + calendar_text(*cal) +
             (cal->page_when_closed ? "." : "; its alerts notify only in those hours."),
         {},
         ""});
  meaning.paragraphs.push_back(
      {"Tiers of " + milestone.name + ": " + tier_ladder(config, milestone) +
           ". A higher tier silences the lower ones of the same milestone.",
       {},
       ""});
  meaning.bullets.push_back(
      {"Who is late, with their deadlines and dimensions:",
       {"the drill-down page", "/?milestone=" + milestone.name + "&severity=" + tier.severity, ""},
       "."});
  meaning.bullets.push_back(
      {"One order's clocks (started, deadline, paused_seconds and state of each milestone): "
       "GET /api/v1/orders/{id}, or the order lookup on the drill-down page.",
       {},
       ""});
  meaning.bullets.push_back(
      {"How many are in progress, paused and overdue, the share met and the counted time:",
       dashboard(config, ""), "."});
  page.sections.push_back(std::move(meaning));
}

Section milestone_causes(const sla::Config& config) {
  const AlertNames names = alert_names(config);
  return plain(
      "Usual causes and what to do",
      {"The orders are stuck in one status on the way: the drill-down's order lookup shows where; "
       "the status's own alert (" +
           names.overdue +
           ") and its runbook name the step that moves them on. They leave the alert when they "
           "reach the milestone's end.",
       "Many orders started at once (a sale, a backlog released): the clocks run for all of "
       "them; " +
           sla::metric_name(config, sla::order::kMilestoneInProgress) + " rises.",
       "A promise read from the events (deadline_field) that was short from the start, or wrong: "
       "values that are no event time are counted as bad_deadline in " +
           sla::metric_name(config, sla::order::kEventsRejectedTotal) + ".",
       "What to do: move the late orders on with the team that owns the status they sit in, and "
       "tell the customers whose promise is missed. Acknowledge the breaches you handle (with "
       "--web.enable-actions): they leave the overdue count. A promise that no longer fits: "
       "change the milestone in the SLA file and regenerate rather than silencing the alert."});
}

}  // namespace orderwatch::rules::detail
