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
  kSlotDim = 100
};

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
  for (std::size_t i = 0; i < config.statuses.size() && i < 256; ++i) {
    (config.statuses[i].terminal ? terminal_ : nonterminal_)
        .push_back(static_cast<std::uint8_t>(i));
  }
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
  if (ev.format == sla::EventFormat::kCloudEvents) {
    // Required CloudEvents attributes, unless a configured field path already uses the name.
    add_leaf("specversion", kSlotConstant, "\"1.0\"");
    add_leaf("id", kSlotEventId);
    add_leaf("source", kSlotConstant, "\"/orderwatch/loadgen/" + config.service + "\"");
    add_leaf("type", kSlotConstant, "\"com.example.order.status\"");
    add_leaf("datacontenttype", kSlotConstant, "\"application/json\"");
  }
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

void FlowGenerator::emit(const Pending& p, FlowEvent& out) {
  const bool is_terminal_step = p.step >= p.walk_len;
  const std::uint8_t status = is_terminal_step ? p.terminal : nonterminal_[p.step];
  write_id(p.seq, "ord-", out.id);
  out.status = status;
  out.time_ms = p.time_ms;
  out.bad = BadKind::kNone;
  out.order_seq = p.seq;
  out.stuck = false;
  for (std::size_t i = 0; i < dim_values_.size(); ++i) out.dims[i] = dim_values_[i][p.dims[i]];
  if (is_terminal_step) return;
  // Without terminal statuses the walk ends in the last status: the order stays there.
  if (terminal_.empty() && p.step + 1 >= p.walk_len) return;
  out.stuck = uniform() < options_.stuck_fraction;
  Pending next = p;
  next.time_ms = p.time_ms + stay_ms(status, out.stuck);
  next.step = static_cast<std::uint8_t>(p.step + 1);
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
        } else if (options_.time_format == TimeFormat::kEpochMillis) {
          append_int(out, e.time_ms);
        } else if (options_.time_format == TimeFormat::kEpochSeconds) {
          append_int(out, e.time_ms / 1000);
          out.push_back('.');
          const auto frac = static_cast<unsigned>(e.time_ms % 1000);
          out.push_back(static_cast<char>('0' + frac / 100));
          append_2(out, frac % 100);
        } else {
          out.push_back('"');
          events::append_rfc3339_ms(out, e.time_ms);
          out.push_back('"');
        }
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
