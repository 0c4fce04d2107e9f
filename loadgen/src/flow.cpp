// FlowGenerator (flow.h): the simulated shop's orders, their walks through the statuses and
// the payloads laid out per the config's event section. Used by loadgen::publish(), the
// benchmarks and the tests.
#include "orderwatch/loadgen/flow.h"

#include "orderwatch/events/time.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace orderwatch::loadgen {

namespace {

// Leaf kinds of the payload layout tree.
enum Slot : int {
  kSlotId = 0,
  kSlotStatus,
  kSlotTime,
  kSlotConstant,
  kSlotEventId,
  kSlotPromise,
  kSlotDim = 100
};

// Pending::flags.
constexpr std::uint8_t kOnHold = 1;        // the pending event is the hold (a pause status)
constexpr std::uint8_t kHeld = 2;          // this walk step had its hold already
constexpr std::uint8_t kCarryPromise = 4;  // the pending event carries Pending::promise_ms
constexpr std::uint8_t kNoHold = 0xff;
constexpr std::int64_t kHourMs = 3'600'000;

// A bijection on 32-bit integers (lowbias32 by Chris Wellons): consecutive order numbers map
// to random-looking yet guaranteed-unique ids, so no order of a run shares another's id.
std::uint32_t mix32(std::uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_2(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// An event time in the chosen format (RFC 3339 quoted, or an epoch number).
void append_time(std::string& out, std::int64_t ms, TimeFormat format) {
  if (format == TimeFormat::kEpochMillis) {
    append_int(out, ms);
  } else if (format == TimeFormat::kEpochSeconds) {
    append_int(out, ms / 1000);
    out.push_back('.');
    const auto frac = static_cast<unsigned>(ms % 1000);
    out.push_back(static_cast<char>('0' + frac / 100));
    append_2(out, frac % 100);
  } else {
    out.push_back('"');
    events::append_rfc3339_ms(out, ms);
    out.push_back('"');
  }
}

std::vector<std::string> values_for(const std::string& label) {
  if (label == "region") return {"eu-west", "eu-central", "us-east", "us-west", "ap-south"};
  if (label == "channel") return {"web", "app", "pos", "api"};
  if (label == "country") return {"DE", "FR", "US", "GB", "IN"};
  if (label == "carrier") return {"dhl", "ups", "fedex"};
  if (label == "payment" || label == "payment_method") return {"card", "paypal", "invoice"};
  std::vector<std::string> v;
  for (int i = 1; i <= 4; ++i) v.push_back(label + "-" + std::to_string(i));
  return v;
}

}  // namespace

FlowGenerator::FlowGenerator(const sla::Config& config, FlowOptions options)
    : config_(config), options_(options), rng_(options.seed) {
  plan_walk();
  const auto& dims = config.event.dimensions;
  for (std::size_t i = 0; i < dims.size() && i < kMaxDimensions; ++i) {
    dim_values_.push_back(values_for(dims[i].label));
  }
  unknown_status_ = "Lost";
  while (config.status_index(unknown_status_) >= 0) unknown_status_ += "X";
  next_arrival_ms_ = static_cast<double>(options.start_ms);
  now_ms_ = options.start_ms;

  const auto& ev = config.event;
  add_leaf(ev.id_field, kSlotId);
  add_leaf(ev.status_field, kSlotStatus);
  add_leaf(ev.time_field, kSlotTime);
  for (std::size_t i = 0; i < dim_values_.size(); ++i) {
    add_leaf(dims[i].field, kSlotDim + static_cast<int>(i));
  }
  if (promise_ >= 0) {
    add_leaf(config.milestones[static_cast<std::size_t>(promise_)].deadline_field, kSlotPromise);
  }
  if (ev.format == sla::EventFormat::kCloudEvents) {
    // Required CloudEvents attributes, unless a configured field path already uses the name.
    add_leaf("specversion", kSlotConstant, "\"1.0\"");
    add_leaf("id", kSlotEventId);
    add_leaf("source", kSlotConstant, "\"/orderwatch/loadgen/" + config.service + "\"");
    add_leaf("type", kSlotConstant, "\"com.example.order.status\"");
    add_leaf("datacontenttype", kSlotConstant, "\"application/json\"");
  }
}

// The walk (non-terminal statuses in config order), the terminal statuses, the holds (a status
// some milestone pauses in is a detour from the walk status before it, or from the first) and
// the promise's milestone and longest lead (flow.h).
void FlowGenerator::plan_walk() {
  const auto& statuses = config_.statuses;
  std::vector<bool> pause(statuses.size(), false);
  for (const auto& m : config_.milestones) {
    for (const auto s : m.pause) pause[s] = !statuses[s].terminal;
  }
  std::uint8_t first_hold = kNoHold;
  for (std::size_t i = 0; i < statuses.size() && i < kNoHold; ++i) {
    const auto s = static_cast<std::uint8_t>(i);
    if (statuses[i].terminal) {
      terminal_.push_back(s);
    } else if (!pause[i]) {
      nonterminal_.push_back(s);
      hold_.push_back(kNoHold);
    } else if (hold_.empty()) {
      first_hold = first_hold == kNoHold ? s : first_hold;
    } else if (hold_.back() == kNoHold) {
      hold_.back() = s;
    }
  }
  if (!hold_.empty() && hold_.front() == kNoHold) hold_.front() = first_hold;
  for (std::size_t m = 0; m < config_.milestones.size() && promise_ < 0; ++m) {
    if (config_.milestones[m].has_deadline_field()) promise_ = static_cast<int>(m);
  }
  if (promise_ < 0) return;
  const auto& ms = config_.milestones[static_cast<std::size_t>(promise_)];
  bool started = false;
  for (const auto s : nonterminal_) {
    started = started || ms.role(s) == sla::MilestoneRole::kFrom;
    if (ms.role(s) == sla::MilestoneRole::kUntil) break;
    if (!started) continue;
    const auto& tiers = statuses[s].tiers;
    // A status without an SLA: stays of 5 min on average, as four times that for an SLA.
    promise_lead_ms_ += tiers.empty() ? 20.0 * 60'000 : static_cast<double>(tiers[0].after.count());
  }
  if (promise_lead_ms_ <= 0) promise_lead_ms_ = kHourMs;
}

// Places a leaf at `path`. Paths that collide with an earlier one (the same path, or one
// running through an earlier leaf) are dropped: the earlier field wins, as configured first.
void FlowGenerator::add_leaf(std::string_view path, int slot, std::string constant) {
  Node* node = &root_;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key(
        path.substr(start, dot == std::string_view::npos ? path.npos : dot - start));
    auto it = std::find_if(node->children.begin(), node->children.end(),
                           [&](const Node& n) { return n.key == key; });
    if (dot == std::string_view::npos) {
      if (it != node->children.end()) return;
      node->children.push_back(Node{key, slot, std::move(constant), {}});
      return;
    }
    if (it == node->children.end()) {
      node->children.push_back(Node{key, -1, {}, {}});
      it = std::prev(node->children.end());
    } else if (it->slot != -1) {
      return;
    }
    node = &*it;
    start = dot + 1;
  }
}

std::int64_t FlowGenerator::stay_ms(std::uint8_t status, bool stuck) {
  const auto& tiers = config_.statuses[status].tiers;
  double ms = 0;
  if (tiers.empty()) {
    // No SLA: a few minutes typically; "stuck" just means a long while.
    const double mean = 5.0 * 60'000;
    ms = stuck ? mean * (10 + 10 * uniform())
               : std::exponential_distribution<double>(1.0 / mean)(rng_);
  } else if (stuck) {
    // Past every tier: 5%..50% beyond the last escalation.
    ms = static_cast<double>(tiers.back().after.count()) * (1.05 + 0.45 * uniform());
  } else {
    // Mostly well within the SLA: exponential with a quarter of the SLA as mean; the rare draw
    // past 95% of the SLA is redrawn uniformly in the upper half, so no unintended breaches.
    const double sla = static_cast<double>(tiers.front().after.count());
    ms = std::exponential_distribution<double>(4.0 / sla)(rng_);
    if (ms > 0.95 * sla) ms = sla * (0.5 + 0.45 * uniform());
  }
  // At least a second, so an order's events never share a timestamp.
  return std::max<std::int64_t>(1000, static_cast<std::int64_t>(ms));
}

void FlowGenerator::start_order(std::int64_t at_ms) {
  Pending p{};
  p.time_ms = at_ms;
  p.seq = static_cast<std::uint32_t>(orders_started_++);
  p.step = 0;
  const auto n = static_cast<std::uint8_t>(std::min<std::size_t>(nonterminal_.size(), 255));
  p.walk_len = n;
  p.terminal = terminal_.empty() ? 0 : terminal_.front();
  if (terminal_.size() > 1 && uniform() < options_.other_terminal_fraction) {
    // E.g. Cancelled: ends early, after some prefix of the workflow.
    p.terminal = terminal_[1 + rng_() % (terminal_.size() - 1)];
    if (n > 0) p.walk_len = static_cast<std::uint8_t>(1 + rng_() % n);
  }
  for (std::size_t i = 0; i < dim_values_.size(); ++i) {
    p.dims[i] = static_cast<std::uint8_t>(rng_() % dim_values_[i].size());
  }
  pending_.push(p);
}

void FlowGenerator::write_id(std::uint32_t seq, std::string_view prefix, std::string& out) const {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint32_t h = mix32(seq + static_cast<std::uint32_t>(options_.seed * 0x9e3779b9U));
  out.assign(prefix);
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kHex[(h >> shift) & 0xf]);
}

std::uint8_t FlowGenerator::status_of(const Pending& p) const {
  if ((p.flags & kOnHold) != 0) return hold_[p.step];
  return p.step >= p.walk_len ? p.terminal : nonterminal_[p.step];
}

// The promise made at `at_ms`: a lead log-uniform in [longest / 24, longest], rounded up to the
// hour (a shop promises "by 18:00", not "by 17:43:12").
std::int64_t FlowGenerator::draw_promise(std::int64_t at_ms) {
  const double lead = promise_lead_ms_ * std::exp(-uniform() * std::log(24.0));
  const auto t = at_ms + static_cast<std::int64_t>(lead);
  return (t + kHourMs - 1) / kHourMs * kHourMs;
}

// When the order's next event (in `next`, its status next.step's) happens after a stay of
// `stay` from `from_ms`: a step into the promise's `until` (or a terminal status) that would be
// late is redrawn in the second half of the time left, unless the stay is stuck or the order is
// late already -- those miss the promise.
std::int64_t FlowGenerator::arrival(const Pending& next, std::int64_t from_ms, std::int64_t stay,
                                    bool stuck) {
  const std::int64_t at = from_ms + stay;
  if (promise_ < 0 || next.promise_ms == 0 || stuck || at < next.promise_ms ||
      from_ms >= next.promise_ms) {
    return at;
  }
  const std::uint8_t to = status_of(next);
  const auto& ms = config_.milestones[static_cast<std::size_t>(promise_)];
  if (!config_.statuses[to].terminal && ms.role(to) != sla::MilestoneRole::kUntil) return at;
  const auto left = static_cast<double>(next.promise_ms - from_ms);
  return from_ms +
         std::max<std::int64_t>(1000, static_cast<std::int64_t>(left * (0.5 + 0.45 * uniform())));
}

void FlowGenerator::emit(const Pending& p, FlowEvent& out) {
  const std::uint8_t status = status_of(p);
  const bool on_hold = (p.flags & kOnHold) != 0;
  write_id(p.seq, "ord-", out.id);
  out.status = status;
  out.time_ms = p.time_ms;
  out.bad = BadKind::kNone;
  out.order_seq = p.seq;
  out.stuck = false;
  out.promise_ms = (p.flags & kCarryPromise) != 0 ? p.promise_ms : 0;
  for (std::size_t i = 0; i < dim_values_.size(); ++i) out.dims[i] = dim_values_[i][p.dims[i]];
  Pending next = p;
  next.flags = static_cast<std::uint8_t>(p.flags & ~kCarryPromise);
  if (promise_ >= 0 && p.promise_ms == 0 &&
      config_.milestones[static_cast<std::size_t>(promise_)].role(status) ==
          sla::MilestoneRole::kFrom) {
    next.promise_ms = out.promise_ms = draw_promise(p.time_ms);
  }
  if (!on_hold && p.step >= p.walk_len) return;  // the terminal status
  // Without terminal statuses the walk ends in the last status: the order stays there.
  if (!on_hold && terminal_.empty() && p.step + 1 >= p.walk_len) return;
  out.stuck = uniform() < options_.stuck_fraction;
  const std::int64_t stay = stay_ms(status, out.stuck);
  if (on_hold) {
    // Released: back to the walk status, the promise moved by the hold's length.
    next.flags = static_cast<std::uint8_t>((next.flags & ~kOnHold) | kHeld);
    next.time_ms = p.time_ms + stay;
    if (next.promise_ms != 0) {
      next.promise_ms += stay;
      next.flags |= kCarryPromise;
    }
  } else if ((p.flags & kHeld) == 0 && hold_[p.step] != kNoHold &&
             uniform() < options_.hold_fraction) {
    next.flags |= kOnHold;
    next.time_ms = p.time_ms + stay;
  } else {
    next.step = static_cast<std::uint8_t>(p.step + 1);
    next.flags = static_cast<std::uint8_t>(next.flags & ~kHeld);
    next.time_ms = arrival(next, p.time_ms, stay, out.stuck);
  }
  pending_.push(next);
}

void FlowGenerator::make_bad(FlowEvent& out) {
  // A throw-away id with its own prefix, so bad messages never touch a simulated order.
  write_id(static_cast<std::uint32_t>(bad_seq_++) ^ 0xa5a5a5a5U, "bad-", out.id);
  out.bad = static_cast<BadKind>(1 + rng_() % 4);
  out.status = nonterminal_.empty() ? 0 : nonterminal_[rng_() % nonterminal_.size()];
  out.time_ms = now_ms_;
  out.order_seq = 0;
  out.stuck = false;
  out.promise_ms = 0;
  for (std::size_t i = 0; i < dim_values_.size(); ++i) out.dims[i] = dim_values_[i][0];
}

bool FlowGenerator::next(FlowEvent& out) {
  if (options_.bad_fraction > 0 && uniform() < options_.bad_fraction) {
    make_bad(out);
    return true;
  }
  const bool arrivals = options_.arrival_rate > 0 &&
                        (options_.max_orders == 0 || orders_started_ < options_.max_orders);
  if (arrivals) {
    const auto arrival = static_cast<std::int64_t>(next_arrival_ms_);
    if (pending_.empty() || arrival <= pending_.top().time_ms) {
      start_order(arrival);
      next_arrival_ms_ +=
          std::exponential_distribution<double>(options_.arrival_rate / 1000.0)(rng_);
    }
  }
  if (pending_.empty()) return false;
  const Pending p = pending_.top();
  pending_.pop();
  now_ms_ = p.time_ms;
  emit(p, out);
  return true;
}

void FlowGenerator::write(const Node& node, const FlowEvent& e, std::string& out) const {
  out.push_back('{');
  bool first = true;
  for (const auto& child : node.children) {
    if (child.slot == kSlotId && e.bad == BadKind::kMissingField) continue;
    if (child.slot == kSlotPromise && e.promise_ms == 0) continue;
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out.append(child.key);  // keys come from validated field paths: no escaping needed
    out.append("\":");
    switch (child.slot) {
      case -1:
        write(child, e, out);
        break;
      case kSlotId:
        out.push_back('"');
        out.append(e.id);  // ids are [a-z0-9-]
        out.push_back('"');
        break;
      case kSlotStatus:
        out.push_back('"');
        // Status names are validated to [A-Za-z][A-Za-z0-9_-]*: no escaping needed.
        out.append(e.bad == BadKind::kUnknownStatus ? unknown_status_
                                                    : config_.statuses[e.status].name);
        out.push_back('"');
        break;
      case kSlotTime:
        if (e.bad == BadKind::kBadTime) {
          out.append("\"not-a-time\"");
        } else {
          append_time(out, e.time_ms, options_.time_format);
        }
        break;
      case kSlotPromise:
        append_time(out, e.promise_ms, options_.time_format);
        break;
      case kSlotConstant:
        out.append(child.constant);
        break;
      case kSlotEventId:
        out.push_back('"');
        out.append(e.id);
        out.push_back('-');
        append_int(out, e.status);
        out.push_back('"');
        break;
      default:
        out.push_back('"');
        out.append(e.dims[static_cast<std::size_t>(child.slot - kSlotDim)]);
        out.push_back('"');
        break;
    }
  }
  out.push_back('}');
}

void FlowGenerator::serialize(const FlowEvent& event, std::string& out) const {
  out.clear();
  write(root_, event, out);
  // Malformed: the same event cut short, as a producer crashing mid-write would leave it.
  if (event.bad == BadKind::kMalformed) out.resize(out.size() - 1);
}

}  // namespace orderwatch::loadgen
