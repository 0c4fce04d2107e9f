// The JetStream resume arithmetic (jetstream.h; resume_point is inline there): the start-up
// re-read plan and the ack subject parser run for every pulled message. Called by the
// consumer's pull loop and binder; pure, unit-tested.
#include <algorithm>
#include <array>

#include "orderwatch/ingest/jetstream.h"

namespace orderwatch::ingest {

ResumePlan plan_resume(std::uint64_t covered, std::uint64_t stream_first, std::uint64_t stream_last,
                       std::optional<std::uint64_t> durable_delivered) {
  ResumePlan plan;
  // A state ahead of the stream comes from another incarnation of it (deleted and created
  // again): its sequence means nothing here, so rebuild from what the stream holds.
  if (covered > stream_last) covered = 0;
  const bool empty = stream_last == 0 || stream_first > stream_last;
  const std::uint64_t held_from =
      empty ? stream_last + 1 : std::max<std::uint64_t>(stream_first, 1);
  if (!durable_delivered) {
    plan.durable_start = covered == 0 ? 0 : covered + 1;
    if (covered > 0 && held_from > covered + 1) plan.lost = held_from - covered - 1;
    return plan;
  }
  const std::uint64_t delivered = *durable_delivered;
  // The consumer will deliver everything after `delivered` (and redeliver what it still owes
  // before it); only what it already delivered, and may have had acknowledged, must be re-read.
  if (delivered <= covered) return plan;
  if (covered > 0 && held_from > covered + 1) {
    plan.lost = std::min(held_from, delivered + 1) - covered - 1;
  }
  if (!empty) {
    const std::uint64_t from = std::max(covered + 1, held_from);
    const std::uint64_t to = std::min(delivered, stream_last);
    if (from <= to) {
      plan.replay_from = from;
      plan.replay_to = to;
    }
  }
  return plan;
}

bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& delivered,
                       std::uint64_t& pending) {
  std::uint64_t consumer_seq = 0;
  return parse_ack_subject(reply, seq, consumer_seq, delivered, pending);
}

bool parse_ack_subject(std::string_view reply, std::uint64_t& seq, std::uint64_t& consumer_seq,
                       std::uint64_t& delivered, std::uint64_t& pending) {
  // One pass over the bytes, no allocation (this runs for every message): where each token
  // starts, then the numbers of the tokens that matter.
  constexpr std::size_t kMaxTokens = 16;
  std::array<std::uint32_t, kMaxTokens + 1> start;  // start[t]: first byte of token t
  std::size_t count = 1;
  start[0] = 0;
  const char* p = reply.data();
  const std::size_t size = reply.size();
  for (std::size_t i = 0; i < size; ++i) {
    if (p[i] != '.') continue;
    if (count == kMaxTokens) return false;
    start[count++] = static_cast<std::uint32_t>(i + 1);
  }
  start[count] = static_cast<std::uint32_t>(size + 1);  // one past the last token's dot
  if (count < 9 || (count != 9 && count < 11)) return false;
  if (reply.substr(0, 8) != "$JS.ACK.") return false;
  const std::size_t at = count == 9 ? 4 : 6;  // index of <delivered>
  auto number = [&](std::size_t t, std::uint64_t& out) {
    const std::size_t from = start[t], to = start[t + 1] - 1;
    if (from == to) return false;
    out = 0;
    for (std::size_t i = from; i < to; ++i) {
      const char c = p[i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  };
  return number(at, delivered) && number(at + 1, seq) && number(at + 2, consumer_seq) &&
         number(at + 4, pending);
}

}  // namespace orderwatch::ingest
