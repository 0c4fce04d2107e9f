// TrackerService's operator actions: one order, or the overdue orders a filter selects, under
// the one lock (the selection and the action see the same state). Called by web/'s actions API
// (acknowledge, forget, redrive) on HTTP worker threads.
#include "orderwatch/tracking/service.h"

namespace orderwatch::tracking {

namespace {

std::optional<OrderView> act_one(OrderTracker& t, OrderAction action, std::string_view id,
                                 const Acknowledgement& ack, std::int64_t now, bool* full) {
  switch (action) {
    case OrderAction::kAcknowledge:
      return t.acknowledge(id, ack, full);
    case OrderAction::kForget:
      return t.forget(id, now);
    case OrderAction::kRedrive:
      return t.note_redrive(id);
  }
  return t.find(id);
}

}  // namespace

ActionOutcome TrackerService::act(OrderAction action, std::string_view id,
                                  const Acknowledgement& ack) {
  ActionOutcome out;
  std::lock_guard lock(mu_);
  out.now_ms = tick_locked();
  bool full = false;
  if (auto v = act_one(*tracker_, action, id, ack, out.now_ms, &full)) {
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
  OverduePage page = tracker_->overdue(query);
  out.error = std::move(page.error);
  out.matched = page.total;
  out.dimension_labels = std::move(page.dimension_labels);
  if (!out.error.empty()) return out;
  for (auto& v : page.orders) {
    if (dry_run) {
      out.orders.push_back(std::move(v));
      continue;
    }
    bool full = false;
    if (auto done = act_one(*tracker_, action, v.id, ack, out.now_ms, &full)) {
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
