// EventDecoder (decoder.h): payload bytes -> Event, called by the ingest pipeline once per
// message, one decoder per delivery thread. Owns the padded buffer and the simdjson DOM parser;
// why DOM and not On Demand: docs/design.md, "events: the event model and the decoder".
#include "orderwatch/events/decoder.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace orderwatch::events {

namespace {

// A dotted path split into its segments once, at construction.
using Path = std::vector<std::string>;

Path split_path(std::string_view dotted) {
  Path out;
  std::size_t start = 0;
  while (true) {
    const auto dot = dotted.find('.', start);
    out.emplace_back(
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

// Holds the decimal text of a number value so the Event's string_view outlives the parse
// (until the next decode()). 32 bytes fit any int64/uint64 and any shortest double.
struct NumberText {
  std::array<char, 32> buf{};
  std::string_view render_int(std::int64_t v) {
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
  }
  std::string_view render_uint(std::uint64_t v) {
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return {buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
  }
  std::string_view render_double(double v) {
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
    if (r.ec != std::errc()) return {};
    return {buf.data(), static_cast<std::size_t>(r.ptr - buf.data())};
  }
};

}  // namespace

struct EventDecoder::Impl {
  explicit Impl(const sla::Config& config)
      : cloudevents(config.event.format == sla::EventFormat::kCloudEvents),
        max_payload(config.event.max_payload_bytes),
        max_future_skew_ms(config.event.max_future_skew.count()),
        max_age_ms(config.retention.max_age.count()),
        max_id_bytes(config.event.max_id_bytes),
        max_dim_bytes(config.event.max_dimension_value_bytes),
        id_path(split_path(config.event.id_field)),
        status_path(split_path(config.event.status_field)),
        time_path(split_path(config.event.time_field)) {
    for (const auto& s : config.statuses) statuses.push_back(s.name);
    // One path per deadline slot: milestones sharing a deadline_field share its slot, so the
    // field is read once per event.
    for (const auto& m : config.milestones) {
      if (!m.has_deadline_field() || m.deadline_slot >= kMaxMilestoneDeadlines) continue;
      if (deadline_paths.size() <= m.deadline_slot) deadline_paths.resize(m.deadline_slot + 1u);
      deadline_paths[m.deadline_slot] = m.deadline_path;
    }
    const auto n = std::min(config.event.dimensions.size(), kMaxDimensions);
    for (std::size_t i = 0; i < n; ++i)
      dim_paths.push_back(split_path(config.event.dimensions[i].field));
    // Typical events are a few hundred bytes; start there and grow (doubling) on demand.
    grow(std::min<std::size_t>(max_payload, 4096));
  }

  // Makes room for a payload of `len` bytes. Allocates only when a payload is larger than
  // any seen before, so the steady state allocates nothing.
  bool grow(std::size_t len) {
    if (len <= capacity && buffer) return true;
    std::size_t cap = std::max<std::size_t>(capacity * 2, 512);
    while (cap < len) cap *= 2;
    cap = std::min<std::size_t>(cap, std::max<std::size_t>(max_payload, len));
    buffer.reset(new (std::nothrow) char[cap + simdjson::SIMDJSON_PADDING]);
    if (!buffer) return false;
    if (parser.allocate(cap) != simdjson::SUCCESS) return false;
    if (doc.allocate(cap) != simdjson::SUCCESS) return false;
    capacity = cap;
    return true;
  }

  // The element at `path`, or an error when any segment is absent or a non-object is crossed.
  simdjson::simdjson_result<simdjson::dom::element> lookup(simdjson::dom::object root,
                                                           const Path& path) const {
    simdjson::dom::object obj = root;
    for (std::size_t i = 0;; ++i) {
      simdjson::dom::element e;
      if (auto err = obj.at_key(path[i]).get(e)) return err;
      if (i + 1 == path.size()) return e;
      if (auto err = e.get_object().get(obj)) return err;
    }
  }

  // Statuses are few (a workflow has ~3-10), so a length-then-bytes linear scan beats hashing.
  int find_status(std::string_view name) const {
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      const auto& s = statuses[i];
      if (s.size() == name.size() && std::memcmp(s.data(), name.data(), name.size()) == 0) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // Renders a scalar as label/id text; empty view when the element is not a scalar.
  static std::string_view scalar_text(simdjson::dom::element e, NumberText& text) {
    using T = simdjson::dom::element_type;
    switch (e.type()) {
      case T::STRING: {
        std::string_view v;
        return e.get_string().get(v) ? std::string_view{} : v;
      }
      case T::INT64:
        return text.render_int(e.get_int64().value_unsafe());
      case T::UINT64:
        return text.render_uint(e.get_uint64().value_unsafe());
      case T::DOUBLE:
        return text.render_double(e.get_double().value_unsafe());
      case T::BOOL:
        return e.get_bool().value_unsafe() ? "true" : "false";
      default:
        return {};
    }
  }

  // The hot path: one call per message, no allocation in the steady state. The steps below
  // are always inlined into it; the order of the checks is the contract in decoder.h.
  std::optional<RejectReason> decode(std::string_view payload, std::int64_t now_ms, Event& out) {
    simdjson::dom::object obj;
    if (auto reject = parse(payload, obj)) return reject;
    out = Event{};
    if (auto reject = read_id(obj, out)) return reject;
    simdjson::dom::element e;
    std::string_view status;
    if (lookup(obj, status_path).get(e) || e.get_string().get(status)) {
      return RejectReason::kMissingField;
    }
    simdjson::dom::element time_el;
    if (lookup(obj, time_path).get(time_el)) return RejectReason::kMissingField;
    const int idx = find_status(status);
    if (idx < 0) return RejectReason::kUnknownStatus;
    out.status = static_cast<std::uint8_t>(idx);
    if (auto reject = read_time(time_el, now_ms, out)) return reject;
    read_dimensions(obj, out);
    read_deadlines(obj, out);
    return std::nullopt;
  }

  // Copies the payload into the padded buffer and validates the whole document; the root
  // object (and, for CloudEvents, the envelope's specversion) or the reason.
  [[gnu::always_inline]] std::optional<RejectReason> parse(std::string_view payload,
                                                           simdjson::dom::object& obj) {
    if (payload.size() > max_payload) return RejectReason::kTooLarge;
    if (!grow(payload.size())) return RejectReason::kTooLarge;
    std::memcpy(buffer.get(), payload.data(), payload.size());
    // simdjson reads up to SIMDJSON_PADDING bytes past the end; zero them so the bytes it sees
    // are deterministic (keeps valgrind/MSan quiet).
    std::memset(buffer.get() + payload.size(), 0, simdjson::SIMDJSON_PADDING);

    simdjson::dom::element root;
    if (parser.parse_into_document(doc, buffer.get(), payload.size(), false).get(root)) {
      return RejectReason::kMalformed;
    }
    if (root.get_object().get(obj)) return RejectReason::kMalformed;
    if (cloudevents) {
      // The envelope; a field under `data` is simply absent when `data` is (missing_field).
      std::string_view version;
      if (obj.at_key("specversion").get_string().get(version) || version != "1.0") {
        return RejectReason::kMalformed;
      }
    }
    return std::nullopt;
  }

  // Id: a non-empty string, or an integer rendered as decimal text into id_text.
  [[gnu::always_inline]] std::optional<RejectReason> read_id(simdjson::dom::object obj,
                                                             Event& out) {
    simdjson::dom::element e;
    if (lookup(obj, id_path).get(e)) return RejectReason::kMissingField;
    switch (e.type()) {
      case simdjson::dom::element_type::STRING:
        out.id = e.get_string().value_unsafe();
        break;
      case simdjson::dom::element_type::INT64:
        out.id = id_text.render_int(e.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        out.id = id_text.render_uint(e.get_uint64().value_unsafe());
        break;
      default:
        return RejectReason::kMissingField;
    }
    if (out.id.empty()) return RejectReason::kMissingField;
    if (out.id.size() > max_id_bytes) return RejectReason::kIdTooLong;
    return std::nullopt;
  }

  // An event time (text or an epoch number) in any accepted format, or nullopt when the
  // element is not one (null, bool, object, array, unparsable) or at or before the epoch.
  [[gnu::always_inline]] static std::optional<std::int64_t> element_time(simdjson::dom::element e) {
    std::optional<std::int64_t> t;
    switch (e.type()) {
      case simdjson::dom::element_type::STRING:
        t = parse_time_text(e.get_string().value_unsafe());
        break;
      case simdjson::dom::element_type::INT64:
        t = epoch_number_to_ms(static_cast<double>(e.get_int64().value_unsafe()));
        break;
      case simdjson::dom::element_type::UINT64:
        t = epoch_number_to_ms(static_cast<double>(e.get_uint64().value_unsafe()));
        break;
      case simdjson::dom::element_type::DOUBLE:
        t = epoch_number_to_ms(e.get_double().value_unsafe());
        break;
      default:
        return std::nullopt;  // null, bool, object, array: there, but not a time
    }
    if (t && *t <= 0) return std::nullopt;
    return t;
  }

  // The event time: an event time (element_time), within retention.max_age of `now_ms` and at
  // most max_future_skew ahead of it.
  [[gnu::always_inline]] std::optional<RejectReason> read_time(simdjson::dom::element time_el,
                                                               std::int64_t now_ms,
                                                               Event& out) const {
    const std::optional<std::int64_t> t = element_time(time_el);
    if (!t) return RejectReason::kBadTime;
    // Decades-old times would be evicted at once and observed into +Inf; the clock bounds
    // saturate, so no now_ms a caller passes can overflow them.
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const std::int64_t oldest = now_ms < kMin + max_age_ms ? kMin : now_ms - max_age_ms;
    if (*t <= oldest) return RejectReason::kBadTime;
    const std::int64_t limit =
        now_ms > kMax - max_future_skew_ms ? kMax : now_ms + max_future_skew_ms;
    if (*t > limit) return RejectReason::kFutureTime;
    out.time_ms = *t;
    return std::nullopt;
  }

  [[gnu::always_inline]] void read_dimensions(simdjson::dom::object obj, Event& out) {
    simdjson::dom::element e;
    for (std::size_t i = 0; i < dim_paths.size(); ++i) {
      if (lookup(obj, dim_paths[i]).get(e)) continue;
      // Empty values are treated as absent: Prometheus cannot tell an empty label from a
      // missing one, and the tracker labels absent dimensions "unknown".
      const std::string_view v = scalar_text(e, dim_text[i]);
      if (v.empty()) continue;
      // Long values would cost memory per label set and bytes per scrape.
      out.dims[i] = v.size() > max_dim_bytes ? std::string_view("other") : v;
      out.has_dim[i] = true;
    }
  }

  // Each deadline slot's field: an event time (no bound against the clock: a promise lies ahead,
  // a missed one behind); absent or null leaves it unset, anything else marks it bad.
  [[gnu::always_inline]] void read_deadlines(simdjson::dom::object obj, Event& out) const {
    simdjson::dom::element e;
    for (std::size_t k = 0; k < deadline_paths.size(); ++k) {
      if (deadline_paths[k].empty() || lookup(obj, deadline_paths[k]).get(e) || e.is_null()) {
        continue;
      }
      const auto bit = static_cast<std::uint8_t>(1u << k);
      if (const std::optional<std::int64_t> t = element_time(e)) {
        out.deadline_ms[k] = *t;
        out.has_deadline = static_cast<std::uint8_t>(out.has_deadline | bit);
      } else {
        out.bad_deadline = static_cast<std::uint8_t>(out.bad_deadline | bit);
      }
    }
  }

  const bool cloudevents;
  const std::size_t max_payload;
  const std::int64_t max_future_skew_ms;
  const std::int64_t max_age_ms;  // retention.max_age
  const std::size_t max_id_bytes;
  const std::size_t max_dim_bytes;
  Path id_path, status_path, time_path;
  std::vector<Path> dim_paths;
  std::vector<Path> deadline_paths;  // by deadline slot; empty: no milestone reads the slot
  std::vector<std::string> statuses;

  std::unique_ptr<char[]> buffer;  // capacity + SIMDJSON_PADDING bytes
  std::size_t capacity = 0;
  simdjson::dom::parser parser;
  simdjson::dom::document doc;
  NumberText id_text;
  std::array<NumberText, kMaxDimensions> dim_text;
};

EventDecoder::EventDecoder(const sla::Config& config) : impl_(std::make_unique<Impl>(config)) {}
EventDecoder::~EventDecoder() = default;

std::optional<RejectReason> EventDecoder::decode(std::string_view payload, std::int64_t now_ms,
                                                 Event& out) {
  try {
    return impl_->decode(payload, now_ms, out);
  } catch (...) {
    // simdjson's error-code API does not throw; this guards the promise "never throws" should a
    // future change introduce an allocating path.
    return RejectReason::kMalformed;
  }
}

}  // namespace orderwatch::events
