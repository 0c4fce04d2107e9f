// TrackerService's operator actions: one order (or one of its milestone clocks), or the overdue
// orders (clocks) a filter selects, under
// the one lock (the selection and the action see the same state). Called by web/'s actions API
// (acknowledge, forget, redrive) on HTTP worker threads.
#include "orderwatch/tracking/service.h"

namespace orderwatch::tracking {

namespace {

// milestone: acknowledge that milestone's clock of the order rather than its stay.
std::optional<OrderView> act_one(OrderTracker& t, OrderAction action, std::string_view id,
                                 const Acknowledgement& ack, std::int64_t now, bool* full,
                                 std::optional<std::size_t> milestone) {
  switch (action) {
    case OrderAction::kAcknowledge:
      return milestone ? t.acknowledge_milestone(id, *milestone, ack, full)
                       : t.acknowledge(id, ack, full);
    case OrderAction::kForget:
      return t.forget(id, now);
    case OrderAction::kRedrive:
      return t.note_redrive(id);
  }
  return t.find(id);
}

// `ack` as placed at `judged` (W): for its length, until - at, from there.
Acknowledgement placed_at(const Acknowledgement& ack, std::int64_t judged) {
  Acknowledgement placed = ack;
  placed.at_ms = judged;
  placed.until_ms = judged + (ack.until_ms - ack.at_ms);
  return placed;
}

// The number of milestone `name` in the config ("" : none), or the error that refuses it.
std::optional<std::size_t> milestone_number(const sla::Config& config, std::string_view name,
                                            std::string& error) {
  if (name.empty()) return std::nullopt;
  for (std::size_t m = 0; m < config.milestones.size(); ++m) {
    if (config.milestones[m].name == name) return m;
  }
  error = "unknown milestone \"" + std::string(name) + "\"";
  return std::nullopt;
}

}  // namespace

ActionOutcome TrackerService::act(OrderAction action, std::string_view id,
                                  const Acknowledgement& ack, std::string_view milestone) {
  ActionOutcome out;
  std::lock_guard lock(mu_);
  out.now_ms = tick_locked();
  out.watermark_ms = tracker_->judge_at(out.now_ms);
  out.ack = placed_at(ack, out.watermark_ms);
  const auto m = milestone_number(*config_, milestone, out.error);
  if (!out.error.empty()) return out;
  bool full = false;
  if (auto v = act_one(*tracker_, action, id, out.ack, out.now_ms, &full, m)) {
    out.orders.push_back(std::move(*v));
  }
  if (full) out.error = "full";
  out.matched = out.orders.size();
  out.dimension_labels = tracker_->dimension_labels();
  return out;
}

void TrackerService::redrives_not_published(std::span<const OrderView> orders) {
  std::lock_guard lock(mu_);
  for (const auto& v : orders) tracker_->drop_redrive_mark(v.id);
}

ActionOutcome TrackerService::act_on_overdue(OrderAction action, const OverdueQuery& query,
                                             const Acknowledgement& ack, bool dry_run) {
  ActionOutcome out;
  std::lock_guard lock(mu_);
  out.now_ms = tick_locked();
  out.watermark_ms = tracker_->judge_at(out.now_ms);
  out.ack = placed_at(ack, out.watermark_ms);
  OverduePage page = tracker_->overdue(query);
  out.error = std::move(page.error);
  out.matched = page.total;
  out.dimension_labels = std::move(page.dimension_labels);
  if (!out.error.empty()) return out;
  // A milestone listing's acknowledgements are of its clocks; forget and redrive act on orders.
  std::optional<std::size_t> m = milestone_number(*config_, query.milestone, out.error);
  if (action != OrderAction::kAcknowledge) m.reset();
  for (auto& v : page.orders) {
    if (dry_run) {
      out.orders.push_back(std::move(v));
      continue;
    }
    bool full = false;
    if (auto done = act_one(*tracker_, action, v.id, out.ack, out.now_ms, &full, m)) {
      out.orders.push_back(std::move(*done));
    }
    if (full) {
      out.error = "full";
      break;
    }
  }
  return out;
}

}  // namespace orderwatch::tracking
